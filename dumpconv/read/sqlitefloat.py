"""Reals read the way SQLite reads them, for dumps whose digits only SQLite reads exactly.

``quote()``, which Python's ``iterdump()`` (and sqlite3 CLI 3.7.12-3.17) use for reals,
writes 15 significant digits whenever *SQLite's own* text-to-real conversion reads them back
as the stored double, and more digits otherwise. That conversion (sqlite3AtoF) is not
correctly rounded: about one such text in 10^4 denotes, under the correct rounding that
PostgreSQL and Python use, the neighbouring double. The exact reading is SQLite's, so
dumpconv asks SQLite: the standard library's ``sqlite3`` module, whose library is normally
the one that wrote an ``iterdump()`` on the same machine.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

# Number tokens; fixes() keeps the reals with at most 15 significant digits, quote()'s
# %!.15g output, the only form whose exact reading is SQLite's.
QUOTE_REAL = re.compile(rb"(?<![^\t\n])-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?(?![^\t\n])")
_CHUNK = 900  # bound parameters per statement: SQLite allows at least 999


class SqliteReals:
    """Reads real literals with the local SQLite library's conversion."""

    def __init__(self) -> None:
        self._con = sqlite3.connect(":memory:")
        self._queries: dict[int, str] = {}

    def read(self, tokens: Sequence[bytes]) -> list[float]:
        """SQLite's double for each decimal literal (same as it reads SQL text)."""
        out: list[float] = []
        for i in range(0, len(tokens), _CHUNK):
            part = tokens[i : i + _CHUNK]
            query = self._queries.get(len(part))
            if query is None:
                query = "SELECT " + ",".join(["CAST(? AS REAL)"] * len(part))
                self._queries[len(part)] = query
            row = self._con.execute(query, [t.decode("ascii") for t in part]).fetchone()
            out.extend(float(v) for v in row)
        return out

    def value(self, token: bytes) -> float:
        """One real literal's double: SQLite's reading for quote()'s 15-digit form."""
        if _significant(token) <= 15:
            return self.read([token])[0]
        return float(token)

    def fixes(self, tokens: Sequence[bytes]) -> dict[bytes, bytes]:
        """The tokens whose correctly rounded reading differs from SQLite's, with the
        shortest digits of SQLite's double."""
        reals = [t for t in set(tokens) if not _is_int(t) and _significant(t) <= 15]
        fixed: dict[bytes, bytes] = {}
        for token, value in zip(reals, self.read(reals), strict=True):
            if float(token) != value:
                fixed[token] = repr(value).encode()
        return fixed


def _is_int(token: bytes) -> bool:
    return token.lstrip(b"-").isdigit()


def _significant(token: bytes) -> int:
    """Significant digits of a real literal: quote()'s %!.15g forms have at most 15; its
    %!.20e forms (21) are exact under any correct reading and SQLite never checked them."""
    mantissa = token.lstrip(b"-").split(b"e")[0].split(b"E")[0].replace(b".", b"")
    return len(mantissa.lstrip(b"0").rstrip(b"0")) or 1


# SQLite's key words (https://www.sqlite.org/lang_keywords.html): names the CLI 3.18+ writes
# in double quotes in an INSERT. A quoted name that is not one of them marks a dump written
# with quote(), which always quotes: iterdump() or CLI 3.7.12-3.17.
SQLITE_KEYWORDS = frozenset(
    """
    ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE
    BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE
    CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE
    DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE
    EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP
    GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD
    INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT
    NOTHING NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA
    PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME
    REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP
    TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM
    VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT
    """.split()  # noqa: SIM905
)
_PLAIN = re.compile(rb'"([A-Za-z_][A-Za-z0-9_]*)"')


def written_by_quote(name: bytes) -> bool:
    """Whether an INSERT's table name, as written, shows a producer that always quotes."""
    m = _PLAIN.fullmatch(name)
    return m is not None and m.group(1).decode().upper() not in SQLITE_KEYWORDS
