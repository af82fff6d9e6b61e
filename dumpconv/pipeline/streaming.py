"""A large table's rows written while the dump is still being read.

A table's types are decided by all its rows, so its COPY block could begin only once its
last row was read, and psql, loading the script as it is written, waited idle for the whole
of a large table. Once a table's COPY text in the spool reaches ``Options.stream_after``
bytes (4 MiB unless told), its CREATE TABLE is written as the rows so far decide it, and
every batch after that follows as soon as it is taken in, as long as it leaves each column's
decision (type, re-encoding, NULLs, text PostgreSQL cannot store) as it was.

When the table is complete its plan is made as always (``Planner.table``). If it is the
plan the rows were written under, the block is ended: the script is the same bytes it would
have been had the table waited. If a later batch changed a decision, no row of it or after
it was written; the block is ended there, the table dropped, and written again from the
spool under its final plan. All of it is inside the script's one transaction, so the load
still commits once, or changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dumpconv.base.errors import DumpconvError
from dumpconv.decide.typemap import Reencode
from dumpconv.pipeline.columns import decide_columns
from dumpconv.pipeline.state import Conversion, TablePlan, TableState
from dumpconv.write.spool import steps
from dumpconv.write.writer import Writer

# Rows a streaming table gathers before they are checked and written (or fewer, down to
# Options.stream_after): a run of INSERTs is one batch of up to a megabyte, a statement read
# alone one row.
_STEP = 256 << 10

Sketch = Callable[[TableState], tuple[TablePlan, set[str]] | None]
Head = Callable[[TablePlan, set[str]], None]

# What the rows decide of a table's columns, as far as it changes the table or its rows'
# bytes: each column's type and re-encoding, which hold NULLs, which hold text PostgreSQL
# cannot store.
_Marks = tuple[tuple[tuple[str, object], ...], tuple[bool, ...], frozenset[int], frozenset[int]]


@dataclass
class _Stream:
    plan: TablePlan  # the plan of the rows so far, which the rows are written under
    extensions: set[str]
    marks: _Marks
    written: int  # bytes of the table's spooled COPY text written
    rows: int  # rows written
    notes: list[str]  # the notes written above the table
    open: bool = True  # the COPY block is not ended: rows still go out as they come


class Streams:
    """The tables being written while their rows are read (one at a time, for a dump)."""

    def __init__(self, st: Conversion, w: Writer, sketch: Sketch, head: Head) -> None:
        self.st = st
        self.w = w
        self._sketch = sketch
        self._head = head  # writes what comes before a table's rows
        self._streams: dict[str, _Stream] = {}
        self._declined: set[str] = set()

    def grew(self, state: TableState) -> None:
        """A batch of ``state``'s rows was taken in: write the rows not yet written (once
        there are :data:`_STEP` bytes of them), if the table is streaming and they change
        none of its decisions."""
        key = state.table.key
        stream = self._streams.get(key)
        if stream is None:
            after = self.st.options.stream_after
            big = after is not None and self.st.spool.length(key) >= after
            if big and key not in self._declined:
                self._begin(state)
            return
        step = min(_STEP, self.st.options.stream_after or 0)
        if not stream.open or self.st.spool.length(key) - stream.written < step:
            return  # a few rows more (statements read one by one) wait for the next ones
        marks = _marks(state)
        if marks != stream.marks:  # what the rows decide changed: does the table?
            sketched = None if marks is None else self._sketch(state)
            if marks is None or sketched is None or not _same(stream, *sketched):
                self.w.copy_end()  # the rows from here on wait for the table's final plan
                stream.open = False
                return
            stream.plan, stream.extensions, stream.marks = *sketched, marks
        self._more(state, stream)

    def _begin(self, state: TableState) -> None:
        key = state.table.key
        st = self.st
        sketched = None if st.data_only or key in st.options.exclude_data else self._sketch(state)
        marks = _marks(state)
        if sketched is None or marks is None or sketched[0].left_out or not sketched[0].create:
            self._declined.add(key)
            return
        plan, extensions = sketched
        self._head(plan, extensions)
        self.w.copy_start(state.table.pg, [c.pg for c in state.table.insert_columns])
        stream = _Stream(plan, extensions, marks, 0, 0, plan.notes)
        self._streams[key] = stream
        self._more(state, stream)

    def _more(self, state: TableState, stream: _Stream) -> None:
        key = state.table.key
        self.w.copy_data(self.st.spool.read(key, stream.plan.reencode, start=stream.written))
        self.w.out.flush()  # psql loads these rows while the next ones are read
        stream.written = self.st.spool.length(key)
        stream.rows = state.stats.rows

    def settle(self, t: TablePlan, extensions: set[str]) -> bool:
        """The table is complete and ``t`` is its plan. True: its rows are all written
        (the block stands, and is ended); False: the table is written as any other (if it
        was streaming under another plan, it is dropped first)."""
        table = t.state.table
        stream = self._streams.pop(table.key, None)
        if stream is None:
            return False
        if stream.open and _same(stream, t, extensions):
            self._more(t.state, stream)
            self.w.copy_end()
            self.st.spool.drop(table.key)
            if t.notes != stream.notes:  # a reason naming a range, values replaced
                self.w.comment(f"dumpconv: with all its rows read, the notes on {table.name}:")
                for note in t.notes:
                    self.w.comment(f"dumpconv: {note}")
                self.w.blank()
            return True
        if stream.open:
            self.w.copy_end()
        self.w.comment(
            f"dumpconv: the rows of {table.name} after the first {stream.rows:,} changed how "
            "it is created: it is created again, with all its rows"
        )
        self.w.drop("TABLE", table.pg)
        self.w.blank()
        return False


def _same(stream: _Stream, t: TablePlan, extensions: set[str]) -> bool:
    """Whether a plan creates the table the rows are being written into and writes the rows
    written so far as the same bytes (the notes above it may say more).

    A column's re-encoding may have gained a step that changes only values none of those
    rows held in it: text that is not UTF-8, or holds NUL (a column enters ``_marks``'s
    sets before any row holding such a value is written, and that brings a new plan)."""
    sketch = stream.plan
    if (sketch.create, stream.extensions, sketch.left_out) != (
        t.create, extensions, t.left_out
    ):  # fmt: skip
        return False
    for c in sketch.reencode.keys() | t.reencode.keys():
        was, now = sketch.reencode.get(c), t.reencode.get(c)
        if was == now:
            continue
        before = steps(was) if was is not None else frozenset()
        after = steps(now) if now is not None else frozenset()
        if not before <= after or not after - before <= _UNHELD:
            return False
    return True


# Re-encoding steps that change only the values of a kind a column's rows so far did not
# hold (``_marks`` has the columns that hold them).
_UNHELD = frozenset({Reencode.FIX_UTF8, Reencode.NUL_REPLACE, Reencode.NUL_STRIP})


def _marks(state: TableState) -> _Marks | None:
    """What the rows so far decide of the table's columns (None: a cast they do not fit)."""
    try:
        decisions = decide_columns(state)
    except DumpconvError:
        return None
    types = tuple((d.pg_type, d.reencode) for d in decisions.values())
    nulls = tuple(c.classes.nulls > 0 for c in state.stats.columns)
    return types, nulls, frozenset(state.bad_utf8.counts), frozenset(state.nul.counts)
