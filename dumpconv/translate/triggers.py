"""SQLite triggers as PL/pgSQL: a trigger function holding the translated body, and the
CREATE TRIGGER that calls it for each row.

What SQLite does and the function does the same way:

* **Not recursive.** SQLite (``recursive_triggers`` off, its default) does not fire a
  trigger from its own body: an ``AFTER UPDATE`` trigger that updates its table runs once.
  The function keeps a list of the triggers running in the transaction-local setting
  ``dumpconv.triggers`` and returns at once when it is already on it.
* **Not during a load.** Rows dumpconv loads already hold what SQLite's triggers did: the
  function does nothing while ``dumpconv.loading`` is on, as every dumpconv script sets it
  (a data-only load into tables a full conversion created must not fire them again).
* **WHEN** is tested first, inside the function (PostgreSQL allows no WHEN on a view's
  INSTEAD OF trigger).
* **RAISE(ABORT|FAIL|ROLLBACK, message)** raises an error with SQLite's message, of class 23
  (integrity constraint violation), which drivers report as SQLite's RAISE is reported (an
  IntegrityError); **RAISE(IGNORE)** skips the row (``RETURN NULL``).
* **INSERT OR IGNORE** is ``ON CONFLICT DO NOTHING``; **INSERT OR REPLACE** updates the row
  holding the same primary key (the table's only unique key; otherwise it is left out).
* Values are assigned as SQLite would store them in the column's chosen type: the clock
  (``CURRENT_TIMESTAMP``) as that type, text into a timestamptz as UTC, NULL into the
  INTEGER PRIMARY KEY as a new id.

A body statement that cannot be translated leaves the whole trigger out, reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from dumpconv.base.errors import TranslateError
from dumpconv.base.pgsql import dollar_quote, qualified, quote_ident
from dumpconv.read.lexer import Tok, tokenize
from dumpconv.read.schema import Column, Schema, Table, fold
from dumpconv.read.triggers import Trigger, read_trigger
from dumpconv.translate.clock import NotClock, clock_default
from dumpconv.translate.expressions import (
    Scope,
    Untranslatable,
    generate,
    ident,
    is_raise,
    parse,
    qualify_tables,
    rewrite,
)
from dumpconv.translate.items import PostItem, is_text_type, left_out

ORDER = 7  # after views (an INSTEAD OF trigger needs its view)

# The transaction-local list of running triggers (see the module docstring).
_RUNNING = "'dumpconv.triggers'"


@dataclass(frozen=True, slots=True)
class Target:
    """What a trigger fires on: a converted table, or a created view (``table`` None)."""

    pg: str
    table: Table | None


def trigger_items(
    text: str,
    line: int,
    schema: Schema,
    types: dict[tuple[str, str], str],
    targets: Callable[[str], Target | None],
) -> list[PostItem]:
    """The function and CREATE TRIGGER for one SQLite trigger (guarded), or the comment
    saying why it is left out. ``targets`` finds a converted table or created view."""
    try:
        trig = read_trigger(text, line)
    except TranslateError as e:
        return [left_out("trigger", f"cannot be read: {e.message}", text, ORDER)]
    what = f"trigger {trig.name} on {trig.table}"
    target = targets(trig.table)
    if target is None:
        return [left_out(what, f"{trig.table} is not a converted table or view", text, ORDER)]
    if (trig.timing == "INSTEAD OF") != (target.table is None):
        return [left_out(what, "SQLite would not fire it", text, ORDER)]
    name = schema.claim(trig.name if trig.name_quoted else fold(trig.name))
    try:
        body = _Body(trig, target, Scope(schema, [], types)).function()
    except Untranslatable as e:
        return [left_out(what, str(e), text, ORDER)]
    function = f"{qualified(name, schema.namespace)}()"
    create_function = (
        f"CREATE FUNCTION {function} RETURNS trigger LANGUAGE plpgsql AS {dollar_quote(body)};"
    )
    event = trig.event
    if trig.columns:
        assert target.table is not None
        names = []
        for c in trig.columns:
            column = target.table.column(c)
            if column is None:
                return [left_out(what, f"fires on an unknown column {c!r}", text, ORDER)]
            names.append(quote_ident(column.pg))
        event += " OF " + ", ".join(names)
    create_trigger = (
        f"CREATE TRIGGER {quote_ident(name)} {trig.timing} {event} "
        f"ON {qualified(target.pg, schema.namespace)} FOR EACH ROW EXECUTE FUNCTION {function};"
    )
    return [
        PostItem(create_function, ORDER, "create-function", guard=f"{what} (its function)"),
        PostItem(create_trigger, ORDER, "create-trigger", guard=what),
    ]


class _Body:
    """Translates one trigger's WHEN and statements into the function's body."""

    def __init__(self, trig: Trigger, target: Target, scope: Scope) -> None:
        self.trig = trig
        self.target = target
        self.scope = scope
        if trig.event in ("UPDATE", "DELETE"):
            scope.rows["old"] = target.table
        if trig.event in ("UPDATE", "INSERT"):
            scope.rows["new"] = target.table
        # What the function returns for the row to go ahead as SQLite lets it.
        self.passed = (
            "NULL" if trig.timing == "AFTER" else "OLD" if trig.event == "DELETE" else "NEW"
        )

    def function(self) -> str:
        lines = [
            "DECLARE",
            f"    running text := coalesce(current_setting({_RUNNING}, true), '');",
            "    me text := TG_RELID::text || '/' || md5(TG_NAME) || ';';",
            "BEGIN",
            "    IF strpos(running, me) > 0",
            "            OR current_setting('dumpconv.loading', true) = 'on' THEN",
            f"        RETURN {self.passed};",
            "    END IF;",
        ]
        if self.trig.when is not None:
            when, scope = parse(self.trig.when, "query"), self._scope()
            qualify_tables(when, scope)  # WHEN may hold a subquery
            cond = self._condition(rewrite(when, scope))
            lines += [f"    IF NOT coalesce({generate(cond)}, false) THEN",
                      f"        RETURN {self.passed};", "    END IF;"]  # fmt: skip
        lines.append(f"    PERFORM set_config({_RUNNING}, running || me, true);")
        for sql in self.trig.body:
            lines += ["    " + s for s in self._statement(sql)]
        lines += [f"    PERFORM set_config({_RUNNING}, running, true);",
                  f"    RETURN {self.passed};", "END"]  # fmt: skip
        return "\n" + "\n".join(lines) + "\n"

    def _scope(self) -> Scope:
        """A fresh scope per statement: its own tables, the trigger's NEW and OLD."""
        return Scope(self.scope.schema, [], self.scope.types, dict(self.scope.rows))

    def _statement(self, sql: str) -> list[str]:
        sql, action = _respell(sql)
        tree = parse(sql, "statement")
        scope = self._scope()
        if isinstance(tree, exp.Insert):
            return self._insert(tree, scope)
        if isinstance(tree, (exp.Update, exp.Delete)):
            if action not in (None, "ABORT", "FAIL", "ROLLBACK"):
                raise Untranslatable(f"uses UPDATE OR {action}, which PostgreSQL has no form of")
            qualify_tables(tree, scope)
            tree = rewrite(tree, scope)
            self._no_raise(tree)
            if isinstance(tree, exp.Update):
                for assignment in tree.expressions:
                    if not isinstance(assignment, exp.EQ) or not isinstance(
                        assignment.this, exp.Column
                    ):
                        raise Untranslatable("assigns several columns at once")
                    value = assignment.expression
                    value.replace(_assign(value.copy(), assignment.this.meta.get("pg_type")))
            return [generate(tree) + ";"]
        if isinstance(tree, exp.Select):
            qualify_tables(tree, scope)
            return self._select(rewrite(tree, scope))
        raise Untranslatable(f"has a statement PostgreSQL cannot run in a trigger: {sql[:40]}")

    def _insert(self, tree: exp.Insert, scope: Scope) -> list[str]:
        into = tree.this
        listed = into.expressions if isinstance(into, exp.Schema) else None
        table_node = into.this if isinstance(into, exp.Schema) else into
        if not isinstance(table_node, exp.Table):
            raise Untranslatable("inserts into something that is not a table")
        table = scope.schema.get(table_node.name)
        # The target's columns are named only in the column list, not by the query.
        qualify_tables(table_node, Scope(scope.schema, [], scope.types))
        if table is None:
            raise Untranslatable(f"inserts into {table_node.name!r}, not a converted table")
        columns = table.insert_columns if listed is None else [_named(table, i) for i in listed]
        if tree.args.get("default"):  # INSERT INTO t DEFAULT VALUES names no columns
            tree.set("this", table_node)
        else:
            named = [ident(c.pg) for c in columns]
            tree.set("this", exp.Schema(this=table_node, expressions=named))
        source = tree.expression
        if source is not None:
            qualify_tables(source, scope)
        rewritten = rewrite(tree, scope)
        assert isinstance(rewritten, exp.Insert)
        tree = rewritten
        self._no_raise(tree)
        self._insert_values(tree, table, columns)
        conflict = ""
        alternative = (tree.args.get("alternative") or "").upper()
        tree.set("alternative", None)
        if alternative == "IGNORE":
            conflict = " ON CONFLICT DO NOTHING"
        elif alternative == "REPLACE":
            conflict = _replace(table)
        elif alternative not in ("", "ABORT", "FAIL", "ROLLBACK"):
            raise Untranslatable(f"uses INSERT OR {alternative}")
        return [generate(tree) + conflict + ";"]

    def _insert_values(self, tree: exp.Insert, table: Table, columns: list[Column]) -> None:
        source = tree.expression
        rows: list[list[exp.Expr]]
        if isinstance(source, exp.Values):
            rows = [list(t.expressions) for t in source.expressions if isinstance(t, exp.Tuple)]
        elif isinstance(source, exp.Select):
            rows = [list(source.expressions)]
        elif source is None and tree.args.get("default"):
            return
        else:
            raise Untranslatable("inserts rows of a compound query")
        for row in rows:
            if len(row) != len(columns):
                raise Untranslatable("inserts a row of another number of values")
            for value, column in zip(row, columns, strict=True):
                if isinstance(value, exp.Null) and column.name == table.rowid_alias:
                    if not isinstance(source, exp.Values):
                        raise Untranslatable("selects NULL for the INTEGER PRIMARY KEY")
                    value.replace(exp.Var(this="DEFAULT"))  # SQLite's new rowid
                    continue
                pg_type = self.scope.types.get((table.key, column.key))
                value.replace(_assign(value.copy(), pg_type))

    def _select(self, tree: exp.Expr) -> list[str]:
        """A SELECT in a body only matters for its RAISE: as IF … RAISE; others do nothing."""
        if not _raises(tree):
            return []  # computes a value nobody reads
        if not isinstance(tree, exp.Select) or len(tree.expressions) != 1:
            raise Untranslatable("uses RAISE() in a query PL/pgSQL cannot mirror")
        value = tree.expressions[0]
        if is_raise(value):
            if not _reads_only_rows(value):
                raise Untranslatable("raises a message computed from the rows of a query")
            if tree.args.get("from_") is not None:
                probe = tree.copy()
                probe.set("expressions", [exp.Literal.number(1)])
                return self._if([(f"EXISTS ({generate(probe)})", value)], None)
            where = tree.args.get("where")
            if where is None:
                return self._raise(value)
            return self._if([(generate(self._condition(where.this)), value)], None)
        if isinstance(value, exp.Case) and tree.args.get("from_") is None:
            if value.this is not None or tree.args.get("where") is not None:
                raise Untranslatable("uses RAISE() in a CASE PL/pgSQL cannot mirror")
            branches = [
                (generate(self._condition(b.this)), b.args["true"]) for b in value.args["ifs"]
            ]
            return self._if(branches, value.args.get("default"))
        raise Untranslatable("uses RAISE() inside an expression")

    def _if(self, branches: list[tuple[str, exp.Expr]], default: exp.Expr | None) -> list[str]:
        lines: list[str] = []
        for k, (cond, then) in enumerate(branches):
            lines.append(f"{'IF' if k == 0 else 'ELSIF'} {cond} THEN")
            lines += ["    " + s for s in self._branch(then)]
        if default is not None:
            lines.append("ELSE")
            lines += ["    " + s for s in self._branch(default)]
        return [*lines, "END IF;"]

    def _branch(self, value: exp.Expr) -> list[str]:
        if is_raise(value):
            return self._raise(value)
        self._no_raise(value)
        return ["NULL;"]

    def _raise(self, node: exp.Expr) -> list[str]:
        if node.meta["raise"] == "IGNORE":
            return [f"PERFORM set_config({_RUNNING}, running, true);", "RETURN NULL;"]
        (message,) = node.expressions
        return [
            f"RAISE EXCEPTION USING MESSAGE = {generate(message)}, "
            "ERRCODE = 'integrity_constraint_violation';"
        ]

    def _condition(self, node: exp.Expr) -> exp.Expr:
        """A SQLite truth value as a PostgreSQL boolean (a number is true when not 0)."""
        self._no_raise(node)
        inner = node.this if isinstance(node, exp.Paren) else node
        if isinstance(inner, _BOOLEAN_NODES) or inner.meta.get("pg_type") == "boolean":
            return node
        if inner.meta.get("pg_type") in _NUMBERS or (
            isinstance(inner, exp.Literal) and not inner.is_string
        ):
            return exp.NEQ(this=exp.Paren(this=node), expression=exp.Literal.number(0))
        raise Untranslatable("has a condition that is not a comparison")

    @staticmethod
    def _no_raise(node: exp.Expr) -> None:
        if _raises(node):
            raise Untranslatable("uses RAISE() where PL/pgSQL cannot mirror it")


_BOOLEAN_NODES = (
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is, exp.In, exp.Between, exp.Like,
    exp.ILike, exp.And, exp.Or, exp.Not, exp.Exists, exp.Boolean, exp.NullSafeEQ,
    exp.NullSafeNEQ,
)  # fmt: skip
_NUMBERS = ("bigint", "integer", "smallint", "double precision", "numeric")


def _raises(node: exp.Expr) -> bool:
    return any(is_raise(n) for n in node.find_all(exp.Anonymous))


def _reads_only_rows(node: exp.Expr) -> bool:
    """Whether an expression's columns are all NEW's or OLD's."""
    return all(isinstance(c.args.get("table"), exp.Var) for c in node.find_all(exp.Column))


def _named(table: Table, node: exp.Expr) -> Column:
    name = node.name if isinstance(node, (exp.Identifier, exp.Column)) else None
    column = table.column(name) if name is not None else None
    if column is None:
        raise Untranslatable(f"inserts into an unknown column of {table.name}")
    return column


def _replace(table: Table) -> str:
    """INSERT OR REPLACE as an upsert on the primary key, when it is the only unique key."""
    key = table.primary_key
    if key is None or len(table.keys) != 1:
        raise Untranslatable(
            "uses INSERT OR REPLACE into a table with other unique keys than its primary key"
        )
    key_columns = [c for c in (table.column(n) for n in key.columns) if c is not None]
    target = ", ".join(quote_ident(c.pg) for c in key_columns)
    rest = [c for c in table.columns if c not in key_columns and c.generated is None]
    if not rest:
        return f" ON CONFLICT ({target}) DO NOTHING"
    # Columns the INSERT does not name get their defaults, as SQLite's new row has.
    sets = ", ".join(f"{quote_ident(c.pg)} = EXCLUDED.{quote_ident(c.pg)}" for c in rest)
    return f" ON CONFLICT ({target}) DO UPDATE SET {sets}"


def _assign(value: exp.Expr, pg_type: str | None) -> exp.Expr:
    """A value as SQLite would store it in a column that became ``pg_type``."""
    if pg_type is None or isinstance(value, exp.Null) or value.meta.get("pg_type") == pg_type:
        return value
    base = pg_type.split("(")[0]
    clock = value.meta.get("clock")
    if clock is not None:
        try:
            typed = clock_default(clock, pg_type)
        except NotClock:
            typed = None
        if typed is not None:
            return exp.Var(this=typed)
    if is_text_type(pg_type):
        return value
    if base == "bytea":
        raise Untranslatable("stores a computed value in a blob column")
    if isinstance(value, exp.Literal) and not value.is_string and base in _NUMBERS:
        return value
    if base == "boolean":
        if isinstance(value, exp.Literal) and value.this in ("0", "1"):
            return exp.Boolean(this=value.this == "1")
        return exp.Cast(this=exp.Cast(this=value, to=_type("integer")), to=_type("boolean"))
    if base == "timestamptz":  # SQLite's text times are UTC
        as_utc = exp.Cast(this=value, to=_type("timestamp"))
        return exp.AtTimeZone(this=as_utc, zone=exp.Literal.string("UTC"))
    return exp.Cast(this=value, to=_type(pg_type))


def _type(name: str) -> exp.DataType:
    return exp.DataType.build(name, dialect="postgres")


def _respell(sql: str) -> tuple[str, str | None]:
    """``REPLACE INTO`` as ``INSERT OR REPLACE INTO``, and ``UPDATE OR x`` without its
    ``OR x`` (returned), which sqlglot does not read."""
    toks = list(tokenize(sql))
    if toks and toks[0].is_word("REPLACE"):
        return "INSERT OR " + sql[toks[0].pos :], None
    if len(toks) > 2 and toks[0].is_word("UPDATE") and toks[1].is_word("OR"):
        action = toks[2].text.upper() if toks[2].kind is Tok.WORD else "?"
        return sql[: toks[1].pos] + sql[toks[2].pos + len(toks[2].text) :], action
    return sql, None
