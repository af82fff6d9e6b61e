"""A batch of rows of one table as COPY text, with the storage class of every value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dumpconv.base.encode import (
    C_BLOB,
    C_INT,
    C_NULL,
    C_REAL,
    C_TEXT,
)

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
