"""Where the script goes: stdout as it is written, or a file replaced atomically; and where
the dump comes from. Knows no SQL and no typer."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from dumpconv.base.errors import DumpconvError
from dumpconv.base.report import Report
from dumpconv.read.database import is_database, open_database

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

# One conversion with its options chosen: dump in, script out (pipeline.convert, bound).
Conversion = Callable[[BinaryIO, BinaryIO], Report]


def check_only(input: Path, convert: Conversion, immutable: bool = False) -> Report:
    """Convert into nothing: every check runs, the report is printed, no script is kept."""
    with open_input(input, immutable) as src, open(os.devnull, "wb") as out:
        return convert(src, out)


def run_to(
    input: Path, output: Path | None, convert: Conversion, immutable: bool = False
) -> Report:
    with open_input(input, immutable) as src:
        if output is None:
            return _to_stdout(src, convert)
        return _to_file(src, output, convert)


@contextlib.contextmanager
def open_input(path: Path, immutable: bool = False) -> Iterator[BinaryIO]:
    """The dump, or a SQLite database file (found by its header, not its name) read as the
    dump text sqlite3 .dump writes of it (read.database); ``immutable`` is --immutable."""
    if str(path) == "-":
        if sys.stdin.isatty():
            sys.stderr.write("dumpconv: reading the dump from stdin (Ctrl-D to end)...\n")
        yield sys.stdin.buffer
        return
    with open(path, "rb") as f:
        # A regular file only: the first bytes of a pipe would be lost.
        regular = stat.S_ISREG(os.fstat(f.fileno()).st_mode)
        if not regular or not is_database(f.read(16)):
            if regular:
                f.seek(0)
            yield f
            return
    with open_database(path, immutable) as db:
        yield db


def _to_stdout(src: BinaryIO, convert: Conversion) -> Report:
    """Straight to stdout, table by table (psql loads while dumpconv converts); into a pipe
    or a socket, through :class:`WriteAhead`."""
    out = sys.stdout.buffer
    try:
        mode = os.fstat(out.fileno()).st_mode
        piped = stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)  # a pipe, or ssh's socket
    except (OSError, ValueError):  # no file descriptor (a test's stream)
        piped = False
    if not piped:
        try:
            return convert(src, out)
        finally:
            with contextlib.suppress(OSError, ValueError):
                out.flush()
    out.flush()
    ahead = WriteAhead(out.fileno())
    try:
        report = convert(src, cast(BinaryIO, ahead))  # it writes and flushes, nothing else
    except BaseException:
        with contextlib.suppress(OSError):
            ahead.close()  # what the failure wrote, then stop
        raise
    ahead.close()
    return report


class WriteAhead(io.BufferedIOBase):
    """A pipe written by a thread of its own, up to :attr:`LIMIT` bytes behind.

    psql loads a table's COPY rows while dumpconv converts the next ones; written directly,
    each flush would wait until psql had read all but a pipe's 64 KiB, and the two (with
    sqlite3 before them) would take turns instead of running side by side. The bytes are
    the same and in the same order; an error of the pipe (psql gone) is raised by the next
    write, flush or close."""

    LIMIT = 16 << 20
    _PIECE = 1 << 20

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self._gathered: list[bytes] = []
        self._size = 0  # bytes gathered, not yet handed to the thread
        self._queue: deque[bytes] = deque()
        self._queued = 0
        self._done = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._drain, name="dumpconv-out", daemon=True)
        self._thread.start()

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer, /) -> int:
        piece = bytes(data)
        self._gathered.append(piece)
        self._size += len(piece)
        if self._size >= self._PIECE:
            self._hand()
        return len(piece)

    def flush(self) -> None:
        self._hand()

    def close(self) -> None:
        """Write everything handed over, then stop the thread (raises its error)."""
        if self.closed:
            return
        try:
            self._hand()
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()
            self._thread.join()
            super().close()
        self._check()

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def _hand(self) -> None:
        self._check()
        if not self._gathered:
            return
        piece = b"".join(self._gathered)
        self._gathered.clear()
        self._size = 0
        with self._cond:
            while self._queued and self._queued + len(piece) > self.LIMIT and not self._error:
                self._cond.wait()
            self._check()
            self._queue.append(piece)
            self._queued += len(piece)
            self._cond.notify_all()

    def _drain(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._done:
                    self._cond.wait()
                if not self._queue:
                    return
                piece = self._queue.popleft()
            try:
                view = memoryview(piece)
                while view:
                    view = view[os.write(self._fd, view) :]
            except BaseException as e:  # handed to the converting thread
                with self._cond:
                    self._error = e
                    self._queue.clear()
                    self._cond.notify_all()
                return
            with self._cond:
                self._queued -= len(piece)
                self._cond.notify_all()


def _file_mode(target: Path) -> int:
    """The mode the output gets: an existing file's, else what the umask allows."""
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _to_file(src: BinaryIO, output: Path, convert: Conversion) -> Report:
    target = output.resolve()  # write through a symbolic link, not over it
    if target.exists() and not target.is_file():
        # A device or a pipe (-o /dev/stdout, a FIFO): it cannot be replaced, only written.
        with open(target, "wb") as out:
            return convert(src, out)
    directory = target.parent
    if not directory.is_dir():
        raise DumpconvError(f"cannot write {output}: the directory {directory} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as tmp:
            result = convert(src, tmp)
        os.chmod(tmp_name, _file_mode(target))
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return result
