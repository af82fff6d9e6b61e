"""Generated columns created in their place in CREATE TABLE, when PostgreSQL will compute
exactly SQLite's values and the COPY cannot fail because of them.

A generated column in CREATE TABLE runs its expression for every row COPY loads: an
expression PostgreSQL rejects (not IMMUTABLE) or that raises on some row would stop the
whole load, and it cannot be guarded. So only a small, checked subset is created in place:
columns of integer and text types, literals, arithmetic (a divisor of 0 gives NULL, as in
SQLite), ``||`` (numbers joined as text, as SQLite joins them), comparisons, CASE,
coalesce, nullif, length, trim, substr, replace, and upper/lower over ASCII letters only
(as SQLite's: PostgreSQL's would change 'é' too). Anything else, and any column built on
another generated column (PostgreSQL allows none), is added after the data as before
(``constraints.generated_item``), under a guard.
"""

from __future__ import annotations

from sqlglot import exp

from dumpconv.read.schema import Column, Table
from dumpconv.translate.expressions import Scope, Untranslatable, generate, parse, rewrite
from dumpconv.translate.items import is_text_type

_INTEGERS = ("smallint", "integer", "bigint")
_ASCII_LOWER = "abcdefghijklmnopqrstuvwxyz"

# Nodes whose PostgreSQL operators are IMMUTABLE and raise on no value of the types allowed.
_SAFE = (
    exp.Column, exp.Identifier, exp.Var, exp.Literal, exp.Null, exp.Boolean, exp.Paren,
    exp.Neg, exp.Not, exp.And, exp.Or, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE,
    exp.Is, exp.NullSafeEQ, exp.NullSafeNEQ, exp.In, exp.Between, exp.Add, exp.Sub, exp.Mul,
    exp.Div, exp.Mod, exp.DPipe, exp.Case, exp.If, exp.Coalesce, exp.Nullif, exp.Lower,
    exp.Upper, exp.Length, exp.Trim, exp.Substring, exp.Cast, exp.DataType,
)  # fmt: skip


def generated_in_place(table: Table, scope: Scope, types: dict[str, str]) -> dict[str, str]:
    """The generated columns of ``table`` created in place: column key → expression.
    ``types``: each column's chosen PostgreSQL type, by key."""
    generated = {c.key for c in table.columns if c.generated is not None}
    out: dict[str, str] = {}
    for col in table.columns:
        if col.generated is None:
            continue
        expr = _in_place(col, scope, generated, types.get(col.key, ""))
        if expr is not None:
            out[col.key] = expr
    return out


class _NotInPlace(Exception):
    pass


def _in_place(col: Column, scope: Scope, generated: set[str], pg_type: str) -> str | None:
    assert col.generated is not None
    try:
        tree = rewrite(parse(col.generated, "expression"), scope)
        for node in tree.walk():
            if not isinstance(node, _SAFE) or (
                isinstance(node, exp.Column) and node.meta.get("column") in generated
            ):
                return None
        kind = _Kinds().of(tree)
        wanted = _kind_of_type(pg_type)
        if wanted is None or kind not in (None, wanted, "int" if wanted == "text" else wanted):
            return None
        tree = _ascii_case(tree)
        return generate(tree)
    except (Untranslatable, _NotInPlace):
        return None


def _kind_of_type(pg_type: str) -> str | None:
    if pg_type in _INTEGERS:
        return "int"
    if is_text_type(pg_type):
        return "text"
    return None


class _Kinds:
    """The kind (int, text, bool, or None for NULL) of each node, casting numbers to text
    where SQLite reads them as text; raises _NotInPlace where PostgreSQL could not type it
    or would answer differently."""

    def of(self, node: exp.Expr) -> str | None:
        if isinstance(node, exp.Paren):
            return self.of(node.this)
        if isinstance(node, exp.Null):
            return None
        if isinstance(node, exp.Literal):
            if node.is_string:
                return "text"
            if "." in str(node.this) or "e" in str(node.this).lower():
                raise _NotInPlace  # a real: PostgreSQL's numeric is not SQLite's double
            return "int"
        if isinstance(node, exp.Boolean):
            return "bool"
        if isinstance(node, exp.Column):
            kind = _kind_of_type(str(node.meta.get("pg_type")))
            if kind is None:
                raise _NotInPlace
            return kind
        if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)):
            self.same(node, (node.this, node.expression), "int")
            return "int"
        if isinstance(node, exp.Neg):
            self.same(node, (node.this,), "int")
            return "int"
        if isinstance(node, exp.DPipe):
            self.text(node.this)
            self.text(node.expression)
            return "text"
        if isinstance(node, (exp.Lower, exp.Upper, exp.Trim, exp.Length)):
            self.text(node.this)
            for extra in node.expressions if isinstance(node, exp.Trim) else ():
                self.same(node, (extra,), "text")
            return "int" if isinstance(node, exp.Length) else "text"
        if isinstance(node, exp.Substring):
            self.text(node.this)
            self.same(node, tuple(node.args[k] for k in ("start", "length") if node.args.get(k)),
                      "int")  # fmt: skip
            return "text"
        if isinstance(node, (exp.Coalesce, exp.Nullif)):
            return self.same(node, (node.this, *node.expressions, node.args.get("expression")))
        if isinstance(node, exp.Case):
            for branch in node.args.get("ifs", []):
                self.same(branch, (branch.this,), "bool")
            results = [b.args.get("true") for b in node.args.get("ifs", [])]
            return self.same(node, (*results, node.args.get("default")))
        if isinstance(node, exp.If):
            self.same(node, (node.this,), "bool")
            return self.same(node, (node.args.get("true"), node.args.get("false")))
        if isinstance(node, exp.Cast):
            inner = self.of(node.this)
            if node.to.this == exp.DataType.Type.TEXT and inner in ("int", "text", None):
                return "text"
            if node.to.this == exp.DataType.Type.BIGINT and inner in ("int", None):
                return "int"
            raise _NotInPlace
        if isinstance(node, (exp.And, exp.Or, exp.Not)):
            self.same(node, tuple(v for v in (node.this, node.args.get("expression")) if v), "bool")
            return "bool"
        if isinstance(node, exp.Is):
            self.of(node.this)
            return "bool"
        if isinstance(node, exp.In):
            self.same(node, (node.this, *node.expressions))
            return "bool"
        if isinstance(node, exp.Between):
            self.same(node, (node.this, node.args.get("low"), node.args.get("high")))
            return "bool"
        if isinstance(node, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE,
                             exp.NullSafeEQ, exp.NullSafeNEQ)):  # fmt: skip
            self.same(node, (node.this, node.expression))
            return "bool"
        raise _NotInPlace

    def same(
        self, parent: exp.Expr, nodes: tuple[exp.Expr | None, ...], wanted: str | None = None
    ) -> str | None:
        """The one kind all ``nodes`` have (NULLs fit any), which must be ``wanted``."""
        kinds = {self.of(n) for n in nodes if n is not None} - {None}
        if wanted is not None:
            kinds.add(wanted)
        if len(kinds) > 1:
            raise _NotInPlace
        return next(iter(kinds), None)

    def text(self, node: exp.Expr) -> None:
        """A text operand: a number is read as its text, as SQLite reads it."""
        kind = self.of(node)
        if kind == "int":
            node.replace(exp.Cast(this=node.copy(), to=exp.DataType.build("text")))
        elif kind not in ("text", None):
            raise _NotInPlace


def _ascii_case(tree: exp.Expr) -> exp.Expr:
    """upper() and lower() of ASCII letters only, as SQLite's."""
    for case in list(tree.find_all(exp.Lower, exp.Upper)):
        src, dst = (
            (_ASCII_LOWER.upper(), _ASCII_LOWER)
            if isinstance(case, exp.Lower)
            else (_ASCII_LOWER, _ASCII_LOWER.upper())
        )
        ascii_only = exp.Anonymous(
            this="translate",
            expressions=[case.this.copy(), exp.Literal.string(src), exp.Literal.string(dst)],
        )
        if case is tree:
            tree = ascii_only
        else:
            case.replace(ascii_only)
    return tree
