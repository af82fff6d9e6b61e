"""Text from the input made safe to show: in a comment of the script, on a terminal.

A name or value shown to a person must not end a ``--`` comment (line breaks), rewrite the
screen (ESC sequences, CSI), or reorder what is shown (bidirectional overrides). Each such
character is shown as an escape instead; invalid UTF-8 kept as surrogate escapes shows as
``\\xNN`` too.
"""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\udc80-\udcff\ufeff]"
)


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    if 0xDC80 <= c <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{c - 0xDC00:02x}"
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def printable(text: str) -> str:
    """``text`` with every control, line-breaking or direction-changing character escaped."""
    return _UNPRINTABLE.sub(_escape, text)


# What JSON leaves raw but a terminal acts on: DEL, C1 controls, direction overrides.
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)


def json_safe(document: str) -> str:
    """A JSON document (C0 controls already escaped by ``json``) with the rest escaped too;
    a byte that was not UTF-8 is shown as ``\\xNN`` text, as :func:`printable` shows it."""
    return _JSON_UNSAFE.sub(_json_escape, document)


def _json_escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    if 0xDC80 <= c <= 0xDCFF:
        return f"\\\\x{c - 0xDC00:02x}"
    return f"\\u{c:04x}"
