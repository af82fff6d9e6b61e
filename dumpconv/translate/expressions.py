"""The one expression translator every consumer goes through (defaults, CHECKs, index
expressions and predicates, generated columns, views).

An expression is read by dumpconv's own SQLite lexer first: comments are dropped, and every
string literal and quoted name is replaced by a placeholder, so that sqlglot parses only
bare words, numbers and operators (it cannot disagree with SQLite about where a string or
comment ends). The tree it returns may hold only the node types listed here and the SQLite
functions of ``functions``; names and strings are put back and printed by ``base.pgsql``.
Anything else raises :class:`Untranslatable`: the object is left out and reported.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from dumpconv.base.errors import DumpconvError
from dumpconv.base.pgsql import qualified, quote_ident, quote_literal, valid_text
from dumpconv.read.lexer import Tok, tokenize
from dumpconv.read.schema import Column, Schema, Table, fold
from dumpconv.translate.functions import CallError, emit
from dumpconv.translate.items import PostItem, left_out

logging.getLogger("sqlglot").setLevel(logging.ERROR)


class Untranslatable(Exception):
    """An expression that has no faithful PostgreSQL form here."""


@dataclass
class Scope:
    """Tables an expression may refer to, and the chosen types of their columns."""

    schema: Schema
    tables: list[Table]
    types: dict[tuple[str, str], str]  # (table key, column key) → pg type

    def column(self, name: str, qualifier: str | None) -> tuple[Table, Column] | None:
        candidates = self.tables
        if qualifier is not None:
            t = self.schema.get(qualifier)
            candidates = [t] if t is not None else []
        found = [(t, c) for t in candidates if (c := t.column(name)) is not None]
        return found[0] if len(found) == 1 else None

    def type_of(self, table: Table, column: Column) -> str | None:
        return self.types.get((table.key, column.key))


def translate_expr(sql: str, scope: Scope) -> str:
    """A SQLite expression as PostgreSQL SQL, generated from its parsed tree.

    Raises:
        Untranslatable: it cannot be parsed, or uses something outside the translation table.
    """
    tree = _parse(sql, query=False)
    return _generate(_rewrite(tree, scope))


def translate_query(sql: str, scope: Scope) -> str:
    """A SQLite SELECT (a view body) as PostgreSQL SQL."""
    tree = _parse(sql, query=True)
    if not isinstance(tree, exp.Query):
        raise Untranslatable("not a SELECT")
    for table in tree.find_all(exp.Table):
        _main_only(table)
        t = scope.schema.get(table.name)
        if t is None:
            raise Untranslatable(f"refers to {table.name!r}, which is not a converted table")
        if t not in scope.tables:
            scope.tables.append(t)
        table.set("this", exp.Var(this=qualified(t.pg)))
        table.set("db", None)
        table.set("catalog", None)
    return _generate(_rewrite(tree, scope))


_WORDS_BEFORE_PAREN = frozenset(
    {
        "in", "exists", "not", "and", "or", "cast", "when", "then", "else", "case", "as",
        "select", "from", "where", "on", "using", "values", "is", "like", "between", "by",
        "join", "union", "all", "distinct", "any",
    }
)  # fmt: skip


#: Node types of a translatable expression: operators, literals, columns, CASE and the
#: SQLite functions above (as sqlglot names them).
_EXPRESSION_NODES: tuple[type[exp.Expr], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Null, exp.Boolean, exp.Paren, exp.Neg,
    exp.Not, exp.And, exp.Or, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is,
    exp.In, exp.Between, exp.Like, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.DPipe,
    exp.Case, exp.If, exp.Coalesce, exp.Nullif, exp.Lower, exp.Upper, exp.Length, exp.Abs,
    exp.Trim, exp.Substring, exp.StrPosition, exp.Cast, exp.DataType,
)  # fmt: skip


#: ... and, in a view, the parts of a SELECT and the aggregates.
_QUERY_NODES: tuple[type[exp.Expr], ...] = (
    *_EXPRESSION_NODES, exp.Select, exp.From, exp.Join, exp.Where, exp.Group, exp.Having,
    exp.Order, exp.Ordered, exp.Limit, exp.Offset, exp.Alias, exp.TableAlias, exp.Table,
    exp.Star, exp.Distinct, exp.Union, exp.Except, exp.Intersect, exp.Subquery, exp.Exists,
    exp.Count, exp.Sum, exp.Avg, exp.Max, exp.Min, exp.GroupConcat,
)  # fmt: skip


# CAST targets, by SQLite affinity of the type name, and what they are in PostgreSQL.
_CAST_TYPES = {"INTEGER": "BIGINT", "TEXT": "TEXT", "REAL": "DOUBLE PRECISION",
               "NUMERIC": "NUMERIC", "BLOB": "BYTEA"}  # fmt: skip


_MAX_NODES = 2000


_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


_PLACEHOLDER = "dumpconv_name_"


def _normalize(sql: str) -> tuple[str, list[str], dict[str, tuple[str, bool]], str]:
    """The expression re-spelled for sqlglot: no comments, strings and names replaced by
    placeholders. Returns the text, the strings by index and the names by placeholder."""
    try:
        toks = list(tokenize(sql))
    except DumpconvError as e:
        raise Untranslatable(f"cannot read it: {e.message}") from None
    prefix = _PLACEHOLDER
    while prefix in sql.lower():
        prefix += "x"
    strings: list[str] = []
    names: dict[str, tuple[str, bool]] = {}
    out: list[str] = []
    for i, tok in enumerate(toks):
        following = toks[i + 1] if i + 1 < len(toks) else None
        if tok.kind is Tok.STRING:
            out.append(f"'{len(strings)}'")
            strings.append(tok.value)
        elif tok.kind is Tok.IDENT or (tok.kind is Tok.WORD and not tok.text.isascii()):
            key = f"{prefix}{len(names)}"
            names[key] = (tok.value, tok.kind is Tok.IDENT)
            out.append(key)
        elif tok.kind is Tok.WORD:
            if "$" in tok.text:
                raise Untranslatable(f"uses the name {tok.text}")
            called = following is not None and following.kind is Tok.OP and following.text == "("
            if called and tok.text.lower() not in _WORDS_BEFORE_PAREN:
                # Every call reaches the translator under its SQLite name (functions.emit).
                out.append(f"{prefix}fn_{tok.text.lower()}")
            else:
                out.append(tok.text)
        elif tok.kind is Tok.NUMBER:
            out.append(_number(tok.text))
        elif tok.kind is Tok.OP:
            out.append(tok.text)
        else:  # blobs, variables
            raise Untranslatable(f"uses {tok.text[:20]}, which is not translated")
    return " ".join(out), strings, names, prefix


def _number(text: str) -> str:
    if text[:2].lower() == "0x":
        try:
            n = int(text[2:], 16)
        except ValueError:
            raise Untranslatable(f"the number {text[:30]} is not valid") from None
        if n >= 2**64:
            raise Untranslatable(f"the number {text[:30]} is out of range")
        return str(n - 2**64 if n >= 2**63 else n)
    if not _NUMBER.fullmatch(text):
        raise Untranslatable(f"the number {text[:30]} is not valid")
    return text


def _parse(sql: str, *, query: bool) -> exp.Expr:
    """Parse a SQLite expression or SELECT into a tree of allowed nodes, strings and names
    restored, comments gone."""
    text, strings, names, prefix = _normalize(sql)
    try:
        if query:
            tree = sqlglot.parse_one(text, read="sqlite")
        else:
            tree = sqlglot.parse_one(text, read="sqlite", into=exp.Condition)
    except (SqlglotError, RecursionError):
        raise Untranslatable("cannot be parsed") from None
    allowed = _QUERY_NODES if query else _EXPRESSION_NODES
    for count, node in enumerate(tree.walk()):
        if count >= _MAX_NODES:
            raise Untranslatable("is too large to translate")
        # A call is emitted by the function table once its strings are restored (below).
        marked = isinstance(node, exp.Anonymous) and str(node.this).startswith(f"{prefix}fn_")
        if not marked and (
            not isinstance(node, allowed) or type(node) in (exp.Command, exp.Anonymous)
        ):
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
            node.set("this", _number(str(node.this)))
        elif isinstance(node, exp.Identifier):
            real = names.get(node.name)
            if real is not None:
                node.set("this", real[0])
                node.set("quoted", real[1])
            elif node.name.startswith(prefix):
                raise Untranslatable("cannot be parsed")
            else:
                node.set("quoted", False)
        elif isinstance(node, exp.DataType):
            node.replace(_cast_type(node))
    return _calls(tree, f"{prefix}fn_", query=query)


def _calls(tree: exp.Expr, marker: str, *, query: bool) -> exp.Expr:
    """Each call replaced by what the function table emits for it."""
    for call in list(tree.find_all(exp.Anonymous)):
        name = str(call.this)
        if not name.startswith(marker):
            raise Untranslatable("cannot be parsed")
        try:
            emitted = emit(name[len(marker) :], list(call.expressions), query=query)
        except CallError as e:
            raise Untranslatable(str(e)) from None
        if call is tree:
            tree = emitted
        else:
            call.replace(emitted)
    return tree


def _describe(node: exp.Expr) -> str:
    if isinstance(node, exp.Func):
        return f"the function {node.sql_name().lower()}()"
    return f"{type(node).__name__}"


def _cast_type(node: exp.DataType) -> exp.Expr:
    """A CAST target by SQLite's affinity rules, as the PostgreSQL type we choose."""
    name = node.sql(dialect="sqlite").upper()
    affinity = (
        "INTEGER" if "INT" in name
        else "TEXT" if any(w in name for w in ("CHAR", "CLOB", "TEXT"))
        else "BLOB" if "BLOB" in name
        else "REAL" if any(w in name for w in ("REAL", "FLOA", "DOUB"))
        else "NUMERIC"
    )  # fmt: skip
    return exp.DataType.build(_CAST_TYPES[affinity], dialect="postgres")


def _main_only(node: exp.Expr) -> None:
    """A name may say ``main.`` (the database the dump is of), nothing else; the prefix goes."""
    if node.args.get("catalog") is not None:
        raise Untranslatable("names an object of another database")
    db = node.args.get("db")
    if db is not None:
        if fold(db.name) != "main":
            raise Untranslatable(f"names an object of the database {db.name!r}")
        node.set("db", None)


def _ident(name: str) -> exp.Expr:
    # Printed verbatim, so that quoting is decided by quote_ident alone.
    return exp.Var(this=quote_ident(name))


def _rewrite(tree: exp.Expr, scope: Scope) -> exp.Expr:
    for lit in tree.find_all(exp.Literal):
        if lit.is_string and lit.this.strip().lower() == "now":
            # PostgreSQL would fix 'now' when the statement runs, not each time.
            raise Untranslatable("depends on the current time through 'now'")
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
        col.set("this", _ident(column.pg))
        if qualifier is not None:
            col.set("table", _ident(table.pg))
        kind = scope.type_of(table, column)
        if kind == "boolean":
            _boolean_compare(col)
        elif kind in _REAL_TYPES and _as_text_in_aggregate(col):
            raise Untranslatable(
                f"joins the reals of {name} as text, which PostgreSQL writes differently "
                "(1 for SQLite's 1.0)"
            )
    return tree


_REAL_TYPES = ("double precision", "numeric")


def _as_text_in_aggregate(col: exp.Column) -> bool:
    """Whether the column's values are turned to text by group_concat (string_agg)."""
    parent = col.parent
    return isinstance(parent, exp.Cast) and isinstance(
        parent.parent.parent if isinstance(parent.parent, exp.Distinct) else parent.parent,
        exp.GroupConcat,
    )


def _known_alias(tree: exp.Expr, name: str) -> bool:
    return any(fold(a.alias) == fold(name) for a in tree.find_all(exp.Alias))


def _boolean_compare(col: exp.Expr) -> None:
    """``flag = 1`` on a column that became boolean: compare with true/false instead."""
    parent = col.parent
    if isinstance(parent, (exp.EQ, exp.NEQ)):
        other = parent.expression if parent.this is col else parent.this
        if isinstance(other, exp.Literal) and other.this in ("0", "1"):
            other.replace(exp.Boolean(this=other.this == "1"))
    elif isinstance(parent, exp.In):
        for item in parent.expressions:
            if isinstance(item, exp.Literal) and item.this in ("0", "1"):
                item.replace(exp.Boolean(this=item.this == "1"))


def _generate(tree: exp.Expr) -> str:
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
    what: str, sql: str, scope: Scope, statement: Callable[[str], str], order: int = 4
) -> PostItem:
    """A post-data statement around one translated column expression (guarded), or the
    comment saying why there is none."""
    try:
        expr = translate_expr(sql, scope)
    except Untranslatable as e:
        return left_out(what, str(e), sql, order)
    return PostItem(statement(expr), order, guard=what)
