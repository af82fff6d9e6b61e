"""The planner: once the input has been read, each column's type, each definition's
translation, and what the report says of them."""

from __future__ import annotations

from dumpconv import translate
from dumpconv.base.errors import DumpconvError
from dumpconv.base.pgsql import object_name
from dumpconv.base.report import Severity
from dumpconv.decide.frameworks import NAMES
from dumpconv.decide.typemap import (
    Decision,
    Reencode,
)
from dumpconv.pipeline.catalog import virtual_table_storage
from dumpconv.pipeline.columns import decide_columns, unstorable_text
from dumpconv.pipeline.derived import derived_shape, duration_hints
from dumpconv.pipeline.postdata import PostData
from dumpconv.pipeline.state import (
    Conversion,
    Plan,
    TablePlan,
    TableState,
)
from dumpconv.pipeline.target import plan_target
from dumpconv.read.schema import fold
from dumpconv.read.sqlite_ddl import json_checked_column
from dumpconv.write.spool import Recode

_TEXT = Decision("text")


class Planner:
    """Plans the output of one conversion from its state."""

    def __init__(self, st: Conversion) -> None:
        self.st = st

    def plan(self) -> Plan:
        """Decide every type and translate every definition; report what changes."""
        plan = Plan()
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
                f"table {state.table.name}: its {self.st.spool.rows(name)} rows are not loaded "
                "(--exclude-table-data)" if state is not None
                else f"--exclude-table-data {name} matched no table",
                line=state.table.line if state is not None else None,
            )  # fmt: skip
        if self.st.options.target is not None:
            if self.st.data_only:
                raise DumpconvError(
                    "--target-schema needs the tables' CREATE statements to match columns "
                    "by name, and this dump has only rows (sqlite3 .dump --data-only)",
                    None,
                    "dump the whole database: sqlite3 app.db .dump",
                )
            return plan_target(self.st, plan)
        if self.st.data_only:
            return self._plan_data_only(plan)
        for state in self.st.tables.values():
            # An identity's sequence gets PostgreSQL's own name unless a table took it; names
            # of tables, which applications use, come first.
            table = state.table
            alias = table.column(table.rowid_alias) if table.rowid_alias else None
            if alias is not None:
                wanted = object_name(table.pg, alias.pg, "seq")
                taken = self.st.schema.claim(wanted)
                table.identity_sequence = None if taken == wanted else taken
        for key, state in self.st.tables.items():
            plan.decisions[key] = decide_columns(state)
        _match_foreign_keys(self.st, plan)
        for key, state in self.st.tables.items():
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
        for state in self.st.tables.values():
            plan.tables.append(self._plan_table(state, plan))
        objects = PostData(self.st, plan)
        for kind, text, line in self.st.deferred:
            for item in objects.items(kind, text, line):
                self._report_left_out(item, line)
                plan.post.append(item)
        plan.post.extend(objects.fulltext())
        for name, sql, line in self.st.virtual:
            shadows = [w for w in self.st.skipped.values() if w.endswith(f"virtual table {name}")]
            comments = (
                f"dumpconv: virtual table {name} skipped (line {line}):",
                f"  {sql}",
                *(f"dumpconv: skipped {w}" for w in shadows),
            )
            plan.post.append(translate.PostItem("", 6, comments=comments))
        return plan

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
        return plan

    def _plan_table(self, state: TableState, plan: Plan) -> TablePlan:
        table = state.table
        decisions = plan.decisions[table.key]
        for col in table.columns:
            dec = decisions[col.key]
            if dec.reason and not dec.reason.startswith("matches the key"):
                cast = dec.reason.startswith(("--cast", *(f"{n}:" for n in NAMES.values())))
                self.st.report.add(
                    "cast-applied" if cast else "type-widened",
                    Severity.INFO if cast else Severity.WARNING,
                    f"{table.name}.{col.name}: declared {col.declared or 'without a type'}, "
                    f"{dec.pg_type}: {dec.reason}",
                    line=table.line,
                )  # fmt: skip
        stats = {c.key: st for c, st in zip(table.insert_columns, state.stats.columns,
                                             strict=True)}  # fmt: skip
        duration_hints(self.st, state, decisions)
        nulls = {k: st.classes.nulls for k, st in stats.items()}
        shaped = derived_shape(self.st, table, decisions)
        scope = translate.Scope(self.st.schema, [table], plan.types)
        in_place = translate.generated_in_place(
            table, scope, {k: d.pg_type for k, d in decisions.items()}
        )
        if shaped is None:
            made = translate.create_table(table, decisions, nulls, in_place)
        else:  # created as the framework makes it on PostgreSQL, empty
            made = translate.create_table(shaped[0], shaped[1], {})
        plan.extensions |= made.extensions
        notes = list(made.notes)
        post = list(made.post) + (shaped[2] if shaped is not None else [])
        unsafe = {c for t, c in plan.unsafe if t == table.key}
        post.extend(translate.key_items(table, self.st.schema, nulls, notes, unsafe))
        for fk in table.foreign_keys:
            post.append(translate.foreign_key_item(table, fk, self.st.schema, plan.types))
        for check in [*table.checks, *(c for col in table.columns for c in col.checks)]:
            json_col = json_checked_column(check.expr)
            if json_col is not None and decisions.get(fold(json_col), _TEXT).pg_type == "jsonb":
                notes.append(
                    translate.Note(f"CHECK ({check.expr}) dropped: jsonb holds only valid JSON")
                )
                continue
            post.append(translate.check_item(table, check, scope))
        for col in table.columns:
            if col.generated is not None and col.key not in in_place:
                post.append(translate.generated_item(table, col, decisions[col.key].pg_type, scope))
        for item in post:
            self._report_left_out(item, table.line)
        plan.post.extend(post)
        notes = [*(translate.Note(r, Severity.WARNING) for r in table.renamed), *notes]
        for note in notes:
            if note.severity is not None:
                self.st.report.add("definition-changed", note.severity, f"{table.name}: {note}",
                                line=table.line)  # fmt: skip

        reencode: dict[int, Recode] = {}
        for i, c in enumerate(table.insert_columns):
            how = decisions[c.key].reencode
            if how is not None:
                reencode[i] = how
        if shaped is None:
            unstorable_text(self.st, state, reencode, decisions)
        setval = None
        if table.rowid_alias is not None:
            alias = table.column(table.rowid_alias)
            assert alias is not None
            st = stats.get(alias.key)
            top = max(
                st.int_max if st is not None and st.int_max is not None else 0,
                self.st.sequences.get(table.key, 0),
            )
            setval = (alias.pg, top or None)
        return TablePlan(state, made.create, [str(n) for n in notes], reencode, setval,
                         left_out=shaped is not None)  # fmt: skip

    def _report_left_out(self, item: translate.PostItem, line: int) -> None:
        if item.left_out is not None:
            self.st.report.add("object-left-out", Severity.LOSSY, item.left_out, line=line)
        if item.changed is not None:
            self.st.report.add("definition-changed", Severity.LOSSY, item.changed, line=line)


def _match_foreign_keys(st: Conversion, plan: Plan) -> None:
    """An integer column referencing a bigint key becomes bigint too (SQLite's INTEGER
    is 64-bit; a narrower child could not hold the parent's future ids)."""
    for key, state in st.tables.items():
        table = state.table
        for fk in table.foreign_keys:
            parent = st.schema.get(fk.ref_table)
            if parent is None or fold(parent.name) not in plan.decisions:
                continue
            refs = fk.ref_columns or (parent.primary_key.columns if parent.primary_key else ())
            for child_name, ref_name in zip(fk.columns, refs, strict=False):
                child, ref = table.column(child_name), parent.column(ref_name)
                if child is None or ref is None:
                    continue
                mine = plan.decisions[key].get(child.key)
                theirs = plan.decisions[parent.key].get(ref.key)
                if mine and theirs and theirs.pg_type == "bigint" and mine.pg_type in (
                    "smallint", "integer"
                ):  # fmt: skip
                    plan.decisions[key][child.key] = Decision(
                        "bigint", f"matches the key it references, {parent.name}.{ref.name}"
                    )
