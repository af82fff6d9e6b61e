"""Tests of the test infrastructure itself: the PostgreSQL harness and the comparator.

The comparator is checked both ways: a hand-written, correct PostgreSQL copy of a SQLite
database must compare equal, and deliberately corrupted copies must be reported.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from tests import pgharness
from tests.compare import _canon_decimal, compare_sqlite_pg, type_kind
from tests.pgharness import LoadResult, PgServer, PgUnavailable, find_binaries, start_server

REPO = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------
# the reference pair: a SQLite database and a correct hand-written PostgreSQL script
# ---------------------------------------------------------------------------------------

SQLITE_SCHEMA = """
CREATE TABLE flags(id INTEGER PRIMARY KEY, b BOOLEAN, bt TEXT);
CREATE TABLE nums(id INTEGER PRIMARY KEY, i INTEGER, r REAL, n NUMERIC);
CREATE TABLE texts(id INTEGER PRIMARY KEY, t TEXT, b BLOB);
CREATE TABLE mixed(id INTEGER PRIMARY KEY, v);
CREATE TABLE raw(id INTEGER PRIMARY KEY, data);
CREATE TABLE times(id INTEGER PRIMARY KEY, ts TIMESTAMP, tstz TIMESTAMPTZ, d DATE, tm TIME);
CREATE TABLE "Docs"(id INTEGER PRIMARY KEY, j JSON, u TEXT);
CREATE TABLE Users(Name TEXT);
CREATE TABLE wr(k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
CREATE TABLE gen(
    a INTEGER,
    b INTEGER GENERATED ALWAYS AS (a * 2) STORED,
    c INTEGER GENERATED ALWAYS AS (a + 1) VIRTUAL
);
CREATE VIRTUAL TABLE ft USING fts5(body);
"""


def make_sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.executescript(SQLITE_SCHEMA)
    con.executemany(
        "INSERT INTO flags VALUES (?, ?, ?)",
        [(1, 1, "t"), (2, 0, "FALSE"), (3, None, None), (4, 1, "True")],
    )
    con.executemany(
        "INSERT INTO nums VALUES (?, ?, ?, ?)",
        [
            (1, 2**63 - 1, float("inf"), 3),
            (2, -(2**63), float("-inf"), 0.5),
            (3, 0, 0.1, 0.1),
            (4, None, 1e308, 12345678901234),
            (5, None, 5e-324, -7),
            (6, 42, -0.0, None),
        ],
    )
    con.executemany(
        "INSERT INTO texts VALUES (?, ?, ?)",
        [
            (1, "héllo", b"\x00\xff\x10"),
            (3, "", None),
            (4, None, b"\xff"),
            (5, 'it\'s "q" \\ \n tab\t', None),
            (6, "😀 𝄞", None),
        ],
    )
    # Invalid UTF-8 in a TEXT value: the documented policy turns it into U+FFFD.
    con.execute("INSERT INTO texts VALUES (2, CAST(? AS TEXT), ?)", (b"f\xffo", b""))
    con.executemany("INSERT INTO mixed VALUES (?, ?)", [(1, 42), (2, 0.1), (3, "abc")])
    con.executemany("INSERT INTO raw VALUES (?, ?)", [(1, b"\x00\x01"), (2, "abc"), (3, 7)])
    con.executemany(
        "INSERT INTO times VALUES (?, ?, ?, ?, ?)",
        [
            (1, "2024-01-02 03:04:05", "2024-01-02 03:04:05", "2024-02-29", "23:59:59.5"),
            (2, "2024-01-02T03:04:05.123456", "2024-01-02T03:04:05Z", "1999-12-31", "00:00:00"),
            (3, "2024-01-02 03:04:05+02:00", "2024-06-01 12:00:00-04:00", None, None),
        ],
    )
    con.executemany(
        'INSERT INTO "Docs" VALUES (?, ?, ?)',
        [
            (1, '{"b": [1, 2.50], "a": null}', "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
            (2, "[]", None),
        ],
    )
    con.executemany("INSERT INTO Users VALUES (?)", [("Ann",), ("Bob",), ("Ann",)])
    con.executemany("INSERT INTO wr VALUES (?, ?)", [("a", 1), ("b", 2)])
    con.executemany("INSERT INTO gen(a) VALUES (?)", [(1,), (2,)])
    con.execute("INSERT INTO ft VALUES ('hello world')")
    con.commit()
    con.close()


GOOD_PG_SQL = r"""
CREATE TABLE flags(id bigint, b boolean, bt boolean);
INSERT INTO flags VALUES (1, true, true), (2, false, false), (3, NULL, NULL), (4, true, true);

CREATE TABLE nums(id bigint, i bigint, r double precision, n numeric);
INSERT INTO nums VALUES
    (1, 9223372036854775807, 'Infinity', 3),
    (2, -9223372036854775808, '-Infinity', 0.5),
    (3, 0, 0.1, 0.1),
    (4, NULL, 1e308, 12345678901234),
    (5, NULL, 4.9406564584124654e-324, -7),
    (6, 42, '-0', NULL);

CREATE TABLE texts(id bigint, t text, b bytea);
INSERT INTO texts VALUES
    (1, 'héllo', '\x00ff10'),
    (2, 'f�o', ''),
    (3, '', NULL),
    (4, NULL, '\xff'),
    (5, E'it''s "q" \\ \n tab\t', NULL),
    (6, '😀 𝄞', NULL);

CREATE TABLE mixed(id bigint, v text);
INSERT INTO mixed VALUES (1, '42'), (2, '0.1'), (3, 'abc');

CREATE TABLE raw(id bigint, data bytea);
INSERT INTO raw VALUES (1, '\x0001'), (2, 'abc'), (3, '7');

CREATE TABLE times(id bigint, ts timestamp, tstz timestamptz, d date, tm time);
INSERT INTO times VALUES
    (1, '2024-01-02 03:04:05', '2024-01-02 03:04:05+00', '2024-02-29', '23:59:59.5'),
    (2, '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+00', '1999-12-31', '00:00:00'),
    (3, '2024-01-02 01:04:05', '2024-06-01 16:00:00+00', NULL, NULL);

CREATE TABLE "Docs"(id bigint, j jsonb, u uuid);
INSERT INTO "Docs" VALUES
    (1, '{"a": null, "b": [1, 2.5]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
    (2, '[]', NULL);

CREATE TABLE users(name text);
INSERT INTO users VALUES ('Bob'), ('Ann'), ('Ann');

CREATE TABLE wr(k text PRIMARY KEY, v bigint);
INSERT INTO wr VALUES ('b', 2), ('a', 1);

CREATE TABLE gen(a bigint, b bigint GENERATED ALWAYS AS (a * 2) STORED, c bigint);
INSERT INTO gen(a, c) VALUES (2, 3), (1, 2);
"""


@dataclass
class Loaded:
    server: PgServer
    dsn: str
    sqlite_path: Path

    def mutate(self, statements: str) -> None:
        script = self.sqlite_path.with_name("mutation.sql")
        script.write_text(statements, encoding="utf-8")
        self.server.load_sql(self.dsn, script).check()

    def compare(self, **kwargs) -> list[str]:
        return compare_sqlite_pg(str(self.sqlite_path), self.dsn, **kwargs)


@pytest.fixture
def loaded(pg_server: PgServer, pg_db: str, tmp_path: Path) -> Loaded:
    sqlite_path = tmp_path / "src.db"
    make_sqlite(sqlite_path)
    script = tmp_path / "good.sql"
    script.write_text(GOOD_PG_SQL, encoding="utf-8")
    result = pg_server.load_sql(pg_db, script)
    assert result.returncode == 0, result.stderr
    assert result.warnings == []
    return Loaded(pg_server, pg_db, sqlite_path)


def small_pair(server: PgServer, dsn: str, tmp_path: Path, sqlite_sql: str, pg_sql: str) -> str:
    """Make a SQLite db from sqlite_sql and load pg_sql; return the SQLite path."""
    sqlite_path = tmp_path / "small.db"
    con = sqlite3.connect(sqlite_path)
    con.executescript(sqlite_sql)
    con.commit()
    con.close()
    script = tmp_path / "small.sql"
    script.write_text(pg_sql, encoding="utf-8")
    server.load_sql(dsn, script).check()
    return str(sqlite_path)


def assert_reported(messages: list[str], *fragments: str) -> None:
    text = "\n".join(messages)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not reported in:\n{text}"


# ---------------------------------------------------------------------------------------
# comparator: the good copy, then corrupted copies
# ---------------------------------------------------------------------------------------


@pytest.mark.pg
def test_correct_copy_compares_equal(loaded: Loaded) -> None:
    assert loaded.compare() == []


@pytest.mark.pg
@pytest.mark.parametrize(
    ("mutation", "fragments"),
    [
        pytest.param(
            "UPDATE texts SET t = 'hello' WHERE id = 1",
            ["texts: 1 SQLite row(s) not found", "t (PostgreSQL 'hello' vs SQLite 'héllo')"],
            id="changed-text",
        ),
        pytest.param(
            "DELETE FROM nums WHERE id = 3",
            ["nums: row count differs: SQLite 6, PostgreSQL 5", "rowid 3: (id=3, i=0, r=0.1"],
            id="missing-row",
        ),
        pytest.param(
            "INSERT INTO users VALUES ('Ann')",
            ["Users: row count differs", "1 PostgreSQL row(s) not found in SQLite", "'Ann'"],
            id="extra-duplicate-row",
        ),
        pytest.param(
            "DELETE FROM users WHERE ctid = (SELECT min(ctid) FROM users WHERE name = 'Ann')",
            ["Users: row count differs: SQLite 3, PostgreSQL 2"],
            id="multiset-lost-duplicate",
        ),
        pytest.param(
            "ALTER TABLE flags DROP COLUMN bt",
            ["flags: column bt missing in PostgreSQL table flags"],
            id="missing-column",
        ),
        pytest.param(
            "ALTER TABLE nums ADD COLUMN extra int",
            ["nums: PostgreSQL column nums.extra has no SQLite counterpart"],
            id="extra-column",
        ),
        pytest.param("DROP TABLE raw", ["raw: table missing in PostgreSQL"], id="missing-table"),
        pytest.param(
            "UPDATE nums SET r = 0.10000000000000002 WHERE id = 3",
            ["r (PostgreSQL '0.10000000000000002' vs SQLite 0.1)"],
            id="float-one-ulp",
        ),
        pytest.param(
            "UPDATE nums SET r = 0 WHERE id = 5",
            ["r (PostgreSQL '0' vs SQLite 5e-324)"],
            id="denormal-flushed",
        ),
        pytest.param(
            "UPDATE nums SET i = 9223372036854775806 WHERE id = 1",
            ["i (PostgreSQL '9223372036854775806' vs SQLite 9223372036854775807)"],
            id="bigint-off-by-one",
        ),
        pytest.param(
            "UPDATE nums SET n = 3.0000000001 WHERE id = 1",
            ["n (PostgreSQL '3.0000000001' vs SQLite 3)"],
            id="numeric-changed",
        ),
        pytest.param(
            "UPDATE nums SET n = 0.1000000001 WHERE id = 3",
            ["n (PostgreSQL '0.1000000001' vs SQLite 0.1)"],
            id="numeric-vs-real",
        ),
        pytest.param(
            "UPDATE flags SET b = NOT b WHERE id = 1",
            ["b (PostgreSQL 'f' vs SQLite 1)"],
            id="boolean-flipped",
        ),
        pytest.param(
            "UPDATE texts SET t = 'fo' WHERE id = 2",
            ["t (PostgreSQL 'fo' vs SQLite (invalid UTF-8) b'f\\xffo')"],
            id="invalid-utf8-dropped-not-replaced",
        ),
        pytest.param(
            "UPDATE texts SET b = '\\x00ff11' WHERE id = 1",
            ["b (PostgreSQL '\\\\x00ff11' vs SQLite x'00ff10')"],
            id="bytea-changed",
        ),
        pytest.param(
            "UPDATE mixed SET v = '42.0' WHERE id = 1",
            ["v (PostgreSQL '42.0' vs SQLite 42)"],
            id="integer-in-text-reformatted",
        ),
        pytest.param(
            "UPDATE mixed SET v = '0.2' WHERE id = 2",
            ["v (PostgreSQL '0.2' vs SQLite 0.1)"],
            id="real-in-text-changed",
        ),
        pytest.param(
            "UPDATE raw SET data = 'abd' WHERE id = 2",
            ["raw: 1 SQLite row(s) not found"],
            id="text-in-bytea-changed",
        ),
        pytest.param(
            "UPDATE times SET ts = '2024-01-02 03:04:05' WHERE id = 3",
            ["ts (PostgreSQL '2024-01-02 03:04:05' vs SQLite '2024-01-02 03:04:05+02:00')"],
            id="timestamp-offset-ignored",
        ),
        pytest.param(
            "UPDATE times SET tm = '23:59:59' WHERE id = 1",
            ["tm (PostgreSQL '23:59:59' vs SQLite '23:59:59.5')"],
            id="time-fraction-lost",
        ),
        pytest.param(
            "UPDATE times SET d = '2024-03-01' WHERE id = 1",
            ["d (PostgreSQL '2024-03-01' vs SQLite '2024-02-29')"],
            id="date-changed",
        ),
        pytest.param(
            """UPDATE "Docs" SET j = '{"a": null, "b": [1, 2.51]}' WHERE id = 1""",
            ["Docs: 1 SQLite row(s) not found", "j (PostgreSQL"],
            id="json-changed",
        ),
        pytest.param(
            """UPDATE "Docs" SET u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12' WHERE id = 1""",
            ["u (PostgreSQL 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'"],
            id="uuid-changed",
        ),
        pytest.param(
            "UPDATE gen SET c = 99 WHERE a = 1",
            ["c (PostgreSQL '99' vs SQLite 2)"],
            id="virtual-generated-column",
        ),
        pytest.param(
            "UPDATE wr SET v = 3 WHERE k = 'b'",
            ["wr: 1 SQLite row(s) not found", "v (PostgreSQL '3' vs SQLite 2)"],
            id="without-rowid-table",
        ),
        pytest.param(
            """CREATE TABLE "USERS"(name text); INSERT INTO "USERS" SELECT * FROM users;""",
            ["Users: ambiguous", "USERS, users"],
            id="case-collision-ambiguous",
        ),
        pytest.param(
            """CREATE TABLE "Users"(name text); INSERT INTO "Users" VALUES ('Ann'), ('Bob');""",
            ["Users: row count differs: SQLite 3, PostgreSQL 2"],
            id="exact-case-wins",
        ),
        pytest.param(
            """ALTER TABLE users ADD COLUMN "NAME" text; UPDATE users SET "NAME" = name;""",
            ["Users: column Name: ambiguous", "NAME, name"],
            id="column-case-collision",
        ),
    ],
)
def test_corruption_is_reported(loaded: Loaded, mutation: str, fragments: list[str]) -> None:
    loaded.mutate(mutation)
    messages = loaded.compare()
    assert messages, "the corruption was not noticed"
    assert_reported(messages, *fragments)


@pytest.mark.pg
@pytest.mark.parametrize(
    "mutation",
    [
        pytest.param("UPDATE nums SET r = 0 WHERE id = 6", id="negative-zero"),
        pytest.param("UPDATE nums SET n = 3.000 WHERE id = 1", id="numeric-scale"),
        pytest.param(
            "UPDATE times SET tstz = '2024-06-01 18:00:00+02' WHERE id = 3", id="same-instant"
        ),
        pytest.param(
            """UPDATE "Docs" SET j = '{"b": [1.0, 2.50], "a": null}' WHERE id = 1""",
            id="json-formatting",
        ),
        pytest.param("UPDATE mixed SET v = '0.100' WHERE id = 2", id="real-in-text-equal-float"),
        pytest.param(
            "DELETE FROM users; INSERT INTO users VALUES ('Ann'), ('Ann'), ('Bob')", id="row-order"
        ),
    ],
)
def test_equivalent_values_are_not_reported(loaded: Loaded, mutation: str) -> None:
    loaded.mutate(mutation)
    assert loaded.compare() == []


@pytest.mark.pg
def test_naive_timestamptz_depends_on_server_timezone(loaded: Loaded) -> None:
    """A timestamptz literal without offset is read in the server's TimeZone.

    The harness's own server deliberately runs in a non-UTC zone so that this is caught.
    """
    zone = loaded.server.query(loaded.dsn, "SHOW TimeZone")[0][0]
    if zone.upper() in ("UTC", "ETC/UTC", "GMT", "Z"):
        pytest.skip(f"server TimeZone is {zone}")
    loaded.mutate("UPDATE times SET tstz = '2024-01-02 03:04:05' WHERE id = 1")
    assert_reported(loaded.compare(), "times: 1 SQLite row(s) not found", "tstz (PostgreSQL")


@pytest.mark.pg
def test_tables_argument_restricts_the_comparison(loaded: Loaded) -> None:
    loaded.mutate("UPDATE texts SET t = 'x' WHERE id = 1")
    assert loaded.compare(tables=["nums", "USERS"]) == []
    assert loaded.compare(tables=["texts"]) != []
    assert_reported(loaded.compare(tables=["nope"]), "nope: no such table in the SQLite database")


@pytest.mark.pg
def test_known_differences(pg_server: PgServer, pg_db: str, tmp_path: Path) -> None:
    sqlite_path = small_pair(
        pg_server,
        pg_db,
        tmp_path,
        "CREATE TABLE kd(id INTEGER PRIMARY KEY, v TEXT, w TEXT);"
        "INSERT INTO kd VALUES (1, 'a', 'x'), (2, 'a long value', 'y');"
        "CREATE TABLE kw(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;"
        "INSERT INTO kw VALUES ('k', 'a long value');",
        "CREATE TABLE kd(id int, v text, w text);"
        "INSERT INTO kd VALUES (1, 'a', 'x'), (2, 'a lo', 'y');"
        "CREATE TABLE kw(k text, v text); INSERT INTO kw VALUES ('k', 'a lo');",
    )
    assert_reported(compare_sqlite_pg(sqlite_path, pg_db, tables=["kd"]), "kd: 1 SQLite row")
    assert (
        compare_sqlite_pg(sqlite_path, pg_db, tables=["kd"], known_differences={("KD", "V", 2)})
        == []
    )
    # The exclusion covers that one value only: other columns of the row still count ...
    pg_server.query(pg_db, "UPDATE kd SET w = 'z' WHERE id = 2")
    assert_reported(
        compare_sqlite_pg(sqlite_path, pg_db, tables=["kd"], known_differences={("kd", "v", 2)}),
        "kd: 1 SQLite row",
    )
    pg_server.query(pg_db, "UPDATE kd SET w = 'y' WHERE id = 2")
    # ... and another rowid does not hide it.
    assert compare_sqlite_pg(sqlite_path, pg_db, tables=["kd"], known_differences={("kd", "v", 1)})
    # WITHOUT ROWID tables have no rowid: known_differences do not apply.
    assert compare_sqlite_pg(sqlite_path, pg_db, tables=["kw"], known_differences={("kw", "v", 1)})


@pytest.mark.pg
def test_unnormalisable_values_are_reported_not_raised(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    sqlite_path = small_pair(
        pg_server,
        pg_db,
        tmp_path,
        "CREATE TABLE ev(id INTEGER PRIMARY KEY, at TIMESTAMP, flag BOOLEAN, note TEXT, x);"
        "INSERT INTO ev VALUES (1, '2024-01-01 00:00:00', 1, 'ok', 'a');"
        "INSERT INTO ev VALUES (2, 'not a date', 2, 'ok', x'0102');"
        "INSERT INTO ev VALUES (3, '2024-01-01 00:00:00', 0, 'ok', 'c');",
        "CREATE TABLE ev(id int, at timestamp, flag boolean, note text, x text);"
        "INSERT INTO ev VALUES (1, '2024-01-01 00:00:00', true, 'ok', 'a');"
        "INSERT INTO ev VALUES (2, '2024-01-01 00:00:00', true, 'ok', E'\\\\x0102');"
        "INSERT INTO ev VALUES (3, 'infinity', false, 'ok', 'c');",
    )
    messages = compare_sqlite_pg(sqlite_path, pg_db)
    assert_reported(
        messages,
        "ev: column at, rowid 2: SQLite text value 'not a date' cannot be compared with "
        "PostgreSQL timestamp without time zone",
        "ev: column flag, rowid 2: SQLite integer value 2",
        "ev: column x, rowid 2: SQLite blob value x'0102'",
        "ev: column at: PostgreSQL timestamp without time zone value 'infinity'",
    )
    # Each bad value is reported once; the rows still pair up.
    assert len(messages) == 4, "\n".join(messages)


@pytest.mark.pg
def test_empty_and_columnless_cases(pg_server: PgServer, pg_db: str, tmp_path: Path) -> None:
    sqlite_path = small_pair(
        pg_server,
        pg_db,
        tmp_path,
        "CREATE TABLE e(a INTEGER); CREATE TABLE sqlitex(a);"
        'CREATE TABLE q("we""ird" TEXT); INSERT INTO q VALUES (\'v\');'
        "CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);"
        "INSERT INTO seq(v) VALUES ('a'); CREATE INDEX seq_v ON seq(v); ANALYZE;",
        "CREATE TABLE e(a int); CREATE TABLE sqlitex(a text);"
        'CREATE TABLE q("we""ird" text); INSERT INTO q VALUES (\'v\');'
        "CREATE TABLE seq(id int, v text); INSERT INTO seq VALUES (1, 'a');",
    )
    con = sqlite3.connect(sqlite_path)
    internal = {name for (name,) in con.execute("SELECT name FROM sqlite_master")}
    con.close()
    assert {"sqlite_sequence", "sqlite_stat1"} <= internal
    assert compare_sqlite_pg(sqlite_path, pg_db) == []
    pg_server.query(pg_db, "INSERT INTO e VALUES (1)")
    assert_reported(compare_sqlite_pg(sqlite_path, pg_db), "e: row count differs: SQLite 0")


# PostgreSQL keeps the first 63 bytes of a name, cut back to a whole character: these SQLite
# names are longer, two of them with a multi-byte character across the 63rd byte.
LONG_TABLE = "tbl_" + "x" * 66  # 70 bytes, all ASCII
LONG_TABLE_CJK = "a" * 61 + "名前" + "_table"  # 名 is bytes 62-64: PostgreSQL keeps 61 bytes
LONG_COLUMN = "c" * 62 + "é" + "_tail"  # é is bytes 63-64: PostgreSQL keeps 62 bytes
SHORT_COLUMN = "Ünïcödé"


@pytest.mark.pg
def test_names_longer_than_63_bytes(pg_server: PgServer, pg_db: str, tmp_path: Path) -> None:
    ddl = "".join(
        f'CREATE TABLE "{table}" (id INTEGER, "{LONG_COLUMN}" TEXT, "{SHORT_COLUMN}" TEXT);'
        for table in (LONG_TABLE, LONG_TABLE_CJK)
    )
    rows = "".join(
        f"""INSERT INTO "{table}" VALUES (1, 'a', 'b'), (2, NULL, 'c');"""
        for table in (LONG_TABLE, LONG_TABLE_CJK)
    )
    # The same DDL for PostgreSQL, which truncates the names itself (with a NOTICE).
    pg_ddl = ddl.replace("INTEGER", "int")
    sqlite_path = small_pair(pg_server, pg_db, tmp_path, ddl + rows, pg_ddl + rows)
    stored = pg_server.query(
        pg_db,
        "SELECT c.relname::text, array_agg(a.attname::text ORDER BY a.attnum) FROM pg_class c"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0"
        " WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace"
        " GROUP BY c.relname ORDER BY c.relname",
    )
    columns = ["id", "c" * 62, SHORT_COLUMN]
    assert stored == [("a" * 61, columns), ("tbl_" + "x" * 59, columns)]
    assert compare_sqlite_pg(sqlite_path, pg_db) == []
    assert compare_sqlite_pg(sqlite_path, pg_db, tables=[LONG_TABLE_CJK.upper()]) == []

    # A difference behind a truncated name is still found, and named as SQLite names it.
    pg_server.query(pg_db, f'UPDATE "{"a" * 61}" SET "{"c" * 62}" = \'z\' WHERE id = 1')
    assert_reported(
        compare_sqlite_pg(sqlite_path, pg_db),
        f"{LONG_TABLE_CJK}: 1 SQLite row(s) not found",
        f"{LONG_COLUMN} (PostgreSQL 'z' vs SQLite 'a')",
    )

    # Only the exact 63-byte form matches: a name cut one byte shorter does not.
    pg_server.query(pg_db, f'ALTER TABLE "{"tbl_" + "x" * 59}" RENAME TO "{"tbl_" + "x" * 58}"')
    assert_reported(
        compare_sqlite_pg(sqlite_path, pg_db, tables=[LONG_TABLE]),
        f"{LONG_TABLE}: table missing in PostgreSQL",
    )


@pytest.mark.pg
def test_short_names_are_not_matched_by_prefix(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    """Truncation applies only to names over 63 bytes: a 63-byte name must match exactly."""
    name = "n" * 63
    sqlite_path = small_pair(
        pg_server,
        pg_db,
        tmp_path,
        f'CREATE TABLE "{name}" (v TEXT); INSERT INTO "{name}" VALUES (\'x\');',
        f'CREATE TABLE "{name[:62]}" (v text); INSERT INTO "{name[:62]}" VALUES (\'x\');',
    )
    assert_reported(compare_sqlite_pg(sqlite_path, pg_db), f"{name}: table missing in PostgreSQL")


# ---------------------------------------------------------------------------------------
# the harness
# ---------------------------------------------------------------------------------------


@pytest.mark.pg
def test_server_basics(pg_server: PgServer, pg_db: str) -> None:
    assert pg_server.server_version_num >= 100000
    assert pg_server.query(pg_db, "SELECT %s::int + 1", (41,)) == [(42,)]
    assert pg_server.query(
        pg_db,
        "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()",
    ) == [("UTF8",)]
    assert pg_server.query(pg_db, "CREATE TABLE t(a int)") == []


@pytest.mark.pg
def test_create_and_drop_db(pg_server: PgServer) -> None:
    first, second = pg_server.create_db("x"), pg_server.create_db("x")
    assert first != second
    pg_server.query(first, "CREATE TABLE only_here(a int)")
    assert pg_server.query(second, "SELECT to_regclass('only_here') IS NULL") == [(True,)]
    pg_server.drop_db(first)
    pg_server.drop_db(second)
    with pytest.raises(Exception, match="does not exist"):
        pg_server.query(first, "SELECT 1")
    with pytest.raises(ValueError, match="prefix"):
        pg_server.create_db("Bad-Prefix")


@pytest.mark.pg
def test_load_sql_failure_stops_at_first_error(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    script = tmp_path / "bad.sql"
    script.write_text(
        "CREATE TABLE before(a int);\n"
        "SELECT no_such_column FROM before;\n"
        "CREATE TABLE after(a int);\n"
    )
    result = pg_server.load_sql(pg_db, script)
    assert result.returncode == 3  # psql: an error with ON_ERROR_STOP
    assert not result.ok
    assert 'ERROR:  column "no_such_column" does not exist' in result.stderr
    assert f"psql:{script}:2: ERROR" in result.stderr
    assert pg_server.query(pg_db, "SELECT to_regclass('after') IS NULL") == [(True,)]
    with pytest.raises(AssertionError, match="no_such_column"):
        result.check()


@pytest.mark.pg
def test_load_sql_missing_file(pg_server: PgServer, pg_db: str, tmp_path: Path) -> None:
    result = pg_server.load_sql(pg_db, tmp_path / "nope.sql")
    assert result.returncode != 0
    assert "nope.sql" in result.stderr


@pytest.mark.pg
def test_load_sql_captures_warnings(pg_server: PgServer, pg_db: str, tmp_path: Path) -> None:
    script = tmp_path / "warn.sql"
    script.write_text(
        "DO $$ BEGIN RAISE WARNING 'first'; END $$;\n"
        "DO $$ BEGIN RAISE NOTICE 'just a notice'; END $$;\n"
        "DO $$ BEGIN RAISE WARNING 'second'; END $$;\n"
    )
    result = pg_server.load_sql(pg_db, script)
    assert result.returncode == 0, result.stderr
    assert len(result.warnings) == 2, result.stderr
    assert result.warnings[0].endswith("WARNING:  first")
    assert result.warnings[1].endswith("WARNING:  second")
    assert "just a notice" in result.stderr
    assert result.stdout.count("DO") == 3


@pytest.mark.pg
def test_load_sql_ignores_the_callers_environment(
    pg_server: PgServer, pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rc = tmp_path / "psqlrc"
    rc.write_text("SET default_transaction_read_only = on;\n")
    script = tmp_path / "ok.sql"
    script.write_text("CREATE TABLE t(a int);\nSELECT current_setting('search_path');\n")
    with monkeypatch.context() as env:
        env.setenv("PSQLRC", str(rc))
        env.setenv("HOME", str(tmp_path))
        (tmp_path / ".psqlrc").write_text(rc.read_text())
        env.setenv("PGOPTIONS", "-c default_transaction_read_only=on -c search_path=nowhere")
        env.setenv("PGDATABASE", "no_such_database")
        result = pg_server.load_sql(pg_db, script)
    assert result.returncode == 0, result.stderr
    assert "nowhere" not in result.stdout


def test_load_result_check() -> None:
    ok = LoadResult(0, "", "", [])
    assert ok.check() is ok
    with pytest.raises(AssertionError, match="boom"):
        LoadResult(3, "", "boom", []).check()


def test_no_binaries_in_override_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUMPCONV_PG_BINDIR", str(tmp_path))
    monkeypatch.delenv("DUMPCONV_TEST_DSN", raising=False)
    with pytest.raises(PgUnavailable, match="DUMPCONV_PG_BINDIR"):
        start_server(tmp_path / "base")


def test_no_binaries_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bogus = tmp_path / "bin"
    bogus.mkdir()
    pg_config = bogus / "pg_config"
    pg_config.write_text("#!/bin/sh\necho /nonexistent/bin\n")
    pg_config.chmod(0o755)
    monkeypatch.delenv("DUMPCONV_PG_BINDIR", raising=False)
    monkeypatch.setenv("PATH", str(bogus))
    monkeypatch.setattr(pgharness, "_DEBIAN_PG_ROOT", tmp_path / "no-debian")
    with pytest.raises(PgUnavailable, match=r"pg_config --bindir \(/nonexistent/bin\)"):
        find_binaries()


def _run_inner_pytest(tmp_path: Path, require: bool) -> subprocess.CompletedProcess[str]:
    """Run one pg test in a child pytest with every PostgreSQL binary hidden."""
    bogus = tmp_path / "bin"
    bogus.mkdir(exist_ok=True)
    (bogus / "pg_config").write_text("#!/bin/sh\necho /nonexistent/bin\n")
    (bogus / "pg_config").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUMPCONV_", "PYTEST_"))}
    env["PATH"] = str(bogus)
    env["DUMPCONV_PG_BINDIR"] = str(tmp_path / "empty")
    if require:
        env["DUMPCONV_REQUIRE_PG"] = "1"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "tests/test_harness.py::test_server_basics",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_missing_postgres_skips_by_default(tmp_path: Path) -> None:
    proc = _run_inner_pytest(tmp_path, require=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 skipped" in proc.stdout
    assert "no PostgreSQL available" in proc.stdout


def test_missing_postgres_fails_when_required(tmp_path: Path) -> None:
    proc = _run_inner_pytest(tmp_path, require=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "DUMPCONV_REQUIRE_PG=1 but no PostgreSQL is available" in proc.stdout
    assert "skipped" not in proc.stdout


@pytest.mark.pg
def test_second_server_alongside(pg_server: PgServer, tmp_path: Path) -> None:
    """Another server (same base dir twice) starts next to the session's and cleans up."""
    if not pg_server.managed:
        pytest.skip("using $DUMPCONV_TEST_DSN")
    with start_server(tmp_path) as one, start_server(tmp_path) as two:
        assert one.admin_dsn != two.admin_dsn
        assert one.data_dir is not None
        data_dir = one.data_dir
        dsn = one.create_db()
        assert one.query(dsn, "SELECT 1") == [(1,)]
        assert two.query(two.admin_dsn, "SELECT 2") == [(2,)]
    assert not data_dir.exists()
    assert (tmp_path / "postgres.log").is_file()


@pytest.mark.pg
def test_server_timezone_is_not_utc(pg_server: PgServer, pg_db: str) -> None:
    if not pg_server.managed:
        pytest.skip("using $DUMPCONV_TEST_DSN")
    assert pg_server.query(pg_db, "SHOW TimeZone") == [(pgharness.SERVER_TIMEZONE,)]


# ---------------------------------------------------------------------------------------
# comparator helpers that need no server
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("format_type", "kind"),
    [
        ("boolean", "boolean"),
        ("bigint", "integer"),
        ("double precision", "float"),
        ("real", "float"),
        ("numeric(10,2)", "numeric"),
        ("character varying(20)", "text"),
        ("character(3)", "text"),
        ("public.citext", "text"),
        ("bytea", "bytea"),
        ("timestamp(3) without time zone", "timestamp"),
        ("timestamp with time zone", "timestamptz"),
        ("time without time zone", "time"),
        ("jsonb", "json"),
        ("uuid", "uuid"),
        ("integer[]", "other"),
        ("interval", "other"),
    ],
)
def test_type_kind(format_type: str, kind: str) -> None:
    assert type_kind(format_type) == kind


def test_canon_decimal() -> None:
    assert _canon_decimal(Decimal("1.50")) == _canon_decimal(Decimal("1.5"))
    assert _canon_decimal(Decimal("100")) == _canon_decimal(Decimal("1E+2"))
    assert _canon_decimal(Decimal("-0.00")) == _canon_decimal(Decimal("0"))
    digits = "1.2345678901234567890123456789012345"  # beyond the default 28-digit context
    assert _canon_decimal(Decimal(digits)) != _canon_decimal(Decimal(digits[:-1]))
    assert _canon_decimal(Decimal("-Infinity")) == "-Infinity"
