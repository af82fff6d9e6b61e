"""Where SQLite's dynamic typing meets PostgreSQL's static types inside an expression: a
column that became boolean compared with 1, values of mixed types in coalesce(), reals
turned to text (PostgreSQL writes 1 where SQLite writes 1.0)."""

from __future__ import annotations

from sqlglot import exp

from dumpconv.translate.items import is_text_type
from dumpconv.translate.lexing import Untranslatable

REAL_TYPES = ("double precision", "numeric")


def coalesce_as_text(node: exp.Coalesce) -> None:
    """``coalesce(n, '')``: SQLite answers either value as it is, PostgreSQL needs one type
    (it would read '' as a number and fail): with a string among the arguments, the others
    are taken as text, as the string context they are written for (Django's Concat) reads
    them. A real is left out (PostgreSQL writes 1 for SQLite's 1.0)."""
    args = [node.this, *node.expressions]
    if not any(isinstance(a, exp.Literal) and a.is_string for a in args):
        return
    for arg in args:
        if isinstance(arg, (exp.Literal, exp.Null)) and not (
            isinstance(arg, exp.Literal) and not arg.is_string
        ):
            continue
        kind = arg.meta.get("pg_type") if isinstance(arg, exp.Column) else None
        if kind is not None and is_text_type(kind):
            continue
        if any(c.meta.get("pg_type") in REAL_TYPES for c in arg.find_all(exp.Column)):
            raise Untranslatable("takes a real as text in coalesce(), which PostgreSQL writes "
                                 "differently (1 for SQLite's 1.0)")  # fmt: skip
        arg.replace(exp.Cast(this=arg.copy(), to=exp.DataType.build("text")))


def as_text_in_aggregate(col: exp.Column) -> bool:
    """Whether the column's values are turned to text by group_concat (string_agg)."""
    parent = col.parent
    return isinstance(parent, exp.Cast) and isinstance(
        parent.parent.parent if isinstance(parent.parent, exp.Distinct) else parent.parent,
        exp.GroupConcat,
    )


def boolean_compare(col: exp.Expr) -> None:
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
    elif isinstance(parent, _NUMERIC_USES) or (
        isinstance(parent, exp.Cast) and parent.to.this == exp.DataType.Type.TEXT
    ):
        # SQLite held 0 and 1: sum(done), done + 1 and group_concat(done) count and write
        # them as numbers (PostgreSQL has no sum of booleans and writes true as 'true').
        col.replace(exp.Cast(this=col.copy(), to=exp.DataType.build("int")))


_NUMERIC_USES = (
    exp.Sum, exp.Avg, exp.Max, exp.Min, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg,
    exp.GT, exp.GTE, exp.LT, exp.LTE,
)  # fmt: skip


# CAST targets, by SQLite affinity of the type name, and what they are in PostgreSQL.
_CAST_TYPES = {"INTEGER": "BIGINT", "TEXT": "TEXT", "REAL": "DOUBLE PRECISION",
               "NUMERIC": "NUMERIC", "BLOB": "BYTEA"}  # fmt: skip


def cast_type(node: exp.DataType) -> exp.Expr:
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
