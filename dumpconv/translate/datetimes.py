"""SQLite's date and time functions of stored values: ``date``, ``time``, ``datetime``,
``julianday``, ``unixepoch`` and ``strftime`` of a time value and literal modifiers, as
PostgreSQL expressions giving the same text or number (SQLite 3.40's answers, measured on
both engines by ``tests/translate/test_functions.py``).

A time value is read as SQLite reads it, whatever the column became: ISO text
(``YYYY-MM-DD[ HH:MM[:SS[.fff]]]``, ``T`` or spaces between, ``Z`` or ``±HH:MM`` after, or
``HH:MM…`` alone on 2000-01-01), a number or numeric text (a Julian day number, or unix
seconds after ``'unixepoch'``), ``'now'`` (a view's query time). Anything else is NULL, as
in SQLite: text is matched by a regular expression before PostgreSQL casts it, so nothing
SQLite calls invalid raises an error. A column's type is not known when a call is emitted,
so the value is read by its type at run time (``pg_typeof``): a ``timestamp``, ``date``,
``time`` or ``timestamptz`` column (the UTC instant of its text) is cast through its own
text form, which PostgreSQL reads back exactly.

Inside, the value is a ``timestamp`` meaning UTC; every result is printed by ``to_char``
(never ``::text``, whose form is not SQLite's). SQLite rounds to the millisecond once it
computes (a modifier, ``julianday``, ``%f``): :func:`to_ms` does the same.

Differences left (edge cases, named in the README): a day beyond the month's end
(``2024-02-30``) is carried into the next month, as SQLite 3.42+ and any modifier do (3.40
echoes it without modifiers); hour 24, year 0000 and negative years read as NULL; a result
beyond year 9999 is printed (SQLite: NULL); ``%J`` rounds the exact quotient to 16 digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

# ---- SQL building blocks ----------------------------------------------------------------


def fn(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def lit(text: str) -> exp.Expr:
    return exp.Literal.string(text)


def num(value: int | float | str) -> exp.Expr:
    return exp.Literal.number(value)


def cast(value: exp.Expr, to: str) -> exp.Expr:
    return exp.Cast(this=value, to=exp.DataType.build(to, dialect="postgres"))


def interval(text: str) -> exp.Expr:
    return cast(lit(text), "interval")


def case(*pairs: tuple[exp.Expr, exp.Expr], default: exp.Expr | None = None) -> exp.Expr:
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in pairs], default=default)


def _matches(text: exp.Expr, pattern: str) -> exp.Expr:
    return exp.RegexpLike(this=text, expression=lit(pattern))


def div(this: exp.Expr, expression: exp.Expr) -> exp.Expr:
    """PostgreSQL's own division (integer for integers)."""
    return exp.Div(this=this, expression=expression, typed=True)


def paren(node: exp.Expr) -> exp.Expr:
    return exp.Paren(this=node)


def extract(part: str, ts: exp.Expr) -> exp.Expr:
    return exp.Extract(this=exp.Var(this=part), expression=ts.copy())


def typed_null(pg_type: str) -> exp.Expr:
    return cast(exp.Null(), pg_type)


class DateError(Exception):
    """A date/time call that has no faithful PostgreSQL form here."""


# ---- reading a time value -----------------------------------------------------------------

_SPACE = "[[:space:]]"
_DATE = "(?!0000)[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = "([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?"
_ZONE = f"{_SPACE}*([Zz]|[+-](0[0-9]|1[0-4]):[0-5][0-9])?{_SPACE}*"
#: What SQLite reads as a date and time (hour 24 left out: SQLite keeps it as written).
ISO = f"^({_DATE}([[:space:]T]*{_TIME}{_ZONE}|[[:space:]T]*)|{_TIME}{_ZONE})$"
_ZONED = f"([Zz]|[+-][0-9]{{2}}:[0-9]{{2}}){_SPACE}*$"
#: What SQLite reads as a number (exponents beyond 99 are left out: NULL either way).
NUMBER = f"^{_SPACE}*[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{{1,2}})?{_SPACE}*$"

JD_EPOCH_MS = 210866760000000  # 1970-01-01 00:00 UTC as milliseconds of Julian day
_DAY_MS = 86400000


def _from_jd_ms(ms: exp.Expr) -> exp.Expr:
    """The timestamp of a Julian day in milliseconds (an integral double)."""
    since = paren(exp.Sub(this=cast(ms, "bigint"), expression=num(JD_EPOCH_MS)))
    days = exp.Mul(
        this=paren(div(this=since, expression=num(_DAY_MS))), expression=interval("1 day")
    )
    rest = exp.Mul(
        this=paren(exp.Mod(this=since.copy(), expression=num(_DAY_MS))),
        expression=interval("1 millisecond"),
    )
    return paren(
        exp.Add(
            this=exp.Add(this=cast(lit("1970-01-01"), "timestamp"), expression=days),
            expression=rest,
        )
    )


def _trunc_half_up(value: exp.Expr) -> exp.Expr:
    """C's ``(sqlite3_int64)(value + 0.5)`` of a non-negative double."""
    return fn("trunc", exp.Add(this=value, expression=num("0.5")))


def _number_moment(r: exp.Expr, unix: str | None) -> exp.Expr:
    """A number as SQLite reads it: a Julian day, or unix seconds after 'unixepoch'
    ('auto': a Julian day when it is one). Instants before year 1 are NULL here (SQLite
    writes their years with a sign; PostgreSQL's are BC)."""

    def within(value: exp.Expr, low: str, high: str) -> exp.Expr:
        return exp.And(
            this=exp.GTE(this=value.copy(), expression=num(low)),
            expression=exp.LT(this=value.copy(), expression=num(high)),
        )

    day_ms = exp.Mul(this=r.copy(), expression=num("86400000.0"))
    jd = case((within(r, "1721425.5", "5373484.5"), _from_jd_ms(_trunc_half_up(day_ms))))
    if unix is None:
        return jd
    shifted = exp.Add(
        this=exp.Mul(this=r.copy(), expression=num("1000.0")), expression=num(f"{JD_EPOCH_MS}.0")
    )
    seconds = case(
        (
            within(shifted, "148731120000000.0", "464269060800000.0"),
            _from_jd_ms(_trunc_half_up(shifted)),
        )
    )
    if unix == "unixepoch":
        return seconds
    return case((within(r, "0", "5373484.5"), jd), default=seconds)


def _iso_moment(t: exp.Expr) -> exp.Expr:
    """ISO text (already matched by :data:`ISO`) as a timestamp: the day of the month is
    added to its first, so that a day beyond the month's end carries as in SQLite."""
    first = fn(
        "regexp_replace", t.copy(), lit("^([0-9]{4}-[0-9]{2}-)[0-9]{2}[[:space:]T]*"), lit("\\101 ")
    )
    canon = fn("regexp_replace", first, lit("^([0-9]{2}:)"), lit("2000-01-01 \\1"))
    zoned = exp.AtTimeZone(this=cast(canon, "timestamptz"), zone=lit("UTC"))
    base = case((_matches(t.copy(), _ZONED), zoned), default=cast(canon.copy(), "timestamp"))
    day = cast(fn("substring", t.copy(), lit("^[0-9]{4}-[0-9]{2}-([0-9]{2})")), "int")
    days = exp.Coalesce(this=exp.Sub(this=day, expression=num(1)), expressions=[num(0)])
    return paren(
        exp.Add(this=paren(base), expression=exp.Mul(this=days, expression=interval("1 day")))
    )


def _text_moment(t: exp.Expr, unix: str | None) -> exp.Expr:
    number = (_matches(t.copy(), NUMBER), _number_moment(cast(t.copy(), "double precision"), unix))
    if unix == "unixepoch":  # only a number is read as unix seconds; text is then NULL
        return case(number)
    return case((_matches(t.copy(), ISO), _iso_moment(t)), number)


# The types a column may have become, and how its value is read back (through its own text
# form, which type-checks for any column; the branch taken is the column's).
_NUMBERS = ("bigint", "integer", "smallint", "double precision", "real", "numeric")
_TYPED: dict[str, Callable[[exp.Expr], exp.Expr]] = {
    "timestamp without time zone": lambda t: cast(t, "timestamp"),
    "timestamp with time zone": lambda t: exp.AtTimeZone(
        this=cast(t, "timestamptz"), zone=lit("UTC")
    ),
    "date": lambda t: cast(cast(t, "date"), "timestamp"),
    "time without time zone": lambda t: exp.Add(
        this=cast(lit("2000-01-01"), "date"), expression=cast(t, "time")
    ),
}

NOW = exp.Anonymous(
    this="date_trunc",
    expressions=[lit("milliseconds"), exp.AtTimeZone(this=exp.CurrentTimestamp(), zone=lit("UTC"))],
)


def moment(value: exp.Expr, unix: str | None) -> exp.Expr:
    """The SQLite time value ``value`` as a PostgreSQL timestamp (UTC), NULL where SQLite
    reads none."""
    if isinstance(value, exp.Null):
        return typed_null("timestamp")
    if isinstance(value, exp.Literal) and value.is_string:
        if value.this.lower() == "now":
            return NOW.copy() if unix is None else typed_null("timestamp")
        return _literal_moment(value.this, unix)
    if _is_number(value):
        return _number_moment(cast(value, "double precision"), unix)
    if value.meta.get("sqlite_text"):
        return _text_moment(value, unix)
    kind = cast(fn("pg_typeof", value.copy()), "text")
    text = cast(value, "text")
    pairs: list[tuple[exp.Expr, exp.Expr]] = [
        (
            exp.In(this=kind.copy(), expressions=[lit(n) for n in _NUMBERS]),
            _number_moment(cast(text.copy(), "double precision"), unix),
        )
    ]
    if unix != "unixepoch":
        for name, read in _TYPED.items():
            pairs.append((exp.EQ(this=kind.copy(), expression=lit(name)), read(text.copy())))
    return case(*pairs, default=_text_moment(text, unix))


def _python(pattern: str) -> re.Pattern[str]:
    return re.compile(
        pattern.replace("[[:space:]", "[ \t\n\v\f\r").replace(_SPACE, "[ \t\n\v\f\r]")
    )


_ISO_PY = _python(ISO)
_NUMBER_PY = _python(NUMBER)


def _literal_moment(text: str, unix: str | None) -> exp.Expr:
    """A literal's reading is chosen here: PostgreSQL folds constants in every branch of a
    CASE, so a cast in a branch not taken would still fail."""
    if _NUMBER_PY.fullmatch(text):
        return _number_moment(cast(lit(text), "double precision"), unix)
    if _ISO_PY.fullmatch(text) and unix != "unixepoch":
        return _iso_moment(lit(text))
    return typed_null("timestamp")


def _is_number(node: exp.Expr) -> bool:
    if isinstance(node, exp.Neg):
        node = node.this
    return isinstance(node, exp.Literal) and not node.is_string


# ---- modifiers ---------------------------------------------------------------------------

# SQLite's units: name → (milliseconds per unit, the limit of the amount)
_UNITS = {
    "second": (1.0, 4.6427e14), "minute": (60.0, 7.7379e12), "hour": (3600.0, 1.2897e11),
    "day": (86400.0, 5373485.0), "month": (2592000.0, 176546.0), "year": (31536000.0, 14713.0),
}  # fmt: skip
_AMOUNT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SHIFT = re.compile(r"([+-]?)([01][0-9]|2[0-4]):([0-5][0-9])(?::([0-5][0-9]))?")
_SQLITE_SPACE = " \t\n\v\f\r"
#: Modifiers of later SQLite versions: their meaning depends on the version that wrote the
#: dump, so the call is left out rather than answered as one of them.
_LATER = ("subsec", "subsecond", "ceiling", "floor")


@dataclass(frozen=True, slots=True)
class Modifier:
    """One step: ``kind`` (add, months, start, weekday, local, utc) and its amount."""

    kind: str
    amount: int = 0  # milliseconds to add, months, the weekday
    unit: str = ""  # for start of: day, month, year


def modifiers(texts: list[exp.Expr]) -> tuple[str | None, list[Modifier] | None]:
    """The modifiers as steps, after the 'unixepoch'/'auto' reading of a number; None for
    the steps when SQLite answers NULL (a modifier it does not know, a NULL one)."""
    unix: str | None = None
    steps: list[Modifier] = []
    for i, node in enumerate(texts):
        if isinstance(node, exp.Null):
            return unix, None
        if not (isinstance(node, exp.Literal) and node.is_string):
            raise DateError("a modifier that is not a literal string is not translated")
        z = "".join(c.lower() if c.isascii() else c for c in node.this)
        if z in ("unixepoch", "auto"):
            if i > 0 and z == "unixepoch":
                return unix, None
            unix = z
            continue
        if z in _LATER or (z.startswith(("+", "-")) and re.fullmatch(r"[+-]\d{4}-.*", z)):
            raise DateError(f"the modifier {node.this!r} is only known to later SQLite versions")
        step = _modifier(z)
        if step is None:
            return unix, None
        steps.extend(step)
    return unix, steps


def _modifier(z: str) -> list[Modifier] | None:
    if z == "localtime":
        return [Modifier("local")]
    if z == "utc":
        return [Modifier("utc")]
    if z.startswith("weekday "):
        rest = z[8:].strip(_SQLITE_SPACE)
        if _AMOUNT.fullmatch(rest) and float(rest) == int(float(rest)) and 0 <= float(rest) < 7:
            return [Modifier("weekday", int(float(rest)))]
        return None
    if z.startswith("start of "):
        unit = z[9:]
        return [Modifier("start", unit=unit)] if unit in ("day", "month", "year") else None
    n = 1
    while n < len(z) and z[n] != ":" and z[n] not in _SQLITE_SPACE:
        n += 1
    if n < len(z) and z[n] == ":":
        shift = _SHIFT.fullmatch(z)
        if shift is None:
            return None
        sign, hh, mm, ss = shift.groups()
        ms = ((int(hh) * 60 + int(mm)) * 60 + int(ss or 0)) * 1000 % 86400000
        return [Modifier("add", -ms if sign == "-" else ms)]
    if not _AMOUNT.fullmatch(z[:n]):
        return None
    r = float(z[:n])
    unit = z[n:].lstrip(_SQLITE_SPACE)
    if not 3 <= len(unit) <= 10:
        return None
    unit = unit[:-1] if unit.endswith("s") else unit
    if unit not in _UNITS or not -_UNITS[unit][1] < r < _UNITS[unit][1]:
        return None
    rounder = -0.5 if r < 0 else 0.5
    steps = []
    if unit in ("month", "year"):
        whole = int(r)
        steps.append(Modifier("months", whole * (12 if unit == "year" else 1)))
        r -= whole
    steps.append(Modifier("add", int(r * 1000.0 * _UNITS[unit][0] + rounder)))
    return steps


def to_ms(ts: exp.Expr) -> exp.Expr:
    """The instant rounded to the millisecond, as SQLite computes with it."""
    later = exp.Add(this=ts, expression=interval("500 microseconds"))
    return fn("date_trunc", lit("milliseconds"), later)


def apply(ts: exp.Expr, steps: list[Modifier]) -> exp.Expr:
    for step in steps:
        if step.kind == "start":
            ts = fn("date_trunc", lit(step.unit), ts)
            continue
        ts = to_ms(ts)
        if step.kind == "add":
            if step.amount:
                ts = paren(exp.Add(this=ts, expression=interval(f"{step.amount} milliseconds")))
        elif step.kind == "months":
            # SQLite moves the month and keeps the day, which may then carry into the next
            # month (Jan 31 + 1 month = Mar 2 or 3); PostgreSQL's interval would clamp it.
            start = fn("date_trunc", lit("month"), ts.copy())
            moved = exp.Add(this=start, expression=interval(f"{step.amount} months"))
            into = paren(exp.Sub(this=ts.copy(), expression=start.copy()))
            ts = paren(exp.Add(this=moved, expression=into))
        elif step.kind == "weekday":
            dow = cast(extract("dow", ts), "int")
            ahead = exp.Mod(
                this=paren(exp.Sub(this=num(7 + step.amount), expression=dow)), expression=num(7)
            )
            ts = paren(
                exp.Add(
                    this=ts, expression=exp.Mul(this=paren(ahead), expression=interval("1 day"))
                )
            )
        elif step.kind == "local":  # the session's TimeZone stands for the application's
            ts = cast(exp.AtTimeZone(this=ts, zone=lit("UTC")), "timestamp")
        else:  # utc
            ts = exp.AtTimeZone(this=cast(ts, "timestamptz"), zone=lit("UTC"))
    return ts
