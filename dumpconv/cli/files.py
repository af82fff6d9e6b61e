"""Where the script goes: stdout as it is written, or a file replaced atomically; and where
the dump comes from. Knows no SQL and no typer."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from dumpconv.base.errors import DumpconvError
from dumpconv.base.report import Report
from dumpconv.read.database import is_database, open_database

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
    """Straight to stdout, table by table (psql loads while dumpconv converts)."""
    try:
        return convert(src, sys.stdout.buffer)
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.buffer.flush()


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
