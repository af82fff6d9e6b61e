"""``dumpconv verify``: does PostgreSQL hold what the source holds, after the load?

The conversion runs again with the same options (``pipeline.convert``), its script written
into a :class:`~dumpconv.verify.script.ScriptTap` instead of a file: each table's COPY block
is streamed into a temporary copy of the table PostgreSQL holds (``database``), and the two
are compared by PostgreSQL (``compare``), one table at a time, in one transaction that is
rolled back. A created table the source has no rows for must be empty. Uses psycopg (the
``verify`` extra); the command line imports it only when verify runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO, cast

import psycopg

from dumpconv.base.errors import DumpconvError
from dumpconv.base.pgsql import SCHEMA
from dumpconv.base.report import Report
from dumpconv.pipeline import Options
from dumpconv.read.schema import fold
from dumpconv.verify.compare import compare
from dumpconv.verify.database import Relation, Session, connect
from dumpconv.verify.script import CopyTarget, ScriptTap

__all__ = ["Session", "TableResult", "Verdict", "connect", "verify"]


@dataclass(frozen=True)
class TableResult:
    """One table: ``state`` is ok, differs, missing (PostgreSQL has no such table), failed
    (the source's rows do not load into it) or skipped (--exclude-table-data)."""

    name: str
    state: str
    rows: int = 0
    details: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        head = {
            "ok": f"OK ({_rows(self.rows)})",
            "differs": "differs from the source",
            "missing": "missing in PostgreSQL",
            "failed": "cannot be compared",
            "skipped": "skipped: its rows are not loaded (--exclude-table-data)",
        }[self.state]
        return [f"table {self.name}: {line}" for line in (head, *self.details)]


@dataclass
class Verdict:
    tables: list[TableResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.state in ("ok", "skipped") for t in self.tables)

    def render(self, quiet: bool = False) -> list[str]:
        """A line per table (with ``quiet``, only those that differ) and the summary."""
        shown = [t for t in self.tables if not quiet or t.state not in ("ok", "skipped")]
        lines = [line for t in shown for line in t.lines()]
        compared = [t for t in self.tables if t.state != "skipped"]
        skipped = len(self.tables) - len(compared)
        tail = f"; {skipped} skipped" if skipped else ""
        if self.ok:
            rows = sum(t.rows for t in compared)
            lines.append(
                f"dumpconv: verify: all {len(compared)} tables match ({_rows(rows)}){tail}"
            )
            return lines
        parts = []
        for state, what in (("differs", "differ"), ("missing", "are missing in PostgreSQL"),
                            ("failed", "cannot be compared")):  # fmt: skip
            names = [t.name for t in self.tables if t.state == state]
            if names:
                parts.append(f"{len(names)} {what} ({', '.join(names)})")
        lines.append(f"dumpconv: verify: of {len(compared)} tables, {'; '.join(parts)}{tail}")
        return lines


class Checker:
    """Receives the script's COPY blocks (``script.Tables``) and compares each table."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.verdict = Verdict()
        self.seen: set[tuple[str, str]] = set()
        self._table: tuple[str, Relation, CopyTarget] | None = None
        self._copy: psycopg.Copy | None = None

    def begin(self, target: CopyTarget) -> None:
        name = _shown(target.schema, target.table)
        self.seen.add((target.schema, target.table))
        rel = self.session.relation(target.schema, target.table)
        if rel is None:
            self.verdict.tables.append(TableResult(name, "missing"))
            return
        absent = [c for c in target.columns if c not in rel.columns]
        if absent:
            detail = f"columns missing in PostgreSQL: {', '.join(absent)}"
            self.verdict.tables.append(TableResult(name, "failed", details=(detail,)))
            return
        self.session.stage(rel, target.columns)
        self._table = (name, rel, target)
        self._copy = self.session.copy(target)

    def rows(self, data: bytes) -> None:
        if self._copy is None:
            return
        try:
            self._copy.write(data)
        except psycopg.Error as e:
            self.session.abandon(e)
            self._failed(self._name(), "the source's rows do not load into its columns", e)

    def end(self) -> None:
        if self._copy is None:
            self._table = None
            return
        self._copy = None
        try:
            self.session.staged()
        except psycopg.Error as e:
            self._failed(self._name(), "the source's rows do not load into its columns", e)
            return
        assert self._table is not None
        name, rel, target = self._table
        self._table = None
        self._compare(name, rel, target.columns)

    def _compare(self, name: str, rel: Relation, columns: tuple[str, ...]) -> None:
        try:
            counts, details = compare(self.session, rel, columns)
        except psycopg.Error as e:  # no right to read it, a type without text...
            self._failed(name, "it cannot be read", e)
            return
        self.session.drop()
        state = "differs" if details else "ok"
        self.verdict.tables.append(TableResult(name, state, counts.source, tuple(details)))

    def _name(self) -> str:
        assert self._table is not None
        return self._table[0]

    def _failed(self, name: str, what: str, error: psycopg.Error) -> None:
        """The table cannot be compared: the source's rows do not load into its columns
        (the wrong options?), or it cannot be read."""
        self._copy = None
        self._table = None
        self.session.drop()
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        detail = f"{what}: {first}"
        self.verdict.tables.append(TableResult(name, "failed", details=(detail,)))

    def stop(self) -> None:
        """The conversion failed inside a table's rows: end its COPY."""
        if self._copy is not None:
            self.session.abandon(DumpconvError("the conversion failed"))
            self._copy = None

    def rest(self, report: Report, options: Options) -> None:
        """After the script: tables whose rows are not loaded (--exclude-table-data) are
        said to be skipped; a created table the source holds no rows of must be empty."""
        for name, counts in report.tables.items():
            if counts.skipped:
                continue
            if fold(name) in options.exclude_data:
                shown = counts.pg_name or name
                self.verdict.tables.append(TableResult(shown, "skipped", counts.rows))
                continue
            where = (options.namespace, counts.pg_name or "")
            if counts.pg_name is None or counts.rows or where in self.seen:
                continue
            rel = self.session.relation(*where)
            if rel is None:
                self.verdict.tables.append(TableResult(_shown(*where), "missing"))
                continue
            self.session.stage(rel, tuple(rel.columns))
            self._compare(_shown(*where), rel, tuple(rel.columns))


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _shown(schema: str, table: str) -> str:
    return table if schema == SCHEMA else f"{schema}.{table}"


def verify(session: Session, run: Callable[[BinaryIO], Report], options: Options) -> Verdict:
    """Compare what PostgreSQL holds with the conversion ``run`` writes (into the stream it
    is given, with ``options``); the session is rolled back and closed.

    Raises:
        DumpconvError: the conversion failed (its message), or a comparison query did.
    """
    checker = Checker(session)
    tap = ScriptTap(checker)
    try:
        report = run(cast(BinaryIO, tap))
        if tap.inside_rows:
            raise DumpconvError("the script ended inside a table's rows")
        checker.rest(report, options)
    except BaseException:
        checker.stop()
        raise
    finally:
        session.close()
    return checker.verdict
