"""The referee: compare a SQLite database with what was loaded into PostgreSQL.

Written independently of the converter (it never imports dumpconv).  The only entry point
is :func:`compare_sqlite_pg`; it returns human-readable mismatch descriptions, ``[]`` when
the two databases hold the same data.

How values are compared (``st`` = the SQLite storage class from ``typeof()``), by the
PostgreSQL column type (domains are resolved to their base type):

=====================  ========================================================================
boolean                st integer 0/1, st text t/f/true/false (any case)
smallint/int/bigint    st integer, exactly
double precision/real  st integer or real as a Python float, bit for bit (0.0 == -0.0)
numeric                st integer exactly (Decimal); st real: ``float(pg) == value``;
                       st text parsed as Decimal
text/varchar/char/...  st text decoded as UTF-8 with errors="replace" (invalid bytes become
                       U+FFFD); st integer as ``str(int)``; st real: ``float(pg) == value``
bytea                  st blob and st text as their raw bytes; st integer as
                       ``str(int).encode()``; st real: ``float(pg.decode()) == value``
timestamp              ``datetime.fromisoformat(text)``; an aware value is converted to UTC
                       and made naive
timestamptz            as above, a naive SQLite value is taken as UTC; compared as instants
date / time / timetz   ``date.fromisoformat`` / ``time.fromisoformat`` (timetz: naive = UTC);
                       a SQLite time "2000-01-01 HH:MM:SS" is Rails' form of HH:MM:SS
json / jsonb           ``json.loads`` on both sides (numbers compared as decimals)
uuid                   ``uuid.UUID(text)`` (or a 16-byte blob)
anything else          PostgreSQL's text output against the SQLite text / ``str(int)`` /
                       ``repr(float)``
=====================  ========================================================================

NULL matches only NULL.  A value that cannot be normalised (a SQLite text in a timestamp
column that does not parse, a blob in a text column, an 'infinity' timestamp in PostgreSQL,
...) is reported as a mismatch naming table, column and value, and is then ignored when
rows are matched so that it is not reported a second time as a missing and an extra row.

Tables and columns are matched by name: exactly, else ASCII-case-insensitively when that is
unique.  PostgreSQL keeps only the first 63 bytes of a name, so a SQLite name longer than that
is also looked up by its first 63 bytes (cut back to a whole UTF-8 character).

Rows are compared as multisets.  PostgreSQL values are fetched as the server's text output
(session TimeZone=UTC, DateStyle=ISO, extra_float_digits=3, bytea_output=hex) and parsed
here, so that no value PostgreSQL can hold makes the comparison itself fail.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from itertools import islice, product
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.string import TextLoader

__all__ = ["compare_sqlite_pg"]

Key = tuple[str, str | int | bool | bytes]
RowKey = tuple[Key, ...]

_NULL: Key = ("null", "")
#: A cell that takes no part in matching (a known difference or an unnormalisable value).
_ANY: Key = ("*", "")

_FLOAT_RE = re.compile(
    r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)", re.IGNORECASE
)
_MAX_VARIANTS = 64
_MAX_FUZZY_STEPS = 2_000_000
_MAX_REPR = 80
_PG_NAME_BYTES = 63


class _NormError(ValueError):
    pass


# ---------------------------------------------------------------------------------------
# canonical forms
# ---------------------------------------------------------------------------------------


def _fkey(value: float) -> Key:
    return ("f", (0.0 if value == 0 else value).hex())


def _canon_decimal(value: Decimal) -> str:
    """Exact canonical text of a Decimal: equal numbers give equal strings (1.50 == 1.5)."""
    if not value.is_finite():
        return "NaN" if value.is_nan() else ("-Infinity" if value.is_signed() else "Infinity")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    digit_list = list(digits)
    while len(digit_list) > 1 and digit_list[-1] == 0:
        digit_list.pop()
        exponent += 1
    if digit_list == [0]:
        return "0"
    return ("-" if sign else "") + "".join(map(str, digit_list)) + f"E{exponent}"


def _parse_decimal(text: str) -> Decimal:
    if not _FLOAT_RE.fullmatch(text.strip()):
        raise _NormError(f"{text!r} is not a number")
    try:
        return Decimal(text.strip())
    except InvalidOperation as exc:  # pragma: no cover - the regex guards this
        raise _NormError(str(exc)) from exc


def _canon_json(value: Any) -> Any:
    if isinstance(value, dict):
        return ("obj", tuple(sorted((k, _canon_json(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("arr", tuple(_canon_json(v) for v in value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, Decimal):
        return ("num", _canon_decimal(value))
    if value is None:
        return ("null",)
    if isinstance(value, str):
        return ("str", value)
    raise _NormError(f"unexpected JSON value {value!r}")  # pragma: no cover


def _json_key(text: str) -> Key:
    try:
        parsed = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except ValueError as exc:
        raise _NormError(f"not JSON: {exc}") from exc
    return ("json", repr(_canon_json(parsed)))


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _parse_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise _NormError(f"not an ISO timestamp: {exc}") from exc


def _ts_key(value: datetime) -> Key:
    return ("ts", _naive_utc(value).isoformat())


def _parse_time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError as exc:
        raise _NormError(f"not an ISO time: {exc}") from exc


def _parse_uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise _NormError(f"not a UUID: {exc}") from exc


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------------------
# per-type rules: SQLite value -> one key; PostgreSQL text output -> candidate keys
# ---------------------------------------------------------------------------------------

SqliteRule = Callable[[str, Any], Key]
PgRule = Callable[[str, bool], list[Key]]


def _unsupported(kind: str, st: str, value: Any) -> _NormError:
    return _NormError(f"SQLite {st} value {_show_sqlite(st, value)} cannot be a {kind} value")


def _sq_bool(st: str, v: Any) -> Key:
    if st == "integer" and v in (0, 1):
        return ("bool", bool(v))
    if st == "text":
        word = _text(v).lower()
        if word in ("t", "true"):
            return ("bool", True)
        if word in ("f", "false"):
            return ("bool", False)
    raise _unsupported("boolean", st, v)


def _pg_bool(s: str, _wf: bool) -> list[Key]:
    if s not in ("t", "f"):
        raise _NormError(f"unexpected boolean output {s!r}")
    return [("bool", s == "t")]


def _sq_int(st: str, v: Any) -> Key:
    if st == "integer":
        return ("i", int(v))
    raise _unsupported("integer", st, v)


def _pg_int(s: str, _wf: bool) -> list[Key]:
    return [("i", int(s))]


def _sq_float(st: str, v: Any) -> Key:
    if st in ("integer", "real"):
        return _fkey(float(v))
    raise _unsupported("floating-point", st, v)


def _pg_float(s: str, _wf: bool) -> list[Key]:
    return [_fkey(float(s))]


def _sq_numeric(st: str, v: Any) -> Key:
    if st == "integer":
        return ("n", _canon_decimal(Decimal(v)))
    if st == "real":
        return _fkey(v)
    if st == "text":
        return ("n", _canon_decimal(_parse_decimal(_text(v))))
    raise _unsupported("numeric", st, v)


def _pg_numeric(s: str, want_float: bool) -> list[Key]:
    value = Decimal(s)
    keys: list[Key] = [("n", _canon_decimal(value))]
    if want_float:
        keys.append(_fkey(float(value)))
    return keys


def _sq_text(st: str, v: Any) -> Key:
    if st == "text":
        return ("s", _text(v))
    if st == "integer":
        return ("s", str(v))
    if st == "real":
        return _fkey(v)
    raise _unsupported("text", st, v)


def _pg_text(s: str, want_float: bool) -> list[Key]:
    keys: list[Key] = [("s", s)]
    if want_float and _FLOAT_RE.fullmatch(s):
        keys.append(_fkey(float(s)))
    return keys


def _sq_bytea(st: str, v: Any) -> Key:
    if st in ("blob", "text"):
        return ("b", bytes(v))
    if st == "integer":
        return ("b", str(v).encode())
    if st == "real":
        return _fkey(v)
    raise _unsupported("bytea", st, v)  # pragma: no cover - every class is handled


def _pg_bytea(s: str, want_float: bool) -> list[Key]:
    if not s.startswith("\\x"):
        raise _NormError(f"unexpected bytea output {s[:20]!r}")
    raw = bytes.fromhex(s[2:])
    keys: list[Key] = [("b", raw)]
    if want_float:
        text = raw.decode("ascii", errors="replace")
        if _FLOAT_RE.fullmatch(text):
            keys.append(_fkey(float(text)))
    return keys


def _sq_timestamp(st: str, v: Any) -> Key:
    if st == "text":
        return _ts_key(_parse_datetime(_text(v)))
    raise _unsupported("timestamp", st, v)


def _pg_timestamp(s: str, _wf: bool) -> list[Key]:
    value = _parse_datetime(s)
    if value.tzinfo is not None:
        raise _NormError(f"timestamp output with a time zone: {s!r}")
    return [_ts_key(value)]


def _sq_timestamptz(st: str, v: Any) -> Key:
    if st == "text":
        value = _parse_datetime(_text(v))
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return _ts_key(value)
    raise _unsupported("timestamptz", st, v)


def _pg_timestamptz(s: str, _wf: bool) -> list[Key]:
    value = _parse_datetime(s)
    if value.tzinfo is None:
        raise _NormError(f"timestamptz output without a time zone: {s!r}")
    return [_ts_key(value)]


def _sq_date(st: str, v: Any) -> Key:
    if st == "text":
        try:
            return ("date", date.fromisoformat(_text(v)).isoformat())
        except ValueError as exc:
            raise _NormError(f"not an ISO date: {exc}") from exc
    raise _unsupported("date", st, v)


def _pg_date(s: str, _wf: bool) -> list[Key]:
    try:
        return [("date", date.fromisoformat(s).isoformat())]
    except ValueError as exc:
        raise _NormError(f"not an ISO date: {exc}") from exc


def _sq_time(st: str, v: Any) -> Key:
    if st == "text":
        text = _text(v)
        # Rails writes a time of day as "2000-01-01 HH:MM:SS" (ActiveRecord's quoted_time)
        # and reads back only its time part.
        if text.startswith("2000-01-01 "):
            text = text[len("2000-01-01 ") :]
        return ("time", _parse_time(text).isoformat())
    raise _unsupported("time", st, v)


def _pg_time(s: str, _wf: bool) -> list[Key]:
    return [("time", _parse_time(s).isoformat())]


def _sq_timetz(st: str, v: Any) -> Key:
    if st == "text":
        value = _parse_time(_text(v))
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return ("time", value.isoformat())
    raise _unsupported("timetz", st, v)


def _sq_json(st: str, v: Any) -> Key:
    if st == "text":
        return _json_key(_text(v))
    if st == "integer":
        return _json_key(str(v))
    if st == "real" and math.isfinite(v):
        return _json_key(repr(v))
    raise _unsupported("json", st, v)


def _pg_json(s: str, _wf: bool) -> list[Key]:
    return [_json_key(s)]


def _sq_uuid(st: str, v: Any) -> Key:
    if st == "text":
        return ("uuid", str(_parse_uuid(_text(v))))
    if st == "blob" and len(v) == 16:
        return ("uuid", str(uuid.UUID(bytes=bytes(v))))
    raise _unsupported("uuid", st, v)


def _pg_uuid(s: str, _wf: bool) -> list[Key]:
    return [("uuid", str(_parse_uuid(s)))]


def _sq_other(st: str, v: Any) -> Key:
    if st == "text":
        return ("str", _text(v))
    if st == "integer":
        return ("str", str(v))
    if st == "real":
        return ("str", repr(v))
    raise _unsupported("other", st, v)


def _pg_other(s: str, _wf: bool) -> list[Key]:
    return [("str", s)]


_RULES: dict[str, tuple[SqliteRule, PgRule]] = {
    "boolean": (_sq_bool, _pg_bool),
    "integer": (_sq_int, _pg_int),
    "float": (_sq_float, _pg_float),
    "numeric": (_sq_numeric, _pg_numeric),
    "text": (_sq_text, _pg_text),
    "bytea": (_sq_bytea, _pg_bytea),
    "timestamp": (_sq_timestamp, _pg_timestamp),
    "timestamptz": (_sq_timestamptz, _pg_timestamptz),
    "date": (_sq_date, _pg_date),
    "time": (_sq_time, _pg_time),
    "timetz": (_sq_timetz, _pg_time),
    "json": (_sq_json, _pg_json),
    "uuid": (_sq_uuid, _pg_uuid),
    "other": (_sq_other, _pg_other),
}

_KIND_BY_NAME = {
    "boolean": "boolean",
    "smallint": "integer",
    "integer": "integer",
    "bigint": "integer",
    "double precision": "float",
    "real": "float",
    "numeric": "numeric",
    "text": "text",
    "character varying": "text",
    "character": "text",
    "bpchar": "text",
    '"char"': "text",
    "name": "text",
    "citext": "text",
    "bytea": "bytea",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "date": "date",
    "time without time zone": "time",
    "time with time zone": "timetz",
    "json": "json",
    "jsonb": "json",
    "uuid": "uuid",
}


def type_kind(format_type: str) -> str:
    """Map format_type() output (of a base type) to a comparison rule name."""
    name = format_type.strip().lower()
    if name.endswith("]"):
        return "other"
    name = re.sub(r"\([^)]*\)", "", name)  # typmods: numeric(10,2), timestamp(3) ...
    name = re.sub(r"\s+", " ", name).strip()
    if '"' not in name and "." in name:  # schema-qualified, e.g. public.citext
        name = name.rsplit(".", 1)[1]
    return _KIND_BY_NAME.get(name, "other")


# ---------------------------------------------------------------------------------------
# display
# ---------------------------------------------------------------------------------------


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + "..."


def _show_sqlite(st: str, value: Any) -> str:
    if value is None:
        return "NULL"
    if st == "blob":
        return _clip(f"x'{bytes(value).hex()}'")
    if st == "text":
        raw = bytes(value)
        try:
            return _clip(repr(raw.decode("utf-8")))
        except UnicodeDecodeError:
            return _clip(f"(invalid UTF-8) {raw!r}")
    return _clip(repr(value))


def _show_pg(value: str | None) -> str:
    return "NULL" if value is None else _clip(repr(value))


# ---------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------


def _qi(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fold(name: str) -> str:
    """ASCII-only case folding, as SQLite and the converter do."""
    return name.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass
class _SqliteTable:
    name: str
    columns: list[tuple[str, str]]  # (name, declared type)
    has_rowid: bool = False
    rowid_expr: str = ""


@dataclass
class _PgColumn:
    name: str
    type_name: str
    oids: tuple[int, ...]

    @property
    def kind(self) -> str:
        return type_kind(self.type_name)


def _sqlite_tables(con: sqlite3.Connection) -> list[_SqliteTable]:
    rows = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
    ).fetchall()
    entries = [(_text(name), _text(stmt or b"")) for name, stmt in rows]
    virtual = [
        name
        for name, stmt in entries
        if re.match(r"\s*CREATE\s+VIRTUAL\s+TABLE", stmt, re.IGNORECASE)
    ]
    shadow_prefixes = tuple(_fold(name) + "_" for name in virtual)
    result = []
    for name, _stmt in entries:
        folded = _fold(name)
        if folded.startswith("sqlite_") or name in virtual:
            continue
        if shadow_prefixes and folded.startswith(shadow_prefixes):
            continue
        columns = [
            (_text(col_name), _text(col_type or b""))
            for col_name, col_type, hidden in con.execute(
                "SELECT name, type, hidden FROM pragma_table_xinfo(?) ORDER BY cid", (name,)
            )
            if hidden in (0, 2, 3)
        ]
        table = _SqliteTable(name, columns)
        taken = {_fold(col) for col, _type in columns}
        for alias in ("rowid", "_rowid_", "oid"):
            if alias in taken:
                continue
            try:
                con.execute(f"SELECT {alias} FROM {_qi(name)} LIMIT 0")
            except sqlite3.OperationalError:
                break  # WITHOUT ROWID
            table.has_rowid = True
            table.rowid_expr = alias
            break
        result.append(table)
    return result


def _pg_tables(conn: psycopg.Connection[Any], schema: str) -> dict[str, int]:
    rows = conn.execute(
        "SELECT c.relname, c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
        (schema,),
    ).fetchall()
    return {str(name): int(oid) for name, oid in rows}


def _pg_columns(conn: psycopg.Connection[Any], table_oid: int) -> list[_PgColumn]:
    rows = conn.execute(
        "SELECT a.attname, a.atttypid, a.atttypmod FROM pg_attribute a"
        " WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (table_oid,),
    ).fetchall()
    result = []
    for name, type_oid, typmod in rows:
        oids = [int(type_oid)]
        oid, mod = int(type_oid), int(typmod)
        for _depth in range(16):  # resolve (nested) domains to their base type
            typtype, base, base_mod = conn.execute(
                "SELECT typtype, typbasetype, typtypmod FROM pg_type WHERE oid = %s", (oid,)
            ).fetchone() or ("b", 0, -1)
            if typtype != "d":
                break
            oid, mod = int(base), int(base_mod)
            oids.append(oid)
        formatted = conn.execute("SELECT format_type(%s, %s)", (oid, mod)).fetchone()
        type_name = str(formatted[0]) if formatted else "unknown"
        result.append(_PgColumn(str(name), type_name, tuple(oids)))
    return result


def _pg_truncate(name: str) -> str:
    """The name PostgreSQL stores for ``name``: its first 63 bytes (NAMEDATALEN - 1), cut
    back to a UTF-8 character boundary, as PostgreSQL's own truncation does."""
    raw = name.encode("utf-8", errors="surrogatepass")
    if len(raw) <= _PG_NAME_BYTES:
        return name
    cut = _PG_NAME_BYTES
    while cut > 0 and raw[cut] & 0xC0 == 0x80:  # a continuation byte: inside a character
        cut -= 1
    return raw[:cut].decode("utf-8", errors="surrogatepass")


def _match_name(wanted: str, available: Iterable[str]) -> tuple[str | None, list[str]]:
    """Exact match, else a unique ASCII-case-insensitive one; for a name longer than 63
    bytes, the same again with the name PostgreSQL truncates it to.  Returns (match,
    candidates)."""
    names = list(available)
    for form in dict.fromkeys((wanted, _pg_truncate(wanted))):
        if form in names:
            return form, [form]
        folded = _fold(form)
        candidates = sorted(name for name in names if _fold(name) == folded)
        if len(candidates) == 1:
            return candidates[0], candidates
        if candidates:
            return None, candidates
    return None, []


# ---------------------------------------------------------------------------------------
# matching
# ---------------------------------------------------------------------------------------


@dataclass
class _SqliteRow:
    rowid: int | None
    raw: list[tuple[str, Any]]  # (storage class, value) per compared column
    keys: RowKey
    fuzzy: bool


@dataclass
class _PgRow:
    raw: list[str | None]
    variants: list[list[Key]]  # [_ANY] for an unnormalisable value

    def candidates(self) -> Iterable[RowKey]:
        return islice(product(*self.variants), _MAX_VARIANTS)

    def accepts(self, keys: RowKey) -> bool:
        return all(
            key == _ANY or options == [_ANY] or key in options
            for key, options in zip(keys, self.variants, strict=True)
        )

    @property
    def fuzzy(self) -> bool:
        return any(options == [_ANY] for options in self.variants)


@dataclass
class _TableReport:
    table: str
    max_examples: int
    messages: list[str] = field(default_factory=list)
    _errors: int = 0

    def add(self, message: str) -> None:
        self.messages.append(f"{self.table}: {message}")

    def value_error(self, message: str) -> None:
        self._errors += 1
        if self._errors <= self.max_examples:
            self.add(message)

    def finish(self) -> list[str]:
        if self._errors > self.max_examples:
            self.add(f"... {self._errors - self.max_examples} more unnormalisable value(s)")
        return self.messages


def _match_rows(
    sqlite_rows: list[_SqliteRow], pg_rows: list[_PgRow]
) -> tuple[list[_SqliteRow], list[_PgRow]]:
    """Multiset matching.  Returns (SQLite rows without a partner, PG rows without one)."""
    exact: dict[RowKey, list[_SqliteRow]] = {}
    fuzzy_sqlite: list[_SqliteRow] = []
    for row in sqlite_rows:
        if row.fuzzy:
            fuzzy_sqlite.append(row)
        else:
            exact.setdefault(row.keys, []).append(row)

    leftover_pg: list[_PgRow] = []
    # Rows with a single reading first, so that an ambiguous row cannot take their partner.
    for pg_row in sorted(pg_rows, key=lambda r: math.prod(len(v) for v in r.variants)):
        if pg_row.fuzzy:
            leftover_pg.append(pg_row)
            continue
        for candidate in pg_row.candidates():
            bucket = exact.get(candidate)
            if bucket:
                bucket.pop()
                break
        else:
            leftover_pg.append(pg_row)

    remaining_exact = [row for bucket in exact.values() for row in bucket]
    unmatched_pg: list[_PgRow] = []
    steps = 0
    for pg_row in leftover_pg:
        pool = fuzzy_sqlite + remaining_exact if pg_row.fuzzy else fuzzy_sqlite
        found = None
        for row in pool:
            steps += 1
            if steps > _MAX_FUZZY_STEPS:
                break
            if pg_row.accepts(row.keys):
                found = row
                break
        if found is None:
            unmatched_pg.append(pg_row)
        elif found.fuzzy:
            fuzzy_sqlite.remove(found)
        else:
            remaining_exact.remove(found)
    return remaining_exact + fuzzy_sqlite, unmatched_pg


# ---------------------------------------------------------------------------------------
# the entry point
# ---------------------------------------------------------------------------------------


def compare_sqlite_pg(
    sqlite_path: str,
    dsn: str,
    *,
    tables: list[str] | None = None,
    known_differences: AbstractSet[tuple[str, str, int]] = frozenset(),
    pg_schema: str = "public",
    max_examples: int = 5,
) -> list[str]:
    """Describe every difference between the SQLite database and the PostgreSQL one.

    ``tables``: SQLite table names to compare (default: every ordinary table, without
    ``sqlite_*`` tables, virtual tables and their shadow tables).  ``known_differences``:
    ``(table, column, sqlite_rowid)`` triples (SQLite names, ASCII case-insensitive) whose
    values are not compared.  PostgreSQL tables are looked up in ``pg_schema``.
    """
    uri = Path(sqlite_path).resolve().as_uri() + "?mode=ro"
    sq = sqlite3.connect(uri, uri=True)
    try:
        sq.text_factory = bytes
        with psycopg.connect(dsn, autocommit=True) as pg:
            for setting, value in (
                ("TimeZone", "UTC"),
                ("DateStyle", "ISO, YMD"),
                ("IntervalStyle", "postgres"),
                ("extra_float_digits", "3"),
                ("bytea_output", "hex"),
                ("client_encoding", "UTF8"),
            ):
                pg.execute("SELECT set_config(%s, %s, false)", (setting, value))
            return _compare(sq, pg, tables, known_differences, pg_schema, max_examples)
    finally:
        sq.close()


def _compare(
    sq: sqlite3.Connection,
    pg: psycopg.Connection[Any],
    tables: list[str] | None,
    known_differences: Iterable[tuple[str, str, int]],
    pg_schema: str,
    max_examples: int,
) -> list[str]:
    messages: list[str] = []
    sqlite_tables = _sqlite_tables(sq)
    if tables is not None:
        by_fold = {_fold(t.name): t for t in sqlite_tables}
        selected = []
        for wanted in tables:
            found = by_fold.get(_fold(wanted))
            if found is None:
                messages.append(f"{wanted}: no such table in the SQLite database")
            else:
                selected.append(found)
        sqlite_tables = selected

    known: dict[str, dict[str, set[int]]] = {}
    for known_table, known_column, rowid in known_differences:
        known.setdefault(_fold(known_table), {}).setdefault(_fold(known_column), set()).add(
            int(rowid)
        )

    pg_tables = _pg_tables(pg, pg_schema)
    for table in sqlite_tables:
        report = _TableReport(table.name, max_examples)
        match, candidates = _match_name(table.name, pg_tables)
        if match is None:
            if candidates:
                report.add(
                    "ambiguous: several PostgreSQL tables differ from it only in case: "
                    + ", ".join(candidates)
                )
            else:
                report.add(f"table missing in PostgreSQL (schema {pg_schema})")
            messages.extend(report.finish())
            continue
        _compare_table(
            sq,
            pg,
            table,
            pg_schema,
            match,
            pg_tables[match],
            known.get(_fold(table.name), {}),
            report,
        )
        messages.extend(report.finish())
    return messages


def _compare_table(
    sq: sqlite3.Connection,
    pg: psycopg.Connection[Any],
    table: _SqliteTable,
    pg_schema: str,
    pg_name: str,
    pg_oid: int,
    known: dict[str, set[int]],
    report: _TableReport,
) -> None:
    pg_columns = _pg_columns(pg, pg_oid)
    pg_by_name = {col.name: col for col in pg_columns}
    pairs: list[tuple[str, _PgColumn]] = []
    used: set[str] = set()
    for name, _decl in table.columns:
        match, candidates = _match_name(name, pg_by_name)
        if match is None:
            if candidates:
                report.add(
                    f"column {name}: ambiguous, PostgreSQL columns differ only in case: "
                    + ", ".join(candidates)
                )
            else:
                report.add(f"column {name} missing in PostgreSQL table {pg_name}")
            continue
        pairs.append((name, pg_by_name[match]))
        used.add(match)
    for col in pg_columns:
        if col.name not in used:
            report.add(f"PostgreSQL column {pg_name}.{col.name} has no SQLite counterpart")

    # SQLite rows.
    select = [table.rowid_expr if table.has_rowid else "NULL"]
    for name, _pg_col in pairs:
        select += [_qi(name), f"typeof({_qi(name)})"]
    cursor = sq.execute(f"SELECT {', '.join(select)} FROM {_qi(table.name)}")
    sq_rules = [_RULES[col.kind][0] for _name, col in pairs]
    known_sets = [
        known.get(_fold(name), set()) if table.has_rowid else set() for name, _col in pairs
    ]
    real_columns = [False] * len(pairs)
    sqlite_rows: list[_SqliteRow] = []
    for record in cursor:
        rowid = record[0] if table.has_rowid else None
        raw: list[tuple[str, Any]] = []
        keys: list[Key] = []
        fuzzy = False
        for index, (name, col) in enumerate(pairs):
            value = record[1 + 2 * index]
            st = bytes(record[2 + 2 * index]).decode()
            raw.append((st, value))
            if st == "real":
                real_columns[index] = True
            if rowid is not None and rowid in known_sets[index]:
                keys.append(_ANY)
                fuzzy = True
                continue
            if value is None:
                keys.append(_NULL)
                continue
            try:
                keys.append(sq_rules[index](st, value))
            except (_NormError, ValueError, TypeError, OverflowError) as exc:
                where = f"rowid {rowid}" if rowid is not None else "a row"
                report.value_error(
                    f"column {name}, {where}: SQLite {st} value {_show_sqlite(st, value)} "
                    f"cannot be compared with PostgreSQL {col.type_name}: {exc}"
                )
                keys.append(_ANY)
                fuzzy = True
        sqlite_rows.append(_SqliteRow(rowid, raw, tuple(keys), fuzzy))

    # PostgreSQL rows, as the server's text output.
    data_cursor = pg.cursor()
    for _name, col in pairs:
        for oid in col.oids:
            data_cursor.adapters.register_loader(oid, TextLoader)
    query = sql.SQL("SELECT {} FROM {}.{}").format(
        sql.SQL(", ").join(sql.Identifier(col.name) for _name, col in pairs)
        if pairs
        else sql.SQL("1"),
        sql.Identifier(pg_schema),
        sql.Identifier(pg_name),
    )
    pg_rules = [_RULES[col.kind][1] for _name, col in pairs]
    pg_rows: list[_PgRow] = []
    for record in data_cursor.execute(query):
        values: list[str | None] = list(record) if pairs else []
        variants: list[list[Key]] = []
        for index, value in enumerate(values):
            if value is None:
                variants.append([_NULL])
                continue
            try:
                variants.append(pg_rules[index](value, real_columns[index]))
            except (_NormError, ValueError, TypeError, OverflowError) as exc:
                name, col = pairs[index]
                report.value_error(
                    f"column {name}: PostgreSQL {col.type_name} value {_show_pg(value)} "
                    f"cannot be normalised: {exc}"
                )
                variants.append([_ANY])
        pg_rows.append(_PgRow(values, variants))

    if len(sqlite_rows) != len(pg_rows):
        report.add(f"row count differs: SQLite {len(sqlite_rows)}, PostgreSQL {len(pg_rows)}")
    missing, extra = _match_rows(sqlite_rows, pg_rows)
    names = [name for name, _col in pairs]
    if missing:
        report.add(f"{len(missing)} SQLite row(s) not found in PostgreSQL; first ones:")
        for row in _sorted_sqlite(missing)[: report.max_examples]:
            closest = _closest(row, extra, names)
            report.add("  " + _describe_sqlite_row(row, names) + closest)
    if extra:
        report.add(f"{len(extra)} PostgreSQL row(s) not found in SQLite; first ones:")
        for pg_row in extra[: report.max_examples]:
            report.add("  " + _describe_pg_row(pg_row, names))


def _sorted_sqlite(rows: Sequence[_SqliteRow]) -> list[_SqliteRow]:
    return sorted(rows, key=lambda r: (r.rowid is None, r.rowid or 0))


def _describe_sqlite_row(row: _SqliteRow, names: list[str]) -> str:
    cells = ", ".join(
        f"{name}={_show_sqlite(st, value)}"
        for name, (st, value) in zip(names, row.raw, strict=True)
    )
    prefix = f"rowid {row.rowid}: " if row.rowid is not None else ""
    return f"{prefix}({cells})"


def _describe_pg_row(row: _PgRow, names: list[str]) -> str:
    cells = ", ".join(f"{name}={_show_pg(v)}" for name, v in zip(names, row.raw, strict=True))
    return f"({cells})"


def _closest(row: _SqliteRow, extra: list[_PgRow], names: list[str]) -> str:
    """' -- closest PostgreSQL row differs in: ...' naming the differing columns."""
    best: tuple[int, _PgRow] | None = None
    for pg_row in extra[:1000]:
        diff = sum(
            1
            for key, options in zip(row.keys, pg_row.variants, strict=True)
            if not (key == _ANY or options == [_ANY] or key in options)
        )
        if best is None or diff < best[0]:
            best = (diff, pg_row)
    if best is None or best[0] == 0 or best[0] == len(names):
        return ""
    pg_row = best[1]
    parts = []
    for index, name in enumerate(names):
        key, options = row.keys[index], pg_row.variants[index]
        if not (key == _ANY or options == [_ANY] or key in options):
            st, value = row.raw[index]
            parts.append(
                f"{name} (PostgreSQL {_show_pg(pg_row.raw[index])} vs "
                f"SQLite {_show_sqlite(st, value)})"
            )
    return " -- closest PostgreSQL row differs in " + ", ".join(parts)
