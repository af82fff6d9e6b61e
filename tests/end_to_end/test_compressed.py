"""Compressed dumps convert exactly as the plain ones: every fixture and shared dump,
compressed by the real gzip, bzip2, xz and zstd, through the Python API and through the
command line from a file and from a pipe; a cut file is one line and exit 1; a pipe of
compressed text is converted as it arrives."""

from __future__ import annotations

import bz2
import io
import lzma
import subprocess
import sys
import zlib
from functools import cache
from pathlib import Path

import pytest
import zstandard

from dumpconv.base.errors import DumpconvError
from dumpconv.pipeline import Options, convert
from dumpconv.read.inputs import COMPRESSIONS
from tests.end_to_end.failed import assert_failed_output
from tests.end_to_end.test_golden import GOLDEN_KEY
from tests.end_to_end.test_resources import peak_kib
from tests.end_to_end.test_roundtrip import SHARED_DUMPS
from tests.end_to_end.test_streaming import HEAD, _read_until

REPO = Path(__file__).resolve().parents[2]
FORMATS = sorted(COMPRESSIONS)
TOOLS = {"gzip": "gzip", "bzip2": "bzip2", "xz": "xz", "zstd": "zstd"}
DUMPS = sorted(REPO.glob("fixtures/*.sqlite.sql")) + sorted(
    p for p in SHARED_DUMPS.iterdir() if p.is_file()
)


def compress(fmt: str, data: bytes) -> bytes:
    """``data`` compressed by the format's own command-line tool."""
    return subprocess.run([TOOLS[fmt], "-c"], input=data, capture_output=True, check=True).stdout


def outcome(data: bytes) -> tuple[bytes, str | None]:
    """The script (or what was written before a failure) and the error, if any."""
    out = io.BytesIO()
    try:
        report = convert(io.BytesIO(data), out, Options(restrict_key=GOLDEN_KEY, source="app"))
    except DumpconvError as e:
        return out.getvalue(), str(e)
    return out.getvalue() + report.to_json().encode(), None


@cache
def plain(path: Path) -> tuple[bytes, str | None]:
    return outcome(path.read_bytes())


def test_the_dumps_are_there() -> None:
    assert len(DUMPS) >= 30
    assert any(p.suffix == ".db" for p in DUMPS)  # databases: refused alike, compressed or not


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.name)
def test_a_compressed_dump_converts_byte_for_byte_as_the_plain_one(path: Path, fmt: str) -> None:
    """Same script, same report (input_bytes is the dump text's size), or the same error."""
    script, error = outcome(compress(fmt, path.read_bytes()))
    expected_script, expected_error = plain(path)
    if path.suffix == ".db":  # the message says it was compressed
        assert error is not None
        assert error.startswith(f"app ({fmt}-compressed) is a SQLite database file")
        assert expected_error is not None
        assert expected_error.startswith("app is a SQLite database file")
        return
    assert error == expected_error
    assert script == expected_script


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "dumpconv", "--restrict-key", GOLDEN_KEY, *args]


@pytest.mark.parametrize("fmt", FORMATS)
def test_through_the_command_line_from_a_pipe_and_a_file(fmt: str, tmp_path: Path) -> None:
    dump = REPO / "fixtures" / "django.sqlite.sql"
    packed = compress(fmt, dump.read_bytes())
    expected = subprocess.run(_cli(), input=dump.read_bytes(), capture_output=True, check=True)
    piped = subprocess.run(_cli(), input=packed, capture_output=True, check=False)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == expected.stdout
    assert piped.stderr == expected.stderr
    path = tmp_path / "django.sql.x"
    path.write_bytes(packed)
    from_file = subprocess.run(_cli(str(path)), capture_output=True, check=False)
    assert from_file.returncode == 0, from_file.stderr
    assert from_file.stdout == expected.stdout.replace(
        b"-- from: stdin", f"-- from: {path}".encode()
    )


def _big_dump(rows: int) -> bytes:
    """Tables of rows enough that the first is written before a cut near the end is read."""
    parts = [HEAD]
    for t in range(3):
        parts.append(b"CREATE TABLE t%d(id INTEGER PRIMARY KEY, v TEXT);\n" % t)
        parts.extend(b"INSERT INTO t%d VALUES(%d,'value %d');\n" % (t, i, i) for i in range(rows))
    parts.append(b"COMMIT;\n")
    return b"".join(parts)


@pytest.mark.parametrize("source", ["file", "pipe"])
@pytest.mark.parametrize("size", ["small", "big"])
def test_a_truncated_gz_is_one_line_and_exit_1(tmp_path: Path, source: str, size: str) -> None:
    """Cut early, nothing is written; cut late, the tables already streamed are followed by
    the failure ending (no COMMIT): either way one line on stderr and exit 1."""
    dump = (REPO / "fixtures" / "rails.sqlite.sql").read_bytes() if size == "small" else None
    packed = compress("gzip", dump if dump is not None else _big_dump(60_000))
    cut = packed[: len(packed) - 200]
    path = tmp_path / "app.sql.gz"
    path.write_bytes(cut)
    if source == "file":
        proc = subprocess.run(_cli(str(path)), capture_output=True, check=False)
        where, test = f"{path}: ", f"gzip -t {path}"
    else:
        proc = subprocess.run(_cli(), input=cut, capture_output=True, check=False)
        where, test = "", "gzip -t app.sql.gz"
    assert proc.returncode == 1
    assert proc.stderr.decode() == (
        f"dumpconv: error: {where}the gzip data ends before its end marker: it is truncated "
        f"(copy or download the whole file again; `{test}` checks it)\n"
    )
    assert_failed_output(proc.stdout)
    if size == "big":
        assert b"COPY public.t0 (id, v) FROM stdin;" in proc.stdout  # streamed, then failed


def _flushed(fmt: str, first: bytes, rest: bytes) -> tuple[bytes, bytes]:
    """A compressed stream in two writes, the first decodable alone: flushed part-way
    (gzip, zstd) or a whole stream followed by a second one (bzip2, xz: cat a.xz b.xz)."""
    if fmt == "gzip":
        z = zlib.compressobj(wbits=31)
        return z.compress(first) + z.flush(zlib.Z_SYNC_FLUSH), z.compress(rest) + z.flush()
    if fmt == "zstd":
        c = zstandard.ZstdCompressor(write_checksum=True).compressobj()
        flushed = c.compress(first) + c.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        return flushed, c.compress(rest) + c.flush()
    if fmt == "xz":
        return lzma.compress(first), lzma.compress(rest)
    return bz2.compress(first), bz2.compress(rest)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_compressed_pipe_is_converted_as_it_arrives(fmt: str) -> None:
    """The first table of a compressed stream whose first part can be decoded reaches
    stdout while stdin is still open, as from a plain pipe (test_streaming)."""
    first = HEAD + b"CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT);\n"
    first += b"".join(b"INSERT INTO a VALUES(%d,'row %d');\n" % (i, i) for i in range(1, 501))
    first += b"CREATE TABLE b(x INT);\n"
    head, tail = _flushed(fmt, first, b"INSERT INTO b VALUES(7);\nCOMMIT;\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dumpconv", "--no-restrict"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    try:
        proc.stdin.write(head)
        proc.stdin.flush()
        early = _read_until(proc, b"500\trow 500\n\\.\n", 60)
        assert b"500\trow 500\n\\.\n" in early, early[-300:]
        assert b"COMMIT;" not in early
        rest, err = proc.communicate(tail, timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert (early + rest).rstrip().endswith(b"COMMIT;")


def _repetitive_dump(path: Path, rows: int) -> None:
    """Rows of long runs of one letter: text that compresses a thousand times or more (zstd
    writes RLE blocks), so a decompressor that did not stream would hold far more than the
    input it read."""
    with open(path, "wb") as f:
        f.write(HEAD + b"CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\n")
        for i in range(rows):
            f.write(b"INSERT INTO t VALUES(%d,'%s');\n" % (i, b"a" * 10_000))
        f.write(b"COMMIT;\n")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["gzip", "zstd"])
def test_decompression_streams_in_bounded_memory(tmp_path: Path, fmt: str) -> None:
    small, large = tmp_path / "small.sql", tmp_path / "large.sql"
    _repetitive_dump(small, 100)
    _repetitive_dump(large, 20_000)  # 200 MB of text
    peaks = []
    for dump in (small, large):
        packed = dump.with_suffix(".sql.x")
        with open(dump, "rb") as f, open(packed, "wb") as out:
            subprocess.run([TOOLS[fmt], "-c"], stdin=f, stdout=out, check=True)
        assert packed.stat().st_size < dump.stat().st_size / 100
        peaks.append(peak_kib(packed, tmp_path / "out.sql"))
    assert (tmp_path / "out.sql").stat().st_size > 200_000_000
    assert peaks[1] - peaks[0] < 64 * 1024, peaks
