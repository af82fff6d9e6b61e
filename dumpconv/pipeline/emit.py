"""The writer side of a conversion: the planned script, in output order."""

from __future__ import annotations

import contextlib

from dumpconv.base.pgsql import valid_text
from dumpconv.base.report import Severity
from dumpconv.pipeline.state import (
    Conversion,
    Plan,
    TablePlan,
    TargetPlan,
)
from dumpconv.translate import PostItem
from dumpconv.write.pgcheck import StatementCheckError
from dumpconv.write.writer import Writer


class Emitter:
    """Writes a whole dump's script as it is read: the header, each table as soon as its
    rows are complete, then what needs every table (sequences, post-data) and COMMIT."""

    def __init__(self, st: Conversion, w: Writer, restrict_key: str | None) -> None:
        self.st = st
        self.w = w
        self.key = restrict_key
        self._extensions: set[str] = set()

    def start(self) -> None:
        self.w.header(self.st.options.source, self.st.options.describe(), self.key)

    def abandon(self) -> None:
        """The conversion failed: a script already begun (streamed, or written once the input
        was read) ends in an error and no COMMIT (a closed output, psql gone, is left as it
        is)."""
        if self.w.began:
            with contextlib.suppress(OSError, ValueError):
                self.w.failed(self.key)
                self.w.out.flush()

    def table(self, t: TablePlan, extensions: set[str]) -> None:
        """One table: CREATE TABLE and its rows (read back from the spool, then dropped)."""
        st, w = self.st, self.w
        self._moved()
        for extension in sorted(extensions - self._extensions):
            w.extension(extension)
            self._extensions.add(extension)
        table = t.state.table
        w.section(f"table {table.name} (line {table.line})")
        for note in t.notes:
            w.comment(f"dumpconv: {note}")
        if t.create:
            w.statement(t.create, "create-table")
            w.blank()
        cols = [c.pg for c in table.insert_columns]
        if st.spool.rows(table.key) and not t.left_out and table.key not in st.options.exclude_data:
            w.copy(table.pg, cols, st.spool.read(table.key, t.reencode))
        st.spool.drop(table.key)
        w.out.flush()  # psql loads this table while the next one is read

    def _moved(self) -> None:
        """Identity sequences whose names tables read since have taken (Schema.claim_table)."""
        schema = self.st.schema
        while schema.moved:
            owner, old = schema.moved.pop(0)
            new = schema.claim_sequence(old, owner)
            owner.identity_sequence = new
            self.w.rename_sequence(old, new)

    def finish(self, plan: Plan) -> None:
        """Sequences past the data, post-data in input order, COMMIT."""
        st, w = self.st, self.w
        self._moved()
        setvals = [(t.state.table, *t.setval) for t in plan.tables if t.setval is not None]
        if setvals:
            w.section("identity sequences, past the largest id (and sqlite_sequence's)")
            for table, column, top in setvals:
                last = max(top or 0, st.sequences.get(table.key, 0))
                w.setval(table.pg, column, last or None)
        _incomplete(st, w)
        _post(st, w, plan)
        w.footer(self.key)


def write_script(st: Conversion, w: Writer, plan: Plan, restrict_key: str | None) -> None:
    """A script planned once the whole input was read: rows only, into tables that exist (a
    data-only dump) or into a schema the application built (--target-schema)."""
    w.header(st.options.source, st.options.describe(), restrict_key)
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
        w.staged_copy(name, len(table.columns), stage, data, t.resync or 0)
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
            w.copy(load.table, load.columns, st.spool.read(source.key, t.reencode, keep))
        if target.disable_triggers:
            w.triggers(load.table, enable=True)
        for column, top in load.setvals:
            w.setval(load.table, column, top)
    w.section("foreign keys checked, as the schema declares them")
    w.statement("SET CONSTRAINTS ALL IMMEDIATE;", "set-constraints")
    for table, fk in target.deferred:
        w.alter_constraint(table, fk, deferred=False)
    w.blank()
