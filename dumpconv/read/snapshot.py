"""One read transaction on a SQLite database file, written out as ``sqlite3 .dump`` text.

:class:`Snapshot` opens the file read-only (``mode=ro``, or ``immutable=1`` for read-only
media), begins ONE read transaction and reads the schema at once, so every table comes from
the same snapshot whatever another process writes meanwhile (in WAL mode writers go on; with
a rollback journal they wait until the snapshot is closed, as for ``.dump``). It never
writes. :meth:`Snapshot.chunks` is the text of the CLI's ``.dump`` (shell.c,
``dump_callback``), about a megabyte at a time, made by ``read.dumptext``'s pieces.

A read-only connection to a WAL database creates its -wal and -shm files and cannot delete
them; when they were not there before, :meth:`Snapshot.close` has SQLite delete them as it
does on a last close (``_tidy_wal``), only if no process wrote meanwhile (an empty -wal).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from typing import Any

from dumpconv.base.errors import DumpconvError
from dumpconv.base.hotpath import csqlite
from dumpconv.read.dumptext import (
    fix_specials,
    insert_name,
    post_line,
    quote_ident,
    row_select,
    schema_line,
    virtual_table,
)

CHUNK = 1 << 20  # text made at a time
_FETCH = 512  # rows fetched at a time

# The CLI's two queries (shell.c, .dump): tables in rowid order with sqlite_sequence last,
# then indexes, triggers and views, in rowid order.
_TABLES = (
    "SELECT name, type, sql FROM sqlite_schema AS o WHERE (true) AND type=='table'"
    "  AND sql NOT NULL ORDER BY tbl_name='sqlite_sequence', rowid"
)
_POST = (
    "SELECT sql FROM sqlite_schema AS o WHERE (true) AND sql NOT NULL"
    "  AND type IN ('index','trigger','view')"
)
_WAL_FILES = ("-wal", "-shm")
_CSQLITE = csqlite()


class Snapshot:
    """A database opened read-only in one read transaction, until :meth:`close`.

    Raises (from the constructor and from iterating :meth:`chunks`):
        DumpconvError: SQLite cannot open or read the database; one line naming the file.
    """

    def __init__(self, path: str, immutable: bool = False) -> None:
        self.name = path
        self._con: sqlite3.Connection | None = None
        self._c: object | None = None  # the C database reader's connection, when used
        self._tidy = not immutable and not any(os.path.lexists(path + s) for s in _WAL_FILES)
        with self.sqlite_errors():
            uri = _uri(path, "mode=ro&immutable=1" if immutable else "mode=ro")
            if _CSQLITE is not None:
                db = _CSQLITE.open(uri)
                self._c = db
                _CSQLITE.query(db, "BEGIN")  # one read transaction, from the first read on
                if _CSQLITE.query(db, "PRAGMA encoding")[0][0] != b"UTF-8":
                    # It writes the text of UTF-8 databases only (hex() is of stored bytes).
                    _CSQLITE.close(db)
                    self._c = None
            if self._c is None:
                con = sqlite3.connect(uri, uri=True, isolation_level=None)
                self._con = con
                con.text_factory = bytes
                con.execute("BEGIN")  # one read transaction, from the first read to close()
            self._encoding = self._query("PRAGMA encoding")[0][0].decode()
            self._tables: list[tuple[bytes, bytes, bytes]] = self._query(_TABLES)
            self._post: list[tuple[bytes]] = self._query(_POST)

    def _query(self, sql: str) -> list[tuple[Any, ...]]:
        if self._c is not None:
            assert _CSQLITE is not None
            rows: list[tuple[Any, ...]] = _CSQLITE.query(self._c, sql)
            return rows
        assert self._con is not None
        return self._con.execute(sql).fetchall()

    def chunks(self) -> Iterator[bytes]:
        """The dump text, in pieces of about :data:`CHUNK` bytes."""
        pending: list[bytes] = []
        size = 0
        texts = self._text()
        while True:
            with self.sqlite_errors():
                piece = next(texts, None)
            if piece is None:
                break
            pending.append(piece)
            size += len(piece)
            if size >= CHUNK:
                yield b"".join(pending)
                pending, size = [], 0
        if pending:
            yield b"".join(pending)

    def close(self) -> None:
        """End the read transaction and close the database."""
        if self._con is not None or self._c is not None:
            if self._con is not None:
                self._con.close()
                self._con = None
            if self._c is not None:
                assert _CSQLITE is not None
                _CSQLITE.close(self._c)
                self._c = None
            if self._tidy:
                _tidy_wal(self.name)

    @contextlib.contextmanager
    def sqlite_errors(self) -> Iterator[None]:
        """SQLite's errors said as one line naming the file and what to do."""
        try:
            yield
        except sqlite3.Error as e:
            self.close()
            raise _said(self.name, e) from None

    def _text(self) -> Iterator[bytes]:
        """The CLI's .dump (``dump_callback``), piece by piece."""
        yield b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
        writable = False
        for name, kind, sql in self._tables:
            if name == b"sqlite_sequence":
                yield b"DELETE FROM sqlite_sequence;\n"
            elif name.startswith(b"sqlite_stat") and len(name) == 12:  # glob sqlite_stat?
                yield b"ANALYZE sqlite_schema;\n"
            elif name.startswith(b"sqlite_"):
                continue
            elif sql.startswith(b"CREATE VIRTUAL TABLE"):
                if not writable:
                    yield b"PRAGMA writable_schema=ON;\n"
                    writable = True
                yield virtual_table(name, sql)
                continue
            else:
                yield schema_line(sql)
            if kind == b"table":
                yield from self._rows(self._name(name))
        for (sql,) in self._post:
            yield post_line(sql)
        if writable:
            yield b"PRAGMA writable_schema=OFF;\n"
        yield b"COMMIT;\n"

    def _rows(self, table: str) -> Iterator[bytes]:
        """A table's rows as INSERT statements, about a chunk at a time."""
        info = self._query(f"PRAGMA table_info({quote_ident(table)})")
        columns = [self._name(row[1]) for row in info]
        if not columns:
            return
        if self._c is not None:  # the same text, written by the C database reader
            assert _CSQLITE is not None
            select = f"SELECT {','.join(map(quote_ident, columns))} FROM {quote_ident(table)}"
            stmt = _CSQLITE.rows(self._c, select)
            prefix = ("INSERT INTO " + insert_name(table) + " VALUES(").encode()
            while chunk := _CSQLITE.chunk(stmt, prefix, CHUNK):
                yield fix_specials(chunk, self._encoding)
            return
        assert self._con is not None
        cursor = self._con.execute(row_select(table, columns))
        lines: list[bytes] = []
        size = 0
        while rows := cursor.fetchmany(_FETCH):
            batch = [row[0] for row in rows]
            lines += batch
            size += sum(map(len, batch))
            if size >= CHUNK:
                yield fix_specials(b"\n".join(lines) + b"\n", self._encoding)
                lines, size = [], 0
        if lines:
            yield fix_specials(b"\n".join(lines) + b"\n", self._encoding)

    def _name(self, name: bytes) -> str:
        try:
            return name.decode("utf-8")
        except UnicodeDecodeError:
            raise DumpconvError(
                f"{self.name}: the name {name!r} is not valid UTF-8",
                None,
                f"rename it in SQLite, or convert the dump: sqlite3 {self.name} .dump | dumpconv",
            ) from None


def _said(name: str, error: sqlite3.Error) -> DumpconvError:
    code = getattr(error, "sqlite_errorname", "")
    check = f"`sqlite3 {name} 'PRAGMA integrity_check'` checks it"
    if code in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or code.startswith("SQLITE_CORRUPT"):
        return DumpconvError(
            f"{name}: SQLite cannot read this database ({error}): it is damaged or encrypted",
            None,
            f"{check}; an encrypted database must be decrypted by the tool that wrote it",
        )
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DumpconvError(
            f"{name}: another process holds the database locked ({error})",
            None,
            "convert it once that process has finished writing",
        )
    if code.startswith("SQLITE_CANTOPEN"):
        return DumpconvError(
            f"{name}: SQLite cannot open the database read-only ({error})",
            None,
            "a WAL database needs its -shm file or a writable directory; a database on "
            "read-only media that no process writes can be read with --immutable",
        )
    return DumpconvError(f"{name}: SQLite failed reading the database ({error})", None, check)


def _uri(path: str, mode: str) -> str:
    """SQLite's URI of ``path`` (percent-quoted: ``?``, ``#`` and ``%`` may be in a file
    name) with ``mode``, URI parameters."""
    quoted = urllib.parse.quote(os.fsencode(os.path.abspath(path)))
    return f"file:{quoted}?{mode}"


def _tidy_wal(path: str) -> None:
    """Delete the empty -wal and the -shm a read-only connection left, the way SQLite does:
    a read-write connection that read, closed; as the last connection it takes the exclusive
    lock and deletes them (with another connection open it leaves them: they are in use).
    Only when no process wrote (an empty -wal), so nothing is checkpointed into the file."""
    try:
        if os.path.getsize(path + "-wal") != 0:
            return
    except OSError:
        return
    with contextlib.suppress(sqlite3.Error):
        con = sqlite3.connect(_uri(path, "mode=rw"), uri=True, isolation_level=None)
        try:
            con.execute("SELECT 1 FROM sqlite_schema LIMIT 0").fetchall()
        finally:
            con.close()
