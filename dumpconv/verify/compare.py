"""One table compared with the source's rows staged beside it, by PostgreSQL itself.

Both sides are read the same way in the same session: a row count and an order-independent
checksum (the sum, as numeric, of the first 64 bits of the md5 of each row's text over the
compared columns). When they differ, the first differing rows (``EXCEPT ALL`` both ways,
over each value's text) are named by the primary key when the table has one among the
compared columns (ordered by it), else shown by their values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import sql

from dumpconv.base.pgsql import quote_literal
from dumpconv.verify.database import STAGE, Relation, Session

#: Differing rows shown per table.
SHOWN = 10
#: Characters of a value shown.
WIDTH = 60


@dataclass(frozen=True)
class Counts:
    postgres: int
    source: int


def _join(parts: Sequence[sql.Composable]) -> sql.Composed:
    return sql.SQL(", ").join(parts)


def _digest(relation: sql.Identifier, columns: tuple[str, ...]) -> sql.Composed:
    row = sql.SQL("ROW({})::text").format(_join([sql.Identifier(c) for c in columns]))
    return sql.SQL(
        "SELECT pg_catalog.count(*), coalesce(pg_catalog.sum(("
        "'x' || pg_catalog.left(pg_catalog.md5({}), 16))::bit(64)::bigint::numeric), 0) "
        "FROM {}"
    ).format(row, relation)


def compare(session: Session, rel: Relation, columns: tuple[str, ...]) -> tuple[Counts, list[str]]:
    """The rows of ``rel`` and of the staged table over ``columns``: their counts, and what
    differs (nothing when they hold the same rows)."""
    pg = session.execute(_digest(rel.ident, columns))[0]
    src = session.execute(_digest(STAGE, columns))[0]
    counts = Counts(int(pg[0]), int(src[0]))
    if pg == src:
        return counts, []
    lines = []
    if counts.postgres != counts.source:
        rows = "row" if counts.postgres == 1 else "rows"
        lines.append(f"{counts.postgres} {rows} in PostgreSQL, {counts.source} from the source")
    key = rel.key if rel.key and set(rel.key) <= set(columns) else ()
    lines += _by_key(session, rel, columns, key) if key else _by_value(session, rel, columns)
    return counts, lines


def _values(
    relation: sql.Identifier, key: tuple[str, ...], columns: tuple[str, ...]
) -> sql.Composed:
    """The key's columns as they are, then every column's text, named k0… and v0…."""
    parts = [sql.SQL("{} AS {}").format(sql.Identifier(k), sql.Identifier(f"k{i}"))
             for i, k in enumerate(key)]  # fmt: skip
    parts += [sql.SQL("{}::text AS {}").format(sql.Identifier(c), sql.Identifier(f"v{i}"))
              for i, c in enumerate(columns)]  # fmt: skip
    return sql.SQL("SELECT {} FROM {}").format(_join(parts), relation)


def _only(key: tuple[str, ...], rel: Relation, columns: tuple[str, ...]) -> sql.Composed:
    pg, src = _values(rel.ident, key, columns), _values(STAGE, key, columns)
    return sql.SQL("a AS ({} EXCEPT ALL {}), b AS ({} EXCEPT ALL {})").format(pg, src, src, pg)


def _by_key(session: Session, rel: Relation, columns: tuple[str, ...], key: tuple[str, ...]
            ) -> list[str]:  # fmt: skip
    """Rows paired by primary key: a value that differs, a row missing, a row extra."""
    on = sql.SQL(" AND ").join(
        sql.SQL("a.{0} = b.{0}").format(sql.Identifier(f"k{i}")) for i in range(len(key))
    )
    order = _join([sql.SQL("coalesce(a.{0}, b.{0})").format(sql.Identifier(f"k{i}"))
                   for i in range(len(key))])  # fmt: skip
    template = sql.SQL("WITH {} SELECT a.*, b.* FROM a FULL JOIN b ON {} ORDER BY {} LIMIT {}")
    query = template.format(_only(key, rel, columns), on, order, sql.Literal(SHOWN + 1))
    rows = session.execute(query)
    width = len(key) + len(columns)
    lines = []
    for row in rows[:SHOWN]:
        in_pg, in_src = row[:width], row[width:]
        there = in_pg if in_pg[0] is not None else in_src
        named = ", ".join(
            f"{_text(k)}={_shown(there[len(key) + columns.index(k)], rel.columns.get(k, False))}"
            for k in key
        )
        if in_pg[0] is None:
            lines.append(f"row {named} is missing")
        elif in_src[0] is None:
            lines.append(f"row {named} is extra (not in the source)")
        else:
            lines += [
                f"row {named}: {_text(c)} is {_shown(a, rel.columns.get(c, False))} in "
                f"PostgreSQL, {_shown(b, rel.columns.get(c, False))} from the source"
                for c, a, b in zip(columns, in_pg[len(key) :], in_src[len(key) :], strict=True)
                if a != b
            ]
    if len(rows) > SHOWN:
        lines.append(f"(the first {SHOWN} differing rows are shown)")
    return lines


def _by_value(session: Session, rel: Relation, columns: tuple[str, ...]) -> list[str]:
    """Without a primary key: rows only one side holds, shown by their values."""
    order = _join([sql.Identifier(f"v{i}") for i in range(len(columns))])
    lines = []
    for side, what in (("a", "is extra (not in the source)"), ("b", "is missing")):
        query = sql.SQL("WITH {} SELECT * FROM {} ORDER BY {} LIMIT {}").format(
            _only((), rel, columns), sql.Identifier(side), order, sql.Literal(SHOWN + 1)
        )
        rows = session.execute(query)
        for row in rows[:SHOWN]:
            shown = ", ".join(
                _shown(v, rel.columns.get(c, False)) for c, v in zip(columns, row, strict=True)
            )
            lines.append(f"row ({shown}) {what}")
        if len(rows) > SHOWN:
            lines.append(f"(the first {SHOWN} such rows are shown)")
    return lines


def _text(name: str) -> str:
    """A column's name as shown: bare when it is a plain name."""
    return name if name.isidentifier() else '"' + name.replace('"', '""') + '"'


def _shown(value: str | None, number: bool) -> str:
    """A value's text as shown: NULL, a number as written, else a literal, cut when long."""
    if value is None:
        return "NULL"
    if len(value) > WIDTH:
        value = value[: WIDTH - 1] + "…"
    return value if number else quote_literal(value)
