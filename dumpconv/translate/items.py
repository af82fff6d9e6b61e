"""What translation hands the pipeline: notes above a table, the CREATE TABLE, and the
post-data items (one statement each, or a comment saying what was left out and why).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dumpconv.base.pgsql import EXTENSION_SCHEMA
from dumpconv.base.report import Severity
from dumpconv.read.schema import Table


@dataclass(frozen=True, slots=True)
class Note:
    """A comment above CREATE TABLE; ``severity`` None when the report has it already."""

    text: str
    severity: Severity | None = Severity.INFO

    def __str__(self) -> str:
        return self.text


@dataclass(slots=True)
class TableDDL:
    """What the output needs to create one table and, after its data, the rest."""

    create: str
    post: list[PostItem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # shown as comments above CREATE TABLE
    extensions: set[str] = field(default_factory=set)  # what its types need (citext)


def case_insensitive(collate: str | None, pg_type: str) -> bool:
    """Whether a column is created as ``public.citext``: text (or varchar) that SQLite
    compares with COLLATE NOCASE, so that =, LIKE, ORDER BY and uniqueness stay
    case-insensitive."""
    return (collate or "").upper() == "NOCASE" and (
        pg_type == "text" or pg_type.startswith("varchar(")
    )


#: The type a case-insensitive column gets (the citext extension, trusted since PG 13).
CITEXT = f"{EXTENSION_SCHEMA}.citext"


def is_text_type(pg_type: str) -> bool:
    """Whether a chosen PostgreSQL type holds text as SQLite wrote it (text, varchar(n),
    citext): its value is its text, with no cast or other spelling."""
    return pg_type in ("text", CITEXT) or pg_type.startswith("varchar")


@dataclass(frozen=True, slots=True)
class PostItem:
    """One post-data statement; ``guard`` names it when a failure must only warn.

    ``sql`` is one statement of ``kind`` (a ``pgcheck.KINDS`` key), or empty when the object
    is only described; ``comments`` are shown above it (escaped by the writer).
    """

    sql: str
    # -2 columns widened, -1 generated columns, 0 keys, 1 indexes, 2 foreign keys, 3 checks,
    # 4 expression defaults, 5 views, 6 objects only described
    order: int
    kind: str = "alter-table"
    guard: str | None = None
    fk_fallback: str | None = None  # the NOT VALID form of a foreign key
    left_out: str | None = None  # set when the object is only a comment: what and why
    changed: str | None = None  # set when it is created with a part of it dropped
    comments: tuple[str, ...] = ()
    # the view it creates, as a table whose columns are the view's (types unknown), for the
    # views and triggers built on it
    creates: Table | None = None


def left_out(what: str, why: str, sql: str, order: int) -> PostItem:
    """An object that is not created: a comment in the output, a line in the report."""
    comments = (f"dumpconv: {what} not created: {why}", *((f"  {sql}",) if sql else ()))
    return PostItem("", order, left_out=f"{what} not created: {why}", comments=comments)


# Types whose input may map two different SQLite values to one PostgreSQL value (1 and 't'
# are both true; two spellings of one instant, of one JSON document, of one UUID). A key
# that SQLite held unique may then collide, so it is only created under a guard.
MERGING_TYPES = frozenset({"boolean", "timestamp", "timestamptz", "date", "time", "jsonb", "uuid"})
