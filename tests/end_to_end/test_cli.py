"""The command line: stdout carries only SQL, the report goes to stderr (or --report FILE),
exit codes 0 / 1 / 2, ``-o`` is atomic, and bad input gives one line, never a traceback.

Most tests call the typer app in-process with CliRunner; a few run the installed
``dumpconv`` console script and ``python -m dumpconv`` as a user would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import dumpconv
from dumpconv.base.version import hot_path
from dumpconv.cli import app
from tests.end_to_end.failed import assert_failed_output
from tests.end_to_end.test_golden import GOLDEN_KEY

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
NAMES = FIXTURES / "names.sqlite.sql"
RAILS = FIXTURES / "rails.sqlite.sql"

ERROR_LINE = re.compile(r"dumpconv: error: [^\n]+\n")
ERROR_AT_LINE = re.compile(r"dumpconv: error: line \d+: [^\n]+\n")

SMALL_DUMP = b"""PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT);
INSERT INTO t VALUES(1,'a');
INSERT INTO t VALUES(2,'b');
COMMIT;
"""
# Text that is not UTF-8 (0xff): PostgreSQL cannot store it as it is.
BAD_UTF8_DUMP = SMALL_DUMP.replace(b"'b'", b"'b\xffc'")
TRUNCATED_DUMP = SMALL_DUMP[: SMALL_DUMP.index(b"INSERT INTO t VALUES(2") + 10]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def golden(name: str) -> bytes:
    return (FIXTURES / f"{name}.pg.sql").read_bytes()


def invoke(runner: CliRunner, args: list[str], stdin: bytes | None = None) -> Result:
    return runner.invoke(app, args, input=stdin)


def assert_sql(out: bytes) -> None:
    """Looks like a whole dumpconv script and nothing else."""
    text = out.decode("utf-8")
    assert text.startswith("--\n-- PostgreSQL load script written by dumpconv")
    assert "\nBEGIN;\n" in text
    assert re.search(r"\nCOMMIT;\n(\n\\unrestrict [0-9a-f]{32}\n)?$", text), text[-200:]


# ---------------------------------------------------------------------------------------
# stdout, stderr, exit codes
# ---------------------------------------------------------------------------------------


def test_stdout_is_the_script_and_stderr_the_report(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # the header names the input as given on the command line
    result = invoke(runner, ["fixtures/rails.sqlite.sql", "--restrict-key", GOLDEN_KEY])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == golden("rails")
    assert_sql(result.stdout_bytes)
    # The report: one line per decision, then the summary; none of it on stdout.
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("dumpconv: 10 tables, 47 rows, ")
    assert any(line.endswith("[type-widened]") for line in lines)
    for line in lines:
        assert line not in result.stdout


def test_quiet_prints_nothing_on_success(runner: CliRunner) -> None:
    result = invoke(runner, ["-q", str(RAILS)])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert_sql(result.stdout_bytes)


def test_reads_stdin(runner: CliRunner) -> None:
    from_stdin = invoke(runner, ["--restrict-key", GOLDEN_KEY], stdin=NAMES.read_bytes())
    dash = invoke(runner, ["-", "--restrict-key", GOLDEN_KEY], stdin=NAMES.read_bytes())
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert dash.stdout_bytes == from_stdin.stdout_bytes
    # The same script as from the file, except for the name of the input in the header.
    expected = golden("names").replace(b"-- from: fixtures/names.sqlite.sql\n", b"-- from: stdin\n")
    assert from_stdin.stdout_bytes == expected


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    for args in (["--bogus"], [str(NAMES), str(NAMES)], ["--report"], ["-o"]):
        result = invoke(runner, args)
        assert result.exit_code == 2, (args, result.exit_code)
        assert result.stdout_bytes == b""


def test_missing_input_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.sql"
    result = invoke(runner, [str(missing)])
    assert result.exit_code == 1
    assert result.stdout_bytes == b""
    assert ERROR_LINE.fullmatch(result.stderr), result.stderr
    assert str(missing) in result.stderr
    assert "Traceback" not in result.stderr


def test_directory_as_input_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, [str(tmp_path)])
    assert result.exit_code == 1
    assert ERROR_LINE.fullmatch(result.stderr), result.stderr


def test_refused_dump_is_one_line_with_the_input_line(runner: CliRunner) -> None:
    result = invoke(runner, ["-"], stdin=TRUNCATED_DUMP)
    assert result.exit_code == 1
    assert result.stdout_bytes == b""
    assert ERROR_AT_LINE.fullmatch(result.stderr), result.stderr
    assert result.stderr.startswith("dumpconv: error: line 5: ")


def test_version(runner: CliRunner) -> None:
    result = invoke(runner, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"dumpconv {dumpconv.__version__}\nhot path: {hot_path()}\n"


def test_help(runner: CliRunner) -> None:
    result = invoke(runner, ["--help"])
    assert result.exit_code == 0
    for option in ("--output", "-o", "--report", "--strict", "--no-restrict", "--quiet"):
        assert option in result.stdout
    assert "--version" in result.stdout


# ---------------------------------------------------------------------------------------
# -o FILE, --report FILE
# ---------------------------------------------------------------------------------------


def test_output_file(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "pg.sql"
    result = invoke(
        runner, ["fixtures/names.sqlite.sql", "-o", str(target), "--restrict-key", GOLDEN_KEY]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == b""
    assert target.read_bytes() == golden("names")
    assert [p.name for p in out_dir.iterdir()] == ["pg.sql"], "temporary files left behind"


def test_output_file_on_failure(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "pg.sql"
    result = invoke(runner, ["-", "-o", str(target)], stdin=TRUNCATED_DUMP)
    assert result.exit_code == 1
    assert ERROR_AT_LINE.fullmatch(result.stderr), result.stderr
    assert list(tmp_path.iterdir()) == [], "a failed run left a file behind"


def test_output_file_on_failure_keeps_the_old_file(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "pg.sql"
    target.write_bytes(b"-- the previous good script\n")
    result = invoke(runner, ["-", "-o", str(target)], stdin=TRUNCATED_DUMP)
    assert result.exit_code == 1
    assert target.read_bytes() == b"-- the previous good script\n"
    assert [p.name for p in tmp_path.iterdir()] == ["pg.sql"]


def test_output_file_replaces_the_old_file(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "pg.sql"
    target.write_bytes(b"old\n")
    result = invoke(runner, [str(NAMES), "-o", str(target)])
    assert result.exit_code == 0
    assert_sql(target.read_bytes())
    assert [p.name for p in tmp_path.iterdir()] == ["pg.sql"]


def test_output_into_missing_directory_names_the_output(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "pg.sql"
    result = invoke(runner, [str(NAMES), "-o", str(target)])
    assert result.exit_code == 1
    assert ERROR_LINE.fullmatch(result.stderr), result.stderr
    # The user asked for pg.sql: the message names it, not an internal temporary file.
    assert str(target) in result.stderr, result.stderr
    assert ".tmp" not in result.stderr, result.stderr


def test_report_json(runner: CliRunner, tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    result = invoke(runner, [str(RAILS), "--report", str(report_path)])
    assert result.exit_code == 0, result.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["input_bytes"] == RAILS.stat().st_size
    assert report["statements"] > 0
    users = report["tables"]["users"]
    assert (users["rows"], users["skipped"], users["pg_name"]) == (5, False, "users")
    assert users["columns"][0] == {
        "name": "id", "declared": "integer", "pg_name": "id", "type": "bigint"
    }  # fmt: skip
    assert report["tables"]["posts"]["rows"] == 6
    assert len(report["tables"]) == 10
    codes = {d["code"] for d in report["diagnostics"]}
    assert "type-widened" in codes
    for diag in report["diagnostics"]:
        assert set(diag) == {"line", "code", "severity", "message", "hint"}
        assert diag["severity"] in {"info", "warning", "lossy", "error"}
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", diag["code"])
    # The same diagnostics as on stderr.
    assert len(report["diagnostics"]) == len(result.stderr.splitlines()) - 1


def test_report_json_with_output_file_and_quiet(runner: CliRunner, tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    target = tmp_path / "pg.sql"
    result = invoke(runner, ["-q", str(NAMES), "-o", str(target), "--report", str(report_path)])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert json.loads(report_path.read_text(encoding="utf-8"))["tables"]["order"]["rows"] == 3


# ---------------------------------------------------------------------------------------
# --strict, --no-restrict
# ---------------------------------------------------------------------------------------


def test_invalid_utf8_is_converted_and_reported(runner: CliRunner, tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    result = invoke(runner, ["-", "--report", str(report_path)], stdin=BAD_UTF8_DUMP)
    assert result.exit_code == 0, result.stderr
    assert_sql(result.stdout_bytes)
    assert "b\ufffdc".encode() in result.stdout_bytes
    assert "[invalid-utf8-replaced]" in result.stderr
    diags = json.loads(report_path.read_text(encoding="utf-8"))["diagnostics"]
    assert [(d["code"], d["severity"], d["line"]) for d in diags] == [
        ("invalid-utf8-replaced", "lossy", 5),
        ("dump-cuts-nul", "info", None),
    ]


def test_strict_refuses_invalid_utf8(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, ["--strict", "-"], stdin=BAD_UTF8_DUMP)
    assert result.exit_code == 1
    assert_failed_output(result.stdout_bytes)
    assert ERROR_AT_LINE.fullmatch(result.stderr), result.stderr
    assert result.stderr.startswith("dumpconv: error: line 5: ")

    target = tmp_path / "pg.sql"
    result = invoke(runner, ["--strict", "-", "-o", str(target)], stdin=BAD_UTF8_DUMP)
    assert result.exit_code == 1
    assert list(tmp_path.iterdir()) == []


def test_strict_refuses_a_definition_it_leaves_out(runner: CliRunner) -> None:
    """README: --strict refuses "if any value or definition would change". A CHECK that
    cannot be translated (hex() depends on the storage class) is left out of the script,
    as a comment; under --strict that is a changed definition, so no script."""
    dump = SMALL_DUMP.replace(b"s TEXT)", b"s TEXT CHECK (hex(s) <> ''))")
    plain = invoke(runner, ["-"], stdin=dump)
    assert plain.exit_code == 0
    assert "-- dumpconv: check constraint on t not created" in plain.stdout

    result = invoke(runner, ["--strict", "-"], stdin=dump)
    assert result.exit_code == 1, result.stdout[-300:]
    assert_failed_output(result.stdout_bytes)
    assert ERROR_AT_LINE.fullmatch(result.stderr), result.stderr


def test_strict_accepts_a_faithful_dump(runner: CliRunner) -> None:
    result = invoke(runner, ["--strict", "-"], stdin=SMALL_DUMP)
    assert result.exit_code == 0, result.stderr
    assert_sql(result.stdout_bytes)
    assert "-- options: --strict\n" in result.stdout


def test_restrict_and_no_restrict(runner: CliRunner) -> None:
    default = invoke(runner, ["-"], stdin=SMALL_DUMP).stdout
    keys = re.findall(r"^\\(restrict|unrestrict) ([0-9a-f]{32})$", default, re.MULTILINE)
    assert [k[0] for k in keys] == ["restrict", "unrestrict"]
    assert keys[0][1] == keys[1][1]
    # \restrict comes after the last meta-command dumpconv needs and before any SQL.
    lines = default.splitlines()
    assert lines.index(f"\\restrict {keys[0][1]}") < lines.index("BEGIN;")
    assert lines[-1] == f"\\unrestrict {keys[0][1]}"

    plain = invoke(runner, ["--no-restrict", "-"], stdin=SMALL_DUMP).stdout
    assert "restrict " not in plain.replace("-- options: --no-restrict", "")
    assert "-- options: --no-restrict\n" in plain
    assert plain.rstrip("\n").endswith("COMMIT;")


# ---------------------------------------------------------------------------------------
# the installed programs
# ---------------------------------------------------------------------------------------


def _console_script() -> str:
    here = Path(sys.executable).parent / "dumpconv"
    found = str(here) if here.exists() else shutil.which("dumpconv")
    assert found, "the dumpconv console script is not installed (pip install -e .)"
    return found


def _run(argv: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run(
        argv, input=stdin, capture_output=True, cwd=REPO, env=env, timeout=120, check=False
    )


PROGRAMS = {
    "console-script": lambda: [_console_script()],
    "python-m": lambda: [sys.executable, "-m", "dumpconv"],
}


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_installed_program_converts_a_file(program: str) -> None:
    proc = _run([*PROGRAMS[program](), "fixtures/laravel.sqlite.sql", "--restrict-key", GOLDEN_KEY])
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == golden("laravel")
    assert proc.stderr.decode().splitlines()[-1].startswith("dumpconv: 12 tables, 34 rows")


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_installed_program_reads_stdin(program: str) -> None:
    proc = _run(PROGRAMS[program](), stdin=SMALL_DUMP)
    assert proc.returncode == 0, proc.stderr.decode()
    assert_sql(proc.stdout)
    assert b"-- from: stdin\n" in proc.stdout


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_installed_program_errors(program: str) -> None:
    proc = _run([*PROGRAMS[program](), "no-such-file.sql"])
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert ERROR_LINE.fullmatch(proc.stderr.decode()), proc.stderr.decode()

    proc = _run(PROGRAMS[program](), stdin=TRUNCATED_DUMP)
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert ERROR_AT_LINE.fullmatch(proc.stderr.decode()), proc.stderr.decode()

    proc = _run([*PROGRAMS[program](), "--no-such-option"])
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert b"Traceback" not in proc.stderr


def test_installed_program_version() -> None:
    proc = _run([_console_script(), "--version"])
    assert proc.returncode == 0
    assert proc.stdout == f"dumpconv {dumpconv.__version__}\nhot path: {hot_path()}\n".encode()


def test_output_to_a_device_writes_to_it(runner: CliRunner, tmp_path: Path) -> None:
    """-o /dev/null (or a pipe) is written, never replaced by a regular file."""
    devnull = Path(os.devnull)
    before = devnull.stat()
    result = invoke(runner, ["-o", os.devnull, "-"], stdin=SMALL_DUMP)
    assert result.exit_code == 0, result.stderr
    after = devnull.stat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_output_through_a_symlink_writes_its_target(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "real.sql"
    link = tmp_path / "link.sql"
    link.symlink_to(target)
    result = invoke(runner, ["-o", str(link), "-"], stdin=SMALL_DUMP)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert target.read_bytes().startswith(b"--")
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
