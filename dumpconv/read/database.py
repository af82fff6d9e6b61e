"""A SQLite database file read as the text ``sqlite3 .dump`` writes of it (``dumpconv app.db``).

:func:`open_database` returns a binary stream (``read``, ``read1``) of that text, made as it
is read: ``pipeline.convert`` reads it as it reads a dump, so the options, the report and
the script are the same as for ``sqlite3 app.db .dump | dumpconv``, except that a text
holding a NUL byte keeps every byte (``.dump`` cuts it at the NUL; ``read.dumptext``).

The text is made by ``read.snapshot`` (one read transaction, read-only) in a forked process,
as sqlite3 makes it on the other side of the pipe in ``sqlite3 app.db .dump | dumpconv``:
the conversion goes on while the next rows are read, and the pipe bounds the memory. Where
fork is not available, it is made in this process, a chunk at a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import os
import signal
import sys
from multiprocessing.connection import Connection
from types import TracebackType
from typing import BinaryIO, Protocol, cast

from dumpconv.base.errors import DumpconvError
from dumpconv.read.snapshot import CHUNK, Snapshot

SQLITE_HEADER = b"SQLite format 3\x00"
_FORK = "fork" in multiprocessing.get_all_start_methods()


def is_database(head: bytes) -> bool:
    """Whether ``head``, a file's first bytes, is a SQLite database's header."""
    return head.startswith(SQLITE_HEADER)


def open_database(path: str | os.PathLike[str], immutable: bool = False) -> BinaryIO:
    """The database file at ``path`` as dump text, for ``convert``; close it when done (it
    is a context manager): that ends its read transaction.

    Every table is read in one read transaction begun here: the snapshot the database is in
    now, whatever another process writes meanwhile. ``immutable`` opens it as SQLite's
    ``immutable=1``: no locks and no -wal/-shm file, for a database on read-only media that
    no process writes.

    Raises:
        OSError: the file cannot be opened.
        DumpconvError: it is no SQLite database, or SQLite cannot read it (damaged,
            encrypted, locked).
    """
    return cast(BinaryIO, DatabaseText(path, immutable))


class _Source(Protocol):
    def read1(self, n: int) -> bytes: ...

    def close(self) -> None: ...


class DatabaseText:
    """The dump text of one database (see :func:`open_database`).

    Attributes:
        name: the path as given.
        size: None (the text's size is known only at its end).
    """

    keeps_nul = True  # text values keep their NUL bytes (read.inputs.DumpInput)

    def __init__(self, path: str | os.PathLike[str], immutable: bool = False) -> None:
        self.name = os.fspath(path)
        self.size: int | None = None
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
        if not is_database(head):
            raise DumpconvError(f"{self.name} is not a SQLite database file")
        source = _Child if _FORK else _InProcess
        self._source: _Source = source(self.name, immutable)

    def read(self, n: int = -1) -> bytes:
        """``n`` bytes of dump text (all that is left when ``n`` < 0), fewer at its end."""
        parts: list[bytes] = []
        got = 0
        while n < 0 or got < n:
            data = self._source.read1(CHUNK if n < 0 else n - got)
            if not data:
                break
            parts.append(data)
            got += len(data)
        return b"".join(parts)

    def read1(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes, what is made: empty only at the end."""
        return self._source.read1(CHUNK if n < 0 else n)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """End the read transaction (the text not read yet is dropped)."""
        self._source.close()

    def __enter__(self) -> DatabaseText:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


class _InProcess:
    """The text made in this process, a chunk at a time, as it is read."""

    def __init__(self, path: str, immutable: bool) -> None:
        self._snapshot = Snapshot(path, immutable)
        self._chunks = self._snapshot.chunks()
        self._buffer = b""
        self._start = 0

    def read1(self, n: int) -> bytes:
        if self._start >= len(self._buffer):
            self._buffer, self._start = next(self._chunks, b""), 0
            if not self._buffer:
                self._snapshot.close()
        data = self._buffer[self._start : self._start + n]
        self._start += len(data)
        return data

    def close(self) -> None:
        self._snapshot.close()


class _Child:
    """The text made by a forked process, read from a pipe. A status pipe says first
    whether the database opened, and at the end whether all was read (a DumpconvError's
    message and hint, or None)."""

    def __init__(self, path: str, immutable: bool) -> None:
        context = multiprocessing.get_context("fork")
        fd, write = os.pipe()
        with contextlib.suppress(AttributeError, OSError):  # fewer reads (Linux)
            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, CHUNK)
        self._status, status = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_produce, args=(path, immutable, fd, write, status), daemon=True
        )
        self._process.start()
        os.close(write)
        status.close()
        self._fd: int | None = fd
        self._outcome()  # opened, or why not

    def read1(self, n: int) -> bytes:
        if self._fd is None:
            return b""
        data = os.read(self._fd, n)
        if not data:
            self._outcome()
            self.close()
        return data

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._process.is_alive():  # stopped early: SIGTERM ends its transaction
            self._process.terminate()
        self._process.join()
        self._status.close()

    def _outcome(self) -> None:
        try:
            said: tuple[str, str | None] | None = self._status.recv()
        except EOFError:
            said = ("the process reading the database ended before its end", None)
        if said is not None:
            self.close()
            raise DumpconvError(said[0], None, said[1])


def _produce(path: str, immutable: bool, fd: int, write: int, status: Connection) -> None:
    """In the forked process: the text into ``write``, the outcome into ``status``."""
    os.close(fd)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that finally runs
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent closes this
    said: tuple[str, str | None] | None = None
    try:
        snapshot = Snapshot(path, immutable)
    except DumpconvError as e:
        status.send((e.message, e.hint))
        return
    status.send(None)
    try:
        for chunk in snapshot.chunks():
            view = memoryview(chunk)
            while view:
                view = view[os.write(write, view) :]
    except DumpconvError as e:
        said = (e.message, e.hint)
    except BrokenPipeError:
        pass
    finally:
        snapshot.close()
        os.close(write)
    with contextlib.suppress(OSError):
        status.send(said)
