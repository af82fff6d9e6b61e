"""The writer side of a conversion: the planned script, in output order."""

from __future__ import annotations

from dumpconv.base.pgsql import valid_text
from dumpconv.pipeline.state import (
    Conversion,
    Plan,
)
from dumpconv.write.writer import Writer


def write_script(st: Conversion, w: Writer, plan: Plan, restrict_key: str | None) -> None:
    """Write the planned script: header, tables with their data, post-data, footer."""
    w.header(st.options.source, st.options.describe(), restrict_key)
    if st.incomplete:
        w.comment("dumpconv: WARNING: sqlite3 reported errors while dumping: rows are missing")
        w.comment("dumpconv: (converted with --allow-incomplete; see the report)")
        w.blank()
    if st.data_only:
        w.comment("dumpconv: data only (sqlite3 .dump --data-only): the tables must exist")
        w.comment("dumpconv: already, with the same columns in the same order; each is")
        w.comment("dumpconv: found by its SQLite name, exactly or else regardless of case")
        w.blank()
    for stage, t in enumerate(plan.tables, 1):
        table = t.state.table
        w.section(f"table {table.name} (line {table.line})")
        if table.external:
            data = st.spool.read(table.key, t.reencode)
            name = valid_text(table.name)  # reported (catalog.external_table)
            w.staged_copy(name, len(table.columns), stage, data, t.resync or 0)
            continue
        for note in t.notes:
            w.comment(f"dumpconv: {note}")
        if t.create:
            w.statement(t.create, "create-table")
            w.blank()
        cols = None if table.external else [c.pg for c in table.insert_columns]
        if st.spool.rows(table.key):
            w.copy(table.pg, cols, st.spool.read(table.key, t.reencode))
        if t.setval is not None:
            w.setval(table.pg, *t.setval)
    if plan.post:
        w.section("keys, indexes, foreign keys, checks and views (after the data)")
        for item in sorted(plan.post, key=lambda p: p.order):
            for text in item.comments:
                w.comment(text)
            if not item.sql:
                pass
            elif item.guard is None or st.options.strict:
                w.statement(item.sql, item.kind)
            else:
                w.guarded(item.sql, item.kind, item.guard, item.fk_fallback)
            w.blank()
        w.blank()
    w.footer(restrict_key)
