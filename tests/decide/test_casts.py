"""--cast: the user chooses a type; the data is checked against it; numbers become dates.

Expected instants are computed here with Python's datetime from the SQLite values, not with
dumpconv's code, and compared with what PostgreSQL holds after loading the script.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dumpconv.base.errors import DumpconvError
from dumpconv.cli import app
from dumpconv.decide.casts import parse_cast
from tests.end_to_end.failed import assert_failed_output
from tests.pgharness import PgServer

runner = CliRunner()
ERROR_LINE = re.compile(r"dumpconv: error: (?:line (\d+): )?.+\n")

SCHEMA = """
CREATE TABLE "Event" (
    id INTEGER PRIMARY KEY,
    "createdAt" DATETIME NOT NULL,
    seen REAL,
    jd DATETIME,
    micros INTEGER,
    label VARCHAR(20),
    flag TINYINT,
    payload TEXT
);
INSERT INTO "Event" VALUES (1, 1704164645123, 1704164645.25, 2460311.5, 1704164645123456,
                            'a', 0, '{"a": 1}');
INSERT INTO "Event" VALUES (2, 0, -1.5, 2440587.5, -1, 'b', 1, '[1, 2.5]');
INSERT INTO "Event" VALUES (3, 4102444800000, 1e9, 2451545.0, 0, NULL, NULL, 'null');
"""


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("casts")
    db = tmp / "app.db"
    subprocess.run(["sqlite3", str(db)], input=SCHEMA.encode(), check=True)
    out = subprocess.run(["sqlite3", str(db), ".dump"], capture_output=True, check=True)
    path = tmp / "app.sql"
    path.write_bytes(out.stdout)
    return path


def convert(dump: Path, *args: str) -> tuple[int, bytes, str]:
    result = runner.invoke(app, [*args, str(dump)])
    return result.exit_code, result.stdout_bytes, result.stderr


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pg_type", "table", "column", "declared", "transform"),
    [
        ("t.c=text", "text", "t", "c", None, None),
        ('"My Table".Col=BIGINT', "bigint", "my table", "col", None, None),
        ("DATETIME=timestamptz", "timestamptz", None, None, "DATETIME", None),
        ("tinyint(1)=boolean", "boolean", None, None, "TINYINT(1)", None),
        ("t.c=timestamp with time zone:epoch-ms", "timestamptz", "t", "c", None, "epoch-ms"),
        ("t.c=numeric(10, 2)", "numeric(10,2)", "t", "c", None, None),
        ("t.c=character varying(5)", "varchar(5)", "t", "c", None, None),
        ("t.c=json", "json", "t", "c", None, None),
        ("decimal(10,2)=numeric", "numeric", None, None, "DECIMAL(10,2)", None),
    ],
)
def test_parse_cast(
    text: str,
    pg_type: str,
    table: str | None,
    column: str | None,
    declared: str | None,
    transform: str | None,
) -> None:
    cast = parse_cast(text)
    assert (cast.pg_type, cast.table, cast.column, cast.declared, cast.transform) == (
        pg_type,
        table,
        column,
        declared,
        transform,
    )


@pytest.mark.parametrize(
    "text",
    [
        "t.c",
        "=text",
        "t.c=",
        "t.c=float4",
        "t.c=real",
        "t.c=whatever",
        "t.c=text:epoch-s",
        "t.c=timestamptz:epoch-days",
        "t.c=numeric(3,5)",
        "t.c=varchar(0)",
    ],
)
def test_bad_cast_is_a_usage_error(text: str, dump: Path) -> None:
    with pytest.raises(DumpconvError):
        parse_cast(text)
    code, out, err = convert(dump, "--cast", text)
    assert code == 2
    assert out == b""
    assert "--cast" in err


# --- decisions and refusals ---------------------------------------------------------------


def test_dates_kept_as_numbers_are_explained(dump: Path) -> None:
    code, _, err = convert(dump)
    assert code == 0, err
    line = next(ln for ln in err.splitlines() if "Event.createdAt" in ln)
    assert "bigint" in line
    assert "epoch-ms" in line
    assert "--cast Event.createdAt=timestamptz:epoch-ms" in line
    jd = next(ln for ln in err.splitlines() if "Event.jd" in ln)
    assert "julian-day" in jd


def test_contradicted_cast_names_the_value_and_line(dump: Path) -> None:
    code, out, err = convert(dump, "--cast", "Event.payload=integer")
    assert code == 1
    assert_failed_output(out)
    m = ERROR_LINE.fullmatch(err)
    assert m is not None, err
    lines = dump.read_text().splitlines()
    assert '{"a": 1}' in lines[int(m.group(1)) - 1]
    assert "holds texts" in err


def test_cast_out_of_range_is_refused(dump: Path) -> None:
    code, out, err = convert(dump, "--cast", "Event.micros=smallint")
    assert code == 1
    assert_failed_output(out)
    assert "beyond smallint" in err


def test_varchar_cast_checks_lengths(dump: Path) -> None:
    code, _, err = convert(dump, "--cast", "Event.payload=varchar(3)")
    assert code == 1
    assert "longer than 3" in err


def test_cast_on_the_rowid_key_is_refused(dump: Path) -> None:
    code, _, err = convert(dump, "--cast", "Event.id=text")
    assert code == 1
    assert "INTEGER PRIMARY KEY" in err


def test_cast_naming_no_column_is_an_error(dump: Path) -> None:
    code, _, err = convert(dump, "--cast", "Event.nope=text")
    assert code == 1
    assert "no such column" in err


def test_declared_type_cast_that_matches_nothing_is_reported(dump: Path) -> None:
    code, _, err = convert(dump, "--cast", "UUID=uuid")
    assert code == 0
    assert "[cast-unused]" in err


# --- round trips --------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _from_millis(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


@pytest.mark.pg
def test_cast_values_arrive_as_those_instants(
    dump: Path, pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    code, out, err = convert(
        dump,
        "--cast", "Event.createdAt=timestamptz:epoch-ms",
        "--cast", "Event.seen=timestamptz:epoch-s",
        "--cast", "Event.jd=timestamp:julian-day",
        "--cast", "Event.micros=timestamptz:epoch-us",
        "--cast", "TINYINT=boolean",
        "--cast", "Event.payload=json",
        "--cast", "Event.label=text",
    )  # fmt: skip
    assert code == 0, err
    assert err.count("[cast-applied]") == 7
    script = tmp_path / "out.sql"
    script.write_bytes(out)
    pg_server.load_sql(pg_db, script).check()
    types = dict(
        pg_server.query(
            pg_db,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'Event'",
        )
    )
    assert types["createdAt"] == "timestamp with time zone"
    assert types["jd"] == "timestamp without time zone"
    assert types["flag"] == "boolean"
    assert types["payload"] == "json"
    rows = pg_server.query(
        pg_db, 'SELECT "createdAt", seen, jd, micros, flag, payload::text FROM "Event" ORDER BY id'
    )
    assert [r[0] for r in rows] == [
        _from_millis(1704164645123),
        _EPOCH,
        _from_millis(4102444800000),
    ]
    assert [r[1] for r in rows] == [
        _EPOCH + timedelta(seconds=1704164645, microseconds=250000),
        _EPOCH - timedelta(seconds=1, microseconds=500000),
        _EPOCH + timedelta(seconds=10**9),
    ]
    # Julian day 2440587.5 is 1970-01-01 00:00 UTC; 2451545.0 is 2000-01-01 12:00.
    assert [r[2] for r in rows] == [
        datetime(2024, 1, 2, 0, 0),
        datetime(1970, 1, 1, 0, 0),
        datetime(2000, 1, 1, 12, 0),
    ]
    assert [r[3] for r in rows] == [
        _EPOCH + timedelta(microseconds=1704164645123456),
        _EPOCH - timedelta(microseconds=1),
        _EPOCH,
    ]
    assert [r[4] for r in rows] == [False, True, None]
    # json keeps the text as it was (jsonb would rewrite it).
    assert [r[5] for r in rows] == ['{"a": 1}', "[1, 2.5]", "null"]
