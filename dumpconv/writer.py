"""The output file's framing, in order: header, session settings, one transaction with the
tables and their data, post-data, COMMIT. Never parses; everything it writes from the input
goes through ``pgsql`` (names, literals, comments) or ``encode`` (COPY data).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from . import __version__
from .pgsql import comment_text, dollar_quote, quote_ident, quote_literal

SETTINGS = (
    "SET client_encoding = 'UTF8';",
    "SET standard_conforming_strings = on;",
    "SET check_function_bodies = false;",
    "SET client_min_messages = warning;",
    "SET TIME ZONE 'UTC';",
    "SET DateStyle = 'ISO, YMD';",
)


class Writer:
    """Writes SQL text (UTF-8) and COPY data to a binary stream."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out

    def text(self, sql: str) -> None:
        # Names from the input may hold invalid UTF-8 (kept as surrogate escapes).
        self.out.write(sql.encode("utf-8", "replace"))

    def comment(self, line: str) -> None:
        self.text(f"-- {comment_text(line)}\n")

    def header(self, source: str, options: str, restrict_key: str | None) -> None:
        self.text("--\n")
        self.comment(f"PostgreSQL load script written by dumpconv {__version__}")
        self.comment(f"from: {source}")
        if options:
            self.comment(f"options: {options}")
        self.text(
            "-- load it with: psql -X -v ON_ERROR_STOP=1 -d DATABASE -f FILE\n"
            "-- it runs in one transaction: if any statement fails, nothing is changed\n--\n\n"
        )
        # \set first: once \restrict is on, psql runs no other meta-command.
        self.text("\\set ON_ERROR_STOP on\n")
        if restrict_key is not None:
            self.text(f"\\restrict {restrict_key}\n")
        self.text("\n")
        self.text("\n".join(SETTINGS) + "\n\nBEGIN;\n\n")

    def section(self, title: str) -> None:
        self.text(f"--\n-- {comment_text(title)}\n--\n\n")

    def copy(self, table: str, columns: Iterable[str] | None, data: Iterable[bytes]) -> None:
        """A COPY block; without ``columns``, the table's own columns in their order."""
        cols = "" if columns is None else " (" + ", ".join(quote_ident(c) for c in columns) + ")"
        self.text(f"COPY {quote_ident(table)}{cols} FROM stdin;\n")
        for piece in data:
            self.out.write(piece)
        self.text("\\.\n\n")

    def setval(self, table: str, column: str, last: int | None) -> None:
        """Make the identity sequence hand out ``last + 1`` next (1 when there is no last)."""
        seq = (
            f"pg_catalog.pg_get_serial_sequence({quote_literal(quote_ident(table))}, "
            f"{quote_literal(column)})"
        )
        if last is None or last < 1:
            self.text(f"SELECT pg_catalog.setval({seq}, 1, false);\n\n")
        else:
            self.text(f"SELECT pg_catalog.setval({seq}, {last}, true);\n\n")

    def staged_copy(
        self, name: str, width: int, stage: int, data: Iterable[bytes], at_least: int
    ) -> None:
        """Rows for a table that exists already, found by its SQLite name at load time.

        A --data-only dump does not say how its table names were created, and PostgreSQL
        matches names case-sensitively: the rows are copied into a temporary table of text
        columns, and moved into the one existing table whose name matches exactly or, failing
        that, without regard to case; each value is cast to its column's type there.
        """
        temp = f"dumpconv_rows_{stage}"
        cols = ", ".join(f"c{i + 1} text" for i in range(width))
        self.text(f"CREATE TEMPORARY TABLE {temp} ({cols}) ON COMMIT DROP;\n")
        self.text(f"COPY {temp} FROM stdin;\n")
        for piece in data:
            self.out.write(piece)
        self.text("\\.\n\n")
        want = quote_literal(name)
        body = (
            "\nDECLARE\n    target regclass;\n    names text;\n    casts text;\n"
            "    n int;\n    seq record;\n    top bigint;\nBEGIN\n"
            "    SELECT c.oid INTO target FROM pg_catalog.pg_class c\n"
            "        WHERE c.relkind IN ('r', 'p') AND pg_catalog.pg_table_is_visible(c.oid)\n"
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
        self.text(f"DO {dollar_quote(body)};\n\n")

    def footer(self, restrict_key: str | None) -> None:
        self.text("COMMIT;\n")
        if restrict_key is not None:
            self.text(f"\n\\unrestrict {restrict_key}\n")
