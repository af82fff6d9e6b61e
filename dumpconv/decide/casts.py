"""User casts: ``--cast TABLE.COLUMN=TYPE[:TRANSFORM]`` and ``--cast DECLARED=TYPE[:TRANSFORM]``.

A cast overrides the type decision for one column, or for every column with a declared type.
It is checked against the data like any other decision: a value the type cannot hold is an
error naming the value and its line (never a failed load). The transforms read numbers as
dates: seconds, milliseconds or microseconds since 1970-01-01 UTC, or Julian day numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from dumpconv.base.errors import DumpconvError
from dumpconv.decide.typemap import Cat, Declared
from dumpconv.read.schema import fold

TRANSFORMS = {"epoch-s": 1, "epoch-ms": 1_000, "epoch-us": 1_000_000, "julian-day": 0}

# PostgreSQL type spellings accepted, to their canonical form and category.
_TYPES: list[tuple[str, str, Cat]] = [
    (r"smallint|int2", "smallint", Cat.SMALLINT),
    (r"integer|int|int4", "integer", Cat.INTEGER),
    (r"bigint|int8", "bigint", Cat.BIGINT),
    (r"boolean|bool", "boolean", Cat.BOOLEAN),
    (r"double precision|float8|double", "double precision", Cat.DOUBLE),
    (r"text", "text", Cat.TEXT),
    (r"bytea", "bytea", Cat.BYTEA),
    (r"timestamp|timestamp without time zone", "timestamp", Cat.TIMESTAMP),
    (r"timestamptz|timestamp with time zone", "timestamptz", Cat.TIMESTAMP),
    (r"date", "date", Cat.DATE),
    (r"time|time without time zone", "time", Cat.TIME),
    (r"jsonb", "jsonb", Cat.JSON),
    (r"json", "json", Cat.JSON),
    (r"uuid", "uuid", Cat.UUID),
    (r"interval", "interval", Cat.INTERVAL),
    (r"inet", "inet", Cat.INET),
]
_NUMERIC = re.compile(r"(?:numeric|decimal)(?:\((\d+)(?:,(\d+))?\))?")
_VARCHAR = re.compile(r"(?:varchar|character varying)\((\d+)\)")


@dataclass(frozen=True, slots=True)
class Cast:
    """One --cast: which columns, to what, and how numbers become dates."""

    text: str  # as the user wrote it, for messages
    table: str | None  # folded SQLite table name, for a column cast
    column: str | None  # folded SQLite column name
    declared: str | None  # normalised declared type, for a declared-type cast
    pg_type: str
    declared_as: Declared  # what the statistics must check
    transform: str | None = None
    # Set for a framework's own type (decide/frameworks.py): why, for the output's comments.
    origin: str | None = None
    # Set for a column of --target-schema (decide/target.py): the type is the existing
    # column's; values PostgreSQL rounds on input are reported, others refused.
    target: bool = False

    @property
    def label(self) -> str:
        """How the output and the report name this cast."""
        return self.origin or f"--cast {self.text}"

    def applies(self, table: str, column: str, declared: str) -> bool:
        if self.table is not None:
            return self.table == fold(table) and self.column == fold(column)
        return self.declared == normalise_declared(declared)


def normalise_declared(declared: str) -> str:
    return " ".join(declared.upper().replace(" (", "(").split()).replace(", ", ",")


def parse_cast(text: str) -> Cast:
    """Read one ``--cast`` argument.

    Raises:
        DumpconvError: the argument is not of the form TARGET=TYPE[:TRANSFORM].
    """
    target, sep, spec = text.partition("=")
    if not sep or not target.strip() or not spec.strip():
        raise _usage(text, "expected TABLE.COLUMN=TYPE or DECLARED=TYPE")
    spec, _, transform = spec.strip().partition(":")
    pg_type, declared = _pg_type(text, spec)
    if transform:
        if transform not in TRANSFORMS:
            raise _usage(
                text, f"unknown transform {transform!r}: use one of {', '.join(TRANSFORMS)}"
            )
        if pg_type not in ("timestamp", "timestamptz"):
            raise _usage(text, f"the {transform} transform makes timestamp or timestamptz")
        declared = Declared(Cat.TIMESTAMP, epoch=transform)
    target = target.strip()
    table, dot, column = target.rpartition(".")
    if dot:
        return Cast(text, fold(_unquote(table)), fold(_unquote(column)), None, pg_type, declared,
                    transform or None)  # fmt: skip
    return Cast(text, None, None, normalise_declared(target), pg_type, declared, transform or None)


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name


def _pg_type(text: str, spec: str) -> tuple[str, Declared]:
    t = " ".join(spec.lower().split()).replace(" (", "(").replace(", ", ",")
    for pattern, canonical, cat in _TYPES:
        if re.fullmatch(pattern, t):
            return canonical, Declared(cat)
    m = _NUMERIC.fullmatch(t)
    if m:
        if m.group(1):
            p, s = int(m.group(1)), int(m.group(2) or 0)
            if not 0 < p <= 1000 or s > p:
                raise _usage(text, f"numeric({p},{s}) is not a valid precision and scale")
            return f"numeric({p},{s})", Declared(Cat.NUMERIC, precision=p, scale=s)
        return "numeric", Declared(Cat.NUMERIC)
    m = _VARCHAR.fullmatch(t)
    if m and int(m.group(1)) > 0:
        n = int(m.group(1))
        return f"varchar({n})", Declared(Cat.VARCHAR, length=n)
    if t in ("real", "float4"):
        raise _usage(text, "real (float4) would round SQLite's doubles: use double precision")
    raise _usage(text, f"unsupported type {spec!r}")


def _usage(text: str, why: str) -> DumpconvError:
    return DumpconvError(
        f"--cast {text}: {why}",
        None,
        "types: smallint integer bigint boolean double precision numeric[(p,s)] varchar(n) "
        "text bytea timestamp timestamptz date time json jsonb uuid inet interval (from "
        "microseconds); transforms: " + ", ".join(TRANSFORMS),
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_JULIAN_EPOCH = Fraction(24405875, 10)  # Julian day number of 1970-01-01 00:00 UTC


def epoch_to_text(number: bytes, transform: str, with_zone: bool) -> bytes | None:
    """A number read as a date: ISO text for PostgreSQL, exact to the microsecond (rounded
    half to even below it); None when the date is out of range."""
    value = Fraction(number.decode())
    if transform == "julian-day":
        micros = (value - _JULIAN_EPOCH) * 86_400_000_000
    else:
        micros = value * (1_000_000 // TRANSFORMS[transform])
    try:
        moment = _EPOCH + timedelta(microseconds=round(micros))
    except OverflowError:
        return None
    text = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    if moment.year < 1:  # pragma: no cover - datetime cannot go below year 1
        return None
    return (text + "+00" if with_zone else text).encode()
