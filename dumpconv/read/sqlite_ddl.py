"""Read SQLite CREATE TABLE / CREATE INDEX text into the schema model.

A small recursive reader over ``lexer`` tokens: structure (names, declared types, keys,
constraints) is understood here; expressions (DEFAULT, CHECK, generated columns, index
expressions, WHERE clauses) are kept as their SQL text for ``translate``. Anything this
reader does not understand is a gap to report, never something to guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dumpconv.base.pgsql import valid_text
from dumpconv.read.cursor import Cursor
from dumpconv.read.lexer import Tok, Token
from dumpconv.read.schema import (
    CheckConstraint,
    Column,
    ForeignKey,
    Schema,
    Table,
    UniqueKey,
    affinity,
    fold,
    pg_name,
)

# Words that end a type name and start a column constraint.
_CONSTRAINT_START = {
    "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE",
    "REFERENCES", "GENERATED", "AS",
}  # fmt: skip


_TABLE_CONSTRAINT_START = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}


def _skip_conflict(cur: Cursor) -> str | None:
    if cur.at_word("ON") and cur.peek(1) is not None and cur.peek(1).is_word("CONFLICT"):  # type: ignore[union-attr]
        cur.i += 2
        return cur.next().upper
    return None


@dataclass
class _ColumnKey:
    column: str
    desc: bool
    autoincrement: bool
    conflict: str | None
    name: str | None


def parse_create_table(text: str, line: int, schema: Schema) -> Table:
    """Read a CREATE TABLE statement (its text as SQLite stored it, plus ';').

    Args:
        text: the statement.
        line: its input line, for messages.
        schema: the schema so far, used to reserve a unique PostgreSQL name.

    Returns:
        The table, not yet added to ``schema``.
    """
    cur = Cursor(text, line)
    cur.expect_word("CREATE")
    cur.accept_word("TEMP", "TEMPORARY")
    cur.expect_word("TABLE")
    name, quoted = cur.created_name()
    if cur.at_word("AS"):
        raise cur.error("CREATE TABLE … AS SELECT has no column list")
    cur.expect_op("(")

    columns: list[Column] = []
    keys: list[UniqueKey] = []
    fks: list[ForeignKey] = []
    checks: list[CheckConstraint] = []
    dropped: list[str] = []
    col_pk: _ColumnKey | None = None
    autoincrement = False

    while True:
        tok = cur.peek()
        if tok is None:
            raise cur.error("the column list is not closed")
        if tok.kind is Tok.WORD and tok.upper in _TABLE_CONSTRAINT_START:
            autoincrement |= _table_constraint(cur, keys, fks, checks, dropped)
        else:
            column, pk = _column(cur, keys, fks, dropped)
            columns.append(column)
            if pk is not None:
                col_pk = pk
        if cur.at_op(","):
            cur.i += 1
            continue
        cur.expect_op(")")
        break

    without_rowid = strict = False
    while cur.peek() is not None:
        if cur.at_op(",") or cur.at_op(";"):
            cur.i += 1
        elif cur.accept_word("WITHOUT"):
            cur.expect_word("ROWID")
            without_rowid = True
            dropped.append("WITHOUT ROWID")
        elif cur.accept_word("STRICT"):
            strict = True
            dropped.append("STRICT")
        else:
            raise cur.error("unexpected text after the column list")

    if col_pk is not None:
        keys.insert(
            0,
            UniqueKey((col_pk.column,), True, col_pk.name, col_pk.conflict, (col_pk.desc,)),
        )
        autoincrement |= col_pk.autoincrement

    renamed = _dedupe_pg_names(columns)
    wanted = valid_text(name if quoted else fold(name))
    pg = schema.claim_table(pg_name(name, quoted))
    if pg != wanted:
        renamed.insert(0, f"table {name} is named {pg} (PostgreSQL names have at most 63 bytes, "
                          "are never empty, and must differ)")  # fmt: skip
    table = Table(
        name=name,
        pg=pg,
        columns=columns,
        line=line,
        keys=keys,
        foreign_keys=fks,
        checks=checks,
        without_rowid=without_rowid,
        strict=strict,
        autoincrement=autoincrement,
        dropped=dropped,
        renamed=renamed,
    )
    table.rowid_alias = _rowid_alias(table, col_pk)
    return table


def _rowid_alias(table: Table, col_pk: _ColumnKey | None) -> str | None:
    """The INTEGER PRIMARY KEY column that aliases the rowid, if any.

    Only a declared type of exactly INTEGER counts (not INT, not INTEGER(11)), and a
    column-level PRIMARY KEY DESC does not (https://www.sqlite.org/lang_createtable.html#rowid).
    """
    pk = table.primary_key
    if table.without_rowid or pk is None or len(pk.columns) != 1:
        return None
    column = table.column(pk.columns[0])
    if column is None or column.declared.upper() != "INTEGER":
        return None
    if col_pk is not None and col_pk.desc:
        return None
    return column.name


# Names PostgreSQL gives every table's system columns: a user column cannot have them.
# (oid is free again since PostgreSQL 12, the oldest that matters here being 13.)
_SYSTEM_COLUMNS = frozenset({"xmin", "xmax", "cmin", "cmax", "ctid", "tableoid"})


def _dedupe_pg_names(columns: list[Column]) -> list[str]:
    """Make column names unique after truncation; say which ones changed."""
    seen = set(_SYSTEM_COLUMNS)
    notes = []
    for col in columns:
        base = col.pg
        n = 1
        while col.pg in seen:
            suffix = f"_{n}"
            col.pg = base.encode()[: 63 - len(suffix)].decode("utf-8", "ignore") + suffix
            n += 1
        seen.add(col.pg)
        if col.pg.encode() != col.wanted.encode():
            why = (
                "a PostgreSQL system column has that name"
                if col.wanted in _SYSTEM_COLUMNS
                else "PostgreSQL names have at most 63 bytes and must differ"
            )
            notes.append(f"column {col.name} is named {col.pg} ({why})")
    return notes


def _column(
    cur: Cursor, keys: list[UniqueKey], fks: list[ForeignKey], dropped: list[str]
) -> tuple[Column, _ColumnKey | None]:
    name, quoted = cur.name()
    type_start = cur.peek()
    type_end: Token | None = None
    while True:
        tok = cur.peek()
        if tok is None or tok.kind is Tok.OP:
            break
        if tok.kind is Tok.WORD and tok.upper in _CONSTRAINT_START:
            break
        if tok.kind not in (Tok.WORD, Tok.IDENT, Tok.STRING):
            break
        type_end = cur.next()
    if type_end is not None and cur.at_op("("):
        cur.parenthesized()
        type_end = cur.toks[cur.i - 1]
    declared = ""
    if type_end is not None and type_start is not None:
        # A quoted word in a type name ("integer", [VARCHAR]) counts without its quotes.
        start, end = type_start.pos, type_end.pos + len(type_end.text)
        raw = cur.text[start:end]
        words = cur.toks[cur.toks.index(type_start) : cur.toks.index(type_end) + 1]
        for t in reversed(words):
            if t.kind in (Tok.IDENT, Tok.STRING):
                raw = raw[: t.pos - start] + t.value + raw[t.pos - start + len(t.text) :]
        declared = " ".join(raw.split())

    column = Column(name=name, pg=pg_name(name, quoted), declared=declared,
                    affinity=affinity(declared),
                    wanted=valid_text(name if quoted else fold(name)))  # fmt: skip
    pk: _ColumnKey | None = None
    cname: str | None = None
    while True:
        tok = cur.peek()
        if tok is None or (tok.kind is Tok.OP and tok.text in ",)"):
            break
        if cur.accept_word("CONSTRAINT"):
            cname = cur.name()[0]
            continue
        if cur.accept_word("PRIMARY"):
            cur.expect_word("KEY")
            desc = False
            if cur.at_word("ASC", "DESC"):
                desc = cur.next().upper == "DESC"
            conflict = _skip_conflict(cur)
            auto = cur.accept_word("AUTOINCREMENT")
            pk = _ColumnKey(name, desc, auto, conflict, cname)
        elif cur.accept_word("NOT"):
            cur.expect_word("NULL")
            column.not_null = True
            if (conflict := _skip_conflict(cur)) is not None:
                dropped.append(f"NOT NULL ON CONFLICT {conflict} ({name})")
        elif cur.accept_word("NULL"):
            _skip_conflict(cur)
        elif cur.accept_word("UNIQUE"):
            conflict = _skip_conflict(cur)
            keys.append(UniqueKey((name,), False, cname, conflict))
        elif cur.accept_word("CHECK"):
            column.checks.append(CheckConstraint(cur.parenthesized(), cname))
        elif cur.accept_word("DEFAULT"):
            column.default = _default(cur)
        elif cur.accept_word("COLLATE"):
            column.collate = cur.name()[0]
        elif cur.at_word("REFERENCES"):
            fks.append(_references(cur, (name,), cname))
        elif cur.at_word("GENERATED", "AS"):
            if cur.accept_word("GENERATED"):
                cur.expect_word("ALWAYS")
            cur.expect_word("AS")
            column.generated = cur.parenthesized()
            if cur.at_word("STORED", "VIRTUAL"):
                column.generated_stored = cur.next().upper == "STORED"
        else:
            raise cur.error(f"unknown clause in the definition of column {name!r}")
        cname = None
    return column, pk


def _default(cur: Cursor) -> str:
    """The DEFAULT value as SQL text: a literal, a signed number, ``(expr)`` or a word."""
    if cur.at_op("("):
        return "(" + cur.parenthesized() + ")"
    tok = cur.next()
    if tok.kind is Tok.OP and tok.text in "+-":
        num = cur.next()
        return ("-" if tok.text == "-" else "") + num.text
    return tok.text


def _references(cur: Cursor, columns: tuple[str, ...], cname: str | None) -> ForeignKey:
    line = cur.line
    cur.expect_word("REFERENCES")
    ref_table = cur.name()[0]
    ref_cols: tuple[str, ...] = ()
    if cur.at_op("("):
        cur.next()
        names = [cur.name()[0]]
        while cur.at_op(","):
            cur.next()
            names.append(cur.name()[0])
        cur.expect_op(")")
        ref_cols = tuple(names)
    actions: list[str] = []
    while True:
        if cur.at_word("ON"):
            cur.next()
            event = cur.expect_word("DELETE", "UPDATE").upper
            if cur.accept_word("SET"):
                what = "SET " + cur.expect_word("NULL", "DEFAULT").upper
            elif cur.accept_word("NO"):
                cur.expect_word("ACTION")
                what = "NO ACTION"
            else:
                what = cur.expect_word("CASCADE", "RESTRICT").upper
            actions.append(f"ON {event} {what}")
        elif cur.accept_word("MATCH"):
            cur.next()  # SQLite parses MATCH and ignores it; so does dumpconv
        elif cur.at_word("NOT") and cur.peek(1) is not None and cur.peek(1).is_word("DEFERRABLE"):  # type: ignore[union-attr]
            cur.i += 2
            actions.append("NOT DEFERRABLE")
            _initially(cur, actions)
        elif cur.accept_word("DEFERRABLE"):
            actions.append("DEFERRABLE")
            _initially(cur, actions)
        else:
            break
    return ForeignKey(columns, ref_table, ref_cols, " ".join(actions), cname, line)


def _initially(cur: Cursor, actions: list[str]) -> None:
    if cur.accept_word("INITIALLY"):
        actions.append("INITIALLY " + cur.expect_word("DEFERRED", "IMMEDIATE").upper)


def _indexed_columns(cur: Cursor) -> list[_ColumnKey]:
    cur.expect_op("(")
    out: list[_ColumnKey] = []
    while True:
        name = cur.name()[0]
        desc = auto = False
        while True:
            if cur.accept_word("COLLATE"):
                cur.name()
            elif cur.at_word("ASC", "DESC"):
                desc = cur.next().upper == "DESC"
            elif cur.accept_word("AUTOINCREMENT"):
                auto = True
            else:
                break
        out.append(_ColumnKey(name, desc, auto, None, None))
        if cur.at_op(","):
            cur.next()
            continue
        cur.expect_op(")")
        return out


def _table_constraint(
    cur: Cursor,
    keys: list[UniqueKey],
    fks: list[ForeignKey],
    checks: list[CheckConstraint],
    dropped: list[str],
) -> bool:
    """Read one table constraint; return True when it declares AUTOINCREMENT."""
    cname = cur.name()[0] if cur.accept_word("CONSTRAINT") else None
    if cur.accept_word("PRIMARY", "UNIQUE"):
        primary = cur.toks[cur.i - 1].upper == "PRIMARY"
        if primary:
            cur.expect_word("KEY")
        cols = _indexed_columns(cur)
        conflict = _skip_conflict(cur)
        key = UniqueKey(
            tuple(c.column for c in cols), primary, cname, conflict, tuple(c.desc for c in cols)
        )
        if primary:
            keys.insert(0, key)
        else:
            keys.append(key)
        return any(c.autoincrement for c in cols)
    if cur.accept_word("CHECK"):
        checks.append(CheckConstraint(cur.parenthesized(), cname))
        _skip_conflict(cur)
        return False
    if cur.accept_word("FOREIGN"):
        cur.expect_word("KEY")
        cols = _indexed_columns(cur)
        fks.append(_references(cur, tuple(c.column for c in cols), cname))
        return False
    raise cur.error("unknown table constraint")


_JSON_CHECK = re.compile(
    r"""\(*\s*json_valid\s*\(\s*(?P<q>["`\[]?)(?P<col>[^"`\]\s()]+)[\]"`]?\s*\)\s*"""
    r"""(?:or\s+(?P=q)?(?P=col)[\]"`]?\s+is\s+null\s*)?\)*""",
    re.IGNORECASE,
)


def json_checked_column(check: str) -> str | None:
    """The column of a ``CHECK (JSON_VALID(col) [OR col IS NULL])`` (Django's JSONField)."""
    m = _JSON_CHECK.fullmatch(check.strip())
    return m.group("col") if m else None
