"""Every file of the shared dumps directory, and the input modes beyond a plain dump:
``--data-only`` dumps, dumps that report damage (``--allow-incomplete``), dumps that cannot be
converted faithfully (interactive 3.52+ sessions), and the invalid-UTF-8 policy.

The SQLite side is always the real thing: ``sample.db`` and the databases built here with the
sqlite3 CLI; the PostgreSQL side is loaded with psql exactly as a user would.
"""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from typer.testing import CliRunner

import dumpconv
from dumpconv.cli import app
from tests.compare import compare_sqlite_pg
from tests.end_to_end.failed import assert_failed_output
from tests.end_to_end.test_roundtrip import SAMPLE_DB, SAMPLE_NUL_VALUES, SHARED_DUMPS
from tests.pgharness import PgServer

runner = CliRunner()
ERROR_LINE = re.compile(r"dumpconv: error: line (\d+): .+\n")
VERSIONS = ["3.40.1", "3.49.2", "3.51.3", "3.53.4"]


def convert(path: Path, *args: str) -> tuple[int, bytes, str]:
    result = runner.invoke(app, [*args, str(path)])
    return result.exit_code, result.stdout_bytes, result.stderr


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def test_every_shared_dump_is_accounted_for() -> None:
    """Each file in the shared directory is covered by one of the tests of this module or
    by test_roundtrip's full-dump tests: a new file there must be looked at."""
    names = {p.name for p in SHARED_DUMPS.glob("*.sql")}
    data_only = {f"sqlite-{v}.dump-data-only.sql" for v in VERSIONS}
    refused = {"sqlite-3.52.0.dump-tty.sql", "sqlite-3.53.4.dump-tty.sql"}
    damaged = {"corrupt.sqlite-3.40.1.dump.sql", "corrupt.sqlite-3.53.4.dump.sql"}
    full = {n for n in names if "tty" not in n and "data-only" not in n and "corrupt" not in n}
    assert names == full | data_only | refused | damaged
    assert len(full) == 19


# --- --data-only -----------------------------------------------------------------------------


def _load_schema_then_data(
    pg_server: PgServer, tmp: Path, full: Path, data_only: Path
) -> tuple[str, str]:
    """Create the tables with the full dump's conversion, empty them, load the data-only
    conversion: the way a user loads rows into tables that exist."""
    code, schema_sql, err = convert(full, "-q")
    assert code == 0, err
    code, data_sql, err = convert(data_only)
    assert code == 0, err
    assert "[data-only]" in err
    dsn = pg_server.create_db()
    pg_server.load_sql(dsn, write(tmp, "schema.sql", schema_sql)).check()
    tables = pg_server.query(
        dsn, "SELECT format('%I', tablename) FROM pg_tables WHERE schemaname = 'public'"
    )
    pg_server.query(dsn, "TRUNCATE " + ", ".join(t for (t,) in tables))
    loaded = pg_server.load_sql(dsn, write(tmp, "data.sql", data_sql))
    loaded.check()
    return dsn, data_sql.decode()


@pytest.mark.pg
@pytest.mark.parametrize("version", VERSIONS)
def test_data_only_dump_loads_into_existing_tables(
    version: str, pg_server: PgServer, tmp_path: Path
) -> None:
    dsn, data_sql = _load_schema_then_data(
        pg_server,
        tmp_path,
        SHARED_DUMPS / f"sqlite-{version}.dump.sql",
        SHARED_DUMPS / f"sqlite-{version}.dump-data-only.sql",
    )
    assert "CREATE TABLE" not in data_sql
    assert "-- dumpconv: data only" in data_sql
    assert compare_sqlite_pg(str(SAMPLE_DB), dsn, known_differences=SAMPLE_NUL_VALUES) == []
    # sqlite_sequence says items used ids up to 5 (one row was deleted): the next is 6.
    ((next_id,),) = pg_server.query(dsn, "SELECT nextval(pg_get_serial_sequence('items','id'))")
    assert next_id == 6
    pg_server.drop_db(dsn)


@pytest.mark.pg
def test_data_only_dump_of_a_fresh_database(pg_server: PgServer, tmp_path: Path) -> None:
    """A database built here, dumped twice by the real CLI: whole and --data-only."""
    db = tmp_path / "app.db"
    subprocess.run(
        ["sqlite3", str(db)],
        input=b"""
        CREATE TABLE author (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
        CREATE TABLE "Book" (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES author(id),
                             title TEXT, price REAL, cover BLOB, published DATE);
        INSERT INTO author(name) VALUES ('Ann'), ('Bo'), ('to be deleted');
        DELETE FROM author WHERE name = 'to be deleted';
        INSERT INTO "Book" VALUES (1, 1, 'It''s here', 19.99, x'00ff', '2020-02-29'),
                                  (2, 2, 'line
        two', 0.1, NULL, NULL);
        """,
        check=True,
    )
    dumps = {}
    for variant, command in (("full", ".dump"), ("data", ".dump --data-only")):
        out = subprocess.run(["sqlite3", str(db), command], capture_output=True, check=True)
        dumps[variant] = write(tmp_path, f"{variant}.sql", out.stdout)
    dsn, _ = _load_schema_then_data(pg_server, tmp_path, dumps["full"], dumps["data"])
    assert compare_sqlite_pg(str(db), dsn) == []
    ((next_id,),) = pg_server.query(dsn, "SELECT nextval(pg_get_serial_sequence('author','id'))")
    assert next_id == 4  # ids 1-3 were used; 3 was deleted
    pg_server.drop_db(dsn)


def test_data_only_refuses_a_create_table_after_rows(tmp_path: Path) -> None:
    dump = write(tmp_path, "mixed.sql", b"INSERT INTO t VALUES(1);\nCREATE TABLE u(a);\n")
    code, out, err = convert(dump)
    assert code == 1
    assert out == b""
    m = ERROR_LINE.fullmatch(err)
    assert m is not None, err
    assert m.group(1) == "2"


# --- damaged databases ----------------------------------------------------------------------


def test_corrupt_dump_is_refused_at_the_error() -> None:
    code, out, err = convert(SHARED_DUMPS / "corrupt.sqlite-3.40.1.dump.sql")
    assert code == 1
    assert out == b""
    m = ERROR_LINE.fullmatch(err)
    assert m is not None, err
    assert m.group(1) == "31"  # the /****** CORRUPTION ERROR *******/ line
    assert "--allow-incomplete" in err


@pytest.mark.pg
def test_corrupt_dump_converts_with_allow_incomplete(pg_server: PgServer, tmp_path: Path) -> None:
    path = SHARED_DUMPS / "corrupt.sqlite-3.40.1.dump.sql"
    code, out, err = convert(path, "--allow-incomplete")
    assert code == 0, err
    assert "[dump-incomplete]" in err
    text = out.decode()
    assert "WARNING: sqlite3 reported errors while dumping: rows are missing" in text
    assert text.rstrip().splitlines()[-3] == "COMMIT;"
    dsn = pg_server.create_db()
    pg_server.load_sql(dsn, write(tmp_path, "out.sql", out)).check()
    # Every row the dump holds arrives: 284 of table a (sqlite3 read past the bad page in
    # reverse), and all of b.
    dumped = path.read_bytes()
    for table in ("a", "b"):
        rows = dumped.count(f"INSERT INTO {table} VALUES".encode())
        assert pg_server.query(dsn, f"SELECT count(*) FROM {table}") == [(rows,)]
    assert dumped.count(b"INSERT INTO a VALUES") == 284
    pg_server.drop_db(dsn)


def test_allow_incomplete_is_lossy_under_strict() -> None:
    path = SHARED_DUMPS / "corrupt.sqlite-3.40.1.dump.sql"
    code, out, err = convert(path, "--allow-incomplete", "--strict")
    assert code == 1
    assert_failed_output(out)
    assert ERROR_LINE.fullmatch(err), err


def test_error_report_with_its_context_lines(tmp_path: Path) -> None:
    """sqlite3 writes '/**** ERROR: (code) message *****/' and then two raw lines (the query
    and a '^--- error here' marker). Refused by default; with --allow-incomplete the two
    lines are not read as SQL."""
    dump = write(
        tmp_path,
        "err.sql",
        b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t(a);\n"
        b"INSERT INTO t VALUES(1);\n"
        b"/**** ERROR: (11) database disk image is malformed *****/\n"
        b'SELECT * FROM "t" ORDER BY rowid DESC\n'
        b"                ^--- error here\n"
        b"INSERT INTO t VALUES(2);\nROLLBACK; -- due to errors\n",
    )
    code, _, err = convert(dump)
    assert code == 1
    m = ERROR_LINE.fullmatch(err)
    assert m is not None, err
    assert m.group(1) == "5"
    code, out, err = convert(dump, "--allow-incomplete", "-q")
    assert code == 0, err
    assert b"1\n2\n\\." in out


def test_silently_damaged_dump_converts(tmp_path: Path) -> None:
    """sqlite3 3.52+ no longer reports damage inside a table: the dump looks complete, so it
    converts (nothing in it says rows are missing; README, Inputs)."""
    code, out, err = convert(SHARED_DUMPS / "corrupt.sqlite-3.53.4.dump.sql", "-q")
    assert code == 0, err
    assert b"COPY public.a (x, y) FROM stdin;" in out


# --- interactive sessions --------------------------------------------------------------------


@pytest.mark.parametrize("option", [[], ["--allow-incomplete"]])
def test_interactive_352_dump_is_refused(option: list[str]) -> None:
    """3.52.0 on a terminal cuts long values ('...', no closing quote) and writes JSONB blobs
    as jsonb('...'): neither holds the data. Refused, --allow-incomplete or not, at the
    first such value."""
    path = SHARED_DUMPS / "sqlite-3.52.0.dump-tty.sql"
    code, out, err = convert(path, *option)
    assert code == 1
    assert_failed_output(out)
    m = ERROR_LINE.fullmatch(err)
    assert m is not None, err
    line = int(m.group(1))
    lines = path.read_bytes().split(b"\n")
    assert b"jsonb(" in lines[line - 1] or b"..." in lines[line - 1], lines[line - 1][:200]
    assert "sqlite3 app.db .dump > app.sql" in err


def test_interactive_353_dump_is_refused() -> None:
    path = SHARED_DUMPS / "sqlite-3.53.4.dump-tty.sql"
    code, out, err = convert(path)
    assert code == 1
    assert_failed_output(out)
    m = ERROR_LINE.fullmatch(err)
    assert m is not None, err
    assert b"jsonb(" in path.read_bytes().split(b"\n")[int(m.group(1)) - 1]


def test_cut_value_is_named_at_its_line(tmp_path: Path) -> None:
    long = b"x" * 300
    dump = write(
        tmp_path,
        "cut.sql",
        b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t(a);\n"
        b"INSERT INTO t VALUES('" + long + b"...);\nINSERT INTO t VALUES('ok');\nCOMMIT;\n",
    )
    code, _, err = convert(dump)
    assert code == 1
    m = ERROR_LINE.fullmatch(err)
    assert m is not None, err
    assert m.group(1) == "4"
    assert "3.52.0" in err


# --- invalid UTF-8 -----------------------------------------------------------------------------


def test_invalid_utf8_is_replaced_and_reported() -> None:
    out = BytesIO()
    with open(SHARED_DUMPS / "sqlite-3.40.1.dump.sql", "rb") as src:
        report = dumpconv.convert(src, out, dumpconv.Options())
    notes = [d for d in report.diagnostics if d.code == "invalid-utf8-replaced"]
    # one line per column, naming every value's input line: strings rows 33 and 34
    assert [d.line for d in notes] == [98]
    assert notes[0].message.startswith("strings.s: text is not valid UTF-8")
    assert "(2 values: input lines 98-99)" in notes[0].message
    assert "33\tinvalid_utf8\t\ufffd\ufffd\n".encode() in out.getvalue()


def test_invalid_utf8_can_be_refused() -> None:
    code, out, err = convert(SHARED_DUMPS / "sqlite-3.40.1.dump.sql", "--invalid-utf8", "refuse")
    assert code == 1
    assert_failed_output(out)
    m = ERROR_LINE.fullmatch(err)
    assert m is not None, err
    assert m.group(1) == "98"
    assert "strings.s" in err
