"""What the user asked for: the options of one conversion."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dumpconv.base.errors import DumpconvError
from dumpconv.base.pgsql import MAX_IDENT_BYTES, SCHEMA
from dumpconv.decide.casts import Cast
from dumpconv.decide.frameworks import MARKERS
from dumpconv.read.pgschema import TargetSchema

#: Options.stream_after by default: smaller tables are written whole, after their last row.
STREAM_AFTER = 4 << 20


@dataclass(frozen=True)
class Options:
    """What the user asked for.

    Attributes:
        strict: refuse (exit 1, no output) when any value or definition would change, and
            let post-data statements fail the load instead of warning.
        restrict: write psql's ``\\restrict`` / ``\\unrestrict`` lines around the script.
        source: the input's name, for the header.
        temp_dir: where the spool file goes (default: the system's temporary directory).
        allow_incomplete: convert a dump that reports errors (rows are missing), loudly.
        invalid_utf8: "replace" invalid UTF-8 in text and names by U+FFFD (reported), or
            "refuse".
        nul: text holding NUL bytes (PostgreSQL text cannot): "replace" each by U+FFFD,
            "strip" them, or "refuse" the dump; every value changed is reported.
        restrict_key: the key of psql's ``\\restrict``; None draws a random one per run, as
            pg_dump does (a key derived from the input could be known to its author).
        casts: --cast arguments (casts.parse_cast), column casts before declared-type ones.
        framework: "auto" (detect it), "none", or a name of ``decide.frameworks``.
        target: --target-schema: load the rows into this existing schema (data only).
        existing_rows: with ``target``, "replace" empties each loaded table first (rows the
            migrations wrote), "append" adds to what it holds.
        exclude_data: --exclude-table-data: tables whose rows are not loaded (folded SQLite
            names), as pg_dump's option.
        disable_triggers: with ``target``, disable every trigger of a loaded table during its
            load, as ``pg_dump --disable-triggers`` (superuser only; foreign keys unchecked).
        full_text: --full-text: FTS tables recreated as a tsvector column and a GIN index on
            the table holding their rows (``translate.fulltext``).
        jobs: processes reading rows (``pipeline.rowjobs``); 1 reads them in this one. The
            script is the same whatever it is, so the header does not name it.
        inserts: rows as INSERT statements instead of COPY (pg_dump --inserts), made from the
            same converted values (``write.inserts``): the same database, loaded slower.
        rows_per_insert: rows per INSERT statement (pg_dump --rows-per-insert, at least 1);
            more than 1 implies ``inserts``.
        schema_only: the script creates the schema and loads no rows (nor moves sequences
            past them); every row is still read, since the data decides column types.
        data_only: the script loads only the rows (and moves the sequences past them) into
            the schema a ``schema_only`` script of the same dump, with the same options,
            created; tables referenced first (``pipeline.fkorder``). With
            ``disable_triggers``, every table loads with its triggers (foreign keys
            included) disabled, as pg_dump --data-only --disable-triggers.
        drop: DROP … IF EXISTS … CASCADE of every table, view and trigger function the
            script creates, before it creates them (pg_dump --clean --if-exists): loading
            the script again gives the same database.
        schema: --schema: the PostgreSQL schema every object is created in (created if
            missing), exactly as written (``check_schema``); extensions stay in public.
        include: --include: globs over the dump's table names (``pipeline.selection``);
            when any is given, only the tables one matches are converted.
        exclude: --exclude: globs of tables not converted, even when included.
        stream_after: a table's rows are written before they are complete once its COPY
            text in the spool reaches this many bytes (``pipeline.streaming``); None:
            never (``verify`` takes each COPY block as a whole table's rows).
    """

    strict: bool = False
    restrict: bool = True
    source: str = "-"
    temp_dir: str | None = None
    allow_incomplete: bool = False
    invalid_utf8: str = "replace"
    casts: tuple[Cast, ...] = ()
    nul: str = "replace"
    restrict_key: str | None = None
    framework: str = "auto"
    target: TargetSchema | None = None
    existing_rows: str = "replace"
    disable_triggers: bool = False
    exclude_data: frozenset[str] = frozenset()  # folded SQLite table names
    full_text: bool = False
    jobs: int = 1
    inserts: bool = False
    rows_per_insert: int = 1
    schema_only: bool = False
    data_only: bool = False
    drop: bool = False
    schema: str = SCHEMA
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    stream_after: int | None = STREAM_AFTER

    @property
    def per_insert(self) -> int | None:
        """Rows per INSERT statement, or None for COPY."""
        return self.rows_per_insert if self.inserts or self.rows_per_insert != 1 else None

    def check_shape(self) -> None:
        """The output-shape options that cannot go together."""
        pairs = (
            (self.schema_only and self.data_only, "--schema-only and --data-only",
             "run dumpconv twice, once with each"),
            (self.drop and self.data_only, "--drop and --data-only",
             "--drop belongs with the script that creates the tables (--schema-only)"),
            (self.target is not None and (self.schema_only or self.data_only or self.drop),
             "--target-schema and --schema-only, --data-only or --drop",
             "--target-schema loads rows only, into a schema the application made"),
            (self.disable_triggers and self.target is None and not self.data_only,
             "--disable-triggers without --target-schema or --data-only",
             "it acts only where rows load into tables that exist"),
        )  # fmt: skip
        for bad, what, hint in pairs:
            if bad:
                raise DumpconvError(f"{what} cannot be used together", None, hint)
        if self.rows_per_insert < 1:
            raise DumpconvError(
                f"--rows-per-insert {self.rows_per_insert}: the number must be at least 1",
                None,
                "--rows-per-insert 100 writes 100 rows per INSERT",
            )

    def describe(self) -> str:
        parts = []
        if self.strict:
            parts.append("--strict")
        if not self.restrict:
            parts.append("--no-restrict")
        if self.allow_incomplete:
            parts.append("--allow-incomplete")
        if self.invalid_utf8 != "replace":
            parts.append(f"--invalid-utf8={self.invalid_utf8}")
        if self.nul != "replace":
            parts.append(f"--nul={self.nul}")
        if self.framework != "auto":
            parts.append(f"--framework={self.framework}")
        if self.target is not None:
            parts.append(f"--target-schema {self.target.source}")
            if self.existing_rows != "replace":
                parts.append(f"--existing-rows={self.existing_rows}")
            if self.disable_triggers:
                parts.append("--disable-triggers")
        if self.full_text:
            parts.append("--full-text")
        if self.schema_only:
            parts.append("--schema-only")
        if self.data_only:
            parts.append("--data-only")
            if self.disable_triggers:
                parts.append("--disable-triggers")
        if self.drop:
            parts.append("--drop")
        if self.rows_per_insert != 1:
            parts.append(f"--rows-per-insert {self.rows_per_insert}")
        elif self.inserts:
            parts.append("--inserts")
        parts.extend(f"--exclude-table-data {name}" for name in sorted(self.exclude_data))
        parts.extend(f"--cast {c.text}" for c in self.casts)
        if self.schema != SCHEMA:
            parts.append(f"--schema {self.schema}")
        parts.extend(f"--include {glob}" for glob in self.include)
        parts.extend(f"--exclude {glob}" for glob in self.exclude)
        return " ".join(parts)

    @property
    def namespace(self) -> str:
        """The PostgreSQL schema the script writes into: --target-schema's, else --schema."""
        return self.target.schema if self.target is not None else self.schema

    def check_schema(self) -> None:
        """--schema names a schema dumpconv may create, and not with --target-schema (which
        loads into the schema its file names)."""
        check_schema(self.schema)
        if self.target is not None and self.schema != SCHEMA:
            raise DumpconvError(
                "--schema and --target-schema cannot be used together",
                None,
                "--target-schema loads into the schema of its file; leave --schema out",
            )

    def cast_for(self, table: str, column: str, declared: str) -> Cast | None:
        """The cast for a column: one naming it, else one naming its declared type."""
        matching = [c for c in self.casts if c.applies(table, column, declared)]
        return min(matching, key=lambda c: c.table is None, default=None)


def check_framework(name: str) -> str:
    """A --framework value: auto, none or a framework decide.frameworks knows."""
    chosen = name.lower()
    if chosen not in ("auto", "none", *MARKERS):
        raise DumpconvError(f"--framework {name!r}: use auto, none or one of {', '.join(MARKERS)}")
    return chosen


def check_schema(name: str) -> str:
    """A --schema name: a PostgreSQL schema name as written (quoted in the script when it
    needs to be), that PostgreSQL would neither cut nor keep for itself."""
    hint = "name a schema of your own, such as --schema app"
    if not name or "\x00" in name:
        raise DumpconvError("--schema needs a name, without NUL characters", None, hint)
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise DumpconvError("--schema: the name is not valid UTF-8", None, hint) from None
    if size > MAX_IDENT_BYTES:
        raise DumpconvError(
            f"--schema: the name has {size} bytes; PostgreSQL names have at most "
            f"{MAX_IDENT_BYTES} (it would cut it)",
            None,
            hint,
        )
    if name.startswith("pg_") or name == "information_schema":
        shown = name.encode("unicode_escape").decode("ascii")
        raise DumpconvError(
            f"--schema {shown}: PostgreSQL keeps this name for its own schemas", None, hint
        )
    return name


_RESTRICT_KEY = re.compile(r"[A-Za-z0-9]{1,64}")


def check_restrict_key(key: str) -> str:
    """A --restrict-key as psql accepts it (pg_dump's rule: letters and digits only)."""
    if not _RESTRICT_KEY.fullmatch(key):
        raise DumpconvError(
            "--restrict-key must be 1 to 64 ASCII letters and digits",
            None,
            "leave the option out for a random key per run",
        )
    return key
