"""The schema behaves on PostgreSQL as it did in SQLite (issue 12): the same statements,
run on the SQLite database and on its converted load, give the same answers.

Each case is a statement and how to compare its outcome: the rows it returns (in order
when the statement orders them), or whether it is refused by a constraint.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest

import dumpconv
from tests.end_to_end.schemadb import converted
from tests.pgharness import PgServer

pytestmark = pytest.mark.pg

REPO = Path(__file__).resolve().parents[2]
NOCASE = REPO / "fixtures" / "nocase.sqlite.sql"


@pytest.fixture(scope="module")
def loaded(
    pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:  # fmt: skip
    tmp = tmp_path_factory.mktemp("nocase")
    db = tmp / "app.db"
    with open(NOCASE, "rb") as src:
        subprocess.run(["sqlite3", str(db)], stdin=src, check=True)
    script = tmp / "pg.sql"
    with open(NOCASE, "rb") as src, open(script, "wb") as out:
        dumpconv.convert(src, out, dumpconv.Options())
    dsn = pg_server.create_db("nocase")
    assert pg_server.load_sql(dsn, script).check().warnings == []
    return db, dsn


def _sqlite(db: Path, statement: str) -> Any:
    con = sqlite3.connect(db)
    try:
        return ("rows", [tuple(r) for r in con.execute(statement).fetchall()])
    except sqlite3.IntegrityError:
        return ("refused", "unique")
    finally:
        con.rollback()  # leave the database as it was for the next case
        con.close()


def _postgres(dsn: str, statement: str) -> Any:
    with psycopg.connect(dsn) as con, con.cursor() as cur:
        try:
            cur.execute(statement.replace(" accounts", " public.accounts")
                        .replace(" tags", " public.tags"))  # fmt: skip
        except psycopg.errors.UniqueViolation:
            con.rollback()
            return ("refused", "unique")
        rows = cur.fetchall() if cur.description is not None else []
        con.rollback()  # leave the database as loaded for the next case
        return ("rows", [tuple(r) for r in rows])


# Statements whose answers depend on COLLATE NOCASE (and BINARY).
CASES = [
    # equality on a NOCASE column ignores case
    "SELECT id FROM accounts WHERE email = 'ADA@EXAMPLE.COM'",
    "SELECT id FROM accounts WHERE username = 'adal'",
    # a BINARY column does not
    "SELECT id FROM accounts WHERE country = 'gb'",
    # uniqueness on NOCASE: a case variant is a duplicate
    "INSERT INTO accounts (email, username, created_at) VALUES ('ada@example.COM', 'new', "
    "'2024-02-01 00:00:00') RETURNING id",
    "INSERT INTO accounts (email, username, created_at) VALUES ('new@example.com', 'GRACE', "
    "'2024-02-01 00:00:00') RETURNING id",
    # a UNIQUE index declared with COLLATE NOCASE on a plain column
    "INSERT INTO tags (id, name) VALUES (9, 'python') RETURNING id",
    "INSERT INTO tags (id, name) VALUES (9, 'Rust') RETURNING id",
    # ordering on a NOCASE column ignores case
    "SELECT username FROM accounts WHERE username <> 'émile' ORDER BY username",
    # LIKE (case-insensitive for ASCII in SQLite whatever the collation)
    "SELECT id FROM accounts WHERE email LIKE 'GRACE%'",
    # IN and GROUP BY compare as the column does
    "SELECT count(*) FROM accounts WHERE email IN ('ZED@example.com', 'grace@EXAMPLE.com')",
]


@pytest.mark.parametrize("statement", CASES)
def test_nocase_behaves_as_in_sqlite(loaded: tuple[Path, str], statement: str) -> None:
    db, dsn = loaded
    assert _postgres(dsn, statement) == _sqlite(db, statement)


# --- defaults of SQLite's date and time functions of 'now' -----------------------------------

CLOCK_TABLE = """CREATE TABLE clock (
  id INTEGER PRIMARY KEY,
  stamp TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  iso TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  plain TEXT DEFAULT (datetime()),
  day TEXT DEFAULT (date('now')),
  moment TIME DEFAULT (time('now', 'utc')),
  yday TEXT DEFAULT (strftime('%j', 'now')),
  epoch INTEGER DEFAULT (strftime('%s', 'now')),
  unix INTEGER DEFAULT (unixepoch()),
  jd REAL DEFAULT (julianday('now')),
  tomorrow TEXT DEFAULT (datetime('now', '+1 day', 'start of day')),
  month_end TEXT DEFAULT (date('now', 'start of month', '+1 month', '-1 day'))
);
INSERT INTO clock (id) VALUES (1);
"""


def _shape(value: object) -> str:
    """A value with its digits hidden: the form SQLite and PostgreSQL must agree on."""
    return re.sub(r"[0-9]", "9", str(value))


@pytest.mark.parametrize(
    "column",
    ["stamp", "iso", "plain", "day", "moment", "yday", "epoch", "unix", "jd", "tomorrow",
     "month_end"],
)  # fmt: skip
def test_clock_defaults_give_what_sqlite_gives(
    pg_server: PgServer, tmp_path: Path, column: str
) -> None:
    db, script, report = converted(tmp_path, CLOCK_TABLE)
    assert not [d for d in report.lossy if column in d.message], report.lossy
    dsn = pg_server.create_db("clock")
    try:
        assert pg_server.load_sql(dsn, script).check().warnings == []
        con = sqlite3.connect(db)
        con.execute("INSERT INTO clock (id) VALUES (2)")
        [(theirs,)] = con.execute(f"SELECT {column} FROM clock WHERE id = 2").fetchall()
        con.close()
        [(ours,)] = pg_server.query(
            dsn, f"INSERT INTO public.clock (id) VALUES (2) RETURNING {column}::text"
        )
        if column in ("epoch", "unix", "jd"):
            assert abs(float(ours) - float(theirs)) < (60 if column != "jd" else 60 / 86400)
        elif column in ("tomorrow", "month_end"):
            assert ours == theirs  # the same day, unless the test runs across midnight UTC
        else:
            assert _shape(ours) == _shape(theirs), (ours, theirs)
            assert ours[:4] == str(theirs)[:4] or column in ("moment", "yday")
    finally:
        pg_server.drop_db(dsn)


# --- views: SQLite's aggregates, table aliases, LIKE … ESCAPE ---------------------------------

VIEWS = """CREATE TABLE sale (id INTEGER PRIMARY KEY, region TEXT, qty INTEGER, price REAL,
                   sku TEXT);
INSERT INTO sale VALUES (1, 'north', 3, 1.5, 'A-1'), (2, 'north', 3, NULL, 'B-2'),
  (3, 'south', NULL, 2.25, 'A-1'), (4, 'south', 7, 4.0, NULL), (5, 'east', NULL, NULL, NULL);
CREATE VIEW region_qty AS SELECT region, group_concat(qty) AS qtys,
  group_concat(DISTINCT qty) AS distinct_qtys, total(price) AS revenue, total(qty) AS units,
  group_concat(sku, ' / ') AS skus FROM sale GROUP BY region;
CREATE VIEW everything AS SELECT total(price) AS revenue, count(*) AS n FROM sale;
CREATE VIEW pairs AS SELECT S.id, t.id AS other FROM sale AS s JOIN sale T ON t.sku = S.sku
  WHERE s.id < T.id;
CREATE VIEW a_skus AS SELECT x.id FROM sale x WHERE x.sku LIKE 'a!-%' ESCAPE '!';
CREATE VIEW busy AS SELECT Region, units AS "Units" FROM region_qty WHERE units > 3;
CREATE VIEW busy_pairs AS SELECT * FROM pairs p JOIN busy b ON b.units > p.other
  WHERE b.region <> 'x';
CREATE VIEW named(a, "B") AS SELECT id, sku FROM sale;
CREATE VIEW on_named AS SELECT A, b FROM named WHERE b IS NOT NULL;
CREATE TABLE task (id INTEGER PRIMARY KEY, done BOOLEAN NOT NULL);
INSERT INTO task VALUES (1, 1), (2, 0), (3, 1);
CREATE VIEW task_counts AS SELECT sum(done) AS n, total(done) AS t, group_concat(done) AS g,
  max(done) AS m, avg(done) * 3 AS a FROM task;
CREATE VIEW tasks_done AS SELECT id, done + 1 AS next FROM task WHERE done = 1 AND done > 0;
CREATE VIEW by_alias AS SELECT region AS place, total(qty * price) AS worth FROM sale
  WHERE place <> 'east' GROUP BY place HAVING worth > 0;
"""


@pytest.mark.parametrize(
    "view",
    [
        "region_qty",
        "everything",
        "pairs",
        "a_skus",
        "busy",
        "busy_pairs",
        "on_named",
        "by_alias",
        "task_counts",
        "tasks_done",
    ],
)
def test_views_answer_as_in_sqlite(pg_server: PgServer, tmp_path: Path, view: str) -> None:
    db, script, report = converted(tmp_path, VIEWS)
    assert report.lossy == []
    dsn = pg_server.create_db("views")
    try:
        assert pg_server.load_sql(dsn, script).check().warnings == []
        con = sqlite3.connect(db)
        theirs = con.execute(f"SELECT * FROM {view}").fetchall()
        con.close()
        ours = pg_server.query(dsn, f"SELECT * FROM public.{view}")
        assert sorted(map(tuple, ours), key=repr) == sorted(theirs, key=repr)
    finally:
        pg_server.drop_db(dsn)


# --- random-id defaults ----------------------------------------------------------------------

RANDOM_IDS = """CREATE TABLE item (
  id INTEGER PRIMARY KEY,
  token TEXT NOT NULL DEFAULT (lower(hex(randomblob(16)))),
  upper_token TEXT DEFAULT (hex( randomblob(16) )),
  raw BLOB DEFAULT (randomblob(16))
);
"""


def test_random_id_defaults_have_sqlites_shape(pg_server: PgServer, tmp_path: Path) -> None:
    db, script, report = converted(tmp_path, RANDOM_IDS + "INSERT INTO item (id) VALUES (1), (2);")
    con = sqlite3.connect(db)
    theirs = con.execute("SELECT token, upper_token, raw FROM item").fetchall()
    con.close()
    assert report.lossy == []
    dsn = pg_server.create_db("ids")
    try:
        assert pg_server.load_sql(dsn, script).check().warnings == []
        ours = pg_server.query(
            dsn, "INSERT INTO public.item (id) VALUES (3), (4) RETURNING token, upper_token, raw"
        )
        for token, upper_token, raw in [*theirs, *ours]:
            assert re.fullmatch(r"[0-9a-f]{32}", token)
            assert re.fullmatch(r"[0-9A-F]{32}", upper_token)
            assert len(raw) == 16
        assert len({r[0] for r in ours}) == 2  # each row its own id
    finally:
        pg_server.drop_db(dsn)


SUBSTR = """CREATE TABLE word (id INTEGER PRIMARY KEY, w TEXT);
INSERT INTO word VALUES (1, 'hello'), (2, 'hi'), (3, ''), (4, NULL), (5, 'héllo wörld');
CREATE VIEW parts AS SELECT id, substr(w, -3) AS last3, substr(w, -1, 2) AS last1,
  substr(w, -5, 2) AS far, substr(w, 2) AS tail, substr(w, 0, 3) AS before, substr(w, 2, 3) AS mid,
  substring(w, -2) AS last2 FROM word;
"""


def test_substr_counts_a_negative_start_from_the_end(pg_server: PgServer, tmp_path: Path) -> None:
    db, script, report = converted(tmp_path, SUBSTR)
    assert report.lossy == []
    dsn = pg_server.create_db("substr")
    try:
        assert pg_server.load_sql(dsn, script).check().warnings == []
        con = sqlite3.connect(db)
        theirs = con.execute("SELECT * FROM parts ORDER BY id").fetchall()
        con.close()
        assert pg_server.query(dsn, "SELECT * FROM public.parts ORDER BY id") == theirs
    finally:
        pg_server.drop_db(dsn)


def test_substr_with_a_start_or_length_of_unknown_sign_is_left_out(tmp_path: Path) -> None:
    _, _, report = converted(
        tmp_path,
        "CREATE TABLE word (id INTEGER PRIMARY KEY, w TEXT, n INTEGER);"
        "CREATE VIEW a AS SELECT substr(w, n) AS s FROM word;"
        "CREATE VIEW b AS SELECT substr(w, 1, -2) AS s FROM word;",
    )
    said = "\n".join(d.message for d in report.lossy)
    assert "view a not created: uses substr() with a start that is not a number" in said
    assert "view b not created: uses substr() with a length that is not a number of 0" in said
