"""--data-only: the rows of a whole dump, and its sequences moved past them, for the
tables a --schema-only script of the same dump created.

That schema has its keys, foreign keys and checks already, so rows are loaded referenced
tables first (``fkorder``, as for --target-schema). Keys declared DEFERRABLE are checked at
COMMIT (``SET CONSTRAINTS ALL DEFERRED``). A key no order satisfies (tables referencing
each other, or a table itself when its rows are INSERT statements: a COPY is checked at its
end) is what pg_dump --data-only warns of: the script and the report say the load may
fail, unless ``--disable-triggers`` loads every table with its triggers off, as pg_dump's
(superuser; keys unchecked).

Rows breaking a key the schema-only script created on empty tables (a foreign key to no
row, which SQLite lets through and the whole script answers with NOT VALID after the data)
fail the load, as they would with pg_dump: the whole script, or --disable-triggers, loads
them.
"""

from __future__ import annotations

import re

from dumpconv.base.report import Severity
from dumpconv.pipeline.fkorder import Reference, referenced_first
from dumpconv.pipeline.state import Conversion, TablePlan

_DEFERRABLE = re.compile(r"(?<!NOT )DEFERRABLE")


def load_order(
    st: Conversion, tables: list[TablePlan], per_insert: int | None
) -> tuple[list[TablePlan], dict[str, str]]:
    """The tables in load order, and the tables whose keys no order satisfies, each with
    the warning the script shows (reported too)."""
    by_key = {t.state.table.key: t for t in tables}
    refs: dict[str, list[Reference]] = {}
    for key, t in by_key.items():
        refs[key] = []
        for fk in t.state.table.foreign_keys:
            parent = st.schema.get(fk.ref_table)
            if parent is not None and parent.key in by_key:
                deferrable = _DEFERRABLE.search(fk.actions.upper()) is not None
                refs[key].append(Reference(parent.key, deferrable, fk.name or ""))
    order, unsatisfied = referenced_first(refs)
    # A table's own key is checked at the end of each statement: one COPY holds all rows.
    risky = {name for name, ref in unsatisfied if ref.table != name or per_insert is not None}
    warnings = {key: _warn(st, by_key[key]) for key in order if key in risky}
    return [by_key[key] for key in order], warnings


def _warn(st: Conversion, t: TablePlan) -> str:
    table = t.state.table
    if st.options.disable_triggers:
        message = (
            f"table {table.name}: its foreign keys form a cycle no load order satisfies; "
            "the triggers (foreign keys included) are disabled while rows load "
            "(--disable-triggers): those keys are not checked"
        )
        st.report.add("data-only-fk-unchecked", Severity.WARNING, message, line=table.line)
    else:
        message = (
            f"table {table.name}: its foreign keys form a cycle no load order satisfies; "
            "the load fails if a row references one loaded after it"
        )
        hint = (
            "--disable-triggers loads it with its triggers off (superuser), as pg_dump; or "
            "declare the key DEFERRABLE INITIALLY DEFERRED in SQLite"
        )
        st.report.add("data-only-fk-cycle", Severity.WARNING, message, line=table.line,
                      hint=hint)  # fmt: skip
    return message
