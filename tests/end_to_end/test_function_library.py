"""SQLite's function library in views (issue 12): a view per family of functions returns
the same rows on the converted PostgreSQL database as on the SQLite one.

The columns hold what applications store: ISO text in TEXT columns and in DATETIME/DATE
columns (which become timestamp, timestamptz and date), unix seconds in an INTEGER column
and Julian day numbers in a REAL one. The PostgreSQL session runs in a zone other than UTC.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from tests.end_to_end.schemadb import converted
from tests.pgharness import PgServer

pytestmark = pytest.mark.pg

DB = """CREATE TABLE event (
  id INTEGER PRIMARY KEY, note TEXT, at TEXT, stamp DATETIME, zoned DATETIME, day DATE,
  unix INTEGER, jd REAL, price REAL, qty INTEGER
);
INSERT INTO event VALUES
  (1, 'a-b-a', '2024-01-31 22:45:30.789', '2024-01-31 22:45:30.789', '2024-01-31T22:45:30Z',
   '2024-01-31', 1706741130, 2460341.5, 2.675, 3),
  (2, 'bab', '2024-02-29T23:59:59', '2024-02-29 23:59:59', '2024-02-29 23:59:59+02:00',
   '2024-02-29', -1, 2451544.5, 0.125, NULL),
  (3, '', '12:30', '1999-12-31 00:00:00', '1999-12-31 00:00:00-05:30', '1999-12-31', 0,
   2460385.25, -2.5, 7),
  (4, NULL, 'not a date', '2023-03-31 08:00:00.5', '2023-03-31 08:00:00.5+00:00',
   '2023-03-31', 1710542730, NULL, NULL, -4),
  (5, 'x', NULL, NULL, NULL, NULL, NULL, 2460000.999, 1234.5678, 0);
CREATE VIEW dates AS SELECT id, date(at) AS d, time(at) AS t, datetime(at, '+1 month') AS m,
  date(stamp, 'start of month', '+1 month', '-1 day') AS month_end, datetime(zoned) AS z,
  date(day, 'weekday 0') AS sunday, strftime('%Y-%m-%dT%H:%M:%f', stamp) AS iso,
  strftime('%j %w %W %s', day) AS numbers
  FROM event;
CREATE VIEW numbers AS SELECT id, julianday(at) AS jd_at, julianday(stamp) AS jd_stamp,
  unixepoch(zoned) AS unix_zoned, datetime(unix, 'unixepoch') AS from_unix,
  datetime(jd) AS from_jd, strftime('%J', jd) AS jd_text, unixepoch(day, '+12 hours') AS noon
  FROM event;
CREATE VIEW monthly AS SELECT strftime('%Y-%m', stamp) AS month, count(*) AS n
  FROM event GROUP BY strftime('%Y-%m', stamp);
CREATE VIEW others AS SELECT id, round(price) AS r0, round(price, 2) AS r2, max(qty, 2) AS hi,
  min(qty, 2, 5) AS lo, replace(note, 'a', 'xy') AS swapped, instr(note, 'b') AS at_b,
  instr(note, '') AS at_empty
  FROM event;
CREATE VIEW typed AS SELECT id, note GLOB '*a*' AS has_a, glob('[a-b]*', note) AS ab,
  note NOT GLOB '?' AS not_one, unix GLOB '17*' AS unix_17, typeof(qty) AS tq,
  typeof(jd) AS tj, typeof(note) AS tn, typeof(stamp) AS ts, printf('%-4s|%3d', note, qty) AS p,
  format('%s=%d%%', note, unix) AS f, qty || '/' || id AS joined
  FROM event;
"""

VIEWS = ["dates", "numbers", "monthly", "others", "typed"]


@pytest.fixture(scope="module")
def loaded(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("functions")
    db, script, report = converted(tmp, DB)
    assert [d.message for d in report.lossy] == []
    dsn = pg_server.create_db("functions")
    assert pg_server.load_sql(dsn, script).check().warnings == []
    return db, dsn


def test_the_columns_became_typed(pg_server: PgServer, loaded: tuple[Path, str]) -> None:
    _, dsn = loaded
    types = dict(
        pg_server.query(
            dsn,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'event'",
        )
    )
    assert types["stamp"] == "timestamp without time zone"
    assert types["zoned"] == "timestamp with time zone"
    assert types["day"] == "date"


@pytest.mark.parametrize("view", VIEWS)
def test_views_answer_as_in_sqlite(loaded: tuple[Path, str], view: str) -> None:
    db, dsn = loaded
    con = sqlite3.connect(db)
    theirs = con.execute(f"SELECT * FROM {view} ORDER BY 1").fetchall()
    con.close()
    with psycopg.connect(dsn) as pg:
        pg.execute("SET TimeZone = 'Asia/Kolkata'")
        ours = pg.execute(f"SELECT * FROM public.{view} ORDER BY 1 NULLS FIRST").fetchall()
    assert [tuple(r) for r in ours] == theirs
