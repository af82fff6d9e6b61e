"""Encoded rows wait here until their table's types are decided.

One anonymous temporary file holds every table's COPY text (the operating system deletes
it when it is closed, when the process ends, or when it is killed). Each table keeps a list
of chunks: where its rows are, and the storage class of each column in them, so that a
column whose type was widened can be re-encoded on the way out. Consecutive batches of a
table with the same classes merge into one chunk, so the bookkeeping stays small however
many rows a table has.

Re-encoding on the way out (:meth:`Spool.read`) is asked per column with a :data:`Recode`:
one :class:`~dumpconv.typemap.Reencode` step, or several joined by :func:`combine`. Besides
the type's own step (``decide``), the pipeline adds the policies for values PostgreSQL text
cannot hold: ``Reencode.FIX_UTF8`` (invalid UTF-8 to U+FFFD) and the NUL policy
(:func:`nul_step`: ``Reencode.NUL_REPLACE``, each ``\\x00`` to U+FFFD, or
``Reencode.NUL_STRIP``). A column that becomes bytea (``Reencode.TO_BYTEA``) takes neither:
it keeps every byte, NUL and invalid UTF-8 included.
"""

from __future__ import annotations

import tempfile
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import IO

from dumpconv.base.encode import (
    C_BLOB,
    C_INT,
    C_NULL,
    C_REAL,
    C_TEXT,
    NULL,
    apply_nul_policy,
    bytea_hex,
    copy_unescape,
    fix_utf8,
    real_text,
)
from dumpconv.decide.casts import TRANSFORMS, epoch_to_text
from dumpconv.decide.temporal import DATED_TIME
from dumpconv.decide.typemap import Reencode
from dumpconv.read.rows import Batch

READ_SIZE = 1 << 22

Recode = Reencode | frozenset[Reencode]
"""How one column's fields are re-encoded: a single step, or a set made by :func:`combine`."""

_STEPS_OF_TEXT_SAFE = frozenset((Reencode.REAL_SHORTEST, Reencode.FIX_UTF8))
_NUL_STEPS = {"replace": Reencode.NUL_REPLACE, "strip": Reencode.NUL_STRIP}
# Steps that each make the column a type of its own: at most one per column.
_TYPE_STEPS = frozenset(
    [Reencode.TO_BYTEA, Reencode.MICROSECONDS, *(r for r in Reencode if r.value in TRANSFORMS)]
)


def nul_step(policy: str) -> Reencode:
    """The re-encoding step of a NUL policy that rewrites values: ``"replace"`` or ``"strip"``
    (``encode.NUL_POLICIES``; ``"refuse"`` stops the conversion instead)."""
    try:
        return _NUL_STEPS[policy]
    except KeyError:
        raise ValueError(f"no re-encoding step for the NUL policy {policy!r}") from None


def steps(how: Recode) -> frozenset[Reencode]:
    """The single steps of a re-encoding (``TEXT_SAFE`` is REAL_SHORTEST and FIX_UTF8)."""
    if isinstance(how, Reencode):
        return _STEPS_OF_TEXT_SAFE if how is Reencode.TEXT_SAFE else frozenset((how,))
    return frozenset().union(*map(steps, how))


def combine(how: Recode | None, step: Reencode) -> Recode:
    """A column's re-encoding ``how`` (None: none yet) with one more step.

    One step stays a :class:`Reencode` member, REAL_SHORTEST with FIX_UTF8 is
    ``Reencode.TEXT_SAFE`` (so existing plans are unchanged); other combinations are a
    frozenset. A bytea column (TO_BYTEA) keeps its bytes exactly: no other step is added
    to it (the pipeline need not ask for one either).

    Raises:
        ValueError: two NUL policies, or two steps that each choose the column's type.
    """
    joined = (steps(how) if how is not None else frozenset()) | steps(step)
    if len(joined & _TYPE_STEPS) > 1:
        raise ValueError(f"conflicting re-encodings: {sorted(r.value for r in joined)}")
    if {Reencode.NUL_REPLACE, Reencode.NUL_STRIP} <= joined:
        raise ValueError("both NUL policies for one column")
    if Reencode.TO_BYTEA in joined:  # it writes every value's exact bytes: nothing else
        return Reencode.TO_BYTEA
    if joined == _STEPS_OF_TEXT_SAFE:
        return Reencode.TEXT_SAFE
    if len(joined) == 1:
        return next(iter(joined))
    return joined


@dataclass(slots=True)
class Chunk:
    offset: int
    length: int
    nrows: int
    kinds: bytes  # per column: its one non-NULL class, C_NULL if all NULL, 0 if mixed
    per_row: dict[int, tuple[int, int]] = field(default_factory=dict)  # column → (offset, len)
    at: int = 0  # where its rows start in the table's COPY text


class Spool:
    """Append-only store of COPY text per table; read back in order."""

    def __init__(self, directory: str | None = None) -> None:
        # Anonymous: the file has no name to clean up, whatever ends the process.
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="dumpconv-", dir=directory)  # noqa: SIM115
        self._end = 0
        self._chunks: dict[str, list[Chunk]] = {}
        self._lengths: dict[str, int] = {}  # bytes of each table's COPY text

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
        at = self._lengths.get(key, 0)
        self._lengths[key] = at + len(batch.copy)
        mixed = {i: c.per_row for i, c in enumerate(batch.columns) if c.per_row is not None}
        if not mixed and chunks:
            last = chunks[-1]
            if not last.per_row and last.kinds == kinds and last.offset + last.length == offset:
                last.length += len(batch.copy)
                last.nrows += batch.nrows
                return
        chunk = Chunk(offset, len(batch.copy), batch.nrows, kinds, at=at)
        for col, per_row in mixed.items():
            assert per_row is not None
            chunk.per_row[col] = (self._end, len(per_row))
            self._append(per_row)
        chunks.append(chunk)

    def drop(self, key: str) -> None:
        """Forget a table's rows (written out); once no table has any, the file is emptied,
        so the spool holds at most the tables not yet written (one, for a dump)."""
        self._chunks.pop(key, None)
        self._lengths.pop(key, None)
        if not any(self._chunks.values()):
            self._chunks.clear()
            self._file.truncate(0)
            self._end = 0

    def _append(self, data: bytes) -> None:
        self._file.seek(self._end)
        self._file.write(data)
        self._end += len(data)

    def rows(self, key: str) -> int:
        return sum(c.nrows for c in self._chunks.get(key, []))

    def length(self, key: str) -> int:
        """The bytes of the table's COPY text so far (a ``start`` for :meth:`read`)."""
        return self._lengths.get(key, 0)

    def read(
        self,
        key: str,
        reencode: Mapping[int, Recode],
        keep: Sequence[int] | None = None,
        start: int = 0,
    ) -> Iterator[bytes]:
        """The table's COPY text in pieces of whole rows, the given columns re-encoded;
        only the columns ``keep`` lists, in its order, when it is given; from ``start``, a
        :meth:`length` taken earlier (the rows written since), when it is given.

        Merged chunks can hold a whole table: they are read a few megabytes at a time.
        """
        pieces = self._read_all(key, reencode, start)
        if keep is None:
            yield from pieces
            return
        for piece in pieces:
            rows = piece[:-1].split(b"\n")
            yield b"".join(_select(row.split(b"\t"), keep) for row in rows)

    def _read_all(self, key: str, reencode: Mapping[int, Recode], start: int) -> Iterator[bytes]:
        chunks = self._chunks.get(key, [])
        first = max(0, bisect_right(chunks, start, key=lambda c: c.at) - 1)  # holds ``start``
        for chunk in chunks[first:]:
            skip = max(0, start - chunk.at)
            if skip >= chunk.length:
                continue  # read before
            active = {c: r for c, r in reencode.items() if _needs(chunk, c, r)}
            if chunk.per_row and active:  # one batch: its classes go row by row
                assert not skip, "a start inside a batch"  # such a chunk is one batch
                data = self._read(chunk.offset, chunk.length)
                per_row = {c: self._read(*chunk.per_row[c]) for c in active if c in chunk.per_row}
                yield _reencode(data, chunk, active, per_row)
                continue
            for piece in self._rows(chunk.offset + skip, chunk.length - skip):
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


def _select(fields: list[bytes], keep: Sequence[int]) -> bytes:
    return b"\t".join([fields[i] for i in keep]) + b"\n"


def _kind(kinds: set[int], mixed: bool) -> int:
    if mixed:
        return 0
    if not kinds:
        return C_NULL
    return next(iter(kinds))


def _needs(chunk: Chunk, col: int, how: Recode) -> bool:
    kind = chunk.kinds[col]
    return kind == 0 or any(kind in _KINDS[step] for step in steps(how))


# The storage classes each step changes (a mixed column, kind 0, may hold any of them).
_KINDS: dict[Reencode, tuple[int, ...]] = {
    Reencode.REAL_SHORTEST: (C_REAL,),
    Reencode.FIX_UTF8: (C_TEXT,),
    Reencode.NUL_REPLACE: (C_TEXT,),
    Reencode.NUL_STRIP: (C_TEXT,),
    Reencode.TO_BYTEA: (C_INT, C_REAL, C_TEXT),
    Reencode.MICROSECONDS: (C_INT, C_TEXT),
    Reencode.TIME_OF_DAY: (C_TEXT,),
    Reencode.UUID_FROM_BLOB: (C_BLOB,),
    **{r: (C_INT, C_REAL, C_TEXT, C_BLOB) for r in Reencode if r.value in TRANSFORMS},
}


def _reencode(
    data: bytes, chunk: Chunk, active: Mapping[int, Recode], per_row: dict[int, bytes]
) -> bytes:
    converters = [(c, _converter(how)) for c, how in active.items()]
    rows = data[:-1].split(b"\n")
    out = []
    for r, line in enumerate(rows):
        fields = line.split(b"\t")
        for c, convert in converters:
            f = fields[c]
            if f == NULL:
                continue
            kind = per_row[c][r] if c in per_row else chunk.kinds[c]
            fields[c] = convert(f, kind)
        out.append(b"\t".join(fields))
    return b"\n".join(out) + b"\n"


def convert_field(field: bytes, kind: int, how: Recode) -> bytes:
    """One spooled COPY field of storage class ``kind``, re-encoded for its column's type."""
    return _converter(how)(field, kind)


@cache
def _converter(how: Recode) -> Callable[[bytes, int], bytes]:
    """The function that re-encodes one field (field, kind) the way ``how`` says."""
    todo = steps(how)
    if Reencode.TO_BYTEA in todo:
        return _to_bytea
    if Reencode.MICROSECONDS in todo:  # the cast let integers and instants through
        return _to_interval
    transform = next((r.value for r in todo if r.value in TRANSFORMS), None)
    shortest = Reencode.REAL_SHORTEST in todo
    fix = Reencode.FIX_UTF8 in todo
    nul = next((p for p, r in _NUL_STEPS.items() if r in todo), None)
    dated = Reencode.TIME_OF_DAY in todo
    binary_uuid = Reencode.UUID_FROM_BLOB in todo

    def convert(field: bytes, kind: int) -> bytes:
        if binary_uuid and kind == C_BLOB:  # checked: \\x and 32 hex digits
            return field[3:]
        if kind == C_TEXT:
            if dated and field.startswith(DATED_TIME):
                return field[len(DATED_TIME) :]
            if fix:
                field = fix_utf8(field)
            if nul is not None:
                field = apply_nul_policy(field, nul)
            return field
        if transform is not None:
            # The cast checked the range: every number is a date PostgreSQL reads; texts
            # are dates already.
            if kind in (C_INT, C_REAL):
                return epoch_to_text(field, transform, True) or field
            return field
        if kind == C_REAL and shortest:
            return real_text(float(field))
        return field

    return convert


_UNIX_EPOCH = datetime(1970, 1, 1)


def _to_interval(field: bytes, kind: int) -> bytes:
    """Microseconds, or an instant counted from 1970-01-01 (checked by the cast), as the
    interval of that many microseconds."""
    if kind == C_TEXT:
        moment = datetime.fromisoformat(field.decode("ascii"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        span = moment - _UNIX_EPOCH
        field = str((span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds).encode()
    return field + b" microseconds"


def _to_bytea(field: bytes, kind: int) -> bytes:
    """A blob is already bytea; anything else becomes its text's bytes (a text's NULs and
    invalid UTF-8 included)."""
    if kind == C_BLOB:
        return field
    if kind == C_TEXT:
        return bytea_hex(copy_unescape(field))
    return bytea_hex(real_text(float(field)) if kind == C_REAL else field)
