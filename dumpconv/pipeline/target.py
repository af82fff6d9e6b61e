"""The plan of a load into an existing schema (``--target-schema``): which target table and
columns each SQLite table's rows go to, converted to the target's types, in foreign-key
order, with every sequence moved past the loaded ids.

What cannot arrive is said before anything is written: a SQLite table or column with no
target (``lossy`` when it holds values), a NOT NULL target column nothing fills (refused),
a value the target type cannot hold (refused, with its line) or rounds (``lossy``).
"""

from __future__ import annotations

from dumpconv.base.errors import DumpconvError, Refusals
from dumpconv.base.report import Severity
from dumpconv.decide.typemap import Decision
from dumpconv.pipeline.columns import decide_columns, unstorable_text
from dumpconv.pipeline.fkorder import Reference, referenced_first
from dumpconv.pipeline.orphans import check_orphans
from dumpconv.pipeline.state import (
    Conversion,
    Plan,
    TablePlan,
    TableState,
    TargetLoad,
    TargetPlan,
)
from dumpconv.read.pgschema import TargetColumn, TargetSchema, TargetTable
from dumpconv.write.spool import Recode


def plan_target(st: Conversion, plan: Plan) -> Plan:
    """Plan the data-only load of every table into the schema of ``st.options.target``."""
    target = st.options.target
    assert target is not None
    loads: dict[str, TargetTable] = {}
    by_target: dict[str, TablePlan] = {}
    refused: list[DumpconvError] = []
    for key, state in st.tables.items():
        table = state.table
        found = target.table(table.name)
        rows = st.spool.rows(key)
        if key in st.options.exclude_data:
            continue  # reported by the planner
        if found is None:
            st.report.add(
                "target-table-missing", Severity.LOSSY if rows else Severity.INFO,
                f"table {table.name}: the target schema has no table of this name; its "
                f"{rows} rows are not loaded",
                line=table.line,
                hint="create the table in PostgreSQL (a migration), then write the target "
                "schema again",
            )  # fmt: skip
            continue
        if found.name in loads:
            refused.append(DumpconvError(
                f"tables {by_target[found.name].state.table.name} and {table.name} both "
                f"match the target table {found.name}",
                table.line,
                "rename one of them in SQLite",
            ))  # fmt: skip
            continue
        decisions = decide_columns(state, refused)
        plan.decisions[key] = decisions
        try:
            made = _table_plan(st, state, found, decisions, rows)
        except DumpconvError as e:
            refused.append(e)
            continue
        if made is not None:
            loads[found.name] = found
            by_target[found.name] = made
    if not refused:
        refused.extend(check_orphans(st, loads, by_target))
    if refused:
        raise Refusals(refused)
    order, deferred = _load_order(target, loads)
    plan.tables = [by_target[name] for name in order]
    replace = st.options.existing_rows == "replace"
    also = _emptied_with(target, loads) if replace else {}
    emptied = [*order, *also] if replace else []
    plan.target = TargetPlan(target.schema, deferred, emptied, st.options.disable_triggers)
    _report_frame(st, loads, deferred, also)
    return plan


def _table_plan(
    st: Conversion, state: TableState, found: TargetTable, decisions: dict[str, Decision],
    rows: int,
) -> TablePlan | None:  # fmt: skip
    table = state.table
    keep: list[int] = []
    names: list[str] = []
    setvals: list[tuple[str, int | None]] = []
    reencode: dict[int, Recode] = {}
    unsupported: list[tuple[str, int]] = []  # reported unless the table is left out
    for i, (col, cst) in enumerate(zip(table.insert_columns, state.stats.columns, strict=True)):
        column = found.column(col.name)
        values = cst.count - cst.classes.nulls
        where = f"{table.name}.{col.name}"
        if column is None or column.generated:
            why = (
                "the target table has no column of this name"
                if column is None
                else f"{found.name}.{column.name} is a generated column: PostgreSQL computes it"
            )
            severity = Severity.LOSSY if column is None else Severity.WARNING
            st.report.add(
                "target-column-missing", severity if values else Severity.INFO,
                f"{where}: {why}; "
                + (f"its {values} values are not loaded" if values else "it holds no values"),
                line=table.line,
            )  # fmt: skip
            continue
        if column.name in names:
            raise DumpconvError(
                f"{where} and another column of {table.name} both match the target column "
                f"{found.name}.{column.name}",
                table.line,
                "rename one of them in SQLite",
            )
        cast = state.casts[i] if state.casts else None
        if cast is None or not cast.target:  # a type dumpconv has no conversion to
            if values:
                value, line = next(iter(cst.first.values()))
                rebuild = " (a search vector: rebuild it from the application)"
                unsupported.append((
                    f"{where}: its target column {found.name}.{column.name} is "
                    f"{column.shown}, a type dumpconv does not convert to; its {values} "
                    f"values are not loaded, first {value!r}"
                    + (rebuild if column.type_name == "tsvector" else ""),
                    line,
                ))  # fmt: skip
            continue
        if column.not_null and cst.classes.nulls:
            raise DumpconvError(
                f"{where} holds {cst.classes.nulls} NULLs, and its target column "
                f"{found.name}.{column.name} is NOT NULL",
                table.line,
                "fill them in SQLite (UPDATE … SET … WHERE … IS NULL), or allow NULL in "
                "PostgreSQL and write the target schema again",
            )
        dec = decisions[col.key]
        if dec.lossy is not None:
            st.report.add("value-rounded", Severity.LOSSY,
                          f"{where}{_into(found.name, column.name, table.name, col.name)}: "
                          f"{dec.lossy}",
                          line=table.line)  # fmt: skip
        if dec.reencode is not None:
            reencode[i] = dec.reencode
        keep.append(i)
        names.append(column.name)
        if column.sequence:
            top = cst.int_max or 0
            if col.name == table.rowid_alias:
                top = max(top, st.sequences.get(table.key, 0))
            setvals.append((column.name, top or None))
    unfilled = [
        c for c in found.columns
        if rows and c.name not in names and c.not_null
        and not (c.default or c.identity or c.generated)
    ]  # fmt: skip
    if unfilled and any(c.type_name == "tsvector" for c in found.columns):
        # A search index the application builds on PostgreSQL only (Wagtail's): derived
        # data in another shape, rebuilt by the application.
        st.report.add(
            "target-search-index", Severity.LOSSY,
            f"table {table.name}: its target {found.name} is a full-text search index of "
            f"another shape ({', '.join(c.name for c in unfilled)} cannot be filled); its "
            f"{rows} rows are not loaded: rebuild the index from the application (Wagtail: "
            "manage.py update_index)",
            line=table.line,
        )  # fmt: skip
        return None
    for message, line in unsupported:
        st.report.add("target-type-unsupported", Severity.LOSSY, message, line=line)
    for column in unfilled:
        dumped = next((c for c in table.insert_columns if found.column(c.name) is column), None)
        why = (
            f"the dump's column {dumped.name} is left out (its type is {column.shown})"
            if dumped is not None
            else "the dump has no column for it"
        )
        raise DumpconvError(
            f"table {table.name}: the target column {found.name}.{column.name} is NOT NULL "
            f"without a default, and {why}",
            table.line,
            "add the column in SQLite, or give it a DEFAULT in PostgreSQL and write the "
            "target schema again",
        )
    for column in found.columns:
        filled = column.default or column.identity or column.generated
        if column.name in names or not rows:
            continue
        st.report.add("target-column-default", Severity.INFO,
                      f"{found.name}.{column.name}: not in the dump; "
                      f"{_filled_by(column) if filled else 'NULL'}",
                      line=table.line)  # fmt: skip
    if not names:
        if rows:
            st.report.add("target-table-missing", Severity.LOSSY,
                          f"table {table.name}: no column matches one of {found.name}; its "
                          f"{rows} rows are not loaded", line=table.line)  # fmt: skip
        return None
    unstorable_text(st, state, reencode, None)
    load = TargetLoad(found.name, names, keep, setvals)
    return TablePlan(state, "", [], reencode, None, target=load)


def _filled_by(column: TargetColumn) -> str:
    if column.generated:
        return "PostgreSQL computes it"
    return "its identity fills it" if column.identity else "its default fills it"


def _into(target_table: str, target_column: str, table: str, column: str) -> str:
    """`` (into t.c)`` when the target's names differ from SQLite's."""
    if (target_table, target_column) == (table, column):
        return ""
    return f" (into {target_table}.{target_column})"


def _load_order(
    target: TargetSchema, loads: dict[str, TargetTable]
) -> tuple[list[str], list[tuple[str, str]]]:
    """Referenced tables first; the foreign keys no order satisfies (a table referencing
    itself, or a cycle), unless PostgreSQL may already defer them, made deferrable for the
    load."""
    refs = {
        name: [Reference(fk.ref_table, fk.deferrable, fk.name) for fk in table.foreign_keys
               if fk.ref_schema == target.schema]
        for name, table in loads.items()
    }  # fmt: skip
    order, unsatisfied = referenced_first(refs)
    return order, [(name, ref.name) for name, ref in unsatisfied]


def _emptied_with(target: TargetSchema, loads: dict[str, TargetTable]) -> dict[str, str]:
    """The tables not loaded that reference an emptied table, directly or through another
    (TRUNCATE must name them too), each with the table it references."""
    emptied: dict[str, str] = {}
    done = set(loads)
    changed = True
    while changed:
        changed = False
        for other in target.tables.values():
            if other.schema != target.schema or other.name in done:
                continue
            refs = [fk.ref_table for fk in other.foreign_keys
                    if fk.ref_schema == target.schema and fk.ref_table in done]  # fmt: skip
            if refs:
                emptied[other.name] = refs[0]
                done.add(other.name)
                changed = True
    return emptied


def _report_frame(
    st: Conversion, loads: dict[str, TargetTable], deferred: list[tuple[str, str]],
    also: dict[str, str],
) -> None:  # fmt: skip
    """What the load does to the target beyond adding rows."""
    options = st.options
    if options.existing_rows == "replace" and loads:
        st.report.add(
            "target-tables-emptied", Severity.WARNING,
            f"the {len(loads)} tables loaded are emptied first (TRUNCATE): rows the "
            "application's migrations wrote there are replaced by the dump's",
            hint="--existing-rows append keeps them",
        )  # fmt: skip
        for name, parent in also.items():
            st.report.add(
                "target-table-emptied", Severity.WARNING,
                f"table {name} is not loaded but is emptied too: it references {parent}, "
                "which is emptied (PostgreSQL empties both or neither); its rows, if it has "
                "any, are lost",
            )  # fmt: skip
    for name, fk in deferred:
        st.report.add("target-fk-deferred", Severity.INFO,
                      f"{name}: foreign key {fk} is checked at the end of the load (its rows "
                      "reference their own table, or a cycle of tables)")  # fmt: skip
    for table in loads.values():
        for trigger in table.triggers:
            st.report.add(
                "target-trigger", Severity.INFO if options.disable_triggers else Severity.WARNING,
                f"{table.name}: trigger {trigger} "
                + ("is disabled during the load" if options.disable_triggers
                   else "fires for every loaded row and may change it"),
                hint=None if options.disable_triggers else "--disable-triggers (superuser)",
            )  # fmt: skip
