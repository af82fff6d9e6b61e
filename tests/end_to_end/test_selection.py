"""--include / --exclude (issue 14): only the tables the globs select are converted.

An application-shaped SQLite database is dumped by the real sqlite3 and converted with
different selections; each script is loaded into PostgreSQL. The tables selected hold
SQLite's rows, the others do not exist, and what depended on a table left out (foreign keys,
indexes, triggers, views and the views over those) is left out too, said in the report and
in the script.
"""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path

import pytest

import dumpconv
from dumpconv.base.errors import DumpconvError
from dumpconv.base.report import Report, Severity
from tests.end_to_end.schemadb import converted
from tests.pgharness import PgServer
from tests.producers import cli_dump

SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE Posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id),
    title TEXT);
CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES Posts(id),
    body TEXT);
CREATE TABLE log_a (id INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT);
CREATE TABLE log_b (id INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT);
CREATE TABLE "odd [name]" (x INTEGER);
CREATE INDEX posts_title ON Posts(title);
CREATE INDEX log_a_what ON log_a(what);
CREATE TRIGGER post_logged AFTER INSERT ON Posts BEGIN
  INSERT INTO log_a (what) VALUES ('post ' || NEW.title);
END;
CREATE TRIGGER log_b_upper BEFORE INSERT ON log_b BEGIN
  SELECT RAISE(ABORT, 'empty') WHERE NEW.what = '';
END;
CREATE VIEW post_authors AS SELECT p.title, u.name FROM Posts p JOIN users u ON u.id = p.user_id;
CREATE VIEW author_names AS SELECT name FROM post_authors;
CREATE VIEW titles AS SELECT title FROM Posts;
INSERT INTO users VALUES (1, 'ada'), (2, 'bob');
INSERT INTO Posts (id, user_id, title) VALUES (1, 1, 'hello'), (2, 2, 'again');
INSERT INTO comments VALUES (1, 1, 'nice'), (2, 2, 'meh');
INSERT INTO log_b (what) VALUES ('x'), ('y'), ('z');
DELETE FROM log_b WHERE what = 'z';
INSERT INTO "odd [name]" VALUES (1);
"""

ALL = {"users", "posts", "comments", "log_a", "log_b", "odd [name]"}


def _load(pg: PgServer, dsn: str, tmp: Path, options: dumpconv.Options) -> tuple[Path, str, Report]:
    """Convert the database with ``options``, load it; (the SQLite db, script, report)."""
    db, script, report = converted(tmp, SCHEMA, options)
    pg.load_sql(dsn, script).check()
    return db, script.read_text(encoding="utf-8"), report


def _tables(pg: PgServer, dsn: str) -> set[str]:
    rows = pg.query(dsn, "SELECT relname FROM pg_catalog.pg_class WHERE relkind IN ('r', 'v') "
                         "AND relnamespace = 'public'::regnamespace")  # fmt: skip
    return {str(r[0]) for r in rows}


def _same_rows(pg: PgServer, dsn: str, db: Path, tables: set[str]) -> None:
    con = sqlite3.connect(db)
    try:
        for t in tables:
            quoted = '"' + t.replace('"', '""') + '"'
            want = sorted(con.execute(f"SELECT * FROM {quoted}").fetchall())
            got = sorted(pg.query(dsn, f"SELECT * FROM public.{quoted}"))
            assert got == want, t
    finally:
        con.close()


def _said(report: Report, severity: Severity) -> list[str]:
    return [d.message for d in report.diagnostics if d.severity is severity]


@pytest.mark.pg
def test_exclude_leaves_out_the_tables_and_what_needs_them(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    options = dumpconv.Options(exclude=("LOG_*",))  # case-insensitive, as SQLite names
    db, script, report = _load(pg_server, pg_db, tmp_path, options)
    kept = ALL - {"log_a", "log_b"}
    assert _tables(pg_server, pg_db) == kept | {"post_authors", "author_names", "titles"}
    _same_rows(pg_server, pg_db, db, kept)
    info = _said(report, Severity.INFO)
    assert "table log_a left out (--exclude LOG_*): not created, its rows not loaded" in info
    assert "index log_a_what on log_a left out with its table (--include/--exclude)" in info
    assert "trigger log_b_upper on log_b left out with its table (--include/--exclude)" in info
    # a trigger of a table converted writes a table left out: it cannot be created
    lossy = _said(report, Severity.LOSSY)
    assert any("trigger post_logged on Posts" in m and "left out by" in m for m in lossy)
    assert "-- options: --exclude LOG_*" in script
    assert re.search(r"\n-- dumpconv: table log_a \(line \d+\): left out \(--exclude LOG_\*\)\n"
                     r"-- dumpconv: table log_b \(line \d+\): left out", script)  # fmt: skip
    assert "public.log_" not in script  # nor sqlite_sequence's setval
    assert '"log_b"' not in script
    assert set(report.tables) == {"users", "Posts", "comments", "odd [name]"}


@pytest.mark.pg
def test_include_keeps_only_the_tables_named_and_reports_what_reads_the_others(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    options = dumpconv.Options(include=("posts", "comments", "log_?"), exclude=("log_b",))
    db, script, report = _load(pg_server, pg_db, tmp_path, options)
    kept = {"posts", "comments", "log_a"}
    # titles reads only Posts; post_authors reads users, author_names reads post_authors
    assert _tables(pg_server, pg_db) == kept | {"titles"}
    _same_rows(pg_server, pg_db, db, kept)
    lossy = _said(report, Severity.LOSSY)
    assert "foreign key of Posts (user_id) to users not created: table users is left out " \
        "(--include/--exclude)" in lossy  # fmt: skip
    assert any(m.startswith("view post_authors not created: refers to 'users', which is left "
                            "out by --include/--exclude") for m in lossy)  # fmt: skip
    assert any(m.startswith("view author_names not created") for m in lossy)
    info = _said(report, Severity.INFO)
    assert "table users left out (no --include matches it): not created, its rows not loaded" \
        in info  # fmt: skip
    assert "table log_b left out (--exclude log_b): not created, its rows not loaded" in info
    # the foreign key between two tables selected is there; the trigger now fires
    fks = pg_server.query(pg_db, "SELECT conname FROM pg_catalog.pg_constraint WHERE "
                                 "contype = 'f'")  # fmt: skip
    assert fks == [("comments_post_id_fkey",)]
    pg_server.query(pg_db, "INSERT INTO public.posts (title) VALUES ('new')")
    logged = pg_server.query(pg_db, "SELECT what FROM public.log_a ORDER BY id")
    assert logged == [("post hello",), ("post again",), ("post new",)]
    assert "dumpconv: view post_authors not created" in script


@pytest.mark.pg
def test_a_glob_that_matches_nothing_is_a_warning_and_brackets_are_classes(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    options = dumpconv.Options(exclude=("nosuch*", "odd [[]name]", "[!a-z]*"))
    _, _, report = _load(pg_server, pg_db, tmp_path, options)
    warned = [d for d in report.diagnostics if d.code == "selection-unmatched"]
    assert [(d.severity, d.message) for d in warned] == [
        (Severity.WARNING, "--exclude nosuch* matched no table of the dump"),
        (Severity.WARNING, "--exclude [!a-z]* matched no table of the dump"),
    ]
    assert "odd [name]" not in _tables(pg_server, pg_db)
    assert "users" in _tables(pg_server, pg_db)


def test_strict_refuses_a_selection_that_loses_a_definition(tmp_path: Path) -> None:
    with pytest.raises(DumpconvError, match="table users is left out"):
        converted(tmp_path, SCHEMA, dumpconv.Options(strict=True, exclude=("users", "log_*")))


def test_strict_accepts_a_selection_that_loses_nothing(tmp_path: Path) -> None:
    _, _, report = converted(
        tmp_path, SCHEMA, dumpconv.Options(strict=True, exclude=("log_b", "odd*"))
    )
    assert report.lossy == []


def test_nothing_is_read_of_a_table_left_out(tmp_path: Path) -> None:
    """Rows of a table left out are not read: a value dumpconv refuses there is no error."""
    db = tmp_path / "a.db"
    con = sqlite3.connect(db)
    con.executescript(
        "CREATE TABLE keep (t TEXT); CREATE TABLE junk (t TEXT); INSERT INTO keep VALUES ('a');"
        "INSERT INTO junk VALUES (CAST(x'ff00' AS TEXT));"
    )
    con.commit()
    con.close()
    dump = cli_dump(db)
    with pytest.raises(DumpconvError, match="junk"):
        dumpconv.convert(
            io.BytesIO(dump), io.BytesIO(), dumpconv.Options(invalid_utf8="refuse", nul="refuse")
        )
    out = io.BytesIO()
    report = dumpconv.convert(
        io.BytesIO(dump),
        out,
        dumpconv.Options(exclude=("junk",), invalid_utf8="refuse", nul="refuse"),
    )
    assert set(report.tables) == {"keep"}
    assert b"junk (line" in out.getvalue()


@pytest.mark.pg
def test_data_only_dumps_and_virtual_tables_follow_the_selection(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    db = tmp_path / "fts.db"
    con = sqlite3.connect(db)
    con.executescript(
        "CREATE TABLE a (id INTEGER PRIMARY KEY, t TEXT); CREATE TABLE b (id INTEGER);"
        "CREATE VIRTUAL TABLE docs USING fts5(body);"
        "INSERT INTO a VALUES (1, 'x'); INSERT INTO b VALUES (7);"
        "INSERT INTO docs VALUES ('hello world');"
    )
    con.commit()
    con.close()
    whole = cli_dump(db)
    out = io.BytesIO()
    report = dumpconv.convert(io.BytesIO(whole), out, dumpconv.Options(exclude=("docs",)))
    assert "virtual table docs left out (--exclude docs): not created, its rows not loaded" in \
        _said(report, Severity.INFO)  # fmt: skip
    assert not [d for d in report.diagnostics if d.code == "virtual-table-skipped"]
    script = tmp_path / "whole.sql"
    script.write_bytes(out.getvalue())
    pg_server.load_sql(pg_db, script).check()
    assert _tables(pg_server, pg_db) == {"a", "b"}
    # rows only, into the tables that exist: b is left out, its rows stay as they are
    pg_server.query(pg_db, "DELETE FROM public.a; DELETE FROM public.b")
    rows = io.BytesIO()
    dumpconv.convert(io.BytesIO(cli_dump(db, ".dump --data-only")), rows,
                     dumpconv.Options(exclude=("b", "docs*")))  # fmt: skip
    assert b"public.b" not in rows.getvalue()
    assert b"'b'" not in rows.getvalue()
    script.write_bytes(rows.getvalue())
    pg_server.load_sql(pg_db, script).check()
    assert pg_server.query(pg_db, "SELECT id, t FROM public.a") == [(1, "x")]
    assert pg_server.query(pg_db, "SELECT count(*) FROM public.b") == [(0,)]


def test_the_header_names_the_selection_and_the_script_is_the_same_for_any_jobs(
    tmp_path: Path,
) -> None:
    chosen = {"include": ("*",), "exclude": ("users", "log_a"), "schema": "app"}
    db, script, _ = converted(
        tmp_path,
        SCHEMA,
        dumpconv.Options(restrict_key="k", jobs=1, **chosen),  # type: ignore[arg-type]
    )
    text = script.read_bytes()
    assert b"-- options: --schema app --include * --exclude users --exclude log_a\n" in text
    again = io.BytesIO()
    options = dumpconv.Options(restrict_key="k", jobs=2, **chosen)  # type: ignore[arg-type]
    dumpconv.convert(io.BytesIO(cli_dump(db)), again, options)
    assert again.getvalue() == text


def test_an_empty_glob_is_refused() -> None:
    with pytest.raises(DumpconvError, match="--include needs a table name or a glob"):
        dumpconv.convert(io.BytesIO(b""), io.BytesIO(), dumpconv.Options(include=("",)))
