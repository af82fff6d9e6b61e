"""--jobs N (pipeline.rowjobs): the same script byte for byte, the same report and the same
error, whatever the number of processes reading the rows."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

import dumpconv
from dumpconv.base.errors import DumpconvError
from tests.pgharness import PgServer
from tests.read.test_hotpath import DUMPS, REPO

KEY = "0123456789abcdef" * 2


def _convert(dump: bytes, jobs: int, **options: object) -> tuple[bytes, str]:
    """The script and the report (or the error) of one conversion."""
    out = io.BytesIO()
    try:
        report = dumpconv.convert(
            io.BytesIO(dump), out,
            dumpconv.Options(restrict_key=KEY, jobs=jobs, **options),  # type: ignore[arg-type]
        )  # fmt: skip
    except DumpconvError as e:
        return out.getvalue(), f"error: {e}"
    return out.getvalue(), report.to_json()


def test_every_dump_converts_the_same_with_one_and_three_jobs() -> None:
    assert len(DUMPS) >= 30
    differ = []
    for path in DUMPS:
        data = path.read_bytes()
        if _convert(data, 1) != _convert(data, 3):
            differ.append(path.name)
    assert differ == []


def _big_dump(seed: int, *, bad_row: int | None = None) -> bytes:
    """Three tables of a few megabytes (several runs each, so that several workers read
    one table), whose columns change class and range late: ints beyond 32 bits, a text in
    an integer column, reals, blobs, NULLs, invalid UTF-8 and NUL in the last megabyte."""
    rnd = random.Random(seed)
    out = [b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"]
    for t in range(3):
        out.append(
            b"CREATE TABLE t%d(id INTEGER PRIMARY KEY, n INTEGER, r REAL, s TEXT, "
            b"d DATETIME, b BLOB, flag BOOLEAN);\n" % t
        )
        rows = 20_000
        for i in range(1, rows + 1):
            late = i > rows - 4_000
            n = rnd.choice([b"%d" % (i * 3), b"NULL"]) if not late else b"%d" % (2**40 + i)
            if late and i % 997 == 0:
                n = b"'x%d'" % i
            r = b"%r" % (rnd.random() * 10 ** rnd.randint(-5, 20)) if i % 7 else b"1e999"
            s = b"'row %d ''q'' \xc3\xa9 %s'" % (i, b"pad" * (i % 13))
            if late and i % 1999 == 0:
                s = b"'bad \xff utf8'" if t == 1 else b"'nul '||char(0)||' x'"
            d = b"'2024-01-%02d 10:00:%02d'" % (i % 28 + 1, i % 60)
            if late and i % 1009 == 0:
                d = b"'2024-02-30 10:00:00'"
            b = b"X'%02x%02x'" % (i % 256, t) if i % 5 == 0 else b"NULL"
            flag = b"'t'" if i % 2 else b"0"
            if bad_row is not None and t == 1 and i == bad_row:
                s = b"'unterminated"
            out.append(b"INSERT INTO t%d VALUES(%d,%s,%s,%s,%s,%s,%s);\n" % (t, i, n, r, s, d, b,
                                                                            flag))  # fmt: skip
    out.append(b"COMMIT;\n")
    return b"".join(out)


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_large_dump_converts_the_same_with_any_number_of_jobs(jobs: int) -> None:
    data = _big_dump(13)
    assert len(data) > 4_000_000
    one = _convert(data, 1)
    assert one[0].rstrip().endswith(b"\\unrestrict " + KEY.encode())
    assert _convert(data, jobs) == one
    assert _convert(data, jobs, nul="strip", invalid_utf8="replace") == _convert(
        data, 1, nul="strip", invalid_utf8="replace"
    )


@pytest.mark.parametrize("policy", [{"nul": "refuse"}, {"invalid_utf8": "refuse"}, {}])
def test_the_first_error_in_the_input_is_the_one_reported(policy: dict[str, str]) -> None:
    """A refused value in an early run and a statement the lexer cannot end later: with
    workers reading ahead, the error of the earlier line is still the one reported."""
    data = _big_dump(5, bad_row=19_500)
    one = _convert(data, 1, **policy)
    assert one[1].startswith("error: line "), one[1]
    assert _convert(data, 3, **policy) == one


def test_the_cli_defaults_to_the_cores_available(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dumpconv.cli import app

    dump = tmp_path / "big.sql"
    dump.write_bytes(_big_dump(7))
    runner = CliRunner()
    outs: list[bytes] = []
    for args in ([], ["--jobs", "1"], ["-j", "4"]):
        target = tmp_path / f"out{len(outs)}.sql"
        result = runner.invoke(app, [str(dump), "-o", str(target), "--restrict-key", KEY, *args])
        assert result.exit_code == 0, result.stderr
        outs.append(target.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    result = runner.invoke(app, [str(dump), "--jobs", "0"])
    assert result.exit_code == 2


@pytest.mark.pg
@pytest.mark.parametrize("fixture", ["django", "rails"])
def test_a_load_into_a_target_schema_is_the_same_with_any_number_of_jobs(
    tmp_path: Path, pg_server: PgServer, pg_db: str, fixture: str
) -> None:
    """--target-schema is planned once the whole input is read; its rows go through the same
    workers."""
    data = (REPO / "fixtures" / f"{fixture}.sqlite.sql").read_bytes()
    script = tmp_path / "pg.sql"
    script.write_bytes(_convert(data, 1)[0])
    pg_server.load_sql(pg_db, script).check()
    schema = pg_server.dump_schema(pg_db, tmp_path / "schema.sql")
    target = dumpconv.read_target(str(schema))
    one = _convert(data, 1, target=target)
    assert one[0].rstrip().endswith(b"\\unrestrict " + KEY.encode()), one[1]
    assert _convert(data, 3, target=target) == one
