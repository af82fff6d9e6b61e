"""The input as it arrives: a dump, maybe compressed, or a file that is no dump at all.

:func:`open_dump` looks at the first bytes (put back, so a pipe loses nothing) and returns
the dump's text as a stream the splitter reads: gzip, bzip2, xz and zstd are found by their
content, not by a file name (stdin has none), and decompressed as they are read, a buffer at
a time. A SQLite database file is read by ``read.database`` from its file name (not a
stream: SQLite opens the file itself), so given as a stream it is refused with the command
that reads it; a pg_dump archive or a zip file is refused with the command that makes a dump
of it; other binary input meets :func:`refuse_nul` (the splitter calls it on every buffer).
These are the only checks of what kind of file the input is.

The stream counts both sides: ``input_bytes`` of the input as given (compressed), for
progress, and ``text_bytes`` of dump text, which the report gives as ``input_bytes``.
"""

from __future__ import annotations

import bz2
import lzma
import os
import shlex
import stat
import zlib
from collections.abc import Callable
from typing import BinaryIO, Protocol, cast

from dumpconv.base.errors import DumpconvError, SplitError
from dumpconv.read.database import DatabaseText, is_database
from dumpconv.read.gunzip import Gunzip
from dumpconv.read.zstdframes import ZstdFrames

HEAD = 16  # enough for every signature below ("SQLite format 3\0" is the longest)
HEAD_READ = 1 << 20  # the splitter's buffer
ZSTD_READ = 1 << 15  # compressed bytes zstd reads at a time (text from one read < HEAD_READ)

COMPRESSIONS = {  # name: (signature, the command that tests a file, its decompressor)
    "gzip": (b"\x1f\x8b", "gzip -t", "gzip -dc"),
    "bzip2": (b"BZh", "bzip2 -t", "bzip2 -dc"),
    "xz": (b"\xfd7zXZ\x00", "xz -t", "xz -dc"),
    "zstd": (b"\x28\xb5\x2f\xfd", "zstd -t", "zstd -dc"),
}

_ZIP = b"PK\x03\x04"
_UTF16 = (b"\xff\xfe", b"\xfe\xff")


class _Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


def is_pg_archive(head: bytes) -> bool:
    """pg_dump's custom format ("PGDMP"), or its tar format (whose first entry is toc.dat)."""
    return head.startswith((b"PGDMP", b"toc.dat"))


def refuse_nul(data: bytes) -> None:
    """Dump text holds no NUL byte (sqlite3 writes one in a value as char(0)): binary input.

    Raises:
        SplitError: ``data`` holds a NUL byte.
    """
    if b"\x00" in data:
        raise SplitError(
            "the input contains NUL bytes, so it is not SQL text",
            None,
            "give a SQLite database by its file name (dumpconv app.db), or the text "
            "`sqlite3 app.db .dump` writes",
        )


def compression_of(head: bytes) -> str | None:
    """The compression whose signature ``head`` starts with, if any."""
    for name, (signature, _, _) in COMPRESSIONS.items():
        if head.startswith(signature):
            return name
    return None


class _Source:
    """A stream with its first bytes read ahead and put back, counting every byte taken."""

    def __init__(self, stream: _Readable, head: bytes) -> None:
        self.stream = stream
        self.head = head
        self.count = 0
        self.error: OSError | None = None  # a failure of the stream itself, not of its content
        self.frames: ZstdFrames | None = None  # follows zstd's frames when it is zstd

    def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes: ``n`` unless the input ends (the splitter grows a statement
        longer than its buffer by reading as much again)."""
        head = self.head
        if head and 0 <= n <= len(head):
            data, self.head = head[:n], head[n:]
        else:
            self.head = b""
            data = head + self._read(self.stream.read, -1 if n < 0 else n - len(head))
        return self._took(data)

    def read1(self, n: int = -1) -> bytes:
        """What the stream has now (one read of a pipe), without waiting for ``n`` bytes: the
        statements read so far are converted while the producer writes more."""
        head = self.head
        if head:
            data = head if n < 0 else head[:n]
            self.head = head[len(data) :]
            return self._took(data)
        return self._took(self._read(getattr(self.stream, "read1", self.stream.read), n))

    def _read(self, read: Callable[[int], bytes], n: int) -> bytes:
        try:
            return read(n)
        except OSError as e:
            self.error = e
            raise

    def _took(self, data: bytes) -> bytes:
        self.count += len(data)
        if self.frames is not None:
            self.frames.feed(data)
        return data


class _Short:
    """What a decompressor reads: the input as it arrives (a pipe's read does not wait for a
    whole buffer), so text reaches the splitter as soon as it is decompressed."""

    def __init__(self, source: _Source) -> None:
        self._source = source

    def read(self, n: int = -1) -> bytes:
        return self._source.read1(n)


class DumpInput:
    """The dump's text, for the splitter (``read``, ``read1``), and how much was read.

    Attributes:
        name: the input's name as the user gave it ("stdin" or "-" for standard input).
        size: the input's size when it is a regular file (what progress compares
            ``input_bytes`` with), else None.
        compression: "gzip", "bzip2", "xz", "zstd", or None.
        keeps_nul: the text is a database's, read by ``read.database``: its text values
            keep their NUL bytes (``.dump`` cuts them).
    """

    def __init__(self, stream: _Readable, name: str) -> None:
        self.name = name
        self.keeps_nul = isinstance(stream, DatabaseText)
        self.size = _regular_size(stream)
        head = _read_head(stream)
        refuse_wrong_file(head, name)
        self._raw = _Source(stream, head)
        self._text = self._raw
        self.compression = compression_of(head)
        self._errors: tuple[type[BaseException], ...] = ()
        if self.compression is not None:
            decompressor = self._decompressor(self.compression)
            head = self._decoding(lambda: _read_head(decompressor))
            refuse_wrong_file(head, name, self.compression)
            self._text = _Source(decompressor, head)

    @property
    def input_bytes(self) -> int:
        """Bytes of the input as given (compressed when it is) taken so far."""
        return self._raw.count

    @property
    def text_bytes(self) -> int:
        """Bytes of dump text read so far (decompressed)."""
        return self._text.count

    def read(self, n: int = -1) -> bytes:
        return self._decoding(lambda: self._text.read(n))

    def read1(self, n: int = -1) -> bytes:
        return self._decoding(lambda: self._text.read1(n))

    def _decompressor(self, kind: str) -> _Readable:
        raw = cast(BinaryIO, _Short(self._raw))
        self._errors = (OSError, EOFError, zlib.error, lzma.LZMAError)
        if kind == "gzip":
            return Gunzip(self._raw.read1)
        if kind == "bzip2":
            return bz2.BZ2File(raw)
        if kind == "xz":
            return lzma.LZMAFile(raw)
        try:
            import zstandard
        except ImportError:
            raise DumpconvError(
                f"{_label(self.name)} is zstd-compressed, and the zstandard package that reads "
                "zstd is not installed",
                None,
                f"pip install 'dumpconv[zstd]', or decompress it on the way: "
                f"{_decompress_command(self.name, 'zstd')} | dumpconv",
            ) from None
        self._errors = (*self._errors, zstandard.ZstdError)
        self._raw.frames = ZstdFrames()
        reader = zstandard.ZstdDecompressor().stream_reader
        return reader(raw, read_size=ZSTD_READ, read_across_frames=True)

    def _decoding(self, read: Callable[[], bytes]) -> bytes:
        """``read()``, a decompressor's failure said as one line naming the format."""
        try:
            data = read()
        except self._errors as e:
            if self._raw.error is not None:  # reading the input failed, not decompressing it
                raise self._raw.error from None
            cut = isinstance(e, EOFError)
            raise self._damaged(cut, str(e)) from None
        frames = self._raw.frames
        if not data and frames is not None and not frames.at_frame_end:
            raise self._damaged(True, "")
        return data

    def _damaged(self, cut: bool, detail: str) -> DumpconvError:
        kind = self.compression or ""
        where = "" if _is_stdin(self.name) else f"{self.name}: "
        test = f"{COMPRESSIONS[kind][1]} {_quoted(self.name, 'app.sql.' + _SUFFIX[kind])}"
        if cut:
            return DumpconvError(
                f"{where}the {kind} data ends before its end marker: it is truncated",
                None,
                f"copy or download the whole file again; `{test}` checks it",
            )
        return DumpconvError(
            f"{where}the {kind} data is corrupt ({detail})",
            None,
            f"copy or download the file again; `{test}` checks it",
        )


def open_dump(stream: BinaryIO, name: str = "-") -> DumpInput:
    """The dump text read from ``stream``, decompressed when it is compressed.

    Raises:
        DumpconvError: the input is a database file, an archive, or compressed with zstd and
            the zstandard package is missing; reading it later raises one for damaged data.
    """
    return DumpInput(stream, name)


def refuse_wrong_file(head: bytes, name: str, compression: str | None = None) -> None:
    """Refuse input that is a known kind of file other than a dump, with what to run instead.

    Raises:
        DumpconvError: ``head`` (the first bytes, decompressed when ``compression``) is a
            SQLite database, a pg_dump archive, a zip file, UTF-16 text, or compressed again.
    """
    label = _label(name)
    if compression is not None:
        label = f"{label} ({compression}-compressed)"
        unpack = f"{_decompress_command(name, compression)} > app.db, then "
    else:
        unpack = ""
    if is_database(head) and unpack:
        raise DumpconvError(
            f"{label} is a SQLite database file, not a dump",
            None,
            f"run `{unpack}dumpconv app.db`",
        )
    if is_database(head):
        path = "app.db" if _is_stdin(name) else name
        raise DumpconvError(
            f"{label} is a SQLite database file, which dumpconv reads by its file name, not "
            "from standard input or a stream",
            None,
            f"run `dumpconv {_quoted(name, 'app.db')}`; from Python, "
            f"convert(open_database({path!r}), out)",
        )
    if is_pg_archive(head):
        raise DumpconvError(
            f"{label} is a pg_dump archive (custom or tar format), not a SQLite dump",
            None,
            "it is already PostgreSQL's: restore it with `pg_restore -d DBNAME "
            f"{_quoted(name, 'FILE')}`; dumpconv converts the output of sqlite3 .dump",
        )
    if head.startswith(_ZIP):
        raise DumpconvError(
            f"{label} is a zip archive",
            None,
            f"run `unzip -p {_quoted(name, 'app.zip')} | dumpconv`",
        )
    if head.startswith(_UTF16):
        raise DumpconvError(
            f"{label} is UTF-16 text (PowerShell's > writes it); dumpconv reads UTF-8",
            None,
            "write the dump with `sqlite3 app.db .dump | Out-File -Encoding utf8 app.sql`, or "
            "convert it: `iconv -f UTF-16 -t UTF-8`",
        )
    if compression is not None and compression_of(head) is not None:
        raise DumpconvError(
            f"{label} is compressed twice",
            None,
            f"decompress it once first: `{_decompress_command(name, compression)} | dumpconv`",
        )


def _label(name: str) -> str:
    return "the input" if _is_stdin(name) else name


def _is_stdin(name: str) -> bool:
    return name in ("-", "stdin")


def _quoted(name: str, example: str) -> str:
    """The input's name for a shell command, or ``example`` for standard input."""
    return example if _is_stdin(name) else shlex.quote(name)


def _decompress_command(name: str, compression: str) -> str:
    command = COMPRESSIONS[compression][2]
    if _is_stdin(name):
        return f"{command} app.sql.{_SUFFIX[compression]}"
    return f"{command} {shlex.quote(name)}"


_SUFFIX = {"gzip": "gz", "bzip2": "bz2", "xz": "xz", "zstd": "zst"}


def _read_head(stream: _Readable) -> bytes:
    """What the input has now, at least ``HEAD`` bytes (unless it is shorter): the first
    buffer the splitter gets. One read1 of a pipe takes what it holds, as the splitter's own
    first read would (a buffered stream's read of a few bytes would fill its buffer, 8 KiB,
    and hand on only that next; zstd's reader would hold back what one input read
    decompresses to beyond the bytes asked)."""
    read = getattr(stream, "read1", stream.read)
    head = b""
    while len(head) < HEAD:
        data = read(HEAD_READ)
        if not data:
            break
        head += data
    return head


def _regular_size(stream: _Readable) -> int | None:
    """The bytes left to read when ``stream`` is a regular file or in memory; None for a pipe
    or a terminal, whose size is unknown until its end."""
    try:
        sized = stat.S_ISREG(os.fstat(stream.fileno()).st_mode)  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):  # no file descriptor: in memory?
        sized = bool(getattr(stream, "seekable", lambda: False)())
    if not sized:
        return None
    try:
        here: int = stream.tell()  # type: ignore[attr-defined]
        end: int = stream.seek(0, os.SEEK_END)  # type: ignore[attr-defined]
        stream.seek(here)  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return None
    return max(0, end - here)
