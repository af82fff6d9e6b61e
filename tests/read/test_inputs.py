"""read.inputs: compressed input found by its content and decompressed as it is read; files
that are no dump refused with the command that makes one; what was read, counted.

Every compressed stream here is written by the real tools (gzip, bzip2, xz, zstd) or by
Python's own compressors; the wrong files are real ones (a SQLite database, its WAL and
journal files, a zip archive)."""

from __future__ import annotations

import bz2
import gzip
import io
import itertools
import lzma
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import zstandard
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dumpconv.base.errors import DumpconvError, SplitError
from dumpconv.read.inputs import COMPRESSIONS, HEAD, DumpInput, open_dump, refuse_wrong_file
from dumpconv.read.splitter import iter_units
from dumpconv.read.zstdframes import ZstdFrames

FORMATS = sorted(COMPRESSIONS)
TEXT = b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n" + b"".join(
    b"INSERT INTO t VALUES(%d,'row %d');\n" % (i, i) for i in range(2000)
)

COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": lzma.compress,
    "zstd": lambda data: zstandard.ZstdCompressor(write_checksum=True).compress(data),
}


def tool(fmt: str, data: bytes) -> bytes:
    """``data`` compressed by the format's own command-line tool, from a pipe."""
    program = {"gzip": "gzip", "bzip2": "bzip2", "xz": "xz", "zstd": "zstd"}[fmt]
    assert shutil.which(program), f"{program} is not installed"
    return subprocess.run([program, "-c"], input=data, capture_output=True, check=True).stdout


def read_all(source: DumpInput, size: int, *, short: bool) -> bytes:
    out = b""
    while data := (source.read1(size) if short else source.read(size)):
        out += data
    return out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("size", "short"), [(1, False), (7, True), (1 << 20, False), (1 << 20, True)]
)
def test_each_format_reads_back_the_text_and_counts_both_sides(
    fmt: str, size: int, short: bool
) -> None:
    packed = tool(fmt, TEXT)
    source = open_dump(io.BytesIO(packed))
    assert source.compression == fmt
    assert source.size == len(packed)
    assert read_all(source, size, short=short) == TEXT
    assert source.text_bytes == len(TEXT)
    assert source.input_bytes == len(packed)


def test_plain_text_passes_through_counted() -> None:
    source = open_dump(io.BytesIO(TEXT))
    assert source.compression is None
    assert read_all(source, 5, short=False) == TEXT
    assert source.text_bytes == source.input_bytes == source.size == len(TEXT)


@pytest.mark.parametrize("text", [b"", b"B", b"BEGIN;"])
def test_input_shorter_than_the_signatures_is_text(text: bytes) -> None:
    source = open_dump(io.BytesIO(text))
    assert source.compression is None
    assert read_all(source, 100, short=True) == text


@pytest.mark.parametrize("fmt", FORMATS)
def test_concatenated_members_read_as_one(fmt: str) -> None:
    """cat a.gz b.gz is one gzip file (and likewise for the others): all of it is read."""
    half = len(TEXT) // 2
    packed = tool(fmt, TEXT[:half]) + COMPRESS[fmt](TEXT[half:])
    assert read_all(open_dump(io.BytesIO(packed)), 1 << 20, short=False) == TEXT


@settings(max_examples=40, deadline=None)
@given(
    fmt=st.sampled_from(FORMATS),
    text=st.binary(max_size=3000),
    cuts=st.lists(st.integers(0, 3000), max_size=3),
    sizes=st.lists(st.integers(1, 5000), min_size=1, max_size=5),
)
def test_any_text_in_any_members_read_in_any_sizes(
    fmt: str, text: bytes, cuts: list[int], sizes: list[int]
) -> None:
    try:  # text that starts like a known kind of file is refused (tested below)
        refuse_wrong_file(text[:HEAD], "-", fmt)
    except DumpconvError:
        assume(False)
    bounds = [0, *sorted(c for c in cuts if c <= len(text)), len(text)]
    packed = b"".join(COMPRESS[fmt](text[a:b]) for a, b in itertools.pairwise(bounds))
    source = open_dump(io.BytesIO(packed))
    out, i = b"", 0
    while True:
        size = sizes[i % len(sizes)]
        data = source.read1(size) if i % 2 else source.read(size)
        i += 1
        if not data:
            break
        assert len(data) <= size
        out += data
    assert out == text
    assert source.input_bytes == len(packed)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_cut_anywhere_is_a_one_line_error_naming_the_format(fmt: str) -> None:
    """Every prefix of a compressed dump (past its signature) fails as damaged data, never
    as a shorter dump: zstd's reader hands back a cut frame's text, ZstdFrames finds the cut."""
    packed = tool(fmt, TEXT[:3000])
    signature = len(COMPRESSIONS[fmt][0])
    step = max(1, len(packed) // 150)
    for cut in [*range(signature, len(packed), step), len(packed) - 1]:
        with pytest.raises(DumpconvError) as info:
            read_all(open_dump(io.BytesIO(packed[:cut]), "app.sql.x"), 1 << 20, short=False)
        message = str(info.value)
        assert fmt in message, (cut, message)
        assert message.startswith("app.sql.x: the "), message
        assert "\n" not in message
        assert f"{COMPRESSIONS[fmt][1]} app.sql.x" in message  # the command that checks it


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrupt_data_is_a_one_line_error(fmt: str) -> None:
    packed = bytearray(tool(fmt, TEXT))
    middle = len(packed) // 2
    packed[middle : middle + 8] = b"\xa5" * 8
    with pytest.raises(DumpconvError) as info:
        read_all(open_dump(io.BytesIO(bytes(packed))), 1 << 20, short=False)
    assert fmt in str(info.value)
    assert "corrupt" in str(info.value) or "truncated" in str(info.value)


def test_truncated_from_stdin_names_an_example_file() -> None:
    packed = tool("gzip", TEXT)
    with pytest.raises(DumpconvError) as info:
        read_all(open_dump(io.BytesIO(packed[:-5]), "stdin"), 1 << 20, short=False)
    assert str(info.value) == (
        "the gzip data ends before its end marker: it is truncated (copy or download the "
        "whole file again; `gzip -t app.sql.gz` checks it)"
    )


class _Failing(io.RawIOBase):
    """A stream whose second read fails, as a disk or a network file system may."""

    def __init__(self, data: bytes) -> None:
        self.data, self.reads = data, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        self.reads += 1
        if self.reads > 2:
            raise OSError(5, "Input/output error")
        n = min(len(b), 1000, len(self.data))
        b[:n], self.data = self.data[:n], self.data[n:]
        return n


def test_a_read_error_is_not_called_damaged_data() -> None:
    source = open_dump(io.BufferedReader(_Failing(tool("gzip", TEXT)), 1000))
    with pytest.raises(OSError, match="Input/output error") as info:
        read_all(source, 1 << 20, short=False)
    assert not isinstance(info.value, DumpconvError)


def test_a_pipe_hands_on_text_as_it_is_decompressed() -> None:
    """Through a pipe, read1 returns the text of a flushed part of a gzip stream while the
    writer is still writing: the splitter converts while the producer works."""
    r, w = os.pipe()
    compressor = zlib.compressobj(wbits=31)
    first = compressor.compress(TEXT[:500]) + compressor.flush(zlib.Z_SYNC_FLUSH)
    os.write(w, first)
    got: list[bytes] = []
    with open(r, "rb") as pipe:
        source = open_dump(pipe, "stdin")
        assert source.size is None
        reader = threading.Thread(target=lambda: got.append(source.read1(1 << 20)))
        reader.start()
        reader.join(timeout=10)
        alive = reader.is_alive()
        os.write(w, compressor.compress(TEXT[500:]) + compressor.flush())
        os.close(w)
        reader.join(timeout=10)
        assert not alive, "read1 waited for the end of the input"
        assert got[0]
        assert TEXT.startswith(got[0])
        rest = read_all(source, 1 << 20, short=True)
    assert got[0] + rest == TEXT


# --- files that are no dump --------------------------------------------------------------


def _database(tmp_path: Path) -> Path:
    path = tmp_path / "my app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        db.executemany("INSERT INTO t(v) VALUES (?)", [("x" * 100,)] * 200)
    db.close()
    return path


def _refusal(data: bytes, name: str) -> str:
    def convert() -> None:
        list(iter_units(open_dump(io.BytesIO(data), name)))  # type: ignore[arg-type]

    with pytest.raises(DumpconvError) as info:
        convert()
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_sqlite_database_as_a_stream_is_told_to_be_given_by_its_name(tmp_path: Path) -> None:
    """SQLite opens a database itself: from stdin or a stream it cannot be read."""
    path = _database(tmp_path)
    data = path.read_bytes()
    assert _refusal(data, str(path)) == (
        f"{path} is a SQLite database file, which dumpconv reads by its file name, not from "
        f"standard input or a stream (run `dumpconv '{path}'`; from Python, "
        f"convert(open_database('{path}'), out))"
    )
    assert _refusal(data, "stdin") == (
        "the input is a SQLite database file, which dumpconv reads by its file name, not from "
        "standard input or a stream (run `dumpconv app.db`; from Python, "
        "convert(open_database('app.db'), out))"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_compressed_sqlite_database_says_to_decompress_it(tmp_path: Path, fmt: str) -> None:
    packed = tool(fmt, _database(tmp_path).read_bytes())
    message = _refusal(packed, "app.db.x")
    assert message.startswith(f"app.db.x ({fmt}-compressed) is a SQLite database file")
    assert f"{COMPRESSIONS[fmt][2]} app.db.x > app.db, then dumpconv app.db`" in message


def test_compressed_twice() -> None:
    message = _refusal(gzip.compress(gzip.compress(TEXT)), "app.sql.gz.gz")
    assert message.startswith("app.sql.gz.gz (gzip-compressed) is compressed twice")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"PGDMP\x01\x0e\x00\x04\x08\x01\x01\x01", "is a pg_dump archive (custom or tar format)"),
        (b"toc.dat\x00\x00\x00\x00\x00\x00\x00", "is a pg_dump archive (custom or tar format)"),
        ("BEGIN;".encode("utf-16"), "is UTF-16 text"),
    ],
    ids=["custom", "tar", "utf-16"],
)
def test_other_known_files(header: bytes, expected: str) -> None:
    assert expected in _refusal(header + b"\x00" * 100, "x")


def test_a_zip_archive(tmp_path: Path) -> None:
    archive = tmp_path / "app.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("app.sql", TEXT)
    message = _refusal(archive.read_bytes(), str(archive))
    assert message == f"{archive} is a zip archive (run `unzip -p {archive} | dumpconv`)"


def _wal_and_journal(tmp_path: Path) -> tuple[bytes, bytes]:
    """A write-ahead log and a rollback journal, copied while their database is open."""
    wal_db = tmp_path / "wal.db"
    db = sqlite3.connect(wal_db, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t(v)")
    db.execute("INSERT INTO t VALUES ('x')")
    wal = Path(f"{wal_db}-wal").read_bytes()
    db.close()
    journal_db = tmp_path / "journal.db"
    db = sqlite3.connect(journal_db, isolation_level=None)
    db.execute("CREATE TABLE t(v)")
    db.execute("BEGIN")
    db.execute("INSERT INTO t VALUES ('x')")
    db.execute("PRAGMA cache_spill=1")
    db.executemany("INSERT INTO t VALUES (?)", [("y" * 500,)] * 200)
    journal = Path(f"{journal_db}-journal").read_bytes()
    db.execute("ROLLBACK")
    db.close()
    return wal, journal


def test_wal_journal_and_other_binary_files_meet_the_nul_check(tmp_path: Path) -> None:
    wal, journal = _wal_and_journal(tmp_path)
    for data in (wal, journal, b"\x00\x01\x02binary", os.urandom(64) + b"\x00"):
        with pytest.raises(SplitError, match="the input contains NUL bytes"):
            list(iter_units(open_dump(io.BytesIO(data)), 64))  # type: ignore[arg-type]


def test_zstd_without_the_package_says_how_to_get_it(tmp_path: Path) -> None:
    """Where zstandard cannot be imported (a real interpreter with the module blocked)."""
    path = tmp_path / "app.sql.zst"
    path.write_bytes(tool("zstd", TEXT))
    code = (
        "import sys; sys.modules['zstandard'] = None; sys.argv[1:] = [sys.argv[1]]\n"
        "from dumpconv.cli import run; run()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    last = proc.stderr.strip()
    assert "zstd-compressed" in last
    assert "pip install 'dumpconv[zstd]'" in last
    assert f"zstd -dc {path} | dumpconv" in last


# --- zstd frames --------------------------------------------------------------------------


def _ends(stream: bytes) -> list[int]:
    frames = ZstdFrames()
    ends = [0] if frames.at_frame_end else []
    for i in range(len(stream)):
        frames.feed(stream[i : i + 1])
        if frames.at_frame_end:
            ends.append(i + 1)
    return ends


@pytest.mark.parametrize(
    "compressor",
    [
        zstandard.ZstdCompressor(write_checksum=True),
        zstandard.ZstdCompressor(write_checksum=False, write_content_size=False),
        zstandard.ZstdCompressor(level=19, write_dict_id=False),
    ],
    ids=["checksum", "no-size", "level-19"],
)
def test_zstd_frames_end_where_frames_end(compressor: zstandard.ZstdCompressor) -> None:
    one = compressor.compress(TEXT)
    empty = compressor.compress(b"")
    skippable = (0x184D2A53).to_bytes(4, "little") + (5).to_bytes(4, "little") + b"12345"
    rle = compressor.compress(b"a" * 300_000)  # RLE blocks
    stream = one + skippable + empty + rle + tool("zstd", TEXT[:100])
    bounds = [len(one), len(skippable), len(empty), len(rle)]
    expected = [0]
    for size in bounds:
        expected.append(expected[-1] + size)
    expected.append(len(stream))
    assert _ends(stream) == expected


def test_gzip_padding_is_skipped_and_garbage_after_it_is_corrupt() -> None:
    """gzip -d skips NUL padding after a member (tape blocks); anything else after a member
    is not a gzip member."""
    member = gzip.compress(TEXT[:1000])
    padded = member + b"\x00" * 700 + gzip.compress(TEXT[1000:]) + b"\x00" * 100
    assert read_all(open_dump(io.BytesIO(padded)), 1 << 20, short=True) == TEXT
    with pytest.raises(DumpconvError, match="the gzip data is corrupt"):
        read_all(open_dump(io.BytesIO(member + b"garbage!")), 1 << 20, short=False)
