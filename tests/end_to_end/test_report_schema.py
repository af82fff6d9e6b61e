"""The --report JSON validates against its documented schema (dumpconv/report.schema.json),
for every fixture and shared dump, for a lossy conversion, and through the CLI;
the schema is strict enough that a report of another shape fails it."""

from __future__ import annotations

import copy
import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from dumpconv import Options, convert
from dumpconv.base.errors import DumpconvError, Refusals
from dumpconv.base.report import REPORT_FORMAT, REPORT_VERSION, Report
from dumpconv.cli import app
from tests.end_to_end.test_baseline import QUIRKS, REPO, SHARED

SCHEMA: dict[str, Any] = json.loads(
    resources.files("dumpconv").joinpath("report.schema.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
FIXTURES = sorted((REPO / "fixtures").glob("*.sqlite.sql")) + QUIRKS

LOSSY_DUMP = b"""PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT, n INTEGER CHECK (mystery(n)));
INSERT INTO t VALUES(1,'a\xffb',2);
INSERT INTO t VALUES(2,'c'||char(0)||'d','x');
CREATE VIEW v AS SELECT unknown_fn(s) FROM t;
COMMIT;
"""


def report_of(dump: bytes, **options: Any) -> dict[str, Any]:
    report: Report | None
    try:
        report = convert(io.BytesIO(dump), io.BytesIO(), Options(**options))
    except Refusals as e:
        report = e.report
    assert report is not None
    parsed: dict[str, Any] = json.loads(report.to_json())
    return parsed


def test_the_schema_is_a_valid_json_schema_of_this_version() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["format"]["const"] == REPORT_FORMAT
    assert SCHEMA["properties"]["version"]["const"] == REPORT_VERSION


@pytest.mark.parametrize("dump", [*FIXTURES, *SHARED], ids=lambda p: p.name)
def test_every_report_validates(dump: Path) -> None:
    if "tty" in dump.name:  # an interactive session's dump: refused before any report exists
        with pytest.raises(DumpconvError, match=r"jsonb\("):
            report_of(dump.read_bytes(), allow_incomplete=True)
        return
    doc = report_of(dump.read_bytes(), allow_incomplete=True)
    VALIDATOR.validate(doc)
    created = [t for t in doc["tables"].values() if t["pg_name"] is not None]
    assert all(t["columns"] for t in created)


def test_a_lossy_report_validates() -> None:
    lossy = report_of(LOSSY_DUMP)
    VALIDATOR.validate(lossy)
    assert lossy["summary"]["lossy"] >= 2
    assert {d["severity"] for d in lossy["diagnostics"]} >= {"lossy", "warning"}


def test_the_cli_report_validates(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = CliRunner().invoke(
        app, ["--check", str(REPO / "fixtures" / "rails.sqlite.sql"), "--report", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    VALIDATOR.validate(json.loads(target.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(extra=1),
        lambda d: d.update(version=REPORT_VERSION + 1),
        lambda d: d["summary"].pop("lossy"),
        lambda d: next(iter(d["tables"].values())).update(rows=-1),
        lambda d: d["diagnostics"][0].update(severity="fatal"),
        lambda d: d["diagnostics"][0].update(code="Not Kebab"),
    ],
)
def test_a_report_of_another_shape_fails(change: Any) -> None:
    doc = copy.deepcopy(report_of(LOSSY_DUMP))
    change(doc)
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(doc)


def test_the_summary_agrees_with_the_report() -> None:
    doc = report_of(LOSSY_DUMP)
    report = Report()
    assert doc["summary"]["notes"] == len(doc["diagnostics"])
    assert doc["summary"]["rows"] == sum(t["rows"] for t in doc["tables"].values())
    assert report.summary() == "0 tables, 0 rows, 0 notes (0 lossy)"
