"""Memory does not grow with a table, and no file is left behind, whatever ends the run.

Each conversion runs in its own process (``python -m dumpconv``) and its peak resident
memory is read with ``resource.getrusage`` by a small wrapper process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def write_dump(path: Path, rows: int) -> None:
    """A dump of one application-shaped table, written directly (the sqlite3 CLI would take
    longer to make the same text)."""
    with open(path, "wb") as f:
        f.write(
            b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
            b"CREATE TABLE log (id INTEGER PRIMARY KEY, user_id INTEGER, kind VARCHAR(10), "
            b"score REAL, note TEXT, at DATETIME);\n"
        )
        block = []
        for i in range(1, rows + 1):
            note = b"NULL" if i % 3 else b"'it''s #" + str(i).encode() + b"'"
            block.append(
                b"INSERT INTO log VALUES(%d,%d,'view',%d.25,%s,'2024-01-%02d 10:00:00');\n"
                % (i, i % 977, i % 1000, note, i % 28 + 1)
            )
            if len(block) == 10_000:
                f.write(b"".join(block))
                block = []
        f.write(b"".join(block) + b"COMMIT;\n")


def peak_kib(dump: Path, out: Path) -> int:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            WRAPPER,
            sys.executable,
            "-m",
            "dumpconv",
            "-q",
            str(dump),
            "-o",
            str(out),
        ],
        capture_output=True,
        check=True,
    )
    return int(result.stdout.split()[-1])


@pytest.mark.slow
def test_memory_does_not_grow_with_the_table(tmp_path: Path) -> None:
    small, large = tmp_path / "small.sql", tmp_path / "large.sql"
    write_dump(small, 10_000)
    write_dump(large, 2_000_000)
    out = tmp_path / "out.sql"
    small_peak = peak_kib(small, out)
    large_peak = peak_kib(large, out)
    assert out.read_bytes().count(b"\n") > 2_000_000
    # 200 times the rows; the peak may move by the size of one batch, not with the table.
    assert large_peak - small_peak < 64 * 1024, (small_peak, large_peak)
    assert large_peak < 400 * 1024


def _leftovers(*dirs: Path) -> list[str]:
    return sorted(str(p) for d in dirs for p in d.iterdir())


@pytest.mark.parametrize("how", ["interrupt", "terminate"])
def test_nothing_is_left_behind_when_the_run_is_stopped(tmp_path: Path, how: str) -> None:
    """Stopped in the middle of a table's rows: the first part of the dump is given on
    stdin and the rest held back, so dumpconv is certainly running (reading those rows or
    waiting for the rest, its spool and output temporary files open) when the signal comes,
    however fast it is."""
    dump = tmp_path / "in" / "dump.sql"
    dump.parent.mkdir()
    write_dump(dump, 200_000)
    data = dump.read_bytes()
    cut = data.index(b"\nINSERT", len(data) // 2) + 1  # at a line end, inside the rows
    temp, out_dir = tmp_path / "tmp", tmp_path / "out"
    temp.mkdir()
    out_dir.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dumpconv", "-", "-o", str(out_dir / "pg.sql")],
        env={**os.environ, "TMPDIR": str(temp)},
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    proc.stdin.write(data[:cut])
    proc.stdin.flush()
    # Once the output's temporary file exists, the signal handlers are in place (a loaded
    # machine may take long to start Python); then into the rows given, or waiting for
    # the rest: it cannot end before the signal, whatever the delay.
    deadline = time.monotonic() + 60
    while not list(out_dir.iterdir()):
        assert time.monotonic() < deadline, "dumpconv did not start"
        time.sleep(0.05)
    time.sleep(1.0)
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT if how == "interrupt" else signal.SIGTERM)
    _, err = proc.communicate(timeout=60)  # closes stdin too: the rest never comes
    assert proc.returncode == 130, err.decode()
    last = err.decode().strip().splitlines()[-1]
    assert last == "dumpconv: interrupted; nothing that commits was written"
    assert _leftovers(temp, out_dir) == []


def test_nothing_is_left_behind_after_an_error(tmp_path: Path) -> None:
    dump = tmp_path / "in" / "dump.sql"
    dump.parent.mkdir()
    write_dump(dump, 20_000)
    data = dump.read_bytes()
    dump.write_bytes(data[: len(data) // 2])  # truncated
    temp, out_dir = tmp_path / "tmp", tmp_path / "out"
    temp.mkdir()
    out_dir.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "dumpconv", str(dump), "-o", str(out_dir / "pg.sql")],
        env={**os.environ, "TMPDIR": str(temp)},
        capture_output=True,
    )
    assert result.returncode == 1
    assert result.stderr.decode().startswith("dumpconv: error: line ")
    assert _leftovers(temp, out_dir) == []
