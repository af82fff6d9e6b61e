"""Values to PostgreSQL COPY text fields: the one place that escapes COPY data.

A COPY field is bytes in PostgreSQL's text format (https://www.postgresql.org/docs/current/
sql-copy.html#id-1.9.3.55.9.2): ``\\N`` is NULL; backslash, tab, line feed and carriage
return are escaped. Every field dumpconv writes comes from :func:`copy_escape` or from one of
the fixed forms here, so no value can end a COPY block or start a psql command.

Each field also carries a one-byte storage class, as SQLite's ``typeof()`` would report it.
"""

from __future__ import annotations

import math
import re

NULL = b"\\N"

# Storage classes, one byte each (row-major strings of these travel beside the fields).
C_NULL = ord("N")
C_INT = ord("i")
C_REAL = ord("r")
C_TEXT = ord("s")
C_BLOB = ord("b")


def copy_escape(raw: bytes) -> bytes:
    """Escape text bytes for a COPY text-format field."""
    if b"\\" in raw:
        raw = raw.replace(b"\\", b"\\\\")
    if b"\t" in raw:
        raw = raw.replace(b"\t", b"\\t")
    if b"\n" in raw:
        raw = raw.replace(b"\n", b"\\n")
    if b"\r" in raw:
        raw = raw.replace(b"\r", b"\\r")
    return raw


_UNESCAPE = re.compile(rb"\\(.)", re.S)
_UNESCAPES = {b"\\": b"\\", b"t": b"\t", b"n": b"\n", b"r": b"\r", b"N": b""}


def copy_unescape(field: bytes) -> bytes:
    """Invert :func:`copy_escape` (for fields this module wrote)."""
    if b"\\" not in field:
        return field
    return _UNESCAPE.sub(lambda m: _UNESCAPES[m.group(1)], field)


def real_text(value: float) -> bytes:
    """A double as PostgreSQL float8 input: shortest round-trip digits, or ±Infinity."""
    if math.isinf(value):
        return b"Infinity" if value > 0 else b"-Infinity"
    return repr(value).encode()


def bytea_hex(raw: bytes) -> bytes:
    """A bytea field in hex format (``\\x…``, its backslash escaped for COPY)."""
    return b"\\\\x" + raw.hex().encode()


def fix_utf8(raw: bytes) -> bytes:
    """Replace each invalid UTF-8 sequence by U+FFFD (the Unicode 'maximal subpart' rule)."""
    return raw.decode("utf-8", "replace").encode("utf-8")


def encode_value(value: object) -> tuple[bytes, int]:
    """One Python value from the row scanner → (COPY field, storage class).

    Text is ``str`` (invalid UTF-8 kept as surrogate escapes), blobs are ``bytes``.
    """
    if value is None:
        return NULL, C_NULL
    if isinstance(value, int):
        return str(value).encode(), C_INT
    if isinstance(value, float):
        return real_text(value), C_REAL
    if isinstance(value, str):
        return copy_escape(value.encode("utf-8", "surrogateescape")), C_TEXT
    if isinstance(value, bytes):
        return bytea_hex(value), C_BLOB
    raise TypeError(f"not a SQLite value: {value!r}")
