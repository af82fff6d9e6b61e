"""The schema objects a dump defines after its tables (indexes, views, triggers), translated
in input order: a trigger on a view needs to know whether its view was created."""

from __future__ import annotations

from dumpconv import translate
from dumpconv.base.errors import DumpconvError
from dumpconv.base.report import Severity
from dumpconv.pipeline.derived import derived_trigger
from dumpconv.pipeline.state import Conversion, Plan
from dumpconv.read.classify import Kind
from dumpconv.read.lexer import Tok, tokenize
from dumpconv.read.schema import Table, fold
from dumpconv.read.triggers import trigger_names


class PostData:
    """Translates the deferred definitions of one conversion."""

    def __init__(self, st: Conversion, plan: Plan) -> None:
        self.st = st
        self.plan = plan
        self.views: dict[str, Table] = {}  # created views, as tables, by SQLite key
        self.converted = set(plan.decisions)  # keys of the tables created

    def items(self, kind: Kind, text: str, line: int) -> list[translate.PostItem]:
        plan = self.plan
        gone = self._on_left_out(kind, text, line)
        if gone is not None:
            return [gone]
        if kind is Kind.CREATE_INDEX:
            return [translate.index_item(text, line, self.st.schema, plan.types, plan.unsafe)]
        if kind is Kind.CREATE_VIEW:
            item = translate.view_item(text, line, self.st.schema, plan.types, self.views)
            if item.creates is not None:
                self.views[item.creates.key] = item.creates
            return [item]
        if derived_trigger(self.st, text, line) or self._fulltext_trigger(text, line):
            comments = (f"dumpconv: trigger skipped (line {line}):", f"  {text}")
            return [translate.PostItem("", 6, comments=comments)]
        return translate.trigger_items(text, line, self.st.schema, plan.types, self.target)

    def _on_left_out(self, kind: Kind, text: str, line: int) -> translate.PostItem | None:
        """An index or trigger on a table --include / --exclude left out goes with it: a
        comment and an info line (what reads a left-out table from a converted one is left
        out by its translator, and reported lossy)."""
        if kind is Kind.CREATE_VIEW:
            return None
        names = (
            translate.index_names(text, line)
            if kind is Kind.CREATE_INDEX
            else trigger_names(text, line)
        )
        if names is None or not self.st.schema.is_left_out(names[1]):
            return None
        what = f"{'index' if kind is Kind.CREATE_INDEX else 'trigger'} {names[0]} on {names[1]}"
        said = f"{what} left out with its table (--include/--exclude)"
        self.st.report.add("object-left-out", Severity.INFO, said, line=line)
        return translate.PostItem("", 6, comments=(f"dumpconv: {said} (line {line})",))

    def _fulltext_trigger(self, text: str, line: int) -> bool:
        """Whether a trigger keeps an FTS table in sync (it names one): skipped, reported."""
        try:
            names = {fold(t.value) for t in tokenize(text) if t.kind in (Tok.WORD, Tok.IDENT)}
        except DumpconvError:
            return False
        # Only an index over another table's rows (content=…) is kept in sync; an FTS table
        # with its own rows became a plain table, and a trigger writing it is not skipped.
        indexes = {k for k, fts in self.st.fulltext.items() if fts.content is not None}
        found = sorted(names & indexes)
        if not found:
            return False
        which = trigger_names(text, line)
        what = f"trigger {which[0]} on {which[1]}" if which else "trigger"
        fts = self.st.fulltext[found[0]].name
        done = (
            "the generated search column does that (--full-text)"
            if self.st.options.full_text
            else "that index is not recreated"
        )
        self.st.report.add(
            "trigger-skipped", Severity.INFO,
            f"{what} keeps SQLite's full-text index {fts} in sync: {done}; skipped", line=line,
        )  # fmt: skip
        return True

    def fulltext(self) -> list[translate.PostItem]:
        """With --full-text, each FTS table as a tsvector column and a GIN index on the table
        holding its rows."""
        items: list[translate.PostItem] = []
        if not self.st.options.full_text:
            return items
        for fts in self.st.fulltext.values():
            holder = self.st.schema.get(fts.content or f"{fts.name}_content")
            if holder is None or holder.key not in self.converted or fts.content == "":
                continue
            if fts.content is None:
                columns = holder.columns[1:]
            else:
                found = [holder.column(c) for c in fts.columns]
                columns = [c for c in found if c is not None]
                if len(columns) != len(found):
                    continue
            made, said = translate.fulltext_items(
                fts.name, fts.tokenize, holder, columns, self.plan.types, self.st.schema
            )
            items += made
            self.st.report.add("full-text", Severity.INFO, said, line=holder.line)
        return items

    def target(self, name: str) -> translate.Target | None:
        """A converted table or a created view a trigger may fire on."""
        table = self.st.schema.get(name)
        if table is not None and table.key in self.converted:
            return translate.Target(table.pg, table)
        view = self.views.get(fold(name))
        return translate.Target(view.pg, None) if view is not None else None
