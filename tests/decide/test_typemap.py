"""typemap: declared SQLite type names → categories, and the PostgreSQL names they render to.

Affinities are checked against SQLite itself: ``CAST(x AS <declared type>)`` applies the same
five rules as a column declaration (https://www.sqlite.org/datatype3.html §3.1), so the storage
class SQLite gives '1.5' and '2' under that type reveals the affinity.
"""

from __future__ import annotations

import sqlite3

import pytest

from dumpconv.base.encode import C_BLOB, C_INT, C_REAL, C_TEXT
from dumpconv.decide.typemap import Cat, Declared, declared, describe_classes, integer_type, render
from dumpconv.read.schema import Affinity, affinity
from tests.pgharness import PgServer

# The examples table of datatype3.html §3.1.1, plus the notes below it.
SQLITE_EXAMPLES = {
    Affinity.INTEGER: [
        "INT",
        "INTEGER",
        "TINYINT",
        "SMALLINT",
        "MEDIUMINT",
        "BIGINT",
        "UNSIGNED BIG INT",
        "INT2",
        "INT8",
        "FLOATING POINT",  # "INT" in POINT: rule 1 wins
        "CHARINT",  # rules 1 and 2 match; the first wins
    ],
    Affinity.TEXT: [
        "CHARACTER(20)",
        "VARCHAR(255)",
        "VARYING CHARACTER(255)",
        "NCHAR(55)",
        "NATIVE CHARACTER(70)",
        "NVARCHAR(100)",
        "TEXT",
        "CLOB",
    ],
    Affinity.BLOB: ["BLOB"],
    Affinity.REAL: ["REAL", "DOUBLE", "DOUBLE PRECISION", "FLOAT"],
    Affinity.NUMERIC: ["NUMERIC", "DECIMAL(10,5)", "BOOLEAN", "DATE", "DATETIME", "STRING"],
}
_CASES = [(t, a) for a, names in SQLITE_EXAMPLES.items() for t in names]

_SQLITE = sqlite3.connect(":memory:")


def sqlite_affinity(decl: str) -> Affinity:
    """The affinity SQLite gives a declared type, read from what CAST does with it."""
    if not decl.strip():
        # no type: CAST needs one, so ask a column (BLOB affinity converts nothing)
        _SQLITE.execute("CREATE TEMP TABLE IF NOT EXISTS untyped (v)")
        _SQLITE.execute("DELETE FROM untyped")
        _SQLITE.execute("INSERT INTO untyped VALUES ('1.5'), ('2')")
        kinds = tuple(r[0] for r in _SQLITE.execute("SELECT typeof(v) FROM untyped"))
        assert kinds == ("text", "text")  # nothing converted: BLOB affinity
        return Affinity.BLOB
    else:
        kinds = _SQLITE.execute(
            f"SELECT typeof(CAST('1.5' AS {decl})), typeof(CAST('2' AS {decl}))"
        ).fetchone()
    return {
        ("integer", "integer"): Affinity.INTEGER,
        ("real", "integer"): Affinity.NUMERIC,
        ("real", "real"): Affinity.REAL,
        ("text", "text"): Affinity.TEXT,
        ("blob", "blob"): Affinity.BLOB,
    }[kinds]


@pytest.mark.parametrize(("decl", "expected"), _CASES, ids=[c[0] for c in _CASES])
def test_affinity_follows_sqlite(decl: str, expected: Affinity) -> None:
    assert sqlite_affinity(decl) is expected  # the documentation agrees with the engine
    assert affinity(decl) is expected


@pytest.mark.parametrize(
    "decl", ["", "  ", "int", "Text", "blob", "float8", "BIGINT UNSIGNED", "xyz", "POINT"]
)
def test_affinity_of_other_spellings_follows_sqlite(decl: str) -> None:
    assert affinity(decl) is sqlite_affinity(decl)


# --- categories ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decl", "cat"),
    [
        ("INT", Cat.BIGINT),
        ("INTEGER", Cat.BIGINT),
        ("int(11)", Cat.BIGINT),
        ("MEDIUMINT", Cat.INTEGER),
        ("SMALLINT", Cat.SMALLINT),
        ("INT2", Cat.SMALLINT),
        ("TINYINT", Cat.SMALLINT),
        ("tinyint(4)", Cat.SMALLINT),
        ("BIGINT", Cat.BIGINT),
        ("bigint(20)", Cat.BIGINT),
        ("INT8", Cat.BIGINT),  # SQLite: INTEGER affinity, 64 bits (not a 1-byte int)
        ("UNSIGNED BIG INT", Cat.BIGINT),
        ("BOOL", Cat.BOOLEAN),
        ("BOOLEAN", Cat.BOOLEAN),
        ("boolean", Cat.BOOLEAN),
        ("REAL", Cat.DOUBLE),
        ("DOUBLE", Cat.DOUBLE),
        ("DOUBLE PRECISION", Cat.DOUBLE),
        ("double  precision", Cat.DOUBLE),
        ("FLOAT", Cat.DOUBLE),
        ("FLOAT(53)", Cat.DOUBLE),
        ("TEXT", Cat.TEXT),
        ("CLOB", Cat.TEXT),
        ("LONGVARCHAR", Cat.TEXT),
        ("MEDIUMTEXT", Cat.TEXT),
        ("VARCHAR", Cat.TEXT),
        ("BLOB", Cat.BYTEA),
        ("DATETIME", Cat.TIMESTAMP),
        ("TIMESTAMP", Cat.TIMESTAMP),
        ("datetime(6)", Cat.TIMESTAMP),
        ("TIMESTAMP WITH TIME ZONE", Cat.TIMESTAMP),
        ("DATE", Cat.DATE),
        ("TIME", Cat.TIME),
        ("JSON", Cat.JSON),
        ("UUID", Cat.UUID),
        ("", Cat.ANY),
        ("ANY", Cat.ANY),
        ("NUMERIC", Cat.NUMERIC),
        ("DECIMAL", Cat.NUMERIC),
    ],
)
def test_named_categories(decl: str, cat: Cat) -> None:
    assert declared(decl).cat is cat


@pytest.mark.parametrize("decl", ["tinyint(1)", "TINYINT(1)", "tinyint( 1 )", "TinyInt (1)"])
def test_tinyint_1_is_boolean(decl: str) -> None:
    assert declared(decl) == Declared(Cat.BOOLEAN)


@pytest.mark.parametrize(
    ("decl", "length"),
    [
        ("varchar(255)", 255),
        ("VARCHAR( 10 )", 10),
        ("nvarchar(100)", 100),
        ("character varying(20)", 20),
        ("CHARACTER(20)", 20),  # char(n) pads in PostgreSQL: varchar(n) instead
        ("CHAR(1)", 1),
        ("NCHAR(55)", 55),
        ("NATIVE CHARACTER(70)", 70),
        ("VARYING CHARACTER(255)", 255),
    ],
)
def test_character_types_with_a_length_are_varchar(decl: str, length: int) -> None:
    d = declared(decl)
    assert d == Declared(Cat.VARCHAR, length=length)
    assert render(d) == f"varchar({length})"


@pytest.mark.parametrize("decl", ["CHAR(0)", "VARCHAR(0)", "varchar", "CHARACTER", "TEXT(100)"])
def test_character_types_without_a_usable_length_are_text(decl: str) -> None:
    d = declared(decl)
    assert d.cat is Cat.TEXT
    assert render(d) == "text"


@pytest.mark.parametrize(
    ("decl", "rendered"),
    [
        ("decimal(10,2)", "numeric(10,2)"),
        ("DECIMAL(10, 2)", "numeric(10,2)"),
        ("NUMERIC(10,5)", "numeric(10,5)"),
        ("numeric(5)", "numeric(5,0)"),
        ("NUMERIC(1000,0)", "numeric(1000,0)"),
        ("NUMERIC", "numeric"),
        ("DECIMAL", "numeric"),
        ("NUMERIC(1001,2)", "numeric"),  # beyond PostgreSQL's maximum precision
        ("NUMERIC(0)", "numeric"),
        ("NUMERIC(5,6)", "numeric"),  # scale > precision: PostgreSQL 13/14 reject it
        ("NUMERIC(5,-1)", "numeric"),
    ],
)
def test_numeric_precision_and_scale(decl: str, rendered: str) -> None:
    d = declared(decl)
    assert d.cat is Cat.NUMERIC
    assert render(d) == rendered


@pytest.mark.parametrize(
    ("decl", "cat"),
    [
        ("MYINTEGERISH", Cat.BIGINT),  # INTEGER affinity: 64-bit
        ("FLOATING POINT", Cat.BIGINT),
        ("CHARINT", Cat.BIGINT),
        ("MYTEXT", Cat.TEXT),  # TEXT affinity
        ("STRINGCHAR", Cat.TEXT),
        ("SOMEBLOB", Cat.BYTEA),  # BLOB affinity, says blob
        ("DOUBLEWIDE", Cat.DOUBLE),  # REAL affinity
        ("FLOATY", Cat.DOUBLE),
        ("STRING", Cat.ANY),  # NUMERIC affinity: nothing more than "any value"
        ("XYZ", Cat.ANY),
        ("POINT", Cat.BIGINT),  # "INT" in POINT
    ],
)
def test_unknown_names_are_decided_by_affinity(decl: str, cat: Cat) -> None:
    assert declared(decl).cat is cat


def test_temporal_flag() -> None:
    assert declared("DATETIME").temporal
    assert declared("DATE").temporal
    assert declared("TIME").temporal
    assert not declared("TEXT").temporal


def test_render_names() -> None:
    assert render(Declared(Cat.ANY)) == "text"
    assert render(Declared(Cat.DOUBLE)) == "double precision"
    assert render(Declared(Cat.JSON)) == "jsonb"
    assert render(Declared(Cat.BYTEA)) == "bytea"
    assert render(Declared(Cat.TIMESTAMP)) == "timestamp"


# PostgreSQL's documented ranges (datatype-numeric.html, table 8.2)
@pytest.mark.parametrize(
    ("lo", "hi", "floor", "expected"),
    [
        (-32768, 32767, "smallint", "smallint"),
        (-32769, 0, "smallint", "integer"),
        (0, 32768, "smallint", "integer"),
        (-2147483648, 2147483647, "smallint", "integer"),
        (-2147483649, 0, "smallint", "bigint"),
        (0, 2147483648, "smallint", "bigint"),
        (0, 1, "integer", "integer"),
        (0, 1, "bigint", "bigint"),
        (-(2**63), 2**63 - 1, "smallint", "bigint"),
    ],
)
def test_integer_type_ranges(lo: int, hi: int, floor: str, expected: str) -> None:
    assert integer_type(lo, hi, floor) == expected


def test_describe_classes_in_a_fixed_order() -> None:
    assert describe_classes({C_BLOB, C_INT, C_TEXT, C_REAL}) == "integers, reals, texts, blobs"
    assert describe_classes({C_TEXT}) == "texts"


@pytest.mark.pg
def test_every_rendered_type_is_a_postgresql_type(pg_server: PgServer, pg_db: str) -> None:
    decls = [
        "INT", "SMALLINT", "BIGINT", "BOOLEAN", "REAL", "TEXT", "varchar(10)", "BLOB",
        "DATETIME", "DATE", "TIME", "JSON", "UUID", "", "decimal(10,2)", "NUMERIC",
        "NUMERIC(1000,0)", "NUMERIC(5,6)",
    ]  # fmt: skip
    rendered = [render(declared(d)) for d in decls]
    casts = ", ".join(f"NULL::{t}" for t in rendered)
    assert len(pg_server.query(pg_db, f"SELECT {casts}")[0]) == len(decls)
    # and the integer ranges are PostgreSQL's
    for name, lo, hi in (("smallint", -32768, 32767), ("integer", -(2**31), 2**31 - 1)):
        pg_server.query(pg_db, f"SELECT ({lo})::{name}, ({hi})::{name}")
        for out in (lo - 1, hi + 1):
            with pytest.raises(Exception, match="out of range"):
                pg_server.query(pg_db, f"SELECT ({out})::{name}")
