"""The command line: arguments, files, the report on stderr, exit codes. Knows no SQL."""

from __future__ import annotations

import gc
import signal
import sys
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from dumpconv.base.errors import DumpconvError, Refusals
from dumpconv.base.report import Report
from dumpconv.base.version import VERSION as __version__
from dumpconv.cli import build, params
from dumpconv.cli.files import check_only, run_to
from dumpconv.cli.progress import progress_display
from dumpconv.pipeline import check_restrict_key, convert, default_jobs

app = typer.Typer(pretty_exceptions_show_locals=False)


_say = build.say


def _version(value: bool) -> None:
    """The version, and on a second line which code runs the hot path (base.hotpath)."""
    if value:
        from dumpconv.base.version import hot_path

        typer.echo(f"dumpconv {__version__}\nhot path: {hot_path()}")
        raise typer.Exit()


def _settings(ctx: typer.Context, value: Path | None) -> Path | None:
    """Eager: the settings file's values become the other options' defaults (config.py),
    so that what the command line gives wins."""
    build.apply_settings(ctx, value, main, app)
    return value


@app.command()
def main(
    ctx: typer.Context,
    input: params.Input = Path("-"),
    output: params.Output = None,
    report: params.ReportFile = None,
    strict: params.Strict = False,
    allow_incomplete: params.AllowIncomplete = False,
    invalid_utf8: params.InvalidUtf8Option = params.InvalidUtf8.REPLACE,
    nul: params.Nul = params.NulPolicy.REPLACE,
    cast: params.Casts = None,
    no_restrict: params.NoRestrict = False,
    framework: params.Framework = "auto",
    restrict_key: params.RestrictKey = None,
    target_schema: params.TargetSchemaFile = None,
    existing_rows: params.ExistingRowsOption = params.ExistingRows.REPLACE,
    disable_triggers: params.DisableTriggers = False,
    exclude_table_data: params.ExcludeTableData = None,
    full_text: params.FullText = False,
    inserts: params.Inserts = False,
    rows_per_insert: params.RowsPerInsert = None,
    schema_only: params.SchemaOnly = False,
    data_only: params.DataOnly = False,
    drop: params.Drop = False,
    schema: params.Schema = "public",
    include: params.Include = None,
    exclude: params.Exclude = None,
    jobs: params.Jobs = None,
    check: params.Check = False,
    quiet: params.Quiet = False,
    immutable: params.Immutable = False,
    settings: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Read settings from this TOML file (the long options without dashes: "
            "strict = true, cast = [...]); default: \\[tool.dumpconv] of the nearest "
            "pyproject.toml. The command line wins.",
            callback=_settings,
            is_eager=True,
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, metavar="", help="Show the version."
        ),
    ] = False,
) -> None:
    """Convert a SQLite database, or its sqlite3 .dump (or Python iterdump()), into one
    psql-ready PostgreSQL script.

    Example: dumpconv app.db -o pg.sql (or sqlite3 app.db .dump | dumpconv > pg.sql), then
    psql -X -v ON_ERROR_STOP=1 -d target -f pg.sql; dumpconv check app.db first;
    dumpconv verify app.db DSN after.
    """
    # A plain kill ends the run like Ctrl-C: through the handlers that remove partial files.
    signal.signal(signal.SIGTERM, _interrupt)
    if existing_rows is not params.ExistingRows.REPLACE and target_schema is None:
        raise typer.BadParameter("needs --target-schema", param_hint="--existing-rows")
    options = build.options(
        input,
        framework=framework,
        cast=cast,
        target_schema=target_schema,
        exclude_table_data=exclude_table_data,
        include=include,
        exclude=exclude,
        existing_rows=existing_rows.value,
        disable_triggers=disable_triggers,
        full_text=full_text,
        strict=strict,
        restrict=not no_restrict,
        allow_incomplete=allow_incomplete,
        invalid_utf8=invalid_utf8.value,
        nul=nul.value,
        restrict_key=restrict_key,
        jobs=jobs if jobs is not None else default_jobs(),
        inserts=inserts or rows_per_insert is not None,  # pg_dump: N rows implies --inserts
        rows_per_insert=rows_per_insert or 1,
        schema_only=schema_only,
        data_only=data_only,
        drop=drop,
        schema=schema,
    )
    try:
        if restrict_key is not None:
            check_restrict_key(restrict_key)
        if report is not None and not report.resolve().parent.is_dir():
            raise DumpconvError(f"cannot write the report {report}: its directory does not exist")
        # Everything imported so far lives as long as the process: the garbage collector
        # need not walk it again each time the rows' objects trigger a collection (it did,
        # for a tenth of the main process's time on a large dump), and forked workers
        # share its pages instead of copying them when the collector touches them.
        gc.freeze()
        # Progress only on a terminal (and not while someone types the dump into one).
        shown = sys.stderr.isatty() and not quiet and not (str(input) == "-" and sys.stdin.isatty())
        with progress_display(shown) as progress:

            def conversion(src: BinaryIO, out: BinaryIO) -> Report:
                return convert(src, out, options, progress=progress)

            result = (
                check_only(input, conversion, immutable)
                if check
                else run_to(input, output, conversion, immutable)
            )
    except Refusals as e:
        if check:  # everything that would stop the conversion, after the report
            if e.report is not None and not quiet:
                for line in e.report.render_text(tables=True).splitlines():
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
        if "dumpconv.settings" in ctx.meta:
            _say(f"dumpconv: settings from {ctx.meta['dumpconv.settings']}")
        for line in result.render_text(tables=check).splitlines():
            _say(line)
    if check and result.lossy:  # a preflight fails on what a conversion would change
        raise typer.Exit(1)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run() -> None:
    """The console entry point: ``dumpconv check ARGS`` is ``dumpconv --check ARGS``, and
    ``dumpconv verify ARGS`` runs ``cli.verify`` (a dump file named ``check`` or ``verify`` is
    given as ``./check``)."""
    args = sys.argv[1:]
    if args[:1] == ["verify"]:
        from dumpconv.cli.verify import app as verify_app  # psycopg only when it runs

        verify_app(args=args[1:], prog_name="dumpconv verify")
        return
    if args[:1] == ["check"]:
        args = ["--check", *args[1:]]
    app(args=args, prog_name="dumpconv")
