"""CREATE VIEW, its query translated."""

from __future__ import annotations

from dumpconv.base.pgsql import qualified, quote_ident, valid_text
from dumpconv.read.cursor import Cursor
from dumpconv.read.lexer import Tok, tokenize
from dumpconv.read.schema import Affinity, Column, Schema, Table, fold
from dumpconv.translate.expressions import Scope, Untranslatable, translate_view
from dumpconv.translate.items import PostItem, left_out


def view_item(
    text: str,
    line: int,
    schema: Schema,
    types: dict[tuple[str, str], str],
    views: dict[str, Table] | None = None,
) -> PostItem:
    """CREATE VIEW with its query translated; guarded, since SQLite SQL may not carry over.
    ``views``: the views created before it, which its query may read."""
    cur = Cursor(text, line)
    cur.expect_word("CREATE")
    cur.accept_word("TEMP", "TEMPORARY")
    cur.expect_word("VIEW")
    name, quoted = cur.created_name()
    listed: list[str] | None = None
    if cur.at_op("("):
        cols = cur.parenthesized()
        listed = [valid_text(t.value) for t in tokenize(cols) if t.kind is not Tok.OP]
    cur.expect_word("AS")
    start = cur.peek()
    assert start is not None
    query = text[start.pos :].rstrip().rstrip(";").rstrip()
    what = f"view {name}"
    scope = Scope(schema, [], types, views=dict(views or {}))
    try:
        body, names = translate_view(query, scope)
    except Untranslatable as e:
        return left_out(what, str(e), text, 5)
    pg = schema.claim(name if quoted else fold(name))
    columns = " (" + ", ".join(quote_ident(c) for c in listed) + ")" if listed else ""
    sql = f"CREATE VIEW {qualified(pg, schema.namespace)}{columns} AS\n{body};"
    names = listed or names
    made = Table(name, pg, [Column(n, n, "", Affinity.NUMERIC) for n in names], line)
    return PostItem(sql, 5, "view", guard=what, creates=made)
