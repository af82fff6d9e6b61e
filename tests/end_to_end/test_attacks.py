"""Hostile inputs: a fuzzer of whole dumps with attack text in every place a dump can carry
text, and one targeted test per attack class of ``shared/docs/security.md``.

The contract (security.md, "What safe means when tested"): for every input dumpconv either

* refuses cleanly: exit status 1, stderr exactly one line ``dumpconv: error: …``, no
  ``-o`` file, never a traceback nor ``internal error``; or
* writes a script that ``psql -X -v ON_ERROR_STOP=1 -f`` loads (as a superuser, into an empty
  database) with exit status 0, which creates only tables, indexes, constraints and views of
  the dump's own objects in schema ``public``, creates no function, role, extension, schema
  or file, changes no setting or role, runs no program, and whose rows equal what
  ``sqlite3`` itself loads from the same text (NUL and invalid UTF-8 replaced as documented,
  each NUL-bearing value reported as ``lossy``).

stderr never carries a raw control character other than the line-ending LF.

Oracles, per dump:

* **sqlite3**: the real CLI (``sqlite3 -bail -safe DB < dump``) loads the dump text; its
  database is the truth for the rows. The fuzzer skips dumps sqlite3 rejects.
* **the static reading** of the script with PostgreSQL's own lexer and parser (pglast): which
  psql meta-commands it holds (only ``\\set ON_ERROR_STOP``, ``\\restrict K`` first and
  ``\\unrestrict K`` last), which statement kinds (no function, role, schema, extension,
  trigger, ``COPY TO``/``PROGRAM``, …), which functions it calls anywhere, DO bodies included
  (no ``pg_sleep``, ``lo_export``, ``set_config`` other than pg_dump's search_path reset,
  ``repeat``, ``dblink``, …), and whether it names a catalog without a schema.
* **the load**, by psql as a superuser role of its own (``ALTER ROLE CURRENT_USER
  NOSUPERUSER`` then cannot cripple the suite's admin role), in a working directory that is
  the canary directory, with ``statement_timeout`` in PGOPTIONS and a watchdog that cancels
  the load's queries after LOAD_WATCHDOG_S seconds (the script resets statement_timeout
  itself, as pg_dump's do): ``pg_sleep`` cannot hang the suite.
* **the canaries** after the load: files in a world-writable canary directory (server-side
  ``COPY … TO``/``PROGRAM``/``lo_export`` and client-side ``\\!``/``\\o``/``\\copy``), the
  roles and their attributes, ``pg_db_role_setting``, ``postgresql.auto.conf``, every object
  outside what a conversion may create, every function the stored defaults, checks, indexes
  and views call (deparsed by PostgreSQL and parsed again).
* **the rows**: tests/compare.py against a copy of sqlite3's database in which NULs in
  columns that are not bytea are replaced as the ``--nul`` policy says.

Each problem has a kind (``KINDS``: unsafe, stderr, refusal, load, rows, report); the fuzzer raises
a different exception per kind, so that hypothesis reports (and shrinks) each kind of failure
separately instead of letting a data bug hide an attack that works.

The fuzzer's dumps never hold CR LF inside a literal or a name: the sqlite3 CLI reads its
input by lines and drops the CR of each CR LF even there (Python's sqlite3 keeps it), so
sqlite3's database would not be the dump's meaning; ``test_crlf_inside_a_literal`` covers it
with Python's sqlite3 as the oracle.

Profiles (tests/conftest.py): ``ci`` (the default: 50 derandomized examples, well under a
minute) and ``dev`` (2000)::

    pytest tests/end_to_end/test_attacks.py                                   # short
    HYPOTHESIS_PROFILE=dev pytest tests/end_to_end/test_attacks.py -k fuzz    # long

``DUMPCONV_FUZZ_EXCLUDE=nul,invalid-utf8,…`` leaves families of hostile tokens out of the
fuzzer (to look past a known failure); the families are the keys of ``FAMILIES`` plus
``catalog-names``, ``side-effects``, ``generated`` (generated columns) and ``crlf``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import count
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from pglast import parser as pgparser
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from typer.testing import CliRunner

from dumpconv.cli import app
from tests.compare import _match_name, compare_sqlite_pg, type_kind
from tests.pgharness import PgServer

REPO = Path(__file__).resolve().parents[2]
SQLITE3 = shutil.which("sqlite3")

#: The key the fuzzer passes with --restrict-key (letters and digits, as psql wants).
RESTRICT_KEY = "a11ce0ffee0ddba11a11ce0ffee0ddba"
#: A second key, which hostile text uses to try to close the restriction.
OTHER_KEY = "deadbeefdeadbeefdeadbeefdeadbeef"
STATEMENT_TIMEOUT_MS = 5000
LOAD_TIMEOUT_S = 60
LOAD_WATCHDOG_S = 15
CONVERT_TIMEOUT_S = 60
LOADER_ROLE = "dumpconv_attack_loader"
PG_SYSTEM_COLUMNS = frozenset({"xmin", "xmax", "cmin", "cmax", "ctid", "tableoid"})
ERROR_PREFIX = "dumpconv: error: "

needs_sqlite3 = pytest.mark.skipif(SQLITE3 is None, reason="the sqlite3 CLI is not installed")


# =======================================================================================
# running dumpconv
# =======================================================================================


@lru_cache(maxsize=1)
def cli_options() -> frozenset[str]:
    """The long options ``dumpconv --help`` lists."""
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    return frozenset(re.findall(r"--[a-z][a-z0-9-]*", result.output))


@dataclass
class RunResult:
    """One run of the dumpconv command line."""

    argv: list[str]
    exit_code: int
    stderr: str
    crash: str | None  # an exception that escaped (a traceback), or a timeout
    output: bytes | None  # the -o file, if it exists after the run
    leftovers: list[str]  # other files left next to it
    report: dict[str, Any] | None

    @property
    def script(self) -> str:
        assert self.output is not None
        return self.output.decode("utf-8", "surrogateescape")

    def lossy(self) -> list[dict[str, Any]]:
        if self.report is None:
            return []
        return [d for d in self.report.get("diagnostics", []) if d.get("severity") == "lossy"]


class ConvertTimeout(Exception):
    pass


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def fire(signum: int, frame: FrameType | None) -> None:
        raise ConvertTimeout(f"dumpconv did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_dumpconv(
    dump: bytes,
    workdir: Path,
    args: Sequence[str] = (),
    *,
    key: str | None = RESTRICT_KEY,
    subprocess_cli: bool = False,
) -> RunResult:
    """Convert ``dump`` with ``-o`` and ``--report`` (and ``--restrict-key key`` when the
    option exists and ``key`` is given): in-process through typer's CliRunner, or as
    ``python -m dumpconv``."""
    workdir.mkdir(parents=True, exist_ok=True)
    src = workdir / "dump.sql"
    src.write_bytes(dump)
    outdir = workdir / "out"
    shutil.rmtree(outdir, ignore_errors=True)
    outdir.mkdir()
    out = outdir / "script.pg.sql"
    report_path = workdir / "report.json"
    report_path.unlink(missing_ok=True)
    argv = [str(src), "-o", str(out), "--report", str(report_path), *args]
    if key is not None and "--restrict-key" in cli_options():
        argv += ["--restrict-key", key]
    crash: str | None = None
    if subprocess_cli:
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "dumpconv", *argv],
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=CONVERT_TIMEOUT_S,
                check=False,
                cwd=REPO,
            )
            exit_code = proc.returncode
            stderr = proc.stderr.decode("utf-8", "surrogateescape")
        except subprocess.TimeoutExpired:
            exit_code, stderr, crash = -1, "", f"dumpconv ran longer than {CONVERT_TIMEOUT_S} s"
        if "Traceback (most recent call last)" in stderr:
            crash = stderr
    else:
        with _alarm(CONVERT_TIMEOUT_S):
            result = CliRunner().invoke(app, argv, catch_exceptions=True)
        exit_code = result.exit_code
        stderr = result.stderr
        exc = result.exception
        if exc is not None and not isinstance(exc, SystemExit):
            crash = "".join(traceback.format_exception(exc))
    output = out.read_bytes() if out.exists() else None
    leftovers = sorted(p.name for p in outdir.iterdir() if p != out)
    report = None
    if report_path.exists():
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except ValueError:
            report = {"unreadable": report_path.read_text(encoding="utf-8", errors="replace")}
    return RunResult(argv, exit_code, stderr, crash, output, leftovers, report)


_RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def stderr_problems(run: RunResult) -> list[str]:
    """stderr: no traceback, no raw control character but LF."""
    problems = []
    if run.crash:
        problems.append(f"dumpconv crashed (a traceback):\n{run.crash[-3000:]}")
    if "Traceback (most recent call last)" in run.stderr:
        problems.append(f"stderr holds a traceback:\n{run.stderr[-3000:]}")
    raw = sorted({m.group() for m in _RAW_CONTROL.finditer(run.stderr)})
    if raw:
        problems.append(f"stderr holds raw control characters {raw!r}: {run.stderr[-1500:]!r}")
    return problems


def refusal_problems(run: RunResult) -> list[str]:
    """A clean refusal: exit 1, one ``dumpconv: error:`` line, no output file."""
    problems = []
    if run.exit_code != 1:
        problems.append(f"exit status {run.exit_code}, not 1: {run.stderr[-1500:]!r}")
    lines = run.stderr.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != 1 or not lines[0].startswith(ERROR_PREFIX):
        problems.append(
            f"a refusal must be exactly one '{ERROR_PREFIX}' line on stderr, got "
            f"{run.stderr[-1500:]!r}"
        )
    if "internal error" in run.stderr:
        problems.append(f"the refusal is an internal error (a bug): {run.stderr[-1500:]!r}")
    if run.output is not None:
        problems.append("dumpconv refused, but the -o file exists")
    if run.leftovers:
        problems.append(f"dumpconv refused and left files next to -o: {run.leftovers}")
    return problems


# =======================================================================================
# the static reading of a script: psql's view (lines, meta-commands, COPY data) and
# PostgreSQL's (pglast: the server's own lexer and parser)
# =======================================================================================

#: Functions no converted default, check, index, generated column, view or DO block may
#: call: side effects, file and network access, settings, sleeping, huge allocations.
DENY_FUNCTIONS = frozenset(
    {
        "pg_sleep", "pg_sleep_for", "pg_sleep_until", "lo_export", "lo_import",
        "lo_from_bytea", "lo_create", "lo_creat", "lo_unlink", "lo_put", "lowrite",
        "lo_open", "set_config", "current_setting", "pg_read_file", "pg_read_binary_file",
        "pg_ls_dir", "pg_stat_file", "pg_file_write", "repeat", "lpad", "rpad",
        "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
        "pg_switch_wal", "pg_promote", "pg_notify", "query_to_xml", "query_to_xmlschema",
        "query_to_xml_and_xmlschema", "cursor_to_xml", "table_to_xml", "schema_to_xml",
        "database_to_xml", "pg_import_system_collations", "pg_log_backend_memory_contexts",
        "generate_series",
    }
)  # fmt: skip
DENY_PREFIXES = (
    "dblink", "pg_read", "pg_ls_", "pg_sleep", "pwned", "pg_stat_reset", "pg_create_",
    "pg_drop_", "pg_replication_", "pg_logical_", "pg_file", "pg_advisory", "pg_try_advisory",
    "lo_",
)  # fmt: skip

#: Statement kinds a conversion may run (at top level and inside DO blocks).
ALLOWED_STATEMENTS = frozenset(
    {
        "VariableSetStmt", "TransactionStmt", "CreateStmt", "CopyStmt", "SelectStmt",
        "AlterTableStmt", "IndexStmt", "ViewStmt", "DoStmt", "CommentStmt", "CreateSeqStmt",
        "AlterSeqStmt", "InsertStmt", "DropStmt", "TruncateStmt", "VariableShowStmt",
    }
)  # fmt: skip
_FORBIDDEN_SETTINGS = frozenset({"role", "session_authorization"})


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair of a pglast JSON tree, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def _sval(node: Any) -> str | None:
    if isinstance(node, dict) and "String" in node:
        return str(node["String"].get("sval", ""))
    if isinstance(node, dict) and "A_Const" in node:
        value = node["A_Const"].get("sval")
        if isinstance(value, dict):
            return str(value.get("sval", ""))
    return None


def func_name(call: dict[str, Any]) -> str:
    return ".".join(_sval(part) or "?" for part in call.get("funcname", []))


def _is_search_path_reset(call: dict[str, Any]) -> bool:
    args = call.get("args", [])
    return len(args) == 3 and _sval(args[0]) == "search_path" and _sval(args[1]) == ""


_OUR_SETTINGS = ("dumpconv.triggers", "dumpconv.loading")


def _is_trigger_stack(call: dict[str, Any]) -> bool:
    """A trigger function's own transaction-local setting (not recursive, as in SQLite)."""
    args = call.get("args", [])
    local = args[2].get("A_Const", {}).get("boolval", {}).get("boolval") if len(args) == 3 else 0
    return len(args) == 3 and _sval(args[0]) == "dumpconv.triggers" and local is True


def denied_calls(tree: Any) -> list[str]:
    """The denied functions a parsed statement calls (pg_dump's
    ``set_config('search_path', '', false)`` excepted)."""
    found = []
    for key, value in walk(tree):
        if key != "FuncCall" or not isinstance(value, dict):
            continue
        name = func_name(value)
        base = name.rsplit(".", 1)[-1].lower()
        if base == "set_config" and (_is_search_path_reset(value) or _is_trigger_stack(value)):
            continue
        args = value.get("args", [])
        if base == "current_setting" and args and _sval(args[0]) in _OUR_SETTINGS:
            continue
        if base in DENY_FUNCTIONS or base.startswith(DENY_PREFIXES):
            found.append(name)
    return found


@dataclass
class ScriptFacts:
    """What a static reading of a script found."""

    metas: list[tuple[int, str]] = field(default_factory=list)
    statements: list[tuple[int, str]] = field(default_factory=list)  # (line, kind)
    problems: list[str] = field(default_factory=list)  # safety problems
    unqualified: list[str] = field(default_factory=list)  # relations named without a schema
    search_path_reset_line: int | None = None
    first_create_line: int | None = None
    copy_rows: int = 0


def _scan_ok(text: str) -> list[Any] | None:
    try:
        return list(pgparser.scan(text))
    except pgparser.ParseError:
        return None


#: Relations of pg_catalog (the session fixture reads the server's full list).
KNOWN_CATALOGS = frozenset(
    {
        "pg_authid", "pg_namespace", "pg_class", "pg_proc", "pg_database", "pg_roles",
        "pg_settings", "pg_largeobject", "pg_attribute", "pg_type", "pg_user", "pg_shadow",
        "pg_tables", "pg_views", "pg_index", "pg_constraint", "pg_extension", "pg_language",
    }
)  # fmt: skip


def analyze_script(
    text: str, *, key: str | None = None, catalog_relations: frozenset[str] = KNOWN_CATALOGS
) -> ScriptFacts:
    """Read a script as psql would (lines, meta-commands, COPY data up to ``\\.``) and each
    statement as the server would (pglast), and list what is not safe."""
    facts = ScriptFacts()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    buf = ""
    buf_line = 1
    in_copy = False
    seen_sql = False
    for lineno, line in enumerate(lines, 1):
        if in_copy:
            if line in ("\\.", "\\.\r"):
                in_copy = False
            else:
                facts.copy_rows += 1
                if "\r" in line:
                    facts.problems.append(f"line {lineno}: a raw CR inside COPY data")
            continue
        if not buf.strip():
            buf, buf_line = "", lineno
        pending = buf + line + "\n"
        while True:
            tokens = _scan_ok(pending)
            if tokens is None:  # an open string, identifier or comment: read on
                buf = pending
                break
            start = 0
            depth = 0
            restart = False
            for tok in tokens:
                if tok.name == "SQL_COMMENT" and pending[tok.end + 1 : tok.end + 2] == "\r":
                    rest = pending[tok.end + 1 : pending.find("\n", tok.end + 1)]
                    if rest.strip():
                        facts.problems.append(
                            f"line {lineno}: a -- comment ends at a CR and text follows: "
                            f"{rest[:200]!r}"
                        )
                elif tok.name == "C_COMMENT" and "/*" in pending[tok.start + 2 : tok.end - 1]:
                    facts.problems.append(
                        f"line {lineno}: a nested /* comment: "
                        f"{pending[tok.start : tok.end + 1][:200]!r}"
                    )
                elif tok.name == "ASCII_40":
                    depth += 1
                elif tok.name == "ASCII_41":
                    depth -= 1
                elif tok.name == "ASCII_92":
                    # psql runs a backslash command wherever its lexer meets one outside
                    # quotes and comments; the command takes the rest of that line.
                    end = pending.find("\n", tok.start)
                    meta = pending[tok.start : end]
                    facts.metas.append((lineno, meta))
                    before = pending[start : tok.start]
                    _check_meta(facts, lineno, meta, key, seen_sql, before)
                    pending = before + pending[end + 1 :]
                    restart = True
                    break
                elif tok.name == "ASCII_58" and tok.end + 1 < len(pending):
                    nxt = pending[tok.end + 1]
                    if nxt.isalpha() or nxt in "_'\"{":
                        facts.problems.append(
                            f"line {lineno}: psql variable interpolation ':{nxt}' outside quotes"
                        )
                elif tok.name == "ASCII_59" and depth == 0:
                    statement = pending[start : tok.end + 1]
                    start = tok.end + 1
                    seen_sql = True
                    kind = _check_statement(facts, buf_line, statement, catalog_relations)
                    buf_line = lineno
                    if kind == "CopyStmt":
                        in_copy = True
                        tail = pending[start:]
                        if tail.strip():
                            facts.problems.append(f"line {lineno}: text after COPY: {tail!r}")
                        start = len(pending)
                        break
            if restart:
                continue
            buf = pending[start:]
            if _only_comments(buf):
                buf = ""
            break
    if in_copy:
        facts.problems.append("the script ends inside COPY data (no \\. line)")
    if buf.strip() and not _only_comments(buf):
        facts.problems.append(f"line {buf_line}: text psql sends at the end: {buf[:300]!r}")
        _check_statement(facts, buf_line, buf, catalog_relations)
    metas = [m for _line, m in facts.metas]
    if key is not None:
        restricts = [m for m in metas if m.startswith("\\restrict")]
        if restricts != [f"\\restrict {key}"]:
            facts.problems.append(f"expected one '\\restrict {key}', found {restricts}")
        if not metas or metas[-1].rstrip() != f"\\unrestrict {key}":
            facts.problems.append(f"the script does not end with '\\unrestrict {key}'")
    return facts


def _only_comments(text: str) -> bool:
    tokens = _scan_ok(text)
    if tokens is None:
        return False
    return all(t.name in ("SQL_COMMENT", "C_COMMENT") for t in tokens)


_ALLOWED_META = re.compile(
    r"\\(set ON_ERROR_STOP (on|1)|restrict [A-Za-z0-9]+|unrestrict [A-Za-z0-9]+)\s*"
)


def _check_meta(
    facts: ScriptFacts, lineno: int, meta: str, key: str | None, seen_sql: bool, before: str
) -> None:
    if not _ALLOWED_META.fullmatch(meta):
        facts.problems.append(f"line {lineno}: psql meta-command {meta[:200]!r}")
        return
    if before.strip() and not _only_comments(before):
        facts.problems.append(f"line {lineno}: meta-command {meta!r} inside a statement")
    if meta.startswith("\\restrict") and seen_sql:
        facts.problems.append(f"line {lineno}: \\restrict after SQL statements")
    restrict = meta.startswith(("\\restrict", "\\unrestrict"))
    if key is not None and restrict and meta.split()[1] != key:
        facts.problems.append(f"line {lineno}: {meta!r} does not use the key {key}")


def _parse(statement: str) -> list[dict[str, Any]] | None:
    try:
        doc = json.loads(pgparser.parse_sql_json(statement))
    except pgparser.ParseError:
        return None
    return [s["stmt"] for s in doc.get("stmts", []) if "stmt" in s]


def _check_statement(
    facts: ScriptFacts, lineno: int, statement: str, catalog_relations: frozenset[str]
) -> str | None:
    stmts = _parse(statement)
    if stmts is None:
        facts.problems.append(
            f"line {lineno}: a statement PostgreSQL cannot parse: {statement[:300]!r}"
        )
        return None
    if len(stmts) > 1:
        facts.problems.append(f"line {lineno}: {len(stmts)} statements where psql sends one")
    kind = None
    for stmt in stmts:
        kind = next(iter(stmt))
        facts.statements.append((lineno, kind))
        _check_tree(facts, lineno, stmt, catalog_relations, top=True)
        if kind == "CreateStmt" and facts.first_create_line is None:
            facts.first_create_line = lineno
        if _resets_search_path(stmt) and facts.search_path_reset_line is None:
            facts.search_path_reset_line = lineno
    return kind


def _resets_search_path(stmt: dict[str, Any]) -> bool:
    kind, body = next(iter(stmt.items()))
    if kind == "VariableSetStmt" and body.get("name") == "search_path":
        args = body.get("args", [])
        return len(args) == 1 and _sval(args[0]) == ""
    if kind == "SelectStmt":
        return any(
            key == "FuncCall"
            and func_name(v).rsplit(".", 1)[-1] == "set_config"
            and _is_search_path_reset(v)
            for key, v in walk(body)
        )
    return False


# Triggers (translate/triggers.py): a PL/pgSQL function and the trigger calling it, and,
# inside the function only, the statements of a translated trigger body.
_GUARDED_DDL = frozenset({"CreateFunctionStmt", "CreateTrigStmt"})
_FUNCTION_STATEMENTS = frozenset({"UpdateStmt", "DeleteStmt"})

_WRITE_TARGETS = {
    "UpdateStmt": "relation",
    "DeleteStmt": "relation",
    "CreateTrigStmt": "relation",
    "CopyStmt": "relation",
    "InsertStmt": "relation",
    "CreateStmt": "relation",
    "AlterTableStmt": "relation",
    "IndexStmt": "relation",
    "ViewStmt": "view",
    "TruncateStmt": "relations",
}


def _check_tree(
    facts: ScriptFacts,
    lineno: int,
    stmt: dict[str, Any],
    catalog_relations: frozenset[str],
    *,
    top: bool,
    in_function: bool = False,
) -> None:
    kind, body = next(iter(stmt.items()))
    where = f"line {lineno}" + ("" if top else " (inside a DO block)")
    allowed = ALLOWED_STATEMENTS | (_FUNCTION_STATEMENTS if in_function else _GUARDED_DDL)
    if kind not in allowed or (not top and kind in ("DoStmt", "TransactionStmt")):
        facts.problems.append(f"{where}: a {kind} statement")
    if kind == "CreateFunctionStmt":
        _check_function(facts, lineno, body, catalog_relations)
    if kind == "CreateTrigStmt":
        function = [_sval(n) for n in body.get("funcname", [])]
        if len(function) != 2 or function[0] != "public" or body.get("args"):
            facts.problems.append(f"{where}: a trigger calling {function}")
    if kind == "VariableSetStmt":
        name = str(body.get("name", "")).lower()
        if name in _FORBIDDEN_SETTINGS:
            facts.problems.append(f"{where}: SET {name}")
        if name == "search_path" and not _resets_search_path(stmt):
            facts.problems.append(f"{where}: search_path set to something else than ''")
    if kind == "CopyStmt" and (
        not body.get("is_from") or body.get("filename") or body.get("is_program")
    ):
        facts.problems.append(f"{where}: COPY other than FROM STDIN")
    if kind == "SelectStmt" and any(key == "intoClause" for key, _v in walk(body)):
        facts.problems.append(f"{where}: SELECT … INTO")
    if kind == "DropStmt" and body.get("removeType") != "OBJECT_TABLE":
        facts.problems.append(f"{where}: DROP {body.get('removeType')}")
    if kind == "AlterTableStmt":
        for key, cmd in walk(body):
            if key == "AlterTableCmd" and cmd.get("subtype") in ("AT_ChangeOwner",):
                facts.problems.append(f"{where}: ALTER TABLE … {cmd.get('subtype')}")
    target = _WRITE_TARGETS.get(kind)
    if target is not None:
        rels = body.get(target)
        for rel in rels if isinstance(rels, list) else [rels]:
            if isinstance(rel, dict):
                rel = rel.get("RangeVar", rel)
                schema = rel.get("schemaname")
                if schema not in (None, "public", "pg_temp"):
                    facts.problems.append(
                        f"{where}: {kind} writes to {schema}.{rel.get('relname')}"
                    )
    for value in _range_vars(body):
        if not value.get("schemaname"):
            relname = str(value.get("relname"))
            facts.unqualified.append(relname)
            if relname in catalog_relations:
                facts.problems.append(
                    f"{where}: '{relname}' named without a schema: PostgreSQL resolves it to "
                    "the system catalog pg_catalog." + relname
                )
    for name in denied_calls(body):
        facts.problems.append(f"{where}: calls {name}()")
    if kind == "DoStmt":
        _check_do(facts, lineno, body, catalog_relations)


def _range_vars(tree: Any) -> Iterator[dict[str, Any]]:
    """Every relation reference (a RangeVar: a node with a ``relname``)."""
    if isinstance(tree, dict):
        if "relname" in tree:
            yield tree
        for value in tree.values():
            yield from _range_vars(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _range_vars(item)


_ASSIGNMENT = re.compile(r"\s*[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*:?=\s*(.*)", re.DOTALL)


def _check_do(
    facts: ScriptFacts, lineno: int, body: dict[str, Any], catalog_relations: frozenset[str]
) -> None:
    code = None
    for arg in body.get("args", []):
        elem = arg.get("DefElem", {})
        if elem.get("defname") == "as":
            code = _sval(elem.get("arg"))
        if elem.get("defname") == "language" and _sval(elem.get("arg")) != "plpgsql":
            facts.problems.append(f"line {lineno}: DO in language {_sval(elem.get('arg'))}")
    if code is None:
        facts.problems.append(f"line {lineno}: DO without a body")
        return
    _check_plpgsql(facts, lineno, code, catalog_relations, "void")


def _check_function(
    facts: ScriptFacts, lineno: int, body: dict[str, Any], catalog_relations: frozenset[str]
) -> None:
    """A trigger function: PL/pgSQL in public, no SECURITY DEFINER, no SET, its body's
    statements checked as a DO block's are."""
    name = [_sval(n) for n in body.get("funcname", [])]
    returns = [_sval(n) for n in body.get("returnType", {}).get("names", [])]
    if len(name) != 2 or name[0] != "public" or returns != ["trigger"] or body.get("parameters"):
        facts.problems.append(f"line {lineno}: a function {name} returning {returns}")
    code = None
    for arg in body.get("options", []):
        elem = arg.get("DefElem", {})
        if elem.get("defname") == "as":
            code = _sval(elem.get("arg", {}).get("List", {}).get("items", [{}])[0])
        elif elem.get("defname") == "language" and _sval(elem.get("arg")) == "plpgsql":
            continue
        else:
            facts.problems.append(f"line {lineno}: a function with {elem.get('defname')}")
    if code is None:
        facts.problems.append(f"line {lineno}: a function without a body")
        return
    _check_plpgsql(facts, lineno, code, catalog_relations, "trigger")


def _check_plpgsql(
    facts: ScriptFacts, lineno: int, code: str, catalog_relations: frozenset[str], returns: str
) -> None:
    in_function = returns == "trigger"
    tag = "$q$"
    n = 0
    while tag in code:
        n += 1
        tag = f"$q{n}$"
    wrapper = f"CREATE FUNCTION pg_temp.f() RETURNS {returns} LANGUAGE plpgsql AS {tag}{code}{tag}"
    try:
        tree = json.loads(pgparser.parse_plpgsql_json(wrapper))
    except pgparser.ParseError as exc:
        facts.problems.append(f"line {lineno}: a DO body PL/pgSQL cannot parse: {exc}")
        return
    for key, value in walk(tree):
        if key == "PLpgSQL_stmt_dynexecute":
            # EXECUTE 'constant': the string is a statement too.
            query = value.get("query", {}).get("PLpgSQL_expr", {}).get("query", "")
            parsed = _parse(f"SELECT {query}") or [{}]
            targets = parsed[0].get("SelectStmt", {}).get("targetList", [{}])
            inner = _sval(targets[0].get("ResTarget", {}).get("val"))
            for stmt in _parse(inner or "") or []:
                _check_tree(facts, lineno, stmt, catalog_relations, top=False)
        if key != "PLpgSQL_expr" or not isinstance(value, dict):
            continue
        query = str(value.get("query", ""))
        stmts = _parse(query)
        if stmts is None:
            stmts = _parse(f"SELECT {query}")
        assignment = _ASSIGNMENT.match(query)
        if stmts is None and assignment:
            stmts = _parse(f"SELECT {assignment.group(1)}")
        if stmts is None:
            facts.problems.append(f"line {lineno}: a DO body statement cannot be parsed: {query!r}")
            continue
        for stmt in stmts:
            _check_tree(facts, lineno, stmt, catalog_relations, top=False, in_function=in_function)


# =======================================================================================
# the environment: canary directory, loader role, baseline of the server's state
# =======================================================================================


class AttackEnv:
    """The session's server, canary directory, work directory and baseline (a plain class:
    hypothesis prints it in failure reports)."""

    def __init__(
        self,
        server: PgServer,
        canary: Path,
        work: Path,
        roles: list[tuple[Any, ...]],
        catalog_relations: frozenset[str],
    ) -> None:
        self.server = server
        self.canary = canary
        self.work = work
        self.roles = roles
        self.catalog_relations = catalog_relations

    def __repr__(self) -> str:
        return f"AttackEnv(canary={self.canary})"


_ROLES_QUERY = (
    "SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,"
    " rolreplication, rolbypassrls, rolconnlimit, rolpassword IS NULL, rolvaliduntil"
    " FROM pg_authid ORDER BY rolname"
)


@pytest.fixture(scope="session")
def attack_env(pg_server: PgServer) -> Iterator[AttackEnv]:
    # pytest's tmp tree is mode 0700: the server (another OS user) could not write a canary
    # there, so a successful file attack would not show. A short world-writable directory.
    canary = Path(tempfile.mkdtemp(prefix="dcc-", dir="/tmp"))
    work = Path(tempfile.mkdtemp(prefix="dumpconv-attacks-"))
    os.chmod(canary, 0o777)
    admin = pg_server.admin_dsn
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (LOADER_ROLE,)
            ).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(
                sql.SQL(verb + " ROLE {} SUPERUSER LOGIN").format(sql.Identifier(LOADER_ROLE))
            )
            # The canary must be able to show a server-side file write.
            probe = canary / "probe"
            conn.execute(sql.SQL("COPY (SELECT 1) TO {}").format(sql.Literal(str(probe))))
            assert probe.exists(), "the server cannot write into the canary directory"
            probe.unlink()
            roles = [tuple(r) for r in conn.execute(_ROLES_QUERY).fetchall()]
            catalog = frozenset(
                str(r[0])
                for r in conn.execute(
                    "SELECT relname FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace"
                )
            )
        yield AttackEnv(pg_server, canary, work, roles, catalog)
    finally:
        shutil.rmtree(canary, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


@dataclass(frozen=True)
class LoadOutcome:
    returncode: int
    stderr: str
    timed_out: bool


def load_script(env: AttackEnv, dsn: str, path: Path) -> LoadOutcome:
    """``psql -X -v ON_ERROR_STOP=1 -f PATH`` as the loader superuser, in the canary
    directory. A load still running after LOAD_WATCHDOG_S seconds has its queries cancelled
    (a script may reset statement_timeout itself, so that alone cannot bound pg_sleep)."""
    conninfo = make_conninfo(dsn, user=LOADER_ROLE)
    argv = [str(env.server.psql), "-X", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-f", str(path)]
    penv = env.server.psql_env()
    penv["PGOPTIONS"] = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout=10000"
    dbname = conninfo_to_dict(dsn)["dbname"]
    timed_out = False
    with subprocess.Popen(
        argv,
        env=penv,
        cwd=env.canary,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        try:
            _out, err = proc.communicate(timeout=LOAD_WATCHDOG_S)
        except subprocess.TimeoutExpired:
            timed_out = True
            env.server.query(
                env.server.admin_dsn,
                "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,),
            )
            try:
                _out, err = proc.communicate(timeout=LOAD_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                _out, err = proc.communicate()
    return LoadOutcome(proc.returncode, err.decode("utf-8", "replace"), timed_out)


def canary_files(env: AttackEnv) -> list[str]:
    return sorted(str(p.relative_to(env.canary)) for p in env.canary.rglob("*"))


def server_problems(env: AttackEnv) -> list[str]:
    """Roles, role and database settings, postgresql.auto.conf: as they were."""
    problems = []
    with psycopg.connect(env.server.admin_dsn, autocommit=True) as conn:
        roles = [tuple(r) for r in conn.execute(_ROLES_QUERY).fetchall()]
        if roles != env.roles:
            before, after = set(env.roles), set(roles)
            problems.append(
                f"roles changed: gone/changed {sorted(before - after, key=str)}, "
                f"new/changed {sorted(after - before, key=str)}"
            )
        settings_rows = conn.execute(
            "SELECT setdatabase, setrole, setconfig FROM pg_db_role_setting"
        ).fetchall()
        if settings_rows:
            problems.append(f"settings persisted in pg_db_role_setting: {settings_rows}")
        auto = conn.execute(
            "SELECT name, setting FROM pg_file_settings"
            " WHERE sourcefile LIKE '%postgresql.auto.conf'"
        ).fetchall()
        if auto:
            problems.append(f"ALTER SYSTEM settings persisted: {auto}")
    return problems


def restore_server(env: AttackEnv) -> None:
    """Undo what a successful attack changed on the server (after the database is gone)."""
    with psycopg.connect(env.server.admin_dsn, autocommit=True) as conn:
        names = {r[0] for r in env.roles}
        for (name,) in conn.execute("SELECT rolname FROM pg_authid").fetchall():
            if name not in names:
                with contextlib.suppress(psycopg.Error):
                    conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("ALTER ROLE {} SUPERUSER LOGIN").format(sql.Identifier(LOADER_ROLE)))
        for (role,) in conn.execute(
            "SELECT r.rolname FROM pg_db_role_setting s JOIN pg_authid r ON r.oid = s.setrole"
        ).fetchall():
            conn.execute(sql.SQL("ALTER ROLE {} RESET ALL").format(sql.Identifier(role)))
        if conn.execute(
            "SELECT 1 FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'"
        ).fetchone():
            conn.execute("ALTER SYSTEM RESET ALL")
            conn.execute("SELECT pg_reload_conf()")
    for path in env.canary.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


#: Catalogs in which a conversion creates nothing (OIDs from 16384 on are user objects).
_NO_USER_OBJECTS = (
    "pg_proc", "pg_operator", "pg_cast", "pg_language", "pg_foreign_data_wrapper",
    "pg_foreign_server", "pg_user_mapping", "pg_publication", "pg_conversion", "pg_collation",
    "pg_ts_config", "pg_ts_dict", "pg_ts_parser", "pg_ts_template", "pg_statistic_ext",
    "pg_default_acl", "pg_opclass", "pg_opfamily", "pg_am", "pg_transform", "pg_event_trigger",
    "pg_policy", "pg_extension", "pg_largeobject_metadata",
)  # fmt: skip


def _trigger_functions(conn: psycopg.Connection[Any]) -> list[int]:
    """The functions a converted trigger may have: PL/pgSQL trigger functions in public,
    without parameters, SECURITY DEFINER or settings (their bodies are checked in the
    script, as DO blocks are)."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT p.oid::int FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
            " WHERE p.oid >= 16384 AND l.lanname = 'plpgsql' AND NOT p.prosecdef"
            " AND p.proconfig IS NULL AND p.pronargs = 0"
            " AND p.prorettype = 'trigger'::regtype AND p.pronamespace = 'public'::regnamespace"
        ).fetchall()
    ]


def database_problems(env: AttackEnv, dsn: str, max_views: int | None = None) -> list[str]:
    """Objects a conversion may not create, and functions stored expressions call."""
    problems = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for catalog in _NO_USER_OBJECTS:
            rows = conn.execute(
                sql.SQL(
                    "SELECT oid::regclass::text, oid FROM {} WHERE oid >= 16384"
                    " AND NOT oid = ANY(%s) LIMIT 5"
                ).format(sql.Identifier(catalog)),
                [_trigger_functions(conn) if catalog == "pg_proc" else []],
            ).fetchall()
            if rows:
                problems.append(f"{catalog}: objects created: {rows}")
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT IN"
            " ('public', 'pg_catalog', 'information_schema', 'pg_toast')"
            " AND nspname !~ '^pg_(toast_)?temp_'"
        ).fetchall()
        if rows:
            problems.append(f"schemas created: {[r[0] for r in rows]}")
        rows = conn.execute(
            "SELECT n.nspname, c.relname, c.relkind FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT IN ('public', 'pg_catalog', 'information_schema', 'pg_toast')"
            " AND n.nspname !~ '^pg_(toast_)?temp_'"
        ).fetchall()
        if rows:
            problems.append(f"relations outside public: {rows}")
        rows = conn.execute(
            "SELECT relname FROM pg_class WHERE relname ~ '^pwned'"
            " OR relnamespace = 'pg_catalog'::regnamespace AND oid >= 16384"
        ).fetchall()
        if rows:
            problems.append(f"injected relations: {[r[0] for r in rows]}")
        rows = conn.execute(
            "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
            " AND NOT tgfoid = ANY(%s)",
            [_trigger_functions(conn)],
        ).fetchall()
        if rows:
            problems.append(f"triggers created: {rows}")
        rows = conn.execute(
            "SELECT rulename, ev_class::regclass::text FROM pg_rewrite"
            " WHERE rulename <> '_RETURN' AND oid >= 16384"
        ).fetchall()
        if rows:
            problems.append(f"rules created: {rows}")
        rows = conn.execute(
            "SELECT t.typname, t.typtype FROM pg_type t"
            " JOIN pg_namespace n ON n.oid = t.typnamespace"
            " WHERE n.nspname = 'public' AND t.typrelid = 0 AND t.typelem = 0"
        ).fetchall()
        if rows:
            problems.append(f"types created: {rows}")
        if max_views is not None:
            rows = conn.execute(
                "SELECT relname FROM pg_class WHERE relkind IN ('v', 'm')"
                " AND relnamespace = 'public'::regnamespace"
            ).fetchall()
            if len(rows) > max_views:
                problems.append(f"{len(rows)} views, the dump declares {max_views}: {rows}")
        for where, text, wrap in _stored_definitions(conn):
            stmts = _parse(wrap.format(text))
            if stmts is None:
                problems.append(f"{where}: stored definition does not parse: {text[:200]!r}")
                continue
            for name in denied_calls(stmts):
                problems.append(f"{where} calls {name}(): {text[:300]!r}")
    return problems


def _stored_definitions(conn: psycopg.Connection[Any]) -> list[tuple[str, str, str]]:
    """(what, deparsed text, how to make it a statement) of every default, constraint,
    index and view in public."""
    found: list[tuple[str, str, str]] = []
    for where, text in conn.execute(
        "SELECT format('default of %s.%I', d.adrelid::regclass, a.attname),"
        " pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d"
        " JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
    ).fetchall():
        found.append((str(where), str(text), "SELECT {}"))
    for where, text in conn.execute(
        "SELECT format('constraint %I on %s', conname, conrelid::regclass),"
        " pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE connamespace = 'public'::regnamespace AND conrelid <> 0"
    ).fetchall():
        found.append((str(where), str(text), "ALTER TABLE t ADD {}"))
    for where, text in conn.execute(
        "SELECT format('index %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)"
        " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE c.relnamespace = 'public'::regnamespace"
    ).fetchall():
        found.append((str(where), str(text), "{}"))
    for where, text in conn.execute(
        "SELECT format('view %s', c.oid::regclass), pg_get_viewdef(c.oid) FROM pg_class c"
        " WHERE c.relkind IN ('v', 'm') AND c.relnamespace = 'public'::regnamespace"
    ).fetchall():
        found.append((str(where), str(text), "{}"))
    return found


# =======================================================================================
# the sqlite3 oracle and the comparison of rows
# =======================================================================================


def sqlite_cli_load(dump: bytes, db: Path) -> tuple[bool, str]:
    """Load ``dump`` with the real sqlite3 CLI (stops at the first error; no shell access).
    Returns (accepted, stderr)."""
    assert SQLITE3 is not None
    db.unlink(missing_ok=True)
    proc = subprocess.run(
        [SQLITE3, "-bail", "-safe", str(db)],
        input=dump,
        capture_output=True,
        timeout=60,
        check=False,
    )
    err = proc.stderr.decode("utf-8", "replace")
    return proc.returncode == 0 and not err.strip(), err


def sqlite_python_load(dump: bytes, db: Path, stubs: Sequence[str]) -> tuple[bool, str]:
    """Load ``dump`` with Python's sqlite3, ``stubs`` registered as deterministic functions
    returning 1: how an application that defines those functions sees its own database
    (the CLI rejects a CHECK, index or generated column calling a function it lacks)."""
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db, isolation_level=None)
    try:
        for name in stubs:
            con.create_function(name, -1, lambda *args: 1, deterministic=True)
        con.executescript(dump.decode("utf-8"))
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        return False, str(exc)
    finally:
        con.close()
    return True, ""


def _qi(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pg_table_types(dsn: str) -> dict[str, dict[str, str]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)"
            " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
            " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')"
            " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
        ).fetchall()
        tables = conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            " AND relkind IN ('r', 'p')"
        ).fetchall()
    types: dict[str, dict[str, str]] = {str(t[0]): {} for t in tables}
    for table, col, type_name in rows:
        types[str(table)][str(col)] = str(type_name)
    return types


def _nul_fixed(raw: bytes, policy: str) -> bytes:
    return raw.replace(b"\x00", "\ufffd".encode() if policy == "replace" else b"")


def data_problems(
    env: AttackEnv, dsn: str, sqlite_db: Path, run: RunResult, nul: str, workdir: Path
) -> tuple[list[str], list[str]]:
    """Rows in PostgreSQL against sqlite3's database (NULs replaced as ``nul`` says in
    columns that are not bytea), and the report: every NUL-bearing value a lossy line.
    Returns (row problems, report problems)."""
    problems: list[str] = []
    types = pg_table_types(dsn)
    src = sqlite3.connect(sqlite_db)
    src.text_factory = bytes
    try:
        tables = [
            bytes(r[0]).decode("utf-8", "replace")
            for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
    finally:
        src.close()
    tables = [t for t in tables if not t.lower().startswith("sqlite_")]
    matched = {t: _match_name(t, types)[0] for t in tables}
    extra = sorted(set(types) - {m for m in matched.values() if m is not None})
    if extra:
        problems.append(f"PostgreSQL tables the dump does not declare: {extra}")

    copy = workdir / "expected.sqlite"
    copy.unlink(missing_ok=True)
    con = sqlite3.connect(copy, isolation_level=None)
    con.text_factory = bytes
    affected = 0
    try:
        con.execute("ATTACH DATABASE ? AS src", (str(sqlite_db),))
        for table in tables:
            # Plain columns without a type (no affinity: every value copied as it is);
            # generated columns become plain ones holding what SQLite computed.
            cols = [
                _qi(bytes(r[0]).decode())
                for r in con.execute(
                    "SELECT name FROM pragma_table_xinfo(?, 'src') WHERE hidden IN (0, 2, 3)"
                    " ORDER BY cid",
                    (table,),
                )
            ]
            con.execute(f"CREATE TABLE main.{_qi(table)}({', '.join(cols)})")
            con.execute(
                f"INSERT INTO main.{_qi(table)} SELECT {', '.join(cols)} FROM src.{_qi(table)}"
            )
        con.execute("DETACH DATABASE src")
        for table in tables:
            pg_table = matched[table]
            if pg_table is None:
                continue  # the referee reports it
            columns = [
                bytes(r[1]).decode() for r in con.execute(f"PRAGMA table_info({_qi(table)})")
            ]
            for col in columns:
                pg_col, _ = _match_name(col, types[pg_table])
                if pg_col is None:
                    if run.lossy():  # a column left out (a generated one), reported lossy
                        con.execute(f"ALTER TABLE {_qi(table)} DROP COLUMN {_qi(col)}")
                    continue
                if type_kind(types[pg_table][pg_col]) == "bytea":
                    continue
                rows = con.execute(
                    f"SELECT rowid, {_qi(col)} FROM {_qi(table)} WHERE typeof({_qi(col)}) = 'text'"
                ).fetchall()
                for rowid, raw in rows:
                    if b"\x00" in raw:
                        affected += 1
                        con.execute(
                            f"UPDATE {_qi(table)} SET {_qi(col)} = CAST(? AS TEXT) WHERE rowid = ?",
                            (_nul_fixed(bytes(raw), nul), rowid),
                        )
    finally:
        con.close()
    problems += compare_sqlite_pg(str(copy), dsn)
    nul_notes = [
        d
        for d in run.lossy()
        if re.search(r"\bnul\b", f"{d.get('code', '')} {d.get('message', '')}", re.IGNORECASE)
    ]
    # One lossy line per column, counting its values and listing each value's input line:
    # "t.c: text holds NUL bytes, …; each replaced by U+FFFD (3 values: input lines 4-6)".
    listed = 0
    for d in nul_notes:
        m = re.search(r"\((\d+) values?: input lines? ([-0-9, ]+)", str(d.get("message", "")))
        if m is None:
            continue
        runs = [r.split("-") for r in m.group(2).split(", ") if r]
        if sum(int(r[-1]) - int(r[0]) + 1 for r in runs) > int(m.group(1)) * 2:
            continue  # the lines listed cannot belong to that many values
        listed += int(m.group(1))
    report = []
    if listed < affected:
        report.append(
            f"{affected} text value(s) held NUL bytes and were changed, but the report's "
            f"lossy lines about NUL count {listed} values"
        )
    return problems, report


# =======================================================================================
# the whole check of one dump
# =======================================================================================


class UnsafeScript(AssertionError):
    """The script (or its load) did something the contract forbids."""


class BadStderr(AssertionError):
    """A traceback or raw control characters on stderr."""


class BadRefusal(AssertionError):
    """A refusal that is not one clean line with exit status 1 and no output."""


class LoadFails(AssertionError):
    """psql did not load the script (exit status, timeout)."""


class WrongRows(AssertionError):
    """The rows in PostgreSQL differ from sqlite3's."""


class BadReport(AssertionError):
    """A change the report does not list as the contract says."""


#: Problem kinds, most serious first, and the exception each raises (distinct exception
#: types are distinct bugs to hypothesis: one kind does not hide another).
KINDS: dict[str, type[AssertionError]] = {
    "unsafe": UnsafeScript,
    "stderr": BadStderr,
    "refusal": BadRefusal,
    "load": LoadFails,
    "rows": WrongRows,
    "report": BadReport,
}


def _show(text: str) -> str:
    """Text with every control character but LF escaped (CR, ESC would garble a report)."""
    return re.sub(
        "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]",
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


@dataclass
class Outcome:
    run: RunResult
    sqlite_accepted: bool | None
    sqlite_error: str = ""
    found: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)
    facts: ScriptFacts | None = None
    load: LoadOutcome | None = None
    inspected: list[Any] = field(default_factory=list)

    def add(self, kind: str, messages: Sequence[str]) -> None:
        assert kind in KINDS
        self.found += [(kind, m) for m in messages]

    def drop(self, predicate: Callable[[str], bool]) -> None:
        self.found = [(k, m) for k, m in self.found if not predicate(m)]

    @property
    def problems(self) -> list[str]:
        return [f"[{kind}] {message}" for kind, message in self.found]

    @property
    def refused(self) -> bool:
        return self.run.exit_code != 0

    def explain(self, dump: bytes) -> str:
        text = "\n".join(f"- {p}" for p in self.problems)
        shown = _show(dump.decode("utf-8", "backslashreplace"))
        script = ""
        if self.run.output is not None:
            script = "\n--- script (last 5000 characters) ---\n" + _show(self.run.script[-5000:])
        psql = ""
        if self.load is not None and self.load.stderr.strip():
            psql = "\n--- psql's stderr ---\n" + _show(self.load.stderr[-2000:])
        return (
            f"{text}\n--- dump ---\n{shown[:5000]}\n--- stderr ---\n"
            f"{_show(self.run.stderr[-2000:])}{psql}{script}"
        )

    def raise_first(self, dump: bytes) -> None:
        """Raise the exception of the most serious kind of problem found, if any."""
        for kind, exc in KINDS.items():
            if any(k == kind for k, _m in self.found):
                raise exc(self.explain(dump))


def check_dump(
    env: AttackEnv,
    dump: bytes,
    workdir: Path,
    *,
    args: Sequence[str] = (),
    oracle: str | None = "cli",
    stubs: Sequence[str] = (),
    nul: str = "replace",
    max_views: int | None = None,
    prepare: Callable[[str], None] | None = None,
    inspect: Callable[[str], Any] | None = None,
    settings_allowed: bool = False,
    key: str | None = RESTRICT_KEY,
    skip_if_rejected: bool = False,
) -> Outcome:
    """Convert ``dump``; check a refusal, or load the script into a fresh database and
    check the canaries, the objects and (with an oracle) the rows. With
    ``skip_if_rejected``, stop when the oracle rejects the dump (nothing checked)."""
    sqlite_db = workdir / "sqlite.db"
    accepted: bool | None = None
    error = ""
    if oracle == "cli":
        accepted, error = sqlite_cli_load(dump, sqlite_db)
    elif oracle == "python":
        accepted, error = sqlite_python_load(dump, sqlite_db, stubs)
    if skip_if_rejected and not accepted:
        return Outcome(RunResult([], -1, "", None, None, [], None), accepted, error)
    run = run_dumpconv(dump, workdir / "run", args, key=key)
    outcome = Outcome(run, accepted, error)
    outcome.add("stderr", stderr_problems(run))
    if run.exit_code != 0:
        outcome.add("refusal", refusal_problems(run))
        return outcome
    if run.output is None:
        outcome.add("refusal", ["exit status 0 but no -o file"])
        return outcome
    try:
        script = run.output.decode("utf-8")
    except UnicodeDecodeError as exc:
        outcome.add("load", [f"the script is not UTF-8: {exc}"])
        script = run.script
    used_key = key if key is not None and "--restrict-key" in cli_options() else None
    facts = analyze_script(script, key=used_key, catalog_relations=env.catalog_relations)
    outcome.facts = facts
    outcome.add("unsafe", facts.problems)
    dsn = env.server.create_db("atk")
    try:
        if prepare is not None:
            prepare(dsn)
        path = workdir / "load.sql"
        path.write_bytes(run.output)
        load = load_script(env, dsn, path)
        outcome.load = load
        if load.timed_out:
            outcome.add(
                "load",
                [f"the load ran longer than {LOAD_WATCHDOG_S} s (pg_sleep?); it was cancelled"],
            )
        if load.returncode != 0:
            outcome.add("load", [f"psql exited with {load.returncode}:\n{load.stderr[-2500:]}"])
        if "statement timeout" in load.stderr:
            outcome.add("unsafe", ["a statement ran into statement_timeout (pg_sleep?)"])
        files = canary_files(env)
        if files:
            outcome.add("unsafe", [f"canary files written during the load: {files}"])
        outcome.add("unsafe", database_problems(env, dsn, max_views))
        if load.returncode == 0 and accepted and sqlite_db.exists():
            rows, report = data_problems(env, dsn, sqlite_db, run, nul, workdir)
            outcome.add("rows", rows)
            outcome.add("report", report)
        if inspect is not None and load.returncode == 0:
            outcome.inspected.append(inspect(dsn))
    finally:
        env.server.drop_db(dsn)
        problems = server_problems(env)
        if settings_allowed:
            problems = [p for p in problems if "pg_db_role_setting" not in p]
        outcome.add("unsafe", problems)
        restore_server(env)
    return outcome


# =======================================================================================
# hostile text
# =======================================================================================

#: Marks in hostile text, filled in when a dump is rendered.
CANARY = "@CANARY@"
SERIAL = "@N@"
KEY = "@KEY@"

PAYLOADS = [
    "CREATE TABLE pwned_@N@()",
    "COPY (SELECT 1) TO PROGRAM 'touch @CANARY@/program_@N@'",
    "COPY (SELECT 1) TO '@CANARY@/copyto_@N@'",
    "SELECT pg_catalog.set_config('search_path','pwned',false)",
    "ALTER ROLE CURRENT_USER NOSUPERUSER",
    "CREATE FUNCTION pwned_f@N@() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "SELECT lo_export(lo_from_bytea(0,'x'),'@CANARY@/lo_@N@')",
    "SELECT pg_sleep(100)",
    "SELECT repeat('x',1073741824)",
    "CREATE ROLE pwned_r@N@ SUPERUSER",
    "ALTER ROLE CURRENT_USER SET work_mem='1MB'",
    "CREATE SCHEMA pwned_s@N@",
    "CREATE EXTENSION IF NOT EXISTS dblink",
    "INSERT INTO pg_namespace VALUES(1)",
]
CLOSERS = [
    "", "'", "')", "'))", '"', '")', "*/", "*/ */", "$$", "$dumpconv$", "$dumpconv$;\nEND",
    "\r", "\n", ")", "))", "]", "`", "\r--", "\n\\.\n", "%'", ";\nEND;\n$$",
]  # fmt: skip
OPENERS = ["", "--", "/*", "'", '"', "$$", "(", "-- ", "$dumpconv$", "DO $$ BEGIN --", "\r--"]

#: Families of hostile tokens (DUMPCONV_FUZZ_EXCLUDE names them).
FAMILIES: dict[str, list[str]] = {
    "comment": ["/*", "*/", "/* /* */", "*/ */", "--", "-- x\r", "--\r", "/*/", "*//*", "/**/"],
    "break": ["\r", "\n", "\r\n", "\n\r", "\r\r", "\x0b", "\x0c", "\u2028", "\u0085"],
    "backslash": [
        "\\",
        "\\\\",
        "\\.",
        "\n\\.\n",
        "\\N",
        "\\n",
        "\\r",
        "E'\\\\'",
        "\\x41",
        "\\000",
        "\\'",
        "\\\n",
    ],
    "quote": ["'", "''", '"', '""', "`", "[", "]", ";", "E'", "U&'", "%s", "%", "{", "}"],
    "dollar": ["$$", "$dumpconv$", "$x$", "$body$", "$_$", "$1", "$dumpconv", "dumpconv$"],
    "meta": [
        "\n\\! touch @CANARY@/meta_@N@\n",
        "\n\\unrestrict @KEY@\n\\! touch @CANARY@/unrestricted_@N@\n",
        "\n\\unrestrict " + OTHER_KEY + "\n",
        "\n\\o @CANARY@/o_@N@\n",
        "\n\\copy (select 1) to '@CANARY@/copy_@N@'\n",
        "\\! touch @CANARY@/inline_@N@",
        "\r\\! touch @CANARY@/cr_@N@\n",
        "\n\\set ON_ERROR_STOP off\n",
        "\n\\restrict " + OTHER_KEY + "\n",
        "\n\\.\n\\! touch @CANARY@/afterdata_@N@\n",
        ":'x'",
        ":x",
    ],
    "payload": PAYLOADS,
    "control": ["\x1b[2J", "\x1b]0;pwned\x07", "\x1b[31m", "\x08", "\x7f", "\x9b", "\x1b", "\t"],
    "nul": ["\x00", "\x00\x00", "a\x00"],
    "invalid-utf8": ["\udcff", "\udcc3", "\udce2\udc82", "\udced\udca0\udc80", "\udcc0\udc80"],
}

_EXCLUDED = frozenset(
    part.strip() for part in os.environ.get("DUMPCONV_FUZZ_EXCLUDE", "").split(",") if part.strip()
)


def _family(name: str) -> list[str]:
    return [] if name in _EXCLUDED else FAMILIES[name]


#: Replaces "this column" in expression templates (never produced by the text strategies).
COLREF = "\U0010fffd"

plain_text = st.text(
    st.characters(
        min_codepoint=0x20,
        max_codepoint=0x2FFF,
        exclude_categories=("Cs", "Co", "Cn"),
    ),
    max_size=4,
)

injections = st.builds(
    lambda c, p, o: f"{c};{p};{o}",
    st.sampled_from(CLOSERS),
    st.sampled_from(PAYLOADS),
    st.sampled_from(OPENERS),
)


def _pieces(*names: str) -> st.SearchStrategy[str]:
    tokens = [t for name in names for t in _family(name)]
    options: list[st.SearchStrategy[str]] = [plain_text]
    if tokens:
        options.append(st.sampled_from(tokens))
    if "payload" in names and "payload" not in _EXCLUDED:
        options.append(injections)
    return st.one_of(*options)


NAME_FAMILIES = ("comment", "break", "backslash", "quote", "dollar", "meta", "payload", "control")
TEXT_FAMILIES = (*NAME_FAMILIES, "nul", "invalid-utf8")

#: Text for names: no NUL, no invalid UTF-8 (a name PostgreSQL cannot hold is its own test).
name_text = st.lists(_pieces(*NAME_FAMILIES), min_size=1, max_size=4).map("".join)
#: Text for string values: anything.
value_text = st.lists(_pieces(*TEXT_FAMILIES), max_size=5).map("".join)
#: Text inside literals and comments of the schema: no NUL (it cannot be written there).
ddl_text = st.lists(_pieces(*NAME_FAMILIES, "invalid-utf8"), max_size=4).map("".join)

CATALOG_NAMES = [
    "pg_authid", "pg_namespace", "pg_class", "pg_proc", "pg_roles", "pg_database",
    "pg_settings", "pg_temp", "pg_toast", "information_schema", "public", "PG_AUTHID",
    "dumpconv_rows_1", "dumpconv_rows", "_dumpconv_tmp", "dumpconv_tmp_1", "pg_largeobject",
]  # fmt: skip


def _names() -> st.SearchStrategy[str]:
    if "catalog-names" in _EXCLUDED:
        return name_text
    return st.one_of(name_text, name_text, name_text, st.sampled_from(CATALOG_NAMES))


object_names = _names()

SIDE_EFFECT_CALLS = [
    "pg_sleep(100)",
    "lo_export(lo_from_bytea(0, 'x'), '@CANARY@/lo_@N@')",
    "set_config('search_path', 'pwned', false)",
    "current_setting('data_directory')",
    "pg_read_file('/etc/hostname')",
    "repeat('x', 1073741824)",
    "lpad('x', 1073741824)",
    "dblink_exec('dbname=postgres', 'CREATE TABLE pwned_@N@()')",
    '"pg_sleep"(100)',
    "pg_terminate_backend(pg_backend_pid())",
    "query_to_xml('SELECT pg_sleep(100)', true, true, '')",
]


def sql_string(text: str, *, expr: bool = True) -> str:
    """An SQLite string literal for ``text``; NULs as ``||char(0)||`` when ``expr`` (else
    left out: a plain literal cannot hold one)."""
    parts = text.split("\x00")
    if not expr:
        parts = ["".join(parts)]
    quoted = ["'" + p.replace("'", "''") + "'" for p in parts]
    return "||char(0)||".join(quoted)


def _marker(text: str, options: Sequence[str]) -> str | None:
    return next((m for m in options if m not in text), None)


@lru_cache(maxsize=1)
def cli_has_unistr() -> bool:
    """sqlite3 3.50+ knows unistr() (and its .dump writes it); 3.40 does not."""
    if SQLITE3 is None:
        return False
    proc = subprocess.run(
        [SQLITE3, ":memory:", "SELECT unistr('a')"], capture_output=True, check=False
    )
    return proc.returncode == 0


def unistr_literal(text: str) -> str:
    """``unistr('…')`` as CLI 3.50+ writes it: ``\\`` for a backslash, ``\\u00XX`` for a
    control character (NUL included: that is how unistr() makes one)."""
    body = "".join(
        "\\\\" if c == "\\" else f"\\u{ord(c):04x}" if ord(c) < 0x20 else c for c in text
    )
    return "unistr(" + sql_string(body) + ")"


def insert_value(value: Any) -> str:
    """A value literal as the producers write it: T1 (raw), T3 (``replace(…,char(10))``,
    for text with CR or LF and an even length), T4 (``unistr('…')``, when the sqlite3 CLI
    knows it, for text with control characters and a length divisible by 3) or
    ``||char(0)||`` joins."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes):
        return "X'" + value.hex().upper() + "'"
    text: str = value
    controls = any(ord(c) < 0x20 for c in text)
    if controls and len(text) % 3 == 0 and cli_has_unistr():
        return unistr_literal(text)
    if "\x00" in text:
        return sql_string(text)
    if ("\n" in text or "\r" in text) and len(text) % 2 == 0:
        body, call = text, "{}"
        nl = _marker(text, ["\\n", "\\012", "(\\n0)", "(\\n1)"])
        cr = _marker(text, ["\\r", "\\015", "(\\r0)", "(\\r1)"])
        if "\r" in text and cr is not None:
            body = body.replace("\r", cr)
            call = call.format(f"replace({{}},{sql_string(cr)},char(13))")
        if "\n" in text and nl is not None and nl != cr:
            body = body.replace("\n", nl)
            call = call.format(f"replace({{}},{sql_string(nl)},char(10))")
        return call.format(sql_string(body))
    return sql_string(text)


def block_comment(text: str) -> str:
    return "/*" + text.replace("*/", "* /") + "*/"


def line_comment(text: str) -> str:
    return "--" + text.replace("\n", " ") + "\n"


@st.composite
def comments(draw: st.DrawFn) -> str:
    """A comment SQLite skips and PostgreSQL may not: a `--` one with CR and SQL after it,
    a `/* … */` one holding `/*` (nested for PostgreSQL), or a `--` one holding `*/`."""
    kind = draw(st.integers(0, 3))
    text = draw(ddl_text)
    if kind == 0 and "break" not in _EXCLUDED:
        code = draw(ddl_text if "payload" in _EXCLUDED else injections)
        return line_comment(f"{text}\r{code}")
    if kind == 1:
        return block_comment(f"/* {text}")
    if kind == 2:
        return line_comment(f"*/ {text} /*")
    return draw(st.sampled_from([block_comment(text), line_comment(text)]))


@st.composite
def decorate(draw: st.DrawFn, expr: str) -> str:
    """``expr`` with comments around it."""
    where = draw(st.integers(0, 3))
    if where == 0:
        return expr
    comment = draw(comments())
    if where == 1:
        return f"{comment} {expr}"
    if where == 2:
        return f"{expr} {comment}"
    return f"{comment}{expr}{comment}"


@st.composite
def tautologies(draw: st.DrawFn, with_column: bool = True) -> str:
    """An expression true for every row, with hostile text in its literals and comments."""
    lit = sql_string(draw(ddl_text), expr=False)
    forms = [
        f"{lit} IS NOT NULL",
        f"length({lit}) >= 0",
        f"coalesce({lit}, 1) IS NOT NULL",
        f"lower({lit}) IS NOT NULL",
        f"1 = 1 OR {lit} <> ''",
    ]
    if with_column:
        forms += [f"{COLREF} IS NULL OR {COLREF} IS NOT NULL"]
    return draw(decorate(draw(st.sampled_from(forms))))


@st.composite
def defaults(draw: st.DrawFn) -> str:
    text = draw(ddl_text)
    lit = sql_string(text, expr=False)
    forms = [
        f"DEFAULT {lit}",
        f"DEFAULT ({lit})",
        f"DEFAULT ({lit} || {sql_string(draw(ddl_text), expr=False)})",
        f"DEFAULT (lower({lit}))",
        "DEFAULT 42",
        "DEFAULT (1 + 1)",
    ]
    if "nul" not in _EXCLUDED:
        forms.append(f"DEFAULT ('a' || char(0) || {lit})")
    if "side-effects" not in _EXCLUDED:
        forms.append(f"DEFAULT ({draw(st.sampled_from(SIDE_EFFECT_CALLS))})")
    form = draw(st.sampled_from(forms))
    if form.startswith("DEFAULT (") and draw(st.booleans()):
        inner = form[len("DEFAULT (") : -1]
        form = f"DEFAULT ({draw(decorate(inner))})"
    return form


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    style: str
    decl: str
    default: str | None
    check: str | None
    check_name: str | None
    generated: str | None = None  # the expression of a generated column
    stored: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    style: str
    columns: tuple[ColumnSpec, ...]
    checks: tuple[tuple[str | None, str], ...]
    comments: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    rowid_alias: bool
    if_not_exists: bool
    autoincrement: int | None = None  # the sqlite_sequence value past max(rowid), if any


@dataclass(frozen=True)
class IndexSpec:
    name: str
    style: str
    table: int
    items: tuple[str, ...]  # expressions over COLREF of column ``column``
    column: int
    where: str | None
    trailing: str


@dataclass(frozen=True)
class ViewSpec:
    name: str
    style: str
    table: int
    column: int
    body: str  # SELECT … with COLREF and TABLEREF
    columns: tuple[str, ...]


@dataclass(frozen=True)
class TriggerSpec:
    name: str
    style: str
    table: int
    column: int
    body: str


@dataclass(frozen=True)
class DumpSpec:
    tables: tuple[TableSpec, ...]
    indexes: tuple[IndexSpec, ...]
    views: tuple[ViewSpec, ...]
    triggers: tuple[TriggerSpec, ...]
    crlf: bool


TABLEREF = "\U0010fffc"
QUOTE_STYLES = ("double", "double", "bracket", "backtick")
DECLS = ("", "TEXT", "INTEGER", "INT", "BLOB", "VARCHAR(20)", "REAL", "text")

_NUMERIC_LOOKING = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")
integers = st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-5, 5))
reals = st.sampled_from([0.5, -2.25, 1e300])
blobs = st.binary(max_size=6)
non_numeric_text = value_text.map(lambda t: "x" + t if _NUMERIC_LOOKING.fullmatch(t) else t)


def column_values(decl: str) -> st.SearchStrategy[Any]:
    """Values whose literal keeps its storage class under the column's affinity, as in a
    dump ``sqlite3 .dump`` writes (a TEXT column never shows an integer literal)."""
    affinity = decl.upper()
    if "INT" in affinity:
        kinds = [integers, non_numeric_text, non_numeric_text, blobs]
    elif "CHAR" in affinity or "TEXT" in affinity:
        kinds = [value_text, value_text, blobs]
    elif "REAL" in affinity:
        kinds = [reals, non_numeric_text, blobs]
    else:  # BLOB or no type: no conversion
        kinds = [integers, reals, value_text, value_text, value_text, blobs]
    return st.one_of(st.none(), *kinds)


@st.composite
def table_specs(draw: st.DrawFn) -> TableSpec:
    ncols = draw(st.integers(1, 4))
    rowid_alias = draw(st.integers(0, 3)) == 0
    autoincrement = draw(st.integers(0, 50)) if rowid_alias and draw(st.booleans()) else None
    columns = []
    for i in range(ncols):
        if i == 0 and rowid_alias:
            decl = "INTEGER PRIMARY KEY" + (" AUTOINCREMENT" if autoincrement is not None else "")
            columns.append(
                ColumnSpec(draw(object_names), draw(st.sampled_from(QUOTE_STYLES)), decl,
                           None, None, None)
            )  # fmt: skip
            continue
        default = draw(st.none() | defaults())
        check = draw(st.none() | tautologies())
        check_name = draw(st.none() | object_names) if check else None
        columns.append(
            ColumnSpec(
                draw(object_names),
                draw(st.sampled_from(QUOTE_STYLES)),
                draw(st.sampled_from(DECLS)),
                default,
                check,
                check_name,
            )
        )
    if "generated" not in _EXCLUDED and draw(st.integers(0, 2)) == 0:
        lit = sql_string(draw(ddl_text), expr=False)
        expr = draw(st.sampled_from([lit, f"lower({lit})", f"{lit} || 'x'", f"length({lit})"]))
        gen = ColumnSpec(
            draw(object_names),
            draw(st.sampled_from(QUOTE_STYLES)),
            draw(st.sampled_from(["TEXT", ""])),
            None,
            None,
            None,
            draw(decorate(expr)),
            draw(st.booleans()),
        )
        columns.insert(draw(st.integers(1 if rowid_alias else 0, len(columns))), gen)
    checks = tuple(
        (draw(st.none() | object_names), draw(tautologies(with_column=False)))
        for _ in range(draw(st.integers(0, 2)))
    )
    table_comments = tuple(draw(st.lists(comments(), max_size=2)))
    nrows = draw(st.integers(0, 5))
    rows = []
    for r in range(nrows):
        row = [draw(column_values(c.decl)) for c in columns if c.generated is None]
        if rowid_alias:
            row[0] = r + 1
        rows.append(tuple(row))
    return TableSpec(
        draw(object_names),
        draw(st.sampled_from(QUOTE_STYLES)),
        tuple(columns),
        checks,
        table_comments,
        tuple(rows),
        rowid_alias,
        draw(st.booleans()),
        autoincrement,
    )


@st.composite
def dump_specs(draw: st.DrawFn) -> DumpSpec:
    tables = draw(st.lists(table_specs(), min_size=1, max_size=3))
    indexes = []
    for _ in range(draw(st.integers(0, 2))):
        t = draw(st.integers(0, len(tables) - 1))
        c = draw(st.integers(0, len(tables[t].columns) - 1))
        lit = sql_string(draw(ddl_text), expr=False)
        items = tuple(
            draw(
                st.lists(
                    st.sampled_from(
                        [COLREF, f"{COLREF} DESC", f"lower({COLREF})", f"({COLREF} || {lit})",
                         f"{COLREF} COLLATE NOCASE", f"length({lit})"]
                    ),
                    min_size=1, max_size=2,
                )
            )
        )  # fmt: skip
        where = draw(st.none() | tautologies())
        trailing = draw(st.sampled_from(["", " " + block_comment(draw(ddl_text))]))
        indexes.append(
            IndexSpec(
                draw(object_names), draw(st.sampled_from(QUOTE_STYLES)), t, items, c, where,
                trailing,
            )
        )  # fmt: skip
    views = []
    for _ in range(draw(st.integers(0, 2))):
        t = draw(st.integers(0, len(tables) - 1))
        c = draw(st.integers(0, len(tables[t].columns) - 1))
        lit = sql_string(draw(ddl_text), expr=False)
        alias = draw(object_names)
        forms = [
            f"SELECT {COLREF} AS {_qi(alias)}, {lit} AS x FROM {TABLEREF}",
            f"SELECT {COLREF} FROM {TABLEREF} WHERE {draw(tautologies())}",
            f"SELECT * FROM {TABLEREF} {draw(comments())}",
            f"SELECT {lit}",
        ]
        if "side-effects" not in _EXCLUDED:
            forms.append(f"SELECT {draw(st.sampled_from(SIDE_EFFECT_CALLS))}")
        body = draw(st.sampled_from(forms))
        columns = (draw(object_names),) if body.startswith("SELECT " + lit) else ()
        views.append(
            ViewSpec(draw(object_names), draw(st.sampled_from(QUOTE_STYLES)), t, c, body, columns)
        )
    triggers = []
    for _ in range(draw(st.integers(0, 1))):
        t = draw(st.integers(0, len(tables) - 1))
        c = draw(st.integers(0, len(tables[t].columns) - 1))
        lit = sql_string(draw(ddl_text), expr=False)
        steps = [f"SELECT {lit};", f"UPDATE {TABLEREF} SET {COLREF} = {lit} WHERE 0;"]
        if "side-effects" not in _EXCLUDED:
            steps.append(f"SELECT {draw(st.sampled_from(SIDE_EFFECT_CALLS))};")
        body = " ".join(draw(st.lists(st.sampled_from(steps), min_size=1, max_size=3)))
        body = f"{draw(comments())}{body}"
        triggers.append(
            TriggerSpec(draw(object_names), draw(st.sampled_from(QUOTE_STYLES)), t, c, body)
        )
    crlf = "crlf" not in _EXCLUDED and draw(st.integers(0, 9)) == 0
    return DumpSpec(tuple(tables), tuple(indexes), tuple(views), tuple(triggers), crlf)


# ---------------------------------------------------------------------------------------
# rendering a spec into dump bytes
# ---------------------------------------------------------------------------------------


def _fold(name: str) -> str:
    return name.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))


def _cut63(name: str) -> str:
    raw = name.encode("utf-8", "surrogateescape")
    if len(raw) <= 63:
        return name
    cut = 63
    while cut > 0 and raw[cut] & 0xC0 == 0x80:
        cut -= 1
    return raw[:cut].decode("utf-8", "surrogateescape")


class Renderer:
    """Fills in the marks and makes names unique the way SQLite and PostgreSQL need."""

    def __init__(self, canary: str, key: str) -> None:
        self.canary = canary
        self.key = key
        self.serial = count(1)
        self.used: set[str] = set()

    def fill(self, text: str) -> str:
        text = text.replace(CANARY, self.canary).replace(KEY, self.key)
        # The sqlite3 CLI reads its input by lines and drops the CR of every CR LF, inside
        # string literals and quoted names too (Python's sqlite3 keeps it): keep the two
        # apart so that sqlite3's database is the dump's meaning (see test_crlf_inside_…).
        text = text.replace("\r\n", "\r \n")
        return re.sub(re.escape(SERIAL), lambda _m: str(next(self.serial)), text)

    def name(self, raw: str, used: set[str] | None = None, *, column: bool = False) -> str:
        """A unique name: at most 63 bytes, distinct from the others after ASCII case
        folding, not sqlite_…, not a PostgreSQL system column, not empty."""
        scope = self.used if used is None else used
        name = self.fill(raw) or "e"
        if _fold(name).startswith("sqlite_"):
            name = "x" + name
        if column and _fold(name) in PG_SYSTEM_COLUMNS:
            name = "c_" + name
        name = _cut63(name)
        n = 0
        while _fold(name) in scope:
            n += 1
            name = _cut63(f"u{n}_{name}")
        scope.add(_fold(name))
        return name


def quote(name: str, style: str) -> str:
    if style == "bracket" and "]" not in name:
        return f"[{name}]"
    if style == "backtick":
        return "`" + name.replace("`", "``") + "`"
    return _qi(name)


def render(spec: DumpSpec, canary: str, key: str = RESTRICT_KEY) -> bytes:
    r = Renderer(canary, key)
    table_names = [r.name(t.name) for t in spec.tables]
    column_names: list[list[str]] = []
    for t in spec.tables:
        used: set[str] = set()
        column_names.append([r.name(c.name, used, column=True) for c in t.columns])

    out = ["PRAGMA foreign_keys=OFF;", "BEGIN TRANSACTION;"]
    for ti, t in enumerate(spec.tables):
        items = []
        cols = column_names[ti]
        for ci, c in enumerate(t.columns):
            ref = _qi(cols[ci])
            parts = [quote(cols[ci], c.style)]
            if c.decl:
                parts.append(c.decl)
            if c.generated is not None:
                parts.append(f"AS ({r.fill(c.generated)}) {'STORED' if c.stored else 'VIRTUAL'}")
            if c.default is not None:
                parts.append(r.fill(c.default))
            if c.check is not None:
                if c.check_name is not None:
                    parts.append(f"CONSTRAINT {_qi(r.name(c.check_name))}")
                parts.append(f"CHECK ({r.fill(c.check).replace(COLREF, ref)})")
            items.append(" ".join(parts))
        for cname, check in t.checks:
            head = f"CONSTRAINT {_qi(r.name(cname))} " if cname is not None else ""
            items.append(f"{head}CHECK ({r.fill(check)})")
        body = ",\n  ".join(items)
        for comment in t.comments:
            body = f"{r.fill(comment)}  {body}"
        qname = quote(table_names[ti], t.style)
        create = f"CREATE TABLE {qname}(\n  {body}\n)"
        if t.if_not_exists and qname.startswith('"'):
            create = f"CREATE TABLE IF NOT EXISTS {qname}(\n  {body}\n)"
        out.append(_terminated(create))
        for row in t.rows:
            rendered = ",".join(r.fill(insert_value(v)) for v in row)
            out.append(f"INSERT INTO {_qi(table_names[ti])} VALUES({rendered});")
    sequences = [
        (table_names[ti], len(t.rows) + t.autoincrement)
        for ti, t in enumerate(spec.tables)
        if t.autoincrement is not None
    ]
    if sequences:  # AUTOINCREMENT counters, as the CLI up to 3.46 writes them
        out.append("DELETE FROM sqlite_sequence;")
        for name, seq in sequences:
            out.append(f"INSERT INTO sqlite_sequence VALUES({sql_string(name)},{seq});")
    for v in spec.views:
        body = v.body.replace(TABLEREF, _qi(table_names[v.table]))
        body = body.replace(COLREF, _qi(column_names[v.table][v.column]))
        names = ",".join(_qi(r.name(c, set())) for c in v.columns)
        head = f"CREATE VIEW {quote(r.name(v.name), v.style)}"
        if names:
            head += f"({names})"
        out.append(_terminated(f"{head} AS {r.fill(body)}"))
    for tr in spec.triggers:
        body = tr.body.replace(TABLEREF, _qi(table_names[tr.table]))
        body = body.replace(COLREF, _qi(column_names[tr.table][tr.column]))
        out.append(
            _terminated(
                f"CREATE TRIGGER {quote(r.name(tr.name), tr.style)} AFTER INSERT ON "
                f"{_qi(table_names[tr.table])} BEGIN {r.fill(body)} END"
            )
        )
    for ix in spec.indexes:
        ref = _qi(column_names[ix.table][ix.column])
        items_text = ", ".join(r.fill(i).replace(COLREF, ref) for i in ix.items)
        text = (
            f"CREATE INDEX {quote(r.name(ix.name), ix.style)} ON "
            f"{_qi(table_names[ix.table])}({items_text})"
        )
        if ix.where is not None:
            text += f" WHERE {r.fill(ix.where).replace(COLREF, ref)}"
        text += r.fill(ix.trailing)
        out.append(_terminated(text))
    out.append("COMMIT;")
    eol = "\r\n" if spec.crlf else "\n"
    return (eol.join(out) + eol).encode("utf-8", "surrogateescape")


def _terminated(text: str) -> str:
    """``text;`` as the CLI writes it: the ``;`` alone on the next line if a ``--`` occurs."""
    return text + ("\n;" if "--" in text else ";")


# =======================================================================================
# the fuzzer
# =======================================================================================


@pytest.mark.pg
@needs_sqlite3
@settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
@given(spec=dump_specs())
def test_fuzz_hostile_dumps(attack_env: AttackEnv, spec: DumpSpec) -> None:
    """Any dump sqlite3 accepts, hostile text anywhere: a clean refusal or a safe, exact
    load."""
    dump = render(spec, str(attack_env.canary))
    with tempfile.TemporaryDirectory(dir=attack_env.work) as tmp:
        outcome = check_dump(
            attack_env, dump, Path(tmp), max_views=len(spec.views), skip_if_rejected=True
        )
    assume(outcome.sqlite_accepted)
    verdict = "refused" if outcome.refused else "converted"
    event(f"dumpconv {verdict}")
    if outcome.refused:
        event(f"refusal: {outcome.run.stderr.split(':')[2:4]}")
    note(f"dumpconv {verdict} the dump")
    outcome.raise_first(dump)


def test_fuzz_strategy_renders_dumps_sqlite3_accepts() -> None:
    """The strategy is not wasted: most rendered dumps load into sqlite3."""
    if SQLITE3 is None:
        pytest.skip("the sqlite3 CLI is not installed")
    accepted = 0
    total = 0

    @settings(max_examples=40, deadline=None, derandomize=True, database=None)
    @given(spec=dump_specs())
    def sample(spec: DumpSpec) -> None:
        nonlocal accepted, total
        with tempfile.TemporaryDirectory() as tmp:
            ok, _ = sqlite_cli_load(render(spec, "/tmp/x"), Path(tmp) / "db")
        total += 1
        accepted += ok

    sample()
    assert accepted >= total // 2, f"sqlite3 accepted only {accepted} of {total} dumps"


# =======================================================================================
# targeted attacks
# =======================================================================================


def dump_of(*statements: str, data_only: bool = False) -> bytes:
    """A dump as ``sqlite3 .dump`` writes it around ``statements`` (each gets its ``;``)."""
    body = [_terminated(s) for s in statements]
    if data_only:
        return ("\n".join(body) + "\n").encode("utf-8", "surrogateescape")
    lines = ["PRAGMA foreign_keys=OFF;", "BEGIN TRANSACTION;", *body, "COMMIT;"]
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")


@pytest.fixture
def workdir(attack_env: AttackEnv) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(dir=attack_env.work) as tmp:
        yield Path(tmp)


def assert_safe(outcome: Outcome, dump: bytes, *, sqlite_must_accept: bool = True) -> None:
    if sqlite_must_accept:
        assert outcome.sqlite_accepted, (
            f"test bug: sqlite3 rejects this dump: {outcome.sqlite_error}\n"
            + dump.decode("utf-8", "backslashreplace")
        )
    assert outcome.problems == [], outcome.explain(dump)


def canary_path(env: AttackEnv, name: str) -> str:
    return f"{env.canary}/{name}"


# --- 1. lexer disagreement ---------------------------------------------------------------


@pytest.mark.pg
@needs_sqlite3
def test_nested_block_comment_in_check_hides_a_statement(
    attack_env: AttackEnv, workdir: Path
) -> None:
    # SQLite: `/* /* */` is a whole comment, and the `*/ …` after it is inside a string.
    # PostgreSQL nests: its comment ends at the second `*/`, inside SQLite's string, and
    # what follows it is code: `); CREATE TABLE pwned_1(); COPY … TO PROGRAM …; --`.
    prog = canary_path(attack_env, "nested")
    dump = dump_of(
        "CREATE TABLE t(c TEXT CHECK (c IS NULL /* /* */ OR c <> "
        f"'*/ ); CREATE TABLE pwned_1(); COPY (SELECT 1) TO PROGRAM ''touch {prog}''; --'\n"
        "OR 1))",
        "INSERT INTO t VALUES('a')",
        "CREATE TABLE u(d CHECK (d /* /* */ IS NULL OR '*/ IS NULL OR pg_sleep(100) IS NULL --' "
        "IS NOT NULL\n))",
        "INSERT INTO u VALUES(1)",
    )
    assert_safe(check_dump(attack_env, dump, workdir), dump)


CR_PAYLOAD = "\rOR pg_sleep(100) IS NULL OR lo_export(lo_from_bytea(0,'x'),'{canary}/cr') = 1"


def _cr_dump(place: str, canary: str) -> bytes:
    payload = CR_PAYLOAD.format(canary=canary)
    comment = f"-- a note{payload}\n"
    stmts = {
        "check": [f"CREATE TABLE t(c INT CHECK (c > 0 {comment}))", "INSERT INTO t VALUES(1)"],
        "table-check": [
            f"CREATE TABLE t(c INT, CHECK (c > 0 {comment}))",
            "INSERT INTO t VALUES(1)",
        ],
        "generated": [
            f"CREATE TABLE t(c INT, g INT AS (c + 1 {comment}) STORED)",
            "INSERT INTO t VALUES(1)",
        ],
        "default": [f"CREATE TABLE t(c INT DEFAULT (1 {comment}))", "INSERT INTO t VALUES(1)"],
        "partial-index": [
            "CREATE TABLE t(c INT)",
            "INSERT INTO t VALUES(1)",
            f"CREATE INDEX i ON t(c) WHERE c > 0 {comment}",
        ],
        "expression-index": [
            "CREATE TABLE t(c INT)",
            "INSERT INTO t VALUES(1)",
            f"CREATE INDEX i ON t((c + 1) {comment})",
        ],
        "view": [
            "CREATE TABLE t(c INT)",
            "INSERT INTO t VALUES(1)",
            f"CREATE VIEW v AS SELECT c FROM t WHERE c > 0 {comment}",
        ],
        "trigger": [
            "CREATE TABLE t(c INT)",
            "INSERT INTO t VALUES(1)",
            f"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; {comment} END",
        ],
        "table-comment": [
            f"CREATE TABLE t(\n  {comment}  c INT\n)",
            "INSERT INTO t VALUES(1)",
        ],
    }
    return dump_of(*stmts[place])


CR_PLACES = [
    "check", "table-check", "generated", "default", "partial-index", "expression-index",
    "view", "trigger", "table-comment",
]  # fmt: skip


@pytest.mark.pg
@needs_sqlite3
@pytest.mark.parametrize("place", CR_PLACES)
def test_cr_ends_a_line_comment_only_for_postgresql(
    attack_env: AttackEnv, workdir: Path, place: str
) -> None:
    # SQLite's `--` comment runs to LF; PostgreSQL's (and psql's) ends at CR too.
    dump = _cr_dump(place, str(attack_env.canary))
    assert_safe(check_dump(attack_env, dump, workdir, max_views=1), dump)


@pytest.mark.pg
@needs_sqlite3
@pytest.mark.parametrize("place", ["check", "default", "view", "partial-index", "generated"])
def test_line_comment_holding_a_block_comment_end(
    attack_env: AttackEnv, workdir: Path, place: str
) -> None:
    # A generator that keeps comments as `/* … */` turns `-- x */ code /*` into code.
    file = canary_path(attack_env, "blockend")
    comment = (
        f"-- x */ OR lo_export(lo_from_bytea(0,'x'),'{file}') = 1 OR pg_sleep(100) IS NULL /* y\n"
    )
    stmts = {
        "check": [f"CREATE TABLE t(c INT CHECK (c > 0 {comment}))", "INSERT INTO t VALUES(1)"],
        "default": [f"CREATE TABLE t(c INT DEFAULT (1 {comment}))", "INSERT INTO t VALUES(1)"],
        "view": [
            "CREATE TABLE t(c INT)",
            f"CREATE VIEW v AS SELECT c FROM t WHERE c > 0 {comment}",
        ],
        "partial-index": [
            "CREATE TABLE t(c INT)",
            "INSERT INTO t VALUES(1)",
            f"CREATE INDEX i ON t(c) WHERE c > 0 {comment}",
        ],
        "generated": [
            f"CREATE TABLE t(c INT, g INT AS (c + 1 {comment}) STORED)",
            "INSERT INTO t VALUES(1)",
        ],
    }
    dump = dump_of(*stmts[place])
    assert_safe(check_dump(attack_env, dump, workdir), dump)


DEFAULT_COMMENTS = [
    "DEFAULT (/* c */ 'y')",
    "DEFAULT ('y' /* c */)",
    "DEFAULT (-- c\n'y')",
    "DEFAULT ('y' -- c\n)",
    "DEFAULT (-- c\r;SELECT 1;\n'y')",
    "DEFAULT (/* /* */ 'y')",
    "DEFAULT /* c */ 'y'",
]


@pytest.mark.pg
@needs_sqlite3
@pytest.mark.parametrize("default", DEFAULT_COMMENTS, ids=range(len(DEFAULT_COMMENTS)))
def test_comments_inside_a_default_are_not_its_value(
    attack_env: AttackEnv, workdir: Path, default: str
) -> None:
    # SQLite's default is 'y' in every case; a converter that keeps the expression's text
    # turns the comment into part of the value (or into code).
    dump = dump_of(f"CREATE TABLE t(id INTEGER PRIMARY KEY, d TEXT {default})")
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE TABLE t(id INTEGER PRIMARY KEY, d TEXT {default})")
    con.execute("INSERT INTO t DEFAULT VALUES")
    assert con.execute("SELECT d FROM t").fetchall() == [("y",)], "test bug"
    con.close()

    def default_value(dsn: str) -> Any:
        with psycopg.connect(dsn) as conn:
            row = conn.execute("INSERT INTO public.t DEFAULT VALUES RETURNING d").fetchone()
            conn.rollback()
        return row

    outcome = check_dump(attack_env, dump, workdir, inspect=default_value)
    assert_safe(outcome, dump)
    if not outcome.refused:
        dropped = [d for d in outcome.run.lossy() if "default" in d.get("message", "").lower()]
        assert outcome.inspected == [("y",)] or (outcome.inspected == [(None,)] and dropped), (
            f"default is {outcome.inspected}, SQLite's is 'y'\n{outcome.explain(dump)}"
        )


UNPARSEABLE = [
    "CREATE TABLE t(c TEXT CHECK (c GLOB '*[a-z]*'))",
    "CREATE TABLE t(c TEXT CHECK (c NOT NULL))",
    "CREATE TABLE t(c TEXT CHECK (c == 'a' OR c IS NOT 'b'))",
    "CREATE TABLE t(c TEXT CHECK (json_valid(c) AND json_extract(c, '$.a') IS NULL))",
    "CREATE TABLE t(c TEXT DEFAULT (printf('%s%n', 'x')))",
    "CREATE TABLE t(c TEXT CHECK (c COLLATE RTRIM <> 'x' ESCAPE))",
    "CREATE TABLE t(c TEXT CHECK (CASE WHEN c THEN 1 ELSE 0 END + (SELECT 1)))",
    "CREATE TABLE t(c TEXT CHECK (c IN (SELECT 1)))",
    "CREATE TABLE t(c TEXT CHECK (" + "(" * 300 + "1" + ")" * 300 + "))",
    "CREATE TABLE t(c TEXT CHECK (" + " + ".join(["1"] * 3000) + " > 0))",
    "CREATE TABLE t(c TEXT CHECK (c LIKE 'a' ESCAPE '\\'))",
    "CREATE TABLE t(c TEXT CHECK (c REGEXP '^a'))",
    "CREATE TABLE t(c TEXT CHECK (raise(ABORT, 'x')))",
    "CREATE TABLE t(c TEXT DEFAULT (x'00' || 'a' || ?1))",
    "CREATE TABLE t(c TEXT CHECK (c = :name OR c = @x OR c = $y))",
    'CREATE TABLE t(c TEXT CHECK (CAST(c AS "weird type" (1, 2)) IS NOT NULL))',
]


@pytest.mark.pg
@needs_sqlite3
@pytest.mark.parametrize("create", UNPARSEABLE, ids=range(len(UNPARSEABLE)))
def test_expressions_the_translation_cannot_read(
    attack_env: AttackEnv, workdir: Path, create: str
) -> None:
    # Never a traceback: a clean refusal, or the definition left out (or translated) and the
    # rows loaded. (sqlite3 itself may reject some of these; the contract holds for every
    # input.)
    dump = dump_of(create, "INSERT INTO t VALUES('a')")
    outcome = check_dump(attack_env, dump, workdir)
    assert_safe(outcome, dump, sqlite_must_accept=False)


@pytest.mark.pg
@needs_sqlite3
@pytest.mark.parametrize(
    "tag", ["$dumpconv$", "$$", "$dumpconv$;\nEND\n$dumpconv$", "$_$", "$body$"]
)
def test_dollar_quote_tags_in_definitions(attack_env: AttackEnv, workdir: Path, tag: str) -> None:
    # Guard blocks put definitions inside DO $tag$ … $tag$: a definition holding the tag
    # closes it.
    file = canary_path(attack_env, "dollar")
    payload = (
        f"{tag}; COPY (SELECT 1) TO PROGRAM ''touch {file}''; CREATE TABLE pwned_1(); "
        f"DO {tag} BEGIN --"
    )
    dump = dump_of(
        f"CREATE TABLE t(c TEXT CHECK (c <> '{payload}') DEFAULT ('{payload}'))",
        "INSERT INTO t VALUES('a')",
        f"CREATE VIEW v AS SELECT c, '{payload}' AS x FROM t /* {tag} */",
        f"CREATE INDEX i ON t(c) WHERE c <> '{payload}'",
    )
    assert_safe(check_dump(attack_env, dump, workdir, max_views=1), dump)


@pytest.mark.pg
@needs_sqlite3
def test_hostile_target_settings_do_not_change_what_literals_mean(
    attack_env: AttackEnv, workdir: Path
) -> None:
    # The target database says standard_conforming_strings = off (backslashes escape in
    # '…'): a script that relies on the server's setting reads C:\ and '\' differently.
    def hostile(dsn: str) -> None:
        name = conninfo_to_dict(dsn)["dbname"]
        for stmt in (
            "ALTER DATABASE {} SET standard_conforming_strings = off",
            "ALTER DATABASE {} SET backslash_quote = on",
            "ALTER DATABASE {} SET search_path = pwned, public",
            "ALTER DATABASE {} SET check_function_bodies = on",
        ):
            attack_env.server.query(
                attack_env.server.admin_dsn, sql.SQL(stmt).format(sql.Identifier(str(name)))
            )
        attack_env.server.query(dsn, "CREATE SCHEMA pwned")

    file = canary_path(attack_env, "scs")
    dump = dump_of(
        "CREATE TABLE t(c TEXT DEFAULT 'C:\\dir\\' CHECK (c <> 'a\\'), d TEXT)",
        f"INSERT INTO t VALUES('C:\\path\\', "
        f"'x\\'');COPY (SELECT 1) TO PROGRAM ''touch {file}'';--')",
        "INSERT INTO t VALUES('\\\\''', '\\')",
        "CREATE VIEW v AS SELECT c || '\\' AS x FROM t",
    )
    outcome = check_dump(
        attack_env, dump, workdir, prepare=hostile, settings_allowed=True, max_views=1
    )
    outcome.drop(lambda p: "schemas created: ['pwned']" in p)
    assert_safe(outcome, dump)


# --- 3. name resolution ----------------------------------------------------------------


@pytest.mark.pg
@needs_sqlite3
@pytest.mark.parametrize(
    "name", ["pg_authid", "pg_namespace", "pg_class", "pg_proc", "pg_database", "pg_roles"]
)
def test_table_named_like_a_catalog_gets_its_rows(
    attack_env: AttackEnv, workdir: Path, name: str
) -> None:
    # pg_catalog is searched before public: an unqualified COPY/INSERT writes the catalog.
    dump = dump_of(
        f"CREATE TABLE {name}(oid INTEGER, rolname TEXT, rolsuper INTEGER)",
        f"INSERT INTO {name} VALUES(1,'pwned_role',1)",
        f"INSERT INTO {name} VALUES(2,'x',0)",
        f"CREATE INDEX {name}_i ON {name}(rolname)",
        f"CREATE VIEW {name}_v AS SELECT rolname FROM {name}",
    )

    def count_rows(dsn: str) -> Any:
        return attack_env.server.query(
            dsn, sql.SQL("SELECT count(*) FROM public.{}").format(sql.Identifier(name))
        )

    outcome = check_dump(attack_env, dump, workdir, inspect=count_rows, max_views=1)
    assert_safe(outcome, dump)
    if outcome.inspected:
        assert outcome.inspected[0] == [(2,)]


@pytest.mark.pg
@needs_sqlite3
@pytest.mark.parametrize(
    "name", ["dumpconv_rows_1", "dumpconv_rows", "dumpconv_tmp_1", "_dumpconv_1", "t_pkey"]
)
def test_table_named_like_dumpconv_helpers(attack_env: AttackEnv, workdir: Path, name: str) -> None:
    dump = dump_of(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT)",
        "INSERT INTO t VALUES(1,'t1')",
        f"CREATE TABLE {name}(id INTEGER PRIMARY KEY, a TEXT)",
        f"INSERT INTO {name} VALUES(1,'helper1')",
        f"INSERT INTO {name} VALUES(2,'helper2')",
    )
    assert_safe(check_dump(attack_env, dump, workdir), dump)


@pytest.mark.pg
def test_data_only_dump_cannot_write_a_catalog(attack_env: AttackEnv, workdir: Path) -> None:
    # `.dump --data-only`: INSERT lines only. Into pg_authid: never pg_catalog.pg_authid.
    # With public.pg_authid in the target, the rows go there; without, a refusal or a load
    # that fails, the catalog unchanged either way.
    dump = dump_of(
        "INSERT INTO pg_authid VALUES(9999,'pwned_role',1,1,1,1,1,1,1,-1,NULL,NULL)",
        "INSERT INTO pg_namespace VALUES(9998,'pwned_ns',10,NULL)",
        data_only=True,
    )

    def precreate(dsn: str) -> None:
        attack_env.server.query(
            dsn,
            "CREATE TABLE public.pg_authid(a int, b text, c int, d int, e int, f int, g int,"
            " h int, i int, j int, k text, l text);"
            "CREATE TABLE public.pg_namespace(a int, b text, c int, d text)",
        )

    def rows(dsn: str) -> Any:
        return attack_env.server.query(
            dsn,
            "SELECT (SELECT count(*) FROM public.pg_authid),"
            " (SELECT count(*) FROM public.pg_namespace)",
        )

    outcome = check_dump(attack_env, dump, workdir, oracle=None, prepare=precreate, inspect=rows)
    assert outcome.problems == [], outcome.explain(dump)
    if not outcome.refused:
        assert outcome.inspected == [[(1, 1)]]
    # Into an empty database: whatever happens, no role and no namespace appear.
    empty = check_dump(attack_env, dump, workdir / "empty", oracle=None)
    bad = [m for kind, m in empty.found if kind != "load"]
    assert bad == [], empty.explain(dump)


def test_insert_into_a_table_the_dump_never_created_is_refused(tmp_path: Path) -> None:
    dump = dump_of(
        "CREATE TABLE t(a)",
        "INSERT INTO t VALUES(1)",
        "INSERT INTO pg_authid VALUES(1,'pwned')",
        "INSERT INTO other VALUES(1)",
    )
    run = run_dumpconv(dump, tmp_path)
    assert refusal_problems(run) + stderr_problems(run) == [], run.stderr


@pytest.mark.pg
@needs_sqlite3
def test_varchar_longer_than_postgresql_allows(attack_env: AttackEnv, workdir: Path) -> None:
    # PostgreSQL's varchar(n) stops at n = 10485760.
    dump = dump_of(
        "CREATE TABLE t(a varchar(10485761), b VARCHAR(99999999999), c NVARCHAR(10485760))",
        "INSERT INTO t VALUES('x','y','z')",
    )
    outcome = check_dump(attack_env, dump, workdir)
    assert_safe(outcome, dump)
    assert outcome.run.report is not None
    notes = [
        d
        for d in outcome.run.report["diagnostics"]
        if "10485761" in d.get("message", "") or "99999999999" in d.get("message", "")
    ]
    assert len(notes) >= 2, f"no report line for the varchar lengths: {outcome.run.stderr}"


@pytest.mark.pg
@pytest.mark.parametrize("blob", ["X'abc'", "X'zz'", "x'0'", "X'", "X'00' X'01'"])
def test_malformed_blob_default(attack_env: AttackEnv, workdir: Path, blob: str) -> None:
    # sqlite3 rejects these; dumpconv must refuse cleanly or drop the default, never crash.
    dump = dump_of(f"CREATE TABLE t(a BLOB DEFAULT {blob}, b)", "INSERT INTO t VALUES(X'00',1)")
    outcome = check_dump(attack_env, dump, workdir, oracle=None)
    assert outcome.problems == [], outcome.explain(dump)


@pytest.mark.pg
@needs_sqlite3
@pytest.mark.parametrize(
    ("table", "column"),
    [
        (b"t\xff", b"c"),
        (b"t", b"c\xc3("),
        (b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"),
        (b"t\x80", b"c\x80"),
    ],
)
def test_names_that_are_not_utf8(
    attack_env: AttackEnv, workdir: Path, table: bytes, column: bytes
) -> None:
    # Written as bytes: Python cannot hold such a name in a str for sqlite3. A refusal, or
    # the names replaced (and reported) and the rows there.
    dump = (
        b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
        b'CREATE TABLE "' + table + b'"("' + column + b'" TEXT, d INT);\n'
        b'INSERT INTO "' + table + b"\" VALUES('v1',1);\n"
        b'INSERT INTO "' + table + b"\" VALUES('v2',2);\n"
        b'CREATE INDEX "i' + column + b'" ON "' + table + b'"("' + column + b'");\n'
        b"COMMIT;\n"
    )

    def rows(dsn: str) -> Any:
        return [
            (
                table,
                attack_env.server.query(
                    dsn, sql.SQL("SELECT count(*) FROM public.{}").format(sql.Identifier(table))
                )[0][0],
            )
            for table in pg_table_types(dsn)
        ]

    accepted, err = sqlite_cli_load(dump, workdir / "check.db")
    assert accepted, f"test bug: sqlite3 rejects the dump: {err}"
    outcome = check_dump(attack_env, dump, workdir, oracle=None, inspect=rows)
    assert outcome.problems == [], outcome.explain(dump)
    if not outcome.refused:
        assert [n for _t, n in outcome.inspected[0]] == [2], outcome.inspected
        assert outcome.run.report is not None
        assert outcome.run.report["diagnostics"], "the replaced names are not reported"


# --- 6. COPY framing and the NUL policy --------------------------------------------------


def _nul_dump(rows: int) -> bytes:
    stmts = ["CREATE TABLE a(id INTEGER PRIMARY KEY, s TEXT, b BLOB, m)"]
    for i in range(1, rows + 1):
        pos = i % 4
        text = ["'x'||char(0)", "char(0)||'y'", "'a'||char(0)||char(0)||'b'", "char(0)"][pos]
        mixed = "X'0001'" if i % 5 == 0 else "'m'||char(0)||'n'"
        stmts.append(f"INSERT INTO a VALUES({i},{text},X'00{i:02x}00',{mixed})")
    stmts.append("INSERT INTO a VALUES(1000,'\\.',X'5c2e',replace('\\.\\n\\.','\\n',char(10)))")
    stmts.append("CREATE TABLE b(id INTEGER PRIMARY KEY, s TEXT)")
    stmts += [f"INSERT INTO b VALUES({i},'b{i}')" for i in range(1, 6)]
    return dump_of(*stmts)


@pytest.mark.pg
@needs_sqlite3
@pytest.mark.parametrize("policy", ["replace", "strip"])
def test_nul_in_many_rows_then_another_table(
    attack_env: AttackEnv, workdir: Path, policy: str
) -> None:
    # No row lost or merged, the NUL policy applied to text (bytea keeps its NULs), and each
    # changed value reported as lossy.
    dump = _nul_dump(40)
    args = [] if policy == "replace" else ["--nul", policy]

    def counts(dsn: str) -> Any:
        return attack_env.server.query(
            dsn, "SELECT (SELECT count(*) FROM public.a), (SELECT count(*) FROM public.b)"
        )

    outcome = check_dump(attack_env, dump, workdir, args=args, nul=policy, inspect=counts)
    assert not outcome.refused, outcome.explain(dump)
    assert_safe(outcome, dump)
    assert outcome.inspected == [[(41, 5)]]


@needs_sqlite3
def test_nul_refuse_policy(tmp_path: Path) -> None:
    dump = _nul_dump(3)
    run = run_dumpconv(dump, tmp_path, ["--nul", "refuse"])
    assert refusal_problems(run) + stderr_problems(run) == [], run.stderr
    assert re.match(r"dumpconv: error: line \d+: ", run.stderr), run.stderr


@pytest.mark.pg
@needs_sqlite3
def test_copy_end_marker_and_meta_commands_in_values(attack_env: AttackEnv, workdir: Path) -> None:
    meta = f"\\! touch {canary_path(attack_env, 'value_meta')}"
    values = [
        f"'\n\\.\n{meta}\n'",
        f"'\\.\n{meta}'",
        f"'\r\n\\.\r\n{meta}'",
        f"replace('x\\n\\.\\n{meta}','\\n',char(10))",
        f"'\n\\unrestrict {RESTRICT_KEY}\n{meta}\n'",
        f"'\n\\unrestrict {OTHER_KEY}\n'",
        "'\\N'",
        "'a\tb\\tc\\\\'",
        "char(13)||'\\.'||char(13)",
    ]
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT, b BLOB)"]
    for i, v in enumerate(values, 1):
        stmts.append(f"INSERT INTO t VALUES({i},{v},CAST({v} AS BLOB))")
    dump = dump_of(*stmts)
    assert_safe(check_dump(attack_env, dump, workdir), dump)


@pytest.mark.pg
def test_crlf_inside_a_literal(attack_env: AttackEnv, workdir: Path) -> None:
    # CR LF inside a string literal or a quoted name (iterdump writes such text raw). The
    # sqlite3 CLI drops the CR when it reads the dump (it reads by lines); SQLite itself
    # (Python's sqlite3) keeps it: the database the dump came from had it, so that is the
    # oracle here, and the framing must hold either way.
    dump = dump_of(
        'CREATE TABLE "a\r\nb"("c\r\nd" TEXT, e TEXT DEFAULT \'x\r\ny\')',
        "INSERT INTO \"a\r\nb\" VALUES('p\r\nq','\r\n\\.\r\n')",
        "INSERT INTO \"a\r\nb\" VALUES('\r\n','\\\r\n')",
    )
    assert_safe(check_dump(attack_env, dump, workdir, oracle="python"), dump)


UNISTR_CASES = [
    ("a\\u0000b", "a\ufffdb"),
    ("\\u000a\\\\! touch x\\u000a", "\n\\! touch x\n"),
    ("\\u000d\\u000a\\\\.\\u000a", "\r\n\\.\n"),
    ("\\u001b[2J", "\x1b[2J"),
    ("it''s", "it's"),
    ("\\\\u0041", "\\u0041"),
]
#: unistr() escapes SQLite reads that the CLI never writes (shared/docs/sqlite-dump-format.md).
UNISTR_OTHER_FORMS = [("\\u0041\\U0001F600\\+01F600\\0042", "A\U0001f600\U0001f600B")]


@pytest.mark.pg
@pytest.mark.parametrize(
    "cases",
    [
        UNISTR_CASES,
        pytest.param(
            UNISTR_OTHER_FORMS,
            marks=pytest.mark.xfail(
                strict=True,
                reason="deliberate, per sqlite-dump-format.md §4.3: dumpconv keeps \\XXXX, "
                "\\+XXXXXX and \\UXXXXXXXX inside unistr() as written, to read the "
                "undoubled backslashes of the 3.50-3.51 --newlines output ('C:\\2024'); "
                "SQLite decodes them (no writer emits them)",
            ),
        ),
    ],
    ids=["cli", "other"],
)
def test_unistr_values(attack_env: AttackEnv, workdir: Path, cases: list[tuple[str, str]]) -> None:
    # CLI 3.50+ writes text with control characters as unistr('…'); unistr can make a NUL.
    # (This machine's sqlite3 may not know unistr(): the expected values are written here.)
    stmts = ["CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT)"]
    stmts += [f"INSERT INTO t VALUES({i},unistr('{body}'))" for i, (body, _) in enumerate(cases)]
    dump = dump_of(*stmts)

    def rows(dsn: str) -> Any:
        return attack_env.server.query(dsn, "SELECT id, s FROM public.t ORDER BY id")

    outcome = check_dump(attack_env, dump, workdir, oracle=None, inspect=rows)
    assert outcome.problems == [], outcome.explain(dump)
    if not outcome.refused:
        expected = [(i, value) for i, (_body, value) in enumerate(cases)]
        assert outcome.inspected == [expected]


# --- 4. names and values in comments and messages ---------------------------------------


NAME_ATTACKS = [
    "a\nCREATE TABLE pwned_1();\n--",
    "a\rCREATE TABLE pwned_1();\r--",
    "a\n\\! touch {canary}/name_meta\n",
    "a\r\\! touch {canary}/name_cr\r",
    "a\n\\unrestrict " + RESTRICT_KEY + "\n\\! touch {canary}/name_unrestrict\n",
    "x*/; CREATE TABLE pwned_1(); /*",
    "x'; CREATE TABLE pwned_1(); --",
    "x%'; RAISE WARNING '%",
    "x$dumpconv$; CREATE TABLE pwned_1(); DO $dumpconv$ BEGIN --",
    "x\u2028CREATE TABLE pwned_1();",
    "x\u0085CREATE TABLE pwned_1();",
]


@pytest.mark.pg
@needs_sqlite3
@pytest.mark.parametrize("attack", NAME_ATTACKS, ids=range(len(NAME_ATTACKS)))
@pytest.mark.parametrize("place", ["table", "column", "index", "view", "constraint", "trigger"])
def test_names_that_would_end_a_comment_or_a_literal(
    attack_env: AttackEnv, workdir: Path, attack: str, place: str
) -> None:
    name = attack.format(canary=attack_env.canary)
    q = _qi(name)
    t, c, i, v, k, tr = (
        q if place == p else d
        for p, d in [
            ("table", "t"), ("column", "c"), ("index", "i"), ("view", "v"), ("constraint", "k"),
            ("trigger", "tr"),
        ]
    )  # fmt: skip
    dump = dump_of(
        f"CREATE TABLE {t}(id INTEGER PRIMARY KEY, {c} TEXT DEFAULT (lower('A')) "
        f"CONSTRAINT {k} CHECK (length({c}) < 100), g TEXT AS (upper({c})) STORED)",
        f"INSERT INTO {t} VALUES(1,'a')",
        f"CREATE VIEW {v} AS SELECT {c} FROM {t}",
        f"CREATE TRIGGER {tr} AFTER INSERT ON {t} BEGIN SELECT 1; END",
        f"CREATE INDEX {i} ON {t}(lower({c})) WHERE {c} IS NOT NULL",
    )
    assert_safe(check_dump(attack_env, dump, workdir, max_views=1), dump)


@pytest.mark.pg
@needs_sqlite3
def test_names_equal_after_63_bytes_keep_their_rows_apart(
    attack_env: AttackEnv, workdir: Path
) -> None:
    long = "n" * 70
    dump = dump_of(
        f'CREATE TABLE "{long}a"(x TEXT, "{long}c" INT, "{long}d" INT)',
        f"INSERT INTO \"{long}a\" VALUES('a',1,2)",
        f'CREATE TABLE "{long}b"(x TEXT)',
        f"INSERT INTO \"{long}b\" VALUES('b')",
    )

    def tables(dsn: str) -> Any:
        return sorted(pg_table_types(dsn).values(), key=len)

    outcome = check_dump(attack_env, dump, workdir, oracle=None, inspect=tables)
    assert outcome.problems == [], outcome.explain(dump)
    if not outcome.refused:
        assert [len(cols) for cols in outcome.inspected[0]] == [1, 3]


def _evil_name(env: AttackEnv, tag: str) -> str:
    return f"v\n\\! touch {env.canary}/{tag}\n*/;CREATE TABLE pwned_1();--\r$dumpconv$\x1b[2J"


def _count_t(env: AttackEnv) -> Callable[[str], Any]:
    return lambda dsn: env.server.query(dsn, "SELECT count(*) FROM public.t")


@pytest.mark.pg
def test_virtual_table_and_planner_rows_with_hostile_text(
    attack_env: AttackEnv, workdir: Path
) -> None:
    # Skipped objects are shown in comments and the report: a virtual table's schema row,
    # its shadow tables, sqlite_stat1 rows.
    evil = _evil_name(attack_env, "vtab")
    lit = sql_string(evil)
    create = sql_string(f"CREATE VIRTUAL TABLE {_qi(evil)} USING fts5(a, b)")
    dump = (
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nPRAGMA writable_schema=ON;\n"
        "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)"
        f"VALUES('table',{lit},{lit},0,{create});\n"
        f"CREATE TABLE IF NOT EXISTS {sql_string(evil + '_data')}"
        "(id INTEGER PRIMARY KEY, block BLOB);\n"
        f"INSERT INTO {_qi(evil + '_data')} VALUES(1,X'00');\n"
        "CREATE TABLE t(a);\nINSERT INTO t VALUES(1);\n"
        "ANALYZE sqlite_schema;\n"
        f"INSERT INTO sqlite_stat1 VALUES({lit},{lit},{lit});\n"
        "PRAGMA writable_schema=OFF;\nCOMMIT;\n"
    ).encode()
    outcome = check_dump(attack_env, dump, workdir, oracle=None, inspect=pg_table_types)
    assert outcome.problems == [], outcome.explain(dump)
    if not outcome.refused:
        # README: virtual tables and their shadow tables are skipped.
        assert list(outcome.inspected[0]) == ["t"], outcome.explain(dump)


@pytest.mark.pg
def test_error_comments_of_an_incomplete_dump_with_hostile_text(
    attack_env: AttackEnv, workdir: Path
) -> None:
    # sqlite3 reports damage as comments with two raw context lines; --allow-incomplete
    # converts what there is and reports each error: their text is input too.
    evil = _evil_name(attack_env, "errcomment")
    dump = (
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
        "CREATE TABLE t(a);\nINSERT INTO t VALUES(1);\n"
        f"/****** CORRUPTION ERROR {evil} *******/\n"
        f"/**** ERROR: (11) database disk image is malformed {evil} *****/\n"
        f"SELECT * FROM {_qi(evil)}\n"
        "^--- error here\n"
        f"/****** {evil} ******/\n"
        "ROLLBACK; -- due to errors\n"
    ).encode()
    outcome = check_dump(
        attack_env,
        dump,
        workdir,
        oracle=None,
        args=["--allow-incomplete"],
        inspect=_count_t(attack_env),
    )
    assert outcome.problems == [], outcome.explain(dump)
    if not outcome.refused:
        assert outcome.inspected == [[(1,)]]


# --- 8. the terminal ---------------------------------------------------------------------

ESCAPES = ["\x1b[2J\x1b[H", "\x1b]0;pwned\x07", "\x9b31m", "\r", "\x08\x08\x08", "\x7f", "\x00"]


@needs_sqlite3
@pytest.mark.parametrize("esc", ESCAPES, ids=range(len(ESCAPES)))
def test_control_characters_never_reach_stderr(tmp_path: Path, esc: str) -> None:
    raw = esc.replace("\x00", "")
    name = _qi(f"t{raw}dumpconv: 0 tables")
    dumps = {
        # reported decisions that name the table, the column and the value
        "report": dump_of(
            f"CREATE TABLE {name}({_qi('c' + raw)} VARCHAR(1), d BOOLEAN, e DATETIME)",
            f"INSERT INTO {name} VALUES({sql_string('long value' + esc)},2,'x{raw}')",
            f"CREATE TRIGGER {_qi('tr' + raw)} AFTER INSERT ON {name} BEGIN SELECT 1; END",
        ),
        # refusals that quote the input
        "undeclared": dump_of("CREATE TABLE t(a)", f"INSERT INTO {name} VALUES(1)"),
        "truncated": dump_of(f"CREATE TABLE {name}(a)")[:-8],
        "bad-utf8": dump_of(f"CREATE TABLE {name}(a)", f"INSERT INTO {name} VALUES('\udcff')"),
    }
    for label, dump in dumps.items():
        args = ["--invalid-utf8", "refuse"] if label == "bad-utf8" else []
        run = run_dumpconv(dump, tmp_path / label, args)
        assert stderr_problems(run) == [], f"{label}: {run.stderr!r}"
        if label != "report":
            assert refusal_problems(run) == [], f"{label}: {run.stderr!r}"
        elif (tmp_path / label / "report.json").exists():
            # The JSON report is read by people too (less, cat): no raw ESC or CSI in it.
            text = (tmp_path / label / "report.json").read_text(encoding="utf-8", errors="replace")
            assert not re.search("[\x1b\x9b\x07]", text), f"{label}: raw escapes in the report"


# --- 2. functions with side effects -------------------------------------------------------

SIDE_EFFECTS = {
    "lo_export": "lo_export(lo_from_bytea(0, 'x'), '{canary}/se_lo')",
    "pg_sleep": "pg_sleep(100)",
    "set_config": "set_config('search_path', 'pwned', false)",
    "repeat": "repeat('x', 1000000000)",
    "pg_read_file": "pg_read_file('/etc/hostname')",
    "dblink": "dblink('dbname=postgres', 'SELECT 1')",
    "current_setting": "current_setting('data_directory')",
}
SIDE_EFFECT_PLACES = ["check", "default", "expression-index", "partial-index", "generated", "view"]


def code_lines(script: str) -> str:
    """The script without its comment lines: lines whose first non-blank characters are
    ``--`` and that hold no CR (PostgreSQL and psql end a ``--`` comment at CR too). A left-out
    definition may be shown in such a comment; it is not a call."""
    return "\n".join(
        line
        for line in script.split("\n")
        if not (line.lstrip(" \t").startswith("--") and "\r" not in line)
    )


def _side_effect_dump(place: str, call: str) -> tuple[bytes, bool]:
    """The dump, and whether the sqlite3 CLI can load it (it rejects a CHECK, index or
    generated column calling a function it does not know; an application that defines the
    function wrote such a database, and ``.dump`` writes it)."""
    stmts = {
        "check": [f"CREATE TABLE t(c TEXT CHECK ({call} IS NOT NULL OR c IS NOT NULL))"],
        "default": [f"CREATE TABLE t(c TEXT DEFAULT ({call}))"],
        "expression-index": ["CREATE TABLE t(c TEXT)", f"CREATE INDEX i ON t(({call}))"],
        "partial-index": [
            "CREATE TABLE t(c TEXT)",
            f"CREATE INDEX i ON t(c) WHERE {call} IS NOT NULL",
        ],
        "generated": [f"CREATE TABLE t(c TEXT, g TEXT AS ({call}) STORED)"],
        "view": ["CREATE TABLE t(c TEXT)", f"CREATE VIEW v AS SELECT {call} AS x, c FROM t"],
    }[place]
    create, *rest = stmts
    return dump_of(create, "INSERT INTO t VALUES('a')", *rest), place in ("default", "view")


@pytest.mark.pg
@needs_sqlite3
@pytest.mark.parametrize("place", SIDE_EFFECT_PLACES)
@pytest.mark.parametrize("function", sorted(SIDE_EFFECTS))
def test_functions_with_side_effects_are_left_out(
    attack_env: AttackEnv, workdir: Path, function: str, place: str
) -> None:
    call = SIDE_EFFECTS[function].format(canary=attack_env.canary)
    dump, cli_loads = _side_effect_dump(place, call)
    outcome = check_dump(
        attack_env,
        dump,
        workdir,
        oracle="cli" if cli_loads else "python",
        stubs=[function, "lo_from_bytea"],
        max_views=1,
    )
    if outcome.run.output is not None:
        code = code_lines(outcome.run.script)
        code = re.sub(r"set_config\('search_path', *'', *false\)", "", code)
        calls = re.findall(rf'(?i)\b"?{function}"?\s*\(', code)
        assert not calls, f"{function}( appears in the script:\n{outcome.run.script}"
    assert_safe(outcome, dump)


# --- 11. the restrict key ----------------------------------------------------------------


def _keys(script: str) -> list[str]:
    return re.findall(r"^\\(?:un)?restrict (\S+)", script, re.MULTILINE)


def test_restrict_key_is_random_per_run_and_not_in_the_input(tmp_path: Path) -> None:
    # The input holds many candidate keys (hex and alphanumeric runs of every length).
    candidates = [os.urandom(n).hex() for n in (8, 16, 32)] + ["a" * 64, "0" * 32]
    values = ",".join(f"'{c}'" for c in candidates)
    dump = dump_of(
        "CREATE TABLE t(a, b, c, d, e)",
        f"INSERT INTO t VALUES({values})",
    )
    first = run_dumpconv(dump, tmp_path / "1", key=None)
    second = run_dumpconv(dump, tmp_path / "2", key=None)
    assert first.exit_code == 0, first.stderr
    assert second.exit_code == 0, second.stderr
    k1, k2 = _keys(first.script), _keys(second.script)
    assert len(k1) == 2, k1
    assert len(set(k1)) == 1, k1
    assert len(k2) == 2, k2
    assert len(set(k2)) == 1, k2
    assert k1[0] != k2[0], "two runs without --restrict-key wrote the same key"
    assert len(k1[0]) >= 32, k1[0]
    assert re.fullmatch(r"[A-Za-z0-9]+", k1[0]), k1[0]
    text = dump.decode()
    assert k1[0] not in text
    assert k2[0] not in text


def test_restrict_key_option_makes_output_reproducible(tmp_path: Path) -> None:
    assert "--restrict-key" in cli_options(), "dumpconv has no --restrict-key option"
    dump = dump_of("CREATE TABLE t(a)", "INSERT INTO t VALUES(1)")
    first = run_dumpconv(dump, tmp_path)  # the same paths: the header names the input
    second = run_dumpconv(dump, tmp_path)
    assert first.exit_code == 0, first.stderr
    assert _keys(first.script) == [RESTRICT_KEY, RESTRICT_KEY]
    assert first.output == second.output


@pytest.mark.parametrize("bad", ["", "a b", "k\n\\! id", "key;", "k'ey", "x" * 2000])
def test_restrict_key_option_rejects_keys_psql_would_misread(tmp_path: Path, bad: str) -> None:
    dump = dump_of("CREATE TABLE t(a)", "INSERT INTO t VALUES(1)")
    run = run_dumpconv(dump, tmp_path, ["--restrict-key", bad], key=None)
    if run.exit_code == 0:
        facts = analyze_script(run.script)
        assert facts.problems == [], facts.problems
        assert len(_keys(run.script)) == 2
    else:
        assert run.exit_code in (1, 2), run.stderr
        assert run.output is None
        assert stderr_problems(run) == []


@pytest.mark.pg
@needs_sqlite3
def test_restrict_key_present_in_the_input(attack_env: AttackEnv, workdir: Path) -> None:
    # The user's fixed key occurs in the input, at a line start and after a line break in
    # a name and in a value: the restriction must still hold (or dumpconv refuses).
    file = canary_path(attack_env, "keyinput")
    escape = f"\n\\unrestrict {RESTRICT_KEY}\n\\! touch {file}\n"
    dump = dump_of(
        f"CREATE TABLE {_qi('t' + escape)}(c TEXT CHECK (c <> {sql_string(escape)} OR 1))",
        f"INSERT INTO {_qi('t' + escape)} VALUES({sql_string(escape)})",
        f"CREATE VIEW v AS SELECT {sql_string(escape)} AS x",
    )
    assert_safe(check_dump(attack_env, dump, workdir, max_views=1), dump)


# --- the shape every script must have ---------------------------------------------------


@pytest.mark.pg
@needs_sqlite3
def test_every_name_is_schema_qualified_and_search_path_is_empty(
    attack_env: AttackEnv, workdir: Path
) -> None:
    dump = dump_of(
        "CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT UNIQUE, v REAL DEFAULT 1.5)",
        "INSERT INTO parent VALUES(1,'a',2.0)",
        "CREATE TABLE child(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id),"
        " n INT CHECK (n > 0), g AS (n * 2) STORED)",
        "INSERT INTO child VALUES(1,1,3)",
        "CREATE VIEW pv AS SELECT p.name, c.n FROM parent p JOIN child c ON c.pid = p.id",
        "CREATE INDEX ci ON child(lower(n)) WHERE n > 1",
    )
    outcome = check_dump(attack_env, dump, workdir, max_views=1)
    assert_safe(outcome, dump)
    facts = outcome.facts
    assert facts is not None
    assert facts.unqualified == [], f"relations named without a schema: {facts.unqualified}"
    assert facts.search_path_reset_line is not None, "the script does not empty search_path"
    assert facts.first_create_line is None or facts.search_path_reset_line < facts.first_create_line


# --- the refusal contract, from a real process ------------------------------------------


REFUSALS = {
    "truncated": dump_of("CREATE TABLE t(a)", "INSERT INTO t VALUES(1)")[:-9],
    "undeclared": dump_of("CREATE TABLE t(a)", "INSERT INTO u VALUES(1)"),
    "unterminated-string": b"BEGIN TRANSACTION;\nCREATE TABLE t(a);\nINSERT INTO t VALUES('x);\n",
    "invalid-utf8": dump_of("CREATE TABLE t(a)", "INSERT INTO t VALUES('\udcff')"),
    "nul": dump_of("CREATE TABLE t(a TEXT)", "INSERT INTO t VALUES('a'||char(0))"),
    "garbage": b"\x00\xff\xfe" * 100,
}
REFUSAL_ARGS = {"invalid-utf8": ["--invalid-utf8", "refuse"], "nul": ["--nul", "refuse"]}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_are_one_line_from_the_real_command(tmp_path: Path, case: str) -> None:
    run = run_dumpconv(REFUSALS[case], tmp_path, REFUSAL_ARGS.get(case, []), subprocess_cli=True)
    assert refusal_problems(run) + stderr_problems(run) == [], run.stderr


def test_contract_options_exist() -> None:
    options = cli_options()
    missing = {"--restrict-key", "--nul", "--invalid-utf8", "--report", "--output"} - options
    assert not missing, f"dumpconv --help lacks {sorted(missing)}"
    help_text = CliRunner().invoke(app, ["--help"], terminal_width=200).output
    assert re.search(r"replace\|strip\|refuse", help_text), "--nul lacks replace|strip|refuse"


# --- the oracles themselves ---------------------------------------------------------------


def test_analyzer_sees_what_psql_would_run() -> None:
    key = RESTRICT_KEY
    good = (
        f"\\set ON_ERROR_STOP on\n\\restrict {key}\n"
        "SELECT pg_catalog.set_config('search_path', '', false);\nBEGIN;\n"
        "CREATE TABLE public.t (a text);\nCOPY public.t (a) FROM stdin;\n"
        "x\\\\y\n\\.\n"
        "DO $dumpconv$\nBEGIN\n    CREATE INDEX i ON public.t (lower(a));\n"
        "EXCEPTION WHEN others THEN RAISE WARNING 'x %', SQLERRM;\nEND\n$dumpconv$;\n"
        f"COMMIT;\n\\unrestrict {key}\n"
    )
    facts = analyze_script(good, key=key)
    assert facts.problems == [], facts.problems
    assert facts.unqualified == []
    assert facts.search_path_reset_line == 3
    assert facts.copy_rows == 1
    bad_cases = {
        "-- c\r\\! touch x\n": "meta-command",
        "-- c\rSELECT pg_sleep(1);\n": "pg_sleep",
        "CREATE TABLE public.t (a text CHECK (a <> '' /* /* */ OR pg_sleep(1) IS NULL));\n*/\n": "",
        "COPY pg_authid FROM stdin;\n\\.\n": "system catalog",
        "DO $$ BEGIN EXECUTE 'SELECT lo_export(1, ''/tmp/x'')'; END $$;\n": "lo_export",
        "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS '1';\n": "a function",
        "CREATE FUNCTION public.f() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS "
        "$$BEGIN RETURN NULL; END$$;\n": "a function with security",
        "CREATE FUNCTION public.f() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN PERFORM pg_sleep(1); RETURN NULL; END$$;\n": "pg_sleep",
        "CREATE FUNCTION public.f() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN DELETE FROM pg_catalog.pg_class; RETURN NULL; END$$;\n": "writes to pg_catalog",
        "CREATE FUNCTION public.f() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN PERFORM set_config('role', 'x', false); RETURN NULL; END$$;\n": "set_config",
        "CREATE TRIGGER t AFTER INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION "
        "pg_catalog.f();\n": "a trigger calling",
        "UPDATE public.t SET a = '';\n": "UpdateStmt",
        "COPY (SELECT 1) TO PROGRAM 'id';\n": "COPY other",
        "SET search_path = public;\n": "search_path",
        "SELECT 1 \\g /tmp/x\n": "meta-command",
        "-- c\rCREATE TABLE public.pwned_1();\n": "ends at a CR",
        "/* a /* b */ x */ SELECT 1;\n": "nested",
    }
    for text, expected in bad_cases.items():
        script = good.replace("COMMIT;\n", text + "COMMIT;\n")
        found = analyze_script(script, key=key).problems
        assert found, f"nothing found in {text!r}"
        assert any(expected in p for p in found), (text, found)


@pytest.mark.pg
def test_canaries_show_a_successful_attack(attack_env: AttackEnv, workdir: Path) -> None:
    # The oracle itself: a script that does what the attacks try is caught by each check.
    file = canary_path(attack_env, "direct")
    script = (
        "CREATE TABLE pwned_1();\n"
        f"COPY (SELECT 1) TO PROGRAM 'touch {file}_program';\n"
        "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "CREATE TABLE public.t (a text DEFAULT pg_catalog.current_setting('work_mem'));\n"
        "ALTER ROLE CURRENT_USER NOSUPERUSER;\n"
        f"\\! touch {file}_meta\n"
    )
    dsn = attack_env.server.create_db("atk")
    try:
        path = workdir / "direct.sql"
        path.write_text(script)
        load = load_script(attack_env, dsn, path)
        assert load.returncode == 0, load.stderr
        files = canary_files(attack_env)
        assert sorted(files) == ["direct_meta", "direct_program"], files
        problems = database_problems(attack_env, dsn)
        assert any("pg_proc" in p for p in problems), problems
        assert any("pwned_1" in p for p in problems), problems
        assert any("current_setting" in p for p in problems), problems
    finally:
        attack_env.server.drop_db(dsn)
        server = server_problems(attack_env)
        restore_server(attack_env)
    assert any("roles changed" in p for p in server), server
    assert server_problems(attack_env) == []
    assert canary_files(attack_env) == []
