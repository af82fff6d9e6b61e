"""Real applications' data quirks (fixtures/quirks/, see its README): every row and every value
arrives, and every type that differs from the declared one is chosen for a reason the report
gives. The SQLite side is rebuilt from each dump with the sqlite3 CLI; the referee
(tests/compare.py) compares every value after the load.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
from io import BytesIO
from pathlib import Path

import pytest

import dumpconv
from tests.compare import compare_sqlite_pg
from tests.pgharness import PgServer

QUIRKS = Path(__file__).resolve().parents[2] / "fixtures" / "quirks"
DUMPS = sorted(QUIRKS.glob("*.sqlite.sql"))

# (table.column, PostgreSQL type, words the report line must hold; None: no report line)
EXPECTED: dict[str, list[tuple[str, str, list[str] | None]]] = {
    "prisma": [
        # Prisma's DateTime: epoch milliseconds from Prisma Client, text from other SQL.
        ("Post.createdAt", "timestamp", ["Prisma", "milliseconds since 1970"]),
        ("User.createdAt", "timestamp", ["Prisma", "other SQL as text"]),
        ("User.isActive", "boolean", None),
    ],
    "laravel_quirks": [
        ("users.newsletter", "smallint", ["boolean", "0 to 2"]),
        ("users.created_at", "text", ["0000-00-00 00:00:00"]),
        ("posts.title", "text", ["varchar(255)", "longer"]),
    ],
    "homeassistant": [
        ("states.last_updated_ts", "double precision", None),
        ("states.state", "varchar(255)", None),
    ],
    "firefox": [
        ("moz_places.last_visit_date", "bigint", None),
        ("moz_places.url", "text", None),
        ("moz_inputhistory.use_count", "double precision", ["reals"]),
        ("moz_meta.value", "text", ["integers", "texts"]),
    ],
    "anki": [
        ("notes.sfld", "text", ["texts", "What is the capital of Iceland?"]),
        ("revlog.id", "bigint", None),
    ],
    "survey": [
        ("respondent.age", "text", ["N/A"]),
        ("respondent.consent", "text", ["yes", "0 to 2"]),
        ("respondent.birth_date", "text", ["2023-02-30"]),
        ("respondent.city", "text", ["varchar(10)", "Mönchengladbach"]),
        ("response.answers", "text", ["NaN"]),
        ("response.extra", "bytea", ["blobs"]),
        ("response.amount", "numeric", ["123.456"]),
        ("survey.budget", "text", ["MONEYISH"]),
    ],
}


def test_every_quirk_fixture_has_expectations() -> None:
    assert {p.name.removesuffix(".sqlite.sql") for p in DUMPS} == set(EXPECTED)


def _convert(dump: Path) -> tuple[bytes, dumpconv.Report]:
    out = BytesIO()
    with open(dump, "rb") as src:
        report = dumpconv.convert(src, out, dumpconv.Options(source=dump.name))
    return out.getvalue(), report


@pytest.mark.parametrize("dump", DUMPS, ids=lambda p: p.name.removesuffix(".sqlite.sql"))
def test_types_are_chosen_and_explained(dump: Path) -> None:
    sql, report = _convert(dump)
    text = sql.decode()
    lines = [d.message for d in report.diagnostics]
    for target, pg_type, words in EXPECTED[dump.name.removesuffix(".sqlite.sql")]:
        table, column = target.split(".")
        create = text.split(f"CREATE TABLE public.{_q(table)} (\n", 1)[1].split("\n);", 1)[0]
        decl = next(ln for ln in create.splitlines() if ln.split()[0] == _q(column))
        rest = decl.strip().rstrip(",").split(maxsplit=1)[1]
        assert rest == pg_type or rest.startswith(pg_type + " "), decl
        said = [m for m in lines if m.startswith(f"{target}:")]
        if words is None:
            assert said == [], said
        else:
            assert said, f"no report line for {target}"
            for word in words:
                assert word in said[0], said[0]


def _q(name: str) -> str:
    return name if name.islower() and name.isidentifier() else f'"{name}"'


@pytest.mark.pg
@pytest.mark.parametrize("dump", DUMPS, ids=lambda p: p.name.removesuffix(".sqlite.sql"))
def test_quirks_round_trip(dump: Path, pg_server: PgServer, tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    with open(dump, "rb") as src:
        subprocess.run(["sqlite3", str(db)], stdin=src, check=True)
    sql, report = _convert(dump)
    script = tmp_path / "out.sql"
    script.write_bytes(sql)
    dsn = pg_server.create_db()
    loaded = pg_server.load_sql(dsn, script)
    loaded.check()
    # The survey's orphan answer is the only warning: its foreign key arrives NOT VALID.
    expected_warnings = 1 if dump.name.startswith("survey") else 0
    assert len(loaded.warnings) == expected_warnings, loaded.warnings
    epoch_cells = _epoch_ms_cells(db) if dump.name.startswith("prisma") else {}
    assert epoch_cells or not dump.name.startswith("prisma")
    known = {(table, column, rowid) for table, column, rowid, _ in epoch_cells}
    assert compare_sqlite_pg(str(db), dsn, known_differences=known) == []
    # Prisma Client's integers (milliseconds since 1970, UTC) arrive as the instants they
    # count; the referee above compares the rest of those columns.
    for (table, column, _rowid, key), millis in epoch_cells.items():
        found = pg_server.query(
            dsn, f'SELECT "{column}" FROM public."{table}" WHERE id = %s', (key,)
        )
        assert found == [(dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=millis),)]
    assert not [d for d in report.lossy if d.code == "invalid-utf8-replaced"]
    pg_server.drop_db(dsn)


def _epoch_ms_cells(db: Path) -> dict[tuple[str, str, int, object], int]:
    """Integers SQLite holds in DATETIME columns: (table, column, rowid, id) → value."""
    con = sqlite3.connect(db)
    cells = {}
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type='table'")]
        for table in tables:
            for _cid, column, decl, *_ in con.execute(f'PRAGMA table_info("{table}")'):
                if decl.upper() != "DATETIME":
                    continue
                query = (
                    f'SELECT rowid, id, "{column}" FROM "{table}" '
                    f"WHERE typeof(\"{column}\") = 'integer'"
                )
                for rowid, key, value in con.execute(query):
                    cells[(table, column, rowid, key)] = value
    finally:
        con.close()
    return cells
