"""The same dump and options give the same script byte for byte with --restrict-key, in
separate processes whose hash seeds differ (set and dict orders that depend on hashing, and
anything else a process picks at random, must not reach the output); without it the key is
the only difference."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.end_to_end.test_baseline import QUIRKS, REPO, SHARED

DUMPS = [*sorted((REPO / "fixtures").glob("*.sqlite.sql")), *QUIRKS[:2], *SHARED[:3]]


def script(dump: Path, seed: str, *args: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run(
        [sys.executable, "-m", "dumpconv", "-q", "--allow-incomplete", *args, str(dump)],
        env=env,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


@pytest.mark.parametrize("dump", DUMPS, ids=lambda p: p.name)
def test_the_same_bytes_from_two_processes(dump: Path) -> None:
    first = script(dump, "1", "--restrict-key", "fixed")
    assert first == script(dump, "2", "--restrict-key", "fixed", "--jobs", "2")


def test_without_a_key_only_the_key_differs() -> None:
    dump = REPO / "fixtures" / "rails.sqlite.sql"
    one, two = script(dump, "1"), script(dump, "1")
    keys = re.compile(rb"^\\(un)?restrict [0-9a-f]{32}$", re.M)
    assert one != two
    assert keys.sub(b"KEY", one) == keys.sub(b"KEY", two)
    assert len(keys.findall(one)) == 2
