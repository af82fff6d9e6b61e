"""Rows whose foreign key references no row, found before the load (``--target-schema``).

SQLite applications often run without foreign-key enforcement, so a dump can hold rows
that reference nothing; PostgreSQL checks every key of the target schema at the end of the
load, and one such row fails it all. The loaded values are compared as they will be
loaded (after conversion), per single-column key between loaded tables.
"""

from __future__ import annotations

from dumpconv.base.errors import DumpconvError
from dumpconv.base.report import Severity
from dumpconv.pipeline.state import Conversion, TablePlan
from dumpconv.read.pgschema import TargetTable

# Above this many parent rows the key set is not built (memory), and the check says so.
MAX_KEYS = 5_000_000


def check_orphans(
    st: Conversion, loads: dict[str, TargetTable], plans: dict[str, TablePlan]
) -> list[DumpconvError]:
    """Refusals for loaded rows whose key references no loaded row (when the load empties
    the tables first and checks keys; otherwise warnings)."""
    refused: list[DumpconvError] = []
    strict = st.options.existing_rows == "replace" and not st.options.disable_triggers
    keys: dict[tuple[str, str], set[bytes] | None] = {}
    for name, table in loads.items():
        for fk in table.foreign_keys:
            parent = loads.get(fk.ref_table)
            refs = fk.ref_columns or (parent.primary_key if parent is not None else ())
            if parent is None or len(fk.columns) != 1 or len(refs) != 1:
                continue
            child_col, parent_col = fk.columns[0], refs[0]
            load, parent_load = plans[name].target, plans[parent.name].target
            assert load is not None
            assert parent_load is not None
            if child_col not in load.columns or parent_col not in parent_load.columns:
                continue
            column = table.column(child_col)
            uuid = column is not None and column.type_name == "uuid"  # written either way
            if (parent.name, parent_col) not in keys:
                keys[(parent.name, parent_col)] = _values(
                    st, plans[parent.name], parent_col, uuid, set()
                )
            wanted = keys[(parent.name, parent_col)]
            if wanted is None:
                st.report.add("orphans-unchecked", Severity.INFO,
                              f"{name}.{child_col}: not checked against {parent.name} "
                              f"(more than {MAX_KEYS} rows)")  # fmt: skip
                continue
            missing: list[bytes] = []
            _values(st, plans[name], child_col, uuid, wanted, missing)
            if not missing:
                continue
            source = plans[name].state.table
            message = (
                f"table {source.name}: {len(missing)} rows have a {child_col} that no row of "
                f"{parent.name} has (first {_shown(missing[0])}); PostgreSQL's foreign key "
                f"{fk.name} would fail the load"
            )
            hint = (
                "delete those rows in SQLite, or --disable-triggers (superuser) loads them "
                "unchecked"
            )
            if strict:
                refused.append(DumpconvError(message, source.line, hint))
            else:
                st.report.add("orphans", Severity.WARNING, message, line=source.line, hint=hint)
    return refused


def _values(
    st: Conversion, plan: TablePlan, column: str, uuid: bool, against: set[bytes],
    missing: list[bytes] | None = None,
) -> set[bytes] | None:  # fmt: skip
    """The column's loaded values (as COPY text; UUIDs in one spelling), or, with
    ``missing``, those not in ``against`` appended to it. None when there are too many to
    hold."""
    load = plan.target
    assert load is not None
    key = plan.state.table.key
    if missing is None and st.spool.rows(key) > MAX_KEYS:
        return None
    at = load.keep[load.columns.index(column)]  # its place in the spooled rows
    for piece in st.spool.read(key, plan.reencode):
        values = [row.split(b"\t", at + 1)[at] for row in piece[:-1].split(b"\n")]
        if uuid:
            values = [_uuid_key(v) for v in values]
        if missing is None:
            against.update(values)
        else:
            missing.extend(v for v in values if v not in against and v != b"\\N")
    return against


def _uuid_key(value: bytes) -> bytes:
    """A UUID as PostgreSQL compares it: without hyphens, in lower case (NULL as it is)."""
    return value if value == b"\\N" else value.replace(b"-", b"").lower()


def _shown(value: bytes) -> str:
    text = value.decode("utf-8", "replace")
    return repr(text if len(text) <= 40 else text[:37] + "...")
