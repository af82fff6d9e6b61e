"""Cut the input bytes into statements, never rewriting them.

Two kinds of unit come out, each with the 1-based input line where it starts:

* :class:`RawStatement`: one statement of any kind, found by the lexer in ``lexer.py``;
* :class:`InsertRun`: one or more consecutive, complete ``INSERT INTO t … VALUES(…);``
  statements with the same prefix. Dumps consist mostly of these, so they are found with
  whole-buffer operations (a quote count, one search) instead of a lexer walk per statement.

Standalone comments between statements come out as :class:`Comment`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from dumpconv.base.errors import SplitError
from dumpconv.base.hotpath import creader
from dumpconv.read.inputs import refuse_nul
from dumpconv.read.lexer import (
    CUT_VALUE,
    CUT_VALUE_HINT,
    CUT_VALUE_MESSAGE,
    DQ_IDENT,
    NeedMore,
    find_statement_end,
)

CHUNK_SIZE = 1 << 20

_CREADER = creader()


def _py_count_byte(buf: bytes, byte: int, start: int, end: int) -> int:
    return buf.count(bytes((byte,)), start, end)


#: ``buf.count(bytes((byte,)), start, end)``: the C reader's loop when built (a few times
#: faster on a megabyte run: CPython's count of one byte checks for an early stop each byte).
count_byte: Callable[[bytes, int, int, int], int] = (
    _CREADER.count_byte if _CREADER is not None else _py_count_byte
)
_NL, _QUOTE = ord("\n"), ord("'")


@dataclass(frozen=True, slots=True)
class RawStatement:
    text: bytes
    line: int


@dataclass(frozen=True, slots=True)
class Comment:
    text: bytes
    line: int


@dataclass(frozen=True, slots=True)
class InsertRun:
    """Complete INSERT statements that all start with ``prefix``.

    Attributes:
        prefix: ``INSERT INTO <name>[(<columns>)] VALUES(`` exactly as written.
        name: the table name as written (bare or double-quoted).
        columns: the column list as written, without parentheses, or None.
        body: the statements, each ending in ``);`` and a line end.
        line: input line of the first statement.
    """

    prefix: bytes
    name: bytes
    columns: bytes | None
    body: bytes
    line: int


_BARE = rb"[A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]*"
_NAME = rb"(?:" + _BARE + rb"|" + DQ_IDENT.encode() + rb")"
_INSERT_PREFIX = re.compile(
    rb"INSERT INTO (" + _NAME + rb")(?:\(((?:" + _NAME + rb",)*" + _NAME + rb")\))? ?VALUES\("
)
_SPACE = re.compile(rb"[ \t\r\n\f\v]+")
_STATEMENT_END = re.compile(rb";\r?\n")
_TRIGGER = re.compile(rb"CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\b", re.IGNORECASE)


def iter_units(
    stream: BinaryIO, chunk_size: int = CHUNK_SIZE
) -> Iterator[RawStatement | InsertRun | Comment]:
    """Yield the statements of a dump in input order.

    Raises:
        SplitError: the input ends inside a statement, or contains NUL bytes.
    """
    buf = b""
    pos = 0
    line = 1
    eof = False
    run_patterns: dict[bytes, re.Pattern[bytes]] = {}

    while True:
        if pos >= len(buf) - 1 and not eof:
            buf, pos, eof = _refill(stream, buf, pos, chunk_size)
        m = _SPACE.match(buf, pos)
        if m:
            line += buf.count(b"\n", pos, m.end())
            pos = m.end()
            if pos >= len(buf):
                if eof:
                    return
                continue
        if pos >= len(buf):
            if eof:
                return
            buf, pos, eof = _refill(stream, buf, pos, chunk_size)
            continue
        try:
            unit, end = _next_unit(buf, pos, line, eof, run_patterns)
        except NeedMore:
            if eof:  # pragma: no cover - find_statement_end raises SplitError when final
                raise
            buf, pos, eof = _refill(stream, buf, pos, chunk_size)
            continue
        yield unit
        line += count_byte(buf, _NL, pos, end)
        pos = end


def _refill(stream: BinaryIO, buf: bytes, pos: int, size: int) -> tuple[bytes, int, bool]:
    """More input. Between statements, what is there (up to ``size``): the statements read so
    far are handed on while the producer writes more. Inside a statement, as much again as
    is buffered (at least ``size``): a statement longer than a chunk grows geometrically."""
    rest = buf[pos:]
    read1 = getattr(stream, "read1", None)
    data = stream.read(max(size, len(rest))) if rest or read1 is None else read1(size)
    refuse_nul(data)
    if not data:
        return rest, 0, True
    return rest + data, 0, False


def _next_unit(
    buf: bytes, pos: int, line: int, eof: bool, run_patterns: dict[bytes, re.Pattern[bytes]]
) -> tuple[RawStatement | InsertRun | Comment, int]:
    head = buf[pos : pos + 2]
    if head == b"--":
        end = buf.find(b"\n", pos)
        if end < 0:
            if not eof:
                raise NeedMore
            end = len(buf)
        return Comment(buf[pos:end], line), end
    if head == b"/*":
        end = buf.find(b"*/", pos + 2)
        if end < 0:
            if not eof:
                raise NeedMore
            raise SplitError("a /* comment is not closed", line, "the dump looks truncated")
        end += 2
        if buf.startswith(b"/**** ERROR", pos):
            # sqlite3 follows this report with two raw lines: the failing query and a
            # "^--- error here" marker. They belong to the report, not to the SQL.
            for _ in range(3):  # the rest of the comment's line, then the two raw lines
                nl = buf.find(b"\n", end)
                if nl < 0:
                    if not eof:
                        raise NeedMore
                    nl = len(buf)
                end = min(nl + 1, len(buf))
        return Comment(buf[pos:end], line), end

    m = _INSERT_PREFIX.match(buf, pos)
    # A name holding a quote or a line break would confuse the whole-buffer search.
    if m and b"'" not in m.group(0) and b"\n" not in m.group(0):
        prefix = m.group(0)
        run_end = _insert_run_end(buf, pos, prefix, eof, run_patterns)
        if run_end is None:
            run_end = _line_end(buf, _statement_end(buf, pos, line, eof, trigger=False))
        end = run_end
        return InsertRun(prefix, m.group(1), m.group(2), buf[pos:end], line), end

    trigger = _TRIGGER.match(buf, pos) is not None
    end = _statement_end(buf, pos, line, eof, trigger=trigger)
    return RawStatement(buf[pos:end], line), end


def _statement_end(buf: bytes, pos: int, line: int, eof: bool, *, trigger: bool) -> int:
    try:
        return find_statement_end(buf, pos, trigger=trigger, final=eof)
    except SplitError as e:
        cut = CUT_VALUE.search(buf, pos)
        if cut is not None:
            at = line + buf.count(b"\n", pos, cut.start())
            raise SplitError(CUT_VALUE_MESSAGE, at, CUT_VALUE_HINT) from None
        raise SplitError(e.message, line, e.hint) from None


def _line_end(buf: bytes, end: int) -> int:
    """Include the line end after a statement's ';' (so a run's body ends with it)."""
    if buf[end : end + 2] == b"\r\n":
        return end + 2
    if buf[end : end + 1] == b"\n":
        return end + 1
    return end


def _foreign_line_finder(
    prefix: bytes, run_patterns: dict[bytes, re.Pattern[bytes]]
) -> Callable[[bytes, int], int]:
    """``find(buf, start)``: the index after the first line end from ``start`` that is
    followed neither by ``prefix`` nor by ``"  ("``, or -1. The C reader's loop of memchr
    when it is built; else a regular expression, compiled once per prefix."""
    if _CREADER is not None:
        c_find: Callable[[bytes, int, bytes], int] = _CREADER.foreign_line
        return lambda buf, start: c_find(buf, start, prefix)
    pattern = run_patterns.get(prefix)
    if pattern is None:
        pattern = run_patterns[prefix] = foreign_line_pattern(prefix)

    def find(buf: bytes, start: int) -> int:
        m = pattern.search(buf, start)
        return m.end() if m else -1

    return find


def foreign_line_pattern(prefix: bytes) -> re.Pattern[bytes]:
    """The reference search (tests/read/test_creader.py compares the C loop with it)."""
    return re.compile(b"\n(?!" + re.escape(prefix) + b"|  \\()")


def _insert_run_end(
    buf: bytes, pos: int, prefix: bytes, eof: bool, run_patterns: dict[bytes, re.Pattern[bytes]]
) -> int | None:
    """Find the end of the longest run of complete statements starting with ``prefix``.

    Returns None when not even the first statement is complete within the lines that start
    with the prefix (a string with raw line breaks, a multi-row INSERT); the caller then
    finds its end with the lexer.

    Raises:
        NeedMore: the run reaches the end of the buffer and more input may follow.
    """
    # A line that neither starts a statement of this run nor continues a multi-row INSERT
    # (3.53+ writes "  (" at the start of each further row) may end the run...
    foreign = _foreign_line_finder(prefix, run_patterns)
    # ...unless it is inside a string: an odd number of quotes before it.
    scan = pos
    odd = 0
    while True:
        found = foreign(buf, scan)
        region_end = found if found >= 0 else len(buf)
        odd ^= count_byte(buf, _QUOTE, scan, region_end) & 1
        if found < 0 or not odd:
            break
        scan = region_end
    at_buffer_end = found < 0 and not eof
    # Common case: every line of the region is one complete statement.
    if not odd:
        tail = buf[max(pos, region_end - 4) : region_end].rstrip(b"\r\n")
        if tail.endswith(b");") and (found >= 0 or eof):
            return region_end
    # A run cut by the buffer's end: the last line that starts the run's next statement
    # outside a string ends the run there (counting quotes, without splitting the run).
    # The quotes before a candidate: those of the region (``odd``) less those after it,
    # which are few (the candidates are tried from the region's end).
    line_start = b"\n" + prefix
    candidate = buf.rfind(line_start, pos, region_end)
    for _ in range(8):  # a few tries; else the split below
        if candidate <= pos:
            break
        ends_statement = buf.endswith(b";", pos, candidate) or buf.endswith(b";\r", pos, candidate)
        if ends_statement and not (odd ^ buf.count(b"'", candidate, region_end)) & 1:
            return candidate + 1
        candidate = buf.rfind(line_start, pos, candidate)
    segs = buf[pos:region_end].split(b"'")
    last_outer = len(segs) - 1 if len(segs) % 2 else len(segs) - 2
    for i in range(last_outer, -1, -2):
        ends = list(_STATEMENT_END.finditer(segs[i]))
        if ends:
            return pos + sum(map(len, segs[:i])) + i + ends[-1].end()
    if at_buffer_end:
        raise NeedMore
    return None
