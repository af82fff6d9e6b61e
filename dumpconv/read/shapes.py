"""The storage class of every value shape of a batch (``batch.Batch.shapes``), per column.

Apart from ``batch`` so that it can run compiled with the readers (``base.hotpath``) while
the classes it fills stay plain Python.
"""

from __future__ import annotations

import re

from dumpconv.base.encode import (
    C_BLOB,
    C_INT,
    C_NULL,
    C_REAL,
    C_TEXT,
)
from dumpconv.read.batch import Classes

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
