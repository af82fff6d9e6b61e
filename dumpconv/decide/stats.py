"""Per-column statistics of a table's data, gathered batch by batch in constant memory.

Each batch is summarised with whole-column operations (a join and one regular expression
per column, ``min``/``max`` over ``map``); only columns that fail a bulk check are looked at
value by value, to count and show the offending values. What is gathered for a column
depends on its declared category: the type decision in ``decide`` needs nothing more.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from dumpconv.base.encode import C_BLOB, C_INT, C_REAL, C_TEXT, copy_unescape, real_text
from dumpconv.decide.temporal import DATED_TIME, has_offset, temporal_offsets, temporal_ok
from dumpconv.decide.typemap import Cat, Declared
from dumpconv.read.rows import Batch, Classes

MAX_EXAMPLES = 3

T = TypeVar("T", int, float)


@dataclass(slots=True)
class Check:
    """A property every value should have; counts the ones that do not."""

    failures: int = 0
    examples: list[tuple[str, int]] = field(default_factory=list)  # (value, input line)

    def fail(self, value: bytes, line: int) -> None:
        self.failures += 1
        if len(self.examples) < MAX_EXAMPLES:
            text = copy_unescape(value).decode("utf-8", "replace")
            self.examples.append((text if len(text) <= 60 else text[:57] + "...", line))

    @property
    def ok(self) -> bool:
        return self.failures == 0

    def describe(self) -> str:
        shown = ", ".join(f"{v!r} (line {ln})" for v, ln in self.examples)
        more = (
            f" and {self.failures - len(self.examples)} more"
            if self.failures > len(self.examples)
            else ""
        )
        return f"{shown}{more}"


@dataclass(slots=True)
class ColumnStats:
    declared: Declared
    classes: Classes = field(default_factory=Classes)
    int_min: int | None = None
    int_max: int | None = None
    infinities: int = 0
    max_text_bytes: int = 0
    # Checks of the text values, run only for the categories that need them.
    too_long: Check = field(default_factory=Check)
    not_boolean: Check = field(default_factory=Check)
    not_temporal: Check = field(default_factory=Check)
    with_offset: int = 0
    latest: bytes = b""  # the latest timestamp text (ISO text orders as its instants)
    dated_times: int = 0  # times written as "2000-01-01 HH:MM:SS" (Rails)
    not_json: Check = field(default_factory=Check)
    not_uuid: Check = field(default_factory=Check)
    not_inet: Check = field(default_factory=Check)
    not_label: Check = field(default_factory=Check)  # an enum's labels (--target-schema)
    # Times with more fraction digits than a timestamp(p) keeps (PostgreSQL rounds them).
    too_precise: Check = field(default_factory=Check)
    # Reals that numeric(p, s) cannot hold exactly, and texts in numeric columns.
    numeric_misfit: Check = field(default_factory=Check)
    # One storage-class byte per row of every batch, only while some batch mixes classes.
    mixed: bool = False
    # The finite reals' range, for columns whose numbers may be dates (epoch, Julian day).
    real_min: float | None = None
    real_max: float | None = None
    # The first value of each storage class, with its input line: what reports and casts
    # show when a class does not belong.
    first: dict[int, tuple[str, int]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        c = self.classes
        return c.nulls + c.ints + c.reals + c.texts + c.blobs

    def merge(self, later: ColumnStats) -> None:
        """Fold in the statistics of rows that come after these (gathered on their own, in
        another process or batch): the same as updating with those rows in order."""
        self.classes.merge(later.classes)
        self.int_min = _least(self.int_min, later.int_min)
        self.int_max = _most(self.int_max, later.int_max)
        self.real_min = _least(self.real_min, later.real_min)
        self.real_max = _most(self.real_max, later.real_max)
        self.infinities += later.infinities
        self.max_text_bytes = max(self.max_text_bytes, later.max_text_bytes)
        self.with_offset += later.with_offset
        self.latest = max(self.latest, later.latest)
        self.dated_times += later.dated_times
        self.mixed |= later.mixed
        for cls, first in later.first.items():
            self.first.setdefault(cls, first)
        for name in _CHECKS:
            mine: Check = getattr(self, name)
            theirs: Check = getattr(later, name)
            mine.failures += theirs.failures
            mine.examples.extend(theirs.examples[: MAX_EXAMPLES - len(mine.examples)])


class TableStats:
    """Statistics of every INSERT column of one table."""

    def __init__(self, columns: list[Declared]) -> None:
        self.columns = [ColumnStats(d) for d in columns]
        self.rows = 0

    def update(self, batch: Batch) -> None:
        """Fold one batch in (its columns in the table's INSERT order)."""
        self.rows += batch.nrows
        for c, st in enumerate(self.columns):
            _update_column(st, batch, c)

    def merge(self, later: TableStats) -> None:
        """Fold in the statistics of later rows of the table (:meth:`ColumnStats.merge`)."""
        self.rows += later.rows
        for mine, theirs in zip(self.columns, later.columns, strict=True):
            mine.merge(theirs)


def _update_column(st: ColumnStats, batch: Batch, c: int) -> None:
    classes = batch.columns[c]
    st.classes.merge(classes)
    if classes.per_row is not None:
        st.mixed = True
    a = batch.arity
    for cls in classes.kinds - st.first.keys():
        r, value = _first_of_class(batch.shapes[c::a], classes, cls)
        if cls in (C_TEXT, C_BLOB):
            value = batch.fields[r * a + c]
        text = copy_unescape(value).decode("utf-8", "replace")
        st.first[cls] = (text if len(text) <= 60 else text[:57] + "...", batch.line_of(r))
    if classes.ints:
        if batch.int_ranges is not None:  # the C reader took them as it read
            taken = batch.int_ranges[c]
            assert taken is not None  # the column has integers
            lo, hi = taken
        else:
            values = list(map(int, _of_class(batch.shapes[c::a], classes, C_INT)))
            lo, hi = min(values), max(values)
        st.int_min = lo if st.int_min is None else min(st.int_min, lo)
        st.int_max = hi if st.int_max is None else max(st.int_max, hi)
    numeric = st.declared.cat is Cat.NUMERIC and st.declared.precision is not None
    # The C reader takes no infinity: its reals are looked at only when the type needs them.
    if classes.reals and (not batch.by_c_reader or st.declared.temporal or st.declared.epoch
                          or numeric):  # fmt: skip
        reals = _of_class(batch.shapes[c::a], classes, C_REAL)
        # A real shape holds "Infinity" only as the whole value (or with its minus sign).
        st.infinities += b"\n".join(reals).count(b"Infinity")
        if st.declared.temporal or st.declared.epoch:
            finite = [float(r) for r in reals if not r.endswith(b"Infinity")]
            if finite:
                lo_r, hi_r = min(finite), max(finite)
                st.real_min = lo_r if st.real_min is None else min(st.real_min, lo_r)
                st.real_max = hi_r if st.real_max is None else max(st.real_max, hi_r)
        if numeric:
            _check_numeric_fit(st, batch, c, reals)
    if classes.texts:
        _update_texts(st, batch, c, classes)
    if classes.blobs and st.declared.cat is Cat.UUID:  # 16 bytes: a binary UUID
        for r, f in _rows_of_class(batch.fields[c :: batch.arity], classes, C_BLOB):
            if len(f) != len(b"\\\\x") + 32:
                st.not_uuid.fail(f, batch.line_of(r))


_CHECKS = ("too_long", "not_boolean", "not_temporal", "not_json", "not_uuid", "not_inet",
           "not_label", "too_precise", "numeric_misfit")  # fmt: skip


def _least(a: T | None, b: T | None) -> T | None:
    return b if a is None else a if b is None else min(a, b)


def _most(a: T | None, b: T | None) -> T | None:
    return b if a is None else a if b is None else max(a, b)


def _of_class(col: list[bytes], classes: Classes, cls: int) -> list[bytes]:
    if classes.per_row is None:
        return [f for f in col if f != b"\\N"] if classes.nulls else col
    return [f for f, k in zip(col, classes.per_row, strict=True) if k == cls]


def _first_of_class(col: list[bytes], classes: Classes, cls: int) -> tuple[int, bytes]:
    """The first value of a class present in the column, and its row."""
    if classes.per_row is None:
        r = next(r for r, f in enumerate(col) if f != b"\\N")
    else:
        r = classes.per_row.index(cls)
    return r, col[r]


def _rows_of_class(col: list[bytes], classes: Classes, cls: int) -> list[tuple[int, bytes]]:
    if classes.per_row is None:
        return [(r, f) for r, f in enumerate(col) if f != b"\\N"]
    return [(r, f) for r, (f, k) in enumerate(zip(col, classes.per_row, strict=True)) if k == cls]


def _update_texts(st: ColumnStats, batch: Batch, c: int, classes: Classes) -> None:
    col = batch.fields[c :: batch.arity]
    texts = _of_class(col, classes, C_TEXT)
    longest = max(map(len, texts))
    st.max_text_bytes = max(st.max_text_bytes, longest)
    d = st.declared
    cat = d.cat
    if cat is Cat.VARCHAR and d.length is not None and longest > d.length:
        for r, f in _rows_of_class(col, classes, C_TEXT):
            if len(f) > d.length and len(copy_unescape(f).decode("utf-8", "replace")) > d.length:
                st.too_long.fail(f, batch.line_of(r))
    elif cat is Cat.BOOLEAN:
        if not set(map(bytes.lower, texts)) <= BOOLEAN_WORDS:
            for r, f in _rows_of_class(col, classes, C_TEXT):
                if f.lower() not in BOOLEAN_WORDS:
                    st.not_boolean.fail(f, batch.line_of(r))
    elif d.temporal:
        _check_temporal(st, batch, col, classes, texts)
    elif cat is Cat.INTERVAL:  # SQLAlchemy writes an interval as 1970-01-01 plus it
        for r, f in _rows_of_class(col, classes, C_TEXT):
            if not temporal_ok(Cat.TIMESTAMP, f):
                st.not_temporal.fail(f, batch.line_of(r))
    elif cat is Cat.JSON:
        for r, f in _rows_of_class(col, classes, C_TEXT):
            if not json_ok(copy_unescape(f)):
                st.not_json.fail(f, batch.line_of(r))
    elif cat is Cat.UUID:
        if not _UUIDS.fullmatch(b"\n".join(texts)):
            for r, f in _rows_of_class(col, classes, C_TEXT):
                if not uuid_ok(f):
                    st.not_uuid.fail(f, batch.line_of(r))
    elif cat is Cat.INET:
        for r, f in _rows_of_class(col, classes, C_TEXT):
            if not inet_ok(f):
                st.not_inet.fail(f, batch.line_of(r))
    elif cat is Cat.NUMERIC:
        for r, f in _rows_of_class(col, classes, C_TEXT):
            st.numeric_misfit.fail(f, batch.line_of(r))
    elif (
        cat is Cat.ENUM
        and d.labels is not None
        and not set(map(copy_unescape, texts)) <= (d.labels)
    ):
        for r, f in _rows_of_class(col, classes, C_TEXT):
            if copy_unescape(f) not in d.labels:
                st.not_label.fail(f, batch.line_of(r))


BOOLEAN_WORDS = frozenset({b"0", b"1", b"t", b"f", b"true", b"false"})


def inet_ok(value: bytes) -> bool:
    """An IP address (with an optional prefix length) that PostgreSQL's inet reads the same."""
    try:
        text = value.decode("ascii")
        ipaddress.ip_interface(text)
    except (UnicodeDecodeError, ValueError):
        return False
    return "%" not in text  # IPv6 zone ids: Python reads them, PostgreSQL does not


def uuid_ok(value: bytes) -> bool:
    return _UUID.fullmatch(value) is not None


def _check_temporal(
    st: ColumnStats, batch: Batch, col: list[bytes], classes: Classes, texts: list[bytes]
) -> None:
    cat = st.declared.cat
    joined = b"\n".join(texts)
    st.latest = max(st.latest, max(texts))
    digits = st.declared.precision
    if digits is not None and digits < 6 and b"." in joined:
        finer = re.compile(rb":[0-9]{2}\.[0-9]{%d}[0-9]*[1-9]" % digits)
        for r, f in _rows_of_class(col, classes, C_TEXT):
            if finer.search(f):
                st.too_precise.fail(f, batch.line_of(r))
    offsets = temporal_offsets(cat, joined)
    if offsets is not None:
        st.with_offset += offsets
        return
    for r, f in _rows_of_class(col, classes, C_TEXT):
        if cat is Cat.TIME and f.startswith(DATED_TIME) and temporal_ok(cat, f[11:]):
            st.dated_times += 1
        elif not temporal_ok(cat, f):
            st.not_temporal.fail(f, batch.line_of(r))
        elif cat is Cat.TIMESTAMP and has_offset(f):
            st.with_offset += 1


_UUID_V = rb"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
_UUID = re.compile(_UUID_V)
_UUIDS = re.compile(_UUID_V + rb"(?:\n" + _UUID_V + rb")*")


_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _reject_constant(name: str) -> object:
    raise ValueError(name)


def json_ok(raw: bytes) -> bool:
    """Whether PostgreSQL's jsonb accepts the text and keeps what it means.

    Python's json module is laxer than PostgreSQL: it takes NaN/Infinity, \\u0000 and lone
    surrogates, which jsonb rejects.
    """
    if _NUL_ESCAPE.search(raw):
        return False
    try:
        text = raw.decode("utf-8")
        json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return False
    if "\\u" in text:  # jsonb rejects a lone UTF-16 surrogate escape
        try:
            json.dumps(json.loads(text), ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


def _check_numeric_fit(st: ColumnStats, batch: Batch, c: int, reals: list[bytes]) -> None:
    d = st.declared
    assert d.precision is not None
    scale = d.scale or 0
    for r, f in _rows_of_class(batch.shapes[c :: batch.arity], batch.columns[c], C_REAL):
        if not _fits(f, d.precision, scale):
            st.numeric_misfit.fail(real_text(float(f)), batch.line_of(r))


def _fits(real: bytes, precision: int, scale: int) -> bool:
    """Whether numeric(precision, scale) holds the shortest decimal of a double exactly."""
    if real.endswith(b"Infinity"):
        return False
    _sign, digits, exponent = Decimal(repr(float(real))).normalize().as_tuple()
    assert isinstance(exponent, int)
    frac_digits = max(0, -exponent)
    int_digits = max(0, len(digits) + exponent)
    return frac_digits <= scale and int_digits <= precision - scale
