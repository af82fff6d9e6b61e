"""SQLite's date and time functions of 'now' as column DEFAULTs, and its random ids
(``randomblob(16)``, ``lower(hex(randomblob(16)))``): ``datetime()``,
``date('now')``, ``strftime('%Y-%m-%d %H:%M:%f', 'now')``, ``julianday('now')``,
``unixepoch()``, with the ``'utc'`` and ``'localtime'`` modifiers, as the PostgreSQL
expression that gives the same text or number at insert time.

SQLite computes them in UTC (``'localtime'``: the application's time zone, which on
PostgreSQL is the session's ``TimeZone``). Anything else (another modifier, a format
specifier with no ``to_char`` equivalent) is not a clock default: the caller leaves the
DEFAULT out and reports it.
"""

from __future__ import annotations

from dumpconv.base.pgsql import quote_literal
from dumpconv.read.lexer import Tok, tokenize

_UTC = "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"
_LOCAL = "LOCALTIMESTAMP"

# strftime specifiers → to_char patterns (SQLite's %f is seconds with milliseconds).
_PATTERNS = {
    "Y": "YYYY", "m": "MM", "d": "DD", "H": "HH24", "M": "MI", "S": "SS", "f": "SS.MS",
    "j": "DDD",
}  # fmt: skip
_FORMATS = {
    "datetime": "%Y-%m-%d %H:%M:%S",
    "date": "%Y-%m-%d",
    "time": "%H:%M:%S",
}
_FUNCTIONS = ("datetime", "date", "time", "strftime", "julianday", "unixepoch")


class NotClock(Exception):
    """A call to a date function of 'now' that has no faithful PostgreSQL default."""


def clock_default(expr: str, pg_type: str) -> str | None:
    """The PostgreSQL DEFAULT for a SQLite date/time-of-now call, or None when ``expr`` is
    not such a call.

    Raises:
        NotClock: it is one, but with a modifier, a format or a column type dumpconv does
            not translate faithfully.
    """
    call = _call(expr)
    if call is None:
        return None
    name, args = call
    fmt = None
    if name == "strftime":
        if not args:
            raise NotClock("strftime() needs a format")
        fmt, args = args[0], args[1:]
    elif name in _FORMATS:
        fmt = _FORMATS[name]
    if args[:1] == ["now"]:
        args = args[1:]
    elif args and name != "unixepoch":
        raise NotClock(f"{name}() of a value other than 'now'")
    local = False
    for modifier in args:
        if modifier.lower() == "localtime":
            local = True
        elif modifier.lower() != "utc":
            raise NotClock(f"the modifier {modifier!r} is not translated")
    moment = _LOCAL if local else _UTC
    base = pg_type.split("(")[0]
    if name == "julianday":
        return _number(f"(EXTRACT(EPOCH FROM {moment}) / 86400 + 2440587.5)", base, real=True)
    if name == "unixepoch" or fmt == "%s":
        return _number(f"floor(EXTRACT(EPOCH FROM {moment}))", base, real=False)
    assert fmt is not None
    if base in ("text", "varchar"):
        return f"to_char({moment}, {quote_literal(_to_char(fmt))})"
    typed = {
        ("%Y-%m-%d %H:%M:%S", "timestamp"): moment,
        ("%Y-%m-%d %H:%M:%f", "timestamp"): moment,
        ("%Y-%m-%d", "date"): f"({moment}::date)",
        ("%H:%M:%S", "time"): f"({moment}::time(0))",
    }.get((fmt, base))
    if typed is None:
        raise NotClock(f"{fmt!r} has no equivalent for {pg_type}")
    return typed


def _number(expr: str, base: str, *, real: bool) -> str:
    if base in ("double precision", "numeric") or (base == "text" and real):
        return f"({expr})::{'text' if base == 'text' else base}"
    if base in ("bigint", "integer") and not real:
        return f"({expr})::{base}"
    if base == "text":
        return f"(({expr})::bigint)::text"
    raise NotClock(f"a number has no equivalent for {base}")


def _to_char(fmt: str) -> str:
    """A strftime format as a to_char pattern; literal text is quoted, so that no letter
    of it is read as a pattern."""
    out: list[str] = []
    literal: list[str] = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt):
            spec = fmt[i + 1]
            i += 2
            if spec == "%":
                literal.append("%")
                continue
            if spec not in _PATTERNS:
                raise NotClock(f"the strftime specifier %{spec} is not translated")
            if literal:
                out.append(_quoted(literal))
                literal = []
            out.append(_PATTERNS[spec])
            continue
        literal.append(c)
        i += 1
    if literal:
        out.append(_quoted(literal))
    return "".join(out)


def _quoted(chars: list[str]) -> str:
    text = "".join(chars)
    if '"' in text or "\\" in text:
        raise NotClock("a format with quotes or backslashes is not translated")
    return text if all(not c.isalnum() for c in text) else f'"{text}"'


def _call(expr: str) -> tuple[str, list[str]] | None:
    """``name('a', 'b')`` with only string arguments, the name one of SQLite's date
    functions; None otherwise."""
    toks = list(tokenize(expr))
    if len(toks) < 3 or toks[0].kind is not Tok.WORD or toks[0].value.lower() not in _FUNCTIONS:
        return None
    if not (toks[1].kind is Tok.OP and toks[1].text == "(" and toks[-1].text == ")"):
        return None
    args: list[str] = []
    inner = toks[2:-1]
    for k, tok in enumerate(inner):
        if k % 2 == 0 and tok.kind is Tok.STRING:
            args.append(tok.value)
        elif k % 2 == 1 and tok.kind is Tok.OP and tok.text == ",":
            continue
        else:
            raise NotClock(f"{toks[0].value}() of anything but literal strings")
    if inner and len(inner) % 2 == 0:  # a trailing comma
        raise NotClock(f"{toks[0].value}() is not a call SQLite reads")
    return toks[0].value.lower(), args


# Random ids SQLite applications give themselves, and PostgreSQL's same-shaped value: 16
# random bytes, from gen_random_uuid() (core since PostgreSQL 13; 122 of its 128 bits are
# random, the 6 others mark the version, which no reader of a random id relies on).
_RANDOM = {
    ("randomblob(16)", "bytea"): "uuid_send(gen_random_uuid())",
    ("hex(randomblob(16))", "text"): "upper(replace(gen_random_uuid()::text, '-', ''))",
    ("lower(hex(randomblob(16)))", "text"): "replace(gen_random_uuid()::text, '-', '')",
}


def random_default(expr: str, pg_type: str) -> str | None:
    """The PostgreSQL DEFAULT for SQLite's random-id spellings, or None."""
    squeezed = "".join(expr.split()).lower()
    base = pg_type.split("(")[0]
    return _RANDOM.get((squeezed, "text" if base == "varchar" else base))
