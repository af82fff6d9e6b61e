"""SQLite's text-making functions as dumps use them: char() and unistr()."""

from __future__ import annotations

import re


def is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def char_text(codes: bytes) -> bytes:
    out = []
    for c in codes.split(b","):
        try:
            code = int(c.lstrip(b"0") or b"0")
        except ValueError:  # more digits than Python reads: far outside the code points
            code = -1
        out.append(char_bytes(code))
    return b"".join(out)


def char_bytes(code: int) -> bytes:
    """The bytes SQLite's ``char()`` writes for one code point: U+FFFD outside 0..0x10FFFF,
    and a surrogate encoded like any other code point (invalid UTF-8)."""
    if not 0 <= code <= 0x10FFFF:
        return b"\xef\xbf\xbd"
    return chr(code).encode("utf-8", "surrogatepass")


# The CLI writes only \\ and \uXXXX inside unistr() (sqlite-dump-format.md §4.3); SQLite's
# other forms (\XXXX, \+XXXXXX, \UXXXXXXXX) never come from a dump, and reading them would
# misread the 3.50-3.51 --newlines output, whose backslashes are not doubled ('C:\2024').
_UNISTR_ESCAPE = re.compile(rb"\\(?:(\\)|u([0-9a-fA-F]{4}))")


# A UTF-16 surrogate pair written as two escapes, after each was encoded on its own.
_SURROGATE_PAIR = re.compile(rb"\xed[\xa0-\xaf][\x80-\xbf]\xed[\xb0-\xbf][\x80-\xbf]")


def decode_unistr(body: bytes) -> bytes:
    """The text SQLite's ``unistr()`` makes of its argument.

    Leniently: a backslash that starts no escape is kept (the ``--newlines`` output of
    sqlite3 3.50-3.51 does not double its backslashes). A surrogate pair becomes its
    character; a lone surrogate stays invalid UTF-8 for the invalid-text policy to handle.
    """
    if b"\\" not in body:
        return body

    def esc(m: re.Match[bytes]) -> bytes:
        if m.group(1):
            return b"\\"
        return chr(int(m.group(2), 16)).encode("utf-8", "surrogatepass")

    decoded = _UNISTR_ESCAPE.sub(esc, body)
    if b"\xed" in decoded:
        decoded = _SURROGATE_PAIR.sub(
            lambda m: (
                m.group()
                .decode("utf-8", "surrogatepass")
                .encode("utf-16-le", "surrogatepass")
                .decode("utf-16-le")
                .encode("utf-8")
            ),
            decoded,
        )
    return decoded
