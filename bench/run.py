"""dumpconv's speed as ratios against baselines measured in the same run (issue 13).

    python bench/run.py --size 100MB               # one dump of about 100 MB
    python bench/run.py --size 100MB --size 1GB
    python bench/run.py --rows 200000              # a row count instead of a size
    python bench/run.py --size 20MB --dsn "host=/run/postgresql dbname=postgres" --json f.json

For each size it builds an application-shaped SQLite database (bench/appdb.py) and times,
each as its own process, with output to a file or into a fresh PostgreSQL database:

(a) ``.dump``:    ``sqlite3 app.db .dump > app.sql`` (the dump itself);
(b) ``read``:     Python reading app.sql line by line and doing nothing (a floor);
(c) ``dumpconv``: ``dumpconv app.sql -o pg.sql``, with its MB/s, rows/s and peak RSS;
(d) ``ideal``:    ``psql -X -v ON_ERROR_STOP=1 -f ideal.sql`` into a fresh database, where
                  ideal.sql is pg.sql cut down to its CREATE TABLEs and COPY blocks in one
                  transaction (no keys, indexes, foreign keys or setval: the fastest a load
                  of these rows through psql can be);
    ``load``:     the same for the whole pg.sql (with its post-data section);
(e) ``e2e``:      ``sqlite3 app.db .dump | dumpconv | psql -X -v ON_ERROR_STOP=1 -d fresh``,
                  a shell pipeline, wall time, as a user runs it;
    ``cpu``:      the CPU seconds the machine spent in (a), (d), the load and (e) (from
                  /proc/stat), and from them the least time (e) could take if the
                  conversion cost nothing: the dump and the whole load side by side on
                  every core, never less than either alone;
(f) ``pgloader``: ``pgloader app.db postgresql://…/fresh`` when pgloader is on PATH;
(g) ``direct``:   ``dumpconv app.db > pg.sql``, dumpconv reading the database itself, beside
                  ``sqlite3 app.db .dump | dumpconv > pg.sql`` (bar: no slower), and
                  ``dumpconv app.db | psql`` beside (e).

PostgreSQL is a throwaway cluster started as the test suite starts it (tests/pgharness.py:
fsync off, on /dev/shm when there is room), stopped at the end, unless ``--dsn`` names a
database on a server where CREATE DATABASE is allowed. It prints a markdown table of the
ratios issue 13 sets bars for, and ``--json FILE`` writes every figure.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: python bench/run.py
    sys.path.insert(0, str(ROOT))

from bench.appdb import build, parse_size, row_count, rows_for_size  # noqa: E402
from bench.memory import run_measured  # noqa: E402
from tests.pgharness import PgServer, find_binaries, start_server  # noqa: E402

#: The bars of issue 13.
BAR_CONV_VS_DUMP = 1.6
BAR_E2E_VS_IDEAL = 1.5
BAR_RSS_MB = 150

READER = "import sys\nfor _ in sys.stdin.buffer: pass\n"


def read_seconds(dump: Path) -> float:
    """(b): Python reading the dump line by line, doing nothing."""
    with open(dump, "rb") as src:
        return run_measured([sys.executable, "-c", READER], src)[0]


def timed(
    cmd: list[str] | str,
    *,
    stdout: BinaryIO | int = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
) -> float:
    """Wall seconds of one command (a string runs in bash); stderr shown if it fails."""
    argv = ["bash", "-c", cmd] if isinstance(cmd, str) else cmd
    t = time.perf_counter()
    proc = subprocess.run(
        argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE, env=env, check=False
    )
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        shown = cmd if isinstance(cmd, str) else shlex.join(cmd)
        raise SystemExit(
            f"failed ({proc.returncode}): {shown}\n{proc.stderr.decode(errors='replace')}"
        )
    return elapsed


def best(repeat: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(repeat))


def busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent so far (/proc/stat: user, nice, system,
    irq, softirq); None where there is no /proc."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:8]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq = ticks
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


class CpuOf:
    """The CPU seconds the machine spent during the best (shortest) of the timings it
    wraps: every process of a pipeline, PostgreSQL's included (nothing else running)."""

    def __init__(self) -> None:
        self.best_wall: float | None = None
        self.cpu: float | None = None

    def __call__(self, measure: Callable[[], float]) -> Callable[[], float]:
        def timed_with_cpu() -> float:
            before = busy_seconds()
            wall = measure()
            after = busy_seconds()
            if self.best_wall is None or wall < self.best_wall:
                self.best_wall = wall
                self.cpu = None if before is None or after is None else after - before
            return wall

        return timed_with_cpu


def dumpconv_cmd() -> list[str]:
    """The dumpconv a user runs: the console script beside this Python, else ``-m``."""
    script = Path(sys.executable).with_name("dumpconv")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dumpconv"]


def ideal_script(converted: Path, ideal: Path) -> None:
    """Keep the SETs of the header, every CREATE TABLE and every COPY block, in one
    transaction: the same rows into the same tables, nothing after the data."""
    with open(converted, "rb") as src, open(ideal, "wb") as out:
        out.write(b"BEGIN;\n")
        mode = "top"
        for line in src:
            if mode == "copy":
                out.write(line)
                if line == b"\\.\n":
                    mode = "top"
            elif mode == "create":
                out.write(line)
                if line.startswith(b");"):
                    mode = "top"
            elif line.startswith(b"COPY ") and line.endswith(b" FROM stdin;\n"):
                out.write(line)
                mode = "copy"
            elif line.startswith(b"CREATE TABLE "):
                out.write(line)
                mode = "top" if line.rstrip().endswith(b");") else "create"
            elif line.startswith(b"SET ") or line.startswith(b"SELECT pg_catalog.set_config"):
                out.write(line)
        out.write(b"COMMIT;\n")


class Target:
    """Fresh databases on the bench's PostgreSQL server, and psql to load them."""

    def __init__(self, server: PgServer) -> None:
        self.server = server
        self.env = server.psql_env()

    @contextmanager
    def fresh(self) -> Iterator[str]:
        dsn = self.server.create_db("bench")
        try:
            yield dsn
        finally:
            self.server.drop_db(dsn)

    def psql(self, dsn: str) -> list[str]:
        return [str(self.server.psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn]

    def rows(self, dsn: str) -> int:
        got = self.server.query(
            dsn, "SELECT (SELECT count(*) FROM public.users) + (SELECT count(*) FROM public.events)"
        )
        return int(got[0][0])

    def pgloader_url(self, dsn: str) -> str:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(dsn)
        host = str(info.get("host") or "localhost")
        netloc = f"unix:{host}" if host.startswith("/") else host
        user = info.get("user") or os.environ.get("USER", "postgres")
        return f"postgresql://{user}@{netloc}:{info.get('port') or 5432}/{info['dbname']}"


@contextmanager
def postgres(dsn: str | None, work: Path) -> Iterator[Target]:
    if dsn is None:
        with start_server(work / "pg") as server:
            yield Target(server)
        return
    server = PgServer(admin_dsn=dsn, psql=find_binaries(need_server=False).psql, keep_auth_env=True)
    try:
        yield Target(server)
    finally:
        server.stop()  # drops the databases it created


def stream(label: str, source: Path, size: int) -> dict[str, Any]:
    """dumpconv reading a dump of ``size`` bytes written on the fly (bench/memory.py) from a
    pipe, its script discarded: time and memory far beyond the databases built here."""
    print(f"[stream {label}] {size / 1e9:.1f} GB through dumpconv …", file=sys.stderr, flush=True)
    generator = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "memory.py"), str(source), str(size)],
        stdout=subprocess.PIPE,
    )
    assert generator.stdout is not None
    seconds, rss, pss = run_measured(
        [*dumpconv_cmd(), "-", "-o", os.devnull, "--quiet"], generator.stdout
    )
    generator.stdout.close()
    if generator.wait() != 0:
        raise SystemExit("the stream generator failed")
    return {"size": label, "bytes": size, "seconds": seconds, "mb_s": size / 1e6 / seconds,
            "peak_rss_mib": rss / 1024, "peak_pss_mib": pss / 1024}  # fmt: skip


def measure(
    label: str,
    rows: int,
    work: Path,
    pg: Target,
    repeat: int,
    keep: bool,
    streams: list[tuple[str, int]],
) -> dict[str, Any]:
    db = work / f"app-{rows}.db"
    dump = work / f"app-{rows}.sql"
    out = work / f"pg-{rows}.sql"
    ideal = work / f"ideal-{rows}.sql"
    if not db.exists():
        print(f"[{label}] building {rows:,} events …", file=sys.stderr, flush=True)
        build(db, rows)
    total_rows = row_count(db)
    fig: dict[str, Any] = {"size": label, "events": rows, "rows": total_rows}

    def dump_once() -> float:
        with open(dump, "wb") as f:
            return timed(["sqlite3", str(db), ".dump"], stdout=f)

    dump_cpu = CpuOf()
    fig["dump_s"] = best(repeat, dump_cpu(dump_once))
    fig["dump_cpu_s"] = dump_cpu.cpu
    fig["dump_mb"] = mb = dump.stat().st_size / 1e6
    print(f"[{label}] dump {mb:.1f} MB, {total_rows:,} rows", file=sys.stderr, flush=True)
    fig["read_s"] = best(repeat, lambda: read_seconds(dump))

    conv = [
        run_measured([*dumpconv_cmd(), str(dump), "-o", str(out), "--quiet"]) for _ in range(repeat)
    ]
    fig["dumpconv_s"] = min(t for t, _, _ in conv)
    fig["dumpconv_peak_rss_mib"] = max(kib for _, kib, _ in conv) / 1024
    fig["dumpconv_peak_pss_mib"] = max(kib for _, _, kib in conv) / 1024
    one = [
        run_measured([*dumpconv_cmd(), str(dump), "-o", str(out), "--quiet", "--jobs", "1"])
        for _ in range(repeat)
    ]
    fig["dumpconv_1job_s"] = min(t for t, _, _ in one)
    fig["dumpconv_1job_peak_rss_mib"] = max(kib for _, kib, _ in one) / 1024
    fig["dumpconv_mb_s"] = mb / fig["dumpconv_s"]
    fig["dumpconv_rows_s"] = total_rows / fig["dumpconv_s"]
    fig["output_mb"] = out.stat().st_size / 1e6
    ideal_script(out, ideal)

    def load(script: Path) -> float:
        with pg.fresh() as dsn:
            elapsed = timed([*pg.psql(dsn), "-f", str(script)], env=pg.env)
            if pg.rows(dsn) != total_rows:
                raise SystemExit(f"{script} loaded {pg.rows(dsn)} rows, expected {total_rows}")
            return elapsed

    print(f"[{label}] loading …", file=sys.stderr, flush=True)
    ideal_cpu, load_cpu = CpuOf(), CpuOf()
    fig["ideal_copy_s"] = best(repeat, ideal_cpu(lambda: load(ideal)))
    fig["load_s"] = best(repeat, load_cpu(lambda: load(out)))
    fig["ideal_cpu_s"], fig["load_cpu_s"] = ideal_cpu.cpu, load_cpu.cpu

    def e2e() -> float:
        with pg.fresh() as dsn:
            line = (
                f"set -o pipefail; sqlite3 {shlex.quote(str(db))} .dump"
                f" | {shlex.join([*dumpconv_cmd(), '--quiet'])} | {shlex.join(pg.psql(dsn))}"
            )
            elapsed = timed(line, env=pg.env)
            if pg.rows(dsn) != total_rows:
                raise SystemExit(f"the pipeline loaded {pg.rows(dsn)} rows, expected {total_rows}")
            return elapsed

    e2e_cpu = CpuOf()
    fig["e2e_s"] = best(repeat, e2e_cpu(e2e))
    fig["e2e_cpu_s"] = e2e_cpu.cpu
    # The least time `.dump | X | psql` could take on these cores if X cost nothing: the
    # dump's CPU and the whole load's (keys included), run side by side.
    cores = os.cpu_count() or 1
    fig["floor_s"] = (
        None if dump_cpu.cpu is None or load_cpu.cpu is None
        else max(fig["dump_s"], fig["load_s"], (dump_cpu.cpu + load_cpu.cpu) / cores)
    )  # fmt: skip

    def dump_to_dumpconv() -> float:  # the first two stages of (e), to see where time goes
        line = (
            f"set -o pipefail; sqlite3 {shlex.quote(str(db))} .dump"
            f" | {shlex.join([*dumpconv_cmd(), '--quiet'])} > {shlex.quote(str(out))}"
        )
        return timed(line)

    fig["dump_pipe_dumpconv_s"] = best(repeat, dump_to_dumpconv)

    def direct() -> float:  # (g): the database read by dumpconv itself (issue 15)
        line = f"{shlex.join([*dumpconv_cmd(), str(db), '--quiet'])} > {shlex.quote(str(out))}"
        return timed(line)

    def direct_e2e() -> float:
        with pg.fresh() as dsn:
            line = (
                f"set -o pipefail; {shlex.join([*dumpconv_cmd(), str(db), '--quiet'])}"
                f" | {shlex.join(pg.psql(dsn))}"
            )
            elapsed = timed(line, env=pg.env)
            if pg.rows(dsn) != total_rows:
                raise SystemExit(f"the direct load has {pg.rows(dsn)} rows, expected {total_rows}")
            return elapsed

    fig["direct_s"] = best(repeat, direct)
    fig["direct_e2e_s"] = best(repeat, direct_e2e)
    fig["direct_vs_dump_pipe"] = fig["direct_s"] / fig["dump_pipe_dumpconv_s"]

    pgloader = shutil.which("pgloader")
    fig["pgloader_s"] = None
    if pgloader is None:
        print(f"[{label}] pgloader is not on PATH: (f) skipped", file=sys.stderr)
    else:

        def run_pgloader() -> float:
            with pg.fresh() as dsn:
                return timed([pgloader, "--quiet", str(db), pg.pgloader_url(dsn)], env=pg.env)

        fig["pgloader_s"] = best(repeat, run_pgloader)

    fig["conv_vs_dump"] = fig["dumpconv_s"] / fig["dump_s"]
    fig["conv_vs_read"] = fig["dumpconv_s"] / fig["read_s"]
    fig["e2e_vs_ideal"] = fig["e2e_s"] / fig["ideal_copy_s"]
    fig["floor_vs_ideal"] = None if fig["floor_s"] is None else fig["floor_s"] / fig["ideal_copy_s"]
    fig["pgloader_vs_e2e"] = None if fig["pgloader_s"] is None else fig["pgloader_s"] / fig["e2e_s"]
    fig["streams"] = [stream(label, dump, n) for label, n in streams]
    if not keep:
        for p in (db, dump, out, ideal):
            p.unlink(missing_ok=True)
    return fig


def memory(mib: float) -> str:
    return f"{mib:.0f} MiB {'✓' if mib * 1.048576 <= BAR_RSS_MB else '✗'}"


def mark(value: float | None, passes: bool) -> str:
    """The figure with ✓ or ✗ against its bar (n/a when not measured)."""
    return "n/a" if value is None else f"{value:.2f} {'✓' if passes else '✗'}"


def table(figures: list[dict[str, Any]]) -> str:
    head = (
        "| size | dump MB | rows | conversion / `.dump` (≤ 1.6) | end-to-end / ideal COPY (≤ 1.5) "
        "| pgloader / end-to-end (> 1) | peak RSS, largest process (≤ 150 MB) "
        "| peak PSS, all processes | rows/s | MB/s |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for f in figures:
        conv, e2e, pgl = f["conv_vs_dump"], f["e2e_vs_ideal"], f["pgloader_vs_e2e"]
        lines.append(
            f"| {f['size']} | {f['dump_mb']:.1f} | {f['rows']:,} "
            f"| {mark(conv, conv <= BAR_CONV_VS_DUMP)} | {mark(e2e, e2e <= BAR_E2E_VS_IDEAL)} "
            f"| {mark(pgl, pgl is not None and pgl > 1)} | {memory(f['dumpconv_peak_rss_mib'])} "
            f"| {memory(f['dumpconv_peak_pss_mib'])} "
            f"| {f['dumpconv_rows_s']:,.0f} | {f['dumpconv_mb_s']:.1f} |"
        )
        for s in f["streams"]:
            lines.append(
                f"| {s['size']} streamed | {s['bytes'] / 1e6:,.0f} | | | | "
                f"| {memory(s['peak_rss_mib'])} | {memory(s['peak_pss_mib'])} | "
                f"| {s['mb_s']:.1f} |"
            )
    seconds = (
        "\n| size | (a) `.dump` s | (b) read s | (c) dumpconv s | (d) ideal COPY load s "
        "| load of dumpconv's file s | `.dump \\| dumpconv` s | (e) end-to-end s "
        "| (f) pgloader s | dumpconv --jobs 1 s | (g) `dumpconv app.db` s "
        "| `dumpconv app.db` / `.dump \\| dumpconv` (≤ 1) | `dumpconv app.db \\| psql` s |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    cpu = (
        "\n| size | CPU s: (a) `.dump` | (d) ideal load | whole load | (e) end to end "
        "| (e) with a conversion costing nothing, at least: s | that / ideal COPY |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    for f in figures:
        if f["floor_s"] is None:
            continue
        cpu += (
            f"| {f['size']} | {f['dump_cpu_s']:.2f} | {f['ideal_cpu_s']:.2f} "
            f"| {f['load_cpu_s']:.2f} | {f['e2e_cpu_s']:.2f} | {f['floor_s']:.2f} "
            f"| {f['floor_vs_ideal']:.2f} |\n"
        )
    for f in figures:
        pgl_s = "n/a" if f["pgloader_s"] is None else f"{f['pgloader_s']:.2f}"
        seconds += (
            f"| {f['size']} | {f['dump_s']:.2f} | {f['read_s']:.2f} | {f['dumpconv_s']:.2f} "
            f"| {f['ideal_copy_s']:.2f} | {f['load_s']:.2f} | {f['dump_pipe_dumpconv_s']:.2f} "
            f"| {f['e2e_s']:.2f} | {pgl_s} | {f['dumpconv_1job_s']:.2f} | {f['direct_s']:.2f} "
            f"| {mark(f['direct_vs_dump_pipe'], f['direct_vs_dump_pipe'] <= 1)} "
            f"| {f['direct_e2e_s']:.2f} |\n"
        )
    return head + "\n".join(lines) + "\n" + seconds + cpu


def versions(pg: Target) -> dict[str, str]:
    def first_line(cmd: list[str]) -> str:
        try:
            return (
                subprocess.run(cmd, capture_output=True, text=True, check=False)
                .stdout.strip()
                .splitlines()[0]
            )
        except (OSError, IndexError):
            return "?"

    server = pg.server.query(pg.server.admin_dsn, "SELECT version()")[0][0]
    return {
        "sqlite3": first_line(["sqlite3", "--version"]),
        "psql": first_line([str(pg.server.psql), "--version"]),
        "server": str(server),
        "dumpconv": first_line([*dumpconv_cmd(), "--version"]),
        "pgloader": first_line(["pgloader", "--version"])
        if shutil.which("pgloader")
        else "not on PATH",
        "python": sys.version.split()[0],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--size", action="append", default=[], help="dump size, e.g. 100MB or 1GB (repeatable)"
    )
    ap.add_argument(
        "--rows",
        type=int,
        action="append",
        default=[],
        help="events rows instead of a size (repeatable)",
    )
    ap.add_argument(
        "--repeat", type=int, default=1, help="run each timing N times, keep the best (default 1)"
    )
    ap.add_argument(
        "--dsn", help="use this server (a database on it; CREATE DATABASE must be allowed)"
    )
    ap.add_argument(
        "--stream",
        action="append",
        default=[],
        help="also feed dumpconv a dump of this size written on the fly from the last size's "
        "(e.g. 10GB; repeatable): its time and memory",
    )
    ap.add_argument("--json", type=Path, help="also write every figure to this file")
    ap.add_argument(
        "--keep", type=Path, help="keep the generated files in this directory (and reuse them)"
    )
    args = ap.parse_args()
    if not args.size and not args.rows:
        args.size = ["100MB"]
    try:
        sizes = [(s, rows_for_size(parse_size(s))) for s in args.size]
    except ValueError as exc:
        ap.error(str(exc))
    sizes += [(f"{r:,} events", r) for r in args.rows]
    try:
        streams = [(s, parse_size(s)) for s in args.stream]
    except ValueError as exc:
        ap.error(str(exc))

    work = args.keep or Path(tempfile.mkdtemp(prefix="dumpconv-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.UTC)
    try:
        with postgres(args.dsn, work) as pg:
            info = versions(pg)
            figures = [
                measure(label, rows, work, pg, max(1, args.repeat), args.keep is not None,
                        streams if i == len(sizes) - 1 else [])
                for i, (label, rows) in enumerate(sizes)
            ]  # fmt: skip
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"
    )
    print(
        f"\n{started:%Y-%m-%d}, {machine}; {info['server']}; {info['sqlite3'].split()[0]} sqlite3\n"
    )
    print(table(figures))
    if args.json:
        report = {
            "started": started.isoformat(timespec="seconds"),
            "machine": machine,
            "load_average": os.getloadavg(),
            "versions": info,
            "postgres": "given by --dsn" if args.dsn else "throwaway cluster (tests/pgharness.py)",
            "repeat": max(1, args.repeat),
            "max_rss_of_bench_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "figures": figures,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
