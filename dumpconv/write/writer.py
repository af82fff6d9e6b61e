"""The output file's framing, in order: header, session settings, one transaction with the
tables and their data, post-data, COMMIT. Never parses; everything it writes from the input
goes through ``pgsql`` (names, literals, comments) or ``encode`` (COPY data).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from dumpconv.base.pgsql import (
    EXTENSION_SCHEMA,
    SCHEMA,
    comment_text,
    dollar_quote,
    ident_text,
    name_text,
    qualified,
    quote_ident,
    quote_literal,
)
from dumpconv.base.safetext import printable
from dumpconv.base.version import VERSION as __version__
from dumpconv.write import inserts, pgcheck
from dumpconv.write.pgcheck import check_guard, check_statement

# The session the script needs, whatever the target database or role has set (as pg_dump
# sets them: a hostile ALTER DATABASE … SET cannot change how the script is read).
SETTINGS = (
    "SET statement_timeout = 0;",
    "SET lock_timeout = 0;",
    "SET idle_in_transaction_session_timeout = 0;",
    "SET client_encoding = 'UTF8';",
    "SET standard_conforming_strings = on;",
    "SET check_function_bodies = false;",
    "SET xmloption = content;",
    "SET client_min_messages = warning;",
    "SET row_security = off;",
    "SET default_tablespace = '';",
    "SET default_table_access_method = heap;",
    "SET TIME ZONE 'UTC';",
    "SET DateStyle = 'ISO, YMD';",
    "SET IntervalStyle = postgres;",
    # The triggers dumpconv creates do not fire while a dumpconv script loads rows: the
    # rows already hold what SQLite's triggers did (translate/triggers.py).
    "SET dumpconv.loading = on;",
    # As pg_dump: no name resolves through a schema the database's users can create in.
    "SELECT pg_catalog.set_config('search_path', '', false);",
)


class Writer:
    """Writes SQL text (UTF-8) and COPY data to a binary stream.

    Every SQL statement goes through :meth:`statement` (or :meth:`guarded`), which checks it
    with PostgreSQL's parser before writing it (``pgcheck``); every comment through
    :meth:`comment`, which escapes what could end it.

    Why it is long: it is the one gate of every statement form a script holds (the framing,
    COPY and INSERT rows, DROP, the staging of a data-only load, the frame of a load into
    an existing schema); each is a few lines around :meth:`statement`.
    """

    def __init__(self, out: BinaryIO, schema: str = SCHEMA) -> None:
        self.out = out
        self.schema = schema
        self._in_copy = False  # inside COPY data (failed() must end it first)
        self._whole_rows = True  # the COPY data written so far ends at a row's end
        self.began = False  # the header is written: a failure must end the script

    def _raw(self, text: str) -> None:
        """Framing dumpconv writes itself (blank lines, psql meta-commands, COPY ends)."""
        self.out.write(text.encode("utf-8"))

    def blank(self) -> None:
        self._raw("\n")

    def comment(self, line: str) -> None:
        self._raw(f"-- {comment_text(line)}\n")

    def statement(self, sql: str, kind: str, *, schemas: tuple[str, ...] | None = None) -> None:
        """One SQL statement, checked to be one ``kind`` statement naming only what we meant."""
        check_statement(sql, kind, schemas=schemas or (self.schema,))
        self._raw(sql + "\n")

    def guarded(self, sql: str, kind: str, what: str, fallback: str | None = None) -> None:
        """A statement whose failure must only warn: run by ``EXECUTE`` inside a ``DO`` block,
        so that even a statement PostgreSQL rejects as syntax becomes a WARNING naming the
        object. ``fallback`` (the NOT VALID form of a constraint) runs instead when the data
        violates the constraint."""
        check_statement(sql, kind, schemas=(self.schema,))
        shown = printable(what).replace("%", "%%")  # RAISE reads % as a placeholder
        first = dollar_quote(sql.rstrip(";"), "sql")
        executes = [first]
        handlers = ""
        if fallback is not None:
            check_statement(fallback, kind, schemas=(self.schema,))
            second = dollar_quote(fallback.rstrip(";"), "sql")
            executes.append(second)
            weakened = quote_literal(f"dumpconv: {shown} added NOT VALID: %")
            handlers = (
                "    WHEN foreign_key_violation OR check_violation THEN\n"
                f"        RAISE WARNING {weakened}, SQLERRM;\n"
                f"        EXECUTE {second};\n"
            )
        failed = quote_literal(f"dumpconv: {shown} not created: %")
        body = (
            f"\nBEGIN\n    EXECUTE {first};\nEXCEPTION\n{handlers}"
            f"    WHEN others THEN\n        RAISE WARNING {failed}, SQLERRM;\nEND\n"
        )
        do = f"DO {dollar_quote(body)};"
        check_guard(do, body, executes)
        self._raw(do + "\n")

    def header(self, source: str, options: str, restrict_key: str | None) -> None:
        self.began = True
        self._raw("--\n")
        self.comment(f"PostgreSQL load script written by dumpconv {__version__}")
        self.comment(f"from: {source}")
        if options:
            self.comment(f"options: {options}")
        self._raw(
            "-- load it with: psql -X -v ON_ERROR_STOP=1 -d DATABASE -f FILE\n"
            "-- it runs in one transaction: if any statement fails, nothing is changed\n--\n\n"
        )
        # \set first: once \restrict is on, psql runs no other meta-command.
        self._raw("\\set ON_ERROR_STOP on\n")
        if restrict_key is not None:
            self._raw(f"\\restrict {restrict_key}\n")
        self.blank()
        for setting in SETTINGS:
            self.statement(setting, "select" if setting.startswith("SELECT") else "set")
        self.blank()
        self.statement("BEGIN;", "begin")
        self.blank()

    def section(self, title: str) -> None:
        self._raw(f"--\n-- {comment_text(title)}\n--\n\n")

    def copy(self, table: str, columns: Iterable[str] | None, data: Iterable[bytes]) -> None:
        """A COPY block; without ``columns``, the table's own columns in their order."""
        self.copy_start(table, columns)
        self.copy_data(data)
        self.copy_end()

    def copy_start(self, table: str, columns: Iterable[str] | None) -> None:
        """The COPY statement of a block whose rows follow (:meth:`copy_data`) until
        :meth:`copy_end`."""
        cols = "" if columns is None else " (" + ", ".join(quote_ident(c) for c in columns) + ")"
        self._copy_start(f"COPY {qualified(table, self.schema)}{cols} FROM stdin;", self.schema)

    def _copy_start(self, sql: str, schema: str) -> None:
        self.statement(sql, "copy", schemas=(schema,))
        self._in_copy = True
        self._whole_rows = True

    def copy_data(self, data: Iterable[bytes]) -> None:
        """COPY text (whole rows, encoded by ``base.encode``) inside the block begun."""
        assert self._in_copy, "COPY data outside a COPY block"
        for piece in data:
            if piece:
                self._whole_rows = False  # until the write is known to be whole
                self.out.write(piece)
                self._whole_rows = piece.endswith(b"\n")

    def copy_end(self) -> None:
        self._raw("\\.\n\n")
        self._in_copy = False

    def _copy(self, sql: str, schema: str, data: Iterable[bytes]) -> None:
        self._copy_start(sql, schema)
        self.copy_data(data)
        self.copy_end()

    def rows(
        self, table: str, columns: Iterable[str], data: Iterable[bytes], per_insert: int | None,
        overriding: bool = False,
    ) -> None:  # fmt: skip
        """A table's rows: a COPY block, or with ``per_insert`` INSERT statements of that
        many rows each (``--inserts``), their values read from the same COPY text
        (``inserts``); ``overriding`` for identity columns GENERATED ALWAYS."""
        if per_insert is None:
            self.copy(table, columns, data)
            return
        self._inserts(table, self.schema, columns, data, per_insert, overriding)

    def _inserts(self, table: str, schema: str, columns: Iterable[str], data: Iterable[bytes],
                 per_insert: int, overriding: bool) -> None:  # fmt: skip
        for sql in inserts.statements(table, schema, columns, data, per_insert, overriding):
            self._raw(sql + "\n")
        self.blank()

    def setval(self, table: str, column: str, last: int | None) -> None:
        """Make the identity sequence hand out ``last + 1`` next (1 when there is no last)."""
        seq = (
            f"pg_catalog.pg_get_serial_sequence({quote_literal(name_text(table, self.schema))}, "
            f"{quote_literal(column)})"
        )
        if last is None or last < 1:
            self.statement(f"SELECT pg_catalog.setval({seq}, 1, false);", "select")
        else:
            self.statement(f"SELECT pg_catalog.setval({seq}, {last}, true);", "select")
        self.blank()

    def extension(self, name: str) -> None:
        """An extension the script's types need, in public whatever --schema is (its types
        are public.citext); citext is trusted (PG 13+): a database owner may create it."""
        self.statement(
            f"CREATE EXTENSION IF NOT EXISTS {quote_ident(name)} WITH SCHEMA "
            f"{quote_ident(EXTENSION_SCHEMA)};",
            "create-extension", schemas=(EXTENSION_SCHEMA,),
        )  # fmt: skip
        self.blank()

    def drop(self, what: str, name: str) -> None:
        """--drop (pg_dump --clean --if-exists): ``what`` (TABLE, VIEW or FUNCTION) the
        script creates is dropped first if it exists, with what depends on it."""
        args = "()" if what == "FUNCTION" else ""
        self.statement(f"DROP {what} IF EXISTS {qualified(name, self.schema)}{args} CASCADE;",
                       "drop")  # fmt: skip

    def truncate(self, tables: Iterable[str]) -> None:
        """Empty the tables (in one statement: they may reference each other)."""
        names = ", ".join(qualified(t, self.schema) for t in tables)
        self.statement(f"TRUNCATE TABLE ONLY {names};", "truncate")

    def alter_constraint(self, table: str, name: str, *, deferred: bool) -> None:
        """Make a foreign key deferred for a load, or as it was (not deferrable) after it."""
        how = "DEFERRABLE INITIALLY DEFERRED" if deferred else "NOT DEFERRABLE"
        self.statement(
            f"ALTER TABLE {qualified(table, self.schema)} ALTER CONSTRAINT "
            f"{quote_ident(name)} {how};",
            "alter-table",
        )

    def triggers(self, table: str, *, enable: bool) -> None:
        """pg_dump --disable-triggers: every trigger of the table, foreign keys' included."""
        how = "ENABLE" if enable else "DISABLE"
        self.statement(f"ALTER TABLE {qualified(table, self.schema)} {how} TRIGGER ALL;",
                       "alter-table")  # fmt: skip

    def staged_copy(
        self, name: str, width: int, stage: int, data: Iterable[bytes], at_least: int,
        per_insert: int | None = None,
    ) -> None:  # fmt: skip
        """Rows for a table that exists already, found by its SQLite name at load time.

        A --data-only dump does not say how its table names were created, and PostgreSQL
        matches names case-sensitively: the rows are copied into a temporary table of text
        columns, and moved into the one existing table whose name matches exactly or, failing
        that, without regard to case; each value is cast to its column's type there.
        """
        # In pg_temp, qualified: no table of the dump (or the database) can be taken for it.
        temp = f"pg_temp.dumpconv_rows_{stage}"
        cols = ", ".join(f"c{i + 1} text" for i in range(width))
        self.statement(
            f"CREATE TEMPORARY TABLE {temp} ({cols}) ON COMMIT DROP;",
            "create-table",
            schemas=("pg_temp",),
        )
        if per_insert is None:
            self._copy(f"COPY {temp} FROM stdin;", "pg_temp", data)
        else:
            staged = [f"c{i + 1}" for i in range(width)]
            self._inserts(f"dumpconv_rows_{stage}", "pg_temp", staged, data, per_insert, False)
        body = _move_rows(self.schema, name, width, temp, at_least)
        do = f"DO {dollar_quote(body)};"
        self.statement(do, "do")
        if pgcheck.do_body(do) != body:
            raise pgcheck.StatementCheckError("the DO body ends elsewhere than built", do)
        self.blank()

    def rename_sequence(self, old: str, new: str) -> None:
        """An identity sequence gives its name up to a table read after it was created."""
        self.comment(f"dumpconv: the table read next is named {old}: its sequence gives it up")
        self.statement(
            f"ALTER SEQUENCE {qualified(old, self.schema)} RENAME TO {quote_ident(new)};",
            "rename",
        )
        self.blank()

    def failed(self, restrict_key: str | None) -> None:
        """The conversion stopped after part of the script was written (it is written as the
        input is read): end it with an error, so that psql stops and the transaction, which
        has no COMMIT, changes nothing. Nothing from the input is in it."""
        if self._in_copy:  # stopped inside a table's rows: end them first
            # Between batches (a table streaming when a later row failed) the block ends
            # cleanly and the error below is the one psql reports; a row cut short (an
            # interrupted write) is ended first. Either way psql stops before COMMIT.
            self._raw("\\.\n" if self._whole_rows else "\n\\.\n")
            self._in_copy = False
        self._raw("\n")
        self.comment("dumpconv: the conversion FAILED here (see dumpconv's message): this")
        self.comment("dumpconv: script is incomplete, and loading it changes nothing")
        body = (
            "\nBEGIN\n    RAISE EXCEPTION 'dumpconv: the conversion failed; this script is "
            "incomplete and changes nothing';\nEND\n"
        )
        do = f"DO {dollar_quote(body)};"
        self.statement(do, "do")
        self.statement("ROLLBACK;", "rollback")
        if restrict_key is not None:
            self._raw(f"\n\\unrestrict {restrict_key}\n")

    def footer(self, restrict_key: str | None) -> None:
        self.statement("COMMIT;", "commit")
        if restrict_key is not None:
            self._raw(f"\n\\unrestrict {restrict_key}\n")


def _move_rows(schema: str, name: str, width: int, temp: str, at_least: int) -> str:
    """The DO body that moves staged rows into the one existing table named so (exactly,
    else regardless of case), casting each value to its column's type, then moves the
    table's sequences past the data and past ``at_least``."""
    want = quote_literal(name)
    namespace = quote_literal(ident_text(schema))  # regnamespace reads it as a name
    body = (
        "\nDECLARE\n    target regclass;\n    names text;\n    casts text;\n"
        "    n int;\n    seq record;\n    top bigint;\nBEGIN\n"
        "    SELECT c.oid INTO target FROM pg_catalog.pg_class c\n"
        "        WHERE c.relkind IN ('r', 'p')\n"
        f"        AND c.relnamespace = {namespace}::pg_catalog.regnamespace\n"
        f"        AND (c.relname = {want} OR lower(c.relname) = lower({want}))\n"
        f"        ORDER BY c.relname = {want} DESC LIMIT 1;\n"
        "    IF target IS NULL THEN\n"
        "        RAISE EXCEPTION 'dumpconv: table % does not exist in this database',\n"
        f"            {want};\n"
        "    END IF;\n"
        "    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),\n"
        "           string_agg(format('c%s::%s', a.rn, a.typ), ', ' ORDER BY a.attnum),\n"
        "           count(*)\n"
        "        INTO names, casts, n\n"
        "        FROM (SELECT attname, attnum,\n"
        "                     pg_catalog.format_type(atttypid, atttypmod) AS typ,\n"
        "                     row_number() OVER (ORDER BY attnum) AS rn\n"
        "              FROM pg_catalog.pg_attribute WHERE attrelid = target AND attnum > 0\n"
        "              AND NOT attisdropped AND attgenerated = '') a;\n"
        f"    IF n <> {width} THEN\n"
        "        RAISE EXCEPTION 'dumpconv: table % has % columns, the dump has %',\n"
        f"            target, n, {width};\n"
        "    END IF;\n"
        "    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s',\n"
        f"        target, names, casts, {quote_literal(temp)});\n"
        "    FOR seq IN SELECT a.attname,\n"
        "            pg_catalog.pg_get_serial_sequence(target::text, a.attname) AS name\n"
        "        FROM pg_catalog.pg_attribute a WHERE a.attrelid = target\n"
        "        AND a.attnum > 0 AND NOT a.attisdropped LOOP\n"
        "        CONTINUE WHEN seq.name IS NULL;\n"
        "        EXECUTE format('SELECT max(%I) FROM %s', seq.attname, target) INTO top;\n"
        f"        top := greatest(coalesce(top, 0), {at_least});\n"
        "        IF top >= 1 THEN\n"
        "            PERFORM pg_catalog.setval(seq.name, top, true);\n"
        "        END IF;\n"
        "    END LOOP;\n"
        "END\n"
    )
    return body
