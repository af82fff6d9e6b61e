"""The tables of the dump as they are declared: CREATE TABLE, virtual tables and their
storage, tables known only from their rows (data-only dumps)."""

from __future__ import annotations

from dumpconv.base.errors import DumpconvError, TranslateError
from dumpconv.base.pgsql import valid_text
from dumpconv.base.report import Severity, TableCounts
from dumpconv.decide.casts import Cast
from dumpconv.decide.frameworks import MARKERS, NAMES, RULES, derived_of, detect, framework_cast
from dumpconv.decide.stats import TableStats
from dumpconv.decide.target import target_cast
from dumpconv.decide.typemap import (
    Cat,
    Declared,
    declared,
)
from dumpconv.pipeline.fulltext import fulltext_rows, fulltext_said, holds_rows
from dumpconv.pipeline.state import (
    MAX_COLUMNS,
    ROWID_NAMES,
    Conversion,
    TableState,
)
from dumpconv.read.cursor import Cursor
from dumpconv.read.fts import read_fulltext
from dumpconv.read.rows import Insert
from dumpconv.read.schema import Affinity, Column, Table, fold, pg_name
from dumpconv.read.sqlite_ddl import json_checked_column, parse_create_table


class Catalog:
    """Declares the tables of one conversion into its state."""

    def __init__(self, st: Conversion) -> None:
        self.st = st

    def create_table(self, text: str, line: int) -> None:
        table = parse_create_table(text, line, self.st.schema)
        if self.st.data_only and not table.key.startswith("sqlite_"):
            raise TranslateError(
                f"CREATE TABLE {table.name} comes after rows for tables it never created",
                line,
                "convert either a whole dump or a --data-only dump, not a mix",
            )
        key = table.key
        if key.startswith("sqlite_"):
            return  # sqlite_sequence / sqlite_stat1 recreated by 3.51+ dumps
        vtab = self.shadow_of(table.name)
        if vtab is not None and self.st.schema.is_left_out(vtab):
            self.st.skipped[key] = f"table {table.name}: storage of {vtab}, left out"
            return
        if vtab is None and _left_out(self.st, table, line):
            return
        fts = self.st.fulltext.get(fold(vtab)) if vtab is not None else None
        if vtab is not None and fts is not None and holds_rows(fts, table):
            fulltext_rows(self.st, fts, table, line)
        elif vtab is not None:
            self.st.skipped[key] = (
                f"table {table.name} (line {line}): storage of virtual table {vtab}"
            )
            derived = derived_of(self.st.framework, fold(vtab)) is not None
            self.st.report.add(
                "virtual-table-skipped",
                Severity.INFO if derived or fts is not None else Severity.WARNING,
                f"table {table.name} is internal storage of virtual table {vtab}; skipped",
                line=line,
            )  # fmt: skip
            return
        if key in self.st.tables:
            raise TranslateError(f"table {table.name} is created twice", line)
        if len(table.columns) > MAX_COLUMNS:
            raise TranslateError(
                f"table {table.name} has {len(table.columns)} columns; PostgreSQL tables have "
                f"at most {MAX_COLUMNS}",
                line,
                "split the table in SQLite before converting",
            )
        self.st.schema.add(table)
        # A text column whose CHECK requires valid JSON holds JSON (Django's JSONField).
        json_cols = {
            fold(name)
            for check in [*table.checks, *(c for col in table.columns for c in col.checks)]
            if (name := json_checked_column(check.expr)) is not None
        }
        _framework(self.st, table)
        casts = [self._cast_for(table, c) for c in table.insert_columns]
        for cast, col in zip(casts, table.insert_columns, strict=True):
            if cast is not None and cast.origin is None and not cast.target:
                self.st.used_casts.add(cast)
                if col.name == table.rowid_alias and cast.pg_type not in ("bigint", "integer"):
                    raise DumpconvError(
                        f"--cast {cast.text}: {table.name}.{col.name} is the table's INTEGER "
                        "PRIMARY KEY, an identity column: it can only be bigint",
                        line,
                        "leave this column out of the cast",
                    )
        decl = [
            cast.declared_as if cast is not None
            else Declared(Cat.JSON) if c.key in json_cols else declared(c.declared)
            for c, cast in zip(table.insert_columns, casts, strict=True)
        ]  # fmt: skip
        self.st.tables[key] = TableState(table, TableStats(decl), casts)
        self.st.report.tables[table.name] = TableCounts()

    def _cast_for(self, table: Table, col: Column) -> Cast | None:
        """The user's cast for a column, else its framework's type for it."""
        cast = self.st.options.cast_for(table.name, col.name, col.declared)
        if cast is None and self.st.framework is not None:
            cast = framework_cast(self.st.framework, col.declared)
            if col.name == table.rowid_alias and cast and cast.pg_type not in ("integer",):
                cast = None  # the key stays an integer type
        target = self.st.options.target
        if target is None:
            return cast
        # Into an existing schema: the target column's type, numbers read as dates the way
        # the user's cast or the framework says.
        if cast is not None and cast.origin is None:
            self.st.used_casts.add(cast)
        found = target.table(table.name)
        column = found.column(col.name) if found is not None else None
        if column is None or column.generated:
            return None
        return target_cast(table.name, column, target, cast.transform if cast else None)

    def shadow_of(self, name: str) -> str | None:
        key = fold(name)
        for vname, _, _ in self.st.virtual:
            if any(key == f"{fold(vname)}_{suffix}" for suffix in _SHADOW_SUFFIXES):
                return vname
        return None

    def virtual_table(self, sql: str, line: int) -> None:
        name = _virtual_table_name(sql, line)
        self.st.virtual.append((name, sql, line))  # its storage tables are known by it
        if _left_out(self.st, Table(name, "", [], line), line, "virtual table"):
            return
        self.st.skipped[fold(name)] = "virtual table"
        fts = read_fulltext(sql, line)
        if fts is not None:
            self.st.fulltext[fold(name)] = fts
        found = derived_of(self.st.framework, fold(name))
        if found is not None:
            self.st.report.add(
                "virtual-table-skipped", Severity.INFO,
                f"virtual table {name} is the SQLite side of {found[1].what}: not needed on "
                f"PostgreSQL ({found[1].rebuild} fills the index again); skipped",
                line=line,
            )  # fmt: skip
            return
        if fts is not None and fts.content is None:
            return  # reported with its rows (_fulltext_rows)
        if fts is not None:
            where = f"the rows of {fts.content}" if fts.content else "no rows (contentless)"
            severity, index, hint = fulltext_said(self.st)
            if not fts.content:
                severity, index = Severity.LOSSY, "its full-text index is not recreated"
            self.st.report.add(
                "virtual-table-skipped", severity,
                f"virtual table {name} ({fts.module}) indexes {where}; {index}",
                line=line, hint=hint,
            )  # fmt: skip
            return
        self.st.report.add(
            "virtual-table-skipped", Severity.LOSSY,
            f"virtual table {name} has no PostgreSQL equivalent; skipped with its rows",
            line=line, hint="recreate it with PostgreSQL full-text search or an extension",
        )  # fmt: skip

    def external_table(self, first: Insert, quoted: bool, line: int) -> TableState | None:
        """A table known only from its rows: it must exist in PostgreSQL already. None when
        it is left out (--include / --exclude): its rows are skipped."""
        if valid_text(first.table) != first.table:
            self.invalid_utf8_definition(line)  # its name is looked up as U+FFFD
        if not self.st.data_only:
            self.st.data_only = True
            self.st.report.add(
                "data-only", Severity.WARNING,
                "the dump has rows but no CREATE TABLE (sqlite3 .dump --data-only): the "
                "output loads rows into tables that must already exist in PostgreSQL, with "
                "these columns in this order",
                line=line,
            )  # fmt: skip
        listed = list(first.columns or ())
        # --preserve-rowids lists the rowid first; it is not a column.
        names = listed[1:] if listed and fold(listed[0]) in ROWID_NAMES else listed
        if not listed:
            names = [f"column{i + 1}" for i in range(len(first.rows[0]) if first.rows else 0)]
        columns = [Column(name=n, pg="", declared="", affinity=Affinity.BLOB) for n in names]
        count = len(columns)
        table = Table(first.table, pg_name(first.table, quoted), columns, line, external=True)
        if _left_out(self.st, table, line):
            return None
        self.st.schema.add(table)
        state = TableState(table, TableStats([Declared(Cat.ANY)] * count))
        self.st.tables[table.key] = state
        self.st.report.tables[table.name] = TableCounts()
        return state

    def invalid_utf8_definition(self, line: int) -> None:
        """A CREATE statement with bytes that are not UTF-8 (names or literals): PostgreSQL
        cannot hold them; under the invalid-UTF-8 policy they become U+FFFD, reported."""
        if self.st.options.invalid_utf8 == "refuse":
            raise DumpconvError(
                "a definition holds names or text that are not valid UTF-8, which PostgreSQL "
                "cannot store",
                line,
                "rename the objects in SQLite, or convert with --invalid-utf8=replace (U+FFFD)",
            )
        self.st.report.add(
            "invalid-utf8-replaced", Severity.LOSSY,
            "a definition holds names or text that are not valid UTF-8; invalid bytes replaced "
            "by U+FFFD in the names and literals PostgreSQL gets",
            line=line,
        )  # fmt: skip


def _framework(st: Conversion, table: Table) -> None:
    """Set the framework from --framework, or from the tables seen so far."""
    chosen = st.options.framework
    if st.framework is not None or chosen == "none":
        return
    # Tables left out (--include / --exclude) still say which framework wrote the dump.
    seen = {*st.tables, *st.schema.left_out, table.key}
    found = chosen if chosen != "auto" else detect(seen)
    if found is None:
        return
    st.framework = found
    how = "--framework" if chosen != "auto" else f"its tables ({', '.join(MARKERS[found])})"
    name = NAMES[found]
    what = (
        "the target schema's types decide"
        if st.options.target is not None
        else f"from this table on, columns get the types {name} creates on PostgreSQL"
        if RULES.get(found)
        else f"dumpconv has no {name} types yet: the declared types decide"
    )
    st.report.add(
        "framework", Severity.INFO, f"the database was written by {name} ({how}): {what}",
        line=table.line, hint="--framework none keeps the declared types",
    )  # fmt: skip


def _left_out(st: Conversion, table: Table, line: int, what: str = "table") -> bool:
    """--include / --exclude: whether a table of the dump is left out; if it is, it is
    recorded (``Schema.left_out``: what refers to it is left out too) and reported."""
    selection = st.selection
    if selection.wants(table.name):
        return False
    _framework(st, table)
    why = selection.why(table.name)
    st.schema.left_out[table.key] = table.name
    st.skipped[table.key] = f"{what} {table.name} (line {line}): left out ({why})"
    st.report.add(
        "table-left-out", Severity.INFO,
        f"{what} {table.name} left out ({why}): not created, its rows not loaded",
        line=line,
    )  # fmt: skip
    return True


# Shadow tables by virtual-table module (sqlite-dump-format.md §3.5): a table X with all of
# a module's required shadows is that module's virtual table. Only the shadows that always
# hold rows are required: a data-only dump leaves out tables without rows.
_SHADOWS = {
    "fts5": (("data", "config"), ("idx", "content", "docsize")),
    "fts3/fts4": (("segdir",), ("segments", "content", "docsize", "stat")),
    "rtree": (("node", "rowid"), ("parent",)),
}


# Every storage table name a virtual table module makes ("NAME_suffix"): a table of the
# dump named so is storage, any other table is the application's.
_SHADOW_SUFFIXES = frozenset(s for parts in _SHADOWS.values() for group in parts for s in group)


def _virtual_table_name(sql: str, line: int) -> str:
    """The name a CREATE VIRTUAL TABLE gives, read by the lexer (it may hold any character)."""
    cur = Cursor(sql, line)
    try:
        for word in ("CREATE", "VIRTUAL", "TABLE"):
            cur.expect_word(word)
        return cur.created_name()[0]
    except TranslateError:
        raise TranslateError("cannot read the name of a virtual table", line) from None


def virtual_table_storage(names: dict[str, str]) -> dict[str, str]:
    """Among tables known only from their rows, the virtual tables and their storage."""
    found: dict[str, str] = {}
    for key, name in names.items():
        for module, (required, optional) in _SHADOWS.items():
            if all(f"{key}_{s}" in names for s in required):
                found[key] = f"{name} looks like a {module} virtual table"
                for suffix in (*required, *optional):
                    if f"{key}_{suffix}" in names:
                        found[f"{key}_{suffix}"] = f"storage of the {module} table {name}"
    return found
