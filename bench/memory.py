"""Memory of a command and every process it starts (dumpconv --jobs runs workers), and a dump
far larger than any database the benchmark builds, written on the fly.

The peak of the largest single process is ``ru_maxrss``; the whole tree's is sampled from
/proc every few milliseconds as the sum of each process's proportional set size (PSS: a page
shared by n processes counts 1/n in each, so forked workers' shared pages are not counted
twice, as summing RSS would).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, BinaryIO

_PSS = re.compile(rb"^Pss:\s+(\d+) kB", re.MULTILINE)


def _tree(pid: int) -> list[int]:
    """The process and its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                kids = Path(f"/proc/{p}/task/{task}/children").read_text().split()
                todo.extend(int(k) for k in kids)
        except OSError:
            continue
    return out


def _pss_kib(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            m = _PSS.search(Path(f"/proc/{p}/smaps_rollup").read_bytes())
        except OSError:
            continue
        if m:
            total += int(m.group(1))
    return total


def run_measured(cmd: list[str], stdin: IO[bytes] | int | None = None) -> tuple[float, int, int]:
    """Run ``cmd`` (stdout discarded): wall seconds, the peak RSS of its largest process and
    the peak PSS of its whole process tree, both in KiB."""
    wrapper = (
        "import resource,subprocess,sys;"
        "subprocess.run(sys.argv[1:],stdin=sys.stdin,stdout=subprocess.DEVNULL,check=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    peak = [0]
    done = threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", wrapper, *cmd],
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
    )

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _pss_kib(_tree(proc.pid)[1:]))  # not the wrapper
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return elapsed, int(out.split()[-1]), peak[0]


def write_stream(source: Path, target_bytes: int, out: BinaryIO) -> None:
    """A dump of about ``target_bytes``: ``source``'s (a ``sqlite3 .dump``) with the rows of
    its largest table written again and again, the same table growing past any database
    the benchmark builds (its rows repeat: dumpconv is not asked to load them)."""
    head, rows, tail = _split(source)
    out.write(head)
    written = len(head) + len(tail)
    while written < target_bytes:
        out.write(rows)
        written += len(rows)
    out.write(tail)
    out.flush()


def _split(source: Path) -> tuple[bytes, bytes, bytes]:
    """(everything up to the largest table's rows, those rows, the rest): a table's rows run
    from its first INSERT after its CREATE TABLE to the next line that is not one of its INSERTs
    (found with ``bytes.find``: regular expressions anchored at line starts are far too
    slow on a gigabyte)."""
    data = source.read_bytes()
    best = (0, 0)
    at = data.find(b"\nCREATE TABLE ")
    while at >= 0:
        name = data[at + len(b"\nCREATE TABLE ") : data.find(b"(", at)].strip()
        prefix = b"INSERT INTO " + name + b" VALUES("
        start = data.find(b"\n" + prefix, at) + 1
        if start == 0:
            at = data.find(b"\nCREATE TABLE ", at + 1)
            continue
        end = start
        while data.startswith(prefix, end):
            end = data.find(b"\n", end) + 1
            if end == 0:
                end = len(data)
                break
        if end - start > best[1] - best[0]:
            best = (start, end)
        at = data.find(b"\nCREATE TABLE ", end - 1)
    start, end = best
    return data[:start], data[start:end], data[end:]


def main() -> None:
    """``python bench/memory.py SOURCE BYTES``: the stream on stdout (for a shell pipe)."""
    write_stream(Path(sys.argv[1]), int(sys.argv[2]), sys.stdout.buffer)


if __name__ == "__main__":
    main()
