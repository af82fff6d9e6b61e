"""--include / --exclude (pg_dump's -t / -T): which of the dump's tables are converted.

A glob is matched with ``fnmatch`` against the table's name with ASCII letters folded to
lower case, the glob folded the same way (SQLite compares names so): ``*`` matches any run of
characters, ``?`` one character, ``[abc]`` one of those (``[[]`` a ``[``). Without
--include every table is included; an --exclude that matches wins. A table left out is not
created and its rows are not loaded; what depends on it is left out with it and reported
(``catalog``, ``postdata``, the translators through ``Schema.left_out``).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from dumpconv.base.errors import DumpconvError
from dumpconv.base.report import Report, Severity
from dumpconv.read.schema import fold


class Selection:
    """The globs of one conversion, and which of them matched a table."""

    def __init__(self, include: tuple[str, ...], exclude: tuple[str, ...]) -> None:
        for option, globs in (("--include", include), ("--exclude", exclude)):
            for glob in globs:
                if not glob or "\x00" in glob:
                    raise DumpconvError(
                        f"{option} needs a table name or a glob, without NUL characters",
                        None,
                        f"{option} 'log_*' names every table whose name starts with log_",
                    )
        self.include = include
        self.exclude = exclude
        self._matched: set[tuple[str, str]] = set()

    @property
    def active(self) -> bool:
        return bool(self.include or self.exclude)

    def wants(self, name: str) -> bool:
        """Whether the table ``name`` (as SQLite stores it) is converted."""
        if not self.active:
            return True
        key = fold(name)
        included = not self.include
        for glob in self.include:
            if fnmatchcase(key, fold(glob)):
                self._matched.add(("--include", glob))
                included = True
        for glob in self.exclude:
            if fnmatchcase(key, fold(glob)):
                self._matched.add(("--exclude", glob))
                included = False
        return included

    def why(self, name: str) -> str:
        """Which option left a table out, for the report and the script."""
        key = fold(name)
        excluded = next((g for g in self.exclude if fnmatchcase(key, fold(g))), None)
        return f"--exclude {excluded}" if excluded is not None else "no --include matches it"

    def report_unmatched(self, report: Report) -> None:
        """A glob that matched no table of the dump is a warning (a misspelt name would
        otherwise convert everything, or leave nothing out, silently)."""
        for option, globs in (("--include", self.include), ("--exclude", self.exclude)):
            for glob in globs:
                if (option, glob) not in self._matched:
                    report.add(
                        "selection-unmatched", Severity.WARNING,
                        f"{option} {glob} matched no table of the dump",
                        hint="globs are matched against SQLite's table names, ignoring the "
                        "case of ASCII letters",
                    )  # fmt: skip
