"""The PostgreSQL side of verify: one connection, one transaction that is rolled back.

Every statement is ours: names reach SQL only as ``psycopg.sql.Identifier``, values only as
parameters, and the source's rows only through COPY's data channel, into a temporary table
(``CREATE TEMP TABLE … AS SELECT columns FROM table WITH NO DATA``: their types, without
constraints), dropped with its savepoint. Verify changes nothing; it needs the right to
create temporary tables and to read the tables it compares.
"""

from __future__ import annotations

import os
import re
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from dumpconv.base.errors import DumpconvError
from dumpconv.verify.script import CopyTarget
from dumpconv.write.writer import SETTINGS

Connection = psycopg.Connection[tuple[Any, ...]]

#: Where the source's rows of one table go, while that table is compared.
STAGE = sql.Identifier("pg_temp", "dumpconv_verify")
_SAVEPOINT = sql.SQL("SAVEPOINT dumpconv_verify")
_ROLLBACK_TO = sql.SQL("ROLLBACK TO SAVEPOINT dumpconv_verify")
_RELEASE = sql.SQL("RELEASE SAVEPOINT dumpconv_verify")


@dataclass(frozen=True)
class Relation:
    """A table PostgreSQL holds: its columns (name → shown unquoted, as numbers are) and
    its primary key's columns, in key order (empty without one)."""

    schema: str
    table: str
    columns: dict[str, bool]
    key: tuple[str, ...]

    @property
    def ident(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.table)


_RELATION = """
SELECT c.oid FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')
"""
_COLUMNS = """
SELECT a.attname, t.typcategory = 'N' FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
"""
_KEY = """
SELECT a.attname FROM pg_catalog.pg_index i
    CROSS JOIN LATERAL pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = %s AND i.indisprimary ORDER BY k.n
"""


def connect(dsn: str | None) -> Connection:
    """A connection to ``dsn`` (libpq's environment variables fill in what it leaves out,
    as in psql), in the session the scripts load in.

    Raises:
        DumpconvError: one line, without the password, when it cannot connect.
    """
    if dsn and "=" not in dsn and not dsn.startswith(("postgresql://", "postgres://")):
        dsn = make_conninfo(dbname=dsn)  # a bare word is a database name, as psql reads it
    try:
        conn = psycopg.connect(dsn or "", autocommit=False)
    except psycopg.Error as e:
        # libpq's message may take several lines (one per host tried): one line here.
        message = _hide_password(" ".join(str(e).split()) or type(e).__name__, dsn)
        raise DumpconvError(
            f"cannot connect to PostgreSQL: {message}",
            None,
            "give a libpq connection string or URI, or set PGHOST, PGDATABASE, PGUSER",
        ) from None
    for setting in SETTINGS:  # the script's own session: values read as the load read them
        conn.execute(setting)  # constants of ours
    return conn


def _hide_password(message: str, dsn: str | None) -> str:
    """libpq's message with every password the DSN or PGPASSWORD holds replaced by ***."""
    secrets = {os.environ.get("PGPASSWORD", "")}
    text = dsn or ""
    secrets.update(m.group(1) for m in re.finditer(r"://[^:/@]*:([^@/]*)@", text))
    for m in re.finditer(r"password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&]*)", text):
        secrets.update({m.group(1), m.group(1).strip("'")})
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        message = message.replace(secret, "***")
    return message


class Session:
    """The comparison's transaction: tables looked up, the source's rows staged table by
    table (each under a savepoint that drops them), all rolled back at the end."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def relation(self, schema: str, table: str) -> Relation | None:
        """The table named so, or None when PostgreSQL has none."""
        found = self.conn.execute(_RELATION, (schema, table)).fetchone()
        if found is None:
            return None
        oid = found[0]
        columns: dict[str, bool] = dict(self.conn.execute(_COLUMNS, (oid,)).fetchall())
        key = tuple(r[0] for r in self.conn.execute(_KEY, (oid,)).fetchall())
        return Relation(schema, table, columns, key)

    def stage(self, relation: Relation, columns: tuple[str, ...]) -> None:
        """An empty temporary table of ``relation``'s ``columns`` (their types, without the
        constraints and defaults of the columns left out), under a savepoint that
        :meth:`drop` goes back to."""
        self.conn.execute(_SAVEPOINT)
        names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        self.conn.execute(
            sql.SQL("CREATE TEMP TABLE {} AS SELECT {} FROM {} WITH NO DATA").format(
                STAGE, names, relation.ident
            )
        )

    def copy(self, target: CopyTarget) -> psycopg.Copy:
        """Begin loading the source's rows into the staged table; the caller writes the
        COPY data, then calls :meth:`staged` (or :meth:`abandon`)."""
        columns = sql.SQL(", ").join(sql.Identifier(c) for c in target.columns)
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(STAGE, columns)
        self._copying: AbstractContextManager[psycopg.Copy] = self.conn.cursor().copy(statement)
        return self._copying.__enter__()

    def staged(self) -> None:
        """The rows are all written: end the COPY (raises psycopg.Error if they do not load)."""
        self._copying.__exit__(None, None, None)

    def abandon(self, error: BaseException) -> None:
        """End a COPY that failed on the client's side, without raising again."""
        with suppress(psycopg.Error):
            self._copying.__exit__(type(error), error, error.__traceback__)

    def drop(self) -> None:
        """Drop the staged rows (and any error of theirs): back to the table's savepoint."""
        self.conn.execute(_ROLLBACK_TO)
        self.conn.execute(_RELEASE)

    def execute(self, query: sql.Composed) -> list[tuple[Any, ...]]:
        """A query of ours, without parameters: names in it may hold ``%`` (psycopg would
        read it as a placeholder when given parameters)."""
        return self.conn.execute(query).fetchall()

    def close(self) -> None:
        """Roll everything back: verify leaves the database as it found it."""
        try:
            self.conn.rollback()
        finally:
            self.conn.close()
