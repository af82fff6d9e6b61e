"""A SQLite database file given to dumpconv itself (issue 15): ``dumpconv app.db``.

Its text is the real sqlite3 CLI's ``.dump`` byte for byte (every fixture, sample.db, random
databases) but for text holding NUL, which ``.dump`` cuts and the direct path keeps; so the
script is the one ``sqlite3 app.db .dump | dumpconv`` writes. One snapshot is read while
another process writes; the file is never changed; damaged files are one line.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dumpconv
from dumpconv import DumpconvError, Options
from tests.end_to_end.test_golden import GOLDEN_KEY
from tests.end_to_end.test_roundtrip import SAMPLE_DB
from tests.pgharness import PgServer
from tests.producers import Table, build_db, cli_dump

REPO = Path(__file__).resolve().parents[2]
FIXTURES = sorted([*REPO.glob("fixtures/*.sqlite.sql"), *REPO.glob("fixtures/quirks/*.sqlite.sql")])


def load_fixture(fixture: Path, db: Path) -> Path:
    """The fixture loaded by the sqlite3 CLI into a fresh database."""
    with open(fixture, "rb") as f:
        subprocess.run(["sqlite3", str(db)], stdin=f, check=True, capture_output=True)
    return db


def direct_text(db: Path, immutable: bool = False) -> bytes:
    with dumpconv.open_database(db, immutable) as src:
        return src.read()


def convert(src: object, **options: object) -> tuple[bytes, dumpconv.Report]:
    out = BytesIO()
    opts = Options(source="app.db", restrict_key=GOLDEN_KEY, **options)  # type: ignore[arg-type]
    report = dumpconv.convert(src, out, opts)  # type: ignore[arg-type]
    return out.getvalue(), report


def both(db: Path, **options: object) -> tuple[bytes, bytes, dumpconv.Report]:
    """(script of the dump path, script of the direct path, the direct path's report)."""
    dumped, _ = convert(BytesIO(cli_dump(db)), **options)
    with dumpconv.open_database(db) as src:
        direct, report = convert(src, **options)
    return dumped, direct, report


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name.removesuffix(".sqlite.sql"))
def test_a_database_converts_as_its_dump(fixture: Path, tmp_path: Path) -> None:
    db = load_fixture(fixture, tmp_path / "app.db")
    assert direct_text(db) == cli_dump(db)
    dumped, direct, report = both(db)
    assert direct == dumped
    assert "dump-cuts-nul" not in {d.code for d in report.diagnostics}


def test_sample_db_differs_only_in_its_nul_values() -> None:
    """sample.db holds 'a'||char(0)||'b' and 'abc'||char(0)||char(0): .dump writes 'a' and
    'abc'. Put back into the dump text, the two scripts are the same."""
    dump = cli_dump(SAMPLE_DB)
    text = direct_text(SAMPLE_DB)
    cut = [b"(32,'nul_inside','a');", b"(35,'trailing_nul','abc');"]
    kept = [
        b"(32,'nul_inside','a'||char(0)||'b');",
        b"(35,'trailing_nul','abc'||char(0)||char(0));",
    ]
    for c, k in zip(cut, kept, strict=True):
        assert c in dump
        assert k in text
        dump = dump.replace(c, k)
    assert text == dump
    dumped, direct, _ = both(SAMPLE_DB)
    diff = difflib.diff_bytes(
        difflib.unified_diff, dumped.splitlines(), direct.splitlines(), n=0, lineterm=b""
    )
    changed = [line for line in diff if line[:1] in b"+-" and line[:3] not in (b"+++", b"---")]
    assert changed == [
        b"+-- dumpconv: column s: text holds NUL bytes, which PostgreSQL text cannot hold; each "
        b"replaced by U+FFFD (2 values: input lines 97, 100)",
        b"-32\tnul_inside\ta",
        "+32\tnul_inside\ta\ufffdb".encode(),
        b"-35\ttrailing_nul\tabc",
        "+35\ttrailing_nul\tabc\ufffd\ufffd".encode(),
    ]
    assert direct == convert(BytesIO(dump))[0]


# --- random databases ------------------------------------------------------------------

NAMES = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=8)
DECLARED = st.sampled_from(["", "INTEGER", "TEXT", "REAL", "BLOB", "NUMERIC", "varchar(20)",
                            "BOOLEAN", "DATETIME", "int8", "double precision"])  # fmt: skip
MARKERS = ["'", "''", "\n", "\r", "\r\n", "\t", "\\n", "\\012", "(\\n0)", "\\r", "\\015", ";"]
TEXTS = st.one_of(
    st.text(st.characters(exclude_characters="\x00"), max_size=12),
    st.lists(st.sampled_from(MARKERS) | st.text(max_size=2).filter(lambda t: "\x00" not in t)).map(
        "".join
    ),
    st.binary(max_size=6).map(lambda b: b.replace(b"\x00", b"").decode("utf-8", "surrogateescape")),
)
INT64 = st.integers(-(2**63), 2**63 - 1)
REALS = st.one_of(
    st.floats(allow_nan=False),
    st.sampled_from(
        [
            0.0,
            -0.0,
            1e-320,
            5e-324,
            1.7976931348623157e308,
            2.0**63,
            -(2.0**63),
            2.0**53 + 1,
            1e15,
            1e16,
            0.1,
            2440587.5,
        ]
    ),
    st.integers(-(2**60), 2**60).map(float),
)
VALUES = st.one_of(
    st.none(),
    INT64,
    st.sampled_from([2**63 - 1, -(2**63), 0, -1]),
    REALS,
    TEXTS,
    st.binary(max_size=8),
)


@st.composite
def databases(draw: st.DrawFn) -> list[Table]:
    tables = []
    for name in draw(st.lists(NAMES, min_size=1, max_size=3, unique_by=str.lower)):
        columns = draw(st.lists(NAMES, min_size=1, max_size=4, unique_by=str.lower))
        types = [draw(DECLARED) for _ in columns]
        body = ", ".join(
            f'"{c.replace(chr(34), chr(34) * 2)}" {t}' for c, t in zip(columns, types, strict=True)
        )
        rows = draw(
            st.lists(st.lists(VALUES, min_size=len(columns), max_size=len(columns)), max_size=5)
        )
        create = f'CREATE TABLE "{name.replace(chr(34), chr(34) * 2)}" ({body})'
        tables.append(Table(name, create, rows))
    return tables


@settings(max_examples=60, deadline=None)
@given(tables=databases())
def test_any_database_converts_as_its_dump(
    tables: list[Table], tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = tmp_path_factory.mktemp("random") / "app.db"
    build_db(db, tables)
    assert direct_text(db) == cli_dump(db)
    try:
        dumped, _ = convert(BytesIO(cli_dump(db)), invalid_utf8="replace")
    except DumpconvError as e:  # refused alike (a name PostgreSQL cannot take...)
        dumped = str(e).encode()
    try:
        with dumpconv.open_database(db) as src:
            direct, _ = convert(src, invalid_utf8="replace")
    except DumpconvError as e:
        direct = str(e).encode()
    assert direct == dumped


# --- NUL -------------------------------------------------------------------------------

NUL_TEXTS = ["a\x00b", "\x00", "x\n\x00\r'y", "tail\x00\x00"]


def _nul_db(tmp: Path) -> Path:
    db = tmp / "nul.db"
    build_db(db, [Table("t", "CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT)",
                        [(i, v) for i, v in enumerate(NUL_TEXTS, 1)])])  # fmt: skip
    return db


def _with_char_forms(dump: bytes) -> bytes:
    """The dump with each cut value written whole, as 'a'||char(0)||'b' (sqlite3 3.18's form)."""
    for i, value in enumerate(NUL_TEXTS, 1):
        cut = value.split("\x00")[0]
        whole = "||".join(
            f"char({ord(p)})" if p in ("\x00", "\n", "\r") else "'" + p.replace("'", "''") + "'"
            for p in _pieces(value)
        )
        old = f"INSERT INTO t VALUES({i},{_cli_literal(cut)});"
        assert old.encode() in dump
        dump = dump.replace(old.encode(), f"INSERT INTO t VALUES({i},{whole});".encode())
    return dump


def _pieces(value: str) -> list[str]:
    out: list[str] = []
    for ch in value:
        if ch in "\x00\n\r" or not out or out[-1] in "\x00\n\r":
            out.append(ch)
        else:
            out[-1] += ch
    return out if value[0] not in "\x00\n\r" else ["", *out]


def _cli_literal(text: str) -> str:
    quoted = "'" + text.replace("'", "''").replace("\n", "\\n") + "'"
    return f"replace({quoted},'\\n',char(10))" if "\n" in text else quoted


@pytest.mark.pg
@pytest.mark.parametrize("nul", ["replace", "strip"])
def test_nul_is_kept_and_treated_as_in_dump_text(
    nul: str, tmp_path: Path, pg_server: PgServer
) -> None:
    """The direct path keeps the bytes after a NUL and applies --nul as to dump text
    'a'||char(0)||'b'; the dump path loses them."""
    db = _nul_db(tmp_path)
    dumped, direct, report = both(db, nul=nul)
    assert direct == convert(BytesIO(_with_char_forms(cli_dump(db))), nul=nul)[0]
    assert {"replace": "nul-replaced", "strip": "nul-stripped"}[nul] in {
        d.code for d in report.diagnostics
    }
    fix = "\ufffd" if nul == "replace" else ""
    for script, expected in (
        (direct, [v.replace("\x00", fix) for v in NUL_TEXTS]),
        (dumped, [v.split("\x00")[0] for v in NUL_TEXTS]),
    ):
        dsn = pg_server.create_db()
        try:
            (tmp_path / "pg.sql").write_bytes(script)
            pg_server.load_sql(dsn, tmp_path / "pg.sql").check()
            assert [s for (s,) in pg_server.query(dsn, "SELECT s FROM t ORDER BY id")] == expected
        finally:
            pg_server.drop_db(dsn)


def test_nul_refused_as_in_dump_text(tmp_path: Path) -> None:
    db = _nul_db(tmp_path)
    with pytest.raises(DumpconvError) as direct, dumpconv.open_database(db) as src:
        convert(src, nul="refuse")
    with pytest.raises(DumpconvError) as text:
        convert(BytesIO(_with_char_forms(cli_dump(db))), nul="refuse")
    assert str(direct.value) == str(text.value)
    assert "NUL" in str(direct.value)


def test_the_dump_path_says_it_may_have_cut_text(tmp_path: Path) -> None:
    """dump-cuts-nul: on a dump holding text, not on one without, never on the direct path."""
    db = _nul_db(tmp_path)
    _, report = convert(BytesIO(cli_dump(db)))
    assert "dump-cuts-nul" in {d.code for d in report.diagnostics}
    numbers = tmp_path / "numbers.db"
    build_db(numbers, [Table("n", "CREATE TABLE n(a INTEGER, b REAL)", [(1, 2.5), (None, 1e300)])])
    _, report = convert(BytesIO(cli_dump(numbers)))
    assert "dump-cuts-nul" not in {d.code for d in report.diagnostics}


# --- one snapshot, never written -------------------------------------------------------

WRITER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
worst = 0.0
for i in range(int(sys.argv[2])):
    t = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO a(v) VALUES (?)", (i,))
    con.execute("INSERT INTO b(v) VALUES (?)", (i,))
    con.execute("COMMIT")
    worst = max(worst, time.perf_counter() - t)
print(worst)
"""


def _counts(script: bytes) -> dict[str, int]:
    counts: dict[str, int] = {}
    table = None
    for line in script.splitlines():
        if line.startswith(b"COPY public."):
            table = line.split()[1].decode().removeprefix("public.")
            counts[table] = 0
        elif line == b"\\.":
            table = None
        elif table is not None:
            counts[table] += 1
    return counts


def test_one_snapshot_while_another_process_writes(tmp_path: Path) -> None:
    """A writer commits a row into a and one into b per transaction while the database is
    converted: the script holds as many rows of each (one snapshot), and the writer (WAL)
    is never held up for long."""
    db = tmp_path / "live.db"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(
        "CREATE TABLE a(id INTEGER PRIMARY KEY, v, pad TEXT DEFAULT (hex(randomblob(200))))"
    )
    con.execute(
        "CREATE TABLE b(id INTEGER PRIMARY KEY, v, pad TEXT DEFAULT (hex(randomblob(200))))"
    )
    con.execute("BEGIN")
    con.executemany("INSERT INTO a(v) VALUES (?)", [(i,) for i in range(20000)])
    con.executemany("INSERT INTO b(v) VALUES (?)", [(i,) for i in range(20000)])
    con.execute("COMMIT")
    con.close()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), "3000"], stdout=subprocess.PIPE, text=True
    )
    try:
        seen = []
        for _ in range(3):
            time.sleep(0.05)
            with dumpconv.open_database(db) as src:
                script, _ = convert(src)
            counts = _counts(script)
            assert counts["a"] == counts["b"], counts
            seen.append(counts["a"])
    finally:
        out, _ = writer.communicate(timeout=120)
    assert writer.returncode == 0
    assert float(out) < 2.0  # the writer's slowest commit
    assert len(set(seen)) > 1 or seen[0] > 20000  # the writer did write meanwhile


def _state(directory: Path) -> dict[str, tuple[str, int]]:
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(directory.iterdir())
    }


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_the_database_is_never_changed(journal: str, tmp_path: Path) -> None:
    """The file's bytes and mtime stay; no -wal/-shm is left that was not there."""
    db = load_fixture(FIXTURES[0], tmp_path / "app.db")
    subprocess.run(["sqlite3", str(db), f"PRAGMA journal_mode={journal}"], check=True,
                   capture_output=True)  # fmt: skip
    before = _state(tmp_path)
    assert sorted(before) == ["app.db"]
    for immutable in (False, True):
        assert direct_text(db, immutable) == cli_dump(db)
        assert _state(tmp_path) == before
    os.utime(db)  # the sqlite3 CLI above may have read it: only dumpconv is checked here
    before = _state(tmp_path)
    direct_text(db)
    assert _state(tmp_path) == before


def test_immutable_reads_a_database_on_read_only_media(tmp_path: Path) -> None:
    """A WAL database in a read-only directory: mode=ro cannot make its -shm (a one-line
    error naming --immutable); immutable=1 reads it."""
    media = tmp_path / "media"
    media.mkdir()
    db = load_fixture(FIXTURES[0], media / "app.db")
    subprocess.run(["sqlite3", str(db), "PRAGMA journal_mode=wal"], check=True, capture_output=True)
    expected = cli_dump(db)
    code = (
        "import sys, dumpconv\n"
        "for imm in (False, True):\n"
        "    try:\n"
        "        with dumpconv.open_database(sys.argv[1], imm) as s:\n"
        "            sys.stdout.buffer.write(s.read())\n"
        "    except dumpconv.DumpconvError as e: sys.stdout.buffer.write(f'ERR {e}\\n'.encode())\n"
    )
    python = [sys.executable, "-c", code, str(db)]
    if os.geteuid() != 0:
        media.chmod(0o555)
        proc = subprocess.run(python, capture_output=True, check=False)
        media.chmod(0o755)
    else:  # root writes anywhere: a read-only bind mount in a mount namespace
        mount = f"mount --bind {media} {media} && mount -o remount,ro,bind {media} {media}"
        argv = ["unshare", "-m", "sh", "-c", f'{mount} && exec "$@"', "sh", *python]
        proc = subprocess.run(argv, capture_output=True, check=False)
        if proc.returncode != 0 and b"unshare" in proc.stderr:
            pytest.skip(f"no read-only directory can be made here: {proc.stderr!r}")
    assert proc.returncode == 0, proc.stderr
    first, rest = proc.stdout.split(b"\n", 1)
    assert first.startswith(f"ERR {db}: SQLite cannot open the database read-only".encode())
    assert b"--immutable" in first
    assert rest == expected


# --- damaged files, the command line -------------------------------------------------


def test_a_damaged_database_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "bad.db"
    db.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    with pytest.raises(DumpconvError) as info:
        dumpconv.open_database(db)
    assert "damaged or encrypted" in str(info.value)
    proc = subprocess.run([sys.executable, "-m", "dumpconv", str(db)], capture_output=True)
    assert proc.returncode == 1
    assert proc.stdout == b""
    err = proc.stderr.decode()
    assert err.count("\n") == 1, err
    assert err.startswith(f"dumpconv: error: {db}: SQLite cannot read this database")


def test_the_command_line_reads_a_database_file_by_its_header(tmp_path: Path) -> None:
    """`dumpconv app.data` (any name) is the database read directly; from stdin it is refused
    with the command that reads it."""
    db = load_fixture(REPO / "fixtures" / "rails.sqlite.sql", tmp_path / "app.data")
    argv = [sys.executable, "-m", "dumpconv", "--restrict-key", GOLDEN_KEY]
    proc = subprocess.run([*argv, str(db)], capture_output=True, check=True)
    out = BytesIO()
    dumpconv.convert(BytesIO(cli_dump(db)), out, Options(source=str(db), restrict_key=GOLDEN_KEY))
    assert proc.stdout == out.getvalue()
    assert b"dump-cuts-nul" not in proc.stderr
    with open(db, "rb") as stdin:
        proc = subprocess.run([*argv, "-"], stdin=stdin, capture_output=True)
    assert proc.returncode == 1
    assert b"is a SQLite database file, which dumpconv reads by its file name" in proc.stderr
