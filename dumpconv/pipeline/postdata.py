"""The schema objects a dump defines after its tables (indexes, views, triggers), translated
in input order: a trigger on a view needs to know whether its view was created."""

from __future__ import annotations

from dumpconv import translate
from dumpconv.pipeline.derived import derived_trigger
from dumpconv.pipeline.state import Conversion, Plan
from dumpconv.read.classify import Kind
from dumpconv.read.schema import Table, fold


class PostData:
    """Translates the deferred definitions of one conversion."""

    def __init__(self, st: Conversion, plan: Plan) -> None:
        self.st = st
        self.plan = plan
        self.views: dict[str, Table] = {}  # created views, as tables, by SQLite key
        self.converted = set(plan.decisions)  # keys of the tables created

    def items(self, kind: Kind, text: str, line: int) -> list[translate.PostItem]:
        plan = self.plan
        if kind is Kind.CREATE_INDEX:
            return [translate.index_item(text, line, self.st.schema, plan.types, plan.unsafe)]
        if kind is Kind.CREATE_VIEW:
            item = translate.view_item(text, line, self.st.schema, plan.types, self.views)
            if item.creates is not None:
                self.views[item.creates.key] = item.creates
            return [item]
        if derived_trigger(self.st, text, line):
            comments = (f"dumpconv: trigger skipped (line {line}):", f"  {text}")
            return [translate.PostItem("", 6, comments=comments)]
        return translate.trigger_items(text, line, self.st.schema, plan.types, self.target)

    def target(self, name: str) -> translate.Target | None:
        """A converted table or a created view a trigger may fire on."""
        table = self.st.schema.get(name)
        if table is not None and table.key in self.converted:
            return translate.Target(table.pg, table)
        view = self.views.get(fold(name))
        return translate.Target(view.pg, None) if view is not None else None
