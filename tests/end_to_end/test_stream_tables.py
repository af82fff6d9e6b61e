"""A large table's rows go out while they are read (``pipeline.streaming``, issue 13): its
CREATE TABLE as the rows so far decide it, then each batch as it is taken in. Tested for
real: the rows reach stdout before the table's input ends; while the types hold, the script
is the same bytes as when the table waits for its last row; when a later row changes the
table, the load still gives exactly what the waiting script gives, in PostgreSQL."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from psycopg import sql

import dumpconv
from dumpconv.base.errors import DumpconvError
from dumpconv.pipeline import streaming
from dumpconv.pipeline.options import STREAM_AFTER
from dumpconv.pipeline.state import TableState
from tests.end_to_end.failed import assert_failed_output
from tests.end_to_end.test_jobs import _big_dump
from tests.end_to_end.test_streaming import HEAD, _read_until
from tests.pgharness import PgServer
from tests.read.test_hotpath import DUMPS

KEY = "0123456789abcdef" * 2
RESTART = b"it is created again, with all its rows"


def _convert(data: bytes, **options: object) -> bytes:
    out = io.BytesIO()
    dumpconv.convert(
        io.BytesIO(data), out,
        dumpconv.Options(restrict_key=KEY, **options),  # type: ignore[arg-type]
    )  # fmt: skip
    return out.getvalue()


def _failed(data: bytes, **options: object) -> tuple[bytes, str]:
    out = io.BytesIO()
    with pytest.raises(DumpconvError) as e:
        dumpconv.convert(
            io.BytesIO(data), out,
            dumpconv.Options(restrict_key=KEY, **options),  # type: ignore[arg-type]
        )  # fmt: skip
    return out.getvalue(), str(e.value)


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables that began streaming, in order (the script alone cannot show it when
    the bytes are the same)."""
    began: list[str] = []
    begin = streaming.Streams._begin

    def spy(self: streaming.Streams, state: TableState) -> None:
        began.append(state.table.key)
        begin(self, state)

    monkeypatch.setattr(streaming.Streams, "_begin", spy)
    return began


def test_a_large_table_is_written_while_its_rows_are_read() -> None:
    """With the default threshold: a 12 MB table's first rows reach stdout while its rows
    are still coming in (no statement after them yet)."""
    assert STREAM_AFTER <= 8 << 20
    rows = b"".join(
        b"INSERT INTO big VALUES(%d,'%s',%d.5);\n" % (i, b"v" * 100, i) for i in range(1, 100_001)
    )
    assert len(rows) > 12_000_000
    argv = [sys.executable, "-m", "dumpconv", "--restrict-key", KEY, "--jobs", "1"]
    proc = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None
    stdin = proc.stdin
    head = HEAD + b"CREATE TABLE big(id INTEGER PRIMARY KEY, v TEXT, r REAL);\n"
    feeder = threading.Thread(target=lambda: (stdin.write(head + rows), stdin.flush()))
    try:
        feeder.start()  # rows come out while they go in: neither side may wait on the other
        early = _read_until(proc, b"\n90000\t", 120)
        feeder.join(120)
        assert not feeder.is_alive()
        assert b"COPY public.big (id, v, r) FROM stdin;\n1\t" + b"v" * 100 + b"\t1.5\n" in early
        assert b"\n90000\t" in early, early[-300:]
        rest, err = proc.communicate(b"CREATE INDEX big_r ON big(r);\nCOMMIT;\n", timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    whole = head + rows + b"CREATE INDEX big_r ON big(r);\nCOMMIT;\n"
    assert early + rest == _convert(whole, stream_after=None, source="stdin")


def test_while_the_types_hold_the_script_is_the_same_bytes(streamed: list[str]) -> None:
    """Every dump we have, each table streaming from its first batch: the same script as
    when each table waits for its last row (a dump that fails, fails the same way, its
    script ended by the failure)."""
    same = 0
    for path in DUMPS:
        data = path.read_bytes()
        try:
            waited = _convert(data, stream_after=None)
        except DumpconvError:
            out, error = _failed(data, stream_after=1)
            assert _failed(data, stream_after=None)[1] == error
            assert_failed_output(out)
            continue
        assert _convert(data, stream_after=1) == waited, path.name
        same += 1
    assert same >= 30
    assert len(streamed) >= 100  # tables, over every dump


def _select_all(pg: PgServer, dsn: str) -> dict[str, object]:
    """Every table of public: its columns and types, and its rows as text, ordered."""
    out: dict[str, object] = {"columns": pg.column_types(dsn)}
    tables = pg.query(dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    for (name,) in sorted(tables):
        out[name] = pg.query(
            dsn, f'SELECT t::text FROM public."{name}" t ORDER BY t::text COLLATE "C"'
        )
    return out


def _load_both(
    pg: PgServer, tmp_path: Path, streamed: bytes, waited: bytes
) -> tuple[dict[str, object], dict[str, object]]:
    got = []
    for name, script in (("streamed", streamed), ("waited", waited)):
        path = tmp_path / f"{name}.sql"
        path.write_bytes(script)
        dsn = pg.create_db("stream")
        try:
            pg.load_sql(dsn, path).check()
            got.append(_select_all(pg, dsn))
        finally:
            pg.drop_db(dsn)
    return got[0], got[1]


@pytest.mark.pg
def test_a_table_whose_types_change_late_is_created_again(
    tmp_path: Path, pg_server: PgServer, streamed: list[str]
) -> None:
    """Three tables whose last rows bring integers beyond 32 bits, a text in an integer
    column, NULLs, invalid UTF-8 and NUL: each is dropped and written again under its final
    types; PostgreSQL ends with the same tables and rows as from the waiting script, and
    the script is the same for any number of jobs."""
    data = _big_dump(13)
    script = _convert(data, stream_after=1)
    assert streamed == ["t0", "t1", "t2"]
    assert script.count(RESTART) == 3
    assert script.count(b"DROP TABLE IF EXISTS public.t1 CASCADE;\n") == 1
    assert _convert(data, stream_after=1, jobs=3) == script
    waited = _convert(data, stream_after=None)
    assert RESTART not in waited
    got, want = _load_both(pg_server, tmp_path, script, waited)
    assert got == want


@pytest.mark.pg
def test_a_failure_while_a_table_streams_loads_nothing(
    tmp_path: Path, pg_server: PgServer, pg_db: str
) -> None:
    data = _big_dump(5, bad_row=10_000)  # before the late rows that change t1's types
    out, error = _failed(data, stream_after=1)
    assert error.startswith("line "), error
    assert b"COPY public.t1 " in out  # t1 was streaming when its bad row came
    assert b"DROP TABLE IF EXISTS public.t1 " not in out  # its block was open
    assert_failed_output(out)
    script = tmp_path / "pg.sql"
    script.write_bytes(out)
    loaded = pg_server.load_sql(pg_db, script)
    assert loaded.returncode == 3, loaded.stderr
    # The block ended between batches: psql stops at the failure statement, not in the rows.
    assert "dumpconv: the conversion failed" in loaded.stderr, loaded.stderr
    tables = pg_server.query(pg_db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    assert tables == [(0,)]


# Values of every storage class, and some that change a column's type once seen.
_VALUES = hs.sampled_from(
    [
        b"NULL", b"0", b"1", b"-7", b"2147483648", b"9007199254740993", b"1.5", b"-0.25",
        b"1e300", b"'text'", b"'it''s'", b"'2024-01-02 03:04:05'", b"'2024-01-02'",
        b"'12:30:00'", b"'t'", b"'{\"a\": 1}'", b"X'00ff'", b"'a'||char(0)||'b'",
        b"'bad \xff'", b"'550e8400-e29b-41d4-a716-446655440000'", b"''", b"'%s'" % (b"x" * 30),
        b"-1.5e-300", b"9223372036854775807", b"-9223372036854775808", b"'00:00:00.123456'",
        b"'2024-01-02T03:04:05Z'", b"'2024-01-02 03:04:05+05:30'", b"'1'", b"'0'", b"'true'",
        b"-1e999", b"1700000000000", b"123.456", b"'1.5'",
    ]
)  # fmt: skip
_DECLARED = hs.sampled_from(
    ["INTEGER", "INT", "SMALLINT", "REAL", "TEXT", "VARCHAR(5)", "DATETIME", "DATE",
     "BOOLEAN", "BLOB", "NUMERIC(6,2)", "JSON", "UUID", "", "NOT NULL", "TIMESTAMP",
     "DECIMAL(10,2)", "DOUBLE", "TINYINT(1)", "CHAR(3)", "TIME"]
)  # fmt: skip


@hs.composite
def _tables(draw: Callable[..., object]) -> bytes:
    """A table of a few columns whose rows each come as one run (the table name written
    both ways), so every row is a batch and a later one may change what the first decided."""
    declared: list[str] = draw(hs.lists(_DECLARED, min_size=1, max_size=4))  # type: ignore[assignment]
    rows: list[list[bytes]] = draw(
        hs.lists(hs.lists(_VALUES, min_size=len(declared), max_size=len(declared)),
                 min_size=1, max_size=12)
    )  # type: ignore[assignment]  # fmt: skip
    cols = ", ".join(f"c{i} {d}" for i, d in enumerate(declared))
    out = [HEAD, f"CREATE TABLE t(id INTEGER PRIMARY KEY, {cols});\n".encode()]
    for i, row in enumerate(rows):
        name = b'"t"' if i % 2 else b"t"
        out.append(b"INSERT INTO %s VALUES(%d,%s);\n" % (name, i + 1, b",".join(row)))
    out.append(b"CREATE INDEX t_c0 ON t(c0);\nCOMMIT;\n")
    return b"".join(out)


@pytest.mark.pg
@settings(
    max_examples=int(os.environ.get("STREAM_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dump=_tables())
def test_streamed_or_waiting_the_database_is_the_same(
    dump: bytes, tmp_path: Path, pg_server: PgServer
) -> None:
    try:
        waited = _convert(dump, stream_after=None)
    except DumpconvError:  # refused: refused the same way, the script ended by the failure
        out, error = _failed(dump, stream_after=1)
        assert _failed(dump, stream_after=None)[1] == error
        assert_failed_output(out)
        return
    script = _convert(dump, stream_after=1)
    if RESTART not in script and b"with all its rows read, the notes" not in script:
        assert script == waited
    got, want = _load_both(pg_server, tmp_path, script, waited)
    assert got == want


def test_the_pipe_writer_keeps_every_byte_in_order_and_stays_bounded() -> None:
    """stdout into a pipe goes through WriteAhead's thread: a slow reader gets the same
    bytes in the same order, and no more than LIMIT bytes wait in memory."""
    from dumpconv.cli.files import WriteAhead

    rnd = random.Random(3)
    pieces = [rnd.randbytes(rnd.choice([10, 4000, 300_000, 2_500_000])) for _ in range(60)]
    read_fd, write_fd = os.pipe()
    got: list[bytes] = []

    def slow_reader() -> None:
        while chunk := os.read(read_fd, 1 << 16):
            got.append(chunk)
            if len(got) % 64 == 0:
                time.sleep(0.001)

    reader = threading.Thread(target=slow_reader)
    reader.start()
    ahead = WriteAhead(write_fd)
    most = 0
    for i, piece in enumerate(pieces):
        ahead.write(piece)
        if i % 3 == 0:
            ahead.flush()
        most = max(most, ahead._queued)  # the bound is the point
    ahead.close()
    os.close(write_fd)
    reader.join(60)
    os.close(read_fd)
    assert b"".join(got) == b"".join(pieces)
    assert 0 < most <= WriteAhead.LIMIT + max(map(len, pieces)) + WriteAhead._PIECE


def test_the_pipe_writer_raises_when_the_reader_is_gone() -> None:
    from dumpconv.cli.files import WriteAhead

    read_fd, write_fd = os.pipe()
    ahead = WriteAhead(write_fd)
    ahead.write(b"x" * 100)
    ahead.flush()
    os.close(read_fd)  # psql stopped

    def keep_writing() -> None:
        for _ in range(1000):  # the thread meets the closed pipe, then a write says so
            ahead.write(b"y" * (1 << 20))
            time.sleep(0.001)
        ahead.close()

    with pytest.raises(BrokenPipeError):
        keep_writing()
    os.close(write_fd)


@pytest.mark.pg
@pytest.mark.parametrize(
    "name", ['x"; DROP TABLE y; --', "a\nb */ \\. -- c", "Ünï $$ '' \\x", "pg_temp.t"]
)
def test_a_hostile_name_survives_the_restart(
    name: str, tmp_path: Path, pg_server: PgServer, pg_db: str
) -> None:
    """The restart's comment and DROP name the table from the input: through the one
    quoting function and the comment escaping, whatever the name holds."""
    quoted = b'"' + name.replace('"', '""').encode() + b'"'
    rows = b"".join(
        b"INSERT INTO %s VALUES(%d,%d,'%s');\n" % (quoted, i, i % 100, b"p" * 60)
        for i in range(1, 40_001)
    )
    late = b"INSERT INTO %s VALUES(40001,100000,'late');\n" % quoted  # beyond smallint
    dump = HEAD + b"CREATE TABLE %s(id INTEGER PRIMARY KEY, n SMALLINT, s TEXT);\n" % quoted
    dump += rows + late + b"COMMIT;\n"
    script = _convert(dump, stream_after=1)
    assert script.count(RESTART) == 1
    path = tmp_path / "pg.sql"
    path.write_bytes(script)
    pg_server.load_sql(pg_db, path).check()
    tables = pg_server.query(pg_db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert tables == [(name,)]
    got = pg_server.query(
        pg_db,
        sql.SQL("SELECT count(*), max(n) FROM public.{}").format(sql.Identifier(name)),
    )
    assert got == [(40_001, 100_000)]


@pytest.mark.pg
@pytest.mark.parametrize(
    ("late", "options"),
    [(b"'bad \xff\xfe here'", {}), (b"'a'||char(0)||'b'", {"nul": "strip"})],
    ids=["invalid-utf8", "nul"],
)
def test_text_that_must_change_late_does_not_recreate_the_table(
    late: bytes, options: dict[str, str], tmp_path: Path, pg_server: PgServer, streamed: list[str]
) -> None:
    """A value PostgreSQL text cannot hold, in the last batch: the policy's step changes
    no row written before it, so the block goes on; the notes with all the rows follow it,
    and PostgreSQL holds what the waiting script loads."""
    rows = b"".join(
        b"INSERT INTO t VALUES(%d,'row %d %s');\n" % (i, i, b"q" * 50) for i in range(1, 40_001)
    )
    dump = HEAD + b"CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT);\n" + rows
    dump += b"INSERT INTO t VALUES(40001,%s);\nCOMMIT;\n" % late
    script = _convert(dump, stream_after=1, **options)
    assert streamed == ["t"]
    assert RESTART not in script
    assert b"-- dumpconv: with all its rows read, the notes on t:\n" in script
    waited = _convert(dump, stream_after=None, **options)
    got, want = _load_both(pg_server, tmp_path, script, waited)
    assert got == want
