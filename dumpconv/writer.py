"""The output file's framing, in order: header, session settings, one transaction with the
tables and their data, post-data, COMMIT. Never parses; everything it writes from the input
goes through ``pgsql`` (names, literals, comments) or ``encode`` (COPY data).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from . import __version__
from .pgsql import comment_text, quote_ident, quote_literal

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

    def copy(self, table: str, columns: Iterable[str], data: Iterable[bytes]) -> None:
        cols = ", ".join(quote_ident(c) for c in columns)
        self.text(f"COPY {quote_ident(table)} ({cols}) FROM stdin;\n")
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

    def footer(self, restrict_key: str | None) -> None:
        self.text("COMMIT;\n")
        if restrict_key is not None:
            self.text(f"\n\\unrestrict {restrict_key}\n")
