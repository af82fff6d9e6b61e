"""The C database reader (read/csqlite.c): the text it writes of a database is the text the
SQL path (read.dumptext.row_select, run by Python's sqlite3 module) writes, value for value,
and SQLite's errors come out the same.

The SQL path is itself compared with the real sqlite3 CLI's ``.dump`` in
tests/end_to_end/test_database_input.py, which runs the C reader when it is built. Under CI
the reader must be built (the machine has SQLite's header); ``.ci/run``'s pure-Python rerun
checks it is not used there.
"""

from __future__ import annotations

import math
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dumpconv.base import hotpath
from dumpconv.base.errors import DumpconvError
from dumpconv.read import snapshot
from dumpconv.read.batch import Value
from tests.end_to_end.test_database_input import NUL_TEXTS, VALUES, databases, load_fixture
from tests.producers import Table, build_db, cli_dump

CSQLITE = hotpath.csqlite()
needs_csqlite = pytest.mark.skipif(CSQLITE is None, reason=hotpath.csqlite_status())
REPO = Path(__file__).resolve().parents[2]


def test_built_and_in_use_under_ci() -> None:
    if os.environ.get(hotpath.PURE_ENV):
        assert hotpath.csqlite_status() == f"no C database reader ({hotpath.PURE_ENV} is set)"
        return
    if os.environ.get("CI", "").strip().lower() not in ("1", "true", "yes") and CSQLITE is None:
        pytest.skip(hotpath.csqlite_status())
    assert hotpath.csqlite_status() == hotpath.CSQLITE
    assert snapshot._CSQLITE is CSQLITE
    assert CSQLITE is not None
    sources = tuple(REPO / s for s in hotpath.C_SOURCES[hotpath.CSQLITE_MODULE])
    assert hotpath.sources_digest(sources) == CSQLITE.SOURCE_SHA256
    assert sqlite3.sqlite_version == CSQLITE.SQLITE_VERSION


def _text(db: Path, c_reader: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, bool]:
    """The database's text by one path, and whether the C reader read it."""
    with monkeypatch.context() as m:
        if not c_reader:
            m.setattr(snapshot, "_CSQLITE", None)
        shot = snapshot.Snapshot(str(db))
        try:
            return b"".join(shot.chunks()), shot._c is not None
        finally:
            shot.close()


def _same_both_ways(db: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    by_c, used = _text(db, True, monkeypatch)
    by_sql, _ = _text(db, False, monkeypatch)
    assert used
    assert by_c == by_sql
    return by_c


@needs_csqlite
@settings(max_examples=80, deadline=None)
@given(
    tables=databases(),
    extra=st.lists(st.one_of(VALUES, st.sampled_from(NUL_TEXTS)), max_size=12),
)
def test_it_writes_what_the_sql_writes(
    tables: list[Table], extra: list[Value], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Random tables, names and values (every storage class, reals at the int64 bounds and
    the infinities, texts with quotes, line ends, the markers .dump chooses between, invalid
    UTF-8 and NUL), and a column of anything."""
    db = tmp_path_factory.mktemp("csqlite") / "app.db"
    build_db(db, [*tables, Table("any", "CREATE TABLE any (v)", [[v] for v in extra])])
    with pytest.MonkeyPatch.context() as m:
        _same_both_ways(db, m)


@needs_csqlite
def test_every_fixture_is_its_dump(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixtures = sorted(
        [*REPO.glob("fixtures/*.sqlite.sql"), *REPO.glob("fixtures/quirks/*.sqlite.sql")]
    )
    assert len(fixtures) >= 10
    for i, fixture in enumerate(fixtures):
        db = load_fixture(fixture, tmp_path / f"{i}.db")
        text = _same_both_ways(db, monkeypatch)
        if b"char(0)" not in text:  # .dump cuts text at NUL; both paths keep it
            assert text == cli_dump(db)


@needs_csqlite
def test_reals_as_sqlite_prints_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "reals.db"
    reals = [0.0, -0.0, 0.1, 1e15, 1e16, 2.0**53 + 1, 2.0**63, -(2.0**63), 9.2e18, -9.3e18,
             1e-320, 5e-324, 1.7976931348623157e308, math.inf, -math.inf, 2440587.5]  # fmt: skip
    build_db(db, [Table("r", "CREATE TABLE r (x REAL)", [[r] for r in reals])])
    text = _same_both_ways(db, monkeypatch)
    assert text == cli_dump(db).replace(b"9.0e+999", b"1e999")  # the CLI's own infinity
    assert b"(-9223372036854775808.0);" in text  # -2^63 is an int64: the integral form
    assert b"(9223372036854775807.8);" in text  # 2^63 is not (SQLite's printf, long double)


@needs_csqlite
def test_a_utf16_database_is_read_by_the_sql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "utf16.db"
    con = sqlite3.connect(db)
    con.executescript(
        "PRAGMA encoding='UTF-16le'; CREATE TABLE t (a); INSERT INTO t VALUES ('é\n');"
    )
    con.close()
    by_c, used = _text(db, True, monkeypatch)
    assert not used
    assert by_c == _text(db, False, monkeypatch)[0] == cli_dump(db)


def _error(db: Path, c_reader: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as m:
        if not c_reader:
            m.setattr(snapshot, "_CSQLITE", None)
        with pytest.raises(DumpconvError) as info:
            _read_all(db)
        return f"{info.value.message} | {info.value.hint}"


def _read_all(db: Path) -> None:
    shot = snapshot.Snapshot(str(db))
    try:
        list(shot.chunks())
    finally:
        shot.close()


@needs_csqlite
def test_errors_are_said_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = tmp_path / "bad.db"
    damaged.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 32)
    said = _error(damaged, True, monkeypatch)
    assert "damaged or encrypted" in said
    assert said == _error(damaged, False, monkeypatch)
    missing = tmp_path / "missing.db"
    said = _error(missing, True, monkeypatch)
    assert "cannot open the database read-only" in said
    assert said == _error(missing, False, monkeypatch)
    assert not missing.exists()


@needs_csqlite
def test_a_locked_database_is_said_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer holding the lock of a rollback-journal database (for longer than the 5 s
    busy timeout both paths wait): the same message."""
    db = tmp_path / "locked.db"
    build_db(db, [Table("t", "CREATE TABLE t (a)", [[1]])])
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    try:
        messages: Iterator[str] = (_error(db, c, monkeypatch) for c in (True, False))
        by_c, by_sql = messages
    finally:
        writer.rollback()
        writer.close()
    assert "locked" in by_c
    assert by_c == by_sql
