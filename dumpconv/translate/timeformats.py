"""The results of SQLite's date and time functions (``datetimes`` reads the time value and
its modifiers): ``date``, ``time``, ``datetime`` and ``strftime`` text by ``to_char``
patterns, with literal text quoted, or by expressions for the specifiers ``to_char`` has no
pattern for (``%w %W %s %J``, ``%f`` with SQLite's rounding); ``julianday`` and
``unixepoch`` computed from the instant in milliseconds, as SQLite does.
"""

from __future__ import annotations

from sqlglot import exp

from dumpconv.translate.datetimes import (
    JD_EPOCH_MS,
    DateError,
    apply,
    case,
    cast,
    div,
    extract,
    fn,
    lit,
    modifiers,
    moment,
    num,
    paren,
    to_ms,
    typed_null,
)

_FORMATS = {"date": "%Y-%m-%d", "time": "%H:%M:%S", "datetime": "%Y-%m-%d %H:%M:%S"}
RESULT_TYPES = {"date": "text", "time": "text", "datetime": "text", "strftime": "text",
                "julianday": "double precision", "unixepoch": "bigint"}  # fmt: skip
# strftime specifiers with a to_char pattern (SQLite's fields, fractions truncated)
_PATTERNS = {"Y": "YYYY", "m": "MM", "d": "DD", "H": "HH24", "M": "MI", "S": "SS", "j": "DDD"}
# ... of SQLite 3.44+ (NULL in 3.40): left out, their answer depends on the version
_LATER_SPECIFIERS = frozenset("eFIklpPRTuGgUV")
_MAX_NODES = 12000
_YEAR_1 = cast(lit("0001-01-01"), "timestamp")
_YEAR_10000 = cast(lit("10000-01-01"), "timestamp")


def call(name: str, args: list[exp.Expr]) -> exp.Expr:
    """The PostgreSQL expression for SQLite's ``name(args)`` (a date/time function)."""
    fmt: exp.Expr | None = None
    if name == "strftime":
        fmt, args = args[0], args[1:]
    value = args[0] if args else lit("now")
    unix, steps = modifiers(args[1:])
    if steps is None or isinstance(fmt, exp.Null):
        return typed_null(RESULT_TYPES[name])
    ts = apply(moment(value, unix), steps)
    if any(step.kind != "start" for step in steps):  # SQLite: NULL beyond its years
        ts = case(
            (
                exp.And(
                    this=exp.GTE(this=ts.copy(), expression=_YEAR_1),
                    expression=exp.LT(this=ts.copy(), expression=_YEAR_10000),
                ),
                ts,
            )
        )
    if name == "julianday":
        out = div(this=cast(_jd_ms(ts), "double precision"), expression=num("86400000.0"))
    elif name == "unixepoch":
        out = _unix(ts)
    else:
        if fmt is None:
            fmt = lit(_FORMATS[name])
        if not (isinstance(fmt, exp.Literal) and fmt.is_string):
            raise DateError("strftime() of a format that is not a literal string")
        out = _strftime(fmt.this, ts)
        out.meta["sqlite_text"] = True
    if sum(1 for _ in out.walk()) > _MAX_NODES:
        raise DateError("the translation would be too large")
    return out


def _jd_ms(ts: exp.Expr) -> exp.Expr:
    epoch_ms = exp.Mul(this=extract("epoch", to_ms(ts)), expression=num(1000))
    return cast(exp.Add(this=epoch_ms, expression=num(JD_EPOCH_MS)), "bigint")


def _unix(ts: exp.Expr) -> exp.Expr:
    return cast(fn("floor", extract("epoch", to_ms(ts))), "bigint")


def _strftime(fmt: str, ts: exp.Expr) -> exp.Expr:
    """The format as text pieces joined by ||: runs of to_char patterns and literal text
    (double-quoted in the pattern when it has letters), and the specifiers to_char has
    no pattern for."""
    parts: list[exp.Expr] = []
    pattern: list[str] = []

    def flush() -> None:
        if pattern:
            parts.append(fn("to_char", ts.copy(), lit("".join(pattern))))
            pattern.clear()

    def literal(text: str) -> None:
        if any(c in text for c in '"\\'):
            flush()
            parts.append(lit(text))
        elif any(c.isalnum() for c in text):
            pattern.append(f'"{text}"')
        else:
            pattern.append(text)

    i = 0
    while i < len(fmt):
        j = fmt.find("%", i)
        if j < 0:
            literal(fmt[i:])
            break
        if j > i:
            literal(fmt[i:j])
        spec = fmt[j + 1 : j + 2]
        i = j + 2
        if spec in _PATTERNS:
            pattern.append(_PATTERNS[spec])
        elif spec == "%":
            literal("%")
        elif spec in _LATER_SPECIFIERS:
            raise DateError(
                f"the strftime specifier %{spec} is only known to later SQLite versions"
            )
        elif spec in "fwWsJ" and spec:
            flush()
            parts.append(_special(spec, ts))
        else:  # SQLite answers NULL for an unknown specifier
            return typed_null("text")
    flush()
    if not parts:  # no specifier: the text, where SQLite reads a time value
        return case((exp.Not(this=exp.Is(this=ts, expression=exp.Null())), lit("")))
    if not any(_depends(p) for p in parts):
        parts.append(case((exp.Not(this=exp.Is(this=ts, expression=exp.Null())), lit(""))))
    out = parts[0]
    for p in parts[1:]:
        out = exp.DPipe(this=out, expression=p)
    return paren(out)


def _depends(node: exp.Expr) -> bool:
    return not isinstance(node, exp.Literal)


def _special(spec: str, ts: exp.Expr) -> exp.Expr:
    if spec == "f":  # seconds and milliseconds, SQLite's rounding
        return fn("to_char", to_ms(ts.copy()), lit("SS.MS"))
    if spec == "w":  # 0-6, Sunday 0
        return cast(cast(extract("dow", ts), "int"), "text")
    if spec == "s":
        return cast(_unix(ts.copy()), "text")
    if spec == "W":  # Monday weeks, 00-53; days before the first Monday are week 00
        doy = cast(extract("doy", ts), "int")
        dow = exp.Sub(this=cast(extract("isodow", ts), "int"), expression=num(1))
        weeks = div(
            this=paren(
                exp.Sub(
                    this=exp.Add(this=exp.Sub(this=doy, expression=num(1)), expression=num(7)),
                    expression=paren(dow),
                )
            ),
            expression=num(7),
        )
        return fn("lpad", cast(weeks, "text"), num(2), lit("0"))
    # J: the Julian day as SQLite's %.16g writes it (exact quotient rounded to 16 digits)
    jd = paren(div(this=cast(_jd_ms(ts), "numeric(40, 20)"), expression=num(86400000)))
    digits = fn("length", cast(fn("floor", jd.copy()), "text"))
    rounded = fn("round", jd, exp.Sub(this=num(16), expression=digits))
    return fn("rtrim", fn("rtrim", cast(rounded, "text"), lit("0")), lit("."))
