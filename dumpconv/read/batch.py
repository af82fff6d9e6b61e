"""What the row readers hand on: one INSERT read exactly (:class:`Insert`), a batch of rows of
one table as COPY text (:class:`Batch`) with the storage classes of each column
(:class:`Classes`).

The classes live apart from the readers (``fast``, ``scan``, ``shapes``) because those may run
compiled (``rows``, ``base.hotpath``): a compiled copy of a module would define classes of
its own, and a batch must be the same picklable class whichever reader made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dumpconv.base.encode import C_BLOB, C_INT, C_REAL, C_TEXT

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
        int_ranges: per column, the least and greatest of its integers (None: it has none),
            when the reader took them as it read (the C reader); else None, and the
            statistics read them from the shapes.
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
    count: int | None = None  # the rows, once the shapes are dropped (:meth:`slim`)
    int_ranges: list[tuple[int, int] | None] | None = None

    @property
    def nrows(self) -> int:
        return self.count if self.count is not None else len(self.shapes) // self.arity

    @property
    def by_c_reader(self) -> bool:
        """Read by the C reader (``creader.c``): one statement per row, every value in its
        plain grammar (no infinities), the integer ranges taken."""
        return self.int_ranges is not None

    def slim(self) -> Batch:
        """The batch without its shapes and split fields, once its statistics are taken:
        what the spool and the report still need, small to send between processes."""
        return Batch(self.copy, [], self.arity, self.first_line, self.columns, self.lines,
                     self.bad_utf8, self.nul, None, self.nrows)  # fmt: skip

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
        if self.int_ranges is not None:
            out.int_ranges = [self.int_ranges[c] for c in order]
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


@dataclass(frozen=True, slots=True)
class Insert:
    """One INSERT statement as the exact reader (``scan``) reads it."""

    table: str
    columns: tuple[str, ...] | None
    rows: list[tuple[Value, ...]]
