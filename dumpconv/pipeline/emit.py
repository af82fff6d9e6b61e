"""The writer side of a conversion: the planned script, in output order."""

from __future__ import annotations

import contextlib

from dumpconv.base.errors import DumpconvError
from dumpconv.base.pgsql import SCHEMA, quote_ident, valid_text
from dumpconv.base.report import Severity
from dumpconv.pipeline.dataonly import load_order
from dumpconv.pipeline.state import (
    Conversion,
    Plan,
    TablePlan,
    TableState,
    TargetPlan,
)
from dumpconv.pipeline.streaming import Sketch, Streams
from dumpconv.translate import PostItem
from dumpconv.write.pgcheck import StatementCheckError, created_name
from dumpconv.write.writer import Writer

# A table whose script is written once the input is read: its plan, the extensions its
# types need, and the identity sequences renamed before it (old name, new name).
_Held = tuple[TablePlan, set[str], list[tuple[str, str]]]


class Emitter:
    """Writes a whole dump's script as it is read: the header, each table as soon as its
    rows are complete, then what needs every table (sequences, post-data) and COMMIT.

    With ``--drop`` (every DROP comes first, as pg_dump --clean writes them: one before
    each CREATE would meet an earlier run's objects under names this run gives away) and
    ``--data-only`` (referenced tables first) the tables are held, their rows in the spool,
    and the whole script is written once the input is read."""

    def __init__(self, st: Conversion, w: Writer, restrict_key: str | None, sketch: Sketch) -> None:
        self.st = st
        self.w = w
        self.key = restrict_key
        self._extensions: set[str] = set()
        options = st.options
        self.per_insert = options.per_insert
        self._held: list[_Held] | None = [] if options.drop or options.data_only else None
        # Large tables written while their rows are read, when tables are written as soon
        # as they are complete, as COPY blocks, with their rows.
        self.streams: Streams | None = None
        if (
            self._held is None and self.per_insert is None and not options.schema_only
            and options.target is None
        ):  # fmt: skip
            self.streams = Streams(st, w, sketch, self._head_now)

    def start(self) -> None:
        """The header, unless the script is written once the input is read."""
        if self._held is None:
            self._begin()

    def _begin(self) -> None:
        options = self.st.options
        self.w.header(options.source, options.describe(), self.key)
        if options.schema_only:
            self.w.comment("dumpconv: schema only (no rows): every row was still read, since")
            self.w.comment("dumpconv: the data decides the column types; --data-only loads them")
            self.w.blank()
        if options.schema != SCHEMA and not options.data_only:  # --schema NAME
            self.w.statement(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(options.schema)};",
                             "create-schema")  # fmt: skip
            self.w.blank()

    def abandon(self) -> None:
        """The conversion failed: a script already begun (streamed, or written once the input
        was read) ends in an error and no COMMIT (a closed output, psql gone, is left as it
        is)."""
        if self.w.began:
            with contextlib.suppress(OSError, ValueError):
                self.w.failed(self.key)
                self.w.out.flush()

    def table(self, t: TablePlan, extensions: set[str]) -> None:
        """One table: CREATE TABLE and its rows (read back from the spool, then dropped),
        or held until the input is read."""
        moves = self._moves()
        if self._held is not None:
            self._held.append((t, set(extensions), moves))
            return
        if self.streams is None or not self.streams.settle(t, extensions):
            self._write_table(t, extensions, moves)
        self.w.out.flush()  # psql loads this table while the next one is read

    def grew(self, state: TableState) -> None:
        """A batch of the table's rows was taken in (a large table's go out as they come)."""
        if self.streams is not None:
            self.streams.grew(state)

    def _write_table(
        self, t: TablePlan, extensions: set[str], moves: list[tuple[str, str]]
    ) -> None:
        st = self.st
        self._head(t, extensions, moves)
        table = t.state.table
        if _loads_rows(st, t) and not st.options.schema_only:
            cols = [c.pg for c in table.insert_columns]
            self.w.rows(table.pg, cols, st.spool.read(table.key, t.reencode), self.per_insert)
        st.spool.drop(table.key)

    def _head_now(self, t: TablePlan, extensions: set[str]) -> None:
        if not self.w.began:  # the first table streams before any is complete
            self.start()
        self._head(t, extensions, self._moves())

    def _head(self, t: TablePlan, extensions: set[str], moves: list[tuple[str, str]]) -> None:
        """What comes before a table's rows: sequences renamed, extensions, its heading,
        the notes on it, CREATE TABLE."""
        st, w = self.st, self.w
        for old, new in moves:
            w.rename_sequence(old, new)
        for extension in sorted(extensions - self._extensions):
            w.extension(extension)
            self._extensions.add(extension)
        _section(st, w, t)
        for note in t.notes:
            w.comment(f"dumpconv: {note}")
        if t.create:
            w.statement(t.create, "create-table")
            w.blank()

    def _moves(self) -> list[tuple[str, str]]:
        """Identity sequences whose names tables read since have taken (Schema.claim_table):
        their new names, claimed now (in input order, whenever they are written)."""
        schema = self.st.schema
        moves = []
        while schema.moved:
            owner, old = schema.moved.pop(0)
            new = schema.claim_sequence(old, owner)
            owner.identity_sequence = new
            moves.append((old, new))
        return moves

    def finish(self, plan: Plan) -> None:
        """Sequences past the data, post-data in input order, COMMIT."""
        st, w = self.st, self.w
        moves = self._moves()
        if st.options.data_only:
            self._begin()
            _data_only(st, w, plan, [h[0] for h in self._held or ()], self.per_insert)
            w.footer(self.key)
            return
        if self._held is not None:  # --drop
            self._begin()
            _drops(w, plan)
            for held in self._held:
                self._write_table(*held)
        for old, new in moves:
            w.rename_sequence(old, new)
        if not st.options.schema_only:
            _setvals(st, w, plan)
        _incomplete(st, w)
        _post(st, w, plan)
        w.footer(self.key)


def _section(st: Conversion, w: Writer, t: TablePlan) -> None:
    """A table's heading, as pg_dump names its sections, with where the table comes from."""
    table = t.state.table
    renamed = f"SQLite table {table.name}, " if table.name != table.pg else ""
    w.section(
        f"Name: {table.pg}; Type: TABLE; Schema: {st.schema.namespace} "
        f"({renamed}input line {table.line})"
    )


def _loads_rows(st: Conversion, t: TablePlan) -> bool:
    key = t.state.table.key
    return bool(st.spool.rows(key)) and not t.left_out and key not in st.options.exclude_data


def _data_only(
    st: Conversion, w: Writer, plan: Plan, tables: list[TablePlan], per_insert: int | None
) -> None:
    """--data-only: the rows, referenced tables first (``dataonly``), and the sequences."""
    order, warnings = load_order(st, tables, per_insert)
    disable = st.options.disable_triggers
    _incomplete(st, w)
    w.comment("dumpconv: data only: the rows of the tables a --schema-only script of this")
    w.comment("dumpconv: dump (with the same options) created, referenced tables first")
    for message in warnings.values():
        w.comment(f"dumpconv: WARNING: {message}")
    w.blank()
    w.statement("SET CONSTRAINTS ALL DEFERRED;", "set-constraints")  # keys DEFERRABLE
    w.blank()
    for t in order:
        table = t.state.table
        _section(st, w, t)
        if disable:  # every table, as pg_dump --data-only --disable-triggers
            w.triggers(table.pg, enable=False)
        if _loads_rows(st, t):
            cols = [c.pg for c in table.insert_columns]
            w.rows(table.pg, cols, st.spool.read(table.key, t.reencode), per_insert)
        if disable:
            w.triggers(table.pg, enable=True)
            w.blank()
        st.spool.drop(table.key)
    _setvals(st, w, plan)


def _setvals(st: Conversion, w: Writer, plan: Plan) -> None:
    setvals = [(t.state.table, *t.setval) for t in plan.tables if t.setval is not None]
    if setvals:
        w.section("identity sequences, past the largest id (and sqlite_sequence's)")
        for table, column, top in setvals:
            last = max(top or 0, st.sequences.get(table.key, 0))
            w.setval(table.pg, column, last or None)


def _drops(w: Writer, plan: Plan) -> None:
    """--drop: what the script creates, dropped if it exists (with what depends on it):
    views and trigger functions, then tables, each kind in reverse order."""
    w.section("objects this script creates, dropped first if they exist (--drop)")
    for item in sorted(plan.post, key=lambda p: p.order, reverse=True):
        if item.sql and item.kind in ("view", "create-function"):
            kind = "VIEW" if item.kind == "view" else "FUNCTION"
            w.drop(kind, created_name(item.sql))
    for t in reversed(plan.tables):
        if t.create:
            w.drop("TABLE", t.state.table.pg)
    w.blank()


def write_script(st: Conversion, w: Writer, plan: Plan, restrict_key: str | None) -> None:
    """A script planned once the whole input was read: rows only, into tables that exist (a
    data-only dump) or into a schema the application built (--target-schema)."""
    options = st.options
    if options.schema_only or options.data_only or options.drop:
        raise DumpconvError(
            "--schema-only, --data-only and --drop need the tables' CREATE statements, and "
            "this dump has only rows (sqlite3 .dump --data-only)",
            None,
            "dump the whole database: sqlite3 app.db .dump",
        )
    w.header(options.source, options.describe(), restrict_key)
    if plan.target is not None:
        _write_target(st, w, plan, plan.target)
        w.footer(restrict_key)
        return
    _incomplete(st, w)
    w.comment("dumpconv: data only (sqlite3 .dump --data-only): the tables must exist")
    w.comment("dumpconv: already, with the same columns in the same order; each is")
    w.comment("dumpconv: found by its SQLite name, exactly or else regardless of case")
    w.blank()
    for stage, t in enumerate(plan.tables, 1):
        table = t.state.table
        w.section(f"table {table.name} (line {table.line})")
        data = st.spool.read(table.key, t.reencode)
        name = valid_text(table.name)  # reported (catalog.external_table)
        w.staged_copy(name, len(table.columns), stage, data, t.resync or 0, options.per_insert)
    _post(st, w, plan)
    w.footer(restrict_key)


def _incomplete(st: Conversion, w: Writer) -> None:
    """--allow-incomplete let a dump with errors through: the script says so too."""
    if st.incomplete:
        w.comment("dumpconv: WARNING: sqlite3 reported errors while dumping: rows are missing")
        w.comment("dumpconv: (converted with --allow-incomplete; see the report)")
        w.blank()


def _post(st: Conversion, w: Writer, plan: Plan) -> None:
    if not plan.post:
        return
    w.section("keys, indexes, foreign keys, checks and views (after the data)")
    for item in sorted(plan.post, key=lambda p: p.order):
        for text in item.comments:
            w.comment(text)
        if not item.sql:
            pass
        elif item.guard is None or st.options.strict:
            w.statement(item.sql, item.kind)
        else:
            _guarded(st, w, item)
        w.blank()
    w.blank()


def _guarded(st: Conversion, w: Writer, item: PostItem) -> None:
    """A best-effort object; one whose statement fails the output check (a dumpconv bug) is
    left out and reported instead of stopping the whole conversion: nothing unchecked is
    written either way."""
    assert item.guard is not None
    try:
        w.guarded(item.sql, item.kind, item.guard, item.fk_fallback)
    except StatementCheckError as e:
        why = "its statement failed dumpconv's output check (a dumpconv bug)"
        w.comment(f"dumpconv: {item.guard} not created: {why}")
        st.report.add("object-left-out", Severity.LOSSY, f"{item.guard} not created: {why}",
                      hint=f"please report it with the input; {e.message}")  # fmt: skip


def _write_target(st: Conversion, w: Writer, plan: Plan, target: TargetPlan) -> None:
    """Rows only, into the tables of an existing schema (--target-schema)."""
    assert st.options.target is not None
    w.comment(f"dumpconv: data only, into the schema of {st.options.target.source}")
    w.comment("dumpconv: (pg_dump --schema-only of a database the application's migrations")
    w.comment("dumpconv: built); each value is converted to its target column's type")
    w.blank()
    # Deferrable keys (Django's) are checked at the end, with the ones made so here.
    w.statement("SET CONSTRAINTS ALL DEFERRED;", "set-constraints")
    for table, fk in target.deferred:
        w.alter_constraint(table, fk, deferred=True)
    if target.emptied:
        w.comment("dumpconv: the loaded tables (and those referencing them) are emptied first")
        w.comment("dumpconv: (--existing-rows replace)")
        w.truncate(target.emptied)
    w.blank()
    for t in plan.tables:
        load = t.target
        assert load is not None
        source = t.state.table
        w.section(f"table {source.name} (line {source.line}) into {load.table}")
        if target.disable_triggers:
            w.triggers(load.table, enable=False)
        if st.spool.rows(source.key):
            every = load.keep == list(range(len(source.insert_columns)))
            keep = None if every else load.keep  # all columns in order: nothing to cut
            data = st.spool.read(source.key, t.reencode, keep)
            found = st.options.target.tables.get((target.schema, load.table))
            identity = {c.name for c in found.columns if c.identity} if found else set()
            # An identity column GENERATED ALWAYS takes a given value only so (COPY always
            # does); for one BY DEFAULT the clause changes nothing.
            overriding = bool(identity.intersection(load.columns))
            w.rows(load.table, load.columns, data, st.options.per_insert, overriding=overriding)
        if target.disable_triggers:
            w.triggers(load.table, enable=True)
        for column, top in load.setvals:
            w.setval(load.table, column, top)
    w.section("foreign keys checked, as the schema declares them")
    w.statement("SET CONSTRAINTS ALL IMMEDIATE;", "set-constraints")
    for table, fk in target.deferred:
        w.alter_constraint(table, fk, deferred=False)
    w.blank()
