"""The reader side of a conversion: every unit the splitter cuts is taken in here, in input
order; rows go to the spool, definitions to the catalog, the rest is checked and dropped."""

from __future__ import annotations

from collections.abc import Callable

from dumpconv.base.errors import DumpconvError, RowError, SplitError
from dumpconv.base.report import Severity
from dumpconv.decide.stats import TableStats
from dumpconv.pipeline.catalog import Catalog
from dumpconv.pipeline.rowjobs import RowJobs, RunJob, statements
from dumpconv.pipeline.state import (
    ROWID_NAMES,
    Conversion,
    TableState,
)
from dumpconv.read.classify import Kind, classify, decode
from dumpconv.read.rows import Batch, Insert, encode_rows, scan_insert
from dumpconv.read.schema import Table, fold
from dumpconv.read.splitter import Comment, InsertRun, RawStatement
from dumpconv.read.sqlitefloat import SqliteReals, written_by_quote
from dumpconv.read.sqltext import is_utf8

# Told of a table: its rows are complete; a batch of its rows was taken in.
Hook = Callable[[TableState], None]


class Intake:
    """Takes in the units of one dump, in order.

    Dumps write each table's rows right after its CREATE TABLE, so the next definition (or
    COMMIT) completes the tables read so far: ``complete`` is called with each, in CREATE
    order, before that statement is taken in (and by :meth:`complete_tables` at the end).
    Rows for a table after that are refused: its rows may already be written. ``grew`` is
    called with a table each time rows of it are taken in.
    """

    def __init__(self, st: Conversion, complete: Hook | None = None, jobs: int = 1,
                 grew: Hook | None = None) -> None:  # fmt: skip
        self.st = st
        self.catalog = Catalog(st)
        self._complete = complete
        self.rows = RowJobs(jobs, lambda state, *taken: add_rows(st, state, *taken, grew=grew))
        self._units = 0

    def feed(self, unit: RawStatement | InsertRun | Comment) -> None:
        self.st.last_line = unit.line
        self._units += not isinstance(unit, Comment)  # statements and runs fed so far
        try:
            if isinstance(unit, Comment):
                self._comment(unit)
            elif isinstance(unit, InsertRun):
                self._run(unit)
            else:
                self.st.report.statements += 1
                self._statement(unit.text, unit.line)
        except DumpconvError:
            self.rows.drain()  # a run read before this unit may hold an earlier error
            raise

    def _comment(self, unit: Comment) -> None:
        text = unit.text
        if text.startswith((b"/****** ", b"/**** ERROR")):
            what = decode(text.split(b"\n")[0]).strip("/* ")[:80]
            self.incomplete(f"the dump reports an error from sqlite3 ({what})", unit.line)

    def incomplete(self, why: str, line: int) -> None:
        """sqlite3 could not read everything: refuse, or with --allow-incomplete say so."""
        if not self.st.options.allow_incomplete:
            raise DumpconvError(
                f"{why}, so rows are missing",
                line,
                "repair the database (sqlite3 app.db .recover) and dump again, or convert "
                "what there is with --allow-incomplete",
            )
        self.st.incomplete = True
        self.st.report.add(
            "dump-incomplete", Severity.LOSSY,
            f"{why}: rows the dump could not read are missing (--allow-incomplete)",
            line=line,
        )  # fmt: skip

    def _statement(self, raw: bytes, line: int) -> None:
        st = classify(raw)
        kind = st.kind
        if kind in _ENDS_ROWS:
            self.complete_tables()
        if kind in _DEFINITIONS and not is_utf8(raw):
            self.catalog.invalid_utf8_definition(line)
        if kind is Kind.CREATE_TABLE:
            self.catalog.create_table(st.text, line)
        elif kind is Kind.INSERT:
            self._insert_statement(raw, line)
        elif kind is Kind.CREATE_VIRTUAL_TABLE:
            self.catalog.virtual_table(st.text, line)
        elif kind in (Kind.CREATE_INDEX, Kind.CREATE_VIEW, Kind.CREATE_TRIGGER):
            self.st.deferred.append((kind, st.text, line))
        elif kind is Kind.BEGIN:
            # BEGIN first: iterdump() (the sqlite3 CLI starts with PRAGMA foreign_keys=OFF).
            if self._units == 1 and self.st.reals is None:
                self.st.reals = SqliteReals()
            self.st.began = True
        elif kind is Kind.COMMIT:
            self.st.committed = True
        elif kind is Kind.ROLLBACK:
            self.incomplete("the dump ends in ROLLBACK: sqlite3 hit errors while dumping", line)
            self.st.committed = True
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

    def _run(self, run: InsertRun) -> None:
        if self.st.reals is None and written_by_quote(run.name):
            self.st.reals = SqliteReals()
        state = self._state_for_rows(fold(_unquote(run.name)), run.line)
        if state is None and _may_be_data_only(self.st, fold(_unquote(run.name))):
            first = scan_insert(statements(run.body, run.line)[0][0], run.line, self.st.reals)
            state = self.catalog.external_table(first, run.name.startswith(b'"'), run.line)
        if state is None and self.st.schema.is_left_out(_unquote(run.name)):
            # Left out by --include / --exclude: its rows are not read (nor checked).
            self.st.report.statements += run.body.count(b"\n" + run.prefix) + 1
            return
        if state is None:  # sqlite_sequence, sqlite_stat1, skipped or unknown tables
            for text, line in statements(run.body, run.line):
                self.st.report.statements += 1
                self._insert_statement(text, line)
            return
        arity = len(state.table.insert_columns)
        order = None
        if run.columns is not None:  # --preserve-rowids: the prefix names the columns
            head = scan_insert(run.prefix + b"NULL);", run.line, self.st.reals)
            order = _insert_order(state.table, head, run.line)
            arity = len(head.columns or ())
        elif state.table.external:
            arity = len(state.table.columns)
        declared = [c.declared for c in state.stats.columns]
        job = RunJob(run.body, run.prefix, arity, run.line, self.st.reals is not None, order,
                     declared)  # fmt: skip
        self.rows.submit(state, job)

    def _insert_statement(self, text: bytes, line: int) -> None:
        ins = scan_insert(text, line, self.st.reals)
        key = fold(ins.table)
        if key in ("sqlite_schema", "sqlite_master"):
            _registration(self.catalog, ins, line)
            return
        if key == "sqlite_sequence":
            _sequence_rows(self.st, ins)
            return
        if key.startswith("sqlite_stat"):
            return
        if key in self.st.skipped:
            return
        state = self._state_for_rows(key, line)
        if state is None and _may_be_data_only(self.st, key):
            state = self.catalog.external_table(ins, text.lstrip()[12:13] == b'"', line)
        if state is None and key in self.st.skipped:
            return  # left out by --include / --exclude
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
        self.rows.now(state, batch)

    def complete_tables(self) -> None:
        """Hand every table whose rows are complete to ``complete``, in CREATE order."""
        self.rows.drain()
        if self._complete is None:
            return
        for state in self.st.tables.values():
            if not state.complete:
                state.complete = True
                self._complete(state)

    def _state_for_rows(self, key: str, line: int) -> TableState | None:
        state = self.st.tables.get(key)
        if state is not None and state.complete:
            raise RowError(
                f"rows for table {state.table.name} come after the next definition, when "
                "its rows were complete and written",
                line,
                "sqlite3 .dump and iterdump() write a table's rows right after its CREATE "
                "TABLE: convert an unedited dump",
            )
        return state

    def check_complete(self) -> None:
        if self.st.data_only and not self.st.began:
            self.st.report.add(
                "data-only", Severity.WARNING,
                "a --data-only dump has no COMMIT, so a dump cut at a line end cannot be "
                "told from a complete one: check that the file is whole",
            )  # fmt: skip
            return
        if not self.st.began:
            raise SplitError(
                "the input has no BEGIN TRANSACTION, so it is not a whole sqlite3 .dump "
                "(it is empty, truncated at its start, or a part of a dump)",
                self.st.last_line or None,
                "convert the complete output of sqlite3 app.db .dump or iterdump()",
            )
        if not self.st.committed:
            raise SplitError(
                "the dump has no COMMIT at its end: it is truncated",
                self.st.last_line,
                "dump the database again and make sure the whole file was copied",
            )


# What comes after a table's rows in a dump: the next table, the schema objects, the end.
_ENDS_ROWS = frozenset(
    {Kind.CREATE_TABLE, Kind.CREATE_INDEX, Kind.CREATE_VIEW, Kind.CREATE_TRIGGER,
     Kind.CREATE_VIRTUAL_TABLE, Kind.COMMIT, Kind.ROLLBACK}
)  # fmt: skip

_DEFINITIONS = frozenset(
    {Kind.CREATE_TABLE, Kind.CREATE_INDEX, Kind.CREATE_VIEW, Kind.CREATE_TRIGGER,
     Kind.CREATE_VIRTUAL_TABLE}
)  # fmt: skip


def _unquote(name: bytes) -> str:
    text = decode(name)
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('""', '"')
    return text


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
            if name in ROWID_NAMES:
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


def note_cut_nul(st: Conversion) -> None:
    """Say once that sqlite3 .dump (and iterdump) cut each text value at its first NUL byte,
    when the dump held a text value: the dump cannot show which ones were cut. Not for a
    database file read directly (read.database keeps every byte)."""
    if any(c.classes.texts for t in st.tables.values() for c in t.stats.columns):
        st.report.add(
            "dump-cuts-nul", Severity.INFO,
            "sqlite3 .dump cuts a text value at its first NUL byte, and a dump cannot show "
            "which values were cut",
            hint="to keep every byte, convert the database file itself: dumpconv app.db",
        )  # fmt: skip


def add_rows(
    st: Conversion,
    state: TableState,
    batches: list[Batch],
    stats: TableStats,
    statements: int,
    *,
    grew: Hook | None = None,
) -> None:
    """Take in batches of a table's rows (in input order), the statistics of their values, and
    the count of the statements that held them; then tell ``grew``."""
    st.report.statements += statements
    state.stats.merge(stats)
    for batch in batches:
        _add_batch(st, state, batch)
    if grew is not None:
        grew(state)


def _add_batch(st: Conversion, state: TableState, batch: Batch) -> None:
    st.spool.write(state.table.key, batch)
    st.report.tables[state.table.name].rows += batch.nrows
    cols = state.table.insert_columns
    if batch.bad_utf8 and st.options.invalid_utf8 == "refuse":
        r, c = batch.bad_utf8[0]
        raise DumpconvError(
            f"{state.table.name}.{cols[c].name}: text is not valid UTF-8, which "
            "PostgreSQL cannot store",
            batch.line_of(r),
            "fix the value in SQLite, or convert with --invalid-utf8=replace (U+FFFD)",
        )
    if batch.nul and st.options.nul == "refuse":
        r, c = batch.nul[0]
        raise DumpconvError(
            f"{state.table.name}.{cols[c].name}: text holds a NUL byte, which PostgreSQL "
            "text cannot store",
            batch.line_of(r),
            "fix the value in SQLite, or convert with --nul=replace (U+FFFD) or --nul=strip",
        )
    state.bad_utf8.add(batch, batch.bad_utf8)
    state.nul.add(batch, batch.nul)


def _sequence_rows(st: Conversion, ins: Insert) -> None:
    """sqlite_sequence's rows: (name, seq), or with --preserve-rowids (rowid, name, seq):
    go by the names."""
    names = [fold(c) for c in ins.columns] if ins.columns else ["name", "seq"]
    if "name" in names and "seq" in names:
        i, j = names.index("name"), names.index("seq")
        for row in ins.rows:
            name, seq = row[i], row[j] if len(row) > j else None
            if isinstance(name, str) and isinstance(seq, int):
                key = fold(name)
                st.sequences[key] = max(st.sequences.get(key, 0), seq)


def _registration(catalog: Catalog, ins: Insert, line: int) -> None:
    """Rows written into sqlite_schema: a dump does that only for virtual tables."""
    for row in ins.rows:
        sql = row[4] if len(row) >= 5 else None
        if isinstance(sql, str) and sql.upper().startswith("CREATE VIRTUAL TABLE"):
            catalog.virtual_table(sql, line)
        else:
            raise DumpconvError(
                "the dump writes sqlite_schema directly for something that is not a virtual table",
                line,
                "dump the database again with a current sqlite3",
            )


def _may_be_data_only(st: Conversion, key: str) -> bool:
    """Rows for an unknown table start data-only mode when no CREATE TABLE came before
    (sqlite3 .dump --data-only writes none)."""
    if key.startswith("sqlite_") or key in st.skipped:
        return False
    # A whole dump starts with BEGIN TRANSACTION; rows in it for a table it never
    # created are not a dump's (refused by the caller).
    return st.data_only or (not st.tables and not st.began)
