"""Diagnostics and counts of one conversion. Never prints: the CLI renders it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from dumpconv.base.safetext import json_safe, printable


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


@dataclass(slots=True)
class TableCounts:
    rows: int = 0
    skipped: bool = False


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

    def render_text(self) -> str:
        lines = [d.render() for d in self.diagnostics]
        lines.append(f"dumpconv: {self.summary()}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        doc = {
            "statements": self.statements,
            "input_bytes": self.input_bytes,
            "tables": {name: asdict(c) for name, c in self.tables.items()},
            "diagnostics": [{**asdict(d), "severity": d.severity.value} for d in self.diagnostics],
        }
        return json_safe(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"
