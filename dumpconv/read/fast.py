"""The fast path: a whole run of INSERTs into one table to COPY text with a handful of
whole-buffer operations, or None when the text is outside the dump-value grammar.
"""

from __future__ import annotations

import math
import re
from itertools import repeat

from dumpconv.base.encode import (
    copy_escape_joined,
    real_text,
)
from dumpconv.read.batch import Batch
from dumpconv.read.shapes import classify_column
from dumpconv.read.sqlitefloat import QUOTE_REAL, SqliteReals
from dumpconv.read.sqltext import char_text, decode_unistr, is_utf8

_MULTIROW = re.compile(rb"\),[ \t\r\n]*\(")


_COMMON_CALLS = (
    (b"replace(\x00,\x00,char(10))", b"\n"),
    (b"replace(\x00,\x00,char(13))", b"\r"),
)


_UNISTR_CALL = b"unistr(\x00)"


_STR = rb"\x00+"


_REPLACE = rb"(?:replace\()+" + _STR + rb"(?:," + _STR + rb",char\([0-9]+\)\))+"


_UNISTR = rb"unistr\(" + _STR + rb"\)"


_CHAR = rb"char\([0-9]+(?:,[0-9]+)*\)"


_CONCAT = rb"(?:" + _STR + rb"|" + _CHAR + rb")(?:\|\|(?:" + _STR + rb"|" + _CHAR + rb"))+"


_FUNC_RE = re.compile(rb"(?:" + _REPLACE + rb"|" + _UNISTR + rb"|" + _CONCAT + rb")")


# Reals PostgreSQL's float8 input rejects: infinities (Inf, 1e999, 9.0e+999) and overflow or
# underflow of the exponent (SQLite reads them as ±Infinity and 0.0).
_NUMBER_FIX = re.compile(rb"(?<![^\t\n])-?(?:Inf|[0-9.]+[eE][-+]?[0-9]{3,})(?![^\t\n])")


_LONG_EXPONENT = re.compile(rb"[eE][-+]?[0-9]{3}")


def convert_run(
    body: bytes, prefix: bytes, arity: int, first_line: int, reals: SqliteReals | None = None
) -> Batch | None:
    """Convert complete ``INSERT`` statements that all start with ``prefix``.

    Args:
        body: the statements, each ``prefix … );`` followed by a line end.
        prefix: ``INSERT INTO t VALUES(`` as written (contains no ``'``).
        arity: the number of values each row must have.
        first_line: the input line where ``body`` starts.
        reals: read reals as SQLite does (dumps written with quote(): see sqlitefloat).

    Returns:
        The rows, or None when the text is not entirely in the dump-value grammar, or holds
        a NUL or a function call that makes one (the caller then reads it statement by
        statement with :func:`scan_insert`). It never raises.
    """
    if arity < 1 or b"\x00" in body:  # NUL is the placeholder (and a value PostgreSQL rejects)
        return None
    segs = body.split(b"'")
    if len(segs) % 2 == 0:
        return None
    inner = segs[1::2]
    outs = b"\x00".join(segs[0::2])
    if not outs.startswith(prefix):
        return None
    outs = outs[len(prefix) :].rstrip(b" \t\r\n")
    if not outs.endswith(b");"):
        return None
    outs = outs[:-2]
    if b"\r" in outs:
        outs = outs.replace(b"\r\n", b"\n")
    separators = outs.count(b");\n" + prefix)
    outs = outs.replace(b");\n" + prefix, b"\n")
    if b")," in outs:
        outs, more = _MULTIROW.subn(b"\n", outs)
        separators += more
    # Line feeds now only end rows, tabs nowhere, and \x02 is _decode_calls' filler: any
    # other is outside the grammar (a value spread over lines, a tab between values).
    if b"\t" in outs or b"\x02" in outs or outs.count(b"\n") != separators:
        return None
    if b"(" in outs or b"|" in outs:
        decoded = _decode_calls(outs, inner)
        if decoded is None:
            return None
        outs = decoded

    rows = outs.split(b"\n")
    if set(map(bytes.count, rows, repeat(b","))) != {arity - 1}:
        return None
    nrows = len(rows)
    lines = None
    if body.count(b"\n") != nrows:
        lines = _row_lines(body, prefix, first_line)
        if lines is None or len(lines) != nrows:
            return None

    outs = outs.replace(b",", b"\t")
    while b"\x00\x00" in outs:  # a doubled quote inside a string: put one quote back
        outs = outs.replace(b"\x00\x00", b"\x00'\x00")
    if b"\x02" in outs:
        outs = outs.replace(b"\x02", b"")
    if b"NULL" in outs:
        outs = outs.replace(b"NULL", b"\\N")
    if b"X\x00" in outs or b"x\x00" in outs:
        if not _blobs_ok(outs, inner):
            return None
        # lower case first: the replacement itself contains "x\x00"
        outs = outs.replace(b"x\x00", b"\\\\x\x00").replace(b"X\x00", b"\\\\x\x00")
    # (the regular expression scans the whole buffer: most dumps have no exponent at all)
    if b"Inf" in outs or ((b"e" in outs or b"E" in outs) and _LONG_EXPONENT.search(outs)):
        outs = _NUMBER_FIX.sub(_fix_number, outs)
    if reals is not None:
        fixes = reals.fixes(QUOTE_REAL.findall(outs))
        if fixes:
            outs = QUOTE_REAL.sub(lambda m: fixes.get(m.group(), m.group()), outs)

    # No piece holds NUL (none in the body, and _decode_calls gives up on any it would make).
    joined = copy_escape_joined(b"\x00".join(inner))
    bad_segments: list[int] = []
    if not is_utf8(joined):
        # Kept as they are: a bytea column holds them exactly; a text column has them
        # replaced on the way out (spool, Reencode.FIX_UTF8).
        bad_segments = [i for i, p in enumerate(joined.split(b"\x00")) if not is_utf8(p)]

    pieces_out = outs.split(b"\x00")
    result: list[bytes] = [b""] * (len(pieces_out) + len(inner))
    result[0::2] = pieces_out
    if inner:
        result[1::2] = joined.split(b"\x00")
    copy = b"".join(result) + b"\n"
    shapes = outs.replace(b"\n", b"\t").split(b"\t")
    columns = []
    for c in range(arity):
        classes = classify_column(shapes[c::arity])
        if classes is None:
            return None
        columns.append(classes)
    batch = Batch(copy, shapes, arity, first_line, columns, lines)
    if bad_segments:
        batch.bad_utf8 = _locate_segments(outs, bad_segments, arity)
    return batch


def _row_lines(body: bytes, prefix: bytes, first_line: int) -> list[int] | None:
    """Input line of every row when some statement spans lines (exact, outside strings)."""
    lines: list[int] = []
    line = first_line
    segs = body.split(b"'")
    for i, seg in enumerate(segs):
        if i % 2 == 0:
            # Row starts in the SQL around strings: the statement prefix or "),\n  (".
            pos = 0
            while True:
                a = seg.find(prefix, pos) if prefix else -1
                b = _MULTIROW.search(seg, pos)
                starts = [x for x in (a, b.end() - 1 if b else -1) if x >= 0]
                if not starts:
                    break
                at = min(starts)
                lines.append(line + seg.count(b"\n", 0, at))
                pos = at + 1
        line += seg.count(b"\n")
    return lines


def _fix_number(m: re.Match[bytes]) -> bytes:
    """Only what PostgreSQL cannot read changes: ±Infinity, and underflow to zero."""
    text = m.group()
    value = float(text)
    if math.isinf(value) or value == 0.0:
        return real_text(value)
    return text


def _blobs_ok(outs: bytes, inner: list[bytes]) -> bool:
    """Every X'…' literal holds an even number of hex digits."""
    k = 0
    pos = 0
    for m in re.finditer(rb"[Xx]\x00", outs):
        k += outs.count(b"\x00", pos, m.start())
        pos = m.start()
        hexdigits = inner[k]
        if len(hexdigits) % 2 or not BLOB_HEX.fullmatch(hexdigits):
            return False
    return True


BLOB_HEX = re.compile(rb"[0-9a-fA-F]*")


def _locate_segments(outs: bytes, segments: list[int], arity: int) -> list[tuple[int, int]]:
    """(row, column) of the values holding the given string pieces."""
    located: list[tuple[int, int]] = []
    wanted = iter(sorted(segments))
    target = next(wanted, None)
    seg = 0
    value = 0
    for c in outs:
        if target is None:
            break
        if c == 0:  # NUL: the start of a string piece
            if seg == target:
                where = divmod(value, arity)
                if not located or located[-1] != where:  # pieces of one value: once
                    located.append(where)
                target = next(wanted, None)
            seg += 1
        elif c in (9, 10):  # tab / newline: next value
            value += 1
    return located


def _decode_calls(outs: bytes, inner: list[bytes]) -> bytes | None:
    r"""Evaluate the replace()/unistr()/char() calls of text literals in place.

    The decoded text goes into the first string piece of the call; the call's other pieces
    are emptied and its SQL becomes NUL/\x02 filler that joins to nothing. The common
    one-marker ``replace(…,'\n',char(10))`` and ``unistr(…)`` are done with splits; the
    rest with a regular-expression walk. None if a call is outside the grammar or makes a
    NUL (which would break the NUL placeholders; the exact reader takes those).
    """
    nested = b"replace(replace(" in outs
    for call, char in _COMMON_CALLS:
        if call in outs and not (nested and char == b"\r"):  # CR is the inner call
            parts = outs.split(call)
            k = 0
            for part in parts[:-1]:
                k += part.count(b"\x00")
                marker = inner[k + 1]
                if marker:
                    inner[k] = inner[k].replace(marker, char)
                inner[k + 1] = b""
                k += 2
            outs = b"\x00\x02\x00".join(parts)
    if _UNISTR_CALL in outs:
        parts = outs.split(_UNISTR_CALL)
        k = 0
        for part in parts[:-1]:
            k += part.count(b"\x00")
            inner[k] = decode_unistr(inner[k])
            if b"\x00" in inner[k]:
                return None
            k += 1
        outs = b"\x00".join(parts)
    if b"(" not in outs and b"|" not in outs:
        return outs

    state = [0, 0]  # NULs before the last match, position of the last match
    failed = False

    def evaluate(m: re.Match[bytes]) -> bytes:
        nonlocal failed
        start = m.start()
        state[0] += outs.count(b"\x00", state[1], start)
        state[1] = start
        first = k = state[0]
        text = m.group()
        parts: list[bytes] = []
        is_string: list[bool] = []
        for part in _CALL_PARTS.finditer(text):
            run = part.group("run")
            if run is not None:
                parts.append(b"'".join(inner[k : k + len(run)]))
                is_string.append(True)
                k += len(run)
            else:
                parts.append(char_text(part.group("codes")))
                is_string.append(False)
        total = k - first
        value = _evaluate_call(text, parts)
        if value is None or total == 0 or b"\x00" in value:
            failed = True
            return text
        inner[first] = value
        for j in range(first + 1, first + total):
            inner[j] = b""
        return b"\x00" + b"\x02\x00" * (total - 1)

    result = _FUNC_RE.sub(evaluate, outs)
    if failed or b"(" in result or b"|" in result:
        return None
    return result


_CALL_PARTS = re.compile(rb"(?P<run>\x00+)|char\((?P<codes>[0-9,]+)\)")


def _evaluate_call(text: bytes, parts: list[bytes]) -> bytes | None:
    if text.startswith(b"replace("):
        value = parts[0]
        rest = parts[1:]
        if len(rest) % 2:
            return None
        for marker, char in zip(rest[0::2], rest[1::2], strict=True):
            if marker:
                value = value.replace(marker, char)
        return value
    if text.startswith(b"unistr("):
        return decode_unistr(parts[0])
    return b"".join(parts)
