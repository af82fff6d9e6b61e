"""A whole dump's script is written as the dump is read (issue 13): each table once its rows
are complete, so that psql loads while dumpconv converts. What that changes, tested for real:
output appears before the input ends; a failure after the first table leaves a script that
loads nothing; names and types that depend on tables read later still come out right."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.end_to_end.failed import assert_failed_output
from tests.pgharness import PgServer

HEAD = b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "dumpconv", *args]


def _read_until(proc: subprocess.Popen[bytes], marker: bytes, seconds: float) -> bytes:
    """What the process writes on stdout until ``marker`` appears (or the time is up)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    got = b""
    deadline = time.monotonic() + seconds
    while marker not in got and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            got += chunk
    return got


def test_a_table_is_written_before_the_input_ends() -> None:
    """The first table's rows reach stdout while stdin is still open: the next CREATE TABLE
    completed them."""
    first = HEAD + b"CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT);\n"
    first += b"".join(b"INSERT INTO a VALUES(%d,'row %d');\n" % (i, i) for i in range(1, 501))
    first += b"CREATE TABLE b(x INT);\n"
    proc = subprocess.Popen(
        _cli("--no-restrict"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    try:
        proc.stdin.write(first)
        proc.stdin.flush()
        early = _read_until(proc, b"500\trow 500\n\\.\n", 60)
        assert b"COPY public.a (id, v) FROM stdin;\n1\trow 1\n" in early
        assert b"500\trow 500\n\\.\n" in early, early[-300:]
        assert b"COMMIT;" not in early
        rest, err = proc.communicate(b"INSERT INTO b VALUES(7);\nCOMMIT;\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    script = early + rest
    assert b"COPY public.b (x) FROM stdin;\n7\n\\.\n" in script
    assert script.rstrip().endswith(b"COMMIT;")


def _dump(tmp_path: Path, body: bytes, *, commit: bool = True) -> Path:
    path = tmp_path / "app.sql"
    path.write_bytes(HEAD + body + (b"COMMIT;\n" if commit else b""))
    return path


@pytest.mark.pg
def test_a_failure_after_the_first_table_loads_nothing(
    tmp_path: Path, pg_server: PgServer, pg_db: str
) -> None:
    """A dump cut before its COMMIT: table a was written when b began; the script ends in an
    error, psql stops, and the database is as it was."""
    dump = _dump(
        tmp_path,
        b"CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO a VALUES(1,'x');\n"
        b"CREATE TABLE b(x INT);\nINSERT INTO b VALUES(2);\n",
        commit=False,
    )
    proc = subprocess.run(_cli(str(dump)), capture_output=True, check=False, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.decode().startswith("dumpconv: error: line 6: "), proc.stderr
    assert b"COPY public.a (id, v) FROM stdin;\n1\tx\n" in proc.stdout  # written already
    assert_failed_output(proc.stdout)
    script = tmp_path / "pg.sql"
    script.write_bytes(proc.stdout)
    loaded = pg_server.load_sql(pg_db, script)
    assert loaded.returncode == 3, loaded.stderr  # psql: a statement failed
    assert "dumpconv: the conversion failed" in loaded.stderr
    tables = pg_server.query(
        pg_db, "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'"
    )
    assert tables == [(0,)]


def test_rows_for_a_completed_table_are_refused(tmp_path: Path) -> None:
    dump = _dump(
        tmp_path,
        b"CREATE TABLE a(x INT);\nINSERT INTO a VALUES(1);\nCREATE TABLE b(y INT);\n"
        b"INSERT INTO a VALUES(2);\n",
    )
    out = tmp_path / "pg.sql"
    proc = subprocess.run(_cli(str(dump), "-o", str(out)), capture_output=True, check=False)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert err.startswith("dumpconv: error: line 6: rows for table a come after"), err
    assert err.count("\n") == 1
    assert not out.exists()


@pytest.mark.pg
def test_a_later_table_takes_its_name_back_from_a_sequence(
    tmp_path: Path, pg_server: PgServer, pg_db: str
) -> None:
    """t's identity sequence is named t_id_seq when t is written; the table t_id_seq read
    next wants that name: the sequence is renamed first, and both work afterwards."""
    dump = _dump(
        tmp_path,
        b"CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO t VALUES(41,'x');\n"
        b"CREATE TABLE t_id_seq(id INTEGER PRIMARY KEY, w INT);\n"
        b"INSERT INTO t_id_seq VALUES(5,6);\n",
    )
    script = tmp_path / "pg.sql"
    proc = subprocess.run(_cli(str(dump), "-o", str(script)), capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    sql = script.read_text()
    assert "ALTER SEQUENCE public.t_id_seq RENAME TO t_id_seq_1;" in sql
    assert sql.index("RENAME TO t_id_seq_1") < sql.index("CREATE TABLE public.t_id_seq (")
    pg_server.load_sql(pg_db, script).check()
    assert pg_server.query(pg_db, "INSERT INTO t (v) VALUES ('y') RETURNING id") == [(42,)]
    assert pg_server.query(pg_db, "INSERT INTO t_id_seq (w) VALUES (7) RETURNING id") == [(6,)]
    seq = pg_server.query(pg_db, "SELECT pg_get_serial_sequence('public.t', 'id')")
    assert seq == [("public.t_id_seq_1",)]


@pytest.mark.pg
@pytest.mark.parametrize("child_first", [True, False])
def test_a_child_written_before_its_bigint_parent_is_widened(
    tmp_path: Path, pg_server: PgServer, pg_db: str, child_first: bool
) -> None:
    """A foreign key column is integer (SQLAlchemy's Integer); its parent's key holds ids
    beyond 32 bits, so it is bigint. Written before the parent, the column is widened after
    the data; after it, it is created bigint. Either way the parent's future ids fit."""
    child = (
        b"CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id));\n"
        b"INSERT INTO child VALUES(1,1);\n"
    )
    parent = (
        b"CREATE TABLE parent(id INTEGER PRIMARY KEY, n INTEGER);\n"
        b"INSERT INTO parent VALUES(1,1);\nINSERT INTO parent VALUES(5000000000,2);\n"
    )
    dump = _dump(tmp_path, child + parent if child_first else parent + child)
    script = tmp_path / "pg.sql"
    argv = _cli(str(dump), "-o", str(script), "--framework", "sqlalchemy")
    proc = subprocess.run(argv, capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    sql = script.read_text()
    widened = "ALTER TABLE ONLY public.child ALTER COLUMN parent_id TYPE bigint"
    assert (widened in sql) is child_first
    pg_server.load_sql(pg_db, script).check()
    types = pg_server.query(
        pg_db,
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND column_name LIKE '%id' ORDER BY 1, 2",
    )
    assert types == [
        ("child", "id", "integer"), ("child", "parent_id", "bigint"), ("parent", "id", "bigint"),
    ]  # fmt: skip
    pg_server.query(pg_db, "INSERT INTO child VALUES (2, 5000000000)")
    fks = pg_server.query(
        pg_db, "SELECT count(*) FROM pg_catalog.pg_constraint WHERE contype = 'f'"
    )
    assert fks == [(1,)]


def test_a_reader_that_stops_early_gets_one_line(tmp_path: Path) -> None:
    """psql (or head) gone before the script's end: one line on stderr, exit 1, no
    traceback; what it read has no COMMIT."""
    body = b"CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT);\n" + b"".join(
        b"INSERT INTO a VALUES(%d,'%s');\n" % (i, b"x" * 200) for i in range(1, 20_001)
    )
    dump = _dump(tmp_path, body + b"CREATE TABLE b(x INT);\nINSERT INTO b VALUES(1);\n")
    proc = subprocess.Popen(_cli(str(dump)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stderr is not None
    head = proc.stdout.read(1000)
    proc.stdout.close()  # the reader stops
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert head.startswith(b"--\n-- PostgreSQL load script")
    assert err.startswith("dumpconv: error: the program reading the script stopped"), err
    assert err.count("\n") == 1
    assert "Traceback" not in err
