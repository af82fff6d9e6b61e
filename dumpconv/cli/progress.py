"""Progress on a terminal: the table being read, how much of the input is read (of its size,
when it is a file; compressed bytes when compressed), rows and rows a second. It fits in 80
columns (a long table name is cut with an ellipsis).

Drawn on stderr with rich, only when stderr is a terminal and --quiet is not given; it is
transient (cleared when the conversion ends, whether it succeeds or fails), so the report or
the error that follows stands alone. It writes nothing else: stdout carries the script.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    TaskProgressColumn,
    TextColumn,
)
from rich.progress import Progress as Bars
from rich.table import Column

from dumpconv.pipeline import Progress


class ProgressDisplay:
    """A callback for ``convert(progress=...)`` that draws what it is given, and nothing
    between calls (no thread: a stalled input shows the last state)."""

    def __init__(self, console: Console) -> None:
        self._bars = Bars(
            # Names come from the input: shown as plain text, never as rich markup.
            TextColumn(
                "{task.description}",
                markup=False,
                table_column=Column(no_wrap=True, overflow="ellipsis", max_width=24),
            ),
            BarColumn(bar_width=12),
            TaskProgressColumn(),
            DownloadColumn(table_column=Column(no_wrap=True)),
            TextColumn("{task.fields[rows]}", markup=False, table_column=Column(no_wrap=True)),
            console=console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,  # stdout is the script: never touched
            redirect_stderr=False,
        )
        self._task = self._bars.add_task("", total=None, rows="")

    def __call__(self, p: Progress) -> None:
        rate = p.rows / p.elapsed if p.elapsed > 0 else 0.0
        self._bars.update(
            self._task,
            description=p.table or "",
            completed=p.input_bytes,
            total=p.input_size,
            rows=f"{p.rows:,} rows {rate:,.0f}/s",
        )
        self._bars.refresh()

    def start(self) -> None:
        self._bars.start()

    def stop(self) -> None:
        self._bars.stop()


@contextlib.contextmanager
def progress_display(
    enabled: bool, console: Console | None = None
) -> Iterator[Callable[[Progress], None] | None]:
    """The ``progress`` argument for ``convert``: a display on ``console`` (stderr by default)
    while the block runs, cleared when it ends; None when not ``enabled``.

    Enable it with ``sys.stderr.isatty() and not quiet``: on a pipe or a file, stderr holds
    only the report.
    """
    if not enabled:
        yield None
        return
    display = ProgressDisplay(console or Console(stderr=True))
    display.start()
    try:
        yield display
    finally:
        display.stop()
