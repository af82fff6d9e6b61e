"""SQLite triggers fire on PostgreSQL as they did in SQLite (issue 12).

The same application-shaped schema is created in SQLite, dumped, converted and loaded; then
the same statements run, one transaction each, on both databases. Each statement must have
the same outcome (done, or refused with the same message), and after all of them every
table must hold the same rows. Times the triggers write ("now") are compared by shape: both
engines must have written the current UTC time, in the column's form.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.end_to_end.schemadb import converted
from tests.pgharness import PgServer

pytestmark = pytest.mark.pg

SCHEMA = """
CREATE TABLE item (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  qty INTEGER NOT NULL DEFAULT 0,
  price REAL,
  active INTEGER NOT NULL DEFAULT 1,
  updated_at TEXT,
  changed_at DATETIME
);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  item_id INTEGER,
  action TEXT NOT NULL,
  before TEXT,
  after TEXT,
  at TEXT NOT NULL
);
CREATE TABLE stock (item_id INTEGER PRIMARY KEY, qty INTEGER NOT NULL);
CREATE TABLE counter (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO item (name, qty, price, active, updated_at, changed_at) VALUES
  ('apple', 3, 0.5, 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('pear', 0, 0.75, 0, '2024-01-02 00:00:00', '2024-01-02 00:00:00'),
  ('plum', 500, 0.2, 1, '2024-01-03 00:00:00', '2024-01-03 00:00:00');
INSERT INTO counter VALUES ('items', 3);

-- updated_at: an AFTER UPDATE trigger that updates its own table (fires once: SQLite's
-- triggers are not recursive)
CREATE TRIGGER item_touch AFTER UPDATE ON item FOR EACH ROW
BEGIN
  UPDATE item SET updated_at = CURRENT_TIMESTAMP, changed_at = CURRENT_TIMESTAMP
  WHERE id = NEW.id;
END;

-- an audit trail, on one column only, with WHEN
CREATE TRIGGER item_rename AFTER UPDATE OF name ON item
WHEN OLD.name IS NOT NEW.name
BEGIN
  INSERT INTO audit VALUES (NULL, NEW.id, 'rename', OLD.name, NEW.name, CURRENT_TIMESTAMP);
END;
CREATE TRIGGER item_gone AFTER DELETE ON item
BEGIN
  INSERT INTO audit (item_id, action, before, at)
  VALUES (OLD.id, 'delete', OLD.name, datetime('now'));
  UPDATE counter SET n = n - 1 WHERE name = 'items';
  DELETE FROM stock WHERE item_id = OLD.id;
END;

-- validation with RAISE
CREATE TRIGGER item_valid BEFORE INSERT ON item
BEGIN
  SELECT RAISE(ABORT, 'quantity must not be negative') WHERE NEW.qty < 0;
  SELECT CASE
    WHEN NEW.name = '' THEN RAISE(ABORT, 'a name is required')
    WHEN length(NEW.name) > 20 THEN RAISE(FAIL, 'the name is too long')
  END;
  SELECT RAISE(ROLLBACK, 'that name is taken') FROM item WHERE name = NEW.name;
END;

-- RAISE(IGNORE): big stock is never deleted
CREATE TRIGGER item_keep BEFORE DELETE ON item WHEN OLD.qty >= 100
BEGIN
  SELECT RAISE(IGNORE);
END;

-- INSERT OR REPLACE and OR IGNORE keep derived tables
CREATE TRIGGER item_stock AFTER INSERT ON item
BEGIN
  INSERT OR REPLACE INTO stock (item_id, qty) VALUES (NEW.id, NEW.qty);
  INSERT OR IGNORE INTO counter VALUES ('items', 0);
  UPDATE counter SET n = n + 1 WHERE name = 'items';
END;
CREATE TRIGGER item_restock AFTER UPDATE OF qty ON item WHEN NEW.active
BEGIN
  REPLACE INTO stock (item_id, qty) VALUES (NEW.id, NEW.qty);
END;

-- WHEN with a subquery, INSERT … SELECT
CREATE TRIGGER item_many AFTER INSERT ON item WHEN (SELECT count(*) FROM item) > 4
BEGIN
  INSERT INTO audit (item_id, action, at) SELECT NEW.id, 'many:' || count(*), '-' FROM item;
END;

-- INSTEAD OF on a view
CREATE VIEW item_list AS SELECT id, name, qty FROM item;
CREATE TRIGGER item_list_add INSTEAD OF INSERT ON item_list
BEGIN
  INSERT INTO item (name, qty) VALUES (upper(NEW.name), NEW.qty);
END;
CREATE TRIGGER item_list_rename INSTEAD OF UPDATE ON item_list
BEGIN
  UPDATE item SET name = NEW.name WHERE id = OLD.id;
END;
"""

# Run in order, one transaction each, on both databases.
STATEMENTS = [
    # first, so that both engines give the next id (a failed INSERT spends one on PostgreSQL)
    "INSERT INTO item_list (name, qty) VALUES ('lime', 2)",
    "INSERT INTO item (id, name, qty, price) VALUES (10, 'kiwi', 7, 1.5)",
    "INSERT INTO item (id, name, qty, price) VALUES (11, 'fig', -1, 1.0)",
    "INSERT INTO item (id, name, qty, price) VALUES (11, '', 1, 1.0)",
    "INSERT INTO item (id, name, qty, price) VALUES (11, 'a name far too long to keep', 1, 1.0)",
    "INSERT INTO item (id, name, qty, price) VALUES (11, 'apple', 1, 1.0)",
    "UPDATE item SET name = 'green apple' WHERE name = 'apple'",
    "UPDATE item SET price = 0.8 WHERE name = 'pear'",
    "UPDATE item SET qty = 9 WHERE name = 'green apple'",
    "UPDATE item SET qty = 4 WHERE name = 'pear'",
    "DELETE FROM item WHERE name = 'plum'",
    "DELETE FROM item WHERE name = 'pear'",
    "UPDATE item_list SET name = 'Lime' WHERE name = 'LIME'",
]

TABLES = ["item", "audit", "stock", "counter"]

_NOW = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def _sqlite_run(db: Path, statement: str) -> tuple[str, str]:
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute(statement)
        return ("done", "")
    except sqlite3.IntegrityError as e:
        return ("refused", str(e))
    finally:
        con.close()


def _postgres_run(dsn: str, statement: str) -> tuple[str, str]:
    with psycopg.connect(dsn, autocommit=True) as con:
        try:
            con.execute(statement)
            return ("done", "")
        except psycopg.errors.IntegrityError as e:
            return ("refused", e.diag.message_primary or "")


def _shape(value: Any, started: datetime) -> Any:
    """A time the triggers wrote now, as its shape; anything else as it is."""
    if isinstance(value, datetime):
        value = value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and _NOW.fullmatch(value):
        written = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        if started - timedelta(seconds=2) <= written <= datetime.now(UTC) + timedelta(seconds=2):
            return "<now, UTC, seconds>"
    return value


def _rows(fetch: Any, table: str, started: datetime) -> list[tuple[Any, ...]]:
    return [tuple(_shape(v, started) for v in row) for row in fetch(table)]


def test_triggers_fire_as_in_sqlite(pg_server: PgServer, tmp_path: Path) -> None:
    db, script, report = converted(tmp_path, SCHEMA)
    assert report.lossy == [], report.lossy
    dsn = pg_server.create_db("triggers")
    try:
        assert pg_server.load_sql(dsn, script).check().warnings == []
        started = datetime.now(UTC).replace(microsecond=0)
        outcomes = [(s, _sqlite_run(db, s), _postgres_run(dsn, s)) for s in STATEMENTS]
        assert [(s, ours) for s, _, ours in outcomes] == [(s, theirs) for s, theirs, _ in outcomes]
        lite = sqlite3.connect(db)
        for table in TABLES:
            theirs = _rows(lambda t: lite.execute(f"SELECT * FROM {t} ORDER BY 1"), table, started)
            ours = _rows(
                lambda t: pg_server.query(dsn, f"SELECT * FROM public.{t} ORDER BY 1"),
                table, started,
            )  # fmt: skip
            assert ours == theirs, table
        lite.close()
    finally:
        pg_server.drop_db(dsn)
