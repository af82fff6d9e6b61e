"""``dumpconv verify SOURCE [DSN]``: compare what PostgreSQL holds with the source.

The conversion runs again with the options that decide values, and PostgreSQL compares
each table with the rows the script loads (``dumpconv.verify``). Exit 0 when every table
matches, 1 when one differs or verify cannot run, 2 for a usage error. psycopg is the
``verify`` extra: it is imported only here, when the command runs.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from dumpconv.base.errors import DumpconvError
from dumpconv.base.report import Report
from dumpconv.base.safetext import printable
from dumpconv.cli import build, params
from dumpconv.cli.files import open_input
from dumpconv.pipeline import Options, convert, default_jobs

app = typer.Typer(pretty_exceptions_show_locals=False, add_completion=False)

INSTALL = "pip install 'dumpconv[verify]'"

Source = Annotated[
    Path,
    typer.Argument(
        help="What the load was converted from: the dump (compressed or not) or the SQLite "
        "database; - reads stdin.",
        metavar="SOURCE",
        allow_dash=True,
        show_default=False,
    ),
]
Dsn = Annotated[
    str | None,
    typer.Argument(
        help="The PostgreSQL database: a libpq connection string or URI; default: libpq's "
        "environment variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSERVICE), "
        "as psql.",
        metavar="DSN",
        show_default=False,
    ),
]


_say = build.say


def _settings(ctx: typer.Context, value: Path | None) -> Path | None:
    """Eager: the settings the converting command reads (``--config``, else
    ``[tool.dumpconv]`` of the nearest pyproject.toml) become the defaults of the options
    verify shares with it, so that it converts as the load's script was converted."""
    from dumpconv.cli import app as converting  # its options: what a file may set
    from dumpconv.cli import main

    build.apply_settings(ctx, value, main, converting)
    return value


@app.command()
def verify(
    source: Source,
    dsn: Dsn = None,
    allow_incomplete: params.AllowIncomplete = False,
    invalid_utf8: params.InvalidUtf8Option = params.InvalidUtf8.REPLACE,
    nul: params.Nul = params.NulPolicy.REPLACE,
    cast: params.Casts = None,
    framework: params.Framework = "auto",
    target_schema: params.TargetSchemaFile = None,
    exclude_table_data: params.ExcludeTableData = None,
    full_text: params.FullText = False,
    schema: params.Schema = "public",
    include: params.Include = None,
    exclude: params.Exclude = None,
    immutable: params.Immutable = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", metavar="", help="Print only what differs and the summary."),
    ] = False,
    settings: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Read the conversion's settings from this TOML file, as dumpconv does; "
            "default: \\[tool.dumpconv] of the nearest pyproject.toml. The command line wins.",
            callback=_settings,
            is_eager=True,
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check that PostgreSQL holds what SOURCE holds, after psql -f loaded its script.

    Give the options the script was converted with (those that decide values).

    Each table is compared by count, checksum, then row by row; PostgreSQL is not changed.
    """
    if importlib.util.find_spec("psycopg") is None:
        _say(f"dumpconv: verify needs psycopg: {INSTALL}")
        raise typer.Exit(1)
    options = build.options(
        source,
        framework=framework,
        cast=cast,
        target_schema=target_schema,
        exclude_table_data=exclude_table_data,
        include=include,
        exclude=exclude,
        full_text=full_text,
        allow_incomplete=allow_incomplete,
        invalid_utf8=invalid_utf8.value,
        nul=nul.value,
        jobs=default_jobs(),
        schema=schema,
        stream_after=None,  # each COPY block a whole table's rows
    )
    _run(source, dsn, options, quiet, immutable)


def _run(source: Path, dsn: str | None, options: Options, quiet: bool, immutable: bool) -> None:
    from dumpconv import verify as verifying  # psycopg: only when verify runs

    def run(out: BinaryIO) -> Report:
        with open_input(source, immutable) as src:  # as the converting command opens it
            return convert(src, out, options)

    try:
        session = verifying.Session(verifying.connect(dsn))
        verdict = verifying.verify(session, run, options)
    except DumpconvError as e:
        _say(f"dumpconv: error: {e}")
        raise typer.Exit(1) from None
    except OSError as e:
        where = f": {e.filename}" if e.filename else ""
        _say(f"dumpconv: error: {e.strerror or e}{where}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        _say("dumpconv: interrupted; PostgreSQL is not changed")
        raise typer.Exit(130) from None
    except Exception as e:  # a bug, or the server gone: one line, not a traceback
        _say(f"dumpconv: error: verify stopped: {type(e).__name__}: {e}")
        raise typer.Exit(1) from None
    for line in verdict.render(quiet=quiet):
        sys.stdout.write(printable(line) + "\n")
    if not verdict.ok:
        raise typer.Exit(1)
