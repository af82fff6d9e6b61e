"""The only code that knows the order of the stages: split, classify, read rows, spool,
decide types, write. It never reads statement text itself.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import BinaryIO

from dumpconv import translate
from dumpconv.base.errors import DumpconvError, RowError, SplitError, TranslateError
from dumpconv.base.pgsql import object_name
from dumpconv.base.report import Report, Severity, TableCounts
from dumpconv.decide.casts import Cast
from dumpconv.decide.choose import decide, decide_cast
from dumpconv.decide.stats import TableStats
from dumpconv.decide.typemap import (
    Cat,
    Decision,
    Declared,
    Reencode,
    declared,
    parameter_note,
    render,
)
from dumpconv.read.classify import Kind, classify, decode
from dumpconv.read.lexer import Tok, find_statement_end, tokenize
from dumpconv.read.rows import Batch, Insert, convert_run, encode_rows, scan_insert
from dumpconv.read.schema import Affinity, Column, Schema, Table, fold, pg_name
from dumpconv.read.splitter import Comment, InsertRun, RawStatement, iter_units
from dumpconv.read.sqlite_ddl import json_checked_column, parse_create_table
from dumpconv.read.sqlitefloat import SqliteReals, written_by_quote
from dumpconv.write.spool import Recode, Spool, combine, nul_step
from dumpconv.write.writer import Writer

# PostgreSQL's limit on the columns of a table.
MAX_COLUMNS = 1600
# Per-column cap on the runs of input lines listed for changed values; the rest are counted.
MAX_LINE_RUNS = 1000
# Per-table cap on diagnostics about single values; the rest are counted.
MAX_VALUE_NOTES = 10
_ROWID_NAMES = {"rowid", "_rowid_", "oid"}
_TEXT = Decision("text")


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
        parts.extend(f"--cast {c.text}" for c in self.casts)
        return " ".join(parts)

    def cast_for(self, table: str, column: str, declared: str) -> Cast | None:
        """The cast for a column: one naming it, else one naming its declared type."""
        matching = [c for c in self.casts if c.applies(table, column, declared)]
        return min(matching, key=lambda c: c.table is None, default=None)


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


class _CountingReader:
    """Pass reads through while counting the bytes."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        self.size += len(data)
        return data


def convert(stream: BinaryIO, out: BinaryIO, options: Options | None = None) -> Report:
    """Convert a dump read from ``stream`` and write the PostgreSQL script to ``out``.

    Nothing is written to ``out`` until the whole input has been read and checked, so a
    failed conversion leaves ``out`` empty.

    Raises:
        DumpconvError: the input cannot be converted; the message names the line.
    """
    options = options or Options()
    key = None
    if options.restrict:
        key = check_restrict_key(options.restrict_key or secrets.token_hex(16))
    reader = _CountingReader(stream)
    with Spool(options.temp_dir) as spool:
        conv = _Conversion(options, spool)
        for unit in iter_units(reader):  # type: ignore[arg-type]
            conv.feed(unit)
        conv.report.input_bytes = reader.size
        conv.check_complete()
        plan = conv.plan()
        if options.strict and conv.report.lossy:
            first = conv.report.lossy[0]
            raise DumpconvError(
                f"{len(conv.report.lossy)} values or definitions would change, first: "
                f"{first.message}",
                first.line,
                "run without --strict to convert with these changes (they are reported)",
            )
        conv.write(Writer(out), plan, key)
    return conv.report


@dataclass
class _TableState:
    table: Table
    stats: TableStats
    casts: list[Cast | None] = field(default_factory=list)  # per INSERT column
    # Text values PostgreSQL cannot store as they are, changed on the way out under their
    # policy unless the column is bytea: not valid UTF-8, or holding NUL.
    bad_utf8: _CellLog = field(default_factory=lambda: _CellLog())
    nul: _CellLog = field(default_factory=lambda: _CellLog())

    @property
    def replaced(self) -> set[int]:
        """Columns some of whose values change (so distinct values may become equal)."""
        return set(self.bad_utf8.counts) | set(self.nul.counts)


@dataclass
class _CellLog:
    """Values of one kind, by column: how many, and their input lines as runs
    (``[first, last]``), the first MAX_LINE_RUNS runs of each column."""

    counts: dict[int, int] = field(default_factory=dict)
    runs: dict[int, list[list[int]]] = field(default_factory=dict)
    listed: dict[int, int] = field(default_factory=dict)  # values whose line is in runs

    def add(self, batch: Batch, cells: list[tuple[int, int]]) -> None:
        for r, c in cells:
            self.counts[c] = self.counts.get(c, 0) + 1
            line = batch.line_of(r)
            runs = self.runs.setdefault(c, [])
            if runs and runs[-1][1] >= line - 1:
                runs[-1][1] = max(runs[-1][1], line)
            elif len(runs) < MAX_LINE_RUNS:
                runs.append([line, line])
            else:
                continue
            self.listed[c] = self.listed.get(c, 0) + 1

    def where(self, c: int) -> str:
        """The input lines of column ``c``'s values, for the report."""
        shown = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in self.runs[c])
        more = self.counts[c] - self.listed[c]
        return f"input line{'s' if self.counts[c] > 1 else ''} {shown}" + (
            f", and {more} more values" if more else ""
        )


@dataclass
class _Conversion:
    options: Options
    spool: Spool
    report: Report = field(default_factory=Report)
    schema: Schema = field(default_factory=Schema)
    tables: dict[str, _TableState] = field(default_factory=dict)  # in CREATE order
    skipped: dict[str, str] = field(default_factory=dict)  # table key → why (vtab, shadow…)
    virtual: list[tuple[str, str, int]] = field(default_factory=list)  # name, sql, line
    deferred: list[tuple[Kind, str, int]] = field(default_factory=list)  # indexes, views…
    sequences: dict[str, int] = field(default_factory=dict)
    began: bool = False
    committed: bool = False
    last_line: int = 0
    # Set once the dump shows it was written with quote() (iterdump): reals are then read
    # as SQLite reads them (sqlitefloat).
    reals: SqliteReals | None = None
    incomplete: bool = False  # --allow-incomplete let a dump with errors through
    used_casts: set[Cast] = field(default_factory=set)
    data_only: bool = False  # no CREATE TABLE: rows for tables that exist in PostgreSQL

    # --- reading ---------------------------------------------------------------------

    def feed(self, unit: RawStatement | InsertRun | Comment) -> None:
        self.last_line = unit.line
        if isinstance(unit, Comment):
            self._comment(unit)
        elif isinstance(unit, InsertRun):
            self._run(unit)
        else:
            self.report.statements += 1
            self._statement(unit.text, unit.line)

    def _comment(self, unit: Comment) -> None:
        text = unit.text
        if text.startswith((b"/****** ", b"/**** ERROR")):
            what = decode(text.split(b"\n")[0]).strip("/* ")[:80]
            self._incomplete(f"the dump reports an error from sqlite3 ({what})", unit.line)

    def _incomplete(self, why: str, line: int) -> None:
        """sqlite3 could not read everything: refuse, or with --allow-incomplete say so."""
        if not self.options.allow_incomplete:
            raise DumpconvError(
                f"{why}, so rows are missing",
                line,
                "repair the database (sqlite3 app.db .recover) and dump again, or convert "
                "what there is with --allow-incomplete",
            )
        self.incomplete = True
        self.report.add(
            "dump-incomplete", Severity.LOSSY,
            f"{why}: rows the dump could not read are missing (--allow-incomplete)",
            line=line,
        )  # fmt: skip

    def _statement(self, raw: bytes, line: int) -> None:
        st = classify(raw)
        kind = st.kind
        if kind in _DEFINITIONS and not _is_utf8(raw):
            self._invalid_utf8_definition(line)
        if kind is Kind.CREATE_TABLE:
            self._create_table(st.text, line)
        elif kind is Kind.INSERT:
            self._insert_statement(raw, line)
        elif kind is Kind.CREATE_VIRTUAL_TABLE:
            self._virtual_table(st.text, line)
        elif kind in (Kind.CREATE_INDEX, Kind.CREATE_VIEW, Kind.CREATE_TRIGGER):
            self.deferred.append((kind, st.text, line))
        elif kind is Kind.BEGIN:
            if self.report.statements == 1 and self.reals is None:
                # The sqlite3 CLI starts with PRAGMA foreign_keys=OFF; iterdump() with BEGIN.
                self.reals = SqliteReals()
            self.began = True
        elif kind is Kind.COMMIT:
            self.committed = True
        elif kind is Kind.ROLLBACK:
            self._incomplete("the dump ends in ROLLBACK: sqlite3 hit errors while dumping", line)
            self.committed = True
        elif kind is Kind.DELETE:
            if st.target is None or not fold(st.target).startswith("sqlite_"):
                raise DumpconvError(
                    "a DELETE of user rows is not part of a dump",
                    line,
                    "convert the output of sqlite3 .dump without editing it",
                )
        elif kind in (Kind.PRAGMA, Kind.ANALYZE):
            pass
        else:
            first = st.text.split(None, 3)[:3]
            raise DumpconvError(
                f"unexpected statement {' '.join(first)!r}: sqlite3 .dump never writes it",
                line,
                "convert the output of sqlite3 .dump or iterdump() without editing it",
            )

    def _invalid_utf8_definition(self, line: int) -> None:
        """A CREATE statement with bytes that are not UTF-8 (names or literals): PostgreSQL
        cannot hold them; under the invalid-UTF-8 policy they become U+FFFD, reported."""
        if self.options.invalid_utf8 == "refuse":
            raise DumpconvError(
                "a definition holds names or text that are not valid UTF-8, which PostgreSQL "
                "cannot store",
                line,
                "rename the objects in SQLite, or convert with --invalid-utf8=replace (U+FFFD)",
            )
        self.report.add(
            "invalid-utf8-replaced", Severity.LOSSY,
            "a definition holds names or text that are not valid UTF-8; invalid bytes replaced "
            "by U+FFFD in the names and literals PostgreSQL gets",
            line=line,
        )  # fmt: skip

    def _create_table(self, text: str, line: int) -> None:
        table = parse_create_table(text, line, self.schema)
        if self.data_only and not table.key.startswith("sqlite_"):
            raise TranslateError(
                f"CREATE TABLE {table.name} comes after rows for tables it never created",
                line,
                "convert either a whole dump or a --data-only dump, not a mix",
            )
        key = table.key
        if key.startswith("sqlite_"):
            return  # sqlite_sequence / sqlite_stat1 recreated by 3.51+ dumps
        vtab = self._shadow_of(table.name)
        if vtab is not None:
            self.skipped[key] = f"table {table.name} (line {line}): storage of virtual table {vtab}"
            self.report.add(
                "virtual-table-skipped", Severity.WARNING,
                f"table {table.name} is internal storage of virtual table {vtab}; skipped",
                line=line,
            )  # fmt: skip
            return
        if key in self.tables:
            raise TranslateError(f"table {table.name} is created twice", line)
        if len(table.columns) > MAX_COLUMNS:
            raise TranslateError(
                f"table {table.name} has {len(table.columns)} columns; PostgreSQL tables have "
                f"at most {MAX_COLUMNS}",
                line,
                "split the table in SQLite before converting",
            )
        self.schema.add(table)
        # A text column whose CHECK requires valid JSON holds JSON (Django's JSONField).
        json_cols = {
            fold(name)
            for check in [*table.checks, *(c for col in table.columns for c in col.checks)]
            if (name := json_checked_column(check.expr)) is not None
        }
        casts = [
            self.options.cast_for(table.name, c.name, c.declared) for c in table.insert_columns
        ]
        for cast, col in zip(casts, table.insert_columns, strict=True):
            if cast is not None:
                self.used_casts.add(cast)
                if col.name == table.rowid_alias and cast.pg_type not in ("bigint", "integer"):
                    raise DumpconvError(
                        f"--cast {cast.text}: {table.name}.{col.name} is the table's INTEGER "
                        "PRIMARY KEY, an identity column: it can only be bigint",
                        line,
                        "leave this column out of the cast",
                    )
        decl = [
            cast.declared_as if cast is not None
            else Declared(Cat.JSON) if c.key in json_cols else declared(c.declared)
            for c, cast in zip(table.insert_columns, casts, strict=True)
        ]  # fmt: skip
        self.tables[key] = _TableState(table, TableStats(decl), casts)
        self.report.tables[table.name] = TableCounts()

    def _shadow_of(self, name: str) -> str | None:
        key = fold(name)
        for vname, _, _ in self.virtual:
            if any(key == f"{fold(vname)}_{suffix}" for suffix in _SHADOW_SUFFIXES):
                return vname
        return None

    def _virtual_table(self, sql: str, line: int) -> None:
        name = _virtual_table_name(sql, line)
        self.virtual.append((name, sql, line))
        self.skipped[fold(name)] = "virtual table"
        self.report.add(
            "virtual-table-skipped", Severity.LOSSY,
            f"virtual table {name} has no PostgreSQL equivalent; skipped with its rows",
            line=line, hint="recreate it with PostgreSQL full-text search or an extension",
        )  # fmt: skip

    def _run(self, run: InsertRun) -> None:
        if self.reals is None and written_by_quote(run.name):
            self.reals = SqliteReals()
        state = self.tables.get(fold(_unquote(run.name)))
        if state is None and self._may_be_data_only(fold(_unquote(run.name))):
            first = scan_insert(_statements(run.body, run.line)[0][0], run.line, self.reals)
            state = self._external_table(first, run.name.startswith(b'"'), run.line)
        if state is None:  # sqlite_sequence, sqlite_stat1, skipped or unknown tables
            for text, line in _statements(run.body, run.line):
                self.report.statements += 1
                self._insert_statement(text, line)
            return
        self.report.statements += run.body.count(b"\n" + run.prefix) + 1
        arity = len(state.table.insert_columns)
        order = None
        if run.columns is not None:  # --preserve-rowids: the prefix names the columns
            head = scan_insert(run.prefix + b"NULL);", run.line, self.reals)
            order = _insert_order(state.table, head, run.line)
            arity = len(head.columns or ())
        elif state.table.external:
            arity = len(state.table.columns)
        batch = convert_run(run.body, run.prefix, arity, run.line, self.reals)
        batches = [batch] if batch is not None else [
            encode_rows(scan_insert(text, line, self.reals).rows, arity, line)
            for text, line in _statements(run.body, run.line)
        ]  # fmt: skip
        for b in batches:
            self._add_rows(state, b if order is None else b.select(order))

    def _insert_statement(self, text: bytes, line: int) -> None:
        ins = scan_insert(text, line, self.reals)
        key = fold(ins.table)
        if key in ("sqlite_schema", "sqlite_master"):
            self._registration(ins, line)
            return
        if key == "sqlite_sequence":
            # (name, seq), or with --preserve-rowids (rowid, name, seq): go by the names.
            names = [fold(c) for c in ins.columns] if ins.columns else ["name", "seq"]
            if "name" in names and "seq" in names:
                i, j = names.index("name"), names.index("seq")
                for row in ins.rows:
                    name, seq = row[i], row[j] if len(row) > j else None
                    if isinstance(name, str) and isinstance(seq, int):
                        seq_key = fold(name)
                        self.sequences[seq_key] = max(self.sequences.get(seq_key, 0), seq)
            return
        if key.startswith("sqlite_stat"):
            return
        if key in self.skipped:
            return
        state = self.tables.get(key)
        if state is None and self._may_be_data_only(key):
            state = self._external_table(ins, text.lstrip()[12:13] == b'"', line)
        if state is None:
            raise RowError(
                f"INSERT into table {ins.table}, which the dump never created",
                line,
                "convert a complete dump (sqlite3 app.db .dump), not a part of one",
            )
        arity = len(state.table.insert_columns)
        order = _insert_order(state.table, ins, line)
        batch = encode_rows(ins.rows, len(ins.columns) if ins.columns else arity, line)
        if order is not None:
            batch = batch.select(order)
        self._add_rows(state, batch)

    def _may_be_data_only(self, key: str) -> bool:
        """Rows for an unknown table start data-only mode when no CREATE TABLE came before
        (sqlite3 .dump --data-only writes none)."""
        if key.startswith("sqlite_") or key in self.skipped:
            return False
        # A whole dump starts with BEGIN TRANSACTION; rows in it for a table it never
        # created are not a dump's (refused by the caller).
        return self.data_only or (not self.tables and not self.began)

    def _external_table(self, first: Insert, quoted: bool, line: int) -> _TableState:
        """A table known only from its rows: it must exist in PostgreSQL already."""
        if not self.data_only:
            self.data_only = True
            self.report.add(
                "data-only", Severity.WARNING,
                "the dump has rows but no CREATE TABLE (sqlite3 .dump --data-only): the "
                "output loads rows into tables that must already exist in PostgreSQL, with "
                "these columns in this order",
                line=line,
            )  # fmt: skip
        listed = list(first.columns or ())
        # --preserve-rowids lists the rowid first; it is not a column.
        names = listed[1:] if listed and fold(listed[0]) in _ROWID_NAMES else listed
        if not listed:
            names = [f"column{i + 1}" for i in range(len(first.rows[0]) if first.rows else 0)]
        columns = [Column(name=n, pg="", declared="", affinity=Affinity.BLOB) for n in names]
        count = len(columns)
        table = Table(first.table, pg_name(first.table, quoted), columns, line, external=True)
        self.schema.add(table)
        state = _TableState(table, TableStats([Declared(Cat.ANY)] * count))
        self.tables[table.key] = state
        self.report.tables[table.name] = TableCounts()
        return state

    def _registration(self, ins: Insert, line: int) -> None:
        for row in ins.rows:
            sql = row[4] if len(row) >= 5 else None
            if isinstance(sql, str) and sql.upper().startswith("CREATE VIRTUAL TABLE"):
                self._virtual_table(sql, line)
            else:
                raise DumpconvError(
                    "the dump writes sqlite_schema directly for something that is not a "
                    "virtual table",
                    line,
                    "dump the database again with a current sqlite3",
                )

    def _add_rows(self, state: _TableState, batch: Batch) -> None:
        state.stats.update(batch)
        self.spool.write(state.table.key, batch)
        self.report.tables[state.table.name].rows += batch.nrows
        cols = state.table.insert_columns
        if batch.bad_utf8 and self.options.invalid_utf8 == "refuse":
            r, c = batch.bad_utf8[0]
            raise DumpconvError(
                f"{state.table.name}.{cols[c].name}: text is not valid UTF-8, which "
                "PostgreSQL cannot store",
                batch.line_of(r),
                "fix the value in SQLite, or convert with --invalid-utf8=replace (U+FFFD)",
            )
        if batch.nul and self.options.nul == "refuse":
            r, c = batch.nul[0]
            raise DumpconvError(
                f"{state.table.name}.{cols[c].name}: text holds a NUL byte, which PostgreSQL "
                "text cannot store",
                batch.line_of(r),
                "fix the value in SQLite, or convert with --nul=replace (U+FFFD) or --nul=strip",
            )
        state.bad_utf8.add(batch, batch.bad_utf8)
        state.nul.add(batch, batch.nul)

    def _unstorable_text(self, state: _TableState, reencode: dict[int, Recode],
                         decisions: dict[str, Decision] | None) -> None:  # fmt: skip
        """Apply the policies for text PostgreSQL cannot store (invalid UTF-8, NUL) on the way
        out, and report every value changed; a bytea column keeps the bytes as they are."""
        nul = self.options.nul
        for log, step, code, change in (
            (state.bad_utf8, Reencode.FIX_UTF8, "invalid-utf8-replaced",
             "is not valid UTF-8; invalid bytes replaced by U+FFFD"),
            (state.nul, nul_step(nul) if nul != "refuse" else None,
             "nul-replaced" if nul == "replace" else "nul-stripped",
             "holds NUL bytes, which PostgreSQL text cannot hold; "
             + ("each replaced by U+FFFD" if nul == "replace" else "removed")),
        ):  # fmt: skip
            for c, count in log.counts.items():
                col = state.table.insert_columns[c]
                if decisions is not None and decisions[col.key].pg_type == "bytea":
                    continue
                assert step is not None  # a refused value stopped the conversion
                reencode[c] = combine(reencode.get(c), step)
                values = "1 value" if count == 1 else f"{count} values"
                self.report.add(
                    code, Severity.LOSSY,
                    f"{state.table.name}.{col.name}: text {change} ({values}: {log.where(c)})",
                    line=log.runs[c][0][0],
                )  # fmt: skip

    def check_complete(self) -> None:
        if self.data_only and not self.began:
            self.report.add(
                "data-only", Severity.WARNING,
                "a --data-only dump has no COMMIT, so a dump cut at a line end cannot be "
                "told from a complete one: check that the file is whole",
            )  # fmt: skip
            return
        if not self.began:
            raise SplitError(
                "the input has no BEGIN TRANSACTION, so it is not a whole sqlite3 .dump "
                "(it is empty, truncated at its start, or a part of a dump)",
                self.last_line or None,
                "convert the complete output of sqlite3 app.db .dump or iterdump()",
            )
        if not self.committed:
            raise SplitError(
                "the dump has no COMMIT at its end: it is truncated",
                self.last_line,
                "dump the database again and make sure the whole file was copied",
            )

    # --- planning and writing ----------------------------------------------------------

    def plan(self) -> _Plan:
        """Decide every type and translate every definition; report what changes."""
        plan = _Plan()
        for cast in self.options.casts:
            if cast not in self.used_casts:
                if cast.table is not None and not self.data_only:
                    raise DumpconvError(
                        f"--cast {cast.text}: the dump has no such column",
                        None,
                        "name the column as the CREATE TABLE does: TABLE.COLUMN",
                    )
                self.report.add("cast-unused", Severity.WARNING,
                                f"--cast {cast.text} matched no column")  # fmt: skip
        if self.data_only:
            return self._plan_data_only(plan)
        for state in self.tables.values():
            # An identity's sequence gets PostgreSQL's own name unless a table took it; names
            # of tables, which applications use, come first.
            table = state.table
            alias = table.column(table.rowid_alias) if table.rowid_alias else None
            if alias is not None:
                wanted = object_name(table.pg, alias.pg, "seq")
                taken = self.schema.claim(wanted)
                table.identity_sequence = None if taken == wanted else taken
        for key, state in self.tables.items():
            plan.decisions[key] = self._decide(state)
        self._match_foreign_keys(plan)
        for key, state in self.tables.items():
            replaced = {state.table.insert_columns[c].key for c in state.replaced}
            replaced = {k for k in replaced if plan.decisions[key][k].pg_type != "bytea"}
            # A column that held several kinds of values (1 and '1') may hold equal ones now.
            mixed = {
                col.key
                for col, st in zip(state.table.insert_columns, state.stats.columns, strict=True)
                if len(st.classes.kinds) > 1
            }
            for col_key, dec in plan.decisions[key].items():
                plan.types[(key, col_key)] = dec.pg_type
                if (
                    dec.pg_type in translate.MERGING_TYPES
                    or dec.reencode is Reencode.TO_BYTEA
                    or col_key in replaced
                    or col_key in mixed
                ):
                    plan.unsafe.add((key, col_key))
        for state in self.tables.values():
            plan.tables.append(self._plan_table(state, plan))
        for kind, text, line in self.deferred:
            item = self._deferred(kind, text, line, plan)
            self._report_left_out(item, line)
            plan.post.append(item)
        for name, sql, line in self.virtual:
            shadows = [w for w in self.skipped.values() if w.endswith(f"virtual table {name}")]
            comments = (
                f"dumpconv: virtual table {name} skipped (line {line}):",
                f"  {sql}",
                *(f"dumpconv: skipped {w}" for w in shadows),
            )
            plan.post.append(translate.PostItem("", 6, comments=comments))
        return plan

    def _plan_data_only(self, plan: _Plan) -> _Plan:
        """Rows only: COPY into tables that exist, reals as shortest digits (the column may be
        numeric or text as well as double), sequences moved past the data."""
        internal = _virtual_table_storage({s.table.key: s.table.name for s in self.tables.values()})
        for key, state in self.tables.items():
            table = state.table
            if key in internal:
                self.report.add(
                    "virtual-table-skipped", Severity.LOSSY,
                    f"rows of {table.name} skipped: {internal[key]}", line=table.line,
                )  # fmt: skip
                continue
            reencode: dict[int, Recode] = dict.fromkeys(
                range(len(table.columns)), Reencode.REAL_SHORTEST
            )
            self._unstorable_text(state, reencode, None)
            seq = self.sequences.get(key, 0)
            plan.tables.append(_TablePlan(state, "", [], reencode, None, resync=seq))
        return plan

    def write(self, w: Writer, plan: _Plan, restrict_key: str | None) -> None:
        w.header(self.options.source, self.options.describe(), restrict_key)
        if self.incomplete:
            w.comment("dumpconv: WARNING: sqlite3 reported errors while dumping: rows are missing")
            w.comment("dumpconv: (converted with --allow-incomplete; see the report)")
            w.blank()
        if self.data_only:
            w.comment("dumpconv: data only (sqlite3 .dump --data-only): the tables must exist")
            w.comment("dumpconv: already, with the same columns in the same order; each is")
            w.comment("dumpconv: found by its SQLite name, exactly or else regardless of case")
            w.blank()
        for stage, t in enumerate(plan.tables, 1):
            table = t.state.table
            w.section(f"table {table.name} (line {table.line})")
            if table.external:
                data = self.spool.read(table.key, t.reencode)
                w.staged_copy(table.name, len(table.columns), stage, data, t.resync or 0)
                continue
            for note in t.notes:
                w.comment(f"dumpconv: {note}")
            if t.create:
                w.statement(t.create, "create-table")
                w.blank()
            cols = None if table.external else [c.pg for c in table.insert_columns]
            if self.spool.rows(table.key):
                w.copy(table.pg, cols, self.spool.read(table.key, t.reencode))
            if t.setval is not None:
                w.setval(table.pg, *t.setval)
        if plan.post:
            w.section("keys, indexes, foreign keys, checks and views (after the data)")
            for item in sorted(plan.post, key=lambda p: p.order):
                for text in item.comments:
                    w.comment(text)
                if not item.sql:
                    pass
                elif item.guard is None or self.options.strict:
                    w.statement(item.sql, item.kind)
                else:
                    w.guarded(item.sql, item.kind, item.guard, item.fk_fallback)
                w.blank()
            w.blank()
        w.footer(restrict_key)

    def _decide(self, state: _TableState) -> dict[str, Decision]:
        table = state.table
        out: dict[str, Decision] = {}
        casts = state.casts or [None] * len(table.insert_columns)
        for col, st, cast in zip(table.insert_columns, state.stats.columns, casts, strict=True):
            if cast is not None and col.name != table.rowid_alias:
                out[col.key] = decide_cast(st, cast, f"{table.name}.{col.name}")
            else:
                dec = decide(
                    st, rowid_alias=col.name == table.rowid_alias, where=f"{table.name}.{col.name}"
                )
                name = col.declared.strip().upper()
                limit = parameter_note(col.declared)
                if limit is not None and not dec.reason:
                    dec = Decision(dec.pg_type, f"{limit}; {dec.pg_type} holds every value",
                                   dec.reencode)  # fmt: skip
                if st.declared.cat is Cat.ANY and name not in ("", "ANY") and not dec.reason:
                    dec = Decision(dec.pg_type, f"{col.declared} is no type PostgreSQL knows; "
                                   f"{dec.pg_type} holds every value", dec.reencode)  # fmt: skip
                out[col.key] = dec
        for col in table.columns:
            if col.key not in out:  # generated or hidden: the declared type decides
                out[col.key] = Decision(render(declared(col.declared)))
        return out

    def _match_foreign_keys(self, plan: _Plan) -> None:
        """An integer column referencing a bigint key becomes bigint too (SQLite's INTEGER
        is 64-bit; a narrower child could not hold the parent's future ids)."""
        for key, state in self.tables.items():
            table = state.table
            for fk in table.foreign_keys:
                parent = self.schema.get(fk.ref_table)
                if parent is None or fold(parent.name) not in plan.decisions:
                    continue
                refs = fk.ref_columns or (parent.primary_key.columns if parent.primary_key else ())
                for child_name, ref_name in zip(fk.columns, refs, strict=False):
                    child, ref = table.column(child_name), parent.column(ref_name)
                    if child is None or ref is None:
                        continue
                    mine = plan.decisions[key].get(child.key)
                    theirs = plan.decisions[parent.key].get(ref.key)
                    if mine and theirs and theirs.pg_type == "bigint" and mine.pg_type in (
                        "smallint", "integer"
                    ):  # fmt: skip
                        plan.decisions[key][child.key] = Decision(
                            "bigint", f"matches the key it references, {parent.name}.{ref.name}"
                        )

    def _plan_table(self, state: _TableState, plan: _Plan) -> _TablePlan:
        table = state.table
        decisions = plan.decisions[table.key]
        for col in table.columns:
            dec = decisions[col.key]
            if dec.reason and not dec.reason.startswith("matches the key"):
                cast = dec.reason.startswith("--cast")
                self.report.add(
                    "cast-applied" if cast else "type-widened",
                    Severity.INFO if cast else Severity.WARNING,
                    f"{table.name}.{col.name}: declared {col.declared or 'without a type'}, "
                    f"{dec.pg_type}: {dec.reason}",
                    line=table.line,
                )  # fmt: skip
        stats = {c.key: st for c, st in zip(table.insert_columns, state.stats.columns,
                                             strict=True)}  # fmt: skip
        nulls = {k: st.classes.nulls for k, st in stats.items()}
        made = translate.create_table(table, decisions, nulls)
        notes = list(made.notes)
        post = list(made.post)
        unsafe = {c for t, c in plan.unsafe if t == table.key}
        post.extend(translate.key_items(table, self.schema, nulls, notes, unsafe))
        scope = translate.Scope(self.schema, [table], plan.types)
        for fk in table.foreign_keys:
            post.append(translate.foreign_key_item(table, fk, self.schema))
        for check in [*table.checks, *(c for col in table.columns for c in col.checks)]:
            json_col = json_checked_column(check.expr)
            if json_col is not None and decisions.get(fold(json_col), _TEXT).pg_type == "jsonb":
                notes.append(
                    translate.Note(f"CHECK ({check.expr}) dropped: jsonb holds only valid JSON")
                )
                continue
            post.append(translate.check_item(table, check, scope))
        for col in table.columns:
            if col.generated is not None:
                post.append(translate.generated_item(table, col, decisions[col.key].pg_type, scope))
        for item in post:
            self._report_left_out(item, table.line)
        plan.post.extend(post)
        notes = [*(translate.Note(r, Severity.WARNING) for r in table.renamed), *notes]
        for note in notes:
            if note.severity is not None:
                self.report.add("definition-changed", note.severity, f"{table.name}: {note}",
                                line=table.line)  # fmt: skip

        reencode: dict[int, Recode] = {}
        for i, c in enumerate(table.insert_columns):
            how = decisions[c.key].reencode
            if how is not None:
                reencode[i] = how
        self._unstorable_text(state, reencode, decisions)
        setval = None
        if table.rowid_alias is not None:
            alias = table.column(table.rowid_alias)
            assert alias is not None
            st = stats.get(alias.key)
            top = max(
                st.int_max if st is not None and st.int_max is not None else 0,
                self.sequences.get(table.key, 0),
            )
            setval = (alias.pg, top or None)
        return _TablePlan(state, made.create, [str(n) for n in notes], reencode, setval)

    def _report_left_out(self, item: translate.PostItem, line: int) -> None:
        if item.left_out is not None:
            self.report.add("object-left-out", Severity.LOSSY, item.left_out, line=line)
        if item.changed is not None:
            self.report.add("definition-changed", Severity.LOSSY, item.changed, line=line)

    def _deferred(self, kind: Kind, text: str, line: int, plan: _Plan) -> translate.PostItem:
        if kind is Kind.CREATE_INDEX:
            return translate.index_item(text, line, self.schema, plan.types, plan.unsafe)
        if kind is Kind.CREATE_VIEW:
            return translate.view_item(text, line, self.schema, plan.types)
        self.report.add(
            "trigger-skipped", Severity.LOSSY,
            "trigger not converted: SQLite trigger bodies need rewriting as PL/pgSQL",
            line=line, hint="recreate the trigger by hand after loading",
        )  # fmt: skip
        return translate.PostItem(
            "", 6, comments=(f"dumpconv: trigger skipped (line {line}):", f"  {text}")
        )


_DEFINITIONS = frozenset(
    {Kind.CREATE_TABLE, Kind.CREATE_INDEX, Kind.CREATE_VIEW, Kind.CREATE_TRIGGER,
     Kind.CREATE_VIRTUAL_TABLE}
)  # fmt: skip


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@dataclass
class _TablePlan:
    state: _TableState
    create: str
    notes: list[str]
    reencode: dict[int, Recode]
    setval: tuple[str, int | None] | None
    resync: int | None = None  # data-only: move existing sequences past the data and this


@dataclass
class _Plan:
    decisions: dict[str, dict[str, Decision]] = field(default_factory=dict)
    types: dict[tuple[str, str], str] = field(default_factory=dict)
    unsafe: set[tuple[str, str]] = field(default_factory=set)
    tables: list[_TablePlan] = field(default_factory=list)
    post: list[translate.PostItem] = field(default_factory=list)


# Shadow tables by virtual-table module (sqlite-dump-format.md §3.5): a table X with all of
# a module's required shadows is that module's virtual table. Only the shadows that always
# hold rows are required: a data-only dump leaves out tables without rows.
_SHADOWS = {
    "fts5": (("data", "config"), ("idx", "content", "docsize")),
    "fts3/fts4": (("segdir",), ("segments", "content", "docsize", "stat")),
    "rtree": (("node", "rowid"), ("parent",)),
}


# Every storage table name a virtual table module makes ("NAME_suffix"): a table of the
# dump named so is storage, any other table is the application's.
_SHADOW_SUFFIXES = frozenset(s for parts in _SHADOWS.values() for group in parts for s in group)


def _virtual_table_name(sql: str, line: int) -> str:
    """The name a CREATE VIRTUAL TABLE gives, read by the lexer (it may hold any character)."""
    toks = list(tokenize(sql, line=line))
    i = 3  # CREATE VIRTUAL TABLE
    if len(toks) > i + 2 and toks[i].is_word("IF"):
        i += 3  # IF NOT EXISTS
    if len(toks) > i + 2 and toks[i + 1].kind is Tok.OP and toks[i + 1].text == ".":
        i += 2  # schema.name
    if len(toks) <= i or toks[i].kind not in (Tok.WORD, Tok.IDENT, Tok.STRING):
        raise TranslateError("cannot read the name of a virtual table", line)
    return toks[i].value


def _virtual_table_storage(names: dict[str, str]) -> dict[str, str]:
    """Among tables known only from their rows, the virtual tables and their storage."""
    found: dict[str, str] = {}
    for key, name in names.items():
        for module, (required, optional) in _SHADOWS.items():
            if all(f"{key}_{s}" in names for s in required):
                found[key] = f"{name} looks like a {module} virtual table"
                for suffix in (*required, *optional):
                    if f"{key}_{suffix}" in names:
                        found[f"{key}_{suffix}"] = f"storage of the {module} table {name}"
    return found


def _unquote(name: bytes) -> str:
    text = decode(name)
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('""', '"')
    return text


def _statements(body: bytes, line: int) -> list[tuple[bytes, int]]:
    """Cut a run of INSERT statements apart with the lexer (the exact path)."""
    out = []
    pos = 0
    while pos < len(body):
        while pos < len(body) and body[pos : pos + 1] in b" \t\r\n":
            if body[pos : pos + 1] == b"\n":
                line += 1
            pos += 1
        if pos >= len(body):
            break
        end = find_statement_end(body, pos, trigger=False, final=True)
        out.append((body[pos:end], line))
        line += body.count(b"\n", pos, end)
        pos = end
    return out


def _insert_order(table: Table, ins: Insert, line: int) -> list[int] | None:
    """For an INSERT with a column list: which listed value goes to each table column.

    The rowid, which --preserve-rowids lists first, is not a column and is dropped. A name
    listed twice (3.52+ writes ``t(rowid,rowid,x)`` for a column named rowid) is the rowid
    the first time.
    """
    if ins.columns is None:
        return None
    cols = table.insert_columns
    where: dict[str, int] = {}
    listed = [fold(n) for n in ins.columns]
    for i, name in enumerate(listed):
        col = table.column(name)
        repeated = listed.count(name) > 1 and listed.index(name) == i
        if col is None or col.generated is not None or repeated:
            if name in _ROWID_NAMES:
                continue
            raise RowError(f"INSERT names column {ins.columns[i]}, which {table.name} lacks", line)
        where[col.key] = i
    missing = [c.name for c in cols if c.key not in where]
    if missing:
        raise RowError(
            f"INSERT into {table.name} gives no value for {', '.join(missing)}",
            line,
            "dumps always list every column; convert an unedited dump",
        )
    return [where[c.key] for c in cols]
