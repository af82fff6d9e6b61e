"""Property tests: random SQLite databases, real producers, a real PostgreSQL, the referee.

Each example is a random database (1-3 tables, 1-6 columns each, declared types from the
whole zoo, names quoted every way SQLite allows, values of any storage class in any
column). It is written to SQLite, dumped by the real ``sqlite3`` CLI (``.dump`` and
``.dump --newlines``) and by ``iterdump()`` (one item per line, as
``shared/dumps/tools/iterdump.py`` writes it), converted in-process, loaded with
``psql -X -v ON_ERROR_STOP=1 -f`` into a fresh database, and compared value by value by the
referee (``tests/compare.py``, which never imports dumpconv).

The load must succeed (psql exit 0, no ERROR) and the referee must find no difference. The
one documented lossy change is text that is not valid UTF-8 going into a text column: its
invalid bytes become U+FFFD (the referee expects that) and the report must name every such
column with an ``invalid-utf8-replaced`` note pointing at an INSERT of its table. Names
PostgreSQL cannot have (empty, or a system column's: ``xmin``, ``ctid``...) may be refused
or replaced by a name the report mentions; the referee then compares by position.

Not generated: text with a NUL (every producer cuts a value at its first NUL,
sqlite-dump-format.md §1, so no dump can carry it); dates whose UTC instant leaves years
1-9999 (the referee's ``datetime`` cannot hold them). Python's ``iterdump()`` cannot dump a
table whose name holds a ``'`` (it fails in its own SELECT): such databases skip that
producer.

Profiles (tests/conftest.py): ``ci`` (50 examples, derandomized; the default) and ``dev``
(2000 examples): ``HYPOTHESIS_PROFILE=dev pytest tests/end_to_end/test_properties.py``.

Below the property, one plain test per bug the property found, on the smallest database
that shows it.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import dumpconv
from tests.compare import _match_name, compare_sqlite_pg
from tests.pgharness import PgServer
from tests.producers import Value, dump, quote_name

pytestmark = pytest.mark.pg

#: The producers every database goes through (tests/producers.py names).
PRODUCERS = ("cli", "cli-newlines", "iterdump")

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INF = math.inf

# ---------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------

EDGE_INTS = [
    0, 1, -1, 2, 127, 128, -128, 255, 32767, 32768, -32768, -32769, 2**31 - 1, 2**31,
    -(2**31), -(2**31) - 1, 2**53, 2**53 + 1, -(2**53) - 1, 10**15, 10**18, INT64_MAX,
    INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
]  # fmt: skip

ints = st.one_of(
    st.integers(INT64_MIN, INT64_MAX),
    st.integers(-1000, 1000),
    st.sampled_from(EDGE_INTS),
)
small_ints = st.one_of(st.integers(-40000, 40000), st.sampled_from(EDGE_INTS[:12]))

EDGE_REALS = [
    0.1, 0.2, 0.3, 1 / 3, 2 / 3, 0.0, -0.0, 1.5, -10.5, 100.0, 1e15, 1e16, 1e17, 1e20, 1e22,
    1e-5, 1e300, 1e308, -1e308, 1.7976931348623157e308, 2.2250738585072014e-308,
    2.225073858507201e-308, 5e-324, -5e-324, 1e-320, 9.9998886718268300563e-321, INF, -INF,
    2.0**53, 2.0**63, -(2.0**63), 2.0**63 + 2048, 2.0**64, 9.2e18, 2440587.5, 2460311.6278356481,
    123456789012345.67, 0.1 + 0.2, 3.14159, 12345678.91, 1234567890.125,
]  # fmt: skip

reals = st.one_of(
    st.floats(allow_nan=False),  # ±inf, -0.0, subnormals and everything between
    st.floats(min_value=-1e-300, max_value=1e-300),  # subnormals
    st.floats(min_value=-1e6, max_value=1e6).map(lambda x: round(x, 2)),
    st.sampled_from(EDGE_REALS),
)

CONTROLS = [chr(c) for c in range(1, 0x20)] + ["\x7f", "\x85", "\u2028", "\u2029", "\ufeff"]

#: Bytes that are not UTF-8, as surrogate escapes (stored byte for byte, see _param).
INVALID_UTF8 = [
    b"\x80", b"\xff", b"\xfe", b"\xc0\x80", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80",
    b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xa0\xa1", b"\xc3(",
]  # fmt: skip
INVALID_PIECES = [b.decode("utf-8", "surrogateescape") for b in INVALID_UTF8]

FRAGMENTS = [
    "'", "''", '"', "`", "[", "]", ";", "--", "/*", "*/", "\\", "\\\\", "\\n", "\\r", "\\t",
    "\\N", "\\.", "\\012", "\\015", "(\\n0)", "(\\n1)", "(\\r0)", "\\u000a", "\\u0001", "\\x41",
    "\n", "\r", "\r\n", "\n\r", "\t", "\n\\.\n", "\\.\n", "😀", "𝄞", "é", "ß", "İ", "ﬀ", "\u00a0",
    "\u200b", "\ufffd", "\U0010ffff", "NULL", "X'00'", "Inf", "-Inf", "1e999", "9.0e+999",
    "replace(", "char(10)", "||", "unistr(", "'),(", ");\nINSERT INTO t VALUES(", ");\n",
    "COMMIT;", "\\unrestrict", "\\! echo", "\\copy", "$$", "%s", "E'", " ", ",", "0.1", "-7",
]  # fmt: skip

#: Text that looks like something else: numbers, booleans, dates, JSON, UUIDs.
LOOKALIKES = [
    "", " ", "0", "1", "-1", "+1", "00123", "1.5", "-0", "-0.0", "0.10", "1e5", "1E-3", ".5", "5.",
    "0x10", " 42", "42 ", "1_000", "1,5", "Infinity", "-Infinity", "inf", "NaN", "nan", "1e999",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "12345678901234567890",
    "t", "f", "T", "F", "true", "false", "TRUE", "False", "yes", "no", "on", "off", "y", "n",
    "null", "NULL", "{}", "[]", '{"a":1}', "[1,2,3]", '"s"', "1", "[NaN]", "Infinity",
    '{"a":"\\u0000"}', '"\\ud800"', '{"a":1,"a":2}', "[1e400]", " [1] ", "{'a':1}",
    "2024-01-02", "2024-01-02 03:04:05", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05+05:30",
    "2024-01-02 03:04:05.123456789", "2023-02-30", "2023-02-29", "0000-00-00 00:00:00",
    "0000-01-01", "2024-13-01", "12:34:56", "24:00:00", "2024-01-02 23:59:60",
    "2024-01-02 24:00:00",
    "1704164645", "2460311.6278356481", "now", "today", "epoch", "infinity", "-infinity",
    "123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000",
    "{123e4567-e89b-12d3-a456-426614174000}", "123e4567e89b12d3a456426614174000",
    "urn:uuid:123e4567-e89b-12d3-a456-426614174000", "123e-4567-e89b-12d3-a456-426614174000",
]  # fmt: skip

text_pieces = st.one_of(
    st.text(st.characters(min_codepoint=1, codec="utf-8"), max_size=5),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=6),
    st.sampled_from(CONTROLS),
    st.sampled_from(FRAGMENTS),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
)
valid_texts = st.one_of(
    st.lists(text_pieces, max_size=6).map("".join),
    st.sampled_from(LOOKALIKES),
)
invalid_texts = st.lists(
    st.one_of(text_pieces, st.sampled_from(INVALID_PIECES)), min_size=1, max_size=4
).map(lambda parts: "".join(parts) + INVALID_PIECES[len(parts) % len(INVALID_PIECES)])
texts = st.one_of(*[valid_texts] * 7, invalid_texts)
short_valid_texts = st.one_of(
    st.text(st.characters(min_codepoint=1, codec="utf-8"), max_size=12),
    st.text(st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF), max_size=4),
    st.text(st.sampled_from("ab \t\n"), max_size=12),
)
short_texts = st.one_of(
    *[short_valid_texts] * 7,
    st.text(st.characters(min_codepoint=1, codec="utf-8"), max_size=3).map(lambda t: t + "\udcff"),
)

blobs = st.one_of(
    st.binary(max_size=16),
    st.sampled_from([b"", b"\x00", b"\x01", b"\x0a", b"abc", b"\\x00", b"1", b"\xff" * 16]),
)


def _date_text(d: datetime) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


#: Date and time texts that look valid and are not (for PostgreSQL, or for anyone).
ODD_DATETIMES = [
    "2024-01-02 24:00:00", "2024-01-02 23:59:60", "0000-01-01 00:00:00", "2023-02-29",
    "2024-02-30", "2024-1-2", " 2024-01-02", "2024-01-02 ", "20240102", "10000-01-01",
    "2024-01-02 03:04:05+16:00", "2024-01-02 03:04:05-23:59", "2024-01-02 03:04:05 +05:30",
    "2024-01-02 03:04:05+05", "2024-01-02 03:04:05.9999999", "24:00:00", "23:59:60",
    "12:34:56Z", "12:34:56+05:30", "1:02:03", "T12:00",
]  # fmt: skip


@st.composite
def datetime_texts(draw: st.DrawFn, with_date: bool = True, with_time: bool = True) -> str:
    """ISO-8601-like texts as applications write them, valid or not (1 in 16)."""
    if draw(st.integers(0, 15)) == 0:
        return draw(st.sampled_from(ODD_DATETIMES))
    offset = with_date and with_time and draw(st.integers(0, 7)) == 0
    # With an offset, stay a day away from year 1 and 9999: the instant in UTC must be one
    # Python's datetime (the referee) can hold.
    low, high = (datetime(1, 1, 2), datetime(9999, 12, 30)) if offset else (None, None)
    moment = draw(
        st.datetimes(min_value=low or datetime(1, 1, 1), max_value=high or datetime(9999, 12, 31))
    )
    text = _date_text(moment) if with_date else ""
    if with_time:
        sep = draw(st.sampled_from([" ", "T"])) if with_date else ""
        text += f"{sep}{moment.hour:02d}:{moment.minute:02d}"
        if draw(st.integers(0, 4)):
            text += f":{moment.second:02d}"
            digits = draw(st.sampled_from([0, 0, 0, 1, 3, 3, 6, 7, 9]))
            if digits:
                text += "." + f"{moment.microsecond:06d}{draw(st.integers(0, 999))}"[:digits]
        if offset:
            # PostgreSQL accepts offsets up to 15:59; Python's fromisoformat up to 23:59.
            minutes = draw(st.one_of(st.integers(-14 * 60, 14 * 60), st.integers(-1439, 1439)))
            sign = "-" if minutes < 0 else "+"
            hh, mm = divmod(abs(minutes), 60)
            text += draw(
                st.sampled_from(["Z", f"{sign}{hh:02d}:{mm:02d}", f"{sign}{hh:02d}{mm:02d}"])
            )
    return text


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
json_texts = st.one_of(
    *[st.builds(json.dumps, json_values, ensure_ascii=st.booleans())] * 4,
    st.sampled_from(
        ['{"a":"\\u0000"}', "[NaN]", "Infinity", '"\\ud800"', "[1e400]", " [1] ", "{}"]
    ),
)

UUID_FORMS: list[Callable[[uuid.UUID], str]] = [
    str,
    lambda u: str(u).upper(),
    lambda u: "{" + str(u) + "}",
    lambda u: u.hex,
    lambda u: "urn:uuid:" + str(u),
]
uuid_texts = st.one_of(
    *[st.integers(0, 2**128 - 1).map(lambda n: str(uuid.UUID(int=n)))] * 6,
    st.builds(
        lambda n, form: form(uuid.UUID(int=n)),
        st.integers(0, 2**128 - 1),
        st.sampled_from(UUID_FORMS),
    ),
)

#: Value profiles: what a column mostly holds.
PROFILES: dict[str, st.SearchStrategy[Value]] = {
    "int": ints,
    "small": small_ints,
    "bool": st.one_of(
        st.sampled_from([0, 1]), st.sampled_from(["t", "f", "true", "false", "TRUE", "False"])
    ),
    "real": reals,
    "num": st.one_of(ints, reals, st.sampled_from(["1.50", "0.1", "12345678.91", "-0", "1e3"])),
    "text": texts,
    "short": short_texts,
    "date": datetime_texts(with_time=False),
    "datetime": datetime_texts(),
    "time": datetime_texts(with_date=False),
    "json": json_texts,
    "uuid": uuid_texts,
    "blob": blobs,
}
any_value: st.SearchStrategy[Value] = st.one_of(
    st.none(),
    ints,
    reals,
    texts,
    blobs,
    st.binary(min_size=16, max_size=16),
    *[PROFILES[k] for k in ("datetime", "json", "uuid")],
)
PROFILES["any"] = any_value

# ---------------------------------------------------------------------------------------
# declared types
# ---------------------------------------------------------------------------------------

#: (declared type, the profile that fits it). ``{n}``/``{p}``/``{s}`` are drawn.
TYPE_ZOO: list[tuple[str, str]] = [
    ("", "any"), ("ANY", "any"), ("INTEGER", "int"), ("integer", "int"), ("INT", "int"),
    ("Int", "int"), ("BIGINT", "int"), ("INT8", "int"), ("UNSIGNED BIG INT", "int"),
    ("MEDIUMINT", "int"), ("SMALLINT", "small"), ("INT2", "small"), ("TINYINT", "small"),
    ("TINYINT(1)", "bool"), ("BOOLEAN", "bool"), ("BOOL", "bool"), ("bool", "bool"),
    ("BIT", "bool"), ("REAL", "real"), ("DOUBLE", "real"), ("DOUBLE PRECISION", "real"),
    ("FLOAT", "real"), ("FLOATING POINT", "real"), ("NUMERIC", "num"), ("DECIMAL", "num"),
    ("DECIMAL(10,2)", "num"), ("NUMERIC({p},{s})", "num"), ("MONEY", "num"),
    ("VARCHAR({n})", "short"), ("varchar({n})", "short"), ("CHAR({n})", "short"),
    ("NVARCHAR({n})", "short"), ("CHARACTER VARYING({n})", "short"), ("VARCHAR", "text"),
    ("TEXT", "text"), ("CLOB", "text"), ("LONGVARCHAR", "text"), ("STRING", "text"),
    ("CHARINT", "int"), ("BLOB", "blob"), ("DATE", "date"), ("DATETIME", "datetime"),
    ("TIMESTAMP", "datetime"), ("DATETIME2", "datetime"), ("TIME", "time"), ("JSON", "json"),
    ("JSONB", "json"), ("UUID", "uuid"), ("STRANGE_WORD", "any"),
]  # fmt: skip


@st.composite
def declared_types(draw: st.DrawFn) -> tuple[str, str]:
    decl, profile = draw(st.sampled_from(TYPE_ZOO))
    p = draw(st.integers(1, 20))
    return decl.format(n=draw(st.integers(1, 20)), p=p, s=draw(st.integers(0, p))), profile


# ---------------------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------------------

NAME_POOL = [
    "t", "id", "Value", "MixedCase", "UPPER", "x1", "_under", "order", "user", "group", "end",
    "offset", "select", "table", "from", "limit", "default", "check", "primary", "window",
    "returning", "do", "analyse", "both", "placing", "key", "action", "replace", "rowid", "oid",
    "_rowid_", "données", "Ünïcode", "É", "é", "日本語", "😀", "𝄞clef", "a b", " lead",
    "trail ", 'quote"d', "it's", "back`tick", "brack]et", "semi;colon", "a--b", "/*c*/", "x.y",
    "$dollar", "a\nb", "tab\tname", "a\u2028b", "a\u0085b", "\\", "'", '"', "[x]", "%s",
    ":name", "?", "-", "1st", "ÿ", "\u00a0", "x" * 64, "é" * 35, "Long_" + "n" * 60,
]  # fmt: skip

#: Names SQLite accepts and PostgreSQL does not: an empty name, PostgreSQL's system columns.
PG_HOSTILE_NAMES = ["", "xmin", "xmax", "cmin", "cmax", "ctid", "tableoid"]

random_names = st.one_of(
    st.sampled_from(NAME_POOL + PG_HOSTILE_NAMES),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True),
    st.text(st.characters(min_codepoint=1, codec="utf-8"), min_size=1, max_size=8),
)

QUOTE_STYLES = ("bare", "double", "bracket", "backtick", "single")


def _ascii_fold(name: str) -> str:
    return name.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))


def _pg_key(name: str) -> str:
    """What must differ between two names of one namespace: PostgreSQL keeps 63 bytes,
    SQLite and the referee fold ASCII case."""
    raw = name.encode()
    cut = min(len(raw), 63)
    while cut < len(raw) and cut > 0 and raw[cut] & 0xC0 == 0x80:
        cut -= 1
    return _ascii_fold(raw[:cut].decode())


def quote(name: str, style: str) -> str:
    """``name`` written in one of SQLite's quoting styles (double quotes when the style
    cannot write it)."""
    if style == "bare" and re.fullmatch(
        r"[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]*", name
    ):
        return name
    if style == "bracket" and "]" not in name:
        return f"[{name}]"
    if style == "backtick":
        return "`" + name.replace("`", "``") + "`"
    if style == "single":
        return "'" + name.replace("'", "''") + "'"
    return quote_name(name)


@st.composite
def name_lists(draw: st.DrawFn, count: int) -> list[str]:
    """``count`` names, distinct as SQLite and PostgreSQL see them, none ``sqlite_…``
    (SQLite reserves those for itself)."""
    keys: set[str] = set()
    names: list[str] = []
    while len(names) < count:
        name = draw(random_names)
        if draw(st.integers(0, 3)) == 0 and name.isascii():
            name = "".join(c.upper() if draw(st.booleans()) else c for c in name)
        if _ascii_fold(name).startswith("sqlite_"):
            name = "x" + name
        key = _pg_key(name)
        if key in keys:
            name = f"{name}_{len(names) + len(keys)}"
            key = _pg_key(name)
            if key in keys:
                continue
        keys.add(key)
        names.append(name)
    return names


# ---------------------------------------------------------------------------------------
# tables and databases
# ---------------------------------------------------------------------------------------


def literal(value: Value) -> str | None:
    """``value`` as an SQLite literal for a DEFAULT clause (None: it has none)."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "9e999" if value > 0 else "-9e999"
        return repr(value)
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None  # invalid UTF-8 cannot be part of a statement Python sends
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class TableSpec:
    """One random table: its CREATE statement and the rows to INSERT (in this order).

    Rows SQLite refuses (a UNIQUE or PRIMARY KEY violation) are left out when the
    database is built; what the database holds is what gets compared.
    """

    name: str
    columns: tuple[str, ...]
    create: str
    rows: tuple[tuple[Value, ...], ...]
    alias: int | None = None  # the rowid alias column (INTEGER PRIMARY KEY), if any


@dataclass(frozen=True)
class Database:
    tables: tuple[TableSpec, ...]


def _kw(draw: st.DrawFn, word: str) -> str:
    """An SQL keyword in upper, lower or mixed case."""
    case = draw(st.integers(0, 5))
    if case == 0:
        return word.lower()
    if case == 1:
        return word.title()
    return word


@st.composite
def column_values(draw: st.DrawFn, profile: str, nrows: int, *, not_null: bool) -> list[Value]:
    """``nrows`` values: the profile's and some NULLs; in one column out of two, also
    some values of any storage class (which make the type decision widen)."""
    pure = draw(st.booleans())
    values: list[Value] = []
    for _ in range(nrows):
        pick = draw(st.integers(0, 19))
        if pick <= 1 and not not_null:
            values.append(None)
        elif pick == 2 and not pure:
            values.append(draw(any_value))
        else:
            values.append(draw(PROFILES[profile]))
    if not_null:
        values = [v if v is not None else 0 for v in values]
    return values


@lru_cache(maxsize=4096)
def sqlite_accepts(create: str) -> bool:
    con = sqlite3.connect(":memory:")
    try:
        con.execute(create)
    except sqlite3.Error:
        return False
    finally:
        con.close()
    return True


@st.composite
def tables(draw: st.DrawFn, name: str) -> TableSpec:
    ncols = draw(st.integers(1, 6))
    col_names = draw(name_lists(ncols))
    nrows = draw(st.integers(0, 30))
    styles = [draw(st.sampled_from(QUOTE_STYLES)) for _ in range(ncols + 1)]

    # At most one rowid alias (INTEGER PRIMARY KEY, maybe AUTOINCREMENT), else maybe one
    # ordinary primary key (which SQLite lets hold NULLs).
    alias = draw(st.sampled_from([None, None, *range(ncols)]))
    autoinc = alias is not None and draw(st.booleans())
    alias_table_level = alias is not None and not autoinc and draw(st.integers(0, 3)) == 0
    plain_pk = None if alias is not None else draw(st.sampled_from([None, None, *range(ncols)]))

    columns: list[list[Value]] = []
    defs_by_style: list[list[str]] = [[], []]  # as drawn / every name double-quoted
    for i, col in enumerate(col_names):
        parts: list[str] = []
        if i == alias:
            parts.append(draw(st.sampled_from(["INTEGER", "integer", "Integer"])))
            if not alias_table_level:
                parts.append(_kw(draw, "PRIMARY KEY"))
                if autoinc:
                    parts.append(_kw(draw, "AUTOINCREMENT"))
            ids = draw(st.lists(st.one_of(ints, st.none()), min_size=nrows, max_size=nrows))
            if draw(st.integers(0, 5)) == 0:
                parts.append(f"{_kw(draw, 'DEFAULT')} {draw(ints)}")
            columns.append(list(ids))
        else:
            decl, fitting = draw(declared_types())
            if i == plain_pk and decl.upper() == "INTEGER":
                decl = "INT"  # INTEGER PRIMARY KEY would be the rowid alias
            profile = (
                fitting if draw(st.integers(0, 2)) else draw(st.sampled_from(sorted(PROFILES)))
            )
            if decl:
                parts.append(decl)
            not_null = draw(st.integers(0, 4)) == 0
            if not_null:
                parts.append(_kw(draw, "NOT NULL"))
            keyed = i == plain_pk or draw(st.integers(0, 5)) == 0
            if keyed:
                parts.append(_kw(draw, "PRIMARY KEY" if i == plain_pk else "UNIQUE"))
            values = draw(column_values(profile, nrows, not_null=not_null))
            if keyed and nrows >= 2 and draw(st.integers(0, 2)) == 0:
                # A number and its digits as text: two values for SQLite (in a column whose
                # affinity keeps text as text), maybe one after conversion.
                src, dst = draw(st.integers(0, nrows - 1)), draw(st.integers(0, nrows - 1))
                number = values[src]
                if isinstance(number, int | float) and src != dst:
                    values[dst] = repr(number)
            if draw(st.integers(0, 3)) == 0:
                # A default the column's own values agree with: one of them.
                present: list[Value] = [v for v in values if v is not None]
                present = present or [draw(PROFILES[profile])]
                default = literal(draw(st.sampled_from(present)))
                if default is not None:
                    parts.append(f"{_kw(draw, 'DEFAULT')} {default}")
            columns.append(values)
        rest = " ".join(parts)
        defs_by_style[0].append(f"{quote(col, styles[i])} {rest}".rstrip())
        defs_by_style[1].append(f"{quote_name(col)} {rest}".rstrip())

    # Sometimes a two-column UNIQUE constraint (rows that break it are not stored).
    pair = None
    if ncols >= 2 and draw(st.integers(0, 5)) == 0:
        pair = tuple(draw(st.lists(st.integers(0, ncols - 1), min_size=2, max_size=2, unique=True)))
    layout = draw(st.sampled_from([", ", ",", ",\n    ", " ,\n  -- a comment; with ' quote\n  "]))
    creates = []
    for style_set, defs in enumerate(defs_by_style):
        items = list(defs)
        if alias_table_level and alias is not None:
            written = (
                quote(col_names[alias], styles[alias])
                if style_set == 0
                else quote_name(col_names[alias])
            )
            items.append(f"{_kw(draw, 'PRIMARY KEY')}({written})")
        if pair is not None:
            a, b = (
                (quote(col_names[j], styles[j]) if style_set == 0 else quote_name(col_names[j]))
                for j in pair
            )
            items.append(f"{_kw(draw, 'UNIQUE')}({a}, {b})")
        table_name = quote(name, styles[-1]) if style_set == 0 else quote_name(name)
        head = _kw(draw, "CREATE TABLE")
        creates.append(f"{head} {table_name}({layout.join(items)})")
    create = creates[0] if sqlite_accepts(creates[0]) else creates[1]
    rows = tuple(zip(*columns, strict=True)) if columns else ()
    return TableSpec(name, tuple(col_names), create, rows, alias)


#: Names PostgreSQL gives to the objects it makes for a table ``t`` with key column ``id``.
PG_DERIVED = ["{t}_pkey", "{t}_{c}_seq", "{t}_{c}_key", "_{t}"]


@st.composite
def databases(draw: st.DrawFn) -> Database:
    ntables = draw(st.integers(1, 3))
    names = draw(name_lists(ntables))
    first = draw(tables(names[0]))
    if ntables > 1 and draw(st.integers(0, 3)) == 0:
        # A table named like an object PostgreSQL makes for the first one (its key's index,
        # a column's identity sequence or unique index, its array type): valid in SQLite, a
        # collision waiting to happen in PostgreSQL.
        form = draw(st.sampled_from(PG_DERIVED))
        candidate = form.format(t=first.name, c=draw(st.sampled_from(first.columns)))
        if _pg_key(candidate) not in {_pg_key(n) for n in names} and not _ascii_fold(
            candidate
        ).startswith("sqlite_"):
            names[1] = candidate
    return Database((first, *(draw(tables(name)) for name in names[1:])))


# ---------------------------------------------------------------------------------------
# building, dumping, converting, loading, comparing
# ---------------------------------------------------------------------------------------


def _param(value: Value) -> tuple[str, object]:
    if isinstance(value, str):
        return "CAST(? AS TEXT)", value.encode("utf-8", "surrogateescape")
    return "?", value


def build(path: Path, db: Database) -> None:
    """Create the database; rows SQLite refuses (constraint violations) are left out."""
    con = sqlite3.connect(path)
    try:
        for table in db.tables:
            con.execute(table.create)
            qname = quote_name(table.name)
            for row in table.rows:
                if table.alias is not None and row[table.alias] is None:
                    # A NULL rowid after the largest possible one: SQLite would pick a
                    # random rowid (or fail, with AUTOINCREMENT). Keep examples repeatable.
                    key = quote_name(table.columns[table.alias])
                    (top,) = con.execute(f"SELECT max({key}) FROM {qname}").fetchone()
                    if top == INT64_MAX:
                        continue
                marks, params = zip(*map(_param, row), strict=True)
                try:
                    con.execute(f"INSERT INTO {qname} VALUES({','.join(marks)})", params)
                except sqlite3.IntegrityError:
                    continue  # UNIQUE or PRIMARY KEY: the row is simply not there
        con.commit()
    finally:
        con.close()


def produce(path: Path, producer: str) -> bytes | None:
    """The dump, or None when the producer cannot dump this database: Python's iterdump()
    builds its SELECT with the table name inside a string literal, so a name with a ``'``
    makes it fail (a producer defect, not dumpconv's): a syntax error, or with a ``;`` after
    the quote, "You can only execute one statement at a time"."""
    try:
        return dump(path, producer)
    except (sqlite3.OperationalError, sqlite3.ProgrammingError):
        if producer != "iterdump":
            raise
        con = sqlite3.connect(path)
        try:
            names = [r[0] for r in con.execute("SELECT name FROM sqlite_master")]
        finally:
            con.close()
        assert any("'" in n for n in names), "iterdump() failed on a database it can dump"
        return None


def invalid_text_columns(path: Path) -> dict[tuple[str, str], int]:
    """(table, column) → number of text values that are not valid UTF-8."""
    found: dict[tuple[str, str], int] = {}
    con = sqlite3.connect(path)
    con.text_factory = bytes
    try:
        tables_ = [
            r[0].decode()
            for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables_:
            if table.startswith("sqlite_"):
                continue
            cols = [r[1].decode() for r in con.execute(f"PRAGMA table_info({quote_name(table)})")]
            for col in cols:
                c = quote_name(col)
                q = f"SELECT {c} FROM {quote_name(table)} WHERE typeof({c}) = 'text'"
                for (raw,) in con.execute(q):
                    try:
                        raw.decode("utf-8")
                    except UnicodeDecodeError:
                        found[(table, col)] = found.get((table, col), 0) + 1
    finally:
        con.close()
    return found


def pg_column_types(server: PgServer, dsn: str) -> dict[str, dict[str, str]]:
    rows = server.query(
        dsn,
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)"
        " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0"
        " AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
    )
    types: dict[str, dict[str, str]] = {}
    for table, col, type_name in rows:
        types.setdefault(str(table), {})[str(col)] = str(type_name)
    return types


def check_invalid_utf8_notes(
    report: dumpconv.Report,
    dumped: bytes,
    invalid: dict[tuple[str, str], int],
    types: dict[str, dict[str, str]],
) -> list[str]:
    """Every column whose invalid UTF-8 was replaced is named by an ``invalid-utf8-replaced``
    note that points at an INSERT line of its table; no note names another column."""
    problems = []
    notes = [d for d in report.diagnostics if d.code == "invalid-utf8-replaced"]
    lines = dumped.split(b"\n")
    expected = set()
    for (table, col), _count in invalid.items():
        pg_table, _ = _match_name(table, types)
        if pg_table is None:
            continue  # the referee reports the missing table
        pg_col, _ = _match_name(col, types[pg_table])
        if pg_col is None or types[pg_table][pg_col] == "bytea":
            continue  # bytea keeps the bytes: nothing was replaced
        expected.add((table, col))
        prefix = f"{table}.{col}: text is not valid UTF-8"
        mine = [d for d in notes if d.message.startswith(prefix)]
        if not mine:
            problems.append(
                f"no invalid-utf8-replaced note names {table}.{col}, whose invalid UTF-8 was "
                f"replaced (notes: {[d.message for d in notes]})"
            )
        for d in mine:
            if d.line is None or not lines[d.line - 1].startswith(b"INSERT INTO"):
                problems.append(
                    f"note for {table}.{col} does not point at an INSERT: line {d.line}"
                )
    for d in notes:
        if not any(d.message.startswith(f"{t}.{c}: ") for t, c in invalid):
            problems.append(
                f"invalid-utf8-replaced note for a column without such text: {d.message}"
            )
    return problems


def _note(text: str) -> None:
    """hypothesis.note() inside a property; nothing in a plain test."""
    with contextlib.suppress(InvalidArgument):
        note(text)


#: Column names PostgreSQL reserves for its system columns (any table, any case once folded).
PG_SYSTEM_COLUMNS = frozenset({"xmin", "xmax", "cmin", "cmax", "ctid", "tableoid"})


def _pg_impossible(name: str) -> bool:
    """A name SQLite accepts that PostgreSQL cannot give a column: empty, or a system
    column's name (a bare name is folded to lower case, so ``XMIN`` is one too)."""
    return name == "" or _ascii_fold(name) in PG_SYSTEM_COLUMNS


def _sqlite_names(path: Path) -> dict[str, list[str]]:
    con = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        ]
        return {
            t: [r[1] for r in con.execute(f"PRAGMA table_info({quote_name(t)})")] for t in names
        }
    finally:
        con.close()


def align_impossible_names(
    sqlite_path: Path, pg_types: dict[str, dict[str, str]], workdir: Path
) -> tuple[Path, list[str]]:
    """A copy of the SQLite database in which the names PostgreSQL cannot have carry the
    names dumpconv gave them instead (found by position: a table's columns keep their
    order; an empty table name is the one PostgreSQL table no other name matches), so that
    the referee compares the values. Returns the copy (or the original when there is no such
    name) and the PostgreSQL names that stand for the impossible ones."""
    tables_ = _sqlite_names(sqlite_path)
    if not any(_pg_impossible(c) for cols in tables_.values() for c in cols) and "" not in tables_:
        return sqlite_path, []
    copy = workdir / "aligned.sqlite"
    copy.unlink(missing_ok=True)
    src = sqlite3.connect(sqlite_path)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    chosen: list[str] = []
    try:
        matched = {t: _match_name(t, pg_types)[0] for t in tables_ if t != ""}
        if "" in tables_:
            rest = sorted(set(pg_types) - set(matched.values()))
            if len(rest) == 1:
                dst.execute(f'ALTER TABLE "" RENAME TO {quote_name(rest[0])}')
                matched[rest[0]] = rest[0]
                tables_[rest[0]] = tables_.pop("")
                chosen.append(rest[0])
        for table, cols in tables_.items():
            pg_table = matched.get(table)
            if pg_table is None:
                continue
            pg_cols = list(pg_types[pg_table])
            for i, col in enumerate(cols):
                if _pg_impossible(col) and i < len(pg_cols) and pg_cols[i] != col:
                    with contextlib.suppress(sqlite3.Error):  # else the referee reports it
                        dst.execute(
                            f"ALTER TABLE {quote_name(table)} RENAME COLUMN "
                            f"{quote_name(col)} TO {quote_name(pg_cols[i])}"
                        )
                        chosen.append(pg_cols[i])
        dst.commit()
    finally:
        dst.close()
    return copy, chosen


def round_trip(
    server: PgServer, sqlite_path: Path, producer: str, dumped: bytes, workdir: Path
) -> list[str]:
    """Convert one dump, load it into a fresh database and compare; the problems found.

    A name PostgreSQL cannot have (``_pg_impossible``) may be refused with an error, or
    replaced by another name that the report mentions; anything else must arrive as is.
    """
    out = BytesIO()
    try:
        report = dumpconv.convert(BytesIO(dumped), out, dumpconv.Options(source=producer))
    except dumpconv.DumpconvError as exc:
        names = _sqlite_names(sqlite_path)
        if "" in names or any(_pg_impossible(c) for cols in names.values() for c in cols):
            return []  # refusing, with a one-line error, is one of the promised outcomes
        return [f"dumpconv refused the dump: {exc}"]
    script = workdir / f"{producer}.pg.sql"
    script.write_bytes(out.getvalue())
    dsn = server.create_db("prop")
    try:
        result = server.load_sql(dsn, script)
        if result.warnings:
            _note(f"{producer}: load warnings: {result.warnings}")
        if result.returncode != 0 or "ERROR" in result.stderr:
            return [f"the load failed (psql exit {result.returncode}):\n{result.stderr[-2000:]}"]
        types = pg_column_types(server, dsn)
        compared, chosen = align_impossible_names(sqlite_path, types, workdir)
        problems = [
            f"the name {name!r} replaces one PostgreSQL cannot have, but the report does not say so"
            for name in chosen
            if not any(name in d.message for d in report.diagnostics)
        ]
        problems += compare_sqlite_pg(str(compared), dsn)
        problems += check_invalid_utf8_notes(
            report, dumped, invalid_text_columns(sqlite_path), types
        )
        return problems
    finally:
        server.drop_db(dsn)


def check_database(server: PgServer, db: Database) -> list[str]:
    """Build ``db``, run it through every producer, and return every problem found."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dumpconv-prop-") as tmp:
        workdir = Path(tmp)
        path = workdir / "db.sqlite"
        build(path, db)
        for producer in PRODUCERS:
            dumped = produce(path, producer)
            if dumped is None:
                continue
            found = round_trip(server, path, producer, dumped, workdir)
            if found:
                _note(f"{producer} dump:\n{dumped.decode('utf-8', 'backslashreplace')}")
            problems += [f"[{producer}] {p}" for p in found]
    return problems


# ---------------------------------------------------------------------------------------
# the property
# ---------------------------------------------------------------------------------------


@given(db=databases())
def test_random_database_round_trips_exactly(pg_server: PgServer, db: Database) -> None:
    problems = check_database(pg_server, db)
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------------------------------
# the strategy itself
# ---------------------------------------------------------------------------------------


def test_strategy_pieces_are_what_they_claim() -> None:
    # The invalid pieces are not UTF-8 once stored; the valid ones are, and hold no NUL.
    for piece in INVALID_PIECES:
        with pytest.raises(UnicodeEncodeError):
            piece.encode("utf-8")
    for text in [*FRAGMENTS, *LOOKALIKES, *CONTROLS, *NAME_POOL]:
        assert "\0" not in text
        text.encode("utf-8")
    assert all(sqlite_accepts(f"CREATE TABLE t(c {d.format(n=5, p=10, s=2)})") for d, _ in TYPE_ZOO)


# ---------------------------------------------------------------------------------------
# regressions: one plain test per bug the property found, on the smallest database. Each
# comment says what the load did before the fix (all fixed in f9aca80).
# ---------------------------------------------------------------------------------------


def one_table(
    create: str, *rows: tuple[Value, ...], name: str = "t", columns: Sequence[str] = ("c",)
) -> Database:
    return Database((TableSpec(name, tuple(columns), create, tuple(rows)),))


def test_empty_table_name(pg_server: PgServer) -> None:
    # SQLite accepts "" as a name. Was: `CREATE TABLE "" (` and psql's 'ERROR: zero-length
    # delimited identifier'. PostgreSQL needs another (reported) name, or a refusal.
    db = one_table('CREATE TABLE ""(c)', (1,), name="")
    assert check_database(pg_server, db) == []


def test_empty_column_name(pg_server: PgServer) -> None:
    db = one_table('CREATE TABLE t("" INT, c)', (1, 2), columns=("", "c"))
    assert check_database(pg_server, db) == []


@pytest.mark.parametrize("name", ["xmin", "xmax", "cmin", "cmax", "ctid", "tableoid", "XMIN"])
def test_column_named_like_a_system_column(pg_server: PgServer, name: str) -> None:
    # Was: 'ERROR: column name "xmin" conflicts with a system column name'. A bare XMIN is
    # folded to xmin, so it conflicts too.
    db = one_table(f"CREATE TABLE t({name} INT, c)", (1, 2), columns=(name, "c"))
    assert check_database(pg_server, db) == []


def test_rowid_alias_with_a_default(pg_server: PgServer) -> None:
    # Was: 'ERROR: both default and identity specified for column "id" of table "t"'.
    db = Database(
        (TableSpec("t", ("id",), "CREATE TABLE t(id INTEGER PRIMARY KEY DEFAULT 0)", (), 0),)
    )
    assert check_database(pg_server, db) == []


def test_invalid_utf8_among_blobs_keeps_its_bytes(pg_server: PgServer) -> None:
    # A column holding a blob becomes bytea, where text goes in as its bytes, so invalid
    # UTF-8 can stay as it is. Was: replaced anyway (x'ff' arrived as \xefbfbd), and
    # reported lossy.
    db = one_table("CREATE TABLE t(c)", (b"\x00",), ("\udcff",))
    assert check_database(pg_server, db) == []


@pytest.mark.parametrize(("text", "number"), [("1", 1), ("0.0", 0.0), ("1.5", 1.5)])
def test_unique_over_numbers_and_the_same_digits_as_text(
    pg_server: PgServer, text: str, number: float
) -> None:
    # SQLite keeps 1 and '1' apart in a column without affinity; PostgreSQL's text column
    # holds '1' twice. Was: the UNIQUE constraint added unguarded, and the load failed with
    # 'ERROR: could not create unique index "t_c_key"' (the README promises a WARNING for
    # keys over values that may collide after conversion).
    db = one_table("CREATE TABLE t(c UNIQUE)", (text,), (number,))
    assert check_database(pg_server, db) == []


def test_invalid_utf8_is_reported_for_every_column(pg_server: PgServer) -> None:
    # Was: at most 10 invalid-utf8-replaced notes per table, so column b (the 11th value)
    # was changed and never named.
    rows = [("\udcff", "ok")] * 10 + [("ok", "\udcff")]
    db = one_table("CREATE TABLE t(a TEXT, b TEXT)", *rows, columns=("a", "b"))
    assert check_database(pg_server, db) == []


@pytest.mark.parametrize("offset", ["+16:00", "-16:00", "+23:59"])
def test_utc_offset_postgresql_cannot_read(pg_server: PgServer, offset: str) -> None:
    # Python's fromisoformat accepts offsets up to 23:59, PostgreSQL up to 15:59. Was: the
    # column became timestamptz and COPY failed with 'ERROR: time zone displacement out of
    # range: "2024-01-02 03:04:05+16:00"'.
    db = one_table("CREATE TABLE t(c DATETIME)", (f"2024-01-02 03:04:05{offset}",))
    assert check_database(pg_server, db) == []


def test_table_named_like_an_earlier_tables_identity_sequence(pg_server: PgServer) -> None:
    # t's identity sequence would be t_id_seq. Was: the user's table t_id_seq renamed to
    # t_id_seq_1 (reported as "PostgreSQL names have at most 63 bytes", which was not why).
    db = Database(
        (
            TableSpec("t", ("id",), "CREATE TABLE t(id INTEGER PRIMARY KEY)", ((1,),), 0),
            TableSpec("t_id_seq", ("a",), "CREATE TABLE t_id_seq(a)", ((1,),)),
        )
    )
    assert check_database(pg_server, db) == []
