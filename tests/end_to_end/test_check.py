"""``dumpconv check``: a preflight that writes no SQL, shows each table's rows and chosen
types, and fails (exit 1) when a conversion would change anything (lossy) or be refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def check(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "dumpconv", "check", *args], input=stdin, capture_output=True
    )


def test_a_faithful_dump_passes_with_a_line_per_table() -> None:
    proc = check(str(REPO / "fixtures" / "rails.sqlite.sql"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b""
    err = proc.stderr.decode()
    assert "table users: 5 rows; id integer → bigint, email varchar → text," in err
    assert "admin boolean," in err  # declared as it is chosen: shown once
    assert err.rstrip().endswith("dumpconv: 10 tables, 47 rows, 5 notes (0 lossy)")


def test_a_lossy_dump_fails_the_check_and_writes_nothing() -> None:
    proc = check(str(REPO / "fixtures" / "django.sqlite.sql"))
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert b"lossy: line 186: shop_product: column stock_value is generated" in proc.stderr


def test_a_refused_dump_lists_every_reason() -> None:
    dump = (
        b"BEGIN TRANSACTION;\nCREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT);\n"
        b"INSERT INTO t VALUES(1,'a\xffb');\nINSERT INTO t VALUES(2,'c\xfed');\nCOMMIT;\n"
    )
    proc = check("--invalid-utf8", "refuse", "-", stdin=dump)
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert proc.stderr.count(b"dumpconv: error:") >= 1
    assert b"line 3" in proc.stderr
