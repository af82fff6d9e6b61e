"""Encoded rows wait here until their table's types are decided.

One anonymous temporary file holds every table's COPY text (the operating system deletes
it when it is closed, when the process ends, or when it is killed). Each table keeps a list
of chunks: where its rows are, and the storage class of each column in them, so that a
column whose type was widened can be re-encoded on the way out. Consecutive batches of a
table with the same classes merge into one chunk, so the bookkeeping stays small however
many rows a table has.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from .casts import TRANSFORMS, epoch_to_text
from .encode import (
    C_BLOB,
    C_INT,
    C_NULL,
    C_REAL,
    C_TEXT,
    NULL,
    bytea_hex,
    copy_unescape,
    fix_utf8,
    real_text,
)
from .rows import Batch
from .typemap import Reencode

READ_SIZE = 1 << 22


@dataclass(slots=True)
class Chunk:
    offset: int
    length: int
    nrows: int
    kinds: bytes  # per column: its one non-NULL class, C_NULL if all NULL, 0 if mixed
    per_row: dict[int, tuple[int, int]] = field(default_factory=dict)  # column → (offset, len)


class Spool:
    """Append-only store of COPY text per table; read back in order."""

    def __init__(self, directory: str | None = None) -> None:
        # Anonymous: the file has no name to clean up, whatever ends the process.
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="dumpconv-", dir=directory)  # noqa: SIM115
        self._end = 0
        self._chunks: dict[str, list[Chunk]] = {}

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def size(self) -> int:
        return self._end

    def write(self, key: str, batch: Batch) -> None:
        """Append a batch (already in the table's column order) for table ``key``."""
        kinds = bytes(_kind(c.kinds, c.per_row is not None) for c in batch.columns)
        offset = self._end
        self._append(batch.copy)
        chunks = self._chunks.setdefault(key, [])
        mixed = {i: c.per_row for i, c in enumerate(batch.columns) if c.per_row is not None}
        if not mixed and chunks:
            last = chunks[-1]
            if not last.per_row and last.kinds == kinds and last.offset + last.length == offset:
                last.length += len(batch.copy)
                last.nrows += batch.nrows
                return
        chunk = Chunk(offset, len(batch.copy), batch.nrows, kinds)
        for col, per_row in mixed.items():
            assert per_row is not None
            chunk.per_row[col] = (self._end, len(per_row))
            self._append(per_row)
        chunks.append(chunk)

    def _append(self, data: bytes) -> None:
        self._file.seek(self._end)
        self._file.write(data)
        self._end += len(data)

    def rows(self, key: str) -> int:
        return sum(c.nrows for c in self._chunks.get(key, []))

    def read(self, key: str, reencode: dict[int, Reencode]) -> Iterator[bytes]:
        """The table's COPY text in pieces of whole rows, the given columns re-encoded.

        Merged chunks can hold a whole table: they are read a few megabytes at a time.
        """
        for chunk in self._chunks.get(key, []):
            active = {c: r for c, r in reencode.items() if _needs(chunk, c, r)}
            if chunk.per_row and active:  # one batch: its classes go row by row
                data = self._read(chunk.offset, chunk.length)
                per_row = {c: self._read(*chunk.per_row[c]) for c in active if c in chunk.per_row}
                yield _reencode(data, chunk, active, per_row)
                continue
            for piece in self._rows(chunk.offset, chunk.length):
                yield _reencode(piece, chunk, active, {}) if active else piece

    def _rows(self, offset: int, length: int) -> Iterator[bytes]:
        """The bytes in [offset, offset + length), cut after line ends into bounded pieces."""
        end = offset + length
        rest = b""
        while offset < end:
            data = rest + self._read(offset, min(READ_SIZE, end - offset))
            offset += len(data) - len(rest)
            cut = data.rfind(b"\n") + 1 if offset < end else len(data)
            if cut:
                yield data[:cut]
            rest = data[cut:]
        if rest:
            yield rest

    def _read(self, offset: int, length: int) -> bytes:
        self._file.seek(offset)
        return self._file.read(length)


def _kind(kinds: set[int], mixed: bool) -> int:
    if mixed:
        return 0
    if not kinds:
        return C_NULL
    return next(iter(kinds))


def _needs(chunk: Chunk, col: int, how: Reencode) -> bool:
    kind = chunk.kinds[col]
    if how.value in TRANSFORMS:
        return kind != C_NULL
    if how is Reencode.REAL_SHORTEST:
        return kind in (0, C_REAL)
    if how is Reencode.FIX_UTF8:
        return kind in (0, C_TEXT)
    if how is Reencode.TEXT_SAFE:
        return kind in (0, C_REAL, C_TEXT)
    return kind not in (C_NULL, C_BLOB)


def _reencode(
    data: bytes, chunk: Chunk, active: dict[int, Reencode], per_row: dict[int, bytes]
) -> bytes:
    rows = data[:-1].split(b"\n")
    out = []
    for r, line in enumerate(rows):
        fields = line.split(b"\t")
        for c, how in active.items():
            f = fields[c]
            if f == NULL:
                continue
            kind = per_row[c][r] if c in per_row else chunk.kinds[c]
            fields[c] = convert_field(f, kind, how)
        out.append(b"\t".join(fields))
    return b"\n".join(out) + b"\n"


def convert_field(field: bytes, kind: int, how: Reencode) -> bytes:
    """One spooled COPY field of storage class ``kind``, re-encoded for its column's type."""
    if how.value in TRANSFORMS:
        # The cast checked the range: every number is a date PostgreSQL reads; texts are
        # dates already.
        if kind not in (C_INT, C_REAL):
            return field
        return epoch_to_text(field, how.value, True) or field
    if how in (Reencode.REAL_SHORTEST, Reencode.FIX_UTF8, Reencode.TEXT_SAFE):
        if kind == C_REAL and how is not Reencode.FIX_UTF8:
            return real_text(float(field))
        if kind == C_TEXT and how is not Reencode.REAL_SHORTEST:
            return fix_utf8(field)
        return field
    # Reencode.TO_BYTEA: a blob is already bytea; anything else becomes its text's bytes.
    if kind == C_BLOB:
        return field
    if kind == C_TEXT:
        return bytea_hex(copy_unescape(field))
    return bytea_hex(real_text(float(field)) if kind == C_REAL else field)
