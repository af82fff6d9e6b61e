"""Declared SQLite types, and the PostgreSQL type each column gets from them and its data.

Two steps, both pure:

* :func:`declared` reads a declared type name (any words SQLite accepted) into a
  :class:`Declared` category with its length or precision;
* :func:`decide` picks the PostgreSQL type from that category and the column's statistics,
  widening to a type that holds every value when the declared one cannot, and says why.

The mapping tables are data, reviewed like code; the README's type table mirrors them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from dumpconv.base.encode import C_BLOB, C_INT, C_REAL, C_TEXT
from dumpconv.read.schema import Affinity, affinity


class Cat(Enum):
    """What a declared type asks for."""

    BOOLEAN = "boolean"
    SMALLINT = "smallint"
    INTEGER = "integer"
    BIGINT = "bigint"
    DOUBLE = "double precision"
    NUMERIC = "numeric"
    VARCHAR = "varchar"
    TEXT = "text"
    BYTEA = "bytea"
    TIMESTAMP = "timestamp"
    DATE = "date"
    TIME = "time"
    JSON = "jsonb"
    UUID = "uuid"
    INTERVAL = "interval"  # only by --cast: integers counting microseconds (Django)
    INET = "inet"  # IP addresses (Django's GenericIPAddressField)
    ENUM = "enum"  # only from --target-schema: one of a PostgreSQL enum type's labels
    ANY = "any"  # untyped, ANY, or a name that says nothing more than its affinity


@dataclass(frozen=True, slots=True)
class Declared:
    cat: Cat
    length: int | None = None  # varchar(n)
    precision: int | None = None  # numeric(p, s); a timestamp's or time's fraction digits
    scale: int | None = None
    epoch: str | None = None  # a --cast transform: the numbers are dates in this unit
    labels: frozenset[bytes] | None = None  # an enum's labels, UTF-8

    @property
    def temporal(self) -> bool:
        return self.cat in (Cat.TIMESTAMP, Cat.DATE, Cat.TIME)


# (Parameters of more than 30 digits are no parameters: no type has them, and Python's int()
# refuses very long digit strings.)
_PARAMS = re.compile(r"\(\s*([-+]?\d{1,30})\s*(?:,\s*([-+]?\d{1,30})\s*)?\)")
#: PostgreSQL's limits on type parameters (varchar's length, numeric's precision).
MAX_VARCHAR = 10485760
MAX_NUMERIC_PRECISION = 1000

# Whole declared names (upper case, without parameters) → category. Checked before the
# affinity rules, which decide everything not listed.
NAMES: dict[str, Cat] = {
    "BOOL": Cat.BOOLEAN,
    "BOOLEAN": Cat.BOOLEAN,
    "BIT": Cat.BOOLEAN,
    "SMALLINT": Cat.SMALLINT,
    "INT2": Cat.SMALLINT,
    "TINYINT": Cat.SMALLINT,
    "SMALLINT UNSIGNED": Cat.SMALLINT,
    "TINYINT UNSIGNED": Cat.SMALLINT,
    "MEDIUMINT": Cat.INTEGER,
    "INT4": Cat.INTEGER,
    "BIGINT": Cat.BIGINT,
    "INT8": Cat.BIGINT,
    "UNSIGNED BIG INT": Cat.BIGINT,
    "BIGINT UNSIGNED": Cat.BIGINT,
    "DATETIME": Cat.TIMESTAMP,
    "TIMESTAMP": Cat.TIMESTAMP,
    "TIMESTAMPTZ": Cat.TIMESTAMP,
    "TIMESTAMP WITH TIME ZONE": Cat.TIMESTAMP,
    "TIMESTAMP WITHOUT TIME ZONE": Cat.TIMESTAMP,
    "DATETIME2": Cat.TIMESTAMP,
    "DATETIMEOFFSET": Cat.TIMESTAMP,
    "SMALLDATETIME": Cat.TIMESTAMP,
    "DATE": Cat.DATE,
    "TIME": Cat.TIME,
    "JSON": Cat.JSON,
    "JSONB": Cat.JSON,
    "UUID": Cat.UUID,
    "UNIQUEIDENTIFIER": Cat.UUID,
    "DECIMAL": Cat.NUMERIC,
    "NUMERIC": Cat.NUMERIC,
    "MONEY": Cat.NUMERIC,
    "REAL": Cat.DOUBLE,
    "FLOAT": Cat.DOUBLE,
    "DOUBLE": Cat.DOUBLE,
    "DOUBLE PRECISION": Cat.DOUBLE,
    "FLOAT4": Cat.DOUBLE,
    "FLOAT8": Cat.DOUBLE,
    "BLOB": Cat.BYTEA,
    "BYTEA": Cat.BYTEA,
    "BINARY": Cat.BYTEA,
    "VARBINARY": Cat.BYTEA,
    "ANY": Cat.ANY,
    "": Cat.ANY,
}
_VARCHAR_WORDS = ("VARCHAR", "CHAR", "CHARACTER", "NCHAR", "NVARCHAR", "VARYING", "NATIVE")


def declared(decl: str) -> Declared:
    """Read a declared type name the way SQLite accepts them: any words, up to two numbers."""
    upper = " ".join(decl.upper().split())
    m = _PARAMS.search(upper)
    first = int(m.group(1)) if m else None
    second = int(m.group(2)) if m and m.group(2) else None
    base = _PARAMS.sub("", upper).strip()
    base = re.sub(r"\s+", " ", base)
    if base == "TINYINT" and first == 1:
        return Declared(Cat.BOOLEAN)
    cat = NAMES.get(base)
    if cat is Cat.NUMERIC:
        if (
            first is not None
            and 0 < first <= MAX_NUMERIC_PRECISION
            and (second or 0) >= 0
            and (second or 0) <= first
        ):
            return Declared(Cat.NUMERIC, precision=first, scale=second or 0)
        return Declared(Cat.NUMERIC)
    if cat is not None:
        return Declared(cat)
    aff = affinity(decl)
    if aff is Affinity.INTEGER:
        # INTEGER, INT and the rest: SQLite's integers are 64-bit, whatever the name says.
        return Declared(Cat.BIGINT)
    if aff is Affinity.TEXT:
        if (
            first is not None
            and 0 < first <= MAX_VARCHAR
            and any(w in base for w in _VARCHAR_WORDS)
        ):
            return Declared(Cat.VARCHAR, length=first)
        return Declared(Cat.TEXT)
    if aff is Affinity.REAL:
        return Declared(Cat.DOUBLE)
    if aff is Affinity.BLOB:
        return Declared(Cat.BYTEA) if "BLOB" in base else Declared(Cat.ANY)
    return Declared(Cat.ANY)


def parameter_note(decl: str) -> str | None:
    """Why a declared type's parameters were not kept, when PostgreSQL cannot take them."""
    upper = " ".join(decl.upper().split())
    m = _PARAMS.search(upper)
    if m is None:
        return None
    first = int(m.group(1))
    second = int(m.group(2)) if m.group(2) else None
    base = _PARAMS.sub("", upper).strip()
    if affinity(decl) is Affinity.TEXT and any(w in base for w in _VARCHAR_WORDS):
        if first > MAX_VARCHAR:
            return f"{decl} is longer than PostgreSQL's varchar limit of {MAX_VARCHAR}"
        if first < 1:
            return f"{decl} has a length PostgreSQL does not accept"
    if NAMES.get(base) is Cat.NUMERIC and not (
        0 < first <= MAX_NUMERIC_PRECISION and 0 <= (second or 0) <= first
    ):
        return f"{decl} has a precision or scale PostgreSQL does not accept"
    return None


class Reencode(Enum):
    """How the spooled COPY fields of a column must change for the chosen type.

    A column may need several (``spool.combine`` joins them: ``spool.Recode``).
    """

    REAL_SHORTEST = "real-shortest"  # reals to their shortest round-trip digits
    FIX_UTF8 = "fix-utf8"  # texts: invalid UTF-8 sequences to U+FFFD
    TEXT_SAFE = "text-safe"  # both of the above
    NUL_REPLACE = "nul-replace"  # texts: each NUL (spooled as \x00) to U+FFFD
    NUL_STRIP = "nul-strip"  # texts: NULs removed
    TO_BYTEA = "to-bytea"  # every non-blob value to the bytes of its text (NULs kept)
    EPOCH_S = "epoch-s"  # numbers to the instant they count from 1970-01-01 UTC, in seconds
    EPOCH_MS = "epoch-ms"  # … in milliseconds
    EPOCH_US = "epoch-us"  # … in microseconds
    JULIAN_DAY = "julian-day"  # Julian day numbers to the instant they name
    MICROSECONDS = "microseconds"  # integers to the interval of that many microseconds
    UUID_FROM_BLOB = "uuid-from-blob"  # 16-byte blobs (\\x + 32 hex digits) to uuid text
    TIME_OF_DAY = "time-of-day"  # "2000-01-01 HH:MM:SS" (Rails' times) to "HH:MM:SS"


@dataclass(frozen=True, slots=True)
class Decision:
    pg_type: str
    reason: str | None = None  # set when the type differs from what was declared
    reencode: Reencode | None = None
    lossy: str | None = None  # values PostgreSQL will round on input (--target-schema)


# PostgreSQL's integer types and the values each holds.
INT_LIMITS = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}


def integer_type(lo: int, hi: int, floor: str = "smallint") -> str:
    """The narrowest of smallint/integer/bigint, not narrower than ``floor``, holding lo..hi."""
    order = list(INT_LIMITS)
    for name, (a, b) in INT_LIMITS.items():
        if order.index(name) >= order.index(floor) and a <= lo and hi <= b:
            return name
    return "bigint"


def render(d: Declared) -> str:
    """The PostgreSQL type a declared category maps to when the data agrees."""
    if d.cat is Cat.VARCHAR:
        return f"varchar({d.length})"
    if d.cat is Cat.NUMERIC and d.precision is not None:
        return f"numeric({d.precision},{d.scale or 0})"
    if d.cat is Cat.ANY:
        return "text"
    return str(d.cat.value)


def describe_classes(kinds: set[int]) -> str:
    names = {C_INT: "integers", C_REAL: "reals", C_TEXT: "texts", C_BLOB: "blobs"}
    return ", ".join(names[k] for k in sorted(kinds, key=list(names).index))
