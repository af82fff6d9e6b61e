"""Generated columns hold SQLite's values on PostgreSQL (issue 12): created in their place
when PostgreSQL computes exactly SQLite's value, for the loaded rows and for new ones;
otherwise added after the data, or left out and reported, and never a failed load."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.end_to_end.schemadb import converted
from tests.pgharness import PgServer

pytestmark = pytest.mark.pg

SCHEMA = """
CREATE TABLE product (
  id INTEGER PRIMARY KEY,
  title TEXT,
  qty INTEGER,
  price REAL,
  label TEXT GENERATED ALWAYS AS
    (COALESCE(title, '') || ' (' || COALESCE(LENGTH(title), '') || ')') STORED,
  shout TEXT AS (upper(title)) VIRTUAL,
  quiet TEXT AS (lower(trim(title))) STORED,
  half INTEGER AS (qty / 2),
  ratio INTEGER AS (qty / (qty - 3)),
  rest INTEGER AS (qty % (qty - 3)),
  tag TEXT AS (CASE WHEN qty > 2 THEN 'many' WHEN qty IS NULL THEN 'none' ELSE 'few' END),
  code TEXT AS (substr(title, 1, 2) || qty),
  total REAL AS (qty * price),
  echo TEXT AS (shout || '!')
);
CREATE INDEX product_shout ON product (shout);
"""

IN_PLACE = ["label", "shout", "quiet", "half", "ratio", "rest", "tag", "code"]
COLUMNS = "id, title, qty, price, " + ", ".join(IN_PLACE) + ", total"

ROWS = [("abcé", 3, 1.5), (None, 1, None), ("  Ünïcode ÉÉ  ", -7, 2.0), ("x", None, 0.1)]


def _sqlite_rows(db: Path) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        return [tuple(r) for r in con.execute(f"SELECT {COLUMNS} FROM product ORDER BY id")]
    finally:
        con.close()


@pytest.fixture(scope="module")
def loaded(
    pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, list[str]]:  # fmt: skip
    tmp = tmp_path_factory.mktemp("generated")
    db, script, report = converted(
        tmp,
        SCHEMA,
        fill=lambda con: con.executemany(
            "INSERT INTO product (title, qty, price) VALUES (?, ?, ?)", ROWS
        ),
    )
    dsn = pg_server.create_db("generated")
    assert pg_server.load_sql(dsn, script).check().warnings == []
    return db, dsn, [d.message for d in report.lossy]


def test_generated_columns_are_created_in_place_with_sqlites_values(
    loaded: tuple[Path, str, list[str]], pg_server: PgServer
) -> None:
    db, dsn, lossy = loaded
    placed = pg_server.query(
        dsn,
        "SELECT attname FROM pg_attribute WHERE attrelid = 'public.product'::regclass"
        " AND attgenerated = 's' ORDER BY attnum",
    )
    assert [r[0] for r in placed] == [*IN_PLACE, "total"]
    ours = pg_server.query(dsn, f"SELECT {COLUMNS} FROM public.product ORDER BY id")
    assert [tuple(r) for r in ours] == _sqlite_rows(db)
    # qty * price is real arithmetic: added after the data, said so; echo is built on
    # another generated column, which PostgreSQL refuses: left out, said so
    assert any("column total is generated" in m for m in lossy), lossy
    assert any("echo not created" in m and "shout" in m for m in lossy), lossy


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=st.none() | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8),
    qty=st.none() | st.integers(-10, 10),
)
def test_new_rows_get_sqlites_values(
    loaded: tuple[Path, str, list[str]], title: str | None, qty: int | None
) -> None:
    db, dsn, _ = loaded
    con = sqlite3.connect(db)
    try:
        con.execute("INSERT INTO product (id, title, qty) VALUES (1000, ?, ?)", (title, qty))
        theirs = con.execute(f"SELECT {COLUMNS} FROM product WHERE id = 1000").fetchall()
    finally:
        con.rollback()
        con.close()
    with psycopg.connect(dsn) as pg:
        pg.execute("INSERT INTO public.product (id, title, qty) VALUES (1000, %s, %s)",
                   (title, qty))  # fmt: skip
        ours = pg.execute(f"SELECT {COLUMNS} FROM public.product WHERE id = 1000").fetchall()
        pg.rollback()
    assert [tuple(r) for r in ours] == [tuple(r) for r in theirs]
