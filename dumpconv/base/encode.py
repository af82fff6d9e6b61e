"""Values to PostgreSQL COPY text fields: the one place that escapes COPY data.

A COPY field is bytes in PostgreSQL's text format (https://www.postgresql.org/docs/current/
sql-copy.html#id-1.9.3.55.9.2): ``\\N`` is NULL; backslash, tab, line feed and carriage
return are escaped as ``\\\\``, ``\\t``, ``\\n``, ``\\r``, and every other control byte
(0x00-0x1f, 0x7f) as ``\\xHH``, so that a field never holds a raw control byte: no value can
end a COPY line or block, start a psql command, or show control characters to someone reading
the file. Every field dumpconv writes comes from :func:`copy_escape` or from one of the fixed
forms here.

NUL: PostgreSQL text cannot hold it at all (not even as ``\\x00`` in COPY). A text value
holding NUL is spooled with each NUL escaped as ``\\x00`` (the framing stays safe; a bytea
column gets the bytes exactly through :func:`copy_unescape`), and the readers record the cell
(``rows.Batch.nul``). On the way out a text column applies a declared policy, one of
:data:`NUL_POLICIES`: ``replace`` (each NUL becomes U+FFFD), ``strip`` (removed) or
``refuse`` (the pipeline stops at the first such value). :func:`apply_nul_policy` does the
first two on one escaped field; ``spool`` does it per column (``Reencode.NUL_REPLACE``,
``Reencode.NUL_STRIP``).

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


# Control bytes other than the four with letter escapes; each is written as \xHH.
_HEX_ESCAPED = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_HEX_ESCAPES = {bytes([b]): b"\\x%02x" % b for b in _HEX_ESCAPED}
_ALL = (_HEX_ESCAPED, re.compile(b"[" + re.escape(_HEX_ESCAPED) + b"]"))
_ALL_BUT_NUL = (_HEX_ESCAPED[1:], re.compile(b"[" + re.escape(_HEX_ESCAPED[1:]) + b"]"))
# Anything copy_escape changes: every control byte and the backslash.
_SPECIAL = re.compile(rb"[\x00-\x1f\x7f\\]")


def copy_escape(raw: bytes) -> bytes:
    """Escape text bytes for a COPY text-format field: no control byte is left raw.

    Backslash, tab, LF and CR become ``\\\\``, ``\\t``, ``\\n``, ``\\r``; every other byte
    0x00-0x1f and 0x7f becomes ``\\xHH`` (two lower-case hex digits). The result holds only
    bytes 0x20-0x7e and 0x80-0xff.
    """
    if _SPECIAL.search(raw) is None:  # most fields: nothing to do
        return raw
    return _escape(raw, _ALL)


def copy_escape_joined(joined: bytes) -> bytes:
    """:func:`copy_escape` of pieces joined by NUL, keeping the NUL separators.

    The pieces must not hold NUL themselves (the fast row reader gives up on those): piece
    ``i`` of ``copy_escape_joined(b"\\0".join(pieces)).split(b"\\0")`` is
    ``copy_escape(pieces[i])``.
    """
    return _escape(joined, _ALL_BUT_NUL)


def _escape(raw: bytes, hex_escaped: tuple[bytes, re.Pattern[bytes]]) -> bytes:
    if b"\\" in raw:
        raw = raw.replace(b"\\", b"\\\\")
    if b"\t" in raw:
        raw = raw.replace(b"\t", b"\\t")
    if b"\n" in raw:
        raw = raw.replace(b"\n", b"\\n")
    if b"\r" in raw:
        raw = raw.replace(b"\r", b"\\r")
    # The rare control bytes: one C-speed pass finds whether there are any (deleting them
    # changes the length), a regular-expression walk replaces them.
    chars, pattern = hex_escaped
    if len(raw.translate(None, chars)) != len(raw):
        raw = pattern.sub(_hex_escape, raw)
    return raw


def _hex_escape(m: re.Match[bytes]) -> bytes:
    return _HEX_ESCAPES[m.group()]


_UNESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{1,2}|.)", re.S)
_UNESCAPES = {b"\\": b"\\", b"t": b"\t", b"n": b"\n", b"r": b"\r", b"N": b""}


def _unescape(m: re.Match[bytes]) -> bytes:
    esc = m.group(1)
    if len(esc) > 1:
        return bytes([int(esc[1:], 16)])
    return _UNESCAPES[esc]


def copy_unescape(field: bytes) -> bytes:
    """Invert :func:`copy_escape` (for fields this module wrote)."""
    if b"\\" not in field:
        return field
    return _UNESCAPE.sub(_unescape, field)


NUL_POLICIES = ("replace", "strip", "refuse")
"""What a text column does with NUL, which PostgreSQL text cannot hold (``--nul``)."""
NUL_REPLACEMENT = "\ufffd".encode()
_NUL_OR_PAIR = re.compile(rb"\\x00|\\.", re.S)


def apply_nul_policy(field: bytes, policy: str) -> bytes:
    """One escaped COPY text field with its NULs (``\\x00`` escapes) replaced by U+FFFD
    (``policy="replace"``) or removed (``"strip"``).

    Escape pairs are read left to right, so an escaped backslash followed by the text
    ``x00`` (``\\\\x00``) is left alone. ``"refuse"`` is not applied to fields: the pipeline
    refuses the input when a batch records a NUL (``rows.Batch.nul``).
    """
    if policy == "replace":
        repl = NUL_REPLACEMENT
    elif policy == "strip":
        repl = b""
    else:
        raise ValueError(f"not a NUL policy that rewrites fields: {policy!r}")
    if b"\\x00" not in field:
        return field
    return _NUL_OR_PAIR.sub(lambda m: repl if m.group() == b"\\x00" else m.group(), field)


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
