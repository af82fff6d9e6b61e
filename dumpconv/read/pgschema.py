"""The schema of an existing PostgreSQL database, read from the file ``pg_dump --schema-only``
writes of it (``--target-schema``): its tables, their columns and types, what fills a column
the load leaves out (defaults, identities, sequences, generated columns), foreign keys and
triggers.

The file is read with PostgreSQL's own parser (``pglast``), offline. Nothing of it reaches
the output as text: the names it gives are quoted again by ``base.pgsql`` where they are
used, and its expressions (defaults, CHECKs, function bodies) are only noted as present.
Statements that say nothing about tables' columns (indexes, views, functions, grants,
comments) are parsed and passed over; psql's meta-commands (``\\restrict``, ``\\connect``),
which pg_dump writes between statements, are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pglast
from pglast import ast, enums

from dumpconv.base.errors import DumpconvError


@dataclass(slots=True)
class TargetColumn:
    name: str
    type_name: str  # the type's last name as the catalog spells it: int4, varchar, mood
    type_schema: str | None  # pg_catalog, or the schema of a user type (an enum)
    mods: tuple[int, ...] = ()  # varchar(n), numeric(p, s), timestamp(p)
    array: bool = False
    not_null: bool = False
    default: bool = False  # a DEFAULT (or a serial's nextval) fills it when left out
    identity: bool = False  # GENERATED … AS IDENTITY
    generated: bool = False  # GENERATED ALWAYS AS (…) STORED: PostgreSQL computes it
    sequence: bool = False  # owns a sequence (identity or serial): setval after the load

    @property
    def shown(self) -> str:
        """The type as a person reads it: varchar(100), numeric(10,2), text[]."""
        mods = f"({','.join(map(str, self.mods))})" if self.mods else ""
        return f"{self.type_name}{mods}{'[]' if self.array else ''}"


@dataclass(slots=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    deferrable: bool
    ref_columns: tuple[str, ...] = ()  # empty: the referenced table's primary key


@dataclass(slots=True)
class TargetTable:
    schema: str
    name: str
    line: int
    columns: list[TargetColumn] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)  # fired by INSERT or TRUNCATE
    primary_key: tuple[str, ...] = ()

    def column(self, name: str) -> TargetColumn | None:
        """The column named so, exactly or else regardless of case (as the table lookup)."""
        exact = [c for c in self.columns if c.name == name]
        folded = [c for c in self.columns if c.name.lower() == name.lower()]
        return next(iter(exact or folded), None)


@dataclass(slots=True)
class TargetSchema:
    source: str
    tables: dict[tuple[str, str], TargetTable] = field(default_factory=dict)
    enums: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    @property
    def schema(self) -> str:
        """The one schema the load writes into: public, or the only schema with tables."""
        schemas = sorted({s for s, _ in self.tables})
        return "public" if "public" in schemas or not schemas else schemas[0]

    def table(self, name: str) -> TargetTable | None:
        """The table of :attr:`schema` named so, exactly or else regardless of case."""
        mine = [t for (s, _), t in self.tables.items() if s == self.schema]
        exact = [t for t in mine if t.name == name]
        folded = [t for t in mine if t.name.lower() == name.lower()]
        return next(iter(exact or folded), None)


# pg_trigger's event bits (TRIGGER_TYPE_INSERT, TRIGGER_TYPE_TRUNCATE).
_ON_LOAD = (1 << 2) | (1 << 5)

_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


def _without_meta_commands(text: str) -> str:
    """The text with psql's meta-commands (a line starting with a backslash outside any
    string, quoted name, comment or dollar-quoted body: where pg_dump writes ``\\restrict``
    and ``\\connect``) blanked; line numbers are kept."""
    out: list[str] = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c == "\\":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        line_start = c == "\n"
        if c == "-" and text.startswith("--", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
        elif c == "/" and text.startswith("/*", i):
            end = _block_comment_end(text, i)
        elif c in "'\"":
            escapes = c == "'" and i > 0 and text[i - 1] in "eE" and (
                i < 2 or not (text[i - 2].isalnum() or text[i - 2] == "_")
            )  # fmt: skip
            end = _quote_end(text, i, c, escapes)
        elif (
            c == "$"
            and (m := _DOLLAR_TAG.match(text, i)) is not None
            and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))
        ):
            close = text.find(m.group(), m.end())
            end = n if close < 0 else close + len(m.group())
        else:
            out.append(c)
            i += 1
            continue
        out.append(text[i:end])
        line_start = text[end - 1 : end] == "\n" if end > i else line_start
        i = end
    return "".join(out)


def _quote_end(text: str, i: int, quote: str, escapes: bool) -> int:
    j = i + 1
    while j < len(text):
        if escapes and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            if text.startswith(quote * 2, j):
                j += 2
                continue
            return j + 1
        j += 1
    return len(text)


def _block_comment_end(text: str, i: int) -> int:
    depth, j = 0, i
    while j < len(text):
        if text.startswith("/*", j):
            depth += 1
            j += 2
        elif text.startswith("*/", j):
            depth -= 1
            j += 2
            if depth == 0:
                return j
        else:
            j += 1
    return len(text)


_COPY_DATA = re.compile(r"(?im)^COPY\s.*\bFROM\s+stdin;\s*$")


def read_target_schema(text: str, source: str) -> TargetSchema:
    """Read a ``pg_dump --schema-only`` file.

    Raises:
        DumpconvError: the file is not a schema PostgreSQL's parser reads, or holds data.
    """
    if _COPY_DATA.search(text):
        raise _error(source, text, _COPY_DATA.search(text).start(),  # type: ignore[union-attr]
                     "holds table data (COPY … FROM stdin)",
                     "write the schema alone: pg_dump --schema-only")  # fmt: skip
    cleaned = _without_meta_commands(text)
    try:
        statements = pglast.parse_sql(cleaned)
    except pglast.parser.ParseError as e:
        # args: (message, 1-based byte offset in the UTF-8 text)
        at = e.args[1] - 1 if len(e.args) > 1 and isinstance(e.args[1], int) else 0
        at = len(cleaned.encode("utf-8")[: max(0, at)].decode("utf-8", "ignore"))
        raise _error(source, text, at, f"is not SQL PostgreSQL reads: {e.args[0]}",
                     "give the file pg_dump --schema-only writes") from None  # fmt: skip
    schema = TargetSchema(source)
    owned: list[tuple[str, str, str]] = []
    for raw in statements:
        if raw.stmt is None:
            continue
        line = text.count("\n", 0, raw.stmt_location or 0) + 1
        _statement(schema, raw.stmt, line, owned)
    for sch, table, column in owned:
        found = schema.tables.get((sch, table))
        col = found.column(column) if found is not None else None
        if col is not None and col.name == column:
            col.sequence = True
    if not schema.tables:
        raise DumpconvError(f"{source}: the target schema has no tables", None,
                            "run the application's migrations on PostgreSQL first, then "
                            "pg_dump --schema-only that database")  # fmt: skip
    return schema


def _error(source: str, text: str, at: int, what: str, hint: str) -> DumpconvError:
    line = text.count("\n", 0, max(0, at)) + 1
    return DumpconvError(f"{source} (line {line}): the target schema {what}", None, hint)


def _qualified(rel: ast.RangeVar) -> tuple[str, str]:
    return (rel.schemaname or "public", rel.relname or "")


def _statement(
    schema: TargetSchema, stmt: ast.Node, line: int, owned: list[tuple[str, str, str]]
) -> None:
    if isinstance(stmt, ast.CreateStmt) and stmt.relation is not None:
        key = _qualified(stmt.relation)
        table = TargetTable(*key, line)
        for elt in stmt.tableElts or ():
            if isinstance(elt, ast.ColumnDef):
                table.columns.append(_column(elt))
                for con in elt.constraints or ():  # written inline (not by pg_dump)
                    if con.contype is enums.ConstrType.CONSTR_PRIMARY:
                        table.primary_key = (elt.colname or "",)
                    elif con.contype is enums.ConstrType.CONSTR_FOREIGN:
                        _constraint(table, con, (elt.colname or "",))
            elif isinstance(elt, ast.Constraint):
                _constraint(table, elt)
        schema.tables[key] = table
    elif isinstance(stmt, ast.CreateEnumStmt):
        names = [n.sval for n in stmt.typeName or ()]
        schema.enums[(names[0] if len(names) > 1 else "public", names[-1])] = tuple(
            v.sval for v in stmt.vals or ()
        )
    elif isinstance(stmt, ast.AlterTableStmt) and stmt.relation is not None:
        found = schema.tables.get(_qualified(stmt.relation))
        if found is not None:
            for cmd in stmt.cmds or ():
                _alter(found, cmd)
    elif isinstance(stmt, ast.AlterSeqStmt):
        for opt in stmt.options or ():
            if opt.defname == "owned_by" and isinstance(opt.arg, tuple) and len(opt.arg) == 3:
                sch, table, column = (n.sval for n in opt.arg)
                owned.append((sch, table, column))
    elif isinstance(stmt, ast.CreateTrigStmt) and stmt.relation is not None:
        found = schema.tables.get(_qualified(stmt.relation))
        # Only what a load does fires them: INSERT (rows) and TRUNCATE (emptying first).
        if found is not None and stmt.trigname and (stmt.events or 0) & _ON_LOAD:
            found.triggers.append(stmt.trigname)


def _column(elt: ast.ColumnDef) -> TargetColumn:
    tn = elt.typeName
    names = [n.sval for n in (tn.names if tn is not None else None) or ()]
    mods = tuple(
        int(m.val.ival or 0)
        for m in (tn.typmods if tn is not None else None) or ()
        if isinstance(m, ast.A_Const) and isinstance(m.val, ast.Integer)
    )
    col = TargetColumn(
        name=elt.colname or "",
        type_name=names[-1] if names else "",
        type_schema=names[0] if len(names) > 1 else None,
        mods=mods,
        array=bool(tn is not None and tn.arrayBounds),
        not_null=bool(elt.is_not_null),
    )
    for con in elt.constraints or ():
        _column_constraint(col, con)
    return col


def _column_constraint(col: TargetColumn, con: ast.Constraint) -> None:
    kind = con.contype
    if kind is enums.ConstrType.CONSTR_NOTNULL or kind is enums.ConstrType.CONSTR_PRIMARY:
        col.not_null = True
    elif kind is enums.ConstrType.CONSTR_DEFAULT:
        col.default = True
    elif kind is enums.ConstrType.CONSTR_IDENTITY:
        col.identity = col.sequence = True
    elif kind is enums.ConstrType.CONSTR_GENERATED:
        col.generated = True


def _constraint(table: TargetTable, con: ast.Constraint, inline: tuple[str, ...] = ()) -> None:
    if con.contype is enums.ConstrType.CONSTR_FOREIGN and con.pktable is not None:
        table.foreign_keys.append(
            ForeignKey(
                con.conname or "",
                tuple(a.sval for a in con.fk_attrs or ()) or inline,
                *_qualified(con.pktable),
                bool(con.deferrable),
                tuple(a.sval for a in con.pk_attrs or ()),
            )
        )
    elif con.contype is enums.ConstrType.CONSTR_PRIMARY:
        table.primary_key = tuple(k.sval for k in con.keys or ())
        for key in con.keys or ():
            col = table.column(key.sval)
            if col is not None:
                col.not_null = True


def _alter(table: TargetTable, cmd: ast.Node) -> None:
    if not isinstance(cmd, ast.AlterTableCmd):
        return
    kind = cmd.subtype
    col = table.column(cmd.name) if cmd.name else None
    if kind is enums.AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
        _constraint(table, cmd.def_)
    elif col is None or col.name != cmd.name:
        return
    elif kind is enums.AlterTableType.AT_AddIdentity:
        col.identity = col.sequence = True
    elif kind is enums.AlterTableType.AT_ColumnDefault and cmd.def_ is not None:
        col.default = True
    elif kind is enums.AlterTableType.AT_SetNotNull:
        col.not_null = True
