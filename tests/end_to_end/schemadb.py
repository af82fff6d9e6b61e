"""A SQLite database built by a schema script, dumped by the real sqlite3 CLI and converted:
what the schema-behaviour tests start from."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable
from pathlib import Path

import dumpconv
from dumpconv.base.report import Report
from tests.producers import cli_dump


def converted(
    tmp: Path,
    sql: str,
    options: dumpconv.Options | None = None,
    fill: Callable[[sqlite3.Connection], object] | None = None,
) -> tuple[Path, Path, Report]:
    """(the SQLite database, the converted script, the report) of a database made by the
    script ``sql`` (then ``fill``, if given, writes through the connection)."""
    db = tmp / "app.db"
    con = sqlite3.connect(db)
    try:
        con.executescript(sql)
        if fill is not None:
            fill(con)
        con.commit()
    finally:
        con.close()
    script = tmp / "pg.sql"
    with open(script, "wb") as out:
        report = dumpconv.convert(io.BytesIO(cli_dump(db)), out, options or dumpconv.Options())
    return db, script, report
