"""The command line: arguments, files, the report on stderr, exit codes. Knows no SQL."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from . import __version__
from .casts import parse_cast
from .errors import DumpconvError
from .pipeline import Options, convert
from .report import Report

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)


class InvalidUtf8(StrEnum):
    REPLACE = "replace"
    REFUSE = "refuse"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dumpconv {__version__}")
        raise typer.Exit()


@app.command()
def main(
    input: Annotated[
        Path,
        typer.Argument(
            help="The dump to convert (sqlite3 app.db .dump > app.sql); - reads stdin.",
            allow_dash=True,
            show_default=False,
        ),
    ] = Path("-"),
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the PostgreSQL script here (atomically) instead of to stdout.",
            show_default=False,
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write the report as JSON to this file."),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse (exit 1, no output) if any value or definition would change; "
            "post-data statements that fail then fail the load instead of warning.",
        ),
    ] = False,
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete",
            help="Convert a dump in which sqlite3 reports errors (CORRUPTION ERROR, ROLLBACK; "
            "-- due to errors): rows are missing; the output and the report say so.",
        ),
    ] = False,
    invalid_utf8: Annotated[
        InvalidUtf8,
        typer.Option(
            "--invalid-utf8",
            help="Text that is not valid UTF-8 (PostgreSQL cannot store it): replace each "
            "invalid sequence by U+FFFD and report it, or refuse the dump.",
            case_sensitive=False,
        ),
    ] = InvalidUtf8.REPLACE,
    cast: Annotated[
        list[str] | None,
        typer.Option(
            "--cast",
            help="Choose a column's type: TABLE.COLUMN=TYPE, or DECLARED=TYPE for every column "
            "declared so; TYPE[:TRANSFORM] with epoch-s, epoch-ms, epoch-us or julian-day to "
            "read numbers as timestamps (repeatable).",
            metavar="TARGET=TYPE",
        ),
    ] = None,
    no_restrict: Annotated[
        bool,
        typer.Option(
            "--no-restrict",
            help="Leave out the \\restrict/\\unrestrict lines (for psql older than "
            "13.22, 14.19, 15.14, 16.10 and 17.6).",
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only errors on stderr.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Convert a sqlite3 .dump (or Python iterdump()) into one psql-ready PostgreSQL script.

    Example: sqlite3 app.db .dump | dumpconv > pg.sql, then
    psql -X -v ON_ERROR_STOP=1 -d target -f pg.sql
    """
    source = "stdin" if str(input) == "-" else str(input)
    # A plain kill ends the run like Ctrl-C: through the handlers that remove partial files.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        casts = tuple(parse_cast(c) for c in cast or ())
    except DumpconvError as e:
        raise typer.BadParameter(str(e), param_hint="--cast") from None
    options = Options(
        casts=casts,
        strict=strict,
        restrict=not no_restrict,
        source=source,
        allow_incomplete=allow_incomplete,
        invalid_utf8=invalid_utf8.value,
    )
    try:
        result = _run(input, output, options)
    except DumpconvError as e:
        typer.echo(f"dumpconv: error: {e}", err=True)
        raise typer.Exit(1) from None
    except OSError as e:
        where = f": {e.filename}" if e.filename else ""
        typer.echo(f"dumpconv: error: {e.strerror or e}{where}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("dumpconv: interrupted; nothing was written", err=True)
        raise typer.Exit(130) from None
    if report is not None:
        report.write_text(result.to_json(), encoding="utf-8")
    if not quiet:
        sys.stderr.write(result.render_text())


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run(input: Path, output: Path | None, options: Options) -> Report:
    with _open_input(input) as src:
        if output is None:
            return _to_stdout(src, options)
        return _to_file(src, output, options)


@contextlib.contextmanager
def _open_input(path: Path):  # type: ignore[no-untyped-def]
    if str(path) == "-":
        if sys.stdin.isatty():
            typer.echo("dumpconv: reading the dump from stdin (Ctrl-D to end)...", err=True)
        yield sys.stdin.buffer
        return
    with open(path, "rb") as f:
        yield f


def _to_stdout(src: BinaryIO, options: Options) -> Report:
    return _via_temporary(src, sys.stdout.buffer, options)


def _via_temporary(src: BinaryIO, out: BinaryIO, options: Options) -> Report:
    """Convert into an anonymous temporary file, then copy it out: nothing reaches ``out``
    before the input is fully converted."""
    with tempfile.TemporaryFile(prefix="dumpconv-out-") as tmp:
        result = convert(src, tmp, options)
        tmp.seek(0)
        while chunk := tmp.read(1 << 20):
            out.write(chunk)
        out.flush()
    return result


def _file_mode(target: Path) -> int:
    """The mode the output gets: an existing file's, else what the umask allows."""
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _to_file(src: BinaryIO, output: Path, options: Options) -> Report:
    target = output.resolve()  # write through a symbolic link, not over it
    if target.exists() and not target.is_file():
        # A device or a pipe (-o /dev/stdout, a FIFO): it cannot be replaced, only written.
        with open(target, "wb") as out:
            return _via_temporary(src, out, options)
    directory = target.parent
    if not directory.is_dir():
        raise DumpconvError(f"cannot write {output}: the directory {directory} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as tmp:
            result = convert(src, tmp, options)
        os.chmod(tmp_name, _file_mode(target))
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return result
