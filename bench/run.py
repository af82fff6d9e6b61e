"""Throughput and memory of dumpconv, against baselines measured in the same run.

    python bench/run.py                 # 200k and 1M rows
    python bench/run.py --rows 100000 --rows 3000000

For each size it builds a SQLite database shaped like an application's event log (integers,
short and long text, apostrophes and newlines in text, reals, timestamps, booleans, NULLs,
a foreign key), dumps it with the real sqlite3 CLI, and times, as separate processes:

* ``read``: Python reading the dump line by line and doing nothing (the floor);
* ``sqlite3``: the sqlite3 CLI loading the dump into a new database (the producer's own
  reader: a fair "how fast can SQL text be consumed" reference);
* ``dumpconv``: the full conversion, output to a file.

It prints MB/s of dump text, the ratio dumpconv/baseline, and each process's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path


def build(path: Path, rows: int) -> None:
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


def peak_rss(cmd: list[str], stdin: Path | None = None) -> tuple[float, int]:
    # ru_maxrss of RUSAGE_CHILDREN is the maximum over all children so far; measure each
    # command in its own wrapper process to get its own peak.
    wrapper = (
        "import resource,subprocess,sys,time;t=time.perf_counter();"
        "subprocess.run(sys.argv[1:],stdin=sys.stdin,stdout=subprocess.DEVNULL,check=True);"
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as src:
        out = subprocess.run(
            [sys.executable, "-c", wrapper, *cmd], stdin=src, capture_output=True, check=True
        ).stdout.split()
    return float(out[0]), int(out[1])


READER = "import sys\nfor _ in sys.stdin.buffer: pass\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, action="append", help="events rows (repeatable)")
    ap.add_argument("--keep", type=Path, help="keep the generated files in this directory")
    args = ap.parse_args()
    sizes = args.rows or [200_000, 1_000_000]
    work = args.keep or Path(tempfile.mkdtemp(prefix="dumpconv-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"{'rows':>9} {'MB':>7} | {'read MB/s':>9} {'sqlite3 MB/s':>12} {'dumpconv MB/s':>13} | "
        f"{'vs read':>7} {'vs sqlite3':>10} | {'peak RSS MiB':>12}"
    )
    for rows in sizes:
        db = work / f"bench-{rows}.db"
        dump = work / f"bench-{rows}.sql"
        if not dump.exists():
            db.unlink(missing_ok=True)
            build(db, rows)
            with open(dump, "wb") as f:
                subprocess.run(["sqlite3", str(db), ".dump"], stdout=f, check=True)
        mb = dump.stat().st_size / 1e6
        t_read, _ = peak_rss([sys.executable, "-c", READER], dump)
        target = work / f"load-{rows}.db"
        target.unlink(missing_ok=True)
        t_sqlite, _ = peak_rss(["sqlite3", str(target)], dump)
        out = work / f"out-{rows}.sql"
        t_conv, rss = peak_rss(
            [sys.executable, "-m", "dumpconv", str(dump), "-o", str(out), "--quiet"]
        )
        print(
            f"{rows:>9} {mb:>7.1f} | {mb / t_read:>9.1f} {mb / t_sqlite:>12.1f} "
            f"{mb / t_conv:>13.1f} | {t_read / t_conv:>7.2f} {t_sqlite / t_conv:>10.2f} | "
            f"{rss / 1024:>12.1f}"
        )
        if args.keep is None:
            for p in (db, dump, target, out):
                p.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
