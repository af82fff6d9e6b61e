"""Column DEFAULTs: SQLite literals as PostgreSQL literals of the chosen type, the
spellings of "now", and expression defaults set after the data.
"""

from __future__ import annotations

import math
import re

from dumpconv.base.pgsql import qualified, quote_ident, quote_literal, valid_text
from dumpconv.decide.stats import BOOLEAN_WORDS, inet_ok, json_ok, uuid_ok
from dumpconv.decide.temporal import temporal_ok
from dumpconv.decide.typemap import INT_LIMITS, Cat, Decision
from dumpconv.read.lexer import Tok, tokenize
from dumpconv.read.schema import Column, Schema, Table
from dumpconv.translate.clock import NotClock, clock_default, random_default
from dumpconv.translate.expressions import Scope, column_expression
from dumpconv.translate.items import PostItem

_TRUE_WORDS = {b"1", b"t", b"true"}


_INT_TEXT = re.compile(r"\s*[-+]?[0-9]+\s*")


_REAL_TEXT = re.compile(r"\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*")


def _sqlite_literal(text: str) -> int | float | str | bytes | None:
    """The value SQLite gives a DEFAULT literal: number, string, blob, NULL or a bare word."""
    upper = text.upper()
    if upper == "NULL":
        return None
    if upper in ("TRUE", "FALSE"):
        return int(upper == "TRUE")
    if text[:2] in ("X'", "x'"):
        return bytes.fromhex(text[2:-1])
    if text.startswith("'"):
        return valid_text(text[1:-1].replace("''", "'"))
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits[:2].lower() == "0x":  # 64-bit two's complement, as SQLite reads hex
        n = int(digits[2:], 16)
        return sign * (n - 2**64 if n >= 2**63 else n)
    if _INT_TEXT.fullmatch(text):
        n = int(text)
        return n if -(2**63) <= n < 2**63 else float(n)
    if _REAL_TEXT.fullmatch(text):
        return float(text)
    return valid_text(text)  # a bare word: SQLite takes it as a string


def _as_number(value: object) -> int | float | None:
    """A value as SQLite's numeric affinity would store it (text only when exact)."""
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        if _INT_TEXT.fullmatch(value):
            n = int(value)
            return n if -(2**63) <= n < 2**63 else float(n)
        if _REAL_TEXT.fullmatch(value):
            return float(value)
    return None


def _literal_for(text: str, pg_type: str) -> str | None:
    """A SQLite literal's value as a PostgreSQL literal of ``pg_type``; None if it does not fit."""
    value = _sqlite_literal(text)
    base = pg_type.split("(")[0]
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"'\\x{value.hex()}'::bytea" if base == "bytea" else None
    if base == "boolean":
        word = str(value).lower().encode()
        return ("true" if word in _TRUE_WORDS else "false") if word in BOOLEAN_WORDS else None
    number = _as_number(value)
    if base in INT_LIMITS:
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        lo, hi = INT_LIMITS[base]
        return str(number) if isinstance(number, int) and lo <= number <= hi else None
    if base in ("double precision", "numeric"):
        if number is None or (base == "numeric" and isinstance(number, float) and
                              not math.isfinite(number)):  # fmt: skip
            return None
        if isinstance(number, float):
            return (
                repr(number)
                if math.isfinite(number)
                else quote_literal("Infinity" if number > 0 else "-Infinity")
            )
        return str(number)
    shown = (
        value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    )
    if base == "jsonb":
        return quote_literal(shown) if json_ok(shown.encode()) else None
    if base == "bytea":
        return f"'\\x{shown.encode().hex()}'::bytea"
    if base == "interval":  # a --cast interval counts microseconds
        return quote_literal(f"{number} microseconds") if isinstance(number, int) else None
    if base in ("timestamp", "timestamptz", "date", "time", "uuid", "inet"):
        # Checked by the caller against the same rules as the column's values.
        return quote_literal(shown) if isinstance(value, str) else None
    return quote_literal(shown)


_NOW = {
    # SQLite's CURRENT_* and datetime('now') are UTC text; keep them UTC whatever the
    # session time zone of the application that inserts later.
    ("CURRENT_TIMESTAMP", "timestamp"): "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')",
    ("CURRENT_TIMESTAMP", "timestamptz"): "CURRENT_TIMESTAMP",
    ("CURRENT_TIMESTAMP", "text"): (
        "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
    ),
    ("CURRENT_DATE", "date"): "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::date)",
    ("CURRENT_DATE", "timestamp"): "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::date)",
    ("CURRENT_DATE", "text"): "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    ("CURRENT_TIME", "time"): "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::time(0))",
    ("CURRENT_TIME", "text"): "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'HH24:MI:SS')",
}


_FIXED_TIME = re.compile(
    r"(?i:datetime)\(\s*'(?P<value>[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2})'\s*\)"
    r"|(?i:date)\(\s*'(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})'\s*\)"
)


def _now_form(expr: str) -> str | None:
    """Which CURRENT_* a SQLite default means, for the common spellings."""
    squeezed = "".join(expr.split()).lower()
    forms = {
        "current_timestamp": "CURRENT_TIMESTAMP",
        "datetime('now')": "CURRENT_TIMESTAMP",
        "datetime('now','utc')": "CURRENT_TIMESTAMP",
        "strftime('%y-%m-%d%h:%m:%s','now')": "CURRENT_TIMESTAMP",
        "current_date": "CURRENT_DATE",
        "date('now')": "CURRENT_DATE",
        "current_time": "CURRENT_TIME",
        "time('now')": "CURRENT_TIME",
    }
    return forms.get(squeezed)


def default_sql(column: Column, pg_type: str, valid_literal: bool) -> tuple[str | None, str | None]:
    """The DEFAULT clause value for a column, or (None, why) when it is left out.

    Args:
        column: the column, with the DEFAULT text SQLite stored.
        pg_type: the type chosen for it.
        valid_literal: whether a string literal default passes the same checks as values of
            this type (temporal, uuid: the caller checks).
    """
    text = column.default
    if text is None:
        return None, None
    inner = text
    while inner.startswith("(") and inner.endswith(")") and _balanced(inner[1:-1]):
        inner = inner[1:-1].strip()
    base = pg_type.split("(")[0]
    now = _now_form(inner)
    if now is not None:
        kind = base if base in ("timestamp", "timestamptz", "date", "time") else (
            "text" if base in ("text", "varchar") else base
        )  # fmt: skip
        form = _NOW.get((now, kind))
        if form is None:
            return None, f"DEFAULT {text} has no equivalent for {pg_type}"
        return form, None
    fixed = _FIXED_TIME.fullmatch(inner)
    try:
        clock = None if fixed else clock_default(inner, pg_type)
    except NotClock as e:
        if base in ("text", "varchar"):
            return None, "expression"  # the date functions of queries give SQLite's text
        return None, f"DEFAULT {text}: {e}"
    if clock is not None:
        return clock, None
    random_id = random_default(inner, pg_type)
    if random_id is not None:
        return random_id, None
    if fixed is not None:  # datetime('2024-01-01 00:00:00'): a constant, not a function
        inner = "'" + (fixed.group("value") or fixed.group("date")) + "'"
    toks = list(tokenize(inner))
    # One literal, or a bare word (SQLite reads DEFAULT abc as the string 'abc').
    is_literal = len(toks) == 1 and toks[0].kind in (Tok.STRING, Tok.NUMBER, Tok.BLOB, Tok.WORD)
    if (
        len(toks) == 2
        and toks[0].kind is Tok.OP
        and toks[0].text in "+-"
        and toks[1].kind is Tok.NUMBER
    ):
        inner = ("-" if toks[0].text == "-" else "") + toks[1].text
        is_literal = True
    if not is_literal:
        return None, "expression"
    if len(toks) == 1:
        inner = toks[0].text  # the literal itself, without comments around it
    if toks[0].kind is Tok.STRING and not valid_literal:
        return None, f"DEFAULT {text} is not a valid {pg_type} value"
    value = _literal_for(inner, pg_type)
    if value is None:
        return None, f"DEFAULT {text} is not a valid {pg_type} value"
    return value, None


def _balanced(text: str) -> bool:
    depth = 0
    for tok in tokenize(text):
        if tok.kind is Tok.OP and tok.text == "(":
            depth += 1
        elif tok.kind is Tok.OP and tok.text == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


_TEMPORAL_TYPES = {"timestamp": Cat.TIMESTAMP, "timestamptz": Cat.TIMESTAMP, "date": Cat.DATE,
                   "time": Cat.TIME}  # fmt: skip


def default_valid(col: Column, pg_type: str) -> bool:
    """Whether a string DEFAULT passes the checks the column's values passed."""
    text = (col.default or "").strip("()").strip()
    if not text.startswith("'"):
        return True
    value = valid_text(text[1:-1].replace("''", "'")).encode()
    base = pg_type.split("(")[0]
    if base in _TEMPORAL_TYPES:
        return temporal_ok(_TEMPORAL_TYPES[base], value)
    if base == "uuid":
        return uuid_ok(value)
    if base == "inet":
        return inet_ok(value)
    if base.startswith("varchar") and "(" in pg_type:
        limit = int(pg_type.split("(")[1].rstrip(")"))
        return len(value.decode("utf-8", "replace")) <= limit
    return True


def default_expression(
    table: Table, col: Column, decisions: dict[str, Decision], namespace: str
) -> PostItem:
    """A DEFAULT that is an expression of the table's own columns' kind, set after the data
    (``namespace``: the PostgreSQL schema the table is in)."""
    types = {(table.key, c.key): decisions[c.key].pg_type for c in table.columns}
    return column_expression(
        f"default of {table.name}.{col.name}",
        col.default or "",
        Scope(Schema(namespace), [table], types),
        lambda expr: (
            f"ALTER TABLE {qualified(table.pg, namespace)} ALTER COLUMN {quote_ident(col.pg)} "
            f"SET DEFAULT {expr};"
        ),
        mode="default",
    )
