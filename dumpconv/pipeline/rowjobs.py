"""Rows read in jobs: a run of INSERTs into one table becomes a batch of COPY text and the
statistics of its values, in this process or, with ``--jobs N``, in N worker processes.

The work of a run needs nothing but its own text (:class:`RunJob`): the statistics of each
batch are gathered on their own and folded into the table's in input order
(``TableStats.merge``, the same as updating with the rows in order), so the script is the
same byte for byte whatever N is. Results are taken in the order the runs were read, and a
worker's error is raised when its turn comes, so the first error in the input is the one
reported.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from dumpconv.decide.stats import TableStats
from dumpconv.decide.typemap import Declared
from dumpconv.pipeline.state import TableState
from dumpconv.read.lexer import find_statement_end
from dumpconv.read.rows import Batch, convert_run, encode_rows, scan_insert
from dumpconv.read.sqlitefloat import SqliteReals

#: Runs read ahead of the ones taken in, per worker: enough to keep every worker busy,
#: few enough that memory stays a handful of runs (about a megabyte each).
_AHEAD = 2


@dataclass(frozen=True, slots=True)
class RunJob:
    """One run of INSERT statements into one table, and what reading it needs."""

    body: bytes
    prefix: bytes
    arity: int
    line: int
    quote_reals: bool  # read reals as SQLite does (the dump was written with quote())
    order: list[int] | None  # the INSERT's column list → the table's order
    declared: list[Declared]


Result = tuple[list[Batch], TableStats, int]
"""The batches of a run (shapes dropped), the statistics of all their rows, and how many
statements the run held (counted here, in the worker, rather than where runs are cut)."""


def default_jobs() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


_reals: SqliteReals | None = None


def read_run(job: RunJob) -> Result:
    """The batches of a run (one, or one per statement when the fast path declines) and the
    statistics of the run's rows alone."""
    global _reals
    reals = None
    if job.quote_reals:
        if _reals is None:  # one connection per process
            _reals = SqliteReals()
        reals = _reals
    batch = convert_run(job.body, job.prefix, job.arity, job.line, reals)
    batches = [batch] if batch is not None else [
        encode_rows(scan_insert(text, line, reals).rows, job.arity, line)
        for text, line in statements(job.body, job.line)
    ]  # fmt: skip
    # The C reader takes one statement per row only; any other run is counted.
    count = batch.nrows if batch is not None and batch.by_c_reader else None
    if job.order is not None:
        batches = [b.select(job.order) for b in batches]
    if count is None:
        count = job.body.count(b"\n" + job.prefix) + 1
    return (*summarise(batches, job.declared), count)


def summarise(batches: list[Batch], declared: list[Declared]) -> tuple[list[Batch], TableStats]:
    """Batches with the statistics of their rows, their shapes dropped."""
    stats = TableStats(declared)
    for batch in batches:
        stats.update(batch)
    return [b.slim() for b in batches], stats


def statements(body: bytes, line: int) -> list[tuple[bytes, int]]:
    """Cut a run of INSERT statements apart with the lexer (the exact path)."""
    out = []
    pos = 0
    while pos < len(body):
        while pos < len(body) and body[pos : pos + 1] in b" \t\r\n":
            if body[pos : pos + 1] == b"\n":
                line += 1
            pos += 1
        if pos >= len(body):
            break
        end = find_statement_end(body, pos, trigger=False, final=True)
        out.append((body[pos:end], line))
        line += body.count(b"\n", pos, end)
        pos = end
    return out


Take = Callable[[TableState, list[Batch], TableStats, int], None]


class RowJobs:
    """Runs read in order, by ``jobs`` worker processes (1: in this one), taken in by
    ``take`` in input order."""

    def __init__(self, jobs: int, take: Take) -> None:
        self.jobs = max(1, jobs)
        self.take = take
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[tuple[TableState, Future[Result]]] = deque()

    def submit(self, state: TableState, job: RunJob) -> None:
        if self.jobs == 1:
            self._take(state, read_run(job))
            return
        if self._pool is None:
            # fork: the workers start with every module this process has imported.
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=get_context("fork"))
        self._pending.append((state, self._pool.submit(read_run, job)))
        while len(self._pending) > self.jobs * _AHEAD:
            self._next()

    def now(self, state: TableState, batch: Batch) -> None:
        """A batch read here (a single statement): after every run read before it."""
        self.drain()
        declared = [c.declared for c in state.stats.columns]
        self._take(state, (*summarise([batch], declared), 0))  # the caller counted it

    def drain(self) -> None:
        """Take in every run submitted so far."""
        while self._pending:
            self._next()

    def close(self) -> None:
        """Stop the workers (a failed conversion's pending runs are dropped)."""
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _next(self) -> None:
        state, future = self._pending.popleft()
        try:
            self._take(state, future.result())
        except BaseException:
            # The first error in the input stops the conversion: the runs read after it
            # must not be taken in (and raise a later error in its place).
            self._pending.clear()
            raise

    def _take(self, state: TableState, result: Result) -> None:
        self.take(state, *result)
