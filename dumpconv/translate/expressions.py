"""The one expression translator every consumer goes through (defaults, CHECKs, index
expressions and predicates, generated columns, views, and the statements of trigger
bodies: ``parse`` in mode "statement", ``rewrite``, ``generate``).

An expression is read by dumpconv's own SQLite lexer first (``lexing``): comments are
dropped, and every string literal and quoted name is replaced by a placeholder, so that
sqlglot parses only bare words, numbers and operators (it cannot disagree with SQLite about
where a string or comment ends). The tree it returns may hold only the node types listed
here and the SQLite functions of ``functions``; names and strings are put back and printed
by ``base.pgsql``.
Anything else raises :class:`Untranslatable`: the object is left out and reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from dumpconv.base.pgsql import qualified, quote_ident, quote_literal, valid_text
from dumpconv.read.schema import fold
from dumpconv.translate.clock import clock_default
from dumpconv.translate.functions import CallError, emit
from dumpconv.translate.items import PostItem, left_out
from dumpconv.translate.lexing import Untranslatable as Untranslatable
from dumpconv.translate.lexing import number, respell
from dumpconv.translate.retype import (
    REAL_TYPES,
    as_text_in_aggregate,
    boolean_compare,
    cast_type,
    coalesce_as_text,
)
from dumpconv.translate.scope import Scope as Scope
from dumpconv.translate.scope import aliases_in_conditions
from dumpconv.translate.typed import NODES, typed

logging.getLogger("sqlglot").setLevel(logging.ERROR)


def is_raise(node: exp.Expr) -> bool:
    """Whether a node is SQLite's ``RAISE(kind[, message])`` of a trigger body
    (``meta["raise"]``: ABORT, FAIL, ROLLBACK or IGNORE; the message its only argument).
    ``translate.triggers`` turns it into PL/pgSQL control flow; nothing prints it (PostgreSQL
    has no such function, so the output check would refuse it)."""
    return isinstance(node, exp.Anonymous) and "raise" in node.meta


# "default": an expression evaluated at insert time (a column DEFAULT), which may read the
# clock as a query does; "expression": one PostgreSQL may need IMMUTABLE (CHECK, index).
Mode = Literal["expression", "default", "query", "statement"]


def translate_expr(sql: str, scope: Scope, mode: Mode = "expression") -> str:
    """A SQLite expression as PostgreSQL SQL, generated from its parsed tree.

    Raises:
        Untranslatable: it cannot be parsed, or uses something outside the translation table.
    """
    tree = parse(sql, mode)
    return generate(rewrite(tree, scope))


def translate_query(sql: str, scope: Scope) -> str:
    """A SQLite SELECT (a view body) as PostgreSQL SQL."""
    return translate_view(sql, scope)[0]


def translate_view(sql: str, scope: Scope) -> tuple[str, list[str]]:
    """A SQLite SELECT as PostgreSQL SQL, and the PostgreSQL names of its columns that a
    later query can name (a column, an alias, or the columns a * stands for)."""
    tree = parse(sql, "query")
    if not isinstance(tree, exp.Query):
        raise Untranslatable("not a SELECT")
    qualify_tables(tree, scope)
    for select in list(tree.find_all(exp.Select)):
        aliases_in_conditions(select, scope)
    tree = rewrite(tree, scope)
    first = tree
    while isinstance(first, exp.SetOperation):  # a UNION's names are its first SELECT's
        first = first.this
    names: list[str] = []
    for item in first.expressions if isinstance(first, exp.Select) else ():
        if isinstance(item, exp.Star) or (
            isinstance(item, exp.Column) and isinstance(item.this, exp.Star)
        ):
            names += [c.pg for t in scope.tables for c in t.columns if not c.hidden]
        elif isinstance(item, exp.Column) and "pg" in item.meta:
            names.append(item.meta["pg"])
        elif isinstance(item, exp.Alias) and isinstance(item.args["alias"], exp.Identifier):
            alias = item.args["alias"]
            names.append(valid_text(alias.name if alias.quoted else fold(alias.name)))
    return generate(tree), names


def qualify_tables(tree: exp.Expr, scope: Scope) -> None:
    """Every table the tree reads or writes, named by its qualified PostgreSQL name and
    added to the scope (its columns may then be named)."""
    for table in tree.find_all(exp.Table):
        _main_only(table)
        t = scope.schema.get(table.name) or scope.views.get(fold(table.name))
        if t is None:
            why = "left out by --include/--exclude" if scope.schema.is_left_out(table.name) else (
                "not a converted table or created view")  # fmt: skip
            raise Untranslatable(f"refers to {table.name!r}, which is {why}")
        if t not in scope.tables:
            scope.tables.append(t)
        alias = table.args.get("alias")
        if isinstance(alias, exp.TableAlias) and alias.this is not None and alias.name:
            if alias.columns:
                raise Untranslatable("names the columns of a table alias")
            # Printed folded, as the columns it qualifies are (SQLite ignores its case).
            scope.aliases[fold(alias.name)] = t
            alias.set("this", ident(valid_text(fold(alias.name))))
        table.set("this", exp.Var(this=qualified(t.pg, scope.schema.namespace)))
        table.set("db", None)
        table.set("catalog", None)


#: Node types of a translatable expression: operators, literals, columns, CASE and the
#: SQLite functions above (as sqlglot names them).
_EXPRESSION_NODES: tuple[type[exp.Expr], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Null, exp.Boolean, exp.Paren, exp.Neg,
    exp.Not, exp.And, exp.Or, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is,
    exp.NullSafeEQ, exp.NullSafeNEQ, exp.Escape,
    exp.In, exp.Between, exp.Like, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.DPipe,
    exp.Case, exp.If, exp.Coalesce, exp.Nullif, exp.Lower, exp.Upper, exp.Length, exp.Abs,
    exp.Trim, exp.Substring, exp.StrPosition, exp.Cast, exp.DataType, *NODES,
)  # fmt: skip


#: ... and, in a view, the parts of a SELECT and the aggregates.
_QUERY_NODES: tuple[type[exp.Expr], ...] = (
    *_EXPRESSION_NODES, exp.Select, exp.From, exp.Join, exp.Where, exp.Group, exp.Having,
    exp.Order, exp.Ordered, exp.Limit, exp.Offset, exp.Alias, exp.TableAlias, exp.Table,
    exp.Star, exp.Distinct, exp.Union, exp.Except, exp.Intersect, exp.Subquery, exp.Exists,
    exp.Count, exp.Sum, exp.Avg, exp.Max, exp.Min, exp.GroupConcat, exp.CurrentTimestamp,
    exp.CurrentDate, exp.CurrentTime,
)  # fmt: skip


#: ... and, in a trigger body, the statements.
_STATEMENT_NODES: tuple[type[exp.Expr], ...] = (
    *_QUERY_NODES, exp.Insert, exp.Update, exp.Delete, exp.Values, exp.Tuple, exp.Schema,
    exp.Anonymous,
)  # fmt: skip

_ALLOWED: dict[str, tuple[type[exp.Expr], ...]] = {
    "expression": _EXPRESSION_NODES,
    "default": _EXPRESSION_NODES,
    "query": _QUERY_NODES,
    "statement": _STATEMENT_NODES,
}


_MAX_NODES = 2000


def parse(sql: str, mode: Mode) -> exp.Expr:
    """Parse a SQLite expression, SELECT or (in a trigger body) statement into a tree of
    allowed nodes, strings and names restored, comments gone."""
    text, strings, names, prefix = respell(sql)
    tree: exp.Expr
    try:
        if mode in ("expression", "default"):
            tree = sqlglot.parse_one(text, read="sqlite", into=exp.Condition)
        else:
            tree = sqlglot.parse_one(text, read="sqlite")
    except (SqlglotError, RecursionError):
        raise Untranslatable("cannot be parsed") from None
    allowed = _ALLOWED[mode]
    for count, node in enumerate(tree.walk()):
        if count >= _MAX_NODES:
            raise Untranslatable("is too large to translate")
        # A call is emitted by the function table once its strings are restored (below).
        marked = isinstance(node, exp.Anonymous) and str(node.this).startswith(f"{prefix}fn_")
        call = isinstance(node, exp.Anonymous) and not is_raise(node) and not marked
        if (not isinstance(node, allowed) and not marked) or isinstance(node, exp.Command) or call:
            raise Untranslatable(f"uses {_describe(node)}, which is not translated")
        node.comments = None
        if isinstance(node, exp.Literal) and node.is_string:
            index = node.this
            if not (isinstance(index, str) and index.isdigit() and int(index) < len(strings)):
                raise Untranslatable("cannot be parsed")
            text = strings[int(index)]
            if valid_text(text) != text:
                # An expression over replaced text would compute other values: left out.
                raise Untranslatable("holds text that is not valid UTF-8")
            node.set("this", text)
        elif isinstance(node, exp.Literal):
            node.set("this", number(str(node.this)))
        elif isinstance(node, exp.Identifier):
            real = names.get(node.name)
            if real is not None:
                node.set("this", real[0])
                node.set("quoted", real[1])
            elif node.name.startswith(f"{prefix}fn_raise_"):
                pass  # RAISE's kind, read by _raise
            elif node.name.startswith(prefix):
                raise Untranslatable("cannot be parsed")
            else:
                node.set("quoted", False)
        elif isinstance(node, (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime)):
            node.meta["sqlite"] = True  # SQLite's keyword (UTC text), not an emitted clock
        elif isinstance(node, exp.DataType):
            node.replace(cast_type(node))
    return _calls(tree, f"{prefix}fn_", mode)


def _calls(tree: exp.Expr, marker: str, mode: Mode) -> exp.Expr:
    """Each call replaced by what the function table emits for it."""
    for call in list(tree.find_all(exp.Anonymous)):
        name = str(call.this)
        if not name.startswith(marker):
            raise Untranslatable("cannot be parsed")
        name = name[len(marker) :]
        try:
            if name.lower() == "raise" and mode == "statement":
                emitted: exp.Expr = _raise(list(call.expressions), f"{marker}raise_")
            else:
                emitted = emit(name, list(call.expressions), query=mode != "expression")
        except CallError as e:
            raise Untranslatable(str(e)) from None
        if call is tree:
            tree = emitted
        else:
            call.replace(emitted)
    return tree


_RAISE_KINDS = ("ABORT", "FAIL", "ROLLBACK", "IGNORE")


def _raise(args: list[exp.Expr], marker: str) -> exp.Expr:
    kind = args[0] if args else None
    word = kind.name[len(marker) :] if isinstance(kind, exp.Column) else ""
    if not (isinstance(kind, exp.Column) and kind.name.startswith(marker) and not kind.table):
        raise CallError("uses RAISE() without ABORT, FAIL, ROLLBACK or IGNORE")
    if word not in _RAISE_KINDS or (word == "IGNORE") != (len(args) == 1) or len(args) > 2:
        raise CallError(f"uses RAISE({word[:20]}, …), which SQLite does not accept")
    node = exp.Anonymous(this="raise", expressions=args[1:])
    node.meta["raise"] = word
    return node


def _describe(node: exp.Expr) -> str:
    if isinstance(node, exp.Func):
        return f"the function {node.sql_name().lower()}()"
    return f"{type(node).__name__}"


def _main_only(node: exp.Expr) -> None:
    """A name may say ``main.`` (the database the dump is of), nothing else; the prefix goes."""
    if node.args.get("catalog") is not None:
        raise Untranslatable("names an object of another database")
    db = node.args.get("db")
    if db is not None:
        if fold(db.name) != "main":
            raise Untranslatable(f"names an object of the database {db.name!r}")
        node.set("db", None)


def ident(name: str) -> exp.Expr:
    """A PostgreSQL name as a node."""
    # Printed verbatim, so that quoting is decided by quote_ident alone.
    return exp.Var(this=quote_ident(name))


def rewrite(tree: exp.Expr, scope: Scope) -> exp.Expr:
    """The parsed tree with its names resolved to PostgreSQL's and SQLite's semantics
    spelled out (ILIKE, booleans, the clock)."""
    for now in list(tree.find_all(exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime)):
        if not now.meta.get("sqlite"):
            continue
        # SQLite's CURRENT_* are UTC text; an assignment may retype them (meta "clock").
        call = _CLOCK_CALLS[type(now)]
        text = clock_default(call, "text")
        assert text is not None
        printed = exp.Var(this=text)
        printed.meta["clock"] = call
        if now is tree:
            tree = printed
        else:
            now.replace(printed)
    for lit in tree.find_all(exp.Literal):
        if lit.is_string and lit.this.strip().lower() == "now":
            # PostgreSQL would fix 'now' when the statement runs, not each time.
            raise Untranslatable("depends on the current time through 'now'")
    for division in list(tree.find_all(exp.Mod)):
        # SQLite answers NULL for a division by zero, where PostgreSQL raises an error (the
        # generator already writes / of SQLite's "safe" division with a NULLIF).
        divisor = division.expression.copy()
        division.set("expression", exp.Nullif(this=divisor, expression=exp.Literal.number(0)))
    for like in list(tree.find_all(exp.Like)):
        # SQLite's LIKE ignores case (for ASCII); PostgreSQL's ILIKE is the match.
        ilike = exp.ILike(this=like.this, expression=like.expression)
        if like is tree:
            tree = ilike
        else:
            like.replace(ilike)
    for col in list(tree.find_all(exp.Column)):
        _main_only(col)
        if isinstance(col.this, exp.Star):
            continue
        name = col.name
        qualifier = col.table or None
        if qualifier is not None and scope.rows.get(fold(qualifier), False) is None:
            # NEW or OLD of a view: its columns are named as the view's query names them.
            col.set("this", ident(valid_text(name if col.this.args.get("quoted") else fold(name))))
            col.set("table", exp.Var(this=fold(qualifier).upper()))
            continue
        found = scope.column(name, qualifier)
        if found is None:
            if col.this.args.get("quoted") and qualifier is None and not _known_alias(tree, name):
                # SQLite reads a double-quoted name that matches no column as a string.
                string = exp.Literal.string(name)
                if col is tree:
                    tree = string
                else:
                    col.replace(string)
                continue
            if _known_alias(tree, name):
                continue
            raise Untranslatable(f"refers to an unknown column {name!r}")
        table, column = found
        col.set("this", ident(column.pg))
        if qualifier is not None and fold(qualifier) in scope.rows:
            col.set("table", exp.Var(this=fold(qualifier).upper()))  # NEW or OLD
        elif qualifier is not None and fold(qualifier) in scope.aliases:
            col.set("table", ident(valid_text(fold(qualifier))))
        elif qualifier is not None:
            col.set("table", ident(table.pg))
        kind = scope.type_of(table, column)
        col.meta.update(pg_type=kind, column=column.key, pg=column.pg, affinity=column.affinity)
        if kind == "boolean":
            boolean_compare(col)
        elif kind in REAL_TYPES and as_text_in_aggregate(col):
            raise Untranslatable(
                f"joins the reals of {name} as text, which PostgreSQL writes differently "
                "(1 for SQLite's 1.0)"
            )
    for coalesce in tree.find_all(exp.Coalesce):
        coalesce_as_text(coalesce)
    return typed(tree)  # GLOB, typeof, printf, || of numbers (translate/typed.py)


_CLOCK_CALLS: dict[type[exp.Expr], str] = {
    exp.CurrentTimestamp: "datetime()", exp.CurrentDate: "date()", exp.CurrentTime: "time()",
}  # fmt: skip


def _known_alias(tree: exp.Expr, name: str) -> bool:
    return any(fold(a.alias) == fold(name) for a in tree.find_all(exp.Alias))


def generate(tree: exp.Expr) -> str:
    """Print the tree; every name and string in it is printed by ``pgsql``."""
    for node in list(tree.walk()):
        try:
            if isinstance(node, exp.Literal) and node.is_string:
                printed: exp.Expr = exp.Var(this=quote_literal(node.this))
            elif isinstance(node, exp.Identifier):
                name = node.name if node.quoted else fold(node.name)
                printed = exp.Var(this=quote_ident(valid_text(name)))  # reported (pipeline)
            else:
                continue
        except ValueError as e:  # NUL or an empty name, which PostgreSQL cannot hold
            raise Untranslatable(str(e)) from None
        if node is tree:
            tree = printed
        else:
            node.replace(printed)
    try:
        return tree.sql(
            dialect="postgres", unsupported_level=sqlglot.ErrorLevel.RAISE, comments=False
        )
    except SqlglotError:
        raise Untranslatable("has no PostgreSQL form") from None


def column_expression(
    what: str,
    sql: str,
    scope: Scope,
    statement: Callable[[str], str],
    order: int = 4,
    mode: Mode = "expression",
) -> PostItem:
    """A post-data statement around one translated column expression (guarded), or the
    comment saying why there is none."""
    try:
        expr = translate_expr(sql, scope, mode)
    except Untranslatable as e:
        return left_out(what, str(e), sql, order)
    return PostItem(statement(expr), order, guard=what)
