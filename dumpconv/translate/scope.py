"""What an expression may name: the tables it reads (and their aliases), the views created
before it, a trigger's NEW and OLD rows, and the PostgreSQL type chosen for each column."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from dumpconv.read.schema import Column, Schema, Table, fold


@dataclass
class Scope:
    """Tables an expression may refer to, and the chosen types of their columns."""

    schema: Schema
    tables: list[Table]
    types: dict[tuple[str, str], str]  # (table key, column key) → pg type
    # A trigger's NEW and OLD: the table's row, or None for a view's (names unchecked).
    rows: dict[str, Table | None] = field(default_factory=dict)
    aliases: dict[str, Table] = field(default_factory=dict)  # FROM t AS x: x → t
    views: dict[str, Table] = field(default_factory=dict)  # created views, as tables

    def column(self, name: str, qualifier: str | None) -> tuple[Table, Column] | None:
        candidates = self.tables
        if qualifier is not None and fold(qualifier) in self.aliases:
            candidates = [self.aliases[fold(qualifier)]]
        elif qualifier is not None and fold(qualifier) in self.rows:
            row = self.rows[fold(qualifier)]
            candidates = [row] if row is not None else []
        elif qualifier is not None:
            t = self.schema.get(qualifier)
            candidates = [t] if t is not None else []
        found = [(t, c) for t in candidates if (c := _column(t, name)) is not None]
        return found[0] if len(found) == 1 else None

    def type_of(self, table: Table, column: Column) -> str | None:
        return self.types.get((table.key, column.key))


def _column(table: Table, name: str) -> Column | None:
    """A column by name; ``rowid`` (and its aliases) names the INTEGER PRIMARY KEY."""
    found = table.column(name)
    if found is None and fold(name) in ("rowid", "oid", "_rowid_") and table.rowid_alias:
        found = table.column(table.rowid_alias)
    return found


def aliases_in_conditions(select: exp.Select, scope: Scope) -> None:
    """SQLite lets WHERE and HAVING name an output column by its alias (when no table
    column has that name); PostgreSQL does not: the alias becomes its expression."""
    aliases = {
        fold(a.alias): a.this for a in select.expressions if isinstance(a, exp.Alias) and a.alias
    }
    for part in ("where", "having"):
        clause = select.args.get(part)
        for col in list(clause.find_all(exp.Column)) if clause is not None else ():
            key = fold(col.name)
            if col.table or key not in aliases or scope.column(col.name, None) is not None:
                continue
            if any(isinstance(n, exp.Column) and fold(n.name) == key
                   for n in aliases[key].walk()):  # fmt: skip
                continue  # "x AS x" over a column of another scope: left as it is
            col.replace(exp.Paren(this=aliases[key].copy()))
