"""INSERT statements to COPY rows, without sqlglot and without a lexer walk per value.

Two readers produce the same :class:`Batch`:

* :func:`convert_run`, the fast path, converts a whole run of INSERTs into the same table
  with a handful of whole-buffer operations. It splits the run on ``'``: the even pieces are
  the SQL around the string literals (numbers, NULL, commas, ``X`` prefixes, the few
  functions dumps use), the odd pieces are string contents. The SQL pieces are joined with
  NUL, checked against the exact grammar of dump values with one regular expression, and
  rewritten to COPY syntax; the string pieces are escaped together, joined by NUL. It
  returns None for anything outside that grammar, and for any NUL in the input or in a
  value a function call makes (``char(0)``, ``unistr('\\u0000')``): NUL is the placeholder.
* :func:`scan_insert`, the exact reader, reads one statement token by token into Python
  values. It handles every form, explains every error with its line, and is the reference
  the fast path is tested against.

A batch keeps the COPY fields in INSERT order and one storage-class byte per field
(``encode.C_*``), so that statistics and later re-encoding know a real from a text. It also
records the text values PostgreSQL text cannot hold as they are: invalid UTF-8
(``Batch.bad_utf8``, kept byte for byte) and NUL (``Batch.nul``, spooled as ``\\x00``); the
pipeline applies its policy to each (see ``encode``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import repeat

from dumpconv.base.encode import (
    C_BLOB,
    C_INT,
    C_NULL,
    C_REAL,
    C_TEXT,
    copy_escape_joined,
    encode_value,
    real_text,
)
from dumpconv.base.errors import RowError
from dumpconv.read.lexer import CUT_VALUE, CUT_VALUE_HINT, CUT_VALUE_MESSAGE
from dumpconv.read.sqlitefloat import QUOTE_REAL, SqliteReals

Value = None | int | float | str | bytes


@dataclass(slots=True)
class Batch:
    r"""Rows of one table as COPY text, with the SQL shape of every value.

    Attributes:
        copy: the rows, each ending in ``\n``, fields separated by tabs, in INSERT order.
        shapes: one entry per value, row-major (``shapes[r * arity + c]``): the value's
            number text for integers and reals, ``\N`` for NULL, and for strings and blobs a
            placeholder starting with NUL (text) or ``\\x`` (blob). It tells a real from a
            text that looks like one, which the COPY text alone cannot.
        arity: values per row.
        lines: input line of each row, or None when every row is one line from ``first_line``.
        first_line: input line of the first row.
        columns: the storage classes of each column.
        bad_utf8: (row, column) of text values that are not valid UTF-8 (kept as they are).
        nul: (row, column) of text values holding NUL, which PostgreSQL text cannot hold
            (escaped as ``\\x00`` in ``copy``; the NUL policy applies on the way out).
    """

    copy: bytes
    shapes: list[bytes]
    arity: int
    first_line: int
    columns: list[Classes]
    lines: list[int] | None = None
    bad_utf8: list[tuple[int, int]] = field(default_factory=list)
    nul: list[tuple[int, int]] = field(default_factory=list)
    _fields: list[bytes] | None = None

    @property
    def nrows(self) -> int:
        return len(self.shapes) // self.arity

    @property
    def fields(self) -> list[bytes]:
        """Every COPY field, row-major (split on demand: most statistics need only shapes)."""
        if self._fields is None:
            self._fields = self.copy[:-1].replace(b"\n", b"\t").split(b"\t") if self.copy else []
        return self._fields

    def line_of(self, row: int) -> int:
        return self.lines[row] if self.lines is not None else self.first_line + row

    def select(self, order: list[int]) -> Batch:
        """The batch with its values rearranged: column ``i`` of the result is ``order[i]``."""
        a = self.arity
        fields = self.fields
        shapes = self.shapes
        new_fields: list[bytes] = []
        new_shapes: list[bytes] = []
        for r in range(0, len(shapes), a):
            new_fields.extend(fields[r + c] for c in order)
            new_shapes.extend(shapes[r + c] for c in order)
        n = len(order)
        copy = b"".join(
            b"\t".join(new_fields[i : i + n]) + b"\n" for i in range(0, len(new_fields), n)
        )
        where = {old: new for new, old in enumerate(order)}
        bad = [(r, where[c]) for r, c in self.bad_utf8 if c in where]
        nul = [(r, where[c]) for r, c in self.nul if c in where]
        out = Batch(copy, new_shapes, n, self.first_line, [self.columns[c] for c in order],
                    self.lines, bad, nul)  # fmt: skip
        out._fields = new_fields
        return out


@dataclass(slots=True)
class Classes:
    """How many values of each storage class one column has in one batch.

    ``per_row`` holds one class byte per row when the column mixes classes (NULL aside),
    so that later stages can tell, say, the reals from the texts of an untyped column.
    """

    nulls: int = 0
    ints: int = 0
    reals: int = 0
    texts: int = 0
    blobs: int = 0
    per_row: bytes | None = None

    def merge(self, other: Classes) -> None:
        self.nulls += other.nulls
        self.ints += other.ints
        self.reals += other.reals
        self.texts += other.texts
        self.blobs += other.blobs

    @property
    def kinds(self) -> set[int]:
        """The non-NULL classes present."""
        counts = ((C_INT, self.ints), (C_REAL, self.reals), (C_TEXT, self.texts),
                  (C_BLOB, self.blobs))  # fmt: skip
        return {k for k, n in counts if n}


_REAL_FIELD = (
    rb"-?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|-?[0-9]+[eE][-+]?[0-9]+|-?Infinity"
)
_INT_FIELD = re.compile(rb"-?[0-9]+")
_REAL_FIELD_RE = re.compile(_REAL_FIELD)


def _column_pattern(value: bytes) -> re.Pattern[bytes]:
    item = rb"(?:" + value + rb"|\\N)"
    return re.compile(item + rb"(?:\n" + item + rb")*")


# One pattern per storage class: a column whose values are all of that class or NULL.
# Integers of up to 18 digits are surely within int64; longer ones are checked one by one.
_HOMOGENEOUS = {
    C_INT: _column_pattern(rb"-?[0-9]{1,18}"),
    C_REAL: _column_pattern(_REAL_FIELD),
    C_TEXT: _column_pattern(rb"\x00[\x00']*"),
    C_BLOB: _column_pattern(rb"\\\\x\x00"),
}


def _class_of(shape: bytes) -> int:
    """The storage class of one value shape; 0 if it is malformed."""
    head = shape[:1]
    if head == b"\x00":
        return C_TEXT if not shape.strip(b"\x00'") else 0
    if shape == b"\\N":
        return C_NULL
    if shape == b"\\\\x\x00":
        return C_BLOB
    if _INT_FIELD.fullmatch(shape):
        # SQLite reads an integer literal outside int64 as a real.
        return C_INT if -(2**63) <= int(shape) < 2**63 else C_REAL
    if _REAL_FIELD_RE.fullmatch(shape):
        return C_REAL
    return 0


def _first_class(shape: bytes) -> int:
    head = shape[:1]
    if head == b"\x00":
        return C_TEXT
    if head == b"\\":
        return C_BLOB
    return C_INT if _INT_FIELD.fullmatch(shape) else C_REAL


def classify_column(col: list[bytes]) -> Classes | None:
    """Count the storage classes of one column's value shapes; None if one is malformed."""
    n = len(col)
    nulls = col.count(b"\\N")
    if nulls == n:
        return Classes(nulls=nulls)
    first = next(f for f in col if f != b"\\N")
    guess = _first_class(first)
    if _HOMOGENEOUS[guess].fullmatch(b"\n".join(col)):
        out = Classes(nulls=nulls)
        setattr(out, _COUNTER[guess], n - nulls)
        return out
    return classes_from_bytes(bytes(map(_class_of, col)))


_COUNTER = {C_NULL: "nulls", C_INT: "ints", C_REAL: "reals", C_TEXT: "texts", C_BLOB: "blobs"}


def classes_from_bytes(per_row: bytes) -> Classes | None:
    """Counts from one class byte per value; None if one is 0 (malformed)."""
    if 0 in per_row:
        return None
    out = Classes(
        nulls=per_row.count(C_NULL),
        ints=per_row.count(C_INT),
        reals=per_row.count(C_REAL),
        texts=per_row.count(C_TEXT),
        blobs=per_row.count(C_BLOB),
    )
    if len(out.kinds) > 1:
        out.per_row = per_row
    return out


# --- the fast path -------------------------------------------------------------------------

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
    if b"Inf" in outs or _LONG_EXPONENT.search(outs):
        outs = _NUMBER_FIX.sub(_fix_number, outs)
    if reals is not None:
        fixes = reals.fixes(QUOTE_REAL.findall(outs))
        if fixes:
            outs = QUOTE_REAL.sub(lambda m: fixes.get(m.group(), m.group()), outs)

    # No piece holds NUL (none in the body, and _decode_calls gives up on any it would make).
    joined = copy_escape_joined(b"\x00".join(inner))
    bad_segments: list[int] = []
    if not _is_utf8(joined):
        # Kept as they are: a bytea column holds them exactly; a text column has them
        # replaced on the way out (spool, Reencode.FIX_UTF8).
        bad_segments = [i for i, p in enumerate(joined.split(b"\x00")) if not _is_utf8(p)]

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


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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
        if len(hexdigits) % 2 or not _HEX.fullmatch(hexdigits):
            return False
    return True


_HEX = re.compile(rb"[0-9a-fA-F]*")


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
                parts.append(_chars(part.group("codes")))
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


def _chars(codes: bytes) -> bytes:
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


# --- the exact reader ----------------------------------------------------------------------

_TOKEN = re.compile(
    rb"""(?P<space>[ \t\r\n\f\v]+)
    |(?P<string>'[^']*(?:''[^']*)*')
    |(?P<blob>[xX]'(?P<hex>[^']*)')
    |(?P<number>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
    |(?P<inf>[-+]?Inf\b)
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>\|\||[(),;])
    |(?P<other>.)""",
    re.X | re.S,
)


class _Reader:
    def __init__(self, text: bytes, line: int, reals: SqliteReals | None) -> None:
        self.text = text
        self.line = line
        self.reals = reals
        self.pos = 0
        self.tok: tuple[str, bytes] = ("", b"")
        self.advance()

    def advance(self) -> None:
        while True:
            m = _TOKEN.match(self.text, self.pos)
            if m is None:
                self.tok = ("end", b"")
                return
            self.pos = m.end()
            kind = m.lastgroup or "other"
            if kind == "space":
                continue
            if kind == "blob":
                self.tok = ("blob", m.group("hex"))
            else:
                self.tok = (kind, m.group())
            return

    def error(self, message: str, hint: str | None = None) -> RowError:
        return RowError(message, self.line + self.text.count(b"\n", 0, self.pos), hint)

    def expect(self, op: bytes) -> None:
        if self.tok != ("op", op):
            found = self.tok[1][:20].decode("utf-8", "replace") or "the end of the statement"
            raise self.error(f"expected '{op.decode()}' in INSERT, found {found!r}")
        self.advance()

    def value_list(self) -> list[Value]:
        """``( value [, value]… )``: a row, or a function's arguments."""
        self.expect(b"(")
        values = [self.value()]
        while self.tok == ("op", b","):
            self.advance()
            values.append(self.value())
        self.expect(b")")
        return values

    def value(self) -> Value:
        first = self.atom()
        if self.tok != ("op", b"||"):
            return first
        pieces = [first]
        while self.tok == ("op", b"||"):
            self.advance()
            pieces.append(self.atom())
        return "".join(_as_text(p) for p in pieces)

    def atom(self) -> Value:
        kind, text = self.tok
        if kind == "string":
            self.advance()
            return _text(text[1:-1].replace(b"''", b"'"))
        if kind == "number":
            self.advance()
            value = _number(text)
            if isinstance(value, float) and self.reals is not None:
                return self.reals.value(text.lstrip(b"+"))
            return value
        if kind == "inf":
            self.advance()
            return float("-inf") if text.startswith(b"-") else float("inf")
        if kind == "blob":
            self.advance()
            if len(text) % 2 or not _HEX.fullmatch(text):
                raise self.error("a blob literal X'…' does not hold pairs of hex digits")
            return bytes.fromhex(text.decode())
        if kind == "word":
            return self.call(text)
        if kind == "op" and text == b"(":
            self.advance()
            inner = self.value()
            self.expect(b")")
            return inner
        found = text[:20].decode("utf-8", "replace") or "the end of the statement"
        raise self.error(f"unexpected {found!r} where a value should be in INSERT")

    def call(self, word: bytes) -> Value:
        name = word.upper()
        if name == b"NULL":
            self.advance()
            return None
        if name in (b"TRUE", b"FALSE"):
            self.advance()
            return 1 if name == b"TRUE" else 0
        self.advance()
        args = self.value_list()
        if name == b"REPLACE" and len(args) == 3:
            subject, marker, repl = (_as_text(a) for a in args)
            return subject.replace(marker, repl) if marker else subject
        if name == b"CHAR":
            try:
                codes = [int(a) for a in args if isinstance(a, (int, float, str))]
            except (TypeError, ValueError, OverflowError):
                raise self.error("char() with an argument that is not a code point") from None
            return _text(b"".join(map(char_bytes, codes)))
        if name == b"UNISTR" and len(args) == 1:
            raw = _as_text(args[0]).encode("utf-8", "surrogateescape")
            return decode_unistr(raw).decode("utf-8", "surrogateescape")
        if name == b"JSONB":
            raise self.error(
                "jsonb('…') values come from an interactive sqlite3 3.52+ session and do not "
                "hold the original blob bytes",
                "dump again with the output redirected: sqlite3 app.db .dump > app.sql",
            )
        raise self.error(f"unsupported function {word.decode('utf-8', 'replace')}() in INSERT")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _as_text(v: Value) -> str:
    if v is None:
        return ""
    if isinstance(v, bytes):
        return _text(v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _number(text: bytes) -> int | float:
    if re.fullmatch(rb"[-+]?[0-9]+", text):
        value = int(text)
        if -(2**63) <= value < 2**63:
            return value
    return float(text)


@dataclass(frozen=True, slots=True)
class Insert:
    table: str
    columns: tuple[str, ...] | None
    rows: list[tuple[Value, ...]]


_NAME = re.compile(
    rb"""[ \t\r\n]*(?:"(?P<dq>[^"]*(?:""[^"]*)*)"|`(?P<bt>[^`]*(?:``[^`]*)*)`"""
    rb"""|\[(?P<br>[^\]]*)\]|'(?P<sq>[^']*(?:''[^']*)*)'|(?P<bare>[A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]*))"""
)


def _name(text: bytes, pos: int, line: int) -> tuple[str, int]:
    m = _NAME.match(text, pos)
    if m is None:
        raise RowError("expected a table or column name in INSERT", line)
    for group, quote in (("dq", b'"'), ("bt", b"`"), ("sq", b"'")):
        raw = m.group(group)
        if raw is not None:
            return _text(raw.replace(quote + quote, quote)), m.end()
    raw = m.group("br") if m.group("br") is not None else m.group("bare")
    return _text(raw), m.end()


_HEAD = re.compile(
    rb"[ \t\r\n]*(?:INSERT|REPLACE)(?:[ \t\r\n]+OR[ \t\r\n]+[A-Za-z]+)?[ \t\r\n]+INTO\b", re.I
)
_VALUES = re.compile(rb"[ \t\r\n]*VALUES\b", re.I)


def scan_insert(text: bytes, line: int, reals: SqliteReals | None = None) -> Insert:
    """Read one ``INSERT INTO t[(cols)] VALUES(…)[,(…)];`` statement exactly.

    Args:
        reals: read reals as SQLite does (dumps written with quote(): see sqlitefloat).

    Raises:
        RowError: the statement is not in that form, naming the line of the problem.
    """
    try:
        return _scan_insert(text, line, reals)
    except RowError:
        cut = CUT_VALUE.search(text)
        if cut is None:
            raise
        raise RowError(
            CUT_VALUE_MESSAGE, line + text.count(b"\n", 0, cut.start()), CUT_VALUE_HINT
        ) from None


def _scan_insert(text: bytes, line: int, reals: SqliteReals | None) -> Insert:
    m = _HEAD.match(text)
    if m is None:
        raise RowError("not an INSERT statement", line)
    table, pos = _name(text, m.end(), line)
    if text[pos : pos + 1] == b".":  # main.t
        table, pos = _name(text, pos + 1, line)
    columns: tuple[str, ...] | None = None
    rest = text[pos:].lstrip()
    if rest.startswith(b"("):
        pos = text.index(b"(", pos) + 1
        names = []
        while True:
            name, pos = _name(text, pos, line)
            names.append(name)
            stripped = text[pos:].lstrip()
            pos = len(text) - len(stripped) + 1
            if stripped.startswith(b")"):
                break
            if not stripped.startswith(b","):
                raise RowError("malformed column list in INSERT", line)
        columns = tuple(names)
    v = _VALUES.match(text, pos)
    if v is None:
        raise RowError(
            "only INSERT … VALUES(…) is supported",
            line,
            "dumps from sqlite3 .dump and iterdump() contain only this form",
        )
    reader = _Reader(text[v.end() :], line + text.count(b"\n", 0, v.end()), reals)
    rows: list[tuple[Value, ...]] = []
    while True:
        rows.append(tuple(reader.value_list()))
        if reader.tok == ("op", b","):
            reader.advance()
            continue
        break
    if reader.tok == ("op", b";"):
        reader.advance()
    if reader.tok[0] != "end":
        raise reader.error("unexpected text after the VALUES list")
    return Insert(table, columns, rows)


def encode_rows(rows: list[tuple[Value, ...]], arity: int, line: int) -> Batch:
    """Encode rows from :func:`scan_insert` into a batch (the exact path's COPY text).

    Raises:
        RowError: a row does not have ``arity`` values.
    """
    fields: list[bytes] = []
    shapes: list[bytes] = []
    kinds = bytearray()
    bad: list[tuple[int, int]] = []
    nul: list[tuple[int, int]] = []
    for r, row in enumerate(rows):
        if len(row) != arity:
            raise RowError(
                f"an INSERT row has {len(row)} values but the table has {arity} columns",
                line,
                "the dump does not match its CREATE TABLE; dump the database again",
            )
        for c, value in enumerate(row):
            f, cls = encode_value(value)
            kinds.append(cls)
            if cls == C_TEXT:
                shapes.append(b"\x00")
                if not _is_utf8(f):
                    bad.append((r, c))
                if isinstance(value, str) and "\x00" in value:
                    nul.append((r, c))
            elif cls == C_BLOB:
                shapes.append(b"\\\\x\x00")
            else:
                shapes.append(f)
            fields.append(f)
    copy = b"".join(b"\t".join(fields[i : i + arity]) + b"\n" for i in range(0, len(fields), arity))
    columns = [classes_from_bytes(bytes(kinds[c::arity])) or Classes() for c in range(arity)]
    batch = Batch(copy, shapes, arity, line, columns, [line] * len(rows), bad, nul)
    batch._fields = fields
    return batch
