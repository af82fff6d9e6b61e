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

from dumpconv.translate import datetimes, timeformats
from dumpconv.translate.typed import deferred

Emit = Callable[[list[exp.Expr]], exp.Expr]


@dataclass(frozen=True, slots=True)
class Function:
    """One SQLite function: how many arguments it takes and how PostgreSQL gets it."""

    min_args: int
    max_args: int
    aggregate: bool = False  # allowed only where aggregates are (a view's query)
    emit: Emit | None = None  # None: sqlglot's PostgreSQL form of the SQLite call
    scalar_from: int = 0  # with this many arguments or more, not an aggregate (max, min)


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
    # a double always, as SQLite's (PostgreSQL's avg of integers is numeric: 2.0000…)
    "avg": Function(1, 1, aggregate=True, emit=lambda a: _double(exp.Avg(this=a[0]))),
    # one argument: the aggregate; more: NULL when any is (sqlite-semantics.md §0, row 8)
    "min": Function(1, 100, aggregate=True, scalar_from=2, emit=lambda a: _extreme(a, "least")),
    "max": Function(1, 100, aggregate=True, scalar_from=2, emit=lambda a: _extreme(a, "greatest")),
    "group_concat": Function(1, 2, aggregate=True, emit=lambda a: _group_concat(a)),
    # like sum(), but a double always, 0.0 over no rows (sqlite-semantics.md §0, row 22)
    "total": Function(1, 1, aggregate=True, emit=lambda a: _total(a)),
    # half away from zero, as PostgreSQL's numeric round (a double's is half to even)
    "round": Function(1, 2, emit=lambda a: _round(a)),
    "replace": Function(3, 3, emit=lambda a: _call("replace", a)),
    # SQLite's date and time functions (translate/datetimes.py)
    "date": Function(0, 100, emit=lambda a: _datetime("date", a)),
    "time": Function(0, 100, emit=lambda a: _datetime("time", a)),
    "datetime": Function(0, 100, emit=lambda a: _datetime("datetime", a)),
    "julianday": Function(0, 100, emit=lambda a: _datetime("julianday", a)),
    "unixepoch": Function(0, 100, emit=lambda a: _datetime("unixepoch", a)),
    "strftime": Function(1, 100, emit=lambda a: _datetime("strftime", a)),
    # translated by typed.py once the columns' types are known
    "glob": Function(2, 2, emit=lambda a: exp.Glob(this=a[1], expression=a[0])),
    "typeof": Function(1, 1, emit=lambda a: deferred("typeof", a)),
    "printf": Function(1, 100, emit=lambda a: deferred("printf", a)),
    "format": Function(1, 100, emit=lambda a: deferred("format", a)),
}

#: SQLite functions whose obvious PostgreSQL form answers differently
#: (shared/docs/sqlite-semantics.md §0), left out until they have a faithful one.
NOT_YET: dict[str, str] = {
    "quote": "its text depends on the value's SQLite storage class, which the call cannot see",
    "hex": "its text depends on the value's SQLite storage class, which the call cannot see",
    "json_extract": "SQLite answers SQL values (text unquoted, numbers as integer or real, "
    "objects as compact JSON text in document order), which one PostgreSQL expression of one "
    "type cannot give",
    "timediff": "SQLite 3.43+ only",
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


def _double(value: exp.Expr) -> exp.Expr:
    return exp.Cast(this=value, to=exp.DataType.build("double"))


def _total(args: list[exp.Expr]) -> exp.Expr:
    summed = exp.Coalesce(this=exp.Sum(this=args[0]), expressions=[exp.Literal.number(0)])
    return _double(summed)


def _call(name: str, args: list[exp.Expr]) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=args)


def _extreme(args: list[exp.Expr], pg: str) -> exp.Expr:
    """min/max: the aggregate of one argument; of more, NULL when any argument is NULL
    (PostgreSQL's least/greatest skip NULLs)."""
    if len(args) == 1:
        return (exp.Max if pg == "greatest" else exp.Min)(this=args[0])
    nulls = _call("num_nulls", [a.copy() for a in args])
    return exp.Case(
        ifs=[exp.If(this=exp.GT(this=nulls, expression=exp.Literal.number(0)), true=exp.Null())],
        default=_call(pg, args),
    )


def _round(args: list[exp.Expr]) -> exp.Expr:
    """round(x[, n]) as numeric's round (half away from zero), a double as in SQLite; n is
    a literal (SQLite reads a negative one as 0 and more than 30 as 30)."""
    digits = 0
    if len(args) > 1:
        n = _int_literal(args[1])
        if n is None:
            raise CallError("uses round() with a number of digits that is not an integer: "
                            "SQLite reads a negative one as 0")  # fmt: skip
        digits = min(max(n, 0), 30)
    value = exp.Cast(this=args[0], to=exp.DataType.build("numeric"))
    rounded = _call("round", [value, exp.Literal.number(digits)])
    return exp.Cast(this=rounded, to=exp.DataType.build("double"))


def _datetime(name: str, args: list[exp.Expr]) -> exp.Expr:
    try:
        return timeformats.call(name, args)
    except datetimes.DateError as e:
        raise CallError(f"uses {name}() in a way not translated: {e}") from None


#: The functions reading SQLite's current time through 'now' (or no time value at all).
CLOCK = frozenset({"date", "time", "datetime", "julianday", "unixepoch", "strftime"})


def _reads_now(key: str, args: list[exp.Expr]) -> bool:
    value = args[1:2] if key == "strftime" else args[:1]
    if not value:
        return True
    node = value[0]
    return isinstance(node, exp.Literal) and node.is_string and node.this.lower() == "now"


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
    aggregate = fn.aggregate and not (fn.scalar_from and len(args) >= fn.scalar_from)
    if aggregate and not query:
        raise CallError(f"uses the aggregate {name}() outside a query")
    if key in CLOCK and not query and _reads_now(key, args):
        # PostgreSQL would fix 'now' when the statement runs, not each time.
        raise CallError("depends on the current time through 'now'")
    if key in CLOCK and not query:
        raise CallError(
            f"uses {name}() outside a query: its PostgreSQL form (to_char, casts of text) is "
            "not IMMUTABLE, which an index or generated column must be"
        )
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
