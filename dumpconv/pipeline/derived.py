"""What a framework's PostgreSQL side needs beyond column types: tables its migrations
build in another shape on PostgreSQL, which the application fills again itself
(``decide.frameworks.DERIVED``: Wagtail's search index), created in that shape, empty, with
the report saying how to refill them; and the columns the dump cannot type (Django's
DurationField), named with the cast that types them."""

from __future__ import annotations

import dataclasses

from dumpconv import translate
from dumpconv.base.report import Severity
from dumpconv.decide.frameworks import NAMES, derived_of, derived_table
from dumpconv.decide.typemap import Decision
from dumpconv.pipeline.state import Conversion, TableState
from dumpconv.read.schema import Affinity, Column, Table, fold
from dumpconv.read.triggers import trigger_names


def derived_shape(
    st: Conversion, table: Table, decisions: dict[str, Decision]
) -> tuple[Table, dict[str, Decision], list[translate.PostItem]] | None:
    """The table as the framework makes it on PostgreSQL (its columns, their types, its GIN
    indexes), when it is one of its derived tables; None otherwise."""
    derived = derived_table(st.framework, table.key)
    if derived is None:
        return None
    shaped = dict(derived.columns)
    why = f"{derived.what}, as {NAMES[st.framework or '']} creates it on PostgreSQL"
    columns: list[Column] = []
    decided = dict(decisions)
    for col in table.columns:
        if fold(col.name) in shaped:
            col = dataclasses.replace(col, not_null=True, default=None)
            decided[col.key] = Decision(shaped.pop(fold(col.name)), why)
        columns.append(col)
    for name, pg_type in shaped.items():
        col = Column(name=name, pg=name, declared=pg_type, affinity=Affinity.TEXT, not_null=True)
        columns.append(col)
        decided[col.key] = Decision(pg_type, why)
    rows = st.spool.rows(table.key)
    st.report.add(
        "derived-table", Severity.LOSSY if rows else Severity.INFO,
        f"table {table.name} is {derived.what}: created as on PostgreSQL, empty; its {rows} "
        f"rows are not loaded: rebuild it after the load ({derived.rebuild})",
        line=table.line,
    )  # fmt: skip
    indexes = [
        translate.gin_index_item(table.pg, st.schema.claim(name), column, st.schema.namespace)
        for name, column in derived.gin
    ]
    return dataclasses.replace(table, columns=columns), decided, indexes


def duration_hints(st: Conversion, state: TableState, decisions: dict[str, Decision]) -> None:
    """Django declares DurationField like BigIntegerField (bigint), SQLAlchemy Interval like
    DateTime (DATETIME, 1970-01-01 plus the interval): name the columns that may be
    durations, with the cast that makes them interval."""
    table = state.table
    if st.framework == "sqlalchemy":
        for col, cast, stats in zip(table.insert_columns, state.casts or [],
                                    state.stats.columns, strict=False):  # fmt: skip
            if (
                col.declared.strip().upper() == "DATETIME"
                and cast is None
                and decisions[col.key].pg_type == "timestamp"
                and stats.classes.texts
                and stats.latest < b"1971"
            ):
                st.report.add(
                    "maybe-duration", Severity.INFO,
                    f"{table.name}.{col.name}: every value is in 1970, as SQLAlchemy stores an "
                    "Interval (1970-01-01 plus it); kept timestamp",
                    line=table.line,
                    hint=f"if it is an Interval: --cast {table.name}.{col.name}=interval",
                )  # fmt: skip
        return
    if st.framework != "django":
        return
    fks = {fold(c) for fk in table.foreign_keys for c in fk.columns}
    for col, cast in zip(table.insert_columns, state.casts or [], strict=False):
        if (
            col.declared.strip().lower() == "bigint"
            and cast is None
            and col.key not in fks
            and decisions[col.key].pg_type == "bigint"
        ):
            st.report.add(
                "maybe-duration", Severity.INFO,
                f"{table.name}.{col.name}: Django declares DurationField and "
                "BigIntegerField alike bigint; kept bigint",
                line=table.line,
                hint=f"if it is a DurationField: --cast {table.name}.{col.name}=interval",
            )  # fmt: skip


def derived_trigger(st: Conversion, text: str, line: int) -> bool:
    """Whether a SQLite trigger only keeps the SQLite side of a derived table in sync (not
    needed on PostgreSQL): reported and skipped."""
    names = trigger_names(text, line)
    found = derived_of(st.framework, fold(names[1])) if names else None
    if names is None or found is None:
        return False
    st.report.add(
        "trigger-skipped", Severity.INFO,
        f"trigger {names[0]} on {names[1]} keeps the SQLite side of {found[1].what} "
        "in sync: not needed on PostgreSQL; skipped",
        line=line,
    )  # fmt: skip
    return True
