"""The tables seen so far: columns, declared types, constraints and their PostgreSQL names.

No I/O and no parsing: ``sqlite_ddl`` fills it, every later stage reads it. Names resolve
ASCII-case-insensitively, as SQLite resolves them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum

from dumpconv.base.pgsql import SCHEMA, truncate_ident


class Affinity(Enum):
    """SQLite column affinity (https://www.sqlite.org/datatype3.html §3.1)."""

    INTEGER = "INTEGER"
    TEXT = "TEXT"
    BLOB = "BLOB"
    REAL = "REAL"
    NUMERIC = "NUMERIC"


def affinity(declared: str) -> Affinity:
    """Apply SQLite's five affinity rules, in their order, to a declared type name."""
    t = declared.upper()
    if "INT" in t:
        return Affinity.INTEGER
    if "CHAR" in t or "CLOB" in t or "TEXT" in t:
        return Affinity.TEXT
    if "BLOB" in t or not t.strip():
        return Affinity.BLOB
    if "REAL" in t or "FLOA" in t or "DOUB" in t:
        return Affinity.REAL
    return Affinity.NUMERIC


def fold(name: str) -> str:
    """SQLite's name comparison key: ASCII case folded, other characters kept."""
    return name.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def pg_name(name: str, quoted: bool) -> str:
    """The PostgreSQL name for a SQLite name: quoted names keep their case, bare ones fold.
    SQLite accepts an empty name ("") and PostgreSQL does not."""
    return truncate_ident(name if quoted else fold(name)) or "unnamed"


@dataclass(frozen=True, slots=True)
class ForeignKey:
    columns: tuple[str, ...]  # SQLite column names in this table
    ref_table: str  # as written
    ref_columns: tuple[str, ...]  # as written; empty = the parent's primary key
    actions: str  # ON DELETE/UPDATE, MATCH, DEFERRABLE clauses, normalised text
    name: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class CheckConstraint:
    expr: str  # SQL text inside CHECK ( … )
    name: str | None = None


@dataclass(slots=True)
class Column:
    name: str  # as SQLite stores it (unquoted)
    pg: str  # PostgreSQL identifier (unquoted)
    declared: str  # the declared type text, '' for none
    affinity: Affinity
    not_null: bool = False
    default: str | None = None  # SQL text of the DEFAULT expression
    collate: str | None = None
    generated: str | None = None  # SQL text of the generation expression
    generated_stored: bool = False
    hidden: bool = False
    checks: list[CheckConstraint] = field(default_factory=list)
    wanted: str = ""  # the PostgreSQL name before truncation to 63 bytes

    @property
    def key(self) -> str:
        return fold(self.name)


@dataclass(slots=True)
class UniqueKey:
    columns: tuple[str, ...]
    primary: bool
    name: str | None = None
    conflict: str | None = None  # ON CONFLICT clause SQLite had, reported and dropped
    desc: tuple[bool, ...] = ()


@dataclass
class Table:
    name: str  # as SQLite stores it
    pg: str  # PostgreSQL identifier (unquoted)
    columns: list[Column]
    line: int
    keys: list[UniqueKey] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    without_rowid: bool = False
    strict: bool = False
    rowid_alias: str | None = None  # column name of an INTEGER PRIMARY KEY
    autoincrement: bool = False
    dropped: list[str] = field(default_factory=list)  # clauses dropped, for the comment
    renamed: list[str] = field(default_factory=list)  # names PostgreSQL could not keep
    identity_sequence: str | None = None  # set when PostgreSQL's own name is taken
    external: bool = False  # known only from its rows (--data-only): it exists in PostgreSQL

    def __post_init__(self) -> None:
        self._by_key = {c.key: c for c in self.columns}

    @property
    def key(self) -> str:
        return fold(self.name)

    def column(self, name: str) -> Column | None:
        return self._by_key.get(fold(name))

    @property
    def insert_columns(self) -> list[Column]:
        """The columns an INSERT without a column list gives values for, in order."""
        return [c for c in self.columns if c.generated is None and not c.hidden]

    @property
    def primary_key(self) -> UniqueKey | None:
        return next((k for k in self.keys if k.primary), None)


class Schema:
    """Tables by their SQLite key (ASCII case folded), and the PostgreSQL names in use in
    ``namespace``, the PostgreSQL schema every relation is created in (``--schema``): the
    statements built from this model are qualified with it."""

    def __init__(self, namespace: str = SCHEMA) -> None:
        self.namespace = namespace
        self.tables: dict[str, Table] = {}
        # Tables of the dump not converted (--include / --exclude): SQLite key → name.
        self.left_out: dict[str, str] = {}
        self._relnames: set[str] = set()
        # Names given to identity sequences, and the tables they belong to.
        self._sequences: dict[str, Table] = {}
        # Sequences whose name a table read later took back: (their table, the old name).
        self.moved: list[tuple[Table, str]] = []

    def add(self, table: Table) -> None:
        self.tables[table.key] = table

    def get(self, name: str) -> Table | None:
        return self.tables.get(fold(name))

    def is_left_out(self, name: str) -> bool:
        """Whether ``name`` is a table of the dump left out by --include / --exclude."""
        return fold(name) in self.left_out

    @contextmanager
    def trial(self) -> Iterator[None]:
        """Names claimed inside are given back at the end (a plan made to be thrown away)."""
        kept = (set(self._relnames), dict(self._sequences), list(self.moved))
        try:
            yield
        finally:
            self._relnames, self._sequences, self.moved = kept

    def claim(self, wanted: str) -> str:
        """Reserve a PostgreSQL relation name (tables, indexes and constraints share one
        namespace), adding a suffix when the name, maybe truncated to 63 bytes, is taken."""
        name = truncate_ident(wanted)
        n = 1
        while name in self._relnames:
            suffix = f"_{n}"
            name = truncate_ident(wanted)
            while len((name + suffix).encode()) > 63:
                name = name[:-1]
            name += suffix
            n += 1
        self._relnames.add(name)
        return name

    def claim_sequence(self, wanted: str, table: Table) -> str:
        """Reserve a name for ``table``'s identity sequence; a table read later may take it
        back (:meth:`claim_table`)."""
        name = self.claim(wanted)
        self._sequences[name] = table
        return name

    def claim_table(self, wanted: str) -> str:
        """Reserve a table's name. Tables are named before anything else that shares their
        namespace, but tables are written as they are read: a table that wants the name an
        earlier table's identity sequence has takes it, and the sequence is listed in
        :attr:`moved` to be renamed before the table is created."""
        name = truncate_ident(wanted)
        owner = self._sequences.pop(name, None)
        if owner is None:
            return self.claim(wanted)
        self.moved.append((owner, name))
        return name
