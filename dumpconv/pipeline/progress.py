"""How far a conversion has got, for whoever shows it (the CLI draws it on a terminal)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from dumpconv.base.safetext import printable
from dumpconv.pipeline.state import Conversion
from dumpconv.read.inputs import DumpInput

INTERVAL = 0.1  # seconds between two calls: at most ten a second


@dataclass(frozen=True, slots=True)
class Progress:
    """One look at a running conversion.

    Attributes:
        input_bytes: bytes of the input as given (compressed when it is) read so far.
        input_size: the input's size when it is a regular file, else None (a pipe).
        text_bytes: bytes of dump text read so far (decompressed; the report's input_bytes).
        rows: rows taken in so far.
        table: the table whose rows are being read (its SQLite name, printable), or None.
        elapsed: seconds since the conversion began.
        compression: "gzip", "bzip2", "xz", "zstd", or None.
        done: the conversion is over (the last call; only after a success).
    """

    input_bytes: int
    input_size: int | None
    text_bytes: int
    rows: int
    table: str | None
    elapsed: float
    compression: str | None = None
    done: bool = False

    @property
    def fraction(self) -> float | None:
        """How much of the input is read, from 0 to 1, when its size is known."""
        if self.input_size is None:
            return None
        return min(1.0, self.input_bytes / self.input_size) if self.input_size else 1.0


class Ticker:
    """Calls ``callback`` with a :class:`Progress` at most once per ``INTERVAL``: ``tick`` is
    cheap enough to call after every unit the splitter cuts (a run of INSERTs is up to a
    buffer, about a megabyte), never per row."""

    def __init__(
        self, callback: Callable[[Progress], None], source: DumpInput, conv: Conversion
    ) -> None:
        self._callback = callback
        self._source = source
        self._conv = conv
        self._start = time.monotonic()
        self._next = self._start + INTERVAL

    def tick(self) -> None:
        now = time.monotonic()
        if now >= self._next:
            self._next = now + INTERVAL
            self._callback(self._look(now, done=False))

    def end(self) -> None:
        """The last call: every byte read, every row counted."""
        self._callback(self._look(time.monotonic(), done=True))

    def _look(self, now: float, *, done: bool) -> Progress:
        tables = self._conv.tables
        last = next(reversed(tables.values()), None) if tables else None
        return Progress(
            input_bytes=self._source.input_bytes,
            input_size=self._source.size,
            text_bytes=self._source.text_bytes,
            rows=self._conv.report.total_rows,
            table=printable(last.table.name) if last is not None else None,
            elapsed=now - self._start,
            compression=self._source.compression,
            done=done,
        )
