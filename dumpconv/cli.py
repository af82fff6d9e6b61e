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

from dumpconv.base.errors import DumpconvError, Refusals
from dumpconv.base.report import Report
from dumpconv.base.safetext import printable
from dumpconv.base.version import VERSION as __version__
from dumpconv.decide.casts import parse_cast
from dumpconv.pipeline import (
    Options,
    check_framework,
    check_restrict_key,
    convert,
    default_jobs,
    read_target,
)
from dumpconv.read.schema import fold

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)


class InvalidUtf8(StrEnum):
    REPLACE = "replace"
    REFUSE = "refuse"


class ExistingRows(StrEnum):
    REPLACE = "replace"
    APPEND = "append"


class NulPolicy(StrEnum):
    REPLACE = "replace"
    STRIP = "strip"
    REFUSE = "refuse"


def _say(text: str) -> None:
    """One message on stderr, every control character from the input or a library escaped."""
    sys.stderr.write(printable(text) + "\n")


def _version(value: bool) -> None:
    """The version, and on a second line which code runs the hot path (base.hotpath)."""
    if value:
        from dumpconv.base.version import hot_path

        typer.echo(f"dumpconv {__version__}\nhot path: {hot_path()}")
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
    nul: Annotated[
        NulPolicy,
        typer.Option(
            "--nul",
            help="Text holding NUL bytes (PostgreSQL text cannot): replace each NUL by "
            "U+FFFD, strip it, or refuse the dump; every changed value is reported.",
            case_sensitive=False,
        ),
    ] = NulPolicy.REPLACE,
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
    framework: Annotated[
        str,
        typer.Option(
            "--framework",
            help="The framework that wrote the database, whose PostgreSQL types columns get: "
            "auto (detect it from its tables), none, django, rails, laravel, prisma or "
            "sqlalchemy.",
            show_default=True,
        ),
    ] = "auto",
    restrict_key: Annotated[
        str | None,
        typer.Option(
            "--restrict-key",
            help="The key of the \\restrict/\\unrestrict lines (letters and digits), for "
            "output that is the same byte for byte on every run; default: random per run.",
            show_default=False,
        ),
    ] = None,
    target_schema: Annotated[
        Path | None,
        typer.Option(
            "--target-schema",
            help="Load the rows into an existing schema instead of creating one: FILE is what "
            "pg_dump --schema-only wrote of a database the application's own migrations "
            "built. Writes a data-only script; values are converted to each target column's "
            "type; what does not fit is refused or reported.",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    existing_rows: Annotated[
        ExistingRows,
        typer.Option(
            "--existing-rows",
            help="With --target-schema: replace (empty each loaded table first, e.g. the rows "
            "migrations wrote) or append to what the tables hold.",
            case_sensitive=False,
        ),
    ] = ExistingRows.REPLACE,
    disable_triggers: Annotated[
        bool,
        typer.Option(
            "--disable-triggers",
            help="With --target-schema: disable every trigger of a table while it loads, as "
            "pg_dump --disable-triggers (the load must run as a superuser; foreign keys of "
            "those rows are then not checked).",
        ),
    ] = False,
    exclude_table_data: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude-table-data",
            help="Do not load this table's rows (its SQLite name, any case), as pg_dump's "
            "option: the table is still created (or, with --target-schema, left as it is). "
            "Repeatable.",
            metavar="TABLE",
        ),
    ] = None,
    full_text: Annotated[
        bool,
        typer.Option(
            "--full-text",
            help="Recreate each FTS3/4/5 table as PostgreSQL full-text search: a tsvector "
            "column generated from its columns, with a GIN index, on the table holding its "
            "rows (queries change from MATCH to @@).",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Processes reading the rows (default: the cores available); the script is "
            "the same for any number.",
            metavar="N",
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Read and check everything, print the report, write no script "
            "(also: dumpconv check ...).",
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
        framework = check_framework(framework)
    except DumpconvError as e:
        raise typer.BadParameter(str(e), param_hint="--framework") from None
    try:
        casts = tuple(parse_cast(c) for c in cast or ())
    except DumpconvError as e:
        raise typer.BadParameter(str(e), param_hint="--cast") from None
    if (existing_rows is not ExistingRows.REPLACE or disable_triggers) and target_schema is None:
        raise typer.BadParameter("needs --target-schema", param_hint="--existing-rows, "
                                 "--disable-triggers")  # fmt: skip
    try:
        target = read_target(str(target_schema)) if target_schema is not None else None
    except DumpconvError as e:
        _say(f"dumpconv: error: {e}")
        raise typer.Exit(1) from None
    except OSError as e:
        _say(f"dumpconv: error: --target-schema: {e.strerror or e}: {target_schema}")
        raise typer.Exit(1) from None
    options = Options(
        target=target,
        existing_rows=existing_rows.value,
        disable_triggers=disable_triggers,
        full_text=full_text,
        exclude_data=frozenset(fold(t) for t in exclude_table_data or ()),
        casts=casts,
        strict=strict,
        restrict=not no_restrict,
        source=source,
        allow_incomplete=allow_incomplete,
        invalid_utf8=invalid_utf8.value,
        nul=nul.value,
        restrict_key=restrict_key,
        framework=framework,
        jobs=jobs if jobs is not None else default_jobs(),
    )
    try:
        if restrict_key is not None:
            check_restrict_key(restrict_key)
        if report is not None and not report.resolve().parent.is_dir():
            raise DumpconvError(f"cannot write the report {report}: its directory does not exist")
        result = _check(input, options) if check else _run(input, output, options)
    except Refusals as e:
        if check:  # everything that would stop the conversion, after the report
            if e.report is not None and not quiet:
                for line in e.report.render_text().splitlines():
                    _say(line)
            for one in e.all:
                _say(f"dumpconv: error: {one}")
        else:
            _say(f"dumpconv: error: {e}")
        raise typer.Exit(1) from None
    except DumpconvError as e:
        _say(f"dumpconv: error: {e}")
        raise typer.Exit(1) from None
    except BrokenPipeError:
        _say(
            "dumpconv: error: the program reading the script stopped before its end (broken "
            "pipe); what it read has no COMMIT and changes nothing"
        )
        raise typer.Exit(1) from None
    except OSError as e:
        where = f": {e.filename}" if e.filename else ""
        _say(f"dumpconv: error: {e.strerror or e}{where}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        _say("dumpconv: interrupted; nothing that commits was written")
        raise typer.Exit(130) from None
    except (RecursionError, MemoryError) as e:
        _say(f"dumpconv: error: the input is too deeply nested or too large ({type(e).__name__})")
        raise typer.Exit(1) from None
    except Exception as e:  # a bug: one line, not a traceback, and never any output
        _say(
            f"dumpconv: internal error: {type(e).__name__}: {e} (a bug in dumpconv; nothing "
            "that commits was written; please report it with the input)"
        )
        raise typer.Exit(1) from None
    if report is not None:
        report.write_text(result.to_json(), encoding="utf-8")
    if not quiet:
        for line in result.render_text().splitlines():
            _say(line)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _check(input: Path, options: Options) -> Report:
    """Convert into nothing: every check runs, the report is printed, no script is kept."""
    with _open_input(input) as src, open(os.devnull, "wb") as out:
        return convert(src, out, options)


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
    """Straight to stdout, table by table (psql loads while dumpconv converts)."""
    try:
        return convert(src, sys.stdout.buffer, options)
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


def _to_file(src: BinaryIO, output: Path, options: Options) -> Report:
    target = output.resolve()  # write through a symbolic link, not over it
    if target.exists() and not target.is_file():
        # A device or a pipe (-o /dev/stdout, a FIFO): it cannot be replaced, only written.
        with open(target, "wb") as out:
            return convert(src, out, options)
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


def run() -> None:
    """The console entry point: ``dumpconv check ARGS`` is ``dumpconv --check ARGS`` (a dump
    file named ``check`` is given as ``./check``)."""
    args = sys.argv[1:]
    if args[:1] == ["check"]:
        args = ["--check", *args[1:]]
    app(args=args, prog_name="dumpconv")
