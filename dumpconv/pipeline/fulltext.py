"""FTS tables in a conversion: the storage table that holds an FTS table's own rows becomes
the plain table the FTS table was, and the report says whether its index is recreated
(``--full-text``, ``translate.fulltext``)."""

from __future__ import annotations

from dumpconv.base.report import Severity
from dumpconv.pipeline.state import Conversion
from dumpconv.read.fts import FullText
from dumpconv.read.schema import Table, fold, pg_name


def holds_rows(fts: FullText, table: Table) -> bool:
    """Whether ``table`` is the FTS table's own storage of its rows: NAME_content, a key
    and one column per FTS column."""
    return (
        fts.content is None
        and table.key == f"{fold(fts.name)}_content"
        and len(table.columns) == len(fts.columns) + 1
    )


def fulltext_rows(st: Conversion, fts: FullText, table: Table, line: int) -> None:
    """An FTS table's own storage of its rows becomes the plain table the FTS table was:
    named as it, its columns named as the FTS columns (and the rowid)."""
    table.pg = st.schema.claim_table(pg_name(fts.name, False))
    names = [fts.rowid, *fts.columns]
    for column, name in zip(table.columns, names, strict=False):
        column.pg = pg_name(name, False)
    shown = ", ".join(c.pg for c in table.columns)
    severity, index, hint = fulltext_said(st)
    st.report.add(
        "virtual-table-skipped", severity,
        f"virtual table {fts.name} ({fts.module}): its rows, which SQLite stores in the table "
        f"{table.name}, arrive as the plain table {table.pg} ({shown}); {index}",
        line=line, hint=hint,
    )  # fmt: skip


def fulltext_said(st: Conversion) -> tuple[Severity, str, str | None]:
    """How the report rates an FTS table's index, what it says of it, and the hint."""
    if st.options.full_text:
        return Severity.INFO, "its full-text index is recreated (--full-text)", None
    hint = "--full-text recreates it as PostgreSQL full-text search"
    return Severity.LOSSY, "its full-text index is not recreated", hint
