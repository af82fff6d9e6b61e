"""decide: each column's PostgreSQL type from its declared type and its data (design.md,
"Policies").

Each case gives a declared type and hand-made values, runs them through the real row
encoding and statistics, and checks the decision: the declared type when every value fits,
otherwise the narrowest type that holds every value, with a reason. The ``pg`` test loads
every case's values into PostgreSQL with the decided type and reads them back.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from decimal import Decimal
from typing import Any

import pytest

from dumpconv.decide.choose import decide
from dumpconv.decide.stats import ColumnStats, TableStats
from dumpconv.decide.typemap import Decision, Reencode, declared
from dumpconv.read.rows import Value, convert_run, encode_rows
from dumpconv.write.spool import Spool
from tests.pgharness import PgServer

PREFIX = b"INSERT INTO t VALUES("
_SQLITE = sqlite3.connect(":memory:")


def _literal(value: Value) -> bytes:
    return str(_SQLITE.execute("SELECT quote(?)", (value,)).fetchone()[0]).encode()


def column_stats(decl: str, values: list[Value], fast: bool = False) -> tuple[ColumnStats, Any]:
    rows: list[tuple[Value, ...]] = [(v,) for v in values]
    ts = TableStats([declared(decl)])
    if not values:
        return ts.columns[0], None
    if fast:
        body = b"".join(PREFIX + _literal(v) + b");\n" for v in values)
        batch = convert_run(body, PREFIX, 1, 10)
        assert batch is not None
    else:
        batch = encode_rows(rows, 1, 10)
    ts.update(batch)
    return ts.columns[0], batch


def decision(decl: str, values: list[Value], fast: bool = False) -> Decision:
    return decide(column_stats(decl, values, fast)[0])


# (declared, values, type, reason: None = no reason, else words the reason must contain)
CASES: dict[str, tuple[str, list[Value], str, list[str] | None]] = {
    # INTEGER family
    # SQLite's INTEGER is 64-bit whatever the values of today: bigint.
    "integer is bigint": ("INTEGER", [1, -(2**31), 2**31 - 1, None], "bigint", None),
    "int is bigint": ("INT", [-(2**31) - 1], "bigint", None),
    "int64 extremes": ("INTEGER", [-(2**63), 2**63 - 1], "bigint", None),
    "int4 fits integer": ("INT4", [1, -(2**31), 2**31 - 1], "integer", None),
    "mediumint needs bigint": ("MEDIUMINT", [1, 2**31], "bigint", ["2147483648", "bigint"]),
    "declared bigint stays": ("BIGINT", [1, 2], "bigint", None),
    "int8 is bigint": ("INT8", [1], "bigint", None),
    "smallint fits": ("SMALLINT", [-32768, 32767], "smallint", None),
    "smallint widened": ("SMALLINT", [40000], "integer", ["40000"]),
    "all null integer": ("INTEGER", [None, None], "bigint", None),
    "empty integer": ("INTEGER", [], "bigint", None),
    "text in integer": ("INTEGER", [1, "abc"], "text", ["text"]),
    "blob in integer": ("INTEGER", [b"\x01"], "bytea", ["blob"]),
    "real in integer": ("INTEGER", [1, 2.5], "double precision", ["real"]),
    # booleans
    "bool 0/1": ("BOOLEAN", [0, 1, None], "boolean", None),
    "bool words": ("BOOLEAN", ["t", "f", "true", "false", "0", "1"], "boolean", None),
    "bool words any case": ("BOOL", ["TRUE", "False", "T"], "boolean", None),
    "bool mixed ints and words": ("BOOLEAN", [0, "t", 1, "false"], "boolean", None),
    "tinyint(1) 0/1": ("tinyint(1)", [0, 1], "boolean", None),
    "bool 2": ("BOOLEAN", [0, 1, 2], "smallint", ["2"]),
    "bool -1": ("BOOLEAN", [-1, 1], "smallint", ["-1"]),
    "bool big": ("BOOLEAN", [0, 100000], "integer", ["100000"]),
    "bool yes": ("BOOLEAN", ["yes", "no"], "text", ["yes"]),
    "bool real": ("BOOLEAN", [0, 0.5], "double precision", ["real"]),
    "tinyint(1) counter": ("tinyint(1)", [0, 1, 7], "smallint", ["7"]),
    # reals
    "real": ("REAL", [1.5, 0.1, 2], "double precision", None),
    "real infinities": ("DOUBLE", [float("inf"), float("-inf"), 1.0], "double precision", None),
    "float ints": ("FLOAT", [1, 2], "double precision", None),
    "real with huge int": ("REAL", [1.5, 2**60], "numeric", ["2^53"]),
    # numeric(p, s)
    "numeric fits": ("decimal(10,2)", [19.99, 0.1, -5.25], "numeric(10,2)", None),
    "numeric ints fit": ("decimal(10,2)", [12345678, -3], "numeric(10,2)", None),
    "numeric mixed ints and reals fit": ("decimal(10,2)", [19.99, 5], "numeric(10,2)", None),
    "numeric rounds": ("decimal(10,2)", [19.99, 0.30000000000000004], "numeric", ["round"]),
    "numeric too many digits": ("decimal(10,2)", [123456789.5], "numeric", ["123456789.5"]),
    "numeric int too wide": ("decimal(10,2)", [123456789], "numeric", ["123456789"]),
    "plain numeric": ("NUMERIC", [1.5, 2, 0.1], "numeric", None),
    "numeric with text": ("decimal(10,2)", [1.5, "n/a"], "text", ["n/a"]),
    # varchar(n)
    "varchar fits": ("varchar(3)", ["abc", "a", None], "varchar(3)", None),
    "varchar multibyte fits": ("varchar(3)", ["äöü", "😀😀😀"], "varchar(3)", None),
    "varchar too long": ("varchar(3)", ["abc", "abcd"], "text", ["abcd", "varchar(3)"]),
    "varchar multibyte too long": ("nvarchar(2)", ["ééé"], "text", ["ééé"]),
    "char(n) never char": ("CHAR(5)", ["ab"], "varchar(5)", None),
    # Numbers among the texts are written as their digits, which must fit too.
    "varchar with a short integer": ("varchar(5)", ["t", -1234, 99999], "varchar(5)", None),
    "varchar with a long integer": ("varchar(5)", ["t", 2147483648], "text", ["2147483648"]),
    "varchar with a long negative": ("varchar(5)", ["t", -12345], "text", ["-12345"]),
    "varchar with a real": ("varchar(5)", ["t", 0.5], "text", ["reals"]),
    "wide varchar with reals": (
        "varchar(24)",
        ["t", -1.2345678901234567e-308],
        "varchar(24)",
        None,
    ),
    "varchar long text and integer": ("varchar(3)", ["abcd", 12345], "text", ["abcd", "12345"]),
    "char(0)": ("CHAR(0)", ["anything"], "text", None),
    # text and blob
    "text": ("TEXT", ["a", "", "😀"], "text", None),
    "clob": ("CLOB", ["a"], "text", None),
    "text with numbers": ("TEXT", ["a", 1], "text", None),
    "blob": ("BLOB", [b"\x00\xff", b""], "bytea", None),
    "blob with text": ("BLOB", [b"\x00", "text"], "bytea", ["blob"]),
    # dates and times
    "timestamp": ("DATETIME", ["2024-01-02 03:04:05", "2024-02-29T23:59:59"], "timestamp", None),
    "timestamp date only": ("DATETIME", ["2024-01-02", "2024-01-31"], "timestamp", None),
    "timestamp all offsets": (
        "TIMESTAMP",
        ["2024-01-02T03:04:05Z", "2024-01-02 03:04:05+05:30"],
        "timestamptz",
        None,
    ),
    "timestamp some offsets": (
        "DATETIME",
        ["2024-01-02 03:04:05+02:00", "2024-01-02 03:04:05"],
        "timestamptz",
        ["UTC"],
    ),
    "invalid date 02-30": ("DATETIME", ["2023-02-30 00:00:00"], "text", ["2023-02-30"]),
    "zero date": ("DATETIME", ["0000-00-00 00:00:00"], "text", ["0000-00-00"]),
    "date": ("DATE", ["2024-02-29", "1999-12-31"], "date", None),
    "date invalid": ("DATE", ["2023-02-29"], "text", ["2023-02-29"]),
    "time": ("TIME", ["12:34:56", "00:00"], "time", None),
    "time 24h": ("TIME", ["24:00:00"], "text", ["24:00:00"]),
    "epoch ints": ("DATETIME", [1704164645, 0], "bigint", ["epoch"]),
    "epoch mixed with text": ("DATETIME", ["2024-01-02 03:04:05", 1704164645], "text", ["epoch"]),
    "julian reals": ("DATETIME", [2460311.6278356481], "double precision", ["real"]),
    # JSON
    "json": ("JSON", ['{"a": 1}', "[1, 2]", '"x"'], "jsonb", None),
    "json NaN": ("JSON", ['{"a": NaN}'], "text", ["NaN"]),
    "json NUL": ("JSON", ['"\\u0000"'], "text", ["u0000"]),
    "json lone surrogate": ("JSON", ['"\\ud800"'], "text", ["ud800"]),
    "json invalid": ("JSON", ["{bad"], "text", ["{bad"]),
    # untyped columns: the one type that holds every value
    "untyped ints": ("", [1, 2], "bigint", None),
    "untyped big ints": ("", [1, 2**40], "bigint", None),
    "untyped ints and reals": ("", [1, 1.5], "double precision", None),
    "untyped texts": ("", ["a"], "text", None),
    "untyped mixed text": ("", [1, "a", 2.5], "text", ["integers", "texts"]),
    "untyped blobs": ("", [b"\x00"], "bytea", None),
    "untyped blobs and others": ("", [b"\x00", "a", 1, 1.5], "bytea", ["blob"]),
    "untyped all null": ("", [None], "text", None),
    "any ints": ("ANY", [1], "bigint", None),
    "untyped huge ints and reals": ("", [2**62, 0.5], "numeric", ["2^53"]),
    # uuid
    "uuid": ("UUID", ["123e4567-e89b-12d3-a456-426614174000"], "uuid", None),
    "uuid invalid": ("UUID", ["nope"], "text", ["nope"]),
}


@pytest.mark.parametrize("fast", [False, True], ids=["exact", "fast"])
@pytest.mark.parametrize(("decl", "values", "pg_type", "why"), CASES.values(), ids=CASES.keys())
def test_policy(
    decl: str, values: list[Value], pg_type: str, why: list[str] | None, fast: bool
) -> None:
    d = decision(decl, values, fast)
    assert d.pg_type == pg_type
    if why is None:
        assert d.reason is None
    else:
        assert d.reason is not None
        for word in why:
            assert word in d.reason


def test_rowid_alias_is_always_bigint() -> None:
    st_, _ = column_stats("INTEGER", [1, 2, 3])
    assert decide(st_, rowid_alias=True).pg_type == "bigint"
    st_, _ = column_stats("INTEGER", [])
    assert decide(st_, rowid_alias=True).pg_type == "bigint"


def test_reencoding_is_asked_for_exactly_where_the_spooled_text_must_change() -> None:
    assert decision("", [1.5, "a"]).reencode is Reencode.REAL_SHORTEST
    assert decision("", [b"\x00", "a"]).reencode is Reencode.TO_BYTEA
    assert decision("decimal(10,2)", [19.99]).reencode is Reencode.REAL_SHORTEST
    assert decision("REAL", [1.5]).reencode is None  # float8 reads any digits exactly
    assert decision("TEXT", ["a"]).reencode is None
    assert decision("BLOB", [b"\x00"]).reencode is None


def test_reals_in_a_json_column_keep_their_double_value() -> None:
    """A real written by CLI 3.40 as 0.10000000000000000555 is the double 0.1; jsonb would
    store the digits as an exact numeric unless they are re-encoded to 0.1."""
    body = PREFIX + b"0.10000000000000000555);\n"
    batch = convert_run(body, PREFIX, 1, 1)
    assert batch is not None
    ts = TableStats([declared("JSON")])
    ts.update(batch)
    d = decide(ts.columns[0])
    with Spool() as spool:
        spool.write("t", batch)
        reencode = {0: d.reencode} if d.reencode is not None else {}
        data = b"".join(spool.read("t", reencode))
    if d.pg_type == "jsonb":
        assert data == b"0.1\n"


def test_an_infinity_in_a_json_column_is_explained() -> None:
    d = decision("JSON", [float("inf")])
    assert d.pg_type != "jsonb"  # jsonb has no infinity
    assert d.reason  # the type differs from the declared json: the report must say why


# --- the decided type holds every value: PostgreSQL reads them back ----------------------------


def _expected(value: Value, pg_type: str) -> object:
    """What PostgreSQL should give back for a SQLite value stored in ``pg_type``."""
    base = pg_type.split("(")[0]
    if value is None:
        return None
    if base == "bytea":
        if isinstance(value, bytes):
            return value
        if isinstance(value, float):
            return repr(value).encode()
        return str(value).encode()
    if base == "boolean":
        return str(value).lower() in ("1", "t", "true")
    if base in ("smallint", "integer", "bigint"):
        return int(value)
    if base == "double precision":
        return float(value)
    if base == "numeric":
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    if base == "text" or base == "varchar":
        return repr(value) if isinstance(value, float) else str(value)
    return value  # checked separately


@pytest.mark.pg
def test_every_decision_holds_its_values_in_postgresql(pg_server: PgServer, pg_db: str) -> None:
    import psycopg

    failures: dict[str, str] = {}
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        for n, (name, (decl, values, _pg_type, _why)) in enumerate(CASES.items()):
            if not values:
                continue
            st_, batch = column_stats(decl, values)
            d = decide(st_)
            table = f"c{n}"
            with Spool() as spool:
                spool.write("t", batch)
                reencode = {0: d.reencode} if d.reencode is not None else {}
                data = b"".join(spool.read("t", reencode))
            try:
                conn.execute(f"CREATE TABLE {table} (i serial, v {d.pg_type})")
                with conn.cursor().copy(f"COPY {table} (v) FROM STDIN") as copy:
                    copy.write(data)
                got = [r[0] for r in conn.execute(f"SELECT v FROM {table} ORDER BY i")]
            except psycopg.Error as exc:
                failures[name] = f"{d.pg_type}: {exc}"
                continue
            for value, back in zip(values, got, strict=True):
                want = _expected(value, d.pg_type)
                if isinstance(back, (dt.datetime, dt.date, dt.time)):
                    continue  # temporal texts: checked below
                if isinstance(want, float) and isinstance(back, float):
                    same = want == back or (math.isnan(want) and math.isnan(back))
                elif isinstance(back, (dict, list)) or d.pg_type in ("jsonb", "uuid"):
                    same = True
                else:
                    same = want == back
                if not same:
                    failures[name] = f"{d.pg_type}: {value!r} came back as {back!r}"
    assert failures == {}


@pytest.mark.pg
def test_timestamptz_values_keep_their_instants(pg_server: PgServer, pg_db: str) -> None:
    values: list[Value] = ["2024-01-02 03:04:05+05:30", "2024-01-02 03:04:05", "2024-01-02T03:04Z"]
    st_, batch = column_stats("DATETIME", values)
    d = decide(st_)
    assert d.pg_type == "timestamptz"
    with Spool() as spool:
        spool.write("t", batch)
        data = b"".join(spool.read("t", {}))
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")  # as the script does; naive values are UTC
        conn.execute("CREATE TABLE t (i serial, v timestamptz)")
        with conn.cursor().copy("COPY t (v) FROM STDIN") as copy:
            copy.write(data)
        got = [r[0] for r in conn.execute("SELECT v FROM t ORDER BY i")]
    utc = dt.UTC
    assert got == [
        dt.datetime(2024, 1, 1, 21, 34, 5, tzinfo=utc),
        dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc),
        dt.datetime(2024, 1, 2, 3, 4, tzinfo=utc),
    ]
