"""SQLite's function library as data: what each function an expression may call becomes
in PostgreSQL, and the functions deliberately left out, with the reason.

Every call in an expression reaches the translator as ``name(args…)`` with the name as
SQLite spells it (``expressions`` makes sure of that); :func:`emit` looks the name up here.
A function that is not in :data:`FUNCTIONS` is never emitted: the object using it is left
out and reported, because a function in a CHECK, DEFAULT or index runs during the load.

To translate a new SQLite function, add an entry: its argument count, whether it is an
aggregate (views only), and how to emit it. ``emit=None`` means the PostgreSQL form sqlglot
prints for the SQLite call (checked by the tests against both engines); anything else is a
function of the translated arguments that builds the PostgreSQL expression.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sqlglot
from sqlglot import exp

Emit = Callable[[list[exp.Expr]], exp.Expr]


@dataclass(frozen=True, slots=True)
class Function:
    """One SQLite function: how many arguments it takes and how PostgreSQL gets it."""

    min_args: int
    max_args: int
    aggregate: bool = False  # allowed only where aggregates are (a view's query)
    emit: Emit | None = None  # None: sqlglot's PostgreSQL form of the SQLite call


#: The SQLite functions dumpconv translates, by the name SQLite knows them by.
FUNCTIONS: dict[str, Function] = {
    "abs": Function(1, 1),
    "coalesce": Function(2, 100),
    "ifnull": Function(2, 2),
    "iif": Function(3, 3),
    "nullif": Function(2, 2),
    "lower": Function(1, 1),
    "upper": Function(1, 1),
    "length": Function(1, 1),
    "trim": Function(1, 2),
    "ltrim": Function(1, 2),
    "rtrim": Function(1, 2),
    "substr": Function(2, 3, emit=lambda a: _substr(a)),
    "substring": Function(2, 3, emit=lambda a: _substr(a)),
    "instr": Function(2, 2),
    "count": Function(0, 1, aggregate=True),
    "sum": Function(1, 1, aggregate=True),
    "avg": Function(1, 1, aggregate=True),
    "min": Function(1, 1, aggregate=True),
    "max": Function(1, 1, aggregate=True),
    "group_concat": Function(1, 2, aggregate=True, emit=lambda a: _group_concat(a)),
    # like sum(), but a double always, 0.0 over no rows (sqlite-semantics.md §0, row 22)
    "total": Function(1, 1, aggregate=True, emit=lambda a: _total(a)),
}

#: SQLite functions whose obvious PostgreSQL form answers differently
#: (shared/docs/sqlite-semantics.md §0), left out until they have a faithful one.
NOT_YET: dict[str, str] = {
    "round": "PostgreSQL rounds a double half to even, SQLite half away from zero",
    "max": "as a scalar (two or more arguments) it is NULL when any argument is",
    "min": "as a scalar (two or more arguments) it is NULL when any argument is",
    "date": "dates and times are not translated yet",
    "datetime": "dates and times are not translated yet",
    "time": "dates and times are not translated yet",
    "julianday": "dates and times are not translated yet",
    "strftime": "dates and times are not translated yet",
    "typeof": "PostgreSQL has no storage classes",
    "printf": "not translated yet",
    "replace": "not translated yet",
}


def _int_literal(node: exp.Expr) -> int | None:
    """The value of an integer literal (``3``, ``-3``), else None."""
    sign = 1
    if isinstance(node, exp.Neg):
        sign, node = -1, node.this
    if isinstance(node, exp.Literal) and not node.is_string and str(node.this).isdigit():
        return sign * int(str(node.this))
    return None


def _substr(args: list[exp.Expr]) -> exp.Expr:
    """SQLite's substr: a negative start counts from the end (PostgreSQL's would count from
    before the string). Only literal positions and lengths are translated, since the sign
    decides the meaning; a negative length (the characters before the start) is not."""
    text, start = args[0], args[1]
    first = _int_literal(start)
    if first is None:
        raise CallError("uses substr() with a start that is not a number: SQLite counts a "
                        "negative one from the end, PostgreSQL does not")  # fmt: skip
    length = args[2] if len(args) > 2 else None
    count = _int_literal(length) if length is not None else 0
    if count is None or count < 0:
        raise CallError(
            "uses substr() with a length that is not a number of 0 or more: SQLite takes "
            "the characters before the start for a negative one"
        )
    if first < 0:  # from the end: position length(text) + first + 1
        end = exp.Length(this=text.copy())
        start = exp.Sub(this=end, expression=exp.Literal.number(-first - 1))
    return exp.Substring(this=text, start=start, length=length)


def _as_text(value: exp.Expr) -> exp.Expr:
    return exp.Cast(this=value, to=exp.DataType.build("text"))


def _group_concat(args: list[exp.Expr]) -> exp.Expr:
    """string_agg of the values as text (string_agg takes no numbers), DISTINCT kept, the
    separator ',' unless given."""
    value = args[0]
    if isinstance(value, exp.Distinct):
        value = exp.Distinct(expressions=[_as_text(e) for e in value.expressions])
    else:
        value = _as_text(value)
    # Without a separator, sqlglot prints SQLite's default ',' (a literal node here would be
    # read as one of the expression's placeholders).
    return exp.GroupConcat(this=value, separator=args[1] if len(args) > 1 else None)


def _total(args: list[exp.Expr]) -> exp.Expr:
    summed = exp.Coalesce(this=exp.Sum(this=args[0]), expressions=[exp.Literal.number(0)])
    return exp.Cast(this=summed, to=exp.DataType.build("double"))


class CallError(Exception):
    """A call that is not in the table, or has the wrong number of arguments."""


def emit(name: str, args: list[exp.Expr], *, query: bool) -> exp.Expr:
    """The PostgreSQL expression for the SQLite call ``name(args)``.

    Raises:
        CallError: the function is not translated, or the call does not fit it.
    """
    key = name.lower()
    fn = FUNCTIONS.get(key)
    if fn is None or not fn.min_args <= len(args) <= fn.max_args:
        why = NOT_YET.get(key)
        if fn is None or why is not None:
            raise CallError(
                f"uses the function {name}(), not translated" + (f": {why}" if why else "")
            )
        raise CallError(f"calls {name}() with {len(args)} arguments")
    if fn.aggregate and not query:
        raise CallError(f"uses the aggregate {name}() outside a query")
    if fn.emit is not None:
        return fn.emit(args)
    node = _template(key, len(args)).copy()
    for slot in list(node.find_all(exp.Column)):
        slot.replace(args[int(slot.name[len(_SLOT) :])])
    return node


_SLOT = "dumpconv_arg_"


@cache
def _template(name: str, n: int) -> exp.Expr:
    """sqlglot's reading of ``name(arg0, arg1, …)`` in SQLite, with columns as slots."""
    slots = ", ".join(f"{_SLOT}{i}" for i in range(n)) if n else "*"
    return sqlglot.parse_one(f"{name}({slots})", read="sqlite")
