"""Rows as INSERT statements (``--inserts``, ``--rows-per-insert N``), made from the same
spooled, converted COPY text the COPY form writes: each field is read back as PostgreSQL's
COPY reads it (:func:`copy_value`) and written as an untyped string literal by the one
literal encoder, ``base.pgsql.quote_literal``.

An untyped literal is converted to its column's type by the type's input function with the
column's type modifier, as COPY converts each field; so the INSERT form loads exactly the
values the COPY form loads (numbers, Infinity and NaN, booleans, timestamps and bytea's
``\\x…`` included), and fails where COPY fails. NULL is the key word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from dumpconv.base.errors import DumpconvError
from dumpconv.base.pgsql import qualified, quote_ident, quote_literal
from dumpconv.write.pgcheck import check_statement

_NULL = b"\\N"
# A backslash and what PostgreSQL's COPY text format reads after it (CopyReadAttributesText).
_ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)", re.S)
_LETTERS = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _unescape(m: re.Match[bytes]) -> bytes:
    esc = m.group(1)
    if esc[:1] == b"x" and len(esc) > 1:
        return bytes([int(esc[1:], 16)])
    if esc[:1].isdigit():
        return bytes([int(esc, 8) & 0xFF])
    return _LETTERS.get(esc, esc)


def copy_value(field: bytes) -> str | None:
    """The value PostgreSQL's COPY (text format, UTF-8) reads from one field: None for
    ``\\N``, else the text with every backslash escape read.

    Raises:
        DumpconvError: the text holds NUL or is not UTF-8, which COPY refuses too (the
            ``--nul`` and ``--invalid-utf8`` policies have run before: a dumpconv bug).
    """
    if field == _NULL:
        return None
    raw = _ESCAPE.sub(_unescape, field) if b"\\" in field else field
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = "\x00"  # refused below, with the same message
    if "\x00" in text:
        raise DumpconvError(
            "internal error: a converted value holds NUL or is not UTF-8, which PostgreSQL "
            "cannot load",
            None,
            "this is a bug in dumpconv; please report it with the input",
        )
    return text


def literal(field: bytes) -> str:
    """One COPY field as an SQL value: ``NULL`` or a string literal."""
    value = copy_value(field)
    return "NULL" if value is None else quote_literal(value)


def row_values(row: bytes) -> str:
    """One COPY row (no line end) as ``(v1, v2, …)``."""
    return "(" + ", ".join(literal(f) for f in row.split(b"\t")) + ")"


def rows_of(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The rows of COPY text in pieces of whole rows (each piece ends with a line end)."""
    for piece in pieces:
        if piece:
            yield from piece[:-1].split(b"\n")


def statements(
    table: str, schema: str, columns: Iterable[str], pieces: Iterable[bytes],
    per_statement: int, overriding: bool = False,
) -> Iterator[str]:  # fmt: skip
    """INSERT statements of up to ``per_statement`` rows each: one row on the same line,
    several one per line (as pg_dump writes them, indented by spaces: a statement holds no
    raw control character); ``overriding`` for identity columns GENERATED ALWAYS.

    The first statement of each table is checked whole by PostgreSQL's parser (one INSERT
    into this table of string literals and NULLs: ``pgcheck``); the others differ from it
    only in their values, each made by ``quote_literal`` (one string token whatever the
    text: tests/write/test_inserts.py) or the word NULL. Parsing every statement would cost
    about 170 µs a row, 20 times what building it does.
    """
    cols = ", ".join(quote_ident(c) for c in columns)
    override = " OVERRIDING SYSTEM VALUE" if overriding else ""
    head = f"INSERT INTO {qualified(table, schema)} ({cols}){override} VALUES"
    for n, sql in enumerate(_grouped(head, pieces, per_statement)):
        if n == 0:
            check_statement(sql, "insert", schemas=(schema,))
        yield sql


def _grouped(head: str, pieces: Iterable[bytes], per_statement: int) -> Iterator[str]:
    batch: list[str] = []
    for row in rows_of(pieces):
        batch.append(row_values(row))
        if len(batch) == per_statement:
            yield _join(head, batch)
            batch = []
    if batch:
        yield _join(head, batch)


def _join(head: str, values: list[str]) -> str:
    if len(values) == 1:
        return f"{head} {values[0]};"
    return head + "\n    " + ",\n    ".join(values) + ";"
