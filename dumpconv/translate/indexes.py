"""CREATE INDEX, its columns, expressions and predicate translated."""

from __future__ import annotations

from dumpconv.base.errors import DumpconvError
from dumpconv.base.pgsql import qualified, quote_ident
from dumpconv.read.cursor import Cursor
from dumpconv.read.lexer import Tok
from dumpconv.read.schema import Schema, fold
from dumpconv.translate.expressions import Scope, Untranslatable, translate_expr
from dumpconv.translate.items import PostItem, case_insensitive, left_out


def index_item(
    text: str,
    line: int,
    schema: Schema,
    types: dict[tuple[str, str], str],
    unsafe: set[tuple[str, str]],
) -> PostItem:
    """CREATE [UNIQUE] INDEX, its columns and expressions translated."""
    cur = Cursor(text, line)
    unique, name, quoted, table_name = _head(cur)
    what = f"index {name}"
    table = schema.get(table_name)
    if table is None:
        why = (
            "left out (--include/--exclude)"
            if schema.is_left_out(table_name)
            else ("not converted")
        )
        return left_out(what, f"table {table_name} is {why}", text, 1)
    scope = Scope(schema, [table], types)
    cur.expect_op("(")
    items: list[str] = []
    notes: list[str] = []  # what is lost
    remarks: list[str] = []  # what is translated differently, and keeps its meaning
    risky = False
    while True:
        toks = cur.until_comma()
        if not toks:
            raise cur.error("empty index column")
        desc = ""
        while toks and toks[-1].is_word("ASC", "DESC"):
            desc = " DESC" if toks[-1].upper == "DESC" else desc
            toks = toks[:-1]
        collate = ""
        if len(toks) >= 2 and toks[-2].is_word("COLLATE"):
            collate = toks[-1].value.upper()
            toks = toks[:-2]
        if len(toks) == 1 and toks[0].kind in (Tok.WORD, Tok.IDENT, Tok.STRING):
            col = table.column(toks[0].value)
            if col is None:
                return left_out(what, f"unknown column {toks[0].value}", text, 1)
            pg_type = types.get((table.key, col.key), "")
            item = quote_ident(col.pg)
            if collate == "NOCASE" and (pg_type == "text" or pg_type.startswith("varchar(")):
                if unique and not case_insensitive(col.collate, pg_type):  # else citext
                    item = f"(lower({item}))"  # unique regardless of case, as with NOCASE
                    remarks.append(f"{col.name} COLLATE NOCASE indexed as lower({col.name})")
                elif not unique:
                    remarks.append(
                        f"{col.name} COLLATE NOCASE: indexed for the column's own comparison "
                        f"(a query that compared it COLLATE NOCASE needs lower({col.name}))"
                    )
            elif collate not in ("", "BINARY", "NOCASE"):
                notes.append(f"COLLATE {collate} dropped")
            items.append(item + desc)
            risky |= (table.key, col.key) in unsafe
        else:
            if collate not in ("", "BINARY"):
                notes.append(f"COLLATE {collate} dropped")
            expr_text = text[toks[0].pos : toks[-1].pos + len(toks[-1].text)]
            try:
                items.append("(" + translate_expr(expr_text, scope) + ")" + desc)
            except Untranslatable as e:
                return left_out(what, str(e), text, 1)
        if cur.at_op(","):
            cur.next()
            continue
        cur.expect_op(")")
        break
    where = ""
    if cur.accept_word("WHERE"):
        rest = cur.peek()
        assert rest is not None
        where_text = text[rest.pos :].rstrip().rstrip(";")
        try:
            where = " WHERE " + translate_expr(where_text, scope)
        except Untranslatable as e:
            return left_out(what, str(e), text, 1)
    pg = schema.claim(name if quoted else fold(name))
    sql = (
        f"CREATE {'UNIQUE ' if unique else ''}INDEX {quote_ident(pg)} ON "
        f"{qualified(table.pg, schema.namespace)} ({', '.join(items)}){where};"
    )
    # A generated column is added under a guard, so it may be missing at load.
    generated = any(c.generated is not None for c in table.columns)
    guard = (
        what
        if (unique and risky) or where or generated or any(i.startswith("(") for i in items)
        else None
    )
    changed = f"index {name}: {'; '.join(notes)}" if notes else None
    comments = tuple(f"dumpconv: index {name}: {n}" for n in [*notes, *remarks])
    return PostItem(sql, 1, "index", guard=guard, changed=changed, comments=comments)


def _head(cur: Cursor) -> tuple[bool, str, bool, str]:
    """CREATE [UNIQUE] INDEX name ON table: unique, the name, whether quoted, the table."""
    cur.expect_word("CREATE")
    unique = cur.accept_word("UNIQUE")
    cur.expect_word("INDEX")
    name, quoted = cur.created_name()
    cur.expect_word("ON")
    return unique, name, quoted, cur.name()[0]


def index_names(text: str, line: int) -> tuple[str, str] | None:
    """(index, table) of a CREATE INDEX, or None when they cannot be read."""
    try:
        _, name, _, table = _head(Cursor(text, line))
    except DumpconvError:
        return None
    return name, table


def gin_index_item(table_pg: str, name: str, column_pg: str, namespace: str) -> PostItem:
    """A GIN index on one column (a tsvector of a derived search table), guarded."""
    sql = (
        f"CREATE INDEX {quote_ident(name)} ON {qualified(table_pg, namespace)} USING gin "
        f"({quote_ident(column_pg)});"
    )
    return PostItem(sql, 1, "index", guard=f"index {name}")
