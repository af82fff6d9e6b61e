"""translate: SQLite constructs to PostgreSQL statements. The only stage that uses sqlglot.

Offers, for the pipeline:

* :func:`create_table` (``tables``): CREATE TABLE for a table whose types are decided, with
  the notes a reviewer sees above it;
* post-data items (``items.PostItem``): :func:`key_items`, :func:`foreign_key_item`,
  :func:`check_item`, :func:`generated_item` (``constraints``), :func:`index_item`,
  :func:`gin_index_item` (``indexes``), :func:`view_item` (``views``),
  :func:`trigger_items` (``triggers``: a PL/pgSQL function and its trigger), expression
  defaults (``defaults``);
* :func:`translate_expr` / :func:`translate_query` (``expressions``): the one expression
  translator all of them use, calling SQLite functions only through the table in
  ``functions``.
"""

from dumpconv.translate.constraints import (
    check_item,
    foreign_key_item,
    generated_item,
    key_items,
    widen_item,
)
from dumpconv.translate.expressions import Scope, Untranslatable, translate_expr, translate_query
from dumpconv.translate.fulltext import fulltext_items
from dumpconv.translate.generated import generated_in_place
from dumpconv.translate.indexes import gin_index_item, index_item, index_names
from dumpconv.translate.items import (
    CITEXT,
    MERGING_TYPES,
    Note,
    PostItem,
    TableDDL,
    case_insensitive,
)
from dumpconv.translate.tables import create_table
from dumpconv.translate.triggers import Target, trigger_items
from dumpconv.translate.views import view_item

__all__ = [
    "CITEXT",
    "MERGING_TYPES",
    "Note",
    "PostItem",
    "Scope",
    "TableDDL",
    "Target",
    "Untranslatable",
    "case_insensitive",
    "check_item",
    "create_table",
    "foreign_key_item",
    "fulltext_items",
    "generated_in_place",
    "generated_item",
    "gin_index_item",
    "index_item",
    "index_names",
    "key_items",
    "translate_expr",
    "translate_query",
    "trigger_items",
    "view_item",
    "widen_item",
]
