"""What the planner decides per table: its CREATE TABLE and how its rows are written (as
soon as they are complete), its keys, foreign keys, checks and generated columns (once every
table has its name), and the foreign key columns that follow their parent key's type."""

from __future__ import annotations

from dumpconv import translate
from dumpconv.base.report import ColumnChoice, Severity
from dumpconv.decide.frameworks import NAMES
from dumpconv.decide.typemap import Decision
from dumpconv.pipeline.columns import unstorable_text
from dumpconv.pipeline.derived import derived_shape, duration_hints
from dumpconv.pipeline.state import Conversion, Plan, TablePlan, TableState
from dumpconv.read.schema import CheckConstraint, Table, fold
from dumpconv.read.sqlite_ddl import json_checked_column
from dumpconv.write.spool import Recode

_TEXT = Decision("text")


def plan_table(st: Conversion, plan: Plan, state: TableState) -> TablePlan:
    """A table whose types are decided: its CREATE TABLE, notes and re-encoding."""
    table = state.table
    decisions = plan.decisions[table.key]
    for col in table.columns:
        dec = decisions[col.key]
        if dec.reason and not dec.reason.startswith("matches the key"):
            cast = dec.reason.startswith(("--cast", *(f"{n}:" for n in NAMES.values())))
            st.report.add(
                "cast-applied" if cast else "type-widened",
                Severity.INFO if cast else Severity.WARNING,
                f"{table.name}.{col.name}: declared {col.declared or 'without a type'}, "
                f"{dec.pg_type}: {dec.reason}",
                line=table.line,
            )  # fmt: skip
    duration_hints(st, state, decisions)
    counts = st.report.tables[table.name]
    counts.pg_name = table.pg
    counts.columns = [
        ColumnChoice(c.name, c.declared, c.pg, decisions[c.key].pg_type) for c in table.columns
    ]
    shaped = derived_shape(st, table, decisions)
    scope = translate.Scope(st.schema, [table], plan.types)
    in_place = translate.generated_in_place(
        table, scope, {k: d.pg_type for k, d in decisions.items()}
    )
    state.in_place = set(in_place)
    if shaped is None:
        made = translate.create_table(
            table, decisions, _nulls(state), in_place, namespace=st.schema.namespace
        )
    else:  # created as the framework makes it on PostgreSQL, empty
        made = translate.create_table(shaped[0], shaped[1], {}, namespace=st.schema.namespace)
    plan.extensions |= made.extensions
    notes = [*(translate.Note(r, Severity.WARNING) for r in table.renamed), *made.notes]
    notes += [
        translate.Note(f"CHECK ({check.expr}) dropped: jsonb holds only valid JSON")
        for check in _checks(table)
        if _json_check(check, decisions)
    ]
    plan.post.extend(made.post)
    if shaped is not None:
        plan.post.extend(shaped[2])
    for item in [*made.post, *(shaped[2] if shaped is not None else [])]:
        report_left_out(st, item, table.line)
    for note in notes:
        if note.severity is not None:
            st.report.add("definition-changed", note.severity, f"{table.name}: {note}",
                            line=table.line)  # fmt: skip

    reencode: dict[int, Recode] = {}
    for i, c in enumerate(table.insert_columns):
        how = decisions[c.key].reencode
        if how is not None:
            reencode[i] = how
    if shaped is None:
        notes += [translate.Note(c, None) for c in unstorable_text(st, state, reencode, decisions)]
    return TablePlan(state, made.create, [str(n) for n in notes], reencode,
                     _setval(state), left_out=shaped is not None)  # fmt: skip


def _setval(state: TableState) -> tuple[str, int | None] | None:
    """The identity's column and the largest id the sequence must move past (the data's,
    or sqlite_sequence's when larger: that comes at the end of a dump)."""
    table = state.table
    if table.rowid_alias is None:
        return None
    alias = table.column(table.rowid_alias)
    assert alias is not None
    i = next(i for i, c in enumerate(table.insert_columns) if c.key == alias.key)
    top = state.stats.columns[i].int_max
    return (alias.pg, top if top is not None else None)


def table_post(st: Conversion, plan: Plan, state: TableState) -> None:
    """A table's keys, foreign keys, checks and generated columns added after the data:
    built once every table has claimed its name (tables' names come first)."""
    table = state.table
    decisions = plan.decisions[table.key]
    notes: list[translate.Note] = []
    scope = translate.Scope(st.schema, [table], plan.types)
    unsafe = {c for t, c in plan.unsafe if t == table.key}
    post = translate.key_items(table, st.schema, _nulls(state), notes, unsafe)
    for fk in table.foreign_keys:
        post.append(translate.foreign_key_item(table, fk, st.schema, plan.types))
    for check in _checks(table):
        if not _json_check(check, decisions):
            post.append(translate.check_item(table, check, scope))
    for col in table.columns:
        if col.generated is not None and col.key not in state.in_place:
            post.append(translate.generated_item(table, col, decisions[col.key].pg_type, scope))
    for note in notes:
        if note.severity is not None:
            st.report.add("definition-changed", note.severity, f"{table.name}: {note}",
                            line=table.line)  # fmt: skip
    if notes:
        said = tuple(f"dumpconv: {table.name}: {n}" for n in notes)
        plan.post.append(translate.PostItem("", 0, comments=said))
    for item in post:
        report_left_out(st, item, table.line)
    plan.post.extend(post)


def match_foreign_keys(
    st: Conversion, plan: Plan, state: TableState, widen: list[tuple[TableState, str]]
) -> None:
    """An integer column referencing a bigint key becomes bigint too (SQLite's INTEGER
    is 64-bit; a narrower child could not hold the parent's future ids). The parent may
    be decided before the child (the column is created bigint) or after it (the column
    is widened after the data, before the keys: ``widen``); this table's own
    parents and children are matched now."""
    decisions = plan.decisions
    for child_state in st.tables.values():
        child_table = child_state.table
        if child_table.key not in decisions:
            continue
        for fk in child_table.foreign_keys:
            parent = st.schema.get(fk.ref_table)
            if parent is None or parent.key not in decisions:
                continue
            if state.table.key not in (child_table.key, parent.key):
                continue
            refs = fk.ref_columns or (parent.primary_key.columns if parent.primary_key else ())
            for child_name, ref_name in zip(fk.columns, refs, strict=False):
                child, ref = child_table.column(child_name), parent.column(ref_name)
                if child is None or ref is None:
                    continue
                mine = decisions[child_table.key].get(child.key)
                theirs = decisions[parent.key].get(ref.key)
                if not (
                    mine and theirs and theirs.pg_type == "bigint"
                    and mine.pg_type in ("smallint", "integer")
                ):  # fmt: skip
                    continue
                wider = Decision(
                    "bigint", f"matches the key it references, {parent.name}.{ref.name}"
                )
                decisions[child_table.key][child.key] = wider
                if child_table.key != state.table.key:  # the child's rows are written already
                    plan.types[(child_table.key, child.key)] = "bigint"
                    widen.append((child_state, child.key))
                    st.report.add(
                        "type-widened", Severity.INFO,
                        f"{child_table.name}.{child.name}: bigint after the data, as the "
                        f"key it references, {parent.name}.{ref.name}",
                        line=child_table.line,
                    )  # fmt: skip


def report_left_out(st: Conversion, item: translate.PostItem, line: int) -> None:
    """A post-data item left out, or created with a part dropped, is a lossy line."""
    if item.left_out is not None:
        st.report.add("object-left-out", Severity.LOSSY, item.left_out, line=line)
    if item.changed is not None:
        st.report.add("definition-changed", Severity.LOSSY, item.changed, line=line)


def _nulls(state: TableState) -> dict[str, int]:
    """NULLs per column of a table's rows (a column holding some cannot be a primary key)."""
    cols = zip(state.table.insert_columns, state.stats.columns, strict=True)
    return {c.key: st.classes.nulls for c, st in cols}


def _checks(table: Table) -> list[CheckConstraint]:
    return [*table.checks, *(c for col in table.columns for c in col.checks)]


def _json_check(check: CheckConstraint, decisions: dict[str, Decision]) -> bool:
    """A json_valid() CHECK on a column that became jsonb, which holds only valid JSON."""
    column = json_checked_column(check.expr)
    return column is not None and decisions.get(fold(column), _TEXT).pg_type == "jsonb"
