"""What the stages of one conversion share: the tables read so far, their rows' logs, and
the plan made from them."""

from __future__ import annotations

from dataclasses import dataclass, field

from dumpconv import translate
from dumpconv.base.report import Report
from dumpconv.decide.casts import Cast
from dumpconv.decide.stats import TableStats
from dumpconv.decide.typemap import (
    Decision,
)
from dumpconv.pipeline.options import Options
from dumpconv.pipeline.selection import Selection
from dumpconv.read.classify import Kind
from dumpconv.read.fts import FullText
from dumpconv.read.rows import Batch
from dumpconv.read.schema import Schema, Table
from dumpconv.read.sqlitefloat import SqliteReals
from dumpconv.write.spool import Recode, Spool

# PostgreSQL's limit on the columns of a table.
MAX_COLUMNS = 1600


# Per-column cap on the runs of input lines listed for changed values; the rest are counted.
MAX_LINE_RUNS = 1000


# Per-table cap on diagnostics about single values; the rest are counted.
MAX_VALUE_NOTES = 10


ROWID_NAMES = {"rowid", "_rowid_", "oid"}


@dataclass
class TableState:
    table: Table
    stats: TableStats
    casts: list[Cast | None] = field(default_factory=list)  # per INSERT column
    # Text values PostgreSQL cannot store as they are, changed on the way out under their
    # policy unless the column is bytea: not valid UTF-8, or holding NUL.
    bad_utf8: CellLog = field(default_factory=lambda: CellLog())
    nul: CellLog = field(default_factory=lambda: CellLog())
    in_place: set[str] = field(default_factory=set)  # generated columns created in place
    complete: bool = False  # a later statement ended its rows: it was planned and written

    @property
    def replaced(self) -> set[int]:
        """Columns some of whose values change (so distinct values may become equal)."""
        return set(self.bad_utf8.counts) | set(self.nul.counts)


@dataclass
class CellLog:
    """Values of one kind, by column: how many, and their input lines as runs
    (``[first, last]``), the first MAX_LINE_RUNS runs of each column."""

    counts: dict[int, int] = field(default_factory=dict)
    runs: dict[int, list[list[int]]] = field(default_factory=dict)
    listed: dict[int, int] = field(default_factory=dict)  # values whose line is in runs

    def add(self, batch: Batch, cells: list[tuple[int, int]]) -> None:
        for r, c in cells:
            self.counts[c] = self.counts.get(c, 0) + 1
            line = batch.line_of(r)
            runs = self.runs.setdefault(c, [])
            if runs and runs[-1][1] >= line - 1:
                runs[-1][1] = max(runs[-1][1], line)
            elif len(runs) < MAX_LINE_RUNS:
                runs.append([line, line])
            else:
                continue
            self.listed[c] = self.listed.get(c, 0) + 1

    def where(self, c: int) -> str:
        """The input lines of column ``c``'s values, for the report."""
        shown = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in self.runs[c])
        more = self.counts[c] - self.listed[c]
        return f"input line{'s' if self.counts[c] > 1 else ''} {shown}" + (
            f", and {more} more values" if more else ""
        )


@dataclass
class TablePlan:
    state: TableState
    create: str
    notes: list[str]
    reencode: dict[int, Recode]
    setval: tuple[str, int | None] | None
    resync: int | None = None  # data-only: move existing sequences past the data and this
    target: TargetLoad | None = None  # --target-schema: where the rows go
    left_out: bool = False  # its rows are not loaded (a derived table, rebuilt by the app)


@dataclass
class TargetLoad:
    """Where one table's rows go in the --target-schema database."""

    table: str  # the target table's name
    columns: list[str]  # the target columns filled, in COPY order
    keep: list[int]  # the INSERT columns they come from
    setvals: list[tuple[str, int | None]]  # columns with a sequence, and the largest value


@dataclass
class TargetPlan:
    """The frame of a load into an existing schema."""

    schema: str
    deferred: list[tuple[str, str]]  # (table, foreign key) made deferrable for the load
    emptied: list[str]  # the tables emptied first (--existing-rows replace)
    disable_triggers: bool


@dataclass
class Plan:
    decisions: dict[str, dict[str, Decision]] = field(default_factory=dict)
    types: dict[tuple[str, str], str] = field(default_factory=dict)
    unsafe: set[tuple[str, str]] = field(default_factory=set)
    tables: list[TablePlan] = field(default_factory=list)
    post: list[translate.PostItem] = field(default_factory=list)
    target: TargetPlan | None = None
    extensions: set[str] = field(default_factory=set)  # created after BEGIN (citext)


@dataclass
class Conversion:
    """The state of one conversion: filled by the intake, read by the planner and the
    writer."""

    options: Options
    spool: Spool
    report: Report = field(default_factory=Report)
    # The names in use, in the schema the objects are created in (--schema, or the one
    # --target-schema loads into), and the tables --include / --exclude convert.
    schema: Schema = field(init=False)
    selection: Selection = field(init=False)
    tables: dict[str, TableState] = field(default_factory=dict)  # in CREATE order
    skipped: dict[str, str] = field(default_factory=dict)  # table key → why (vtab, shadow…)
    virtual: list[tuple[str, str, int]] = field(default_factory=list)  # name, sql, line
    fulltext: dict[str, FullText] = field(default_factory=dict)  # FTS tables, by SQLite key
    deferred: list[tuple[Kind, str, int]] = field(default_factory=list)  # indexes, views…
    sequences: dict[str, int] = field(default_factory=dict)
    began: bool = False
    committed: bool = False
    last_line: int = 0
    # Set once the dump shows it was written with quote() (iterdump): reals are then read
    # as SQLite reads them (sqlitefloat).
    reals: SqliteReals | None = None
    incomplete: bool = False  # --allow-incomplete let a dump with errors through
    used_casts: set[Cast] = field(default_factory=set)
    data_only: bool = False  # no CREATE TABLE: rows for tables that exist in PostgreSQL
    framework: str | None = None  # the framework whose types columns get (decide.frameworks)

    def __post_init__(self) -> None:
        self.schema = Schema(self.options.namespace)
        self.selection = Selection(self.options.include, self.options.exclude)
