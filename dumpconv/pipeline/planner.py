"""The planner: each table's types once its rows are complete, the definitions after the
tables once the input has been read, and what the report says of them (the per-table work
is in ``tableplan``)."""

from __future__ import annotations

from dataclasses import replace

from dumpconv import translate
from dumpconv.base.errors import DumpconvError
from dumpconv.base.pgsql import object_name
from dumpconv.base.report import Report, Severity
from dumpconv.decide.typemap import (
    Decision,
    Reencode,
)
from dumpconv.pipeline.catalog import virtual_table_storage
from dumpconv.pipeline.columns import decide_columns, unstorable_text
from dumpconv.pipeline.postdata import PostData
from dumpconv.pipeline.state import (
    Conversion,
    Plan,
    TablePlan,
    TableState,
)
from dumpconv.pipeline.tableplan import (
    match_foreign_keys,
    plan_table,
    report_left_out,
    table_post,
)
from dumpconv.pipeline.target import plan_target
from dumpconv.write.spool import Recode

_TEXT = Decision("text")


class Planner:
    """Plans the output of one conversion: a table as soon as its rows are complete
    (:meth:`table`), the rest once the input has been read (:meth:`finish`); a load into an
    existing schema, or rows only, once the whole input is read (:meth:`plan_buffered`)."""

    def __init__(self, st: Conversion) -> None:
        self.st = st
        self.plan = Plan()
        # A child column written as integer whose parent key, decided later, is bigint.
        self._widen_later: list[tuple[TableState, str]] = []

    def plan_buffered(self) -> Plan:
        """--target-schema or a data-only dump: every table at once."""
        self._check_options()
        if self.st.options.target is not None:
            if self.st.data_only:
                raise DumpconvError(
                    "--target-schema needs the tables' CREATE statements to match columns "
                    "by name, and this dump has only rows (sqlite3 .dump --data-only)",
                    None,
                    "dump the whole database: sqlite3 app.db .dump",
                )
            plan = plan_target(self.st, self.plan)
        else:
            plan = self._plan_data_only(self.plan)
        if self.st.options.strict:
            self._refuse_lossy()
        return plan

    def table(self, state: TableState) -> TablePlan:
        """Decide one table's types from all its rows: its CREATE TABLE and how its spooled
        rows are written."""
        plan = self.plan
        key = state.table.key
        table = state.table
        alias = table.column(table.rowid_alias) if table.rowid_alias else None
        if alias is not None:
            # An identity's sequence gets PostgreSQL's own name unless a relation took it (a
            # table read later takes it back: read.schema.Schema.claim_table).
            wanted = object_name(table.pg, alias.pg, "seq")
            taken = self.st.schema.claim_sequence(wanted, table)
            table.identity_sequence = None if taken == wanted else taken
        plan.decisions[key] = decide_columns(state)
        match_foreign_keys(self.st, plan, state, self._widen_later)
        replaced = {state.table.insert_columns[c].key for c in state.replaced}
        replaced = {k for k in replaced if plan.decisions[key][k].pg_type != "bytea"}
        # A column that held several kinds of values (1 and '1') may hold equal ones now.
        mixed = {
            col.key
            for col, st in zip(state.table.insert_columns, state.stats.columns, strict=True)
            if len(st.classes.kinds) > 1
        }
        for col in state.table.columns:
            dec = plan.decisions[key][col.key]
            plan.types[(key, col.key)] = dec.pg_type
            if (
                dec.pg_type in translate.MERGING_TYPES
                or dec.reencode is Reencode.TO_BYTEA
                or col.key in replaced
                or col.key in mixed
                # citext folds all of Unicode, NOCASE only ASCII: 'É' and 'é' meet.
                or translate.case_insensitive(col.collate, dec.pg_type)
            ):
                plan.unsafe.add((key, col.key))
        made = plan_table(self.st, plan, state)
        plan.tables.append(made)
        if self.st.options.strict:
            self._refuse_lossy()
        return made

    def sketch(self, state: TableState) -> tuple[TablePlan, set[str]] | None:
        """The plan :meth:`table` would make if the table's rows ended here, and the
        extensions it would need, leaving no trace (report, plan, names); None when it
        would fail (``--strict``, a cast the rows so far do not fit)."""
        st, table = self.st, state.table
        kept = (st.report, self.plan, self._widen_later, table.identity_sequence, state.in_place)
        plan = self.plan
        self.plan = Plan(
            {k: dict(v) for k, v in plan.decisions.items()}, dict(plan.types), set(plan.unsafe),
            extensions=set(plan.extensions),
        )  # fmt: skip
        st.report = Report(tables={k: replace(v) for k, v in kept[0].tables.items()})
        self._widen_later = []
        try:
            with st.schema.trial():
                return self.table(state), self.plan.extensions
        except DumpconvError:
            return None
        finally:
            st.report, self.plan, self._widen_later = kept[:3]
            table.identity_sequence, state.in_place = kept[3:]

    def finish(self) -> Plan:
        """Once the input is read: what the options matched, keys, foreign keys, checks,
        indexes, views and triggers, in input order."""
        plan = self.plan
        self._check_options()
        for state, column in self._widen_later:
            plan.post.append(translate.widen_item(state.table, column, self.st.schema.namespace))
        for state in self.st.tables.values():
            if state.table.key in plan.decisions:
                table_post(self.st, plan, state)
        plan.post.extend(self._left_out())  # first of what is only described
        objects = PostData(self.st, plan)
        for kind, text, line in self.st.deferred:
            for item in objects.items(kind, text, line):
                report_left_out(self.st, item, line)
                plan.post.append(item)
        plan.post.extend(objects.fulltext())
        for name, sql, line in self.st.virtual:
            if self.st.schema.is_left_out(name):
                continue  # said by _left_out
            shadows = [w for w in self.st.skipped.values() if w.endswith(f"virtual table {name}")]
            comments = (
                f"dumpconv: virtual table {name} skipped (line {line}):",
                f"  {sql}",
                *(f"dumpconv: skipped {w}" for w in shadows),
            )
            plan.post.append(translate.PostItem("", 6, comments=comments))
        if self.st.options.strict:
            self._refuse_lossy()
        return plan

    def _left_out(self) -> list[translate.PostItem]:
        """What --include / --exclude left out, said in the script as in the report."""
        said = tuple(f"dumpconv: {self.st.skipped[k]}" for k in self.st.schema.left_out)
        return [translate.PostItem("", 6, comments=said)] if said else []

    def _refuse_lossy(self) -> None:
        """--strict: stop at the first value or definition that would change."""
        lossy = self.st.report.lossy
        if lossy:
            raise DumpconvError(
                f"{len(lossy)} values or definitions would change, first: {lossy[0].message}",
                lossy[0].line,
                "run without --strict to convert with these changes (they are reported)",
            )

    def _check_options(self) -> None:
        """--cast, --exclude-table-data, --include and --exclude name columns and tables of
        the dump."""
        self.st.selection.report_unmatched(self.st.report)
        for cast in self.st.options.casts:
            if cast not in self.st.used_casts:
                if cast.table is not None and not self.st.data_only:
                    raise DumpconvError(
                        f"--cast {cast.text}: the dump has no such column",
                        None,
                        "name the column as the CREATE TABLE does: TABLE.COLUMN",
                    )
                self.st.report.add("cast-unused", Severity.WARNING,
                                f"--cast {cast.text} matched no column")  # fmt: skip
        for name in sorted(self.st.options.exclude_data):
            state = self.st.tables.get(name)
            self.st.report.add(
                "rows-excluded", Severity.WARNING,
                f"table {state.table.name}: its {state.stats.rows} rows are not loaded "
                "(--exclude-table-data)" if state is not None
                else f"--exclude-table-data {name} matched no table",
                line=state.table.line if state is not None else None,
            )  # fmt: skip

    def _plan_data_only(self, plan: Plan) -> Plan:
        """Rows only: COPY into tables that exist, reals as shortest digits (the column may be
        numeric or text as well as double), sequences moved past the data."""
        internal = virtual_table_storage(
            {s.table.key: s.table.name for s in self.st.tables.values()}
        )
        for key, state in self.st.tables.items():
            table = state.table
            if key in internal:
                self.st.report.add(
                    "virtual-table-skipped", Severity.LOSSY,
                    f"rows of {table.name} skipped: {internal[key]}", line=table.line,
                )  # fmt: skip
                continue
            reencode: dict[int, Recode] = dict.fromkeys(
                range(len(table.columns)), Reencode.REAL_SHORTEST
            )
            unstorable_text(self.st, state, reencode, None)
            seq = self.st.sequences.get(key, 0)
            plan.tables.append(TablePlan(state, "", [], reencode, None, resync=seq))
        plan.post.extend(self._left_out())
        return plan
