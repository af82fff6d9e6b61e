"""The command line's parameters: each option's name, type and help, one alias per option.

``cli.main`` lists them in its signature; the README's Options table documents each one
(``tests/end_to_end/test_cli_docs.py`` fails when the two drift apart).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


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


Input = Annotated[
    Path,
    typer.Argument(
        help="The dump to convert (sqlite3 app.db .dump > app.sql, compressed or not), or the "
        "SQLite database file itself (read directly); - reads stdin.",
        allow_dash=True,
        show_default=False,
    ),
]
Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        rich_help_panel="Input and output",
        help="Write the PostgreSQL script here (atomically) instead of to stdout.",
        show_default=False,
    ),
]
ReportFile = Annotated[
    Path | None,
    typer.Option(
        "--report",
        rich_help_panel="Input and output",
        help="Also write the report as JSON to this file.",
    ),
]
Strict = Annotated[
    bool,
    typer.Option(
        "--strict",
        rich_help_panel="Values and types",
        metavar="",
        help="Refuse (exit 1, no output) if any value or definition would change; "
        "post-data statements that fail then fail the load instead of warning.",
    ),
]
AllowIncomplete = Annotated[
    bool,
    typer.Option(
        "--allow-incomplete",
        rich_help_panel="Values and types",
        metavar="",
        help="Convert a dump in which sqlite3 reports errors (CORRUPTION ERROR, ROLLBACK; "
        "-- due to errors): rows are missing; the output and the report say so.",
    ),
]
InvalidUtf8Option = Annotated[
    InvalidUtf8,
    typer.Option(
        "--invalid-utf8",
        rich_help_panel="Values and types",
        help="Text that is not valid UTF-8 (PostgreSQL cannot store it): replace each "
        "invalid sequence by U+FFFD and report it, or refuse the dump.",
        case_sensitive=False,
    ),
]
Nul = Annotated[
    NulPolicy,
    typer.Option(
        "--nul",
        rich_help_panel="Values and types",
        help="Text holding NUL bytes (PostgreSQL text cannot): replace each NUL by "
        "U+FFFD, strip it, or refuse the dump; every changed value is reported.",
        case_sensitive=False,
    ),
]
Casts = Annotated[
    list[str] | None,
    typer.Option(
        "--cast",
        rich_help_panel="Values and types",
        help="Choose a column's type: TABLE.COLUMN=TYPE, or DECLARED=TYPE for every column "
        "declared so; TYPE[:TRANSFORM] with epoch-s, epoch-ms, epoch-us or julian-day to "
        "read numbers as timestamps (repeatable).",
        metavar="TARGET=TYPE",
    ),
]
NoRestrict = Annotated[
    bool,
    typer.Option(
        "--no-restrict",
        rich_help_panel="Script shape (as pg_dump)",
        metavar="",
        help="Leave out the \\restrict/\\unrestrict lines (for psql older than "
        "13.22, 14.19, 15.14, 16.10 and 17.6).",
    ),
]
Framework = Annotated[
    str,
    typer.Option(
        "--framework",
        rich_help_panel="Values and types",
        help="The framework that wrote the database, whose PostgreSQL types columns get: "
        "auto (detect it from its tables), none, django, rails, laravel, prisma or "
        "sqlalchemy.",
        show_default=True,
    ),
]
RestrictKey = Annotated[
    str | None,
    typer.Option(
        "--restrict-key",
        rich_help_panel="Script shape (as pg_dump)",
        help="The key of the \\restrict/\\unrestrict lines (letters and digits), for "
        "output that is the same byte for byte on every run; default: random per run.",
        show_default=False,
    ),
]
TargetSchemaFile = Annotated[
    Path | None,
    typer.Option(
        "--target-schema",
        rich_help_panel="Into the application's own schema (--target-schema)",
        help="Load the rows into an existing schema instead of creating one: FILE is what "
        "pg_dump --schema-only wrote of a database the application's own migrations "
        "built. Writes a data-only script; values are converted to each target column's "
        "type; what does not fit is refused or reported.",
        metavar="FILE",
        show_default=False,
    ),
]
ExistingRowsOption = Annotated[
    ExistingRows,
    typer.Option(
        "--existing-rows",
        rich_help_panel="Into the application's own schema (--target-schema)",
        help="With --target-schema: replace (empty each loaded table first, e.g. the rows "
        "migrations wrote) or append to what the tables hold.",
        case_sensitive=False,
    ),
]
DisableTriggers = Annotated[
    bool,
    typer.Option(
        "--disable-triggers",
        rich_help_panel="Into the application's own schema (--target-schema)",
        metavar="",
        help="With --target-schema: disable every trigger of a table while it loads, as "
        "pg_dump --disable-triggers (the load must run as a superuser; foreign keys of "
        "those rows are then not checked).",
    ),
]
ExcludeTableData = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-table-data",
        rich_help_panel="Script shape (as pg_dump)",
        help="Do not load this table's rows (its SQLite name, any case), as pg_dump's "
        "option: the table is still created (or, with --target-schema, left as it is). "
        "Repeatable.",
        metavar="TABLE",
    ),
]
FullText = Annotated[
    bool,
    typer.Option(
        "--full-text",
        rich_help_panel="Values and types",
        metavar="",
        help="Recreate each FTS3/4/5 table as PostgreSQL full-text search: a tsvector "
        "column generated from its columns, with a GIN index, on the table holding its "
        "rows (queries change from MATCH to @@).",
    ),
]
Jobs = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        rich_help_panel="Input and output",
        min=1,
        help="Processes reading the rows (default: the cores available); the script is "
        "the same for any number.",
        metavar="N",
    ),
]
Check = Annotated[
    bool,
    typer.Option(
        "--check",
        rich_help_panel="Input and output",
        metavar="",
        help="Read and check everything, print the report with each table's rows and types, "
        "write no script; exit 1 if anything would be lossy or refused (also: dumpconv "
        "check ...).",
    ),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        rich_help_panel="Input and output",
        metavar="",
        help="Print only errors on stderr.",
    ),
]
Inserts = Annotated[
    bool,
    typer.Option(
        "--inserts",
        rich_help_panel="Script shape (as pg_dump)",
        metavar="",
        help="Write rows as INSERT statements instead of COPY, as pg_dump --inserts (slower "
        "to load; the database is the same).",
    ),
]
RowsPerInsert = Annotated[
    int | None,
    typer.Option(
        "--rows-per-insert",
        rich_help_panel="Script shape (as pg_dump)",
        min=1,
        help="Rows per INSERT statement (implies --inserts), as pg_dump's option.",
        metavar="N",
        show_default=False,
    ),
]
SchemaOnly = Annotated[
    bool,
    typer.Option(
        "--schema-only",
        rich_help_panel="Script shape (as pg_dump)",
        metavar="",
        help="Write the schema without rows; every row is still read, since the data decides "
        "the column types.",
    ),
]
DataOnly = Annotated[
    bool,
    typer.Option(
        "--data-only",
        rich_help_panel="Script shape (as pg_dump)",
        metavar="",
        help="Write only the rows and sequence positions, for the schema a --schema-only run "
        "of the same dump created.",
    ),
]
Drop = Annotated[
    bool,
    typer.Option(
        "--drop",
        rich_help_panel="Script shape (as pg_dump)",
        metavar="",
        help="Drop every table, view and trigger function the script creates before creating "
        "them, as pg_dump --clean --if-exists (the script can be loaded again).",
    ),
]
Schema = Annotated[
    str,
    typer.Option(
        "--schema",
        rich_help_panel="Script shape (as pg_dump)",
        help="Create everything in this PostgreSQL schema (created if missing) instead of public.",
        metavar="NAME",
    ),
]
Include = Annotated[
    list[str] | None,
    typer.Option(
        "--include",
        rich_help_panel="Script shape (as pg_dump)",
        help="Convert only the tables whose SQLite name matches this glob (* ? [abc], any "
        "case), as pg_dump -t. Repeatable.",
        metavar="GLOB",
    ),
]
Exclude = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        rich_help_panel="Script shape (as pg_dump)",
        help="Leave out the tables whose SQLite name matches this glob, and what depends on "
        "them (reported), as pg_dump -T. Repeatable.",
        metavar="GLOB",
    ),
]
Immutable = Annotated[
    bool,
    typer.Option(
        "--immutable",
        rich_help_panel="Input and output",
        metavar="",
        help="Read a SQLite database file as SQLite's immutable=1 (no locks, no -wal/-shm "
        "file): for a database on read-only media that no process writes.",
    ),
]
