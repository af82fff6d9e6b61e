"""Keys, foreign keys, CHECKs and generated columns, added after the data."""

from __future__ import annotations

from dumpconv.base.pgsql import object_name, qualified, quote_ident
from dumpconv.base.report import Severity
from dumpconv.read.lexer import Tok, tokenize
from dumpconv.read.schema import CheckConstraint, Column, ForeignKey, Schema, Table, fold
from dumpconv.translate.expressions import Scope, Untranslatable, column_expression, translate_expr
from dumpconv.translate.items import Note, PostItem, left_out


def key_items(
    table: Table, schema: Schema, nulls: dict[str, int], notes: list[Note], unsafe: set[str]
) -> list[PostItem]:
    """PRIMARY KEY and UNIQUE constraints, added after the data.

    Args:
        unsafe: keys of columns whose conversion may have made distinct values equal
            (see MERGING_TYPES, replaced invalid UTF-8); keys over them are guarded.
    """
    out: list[PostItem] = []
    for key in table.keys:
        cols = [table.column(c) for c in key.columns]
        if any(c is None for c in cols):
            notes.append(Note(f"key ({', '.join(key.columns)}) names an unknown column; dropped",
                              Severity.LOSSY))  # fmt: skip
            continue
        columns = [c for c in cols if c is not None]
        primary = key.primary
        if primary and any(nulls.get(c.key, 0) for c in columns):
            primary = False
            notes.append(Note(
                f"PRIMARY KEY ({', '.join(key.columns)}) holds NULLs (SQLite allows that); "
                "created as UNIQUE", Severity.WARNING,
            ))  # fmt: skip
        if key.conflict:
            notes.append(Note(f"ON CONFLICT {key.conflict} of key ({', '.join(key.columns)}) "
                              "dropped", Severity.LOSSY))  # fmt: skip
        default_name = (
            object_name(table.pg, None, "pkey")
            if primary
            else object_name(table.pg, "_".join(c.pg for c in columns), "key")
        )
        cname = schema.claim(key.name or default_name)
        kind = "PRIMARY KEY" if primary else "UNIQUE"
        sql = (
            f"ALTER TABLE ONLY {qualified(table.pg, schema.namespace)} ADD CONSTRAINT "
            f"{quote_ident(cname)} {kind} ({', '.join(quote_ident(c.pg) for c in columns)});"
        )
        # over values that may have merged, or over a generated column (added under a guard)
        risky = any(c.key in unsafe or c.generated is not None for c in columns)
        out.append(
            PostItem(sql, 0, guard=f"{kind.lower()} {cname} on {table.name}" if risky else None)
        )
    return out


# Types PostgreSQL can compare in a foreign key (one btree operator family); others only
# when equal.
_COMPARABLE = ({"smallint", "integer", "bigint"}, {"text", "varchar"})


def _comparable(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return True  # not decided here (a --data-only table): PostgreSQL will say
    a, b = a.split("(")[0], b.split("(")[0]
    return a == b or any(a in group and b in group for group in _COMPARABLE)


def foreign_key_item(
    table: Table, fk: ForeignKey, schema: Schema, types: dict[tuple[str, str], str]
) -> PostItem:
    """A foreign key: valid when the data allows, else NOT VALID with a warning; left out
    when the columns' chosen types cannot be compared by PostgreSQL."""
    what = f"foreign key of {table.name} ({', '.join(fk.columns)}) to {fk.ref_table}"
    parent = schema.get(fk.ref_table)
    cols = [table.column(c) for c in fk.columns]
    if parent is None:
        missing = (
            "left out (--include/--exclude)"
            if schema.is_left_out(fk.ref_table)
            else ("not in the dump")
        )
        return left_out(what, f"table {fk.ref_table} is {missing}", "", 2)
    if any(c is None for c in cols):
        return left_out(what, "names an unknown column", "", 2)
    ref_names = fk.ref_columns or (parent.primary_key.columns if parent.primary_key else ())
    refs = [parent.column(c) for c in ref_names]
    if not refs or any(r is None for r in refs) or len(refs) != len(cols):
        return left_out(what, "the referenced columns do not match a key", "", 2)
    for col, ref in zip(cols, refs, strict=True):
        assert col is not None
        assert ref is not None
        mine, theirs = types.get((table.key, col.key)), types.get((parent.key, ref.key))
        if not _comparable(mine, theirs):
            why = (f"{col.name} became {mine} and {parent.name}.{ref.name} {theirs}, which "
                   "PostgreSQL cannot compare")  # fmt: skip
            return left_out(what, why, "", 2)
    cname = schema.claim(
        fk.name or object_name(table.pg, "_".join(c.pg for c in cols if c), "fkey")
    )
    base = (
        f"ALTER TABLE ONLY {qualified(table.pg, schema.namespace)} ADD CONSTRAINT "
        f"{quote_ident(cname)} FOREIGN KEY ({', '.join(quote_ident(c.pg) for c in cols if c)}) "
        f"REFERENCES {qualified(parent.pg, schema.namespace)} "
        f"({', '.join(quote_ident(r.pg) for r in refs if r)})"
    )
    if fk.actions:
        base += " " + fk.actions
    return PostItem(base + ";", 2, guard=what, fk_fallback=base + " NOT VALID;")


def check_item(table: Table, check: CheckConstraint, scope: Scope) -> PostItem:
    what = f"check constraint {check.name or ''} on {table.name}".replace("  ", " ")
    try:
        expr = translate_expr(check.expr, scope)
    except Untranslatable as e:
        return left_out(what, str(e), f"CHECK ({check.expr})", 3)
    first = next((c.pg for c in table.columns if _mentions(check.expr, c.name)), None)
    cname = scope.schema.claim(check.name or object_name(table.pg, first, "check"))
    sql = (
        f"ALTER TABLE ONLY {qualified(table.pg, scope.schema.namespace)} ADD CONSTRAINT "
        f"{quote_ident(cname)} CHECK ({expr});"
    )
    return PostItem(sql, 3, guard=what, fk_fallback=sql[:-1] + " NOT VALID;")


def _mentions(expr: str, name: str) -> bool:
    key = fold(name)
    return any(
        tok.kind in (Tok.WORD, Tok.IDENT) and fold(tok.value) == key for tok in tokenize(expr)
    )


def widen_item(table: Table, column: str, namespace: str) -> PostItem:
    """A column whose rows were written as integer and whose foreign key references a key
    decided bigint later: widened after the data, before the keys (guarded: a column an
    in-place generated column uses cannot change type, and the foreign key holds without)."""
    col = table.column(column)
    assert col is not None
    sql = (
        f"ALTER TABLE ONLY {qualified(table.pg, namespace)} ALTER COLUMN {quote_ident(col.pg)} "
        "TYPE bigint;"
    )
    return PostItem(
        sql, -2, guard=f"bigint type of {table.name}.{col.name}",
        comments=(f"dumpconv: {table.name}.{col.name} matches the bigint key it references",),
    )  # fmt: skip


def generated_item(table: Table, col: Column, pg_type: str, scope: Scope) -> PostItem:
    """A generated column that is not created in its place: added after the data, guarded;
    left out when it is built on another generated column (PostgreSQL allows none)."""
    others = [c for c in table.columns if c.generated is not None and c is not col]
    used = [c.name for c in others if _mentions(col.generated or "", c.name)]
    if used:
        why = f"it is built on the generated column {used[0]}, which PostgreSQL does not allow"
        return left_out(f"generated column {table.name}.{col.name}", why, col.generated or "", -1)
    return column_expression(
        f"generated column {table.name}.{col.name}",
        col.generated or "",
        scope,
        lambda expr: (
            f"ALTER TABLE {qualified(table.pg, scope.schema.namespace)} ADD COLUMN "
            f"{quote_ident(col.pg)} "
            f"{pg_type} GENERATED ALWAYS AS ({expr}) STORED;"
        ),
        order=-1,  # first: keys, indexes and checks may be built on it
    )
