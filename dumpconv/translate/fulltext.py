"""``--full-text``: an FTS3/4/5 table recreated as PostgreSQL full-text search on the table
that holds its rows: a ``tsvector`` column generated from the indexed columns (kept up to
date by PostgreSQL, so SQLite's sync triggers are not needed) and a GIN index on it.

The text search configuration follows the FTS tokenizer: ``english`` (stemming) for
``porter``, else ``simple`` (lower case, no stemming, as unicode61; unlike unicode61 it keeps
diacritics). Queries change from ``MATCH`` to ``@@``: README, "Full-text search".
"""

from __future__ import annotations

from dumpconv.base.pgsql import object_name, qualified, quote_ident, quote_literal
from dumpconv.read.schema import Column, Schema, Table
from dumpconv.translate.indexes import gin_index_item
from dumpconv.translate.items import PostItem, is_text_type


def fulltext_items(
    name: str,
    tokenize: str,
    table: Table,
    columns: list[Column],
    types: dict[tuple[str, str], str],
    schema: Schema,
) -> tuple[list[PostItem], str]:
    """The tsvector column and its GIN index for the FTS table ``name`` whose rows are in
    ``table`` (its ``columns`` indexed); and what the report says about it."""
    config = "english" if "porter" in tokenize.lower() else "simple"
    parts = []
    for col in columns:
        kind = types.get((table.key, col.key), "text")
        value = quote_ident(col.pg) if is_text_type(kind) else f"{quote_ident(col.pg)}::text"
        parts.append(f"coalesce({value}, '')")
    document = " || ' ' || ".join(parts) or "''"
    taken = {c.pg for c in table.columns}
    column = f"{name}_search".lower()
    while column in taken:
        column += "_"
    add = (
        f"ALTER TABLE {qualified(table.pg, schema.namespace)} ADD COLUMN {quote_ident(column)} "
        "tsvector "
        f"GENERATED ALWAYS AS (to_tsvector({quote_literal(config)}, {document})) STORED;"
    )
    index = schema.claim(object_name(table.pg, column, "idx"))
    items = [
        PostItem(add, -1, guard=f"full-text column {table.pg}.{column}"),
        gin_index_item(table.pg, index, column, schema.namespace),
    ]
    said = (
        f"full-text search of {name} as the column {table.pg}.{column} "
        f"(to_tsvector('{config}', …), GIN index {index}): query it with "
        f"{column} @@ websearch_to_tsquery('{config}', …)"
    )
    return items, said
