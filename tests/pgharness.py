"""Start a throw-away PostgreSQL server for the test suite and talk to it.

Usage::

    with start_server(base_dir) as server:
        dsn = server.create_db()
        result = server.load_sql(dsn, "out.sql")   # psql -X -v ON_ERROR_STOP=1 -d dsn -f out.sql
        rows = server.query(dsn, "SELECT 1")
        server.drop_db(dsn)

Environment variables:

``DUMPCONV_TEST_DSN``
    Use this existing server instead of starting one.  It must name an existing database
    on a server where the user may ``CREATE DATABASE``; every test database is created
    next to it (and dropped again).
``DUMPCONV_PG_TMPDIR``
    Put the cluster directory here (default: /dev/shm when it is there, for speed).
``DUMPCONV_PG_BINDIR``
    Look for ``initdb``/``pg_ctl``/``psql`` in this directory only (no ``pg_config``,
    no ``PATH``).  Point it at an empty directory to simulate a machine without PostgreSQL.

When the binaries cannot be found, :func:`start_server` raises :class:`PgUnavailable`; the
test fixtures turn that into a skip (or a failure when ``DUMPCONV_REQUIRE_PG=1``).

Running as root: PostgreSQL refuses to run as root, so ``initdb``/``pg_ctl`` then run as the
``postgres`` OS user (``nobody`` if there is none), and the cluster lives in a fresh
directory this user can reach (pytest's own temp tree is mode 0700), by default under
/dev/shm.
"""

from __future__ import annotations

import atexit
import contextlib
import grp
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

__all__ = [
    "SERVER_TIMEZONE",
    "LoadResult",
    "PgBinaries",
    "PgServer",
    "PgUnavailable",
    "find_binaries",
    "start_server",
]

ENV_DSN = "DUMPCONV_TEST_DSN"
ENV_BINDIR = "DUMPCONV_PG_BINDIR"
ENV_TMPDIR = "DUMPCONV_PG_TMPDIR"

#: The local server's TimeZone setting.  Deliberately *not* UTC (and not a whole-hour
#: offset): a generated script that leaves timestamptz values to the server's time zone
#: produces different instants than the SQLite text says, and the comparator notices.
SERVER_TIMEZONE = "Asia/Kathmandu"

#: Debian and Ubuntu keep the server binaries here, off PATH (pg_config comes with libpq-dev).
_DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")

_MARKER = "dumpconv-pgharness"
_DIR_PREFIX = "dumpconv-pg-"
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes on Linux; leave room for "/.s.PGSQL.NNNNN"
_STALE_AGE_S = 600.0

_WARNING_RE = re.compile(r"^(?:psql:.*:\d+: )?WARNING:  ")

# Environment variables that libpq-based programs read and that would make a run depend on
# the developer's shell.  Auth-only ones are kept for an external DUMPCONV_TEST_DSN server.
_PG_AUTH_ENV = frozenset(
    {
        "PGPASSWORD",
        "PGPASSFILE",
        "PGSSLMODE",
        "PGSSLCERT",
        "PGSSLKEY",
        "PGSSLROOTCERT",
        "PGSSLCRL",
        "PGSERVICEFILE",
    }
)


class PgUnavailable(RuntimeError):
    """No PostgreSQL binaries (or no usable server) on this machine."""


@dataclass(frozen=True)
class LoadResult:
    """What ``psql -X -v ON_ERROR_STOP=1 -d DSN -f PATH`` did."""

    returncode: int
    stdout: str
    stderr: str
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def check(self) -> LoadResult:
        """Return self, or raise AssertionError with psql's stderr if psql failed."""
        if self.returncode != 0:
            raise AssertionError(f"psql exited with {self.returncode}:\n{self.stderr}")
        return self


@dataclass(frozen=True)
class PgBinaries:
    bindir: Path | None
    initdb: Path | None
    pg_ctl: Path | None
    psql: Path


def _which_in(directory: Path, name: str) -> Path | None:
    candidate = directory / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    return None


def _pg_config_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    try:
        out = subprocess.run(
            [pg_config, "--bindir"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    return Path(out.stdout.strip())


def find_binaries(*, need_server: bool = True) -> PgBinaries:
    """Locate initdb, pg_ctl and psql.

    Order: ``$DUMPCONV_PG_BINDIR`` (exclusively, when set), ``pg_config --bindir``, ``PATH``,
    then ``/usr/lib/postgresql/*/bin`` (newest first; Debian keeps the server off PATH).
    Raises PgUnavailable with a description of what was searched.
    """
    override = os.environ.get(ENV_BINDIR)
    searched: list[str] = []
    names = ("initdb", "pg_ctl", "psql") if need_server else ("psql",)

    def complete(directory: Path) -> PgBinaries | None:
        found = {name: _which_in(directory, name) for name in ("initdb", "pg_ctl", "psql")}
        if all(found[name] is not None for name in names):
            psql = found["psql"]
            assert psql is not None
            return PgBinaries(directory, found["initdb"], found["pg_ctl"], psql)
        return None

    if override is not None:
        searched.append(f"${ENV_BINDIR}={override}")
        result = complete(Path(override))
        if result is not None:
            return result
        raise PgUnavailable(
            f"PostgreSQL binaries ({', '.join(names)}) not found in ${ENV_BINDIR}={override!r}"
        )

    bindir = _pg_config_bindir()
    searched.append(f"pg_config --bindir ({bindir})" if bindir else "pg_config (not found)")
    if bindir is not None:
        result = complete(bindir)
        if result is not None:
            return result

    searched.append("PATH")
    on_path = {name: shutil.which(name) for name in ("initdb", "pg_ctl", "psql")}
    if all(on_path[name] for name in names):
        # Prefer the directory the server binaries really live in (PATH entries are
        # often symlinks, and Debian's /usr/bin/psql is a version-picking wrapper).
        first = on_path[names[0]]
        assert first is not None
        result = complete(Path(first).resolve().parent)
        if result is not None:
            return result

        def opt(name: str) -> Path | None:
            value = on_path[name]
            return Path(value) if value else None

        psql = opt("psql")
        assert psql is not None
        return PgBinaries(None, opt("initdb"), opt("pg_ctl"), psql)

    searched.append(f"{_DEBIAN_PG_ROOT}/*/bin")
    debian = sorted(
        _DEBIAN_PG_ROOT.glob("*/bin"),
        key=lambda p: _version_key(p.parent.name),
        reverse=True,
    )
    for directory in debian:
        result = complete(directory)
        if result is not None:
            return result

    raise PgUnavailable(
        f"PostgreSQL binaries ({', '.join(names)}) not found; searched: {'; '.join(searched)}. "
        "Install the PostgreSQL server (e.g. apt-get install postgresql), or set "
        f"{ENV_DSN} to a database on a server where CREATE DATABASE is allowed."
    )


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def _clean_env(*, keep_auth: bool) -> dict[str, str]:
    """os.environ without PG* variables (PGOPTIONS, PGHOST, PGTZ, ...) and PSQLRC."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PG") or (keep_auth and key in _PG_AUTH_ENV)
    }
    env.pop("PSQLRC", None)
    # English, deterministic messages (the WARNING/ERROR prefixes are translated otherwise).
    env["LC_ALL"] = "C.UTF-8"
    env.pop("LANGUAGE", None)
    return env


@dataclass(frozen=True)
class _RunAs:
    """The OS user the server runs as (None: the current user)."""

    user: str | None
    uid: int
    gid: int

    @staticmethod
    def pick() -> _RunAs:
        if os.geteuid() != 0:
            return _RunAs(None, os.geteuid(), os.getegid())
        for name in ("postgres", "nobody"):
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                continue
            return _RunAs(name, entry.pw_uid, entry.pw_gid)
        raise PgUnavailable(
            "running as root, and there is no 'postgres' (or 'nobody') OS user to run the "
            "PostgreSQL server as (PostgreSQL refuses to run as root)"
        )

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        timeout: float,
    ) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, Any] = {}
        if self.user is not None:
            kwargs.update(user=self.uid, group=self.gid, extra_groups=[])
        return subprocess.run(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kwargs,
        )

    def chown(self, path: Path) -> None:
        if self.user is not None:
            os.chown(path, self.uid, self.gid)


def _traversable_by(path: Path, uid: int, gid: int) -> bool:
    """Can (uid, gid) search every directory from / down to path (inclusive)?

    The cluster directory itself is created by us and chowned, so search permission is all
    the server user needs on the way to it.
    """
    try:
        groups = {gid, *(g.gr_gid for g in grp.getgrall() if _user_name(uid) in g.gr_mem)}
    except KeyError:  # pragma: no cover - exotic NSS setups
        groups = {gid}
    current = path.resolve()
    chain = [current, *current.parents]
    for directory in chain:
        try:
            st = directory.stat()
        except OSError:
            return False
        need = 0o1
        if st.st_uid == uid:
            bits = (st.st_mode >> 6) & 0o7
        elif st.st_gid in groups:
            bits = (st.st_mode >> 3) & 0o7
        else:
            bits = st.st_mode & 0o7
        if bits & need != need:
            return False
    return True


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return ""


def _free_port() -> int:
    # The server listens on a Unix socket only (listen_addresses=''), in a directory of its
    # own, so the port merely names the socket file; still, avoid ports in use over TCP.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_dirs(parent: Path) -> None:
    """Delete cluster dirs left by killed test runs (ours only; never a live server's)."""
    now = time.time()
    try:
        candidates = list(parent.glob(_DIR_PREFIX + "*"))
    except OSError:
        return
    for directory in candidates:
        try:
            if not (directory / _MARKER).is_file():
                continue
            if now - directory.stat().st_mtime < _STALE_AGE_S:
                continue
            pidfile = directory / "data" / "postmaster.pid"
            if pidfile.is_file():
                first = pidfile.read_text(errors="replace").splitlines()[:1]
                if first and first[0].strip().isdigit() and _pid_alive(int(first[0])):
                    continue
            shutil.rmtree(directory, ignore_errors=True)
        except OSError:
            continue


def _quote_option(value: str) -> str:
    """Quote a value for a postgres -c option inside pg_ctl -o (parsed by a shell)."""
    return "'" + value.replace("'", "'\\''") + "'"


class PgServer:
    """A PostgreSQL server the tests may create databases on."""

    def __init__(
        self,
        *,
        admin_dsn: str,
        psql: Path,
        owned_dir: Path | None = None,
        pg_ctl: Path | None = None,
        run_as: _RunAs | None = None,
        keep_auth_env: bool = False,
        log_copy: Path | None = None,
    ) -> None:
        self.admin_dsn = admin_dsn
        self.psql = psql
        self._owned_dir = owned_dir
        self._pg_ctl = pg_ctl
        self._run_as = run_as
        self._keep_auth_env = keep_auth_env
        self._log_copy = log_copy
        self._created: set[str] = set()
        self._stopped = False
        rows = self.query(admin_dsn, "SELECT current_setting('server_version_num')::int")
        self.server_version_num: int = int(rows[0][0])
        atexit.register(self.stop)

    # -- context manager -------------------------------------------------------------
    def __enter__(self) -> PgServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def managed(self) -> bool:
        """True when this harness started the server (False for $DUMPCONV_TEST_DSN)."""
        return self._owned_dir is not None

    @property
    def data_dir(self) -> Path | None:
        return None if self._owned_dir is None else self._owned_dir / "data"

    # -- databases --------------------------------------------------------------------
    def create_db(self, prefix: str = "t") -> str:
        """Create a fresh, uniquely named UTF8 database; return its libpq DSN."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,20}", prefix):
            raise ValueError(f"database prefix must be a short lower-case identifier: {prefix!r}")
        name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        stmt = sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
            sql.Identifier(name)
        )
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(stmt)
        self._created.add(name)
        return make_conninfo(self.admin_dsn, dbname=name)

    def drop_db(self, dsn: str) -> None:
        name = conninfo_to_dict(dsn).get("dbname")
        if not isinstance(name, str) or not name:
            raise ValueError(f"DSN names no database: {dsn!r}")
        if name == conninfo_to_dict(self.admin_dsn).get("dbname"):
            raise ValueError("refusing to drop the admin database")
        self._drop(name)

    def _drop(self, name: str) -> None:
        force = " WITH (FORCE)" if self.server_version_num >= 130000 else ""
        stmt = sql.SQL("DROP DATABASE IF EXISTS {}" + force).format(sql.Identifier(name))
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(stmt)
        self._created.discard(name)

    # -- running SQL ------------------------------------------------------------------
    def psql_env(self) -> dict[str, str]:
        """The environment load_sql runs psql in (no PG* variables, no PSQLRC)."""
        return _clean_env(keep_auth=self._keep_auth_env)

    def load_sql(
        self, dsn: str, path: str | os.PathLike[str], *, timeout: float = 900
    ) -> LoadResult:
        """Run ``psql -X -v ON_ERROR_STOP=1 -d DSN -f PATH``, exactly as a user would."""
        argv = [str(self.psql), "-X", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", os.fspath(path)]
        proc = subprocess.run(
            argv,
            env=self.psql_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        stdout = proc.stdout.decode("utf-8", errors="replace")
        stderr = proc.stderr.decode("utf-8", errors="replace")
        warnings = [line for line in stderr.splitlines() if _WARNING_RE.match(line)]
        return LoadResult(proc.returncode, stdout, stderr, warnings)

    def dump_schema(self, dsn: str, path: Path) -> Path:
        """Write the database's schema with ``pg_dump --schema-only`` (the pg_dump beside
        psql), as a user would for ``dumpconv --target-schema``."""
        pg_dump = self.psql.with_name("pg_dump")
        argv = [str(pg_dump), "--schema-only", "-f", os.fspath(path), "-d", dsn]
        subprocess.run(argv, env=self.psql_env(), capture_output=True, check=True, timeout=300)
        return path

    def column_types(self, dsn: str) -> list[tuple[Any, ...]]:
        """Every column of schema public: table, column, type, length, precision, scale."""
        return self.query(
            dsn,
            "SELECT table_name, column_name, data_type, character_maximum_length, "
            "numeric_precision, numeric_scale FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, column_name",
        )

    def query(
        self,
        dsn: str,
        query: str | sql.Composable,
        params: Sequence[Any] | Mapping[str, Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        """Run one statement (autocommit) and return its rows ([] if it returns none)."""
        with psycopg.connect(dsn, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(query, params)  # type: ignore[arg-type]
            if cur.description is None:
                return []
            return list(cur.fetchall())

    # -- shutdown ---------------------------------------------------------------------
    def stop(self) -> None:
        """Drop leftover databases (external server) or stop the server and delete its dir."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        if self._owned_dir is None:
            for name in sorted(self._created):
                with contextlib.suppress(Exception):
                    self._drop(name)
            return
        directory = self._owned_dir
        if self._pg_ctl is not None and self._run_as is not None:
            with contextlib.suppress(Exception):
                self._run_as.run(
                    [
                        str(self._pg_ctl),
                        "stop",
                        "-D",
                        str(directory / "data"),
                        "-m",
                        "immediate",
                        "-w",
                        "-t",
                        "30",
                    ],
                    env=_clean_env(keep_auth=False),
                    cwd=directory,
                    timeout=60,
                )
        if self._log_copy is not None:
            with contextlib.suppress(OSError):
                shutil.copyfile(directory / "postgres.log", self._log_copy)
        shutil.rmtree(directory, ignore_errors=True)


def _usable_parent(path: Path, run_as: _RunAs, *, min_free: int = 0) -> bool:
    try:
        if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
            return False
        if len(str(path.resolve())) + len("/dumpconv-pg-xxxxxxxx") > _SOCKET_PATH_MAX:
            return False
        if min_free:
            st = os.statvfs(path)
            if st.f_bavail * st.f_frsize < min_free:
                return False
    except OSError:
        return False
    return run_as.user is None or _traversable_by(path, run_as.uid, run_as.gid)


def _cluster_parent(base: Path, run_as: _RunAs) -> Path:
    """Where the cluster directory goes.

    ``$DUMPCONV_PG_TMPDIR`` if set; else /dev/shm (tmpfs: creating a database copies ~300
    files, 40x faster there than on this machine's ext4); else base_dir if the server user
    can reach it (pytest's own tree is mode 0700) and the socket path fits; else the system
    temp dir.
    """
    override = os.environ.get(ENV_TMPDIR)
    if override:
        return Path(override)
    shm = Path("/dev/shm")
    if _usable_parent(shm, run_as, min_free=2 << 30):
        return shm
    if _usable_parent(base, run_as):
        return base
    return Path(tempfile.gettempdir())


def start_server(base_dir: str | os.PathLike[str]) -> PgServer:
    """Start a private PostgreSQL server (or attach to ``$DUMPCONV_TEST_DSN``).

    The result is also a context manager that stops the server on exit; ``stop()`` works
    too, and an atexit hook is the last resort.  Raises PgUnavailable when there is no
    PostgreSQL to use, RuntimeError when one is there but will not start.
    """
    external = os.environ.get(ENV_DSN)
    if external:
        binaries = find_binaries(need_server=False)
        try:
            return PgServer(admin_dsn=external, psql=binaries.psql, keep_auth_env=True)
        except psycopg.Error as exc:
            raise RuntimeError(f"cannot connect to ${ENV_DSN}: {exc}") from exc

    binaries = find_binaries(need_server=True)
    assert binaries.initdb is not None
    assert binaries.pg_ctl is not None
    run_as = _RunAs.pick()
    base = Path(base_dir)
    base.mkdir(parents=True, exist_ok=True)

    parent = _cluster_parent(base, run_as)
    if parent != base:
        _remove_stale_dirs(parent)
    directory = Path(tempfile.mkdtemp(prefix=_DIR_PREFIX, dir=parent))
    try:
        (directory / _MARKER).write_text("created by tests/pgharness.py\n")
        os.chmod(directory, 0o755)
        run_as.chown(directory)
        return _init_and_start(binaries, run_as, directory, log_copy=base / "postgres.log")
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


def _init_and_start(
    binaries: PgBinaries, run_as: _RunAs, directory: Path, *, log_copy: Path
) -> PgServer:
    assert binaries.initdb is not None
    assert binaries.pg_ctl is not None
    env = _clean_env(keep_auth=False)
    data = directory / "data"
    log = directory / "postgres.log"
    init_base = [
        str(binaries.initdb),
        "-D",
        str(data),
        "-E",
        "UTF8",
        "-A",
        "trust",
        "-U",
        "postgres",
        "--no-sync",
        "--no-instructions",
    ]
    proc = None
    for locale in ("C.UTF-8", "C"):
        proc = run_as.run([*init_base, f"--locale={locale}"], env=env, cwd=directory, timeout=120)
        if proc.returncode == 0:
            break
        shutil.rmtree(data, ignore_errors=True)
    assert proc is not None
    if proc.returncode != 0:
        raise RuntimeError(f"initdb failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")

    settings = {
        "listen_addresses": "",
        "unix_socket_directories": str(directory),
        "fsync": "off",
        "full_page_writes": "off",
        "synchronous_commit": "off",
        "timezone": SERVER_TIMEZONE,
        "lc_messages": "C",
        "max_connections": "50",
        "shared_buffers": "32MB",
    }
    errors: list[str] = []
    for _attempt in range(3):
        port = _free_port()
        options = (
            " ".join(f"-c {key}={_quote_option(value)}" for key, value in settings.items())
            + f" -p {port}"
        )
        with contextlib.suppress(FileNotFoundError):
            log.unlink()
        proc = run_as.run(
            [
                str(binaries.pg_ctl),
                "start",
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
            ],
            env=env,
            cwd=directory,
            timeout=90,
        )
        if proc.returncode == 0:
            admin_dsn = make_conninfo(
                "", host=str(directory), port=str(port), user="postgres", dbname="postgres"
            )
            try:
                return PgServer(
                    admin_dsn=admin_dsn,
                    psql=binaries.psql,
                    owned_dir=directory,
                    pg_ctl=binaries.pg_ctl,
                    run_as=run_as,
                    log_copy=log_copy,
                )
            except psycopg.Error as exc:
                errors.append(f"port {port}: started but connecting failed: {exc}")
                run_as.run(
                    [str(binaries.pg_ctl), "stop", "-D", str(data), "-m", "immediate"],
                    env=env,
                    cwd=directory,
                    timeout=60,
                )
                continue
        log_text = log.read_text(errors="replace") if log.exists() else ""
        errors.append(
            f"port {port}: pg_ctl start exited {proc.returncode}:\n"
            f"{proc.stdout}{proc.stderr}{log_text}"
        )
        # A half-started postmaster must not keep the data dir locked for the retry.
        run_as.run(
            [str(binaries.pg_ctl), "stop", "-D", str(data), "-m", "immediate"],
            env=env,
            cwd=directory,
            timeout=60,
        )
    raise RuntimeError("could not start PostgreSQL:\n" + "\n".join(errors))
