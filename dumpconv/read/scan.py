"""The exact reader: one INSERT statement, token by token, into Python values; every form,
every error explained with its line. The reference the fast path is tested against.
"""

from __future__ import annotations

import re

from dumpconv.base.encode import (
    C_BLOB,
    C_TEXT,
    encode_value,
)
from dumpconv.base.errors import RowError
from dumpconv.read.batch import Batch, Classes, Insert, Value
from dumpconv.read.fast import BLOB_HEX
from dumpconv.read.lexer import CUT_VALUE, CUT_VALUE_HINT, CUT_VALUE_MESSAGE
from dumpconv.read.shapes import classes_from_bytes
from dumpconv.read.sqlitefloat import SqliteReals
from dumpconv.read.sqltext import char_bytes, decode_unistr, is_utf8

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
            if len(text) % 2 or not BLOB_HEX.fullmatch(text):
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
                if not is_utf8(f):
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
