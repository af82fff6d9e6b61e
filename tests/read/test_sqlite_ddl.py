"""sqlite_ddl.parse_create_table: every CREATE TABLE form a dump can hold.

The reference is SQLite itself (the library behind Python's sqlite3 module): each statement is
also created in ``:memory:`` and its ``PRAGMA table_xinfo`` / ``index_list`` /
``foreign_key_list`` and its behaviour (rowid aliasing, DEFAULT values) are compared with
what the reader made of the text.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from dumpconv.base.errors import DumpconvError
from dumpconv.read.schema import Affinity, Schema, Table, fold
from dumpconv.read.sqlite_ddl import parse_create_table


def parse(sql: str, schema: Schema | None = None) -> Table:
    return parse_create_table(sql, 7, schema if schema is not None else Schema())


def sqlite_db(sql: str) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(sql)
    return conn


def table_name(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'").fetchone()
    return str(row[0])


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- structure, compared with SQLite's own catalogue ---------------------------------------------

STRUCTURE_CASES = {
    "quote styles": (
        'CREATE TABLE IF NOT EXISTS "quote""d" ("col""q" TEXT, `back``tick` INT, '
        "[brack\"et] TEXT, 'single' REAL, bare BLOB)"
    ),
    "single-quoted table": "CREATE TABLE IF NOT EXISTS 'single_quoted' (x)",
    "brackets with space": "CREATE TABLE [table with space] (a, b)",
    "comments inside": (
        "CREATE TABLE c1 ( -- the key\n id INTEGER PRIMARY KEY, /* a; comment, (with) parens */"
        "\n  name TEXT -- trailing, comment\n  , qty INT /* last */ )"
    ),
    "multi-word and parameterised types": (
        "CREATE TABLE types (a UNSIGNED BIG INT, b VARYING CHARACTER(255), "
        "c NATIVE CHARACTER(70), d DOUBLE PRECISION, e decimal(10, 2), f DECIMAL(10,5), "
        "g NVARCHAR(100), h INTEGER NON NULL, i, j ANY, k datetime)"
    ),
    "constraint names": (
        "CREATE TABLE cn (id INTEGER CONSTRAINT pk PRIMARY KEY, a INT CONSTRAINT nn NOT NULL "
        "CONSTRAINT uq UNIQUE CONSTRAINT ck CHECK (a > 0), b INT CONSTRAINT fk REFERENCES p(id), "
        "CONSTRAINT tuq UNIQUE (a, b), CONSTRAINT tck CHECK (b <> a))"
    ),
    "pk asc autoincrement": "CREATE TABLE pa (id INTEGER PRIMARY KEY ASC AUTOINCREMENT, v)",
    "pk desc": "CREATE TABLE pd (id INTEGER PRIMARY KEY DESC, v)",
    "table pk autoincrement": (
        "CREATE TABLE tpa (id INTEGER, v TEXT, PRIMARY KEY(id AUTOINCREMENT))"
    ),
    "table pk desc composite": (
        "CREATE TABLE tpd (a TEXT, b INT, v, PRIMARY KEY (b DESC, a COLLATE NOCASE))"
    ),
    "on conflict": (
        "CREATE TABLE oc (id INTEGER PRIMARY KEY ON CONFLICT REPLACE, "
        "a TEXT NOT NULL ON CONFLICT IGNORE UNIQUE ON CONFLICT ABORT, b INT NULL ON CONFLICT FAIL, "
        "UNIQUE (a, b) ON CONFLICT ROLLBACK, CHECK (b > 0) ON CONFLICT FAIL)"
    ),
    "unique and check": (
        "CREATE TABLE uc (a INT UNIQUE, b TEXT CHECK (length(b) > (1 + (2 * (3)))), "
        "c INT CHECK (c IN (1, 2, 3)) CHECK (c <> ')'), UNIQUE (b, c), CHECK ((a + c) > 0))"
    ),
    "defaults": (
        "CREATE TABLE df (a INT DEFAULT 0, b INT DEFAULT -1, c REAL DEFAULT +1.5, "
        "d REAL DEFAULT 1e10, e TEXT DEFAULT 'x''y', f BLOB DEFAULT x'00ff', "
        "g BOOLEAN DEFAULT TRUE, h BOOLEAN DEFAULT FALSE, i DATETIME DEFAULT CURRENT_TIMESTAMP, "
        "j TEXT DEFAULT (lower('ABC') || 'd'), k TEXT DEFAULT NULL, l INT DEFAULT 0x10, "
        "m REAL DEFAULT -2.5e-3, n DATE DEFAULT CURRENT_DATE, o TEXT DEFAULT (datetime('now')))"
    ),
    "collate": "CREATE TABLE co (a TEXT COLLATE NOCASE, b TEXT COLLATE RTRIM NOT NULL, c)",
    "references": (
        "CREATE TABLE rf (id INTEGER PRIMARY KEY, "
        "p INTEGER REFERENCES parent(id) ON DELETE CASCADE ON UPDATE SET NULL, "
        "q INT REFERENCES parent ON UPDATE SET DEFAULT MATCH SIMPLE, "
        "r INT REFERENCES [Other Parent]([Key]) DEFERRABLE INITIALLY DEFERRED, "
        "s INT, t INT, "
        "FOREIGN KEY (s, t) REFERENCES pair(x, y) ON DELETE RESTRICT NOT DEFERRABLE, "
        "CONSTRAINT fk_t FOREIGN KEY (t) REFERENCES parent(id) ON DELETE NO ACTION)"
    ),
    "generated": (
        "CREATE TABLE ge (a INT, b INT GENERATED ALWAYS AS (a * 2) VIRTUAL, "
        "c INT AS (a + 1) STORED, d TEXT AS (upper(a)), e GENERATED ALWAYS AS (a || 'x'), f)"
    ),
    "without rowid": "CREATE TABLE wr (k TEXT PRIMARY KEY, v) WITHOUT ROWID",
    "strict": "CREATE TABLE st (id INTEGER PRIMARY KEY, v ANY, t TEXT NOT NULL) STRICT",
    "strict and without rowid": (
        "CREATE TABLE sw (k TEXT PRIMARY KEY, v INT) STRICT, WITHOUT ROWID"
    ),
    "without rowid and strict": (
        "CREATE TABLE ws (k TEXT PRIMARY KEY, v INT) WITHOUT ROWID, STRICT"
    ),
    "schema qualified": "CREATE TABLE main.mq (a INT)",
    "keyword-like column names": (
        "CREATE TABLE kw (key INT, generated INT, stored TEXT, action TEXT, desc_ INT, "
        '"order" INT, [select] TEXT, `group` TEXT)'
    ),
    "alter table add column text": (
        'CREATE TABLE "t3" ("the a", b  text default \'x\', c INTEGER DEFAULT 3 NOT NULL)'
    ),
}


def _sqlite_uniques(conn: sqlite3.Connection, table: str) -> set[tuple[str, ...]]:
    out = set()
    for _seq, name, _unique, origin, _partial in conn.execute(f"PRAGMA index_list({q(table)})"):
        if origin == "u":
            cols = conn.execute(f"PRAGMA index_info({q(name)})").fetchall()
            out.add(tuple(fold(c[2]) for c in sorted(cols)))
    return out


def _sqlite_fks(conn: sqlite3.Connection, table: str) -> set[tuple[Any, ...]]:
    groups: dict[int, list[tuple[Any, ...]]] = {}
    for row in conn.execute(f"PRAGMA foreign_key_list({q(table)})"):
        groups.setdefault(row[0], []).append(row)
    out: set[tuple[Any, ...]] = set()
    for rows in groups.values():
        rows.sort(key=lambda r: r[1])
        first = rows[0]
        to = tuple(str(r[4]) for r in rows) if first[4] is not None else ()
        out.add((fold(str(first[2])), tuple(fold(str(r[3])) for r in rows), to, first[5], first[6]))
    return out


def _action(actions: str, event: str) -> str:
    for verb in ("SET NULL", "SET DEFAULT", "CASCADE", "RESTRICT", "NO ACTION"):
        if f"ON {event} {verb}" in actions:
            return verb
    return "NO ACTION"


@pytest.mark.parametrize("sql", STRUCTURE_CASES.values(), ids=STRUCTURE_CASES.keys())
def test_structure_matches_sqlite(sql: str) -> None:
    conn = sqlite_db(sql)
    name = table_name(conn)
    table = parse(sql)
    assert table.name == name

    info = conn.execute(f"PRAGMA table_xinfo({q(name)})").fetchall()
    assert [c.name for c in table.columns] == [r[1] for r in info]
    for col, (_cid, _n, sqlite_type, notnull, _dflt, pk, hidden) in zip(
        table.columns, info, strict=True
    ):
        # SQLite reports its standard type names (INT, TEXT, ...) in upper case
        assert col.declared.upper() == sqlite_type.upper(), col.name
        if not pk:  # WITHOUT ROWID makes key columns NOT NULL implicitly
            assert col.not_null == bool(notnull), col.name
        assert (col.generated is not None) == (hidden in (2, 3)), col.name
        if hidden in (2, 3):
            assert col.generated_stored == (hidden == 3), col.name

    pk_cols = [fold(r[1]) for r in sorted(info, key=lambda r: r[5]) if r[5]]
    pk = table.primary_key
    assert (tuple(fold(c) for c in pk.columns) if pk else ()) == tuple(pk_cols)

    uniques = {tuple(fold(c) for c in k.columns) for k in table.keys if not k.primary}
    assert uniques == _sqlite_uniques(conn, name)

    fks = {
        (
            fold(fk.ref_table),
            tuple(fold(c) for c in fk.columns),
            fk.ref_columns,
            _action(fk.actions, "UPDATE"),
            _action(fk.actions, "DELETE"),
        )
        for fk in table.foreign_keys
    }
    assert fks == _sqlite_fks(conn, name)

    # INSERT values cover exactly the columns SQLite's dump lists (generated ones left out)
    assert [c.name for c in table.insert_columns] == [r[1] for r in info if r[6] == 0]


# --- details the catalogue does not show -------------------------------------------------------


def test_quoting_styles_give_names_and_case() -> None:
    t = parse(STRUCTURE_CASES["quote styles"])
    assert t.name == 'quote"d'
    assert t.pg == 'quote"d'
    assert [(c.name, c.pg) for c in t.columns] == [
        ('col"q', 'col"q'),
        ("back`tick", "back`tick"),
        ('brack"et', 'brack"et'),
        ("single", "single"),
        ("bare", "bare"),
    ]


def test_bare_names_fold_and_quoted_names_keep_their_case() -> None:
    t = parse(
        "CREATE TABLE MixedCase (Foo INT, \"Bar\" INT, [BaZ] INT, `QUX` INT, 'Quux' INT, "
        "ÉTÉ INT, lower INT)"
    )
    assert t.name == "MixedCase"
    assert t.pg == "mixedcase"
    # SQLite folds ASCII only; a bare non-ASCII letter keeps its case
    assert [c.pg for c in t.columns] == ["foo", "Bar", "BaZ", "QUX", "Quux", "ÉtÉ", "lower"]
    assert t.column("FOO") is t.columns[0]
    assert t.column("bar") is t.columns[1]
    assert t.column("été") is None  # only ASCII case is folded when looking up


def test_quoted_table_names_keep_case() -> None:
    assert parse('CREATE TABLE IF NOT EXISTS "Order" (a)').pg == "Order"
    assert parse("CREATE TABLE [Group] (a)").pg == "Group"
    assert parse("CREATE TABLE `MiXed` (a)").pg == "MiXed"
    assert parse("CREATE TABLE Users (a)").pg == "users"


def test_if_not_exists_and_temp() -> None:
    t = parse("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY)")
    assert t.name == "items"
    assert parse("CREATE TEMP TABLE x (a)").name == "x"


def test_comments_do_not_reach_names_or_types() -> None:
    t = parse(STRUCTURE_CASES["comments inside"])
    assert [(c.name, c.declared) for c in t.columns] == [
        ("id", "INTEGER"),
        ("name", "TEXT"),
        ("qty", "INT"),
    ]
    assert t.rowid_alias == "id"


@pytest.mark.parametrize(
    ("decl", "affinity"),
    [
        ("UNSIGNED BIG INT", Affinity.INTEGER),
        ("VARYING CHARACTER(255)", Affinity.TEXT),
        ("decimal(10, 2)", Affinity.NUMERIC),
        ("DOUBLE PRECISION", Affinity.REAL),
        ("", Affinity.BLOB),
    ],
)
def test_declared_type_text_and_affinity(decl: str, affinity: Affinity) -> None:
    t = parse(f"CREATE TABLE t (c {decl} NOT NULL)")
    assert t.columns[0].declared == decl
    assert t.columns[0].affinity is affinity
    assert t.columns[0].not_null


def test_integer_non_null_is_a_two_word_type_and_nullable() -> None:
    # SQLite reads "INTEGER NON" as the type and NULL as the (no-op) NULL constraint
    sql = "CREATE TABLE t (id INTEGER NON NULL)"
    conn = sqlite_db(sql)
    assert conn.execute("PRAGMA table_info(t)").fetchone()[2:4] == ("INTEGER NON", 0)
    conn.execute("INSERT INTO t VALUES (NULL)")  # SQLite accepts NULL
    col = parse(sql).columns[0]
    assert (col.declared, col.not_null) == ("INTEGER NON", False)


def test_column_and_table_constraint_names() -> None:
    t = parse(STRUCTURE_CASES["constraint names"])
    keys = {k.name: k for k in t.keys}
    assert keys["pk"].primary
    assert keys["pk"].columns == ("id",)
    assert keys["uq"].columns == ("a",)
    assert keys["tuq"].columns == ("a", "b")
    assert [fk.name for fk in t.foreign_keys] == ["fk"]
    assert t.column("a").not_null  # type: ignore[union-attr]
    a = t.column("a")
    assert a is not None
    assert [(c.expr, c.name) for c in a.checks] == [("a > 0", "ck")]
    assert [(c.expr, c.name) for c in t.checks] == [("b <> a", "tck")]


def test_primary_key_order_and_autoincrement() -> None:
    t = parse(STRUCTURE_CASES["pk asc autoincrement"])
    assert t.autoincrement
    assert t.primary_key is not None
    assert t.primary_key.desc == (False,)
    t = parse(STRUCTURE_CASES["pk desc"])
    assert t.primary_key is not None
    assert t.primary_key.desc == (True,)
    assert not t.autoincrement
    t = parse(STRUCTURE_CASES["table pk autoincrement"])
    assert t.autoincrement
    assert t.rowid_alias == "id"
    t = parse(STRUCTURE_CASES["table pk desc composite"])
    assert t.primary_key is not None
    assert t.primary_key.columns == ("b", "a")
    assert t.primary_key.desc == (True, False)


def test_on_conflict_clauses_are_kept_for_the_report() -> None:
    t = parse(STRUCTURE_CASES["on conflict"])
    conflicts = {tuple(k.columns): k.conflict for k in t.keys}
    assert conflicts[("a",)] == "ABORT"
    assert conflicts[("a", "b")] == "ROLLBACK"
    assert conflicts[("id",)] == "REPLACE"
    assert "NOT NULL ON CONFLICT IGNORE (a)" in t.dropped
    assert [c.expr for c in t.checks] == ["b > 0"]


def test_check_text_keeps_nested_parentheses_and_strings() -> None:
    t = parse(STRUCTURE_CASES["unique and check"])
    b, c = t.column("b"), t.column("c")
    assert b is not None
    assert c is not None
    assert [k.expr for k in b.checks] == ["length(b) > (1 + (2 * (3)))"]
    assert [k.expr for k in c.checks] == ["c IN (1, 2, 3)", "c <> ')'"]
    assert [k.expr for k in t.checks] == ["(a + c) > 0"]


def test_default_texts() -> None:
    t = parse(STRUCTURE_CASES["defaults"])
    assert {c.name: c.default for c in t.columns} == {
        "a": "0",
        "b": "-1",
        "c": "1.5",
        "d": "1e10",
        "e": "'x''y'",
        "f": "x'00ff'",
        "g": "TRUE",
        "h": "FALSE",
        "i": "CURRENT_TIMESTAMP",
        "j": "(lower('ABC') || 'd')",
        "k": "NULL",
        "l": "0x10",
        "m": "-2.5e-3",
        "n": "CURRENT_DATE",
        "o": "(datetime('now'))",
    }


def test_default_texts_mean_what_sqlite_stores() -> None:
    """Each kept DEFAULT text, evaluated by SQLite into a column of the same declared type,
    gives the value SQLite itself stores for a row that takes the default."""
    sql = STRUCTURE_CASES["defaults"]
    conn = sqlite_db(sql)
    conn.execute("INSERT INTO df DEFAULT VALUES")
    t = parse(sql)
    for col in t.columns:
        if col.default is None or "CURRENT" in col.default or "now" in col.default:
            continue
        stored = conn.execute(f"SELECT {q(col.name)}, typeof({q(col.name)}) FROM df").fetchone()
        conn.execute(f"CREATE TABLE probe_{col.name} (v {col.declared})")
        conn.execute(f"INSERT INTO probe_{col.name} VALUES ({col.default})")
        probe = conn.execute(f"SELECT v, typeof(v) FROM probe_{col.name}").fetchone()
        assert probe == stored, col.name


def test_collate() -> None:
    t = parse(STRUCTURE_CASES["collate"])
    assert [c.collate for c in t.columns] == ["NOCASE", "RTRIM", None]
    assert t.column("b").not_null  # type: ignore[union-attr]


def test_references_actions_and_deferrable() -> None:
    t = parse(STRUCTURE_CASES["references"])
    fks = {fk.columns: fk for fk in t.foreign_keys}
    assert fks[("p",)].ref_table == "parent"
    assert fks[("p",)].ref_columns == ("id",)
    assert fks[("p",)].actions == "ON DELETE CASCADE ON UPDATE SET NULL"
    assert fks[("q",)].ref_columns == ()  # the parent's primary key
    assert fks[("q",)].actions == "ON UPDATE SET DEFAULT"  # MATCH is parsed and ignored
    assert fks[("r",)].ref_table == "Other Parent"
    assert fks[("r",)].ref_columns == ("Key",)
    assert fks[("r",)].actions == "DEFERRABLE INITIALLY DEFERRED"
    assert fks[("s", "t")].ref_columns == ("x", "y")
    assert fks[("s", "t")].actions == "ON DELETE RESTRICT NOT DEFERRABLE"
    assert fks[("t",)].name == "fk_t"
    assert all(fk.line == 7 for fk in t.foreign_keys)


def test_generated_columns() -> None:
    t = parse(STRUCTURE_CASES["generated"])
    gen = {c.name: (c.generated, c.generated_stored) for c in t.columns}
    assert gen == {
        "a": (None, False),
        "b": ("a * 2", False),
        "c": ("a + 1", True),
        "d": ("upper(a)", False),
        "e": ("a || 'x'", False),
        "f": (None, False),
    }
    assert [c.name for c in t.insert_columns] == ["a", "f"]


def test_generated_columns_are_left_out_of_the_dump_values() -> None:
    # the dump's INSERT has as many values as insert_columns, in that order
    sql = STRUCTURE_CASES["generated"]
    conn = sqlite_db(sql)
    conn.execute("INSERT INTO ge (a, f) VALUES (1, 'F')")
    inserts = [s for s in conn.iterdump() if s.startswith("INSERT")]
    assert inserts == ["INSERT INTO \"ge\" VALUES(1,'F');"]
    assert len(parse(sql).insert_columns) == 2


@pytest.mark.parametrize(
    ("key", "without_rowid", "strict"),
    [
        ("without rowid", True, False),
        ("strict", False, True),
        ("strict and without rowid", True, True),
        ("without rowid and strict", True, True),
        ("references", False, False),
    ],
)
def test_table_options(key: str, without_rowid: bool, strict: bool) -> None:
    t = parse(STRUCTURE_CASES[key])
    assert (t.without_rowid, t.strict) == (without_rowid, strict)
    assert ("WITHOUT ROWID" in t.dropped) == without_rowid
    assert ("STRICT" in t.dropped) == strict


def test_trailing_semicolon_and_comment_after_the_column_list() -> None:
    t = parse("CREATE TABLE t (a INT) /* after */;")
    assert [c.name for c in t.columns] == ["a"]


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE t AS SELECT 1 AS a",
        "CREATE TABLE t (a INT) WITH ROWID",
        "CREATE TABLE t (a INT",
    ],
)
def test_unreadable_statements_raise_a_dumpconv_error(sql: str) -> None:
    with pytest.raises(DumpconvError) as info:
        parse(sql)
    assert info.value.line == 7


# --- the rowid alias, decided by what SQLite does --------------------------------------------


def sqlite_aliases_rowid(sql: str) -> bool:
    """Whether column ``id`` of table ``t`` is SQLite's rowid: a row inserted without it gets
    its rowid there, and an explicit id becomes the rowid."""
    conn = sqlite_db(sql)
    try:
        conn.execute("SELECT rowid FROM t")
    except sqlite3.OperationalError:
        return False  # WITHOUT ROWID: there is no rowid
    conn.execute("INSERT INTO t (v) VALUES ('x')")
    first = conn.execute("SELECT id = rowid FROM t").fetchone()[0] == 1
    conn.execute("INSERT INTO t (id, v) VALUES (1000, 'y')")
    second = conn.execute("SELECT rowid FROM t WHERE v = 'y'").fetchone()[0] == 1000
    return bool(first and second)


ROWID_CASES = {
    "INTEGER PRIMARY KEY": ("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", True),
    "lower case": ("CREATE TABLE t (id integer primary key, v TEXT)", True),
    "AUTOINCREMENT": ("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)", True),
    "ASC": ("CREATE TABLE t (id INTEGER PRIMARY KEY ASC, v TEXT)", True),
    "NOT NULL first": ("CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY, v TEXT)", True),
    '"integer" quoted type': ('CREATE TABLE t (id "integer" PRIMARY KEY, v TEXT)', True),
    "[INTEGER] quoted type": ("CREATE TABLE t (id [INTEGER] PRIMARY KEY, v TEXT)", True),
    "INT": ("CREATE TABLE t (id INT PRIMARY KEY, v TEXT)", False),
    "BIGINT": ("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)", False),
    "INTEGER(11)": ("CREATE TABLE t (id INTEGER(11) PRIMARY KEY, v TEXT)", False),
    "INTEGER UNSIGNED": ("CREATE TABLE t (id INTEGER UNSIGNED PRIMARY KEY, v TEXT)", False),
    "column-level DESC": ("CREATE TABLE t (id INTEGER PRIMARY KEY DESC, v TEXT)", False),
    "table-level PRIMARY KEY(id)": ("CREATE TABLE t (id INTEGER, v TEXT, PRIMARY KEY(id))", True),
    "table-level DESC": ("CREATE TABLE t (id INTEGER, v TEXT, PRIMARY KEY(id DESC))", True),
    "table-level AUTOINCREMENT": (
        "CREATE TABLE t (id INTEGER, v TEXT, PRIMARY KEY(id AUTOINCREMENT))",
        True,
    ),
    "table-level, other case": ('CREATE TABLE t ("Id" INTEGER, v TEXT, PRIMARY KEY(ID))', True),
    "WITHOUT ROWID": ("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT) WITHOUT ROWID", False),
    "composite": ("CREATE TABLE t (id INTEGER, v TEXT, PRIMARY KEY(id, v))", False),
    "STRICT": ("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT) STRICT", True),
    "no key": ("CREATE TABLE t (id INTEGER, v TEXT)", False),
    "UNIQUE only": ("CREATE TABLE t (id INTEGER UNIQUE, v TEXT)", False),
}


@pytest.mark.parametrize(("sql", "expected"), ROWID_CASES.values(), ids=ROWID_CASES.keys())
def test_rowid_alias_follows_sqlite(sql: str, expected: bool) -> None:
    assert sqlite_aliases_rowid(sql) is expected  # the fact, checked here
    table = parse(sql)
    alias = table.rowid_alias
    assert (alias is not None) is expected
    if expected:
        assert fold(alias or "") == "id"


# --- PostgreSQL names: truncation and uniqueness ----------------------------------------------


def test_long_column_names_are_truncated_and_made_unique() -> None:
    a70 = "a" * 70
    t = parse(f'CREATE TABLE t ("{a70}" INT, "{"a" * 64}" INT, "{"a" * 63}" INT, b INT)')
    pgs = [c.pg for c in t.columns]
    assert all(len(p.encode()) <= 63 for p in pgs)
    assert len(set(pgs)) == 4
    assert pgs[0] == "a" * 63
    assert pgs[3] == "b"
    assert [c.name for c in t.columns] == [a70, "a" * 64, "a" * 63, "b"]


def test_multibyte_names_are_truncated_on_a_character_boundary() -> None:
    t = parse(f'CREATE TABLE t ("{"é" * 40}" INT, "{"é" * 41}" INT)')
    first, second = (c.pg for c in t.columns)
    assert first == "é" * 31
    assert len(second.encode()) <= 63
    second.encode("utf-8").decode("utf-8")  # whole characters
    assert first != second


def test_long_table_names_are_unique_in_the_schema() -> None:
    schema = Schema()
    t1 = parse(f'CREATE TABLE "{"t" * 80}" (a)', schema)
    schema.add(t1)
    t2 = parse(f'CREATE TABLE "{"t" * 81}" (a)', schema)
    schema.add(t2)
    assert t1.pg == "t" * 63
    assert t2.pg != t1.pg
    assert len(t2.pg.encode()) <= 63
    assert schema.get("T" * 80) is t1  # looked up by the SQLite name, ASCII case folded


def test_suffixed_names_do_not_collide_with_existing_columns() -> None:
    a = "x" * 61
    t = parse(f'CREATE TABLE t ("{a}_1" INT, "{"x" * 70}" INT, "{"x" * 71}" INT)')
    pgs = [c.pg for c in t.columns]
    assert len(set(pgs)) == 3
    assert all(len(p.encode()) <= 63 for p in pgs)
