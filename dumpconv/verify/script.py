"""Read a script as dumpconv writes it, and hand on each table's COPY block.

The script's shape is ours (``write.writer``): a COPY block starts with one line
``COPY schema.table (col, ...) FROM stdin;`` whose names went through
``base.pgsql.quote_ident``, and ends with a line ``\\.`` (COPY's text format escapes every
backslash of a value, so no row is that line). Everything else is skipped. The names are
read back into plain strings (:func:`parse_copy`); they reach PostgreSQL again only as
quoted identifiers, and the rows only as COPY data. Knows no PostgreSQL connection.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from dumpconv.base.errors import DumpconvError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

# One name as quote_ident writes it: bare, "quoted" with "" doubled, or U&"…" with \XXXX.
_NAME = r'(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")*"|U&"(?:[^"]|"")*")'
_COPY = re.compile(
    rf"COPY (?P<schema>{_NAME})\.(?P<table>{_NAME})(?: \((?P<cols>{_NAME}(?:, {_NAME})*)\))?"
    r" FROM stdin;"
)
_ONE = re.compile(_NAME)
_ESCAPE = re.compile(r"\\(?:\\|\+([0-9A-Fa-f]{6})|([0-9A-Fa-f]{4}))")
_END = b"\\.\n"


@dataclass(frozen=True)
class CopyTarget:
    """Where one COPY block of the script loads its rows: names as PostgreSQL stores them."""

    schema: str
    table: str
    columns: tuple[str, ...]


def unquote(text: str) -> str:
    """The name a ``quote_ident`` rendering stands for."""
    if text.startswith('U&"'):
        body = text[3:-1].replace('""', '"')
        return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2) or "5C", 16)), body)
    if text.startswith('"'):
        return text[1:-1].replace('""', '"')
    return text


def parse_copy(line: str) -> CopyTarget | None:
    """The target of a ``COPY … FROM stdin;`` line of a dumpconv script, or None for any
    other line. A COPY without a column list (the data-only staging) is not compared."""
    m = _COPY.fullmatch(line)
    if m is None:
        return None
    if m.group("cols") is None:
        raise DumpconvError(
            "the script loads rows without naming their columns (a --data-only staging)",
            None,
            "verify against the whole conversion: leave --data-only out",
        )
    columns = tuple(unquote(c) for c in _ONE.findall(m.group("cols")))
    return CopyTarget(unquote(m.group("schema")), unquote(m.group("table")), columns)


class Tables(Protocol):
    """What receives the COPY blocks, in script order."""

    def begin(self, target: CopyTarget) -> None: ...

    def rows(self, data: bytes) -> None: ...

    def end(self) -> None: ...


class ScriptTap(io.RawIOBase):
    """A writable binary stream that ``convert`` writes its script into: the COPY blocks go
    to ``tables`` as they are written (a table's rows are never all in memory)."""

    def __init__(self, tables: Tables) -> None:
        super().__init__()
        self._tables = tables
        self._pending = b""  # text not yet handed on: a part line, or a possible end
        self._in_copy = False

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer, /) -> int:
        chunk = bytes(data)
        self._pending += chunk
        if self._in_copy:
            self._copy_data()
        while not self._in_copy:
            end = self._pending.find(b"\n")
            if end < 0:
                break
            line, self._pending = self._pending[:end], self._pending[end + 1 :]
            if line.startswith(b"COPY "):
                target = parse_copy(line.decode("utf-8"))
                if target is not None:
                    self._tables.begin(target)
                    self._in_copy = True
                    self._copy_data()
        return len(chunk)

    def _copy_data(self) -> None:
        """Hand on the rows up to the end line (``self._pending`` starts at a line start)."""
        data = self._pending
        if data.startswith(_END):
            at = 0
        else:
            found = data.find(b"\n" + _END)
            at = found + 1 if found >= 0 else -1
        if at < 0:
            # Keep the last line back: it may be the start of the end line.
            cut = data.rfind(b"\n") + 1
            if cut:
                self._tables.rows(data[:cut])
            self._pending = data[cut:]
            return
        if at:
            self._tables.rows(data[:at])
        self._pending = data[at + len(_END) :]
        self._in_copy = False
        self._tables.end()

    @property
    def inside_rows(self) -> bool:
        """The script stopped inside a table's rows (it is not complete)."""
        return self._in_copy
