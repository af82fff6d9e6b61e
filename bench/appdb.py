"""The benchmark's SQLite database: shaped like an application's event log.

Two tables (``users``, and ``events`` referencing it) holding integers, short and long text,
apostrophes, tabs and newlines in text, non-ASCII letters, reals, timestamps, booleans and
NULLs, plus an index: what ``sqlite3 app.db .dump`` of a small web application looks like.
The rows are pseudo-random but fixed by the row count, so a size gives the same file on
every run and every machine.
"""

from __future__ import annotations

import random
import re
import sqlite3
import subprocess
import tempfile
from pathlib import Path

#: Rows of the sample dump that calibrates bytes per row (see :func:`rows_for_size`).
_SAMPLE_ROWS = 20_000

_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9}


def build(path: Path, rows: int) -> None:
    """Write a new database of ``rows`` events (and rows // 100 users) to ``path``."""
    rng = random.Random(rows)
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(120) NOT NULL,
                            name TEXT, is_staff BOOLEAN NOT NULL DEFAULT 0);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES users(id),
            kind VARCHAR(20) NOT NULL,
            payload TEXT,
            score REAL,
            created_at DATETIME NOT NULL,
            flag BOOLEAN NOT NULL DEFAULT 0,
            note TEXT
        );
        CREATE INDEX events_user ON events(user_id, created_at);
        """
    )
    users = max(10, rows // 100)
    con.executemany(
        "INSERT INTO users(email, name, is_staff) VALUES (?,?,?)",
        ((f"user{i}@example.com", f"User O'{i}", i % 50 == 0) for i in range(users)),
    )
    words = ["alpha", "beta", "gamma", "delta", "it's", "naïve", "résumé", "x;y", "tab\there"]

    def event(i: int) -> tuple[object, ...]:
        payload = " ".join(rng.choices(words, k=rng.randint(2, 12)))
        note = None if rng.random() < 0.7 else "line one\nline two"
        ts = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 12:{i % 60:02d}:05"
        return (
            rng.randint(1, users),
            rng.choice(["click", "view", "buy"]),
            payload,
            rng.random() * 1000,
            ts,
            rng.random() < 0.5,
            note,
        )

    con.executemany(
        "INSERT INTO events(user_id, kind, payload, score, created_at, flag, note) "
        "VALUES (?,?,?,?,?,?,?)",
        (event(i) for i in range(rows)),
    )
    con.commit()
    con.close()


def parse_size(text: str) -> int:
    """``100MB``, ``1GB``, ``500kB``, ``2.5GB`` → bytes (decimal units, as ``ls`` -h does not)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?[bB]?)\s*", text)
    if m is None or m.group(2).upper() not in _UNITS:
        raise ValueError(f"not a size: {text!r} (write e.g. 100MB or 1GB)")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def rows_for_size(target_bytes: int) -> int:
    """The number of events whose ``sqlite3 .dump`` is about ``target_bytes`` long.

    Dumps a sample database once and scales linearly (the users table grows with the
    events, so the bytes per event row are constant); lands within a few percent.
    """
    with tempfile.TemporaryDirectory(prefix="dumpconv-bench-sample-") as tmp:
        db = Path(tmp) / "sample.db"
        build(db, _SAMPLE_ROWS)
        size = len(
            subprocess.run(["sqlite3", str(db), ".dump"], capture_output=True, check=True).stdout
        )
    return max(1, round(target_bytes * _SAMPLE_ROWS / size))


def row_count(path: Path) -> int:
    """Rows of every table (what dumpconv converts and PostgreSQL loads)."""
    con = sqlite3.connect(path)
    try:
        return sum(
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("users", "events")
        )
    finally:
        con.close()
