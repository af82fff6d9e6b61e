"""Progress: what ``convert(progress=...)`` is told (monotonic, throttled, the totals at the
end, the tables as they are read), what the terminal display draws from it (rich on a fake
terminal), and that without a terminal stderr holds nothing but the report."""

from __future__ import annotations

import io
import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from dumpconv.base.errors import DumpconvError
from dumpconv.cli.progress import progress_display
from dumpconv.pipeline import Options, Progress, convert
from tests.end_to_end.test_compressed import compress
from tests.end_to_end.test_streaming import HEAD

TABLES = ["first", "se\x1b[31mcond", "third"]  # a name holding an escape sequence


def _dump(path: Path, rows: int) -> Path:
    with open(path, "wb") as f:
        f.write(HEAD)
        for name in TABLES:
            f.write(b'CREATE TABLE "%s"(id INTEGER PRIMARY KEY, v TEXT);\n' % name.encode())
            for start in range(0, rows, 10_000):
                f.write(
                    b"".join(
                        b"INSERT INTO \"%s\" VALUES(%d,'value number %d');\n"
                        % (name.encode(), i, i)
                        for i in range(start, min(rows, start + 10_000))
                    )
                )
        f.write(b"COMMIT;\n")
    return path


# Enough rows that a conversion lasts most of a second even read in C (about 100 MB/s here),
# so that it is reported several times while it runs.
ROWS = 600_000


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _dump(tmp_path_factory.mktemp("progress") / "app.sql", ROWS)


def _convert(data: io.BufferedIOBase | io.BytesIO) -> tuple[list[Progress], int, int]:
    seen: list[Progress] = []
    report = convert(data, io.BytesIO(), Options(jobs=1), progress=seen.append)  # type: ignore[arg-type]
    return seen, report.input_bytes, report.total_rows


def _check_sequence(seen: list[Progress]) -> None:
    assert len(seen) >= 3, "a conversion of a second or more is reported while it runs"
    for before, after in itertools.pairwise(seen):
        assert before.input_bytes <= after.input_bytes
        assert before.text_bytes <= after.text_bytes
        assert before.rows <= after.rows
        assert before.elapsed <= after.elapsed
    running = [p for p in seen if not p.done]
    assert [p.done for p in seen] == [False] * len(running) + [True]
    # At most ten a second (the last one comes whenever the conversion ends).
    assert len(running) <= seen[-1].elapsed * 10 + 1
    names = {p.table for p in seen}
    assert names <= {None, "first", "se\\x1b[31mcond", "third"}  # printable: escaped
    assert "third" in names


def test_a_file_is_reported_with_its_size_and_the_totals_at_the_end(dump: Path) -> None:
    with open(dump, "rb") as f:
        seen, text_bytes, rows = _convert(f)
    _check_sequence(seen)
    size = dump.stat().st_size
    assert {p.input_size for p in seen} == {size}
    last = seen[-1]
    assert (last.input_bytes, last.text_bytes, last.rows) == (size, size, rows)
    assert text_bytes == size
    assert rows == 3 * ROWS
    assert last.fraction == 1.0
    assert last.table == "third"
    assert last.compression is None
    assert any(0 < (p.fraction or 0) < 1 for p in seen)


def test_a_compressed_file_counts_the_compressed_bytes(dump: Path, tmp_path: Path) -> None:
    packed = tmp_path / "app.sql.xz"
    packed.write_bytes(compress("xz", dump.read_bytes()))
    with open(packed, "rb") as f:
        seen, text_bytes, _ = _convert(f)
    _check_sequence(seen)
    last = seen[-1]
    assert last.input_bytes == last.input_size == packed.stat().st_size
    assert last.text_bytes == text_bytes == dump.stat().st_size  # the report: the text
    assert last.compression == "xz"


def test_a_pipe_has_no_size(dump: Path) -> None:
    proc = subprocess.Popen(["cat", str(dump)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    with proc.stdout:
        seen, _, _ = _convert(proc.stdout)  # type: ignore[arg-type]
    proc.wait()
    assert {p.input_size for p in seen} == {None}
    assert {p.fraction for p in seen} == {None}
    assert seen[-1].input_bytes == dump.stat().st_size


def test_no_final_call_after_a_failure(tmp_path: Path) -> None:
    cut = tmp_path / "cut.sql"
    cut.write_bytes(_dump(tmp_path / "whole.sql", 1000).read_bytes()[:-10])
    seen: list[Progress] = []
    with open(cut, "rb") as f, pytest.raises(DumpconvError, match=r"truncated|COMMIT"):
        convert(f, io.BytesIO(), Options(jobs=1), progress=seen.append)
    assert not any(p.done for p in seen)


# --- the display --------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _terminal() -> tuple[Console, io.StringIO]:
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, width=150), screen


def test_the_display_shows_percent_bytes_rows_and_the_table() -> None:
    console, screen = _terminal()
    with progress_display(True, console) as show:
        assert show is not None
        show(Progress(2_500_000, 10_000_000, 9_000_000, 40_000, "users", 2.0, "gzip"))
        drawn = _ANSI.sub("", screen.getvalue())
    assert "25%" in drawn
    assert "2.5/10.0 MB" in drawn
    assert "users" in drawn
    assert "40,000 rows 20,000/s" in drawn


def test_the_display_without_a_size_shows_bytes_read() -> None:
    console, screen = _terminal()
    with progress_display(True, console) as show:
        assert show is not None
        show(Progress(3_000_000, None, 3_000_000, 10, "t", 1.0))
        drawn = _ANSI.sub("", screen.getvalue())
    assert "3.0/? MB" in drawn
    assert "%" not in drawn


def test_names_are_shown_as_text_not_markup_and_the_display_is_cleared() -> None:
    console, screen = _terminal()
    with progress_display(True, console) as show:
        assert show is not None
        show(Progress(1, 2, 1, 1, "[bold]x[/bold] :smile:", 1.0))
        drawn = _ANSI.sub("", screen.getvalue())
    assert "[bold]x[/bold] :smile:" in drawn
    # Transient: the last thing written moves up over the display and erases it.
    assert screen.getvalue().endswith("\x1b[2K")


def test_no_display_when_not_enabled() -> None:
    with progress_display(False) as show:
        assert show is None


def test_without_a_terminal_stderr_holds_only_the_report(dump: Path) -> None:
    """stderr a pipe (as in CI, or 2> file): the report lines and nothing else."""
    proc = subprocess.run(
        [sys.executable, "-m", "dumpconv", "--no-restrict", str(dump), "-o", "/dev/null"],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.decode().splitlines()
    # The report: the one note every dump's conversion has (dump-cuts-nul), the summary.
    assert lines[-1] == f"dumpconv: 3 tables, {3 * ROWS} rows, 1 notes (0 lossy)", lines
    assert len(lines) == 2
    assert lines[0].endswith("[dump-cuts-nul] (to keep every byte, convert the database file "
                             "itself: dumpconv app.db)"), lines  # fmt: skip
    assert "\x1b" not in proc.stderr.decode()
    assert "\r" not in proc.stderr.decode()


def _on_a_terminal(args: list[str]) -> tuple[int, bytes]:
    """Run the CLI with stderr a pseudo-terminal; what it drew there, and its exit status."""
    import os
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dumpconv", *args], stderr=slave, stdout=subprocess.DEVNULL
    )
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    return proc.wait(), drawn


def test_a_terminal_shows_progress_then_only_the_report(dump: Path) -> None:
    code, drawn = _on_a_terminal(["--no-restrict", str(dump), "-o", "/dev/null"])
    assert code == 0, drawn
    assert b"%" in drawn  # the share of the file read (the report has none)
    assert b"/s" in drawn  # rows a second
    assert b"\x1b[2K" in drawn  # the display is erased before the report
    assert drawn.rstrip().endswith(b"dumpconv: 3 tables, %d rows, 1 notes (0 lossy)" % (3 * ROWS))


def test_quiet_draws_nothing_on_a_terminal(dump: Path) -> None:
    code, drawn = _on_a_terminal(["-q", "--no-restrict", str(dump), "-o", "/dev/null"])
    assert code == 0
    assert drawn == b""
