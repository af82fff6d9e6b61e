"""Real producers of dump text for the tests: the ``sqlite3`` CLI and ``iterdump()``.

The row tests must never check the scanner against a renderer of our own (style.md §5.4):
the literals come from the programs users run. These helpers store Python values in a
real SQLite database, dump it, and read the values back with ``typeof()`` for comparison.

Values are given as SQLite sees them: ``None``, ``int``, ``float``, ``bytes`` (a BLOB) and
``str`` (TEXT; invalid UTF-8 as surrogate escapes, stored byte for byte).
"""

from __future__ import annotations

import math
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

SQLITE3 = shutil.which("sqlite3")

Value = None | int | float | str | bytes

# The producers the round-trip tests use, by name.
CLI_VARIANTS: dict[str, tuple[str, ...]] = {
    "cli": (".dump",),
    "cli-newlines": (".dump --newlines",),
    "cli-preserve-rowids": (".dump --preserve-rowids",),
}
PRODUCERS = (*CLI_VARIANTS, "iterdump")


@dataclass(frozen=True)
class Table:
    """A table to create: its CREATE statement and the rows to store (in rowid order)."""

    name: str
    create: str
    rows: Sequence[Sequence[Value]] = ()


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _param(value: Value) -> tuple[str, object]:
    """SQL placeholder and parameter that store ``value`` with its own storage class."""
    if isinstance(value, str):
        # Bind the bytes and cast, so that invalid UTF-8 is stored as it is.
        return "CAST(? AS TEXT)", value.encode("utf-8", "surrogateescape")
    return "?", value


def build_db(path: Path, tables: Iterable[Table], extra_sql: Iterable[str] = ()) -> None:
    """Create a SQLite database file at ``path`` holding ``tables`` (and run ``extra_sql``)."""
    con = sqlite3.connect(path)
    try:
        for table in tables:
            con.execute(table.create)
            for row in table.rows:
                marks, params = zip(*map(_param, row), strict=True) if row else ((), ())
                con.execute(
                    f"INSERT INTO {quote_name(table.name)} VALUES({','.join(marks)})", params
                )
        for sql in extra_sql:
            con.execute(sql)
        con.commit()
    finally:
        con.close()


def cli_dump(path: Path, command: str = ".dump") -> bytes:
    """``sqlite3 DB COMMAND`` with stdin from /dev/null: the bytes it writes."""
    if SQLITE3 is None:  # pragma: no cover - the project's machines have it
        raise RuntimeError("the sqlite3 command-line shell is not on PATH")
    done = subprocess.run(
        [SQLITE3, str(path), command],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def iterdump(path: Path) -> bytes:
    """``Connection.iterdump()``, one item per line, as shared/dumps/tools/iterdump.py writes."""
    con = sqlite3.connect(path)
    try:
        con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
        text = "".join(f"{item}\n" for item in con.iterdump())
    finally:
        con.close()
    return text.encode("utf-8", "surrogateescape")


def dump(path: Path, producer: str) -> bytes:
    """The dump of ``path`` by one of :data:`PRODUCERS`."""
    if producer == "iterdump":
        return iterdump(path)
    return cli_dump(path, *CLI_VARIANTS[producer])


def read_back(path: Path, table: str) -> list[tuple[tuple[str, Value], ...]]:
    """Every row of ``table`` in scan order as ``(typeof(c), value)`` pairs.

    The columns are those of ``PRAGMA table_info`` (the ones a dump writes values for).
    Text comes back as ``bytes`` (exactly the stored bytes), like blobs: the type name tells
    them apart.
    """
    con = sqlite3.connect(path)
    try:
        con.text_factory = bytes
        names = [
            r[1].decode("utf-8", "surrogateescape")
            for r in con.execute(f"PRAGMA table_info({quote_name(table)})")
        ]
        cols = ",".join(f"typeof({quote_name(n)}),{quote_name(n)}" for n in names)
        # No ORDER BY: a full scan, as the producers' own SELECT * does (rowid order, or
        # key order for WITHOUT ROWID tables).
        rows = con.execute(f"SELECT {cols} FROM {quote_name(table)}").fetchall()
    finally:
        con.close()
    n = len(names)
    return [tuple((r[2 * i].decode(), r[2 * i + 1]) for i in range(n)) for r in rows]


@dataclass(frozen=True)
class Dumped:
    """The dumps of one database, by producer, and what each table holds (:func:`read_back`)."""

    dumps: dict[str, bytes]
    stored: dict[str, list[tuple[tuple[str, Value], ...]]]


def dump_tables(
    tables: Sequence[Table], producers: Iterable[str] = PRODUCERS, extra_sql: Iterable[str] = ()
) -> Dumped:
    """Build a throw-away database holding ``tables``, dump it with each producer, read it."""
    with tempfile.TemporaryDirectory(prefix="dumpconv-test-") as tmp:
        db = Path(tmp) / "t.db"
        build_db(db, tables, extra_sql)
        return Dumped(
            {p: dump(db, p) for p in producers}, {t.name: read_back(db, t.name) for t in tables}
        )


# --- reading COPY text as PostgreSQL does -------------------------------------------------
# An independent decoder (https://www.postgresql.org/docs/current/sql-copy.html, "Text
# Format"), so that COPY output is checked against PostgreSQL's rules, not against
# dumpconv's own escaping.

_COPY_ESCAPES = {ord("b"): 8, ord("f"): 12, ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("v"): 11}


def copy_rows(copy: bytes) -> list[list[bytes]]:
    """Split COPY text into rows of raw (still escaped) fields."""
    if not copy:
        return []
    assert copy.endswith(b"\n"), "COPY text must end with a line end"
    return [line.split(b"\t") for line in copy[:-1].split(b"\n")]


def copy_field(raw: bytes) -> bytes | None:
    """One COPY text field as PostgreSQL reads it; ``None`` for ``\\N``."""
    if raw == b"\\N":
        return None
    out = bytearray()
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c != 0x5C:  # backslash
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            raise ValueError(f"COPY field ends in a lone backslash: {raw!r}")
        d = raw[i + 1]
        if d in _COPY_ESCAPES:
            out.append(_COPY_ESCAPES[d])
            i += 2
        elif 0x30 <= d <= 0x37:  # \ooo, 1-3 octal digits
            j = i + 1
            while j < n and j < i + 4 and 0x30 <= raw[j] <= 0x37:
                j += 1
            out.append(int(raw[i + 1 : j], 8) & 0xFF)
            i = j
        elif d == ord("x") and i + 2 < n and chr(raw[i + 2]) in "0123456789abcdefABCDEF":
            j = i + 2
            while j < n and j < i + 4 and chr(raw[j]) in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(raw[i + 2 : j], 16))
            i = j
        else:  # any other character stands for itself
            out.append(d)
            i += 2
    return bytes(out)


def pg_float8(text: bytes) -> float:
    """A float8 input string as PostgreSQL 12+ reads it (rejecting what it rejects)."""
    word = text.lower()
    if word in (b"infinity", b"inf", b"+infinity", b"+inf"):
        return math.inf
    if word in (b"-infinity", b"-inf"):
        return -math.inf
    m = re.fullmatch(rb"[-+]?(?:([0-9]+)\.?([0-9]*)|\.([0-9]+))(?:[eE][-+]?[0-9]+)?", text)
    if m is None:
        raise ValueError(f"not float8 input: {text!r}")
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"float8 out of range: {text!r}")
    digits = b"".join(g for g in m.groups() if g)
    if value == 0.0 and digits.strip(b"0"):
        raise ValueError(f"float8 underflows to zero: {text!r}")
    return value


def pg_bytea(text: bytes) -> bytes:
    """A bytea input string in hex format (``\\x…``)."""
    if not text.startswith(b"\\x"):
        raise ValueError(f"not bytea hex input: {text!r}")
    return bytes.fromhex(text[2:].decode("ascii"))


def pg_bigint(text: bytes) -> int:
    if not re.fullmatch(rb"-?[0-9]+", text):
        raise ValueError(f"not bigint input: {text!r}")
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"bigint out of range: {text!r}")
    return value


def as_pg_text(stored: bytes) -> bytes:
    """What a SQLite text value must become in PostgreSQL (UTF-8 only): invalid sequences
    replaced by U+FFFD, as the design's invalid-text policy says."""
    return stored.decode("utf-8", "replace").encode("utf-8")


# --- an independent statement cutter for INSERT runs ---------------------------------------


def cut_statements(body: bytes, line: int) -> list[tuple[bytes, int]]:
    """Cut a run body into statements: an independent, byte-by-byte reference cutter
    (INSERT bodies hold only '…' strings and "…" names, no comments)."""
    out = []
    start = 0
    quote = 0
    i = 0
    while i < len(body):
        c = body[i]
        if quote:
            if c == quote:
                quote = 0  # a doubled quote closes and reopens: same effect
        elif c in (0x27, 0x22):
            quote = c
        elif c == 0x3B:  # ;
            out.append((body[start : i + 1], line + body.count(b"\n", 0, start)))
            i += 1
            while i < len(body) and body[i] in b" \t\r\n":
                i += 1
            start = i
            continue
        i += 1
    assert start == len(body), f"run body does not end after a statement: {body[start:]!r}"
    return out
