"""Diagnostics and counts of one conversion. Never prints: the CLI renders it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from dumpconv.base.safetext import json_safe, printable
from dumpconv.base.version import VERSION

# The JSON report's shape, described by dumpconv/report.schema.json: the version goes up
# whenever that shape changes (tests/base/test_report_schema.py holds them together).
REPORT_FORMAT = "dumpconv-report"
REPORT_VERSION = 1


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    LOSSY = "lossy"  # a value or a definition changed; --strict refuses these
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One decision or problem, tied to the input line it came from.

    ``code`` is a stable kebab-case name users and tests can grep for.
    """

    line: int | None
    code: str
    severity: Severity
    message: str
    hint: str | None = None

    def render(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        tail = f" ({self.hint})" if self.hint else ""
        # Names and values from the input are shown escaped: a report goes to terminals.
        return printable(f"{self.severity.value}: {where}{self.message} [{self.code}]{tail}")


@dataclass(frozen=True, slots=True)
class ColumnChoice:
    """One column as decided: its SQLite name and declared type, its PostgreSQL name and type."""

    name: str
    declared: str
    pg_name: str
    type: str


@dataclass(slots=True)
class TableCounts:
    """One table of the dump: its rows, and once its types are decided, its columns.

    ``pg_name`` stays None for a table that is not created (skipped, or loaded into an
    existing schema with --target-schema, where its columns are not chosen here)."""

    rows: int = 0
    skipped: bool = False
    pg_name: str | None = None
    columns: list[ColumnChoice] = field(default_factory=list)

    def render(self, name: str) -> str:
        """One line of ``dumpconv check``: the table, its rows and its columns' types."""
        if self.skipped:
            return printable(f"table {name}: skipped")
        shown = ", ".join(
            f"{c.pg_name} {c.type}"
            if c.declared.lower() == c.type
            else f"{c.pg_name} {c.declared or 'untyped'} → {c.type}"
            for c in self.columns
        )
        into = f" → {self.pg_name}" if self.pg_name not in (None, name) else ""
        return printable(f"table {name}{into}: {self.rows} rows" + (f"; {shown}" if shown else ""))


@dataclass
class Report:
    """What a conversion did: rows per table and every diagnostic, in input order."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    tables: dict[str, TableCounts] = field(default_factory=dict)
    statements: int = 0
    input_bytes: int = 0

    def add(
        self,
        code: str,
        severity: Severity,
        message: str,
        *,
        line: int | None = None,
        hint: str | None = None,
    ) -> Diagnostic:
        diag = Diagnostic(line, code, severity, message, hint)
        self.diagnostics.append(diag)
        return diag

    @property
    def lossy(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.LOSSY]

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    def summary(self) -> str:
        loaded = [t for t in self.tables.values() if not t.skipped]
        return (
            f"{len(loaded)} tables, {self.total_rows} rows, "
            f"{len(self.diagnostics)} notes ({len(self.lossy)} lossy)"
        )

    def render_text(self, tables: bool = False) -> str:
        """The diagnostics and the summary; with ``tables``, first a line per table."""
        lines = [t.render(name) for name, t in self.tables.items()] if tables else []
        lines += [d.render() for d in self.diagnostics]
        lines.append(f"dumpconv: {self.summary()}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        doc = {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "dumpconv": VERSION,
            "summary": {
                "tables": len([t for t in self.tables.values() if not t.skipped]),
                "rows": self.total_rows,
                "notes": len(self.diagnostics),
                "lossy": len(self.lossy),
            },
            "statements": self.statements,
            "input_bytes": self.input_bytes,
            "tables": {name: asdict(c) for name, c in self.tables.items()},
            "diagnostics": [{**asdict(d), "severity": d.severity.value} for d in self.diagnostics],
        }
        return json_safe(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"
