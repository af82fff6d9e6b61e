"""Errors that reach the user as one line: what went wrong, where, and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dumpconv.base.report import Report


class DumpconvError(Exception):
    """A conversion that cannot go on; the CLI prints it as one line and exits 1.

    Attributes:
        message: what is wrong, in one sentence.
        line: the 1-based input line of the statement at fault, when there is one.
        hint: what the user can do about it.
    """

    def __init__(self, message: str, line: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint

    def __reduce__(self) -> tuple[type[DumpconvError], tuple[str, int | None, str | None]]:
        """Whole across processes (a worker's error is raised again in the main one)."""
        return (type(self), (self.message, self.line, self.hint))

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        tail = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{tail}"


class Refusals(DumpconvError):
    """Several refusals found in one pass (``dumpconv check`` lists them all): shown as the
    first, with how many more there are; ``all`` holds every one."""

    def __init__(self, refusals: list[DumpconvError]) -> None:
        first = refusals[0]
        more = len(refusals) - 1
        tail = f" (and {more} more: dumpconv check lists them all)" if more else ""
        super().__init__(first.message + tail, first.line, first.hint)
        self.all = refusals
        self.report: Report | None = None  # the conversion's report so far, once known


class SplitError(DumpconvError):
    """The input cannot be cut into statements (unterminated literal, truncated dump)."""


class RowError(DumpconvError):
    """An INSERT whose values cannot be read or do not fit the table."""


class TranslateError(DumpconvError):
    """A schema statement that cannot be translated and must not be skipped."""
