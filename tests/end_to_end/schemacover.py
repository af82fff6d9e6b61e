"""The coverage checker of tests/end_to_end/test_schema_coverage.py (issue 12): every object
of a SQLite schema exists in PostgreSQL after the load, or the report names it with its reason.

:func:`sqlite_objects` lists what SQLite's catalog holds (``sqlite_master``: tables, virtual
tables and their storage tables, indexes, views, triggers; per table: its primary key, the
UNIQUE constraints behind SQLite's autoindexes, foreign keys with their actions, CHECK
constraints and generated columns). :func:`pg_catalog` reads what the loaded database holds
(pg_class, pg_index, pg_constraint, pg_trigger, pg_attribute.attgenerated).
:class:`Coverage` looks for each object in PostgreSQL, by its name as dumpconv maps it or by
its shape (table, columns, uniqueness); an object not there must be named by a report line
that says it was left out. :func:`assert_schema_covered` does it all for one database.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.pgharness import PgServer

# --- the catalogs ----------------------------------------------------------------------------

#: A report line says the object is not in the output: what it names, and why.
LEFT_OUT = re.compile(
    r"not created|not converted|not recreated|skipped|dropped|left out", re.IGNORECASE
)

#: The objects others belong to (a trigger may belong to a view).
OWNERS = ("table", "virtual table", "view")

#: PostgreSQL's confdeltype/confupdtype letters, as SQLite's PRAGMA foreign_key_list says them.
FK_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}

_TOKEN = re.compile(
    r"""(?P<space>\s+|--[^\n]*|/\*.*?(?:\*/|\Z))
      |(?P<string>'(?:[^']|'')*')
      |(?P<ident>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
      |(?P<word>[^\W\d][\w$]*)
      |(?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # string, ident, word or other
    value: str  # unquoted for identifiers and strings
    start: int  # where it is in the text
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.value.upper() in words


def tokens(sql: str) -> list[Token]:
    """SQLite's SQL as tokens, without spaces and comments."""
    out = []
    for m in _TOKEN.finditer(sql):
        kind = m.lastgroup
        assert kind is not None
        text = m.group()
        if kind == "space":
            continue
        if kind in ("ident", "string"):
            text = text[1:-1]
            if m.group()[0] in "\"'`":
                text = text.replace(m.group()[0] * 2, m.group()[0])
        out.append(Token(kind, text, m.start(), m.end()))
    return out


def created_name(sql: str) -> tuple[str, bool]:
    """The name a CREATE statement gives, and whether it was quoted."""
    toks = tokens(sql)
    i = 1
    skip = ("TEMP", "TEMPORARY", "UNIQUE", "VIRTUAL", "TABLE", "INDEX", "VIEW", "TRIGGER")
    while toks[i].is_word(*skip, "IF", "NOT", "EXISTS"):
        i += 1
    if i + 2 < len(toks) and toks[i + 1].value == "." and toks[i + 1].kind == "other":
        i += 2  # schema.name
    return toks[i].value, toks[i].kind != "word"


def pg_ident(name: str, quoted: bool) -> str:
    """The name dumpconv gives PostgreSQL (README, "names"): a quoted name as it is, a bare
    one folded to lower case; cut to 63 bytes."""
    name = name if quoted else name.lower()
    return name.encode()[:63].decode("utf-8", "ignore")


@dataclass(frozen=True)
class Check:
    name: str | None
    expr: str
    columns: frozenset[str]  # the table's columns it names, lower case


def checks_of(sql: str, columns: Iterable[str]) -> list[Check]:
    """The CHECK constraints of a CREATE TABLE (column and table constraints)."""
    known = {c.lower() for c in columns}
    toks = tokens(sql)
    found = []
    for i, tok in enumerate(toks):
        if not tok.is_word("CHECK") or toks[i + 1].value != "(":
            continue
        name = toks[i - 1].value if i >= 2 and toks[i - 2].is_word("CONSTRAINT") else None
        depth, j = 0, i + 1
        body: list[Token] = []
        while True:
            t = toks[j]
            if t.kind == "other" and t.value == "(":
                depth += 1
            elif t.kind == "other" and t.value == ")":
                depth -= 1
                if depth == 0:
                    break
            body.append(t)
            j += 1
        expr = sql[body[0].end : toks[j].start].strip()
        cols = frozenset(t.value.lower() for t in body if t.kind in ("word", "ident"))
        found.append(Check(name, expr, cols & known))
    return found


@dataclass(frozen=True)
class Obj:
    """One object of the SQLite schema."""

    kind: str  # table, virtual table, view, trigger, index, primary key, unique, foreign key,
    #          check, generated column
    table: str  # the SQLite table it belongs to (its own name for tables and views)
    name: str | None = None  # its SQLite name, when it has one
    pg_name: str | None = None  # the PostgreSQL name it gets
    columns: tuple[str, ...] = ()  # SQLite column names ("" for an expression)
    unique: bool = False
    partial: bool = False
    ref_table: str = ""  # foreign keys: the referenced table and the actions
    actions: tuple[str, str] = ("NO ACTION", "NO ACTION")
    sql: str = ""

    def describe(self) -> str:
        what = f"{self.kind} {self.name or ''}".rstrip()
        if self.kind not in ("table", "virtual table", "view"):
            what += f" on {self.table}"
        if self.columns:
            what += f" ({', '.join(c or '<expr>' for c in self.columns)})"
        if self.ref_table:
            what += f" -> {self.ref_table} ON DELETE {self.actions[0]} ON UPDATE {self.actions[1]}"
        if self.sql:
            what += f": {' '.join(self.sql.split())[:160]}"
        return what


def sqlite_objects(db: Path) -> list[Obj]:
    """Every object of the SQLite database's schema (SQLite's own sqlite_* tables aside:
    sqlite_sequence becomes the sequences' values, sqlite_stat1 is the planner's)."""
    con = sqlite3.connect(db)
    try:
        return list(_objects(con))
    finally:
        con.close()


def _objects(con: sqlite3.Connection) -> Iterator[Obj]:
    master = con.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid"
    ).fetchall()
    tables = {}
    for kind, name, table, sql in master:
        if name.startswith("sqlite_"):
            continue  # internal tables, and autoindexes (listed with their tables below)
        pg = pg_ident(*created_name(sql))
        if kind == "table":
            virtual = tokens(sql)[1].is_word("VIRTUAL")
            yield Obj("virtual table" if virtual else "table", name, name, pg, sql=sql)
            if not virtual:
                tables[name] = sql
        elif kind == "view":
            yield Obj("view", name, name, pg, sql=sql)
        elif kind == "trigger":
            yield Obj("trigger", table, name, pg, sql=sql)
        elif kind == "index":
            info = _index(con, table, name)
            yield Obj("index", table, name, pg, info[0], info[1], info[2], sql=sql)
    for table, sql in tables.items():
        xinfo = con.execute(f"PRAGMA table_xinfo({_q(table)})").fetchall()
        pk = sorted((r[5], r[1]) for r in xinfo if r[5])
        if pk:
            yield Obj("primary key", table, columns=tuple(c for _, c in pk))
        for _seq, index, _unique, origin, _partial in con.execute(
            f"PRAGMA index_list({_q(table)})"
        ).fetchall():
            if origin == "u":
                yield Obj("unique", table, columns=_index(con, table, index)[0], unique=True)
        fks: dict[int, list[Any]] = {}
        for fid, _seq, ref, col, _to, on_update, on_delete, _match in con.execute(
            f"PRAGMA foreign_key_list({_q(table)})"
        ).fetchall():
            fks.setdefault(fid, [ref, [], (on_delete, on_update)])[1].append(col)
        for ref, cols, actions in fks.values():
            yield Obj("foreign key", table, columns=tuple(cols), ref_table=ref, actions=actions)
        for check in checks_of(sql, (r[1] for r in xinfo)):
            yield Obj("check", table, check.name, None, tuple(sorted(check.columns)),
                      sql=f"CHECK ({check.expr})")  # fmt: skip
        for r in xinfo:
            if r[6] in (2, 3):
                yield Obj("generated column", table, r[1], columns=(r[1],),
                          sql=f"{'VIRTUAL' if r[6] == 2 else 'STORED'} {r[2]}")  # fmt: skip


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _index(con: sqlite3.Connection, table: str, index: str) -> tuple[tuple[str, ...], bool, bool]:
    cols = tuple(r[2] or "" for r in con.execute(f"PRAGMA index_info({_q(index)})").fetchall())
    for _seq, name, unique, _origin, partial in con.execute(f"PRAGMA index_list({_q(table)})"):
        if name == index:
            return cols, bool(unique), bool(partial)
    raise AssertionError(f"index {index} is not in PRAGMA index_list({table})")


@dataclass
class PgCatalog:
    """What schema public of the loaded database holds."""

    relations: dict[str, str] = field(default_factory=dict)  # name -> relkind
    columns: dict[tuple[str, str], str] = field(default_factory=dict)  # -> attgenerated
    # table, name, unique, primary, partial, key columns ("" for an expression)
    indexes: list[tuple[str, str, bool, bool, bool, tuple[str, ...]]] = field(default_factory=list)
    # table, name, contype, columns, referenced table, on delete, on update
    constraints: list[tuple[str, str, str, tuple[str, ...], str, str, str]] = field(
        default_factory=list
    )
    triggers: set[tuple[str, str]] = field(default_factory=set)


PUBLIC = "JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'"


def pg_catalog(server: PgServer, dsn: str) -> PgCatalog:
    cat = PgCatalog()
    for name, kind in server.query(
        dsn, f"SELECT t.relname, t.relkind::text FROM pg_class t {PUBLIC}"
    ):
        cat.relations[name] = kind
    for table, column, generated in server.query(
        dsn,
        f"SELECT t.relname, a.attname, a.attgenerated::text FROM pg_attribute a "
        f"JOIN pg_class t ON t.oid = a.attrelid {PUBLIC} WHERE a.attnum > 0 AND NOT a.attisdropped",
    ):
        cat.columns[(table, column)] = generated
    for table, name, unique, primary, partial, cols in server.query(
        dsn,
        "SELECT t.relname, i.relname, x.indisunique, x.indisprimary, x.indpred IS NOT NULL, "
        "ARRAY(SELECT coalesce(a.attname::text, '') FROM unnest(x.indkey::int2[]) "
        "WITH ORDINALITY k(n, o) LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid "
        "AND a.attnum = k.n WHERE k.o <= x.indnkeyatts ORDER BY k.o) "
        f"FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        f"JOIN pg_class t ON t.oid = x.indrelid {PUBLIC}",
    ):
        cat.indexes.append((table, name, unique, primary, partial, tuple(cols)))
    for table, name, contype, cols, ref, on_delete, on_update in server.query(
        dsn,
        "SELECT t.relname, c.conname, c.contype::text, "
        "ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o), "
        "coalesce(r.relname::text, ''), c.confdeltype::text, c.confupdtype::text "
        f"FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid {PUBLIC} "
        "LEFT JOIN pg_class r ON r.oid = c.confrelid",
    ):
        cat.constraints.append((table, name, contype, tuple(cols), ref, on_delete, on_update))
    for table, name in server.query(
        dsn,
        f"SELECT t.relname, g.tgname FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid "
        f"{PUBLIC} WHERE NOT g.tgisinternal",
    ):
        cat.triggers.add((table, name))
    return cat


# --- the checker -----------------------------------------------------------------------------


class Coverage:
    """Finds each SQLite object in PostgreSQL, or a report line that says why it is not."""

    def __init__(self, objects: list[Obj], cat: PgCatalog, diagnostics: list[dict[str, Any]]):
        self.objects = objects
        self.cat = cat
        self.left_out = [d for d in diagnostics if LEFT_OUT.search(d["message"])]
        self.pg_tables = {o.table: o.pg_name or "" for o in objects if o.kind in OWNERS}
        self.used: set[tuple[str, str]] = set()  # PostgreSQL constraints matched so far
        self.used_lines: set[int] = set()  # report lines consumed by unnamed objects

    def missing(self) -> list[str]:
        out = []
        # Named objects first: a named CHECK must not be taken by an unnamed one.
        order = sorted(range(len(self.objects)), key=lambda i: self.objects[i].name is None)
        for i in order:
            obj = self.objects[i]
            if not self.exists(obj) and not self.reported(obj):
                out.append(obj.describe())
        return out

    # -- in PostgreSQL ------------------------------------------------------------------------
    def table(self, obj: Obj) -> str:
        return self.pg_tables.get(obj.table) or self._table_named(obj.table)

    def _table_named(self, name: str) -> str:
        """A table as a REFERENCES clause names it: SQLite finds it regardless of case."""
        for sqlite_name, pg in self.pg_tables.items():
            if sqlite_name.lower() == name.lower():
                return pg
        return ""

    def column(self, table: str, name: str) -> str:
        """A column's PostgreSQL name: as written if PostgreSQL has it so, else folded."""
        if not name or (table, name) in self.cat.columns:
            return name
        return name.lower()

    def exists(self, obj: Obj) -> bool:
        table = self.table(obj)
        cols = tuple(self.column(table, c) for c in obj.columns)
        if obj.kind in ("table", "virtual table"):
            return self.cat.relations.get(obj.pg_name or "") in ("r", "p")
        if obj.kind == "view":
            return self.cat.relations.get(obj.pg_name or "") in ("v", "m")
        if obj.kind == "trigger":
            return (table, obj.pg_name or "") in self.cat.triggers
        if obj.kind == "generated column":
            return self.cat.columns.get((table, cols[0])) == "s"
        if obj.kind == "index":
            return any(
                t == table and (n == obj.pg_name or k == cols) and u == obj.unique
                and p == obj.partial
                for t, n, u, _, p, k in self.cat.indexes
            )  # fmt: skip
        if obj.kind in ("primary key", "unique"):
            return any(
                t == table and (u or pk) and not p and sorted(k) == sorted(cols)
                for t, _, u, pk, p, k in self.cat.indexes
            )
        if obj.kind == "foreign key":
            ref = self._table_named(obj.ref_table)
            return any(
                t == table and c == "f" and k == cols and r == ref
                and (FK_ACTIONS[d], FK_ACTIONS[u]) == obj.actions
                for t, _, c, k, r, d, u in self.cat.constraints
            )  # fmt: skip
        if obj.kind == "check":
            return self._check(obj, table, cols)
        raise AssertionError(obj.kind)

    def _check(self, obj: Obj, table: str, cols: tuple[str, ...]) -> bool:
        checks = [(t, n, k) for t, n, c, k, *_ in self.cat.constraints if c == "c" and t == table]
        named = [(t, n) for t, n, _ in checks if obj.name and n == pg_ident(obj.name, True)]
        named += [(t, n) for t, n, _ in checks if obj.name and n == pg_ident(obj.name, False)]
        same = [(t, n) for t, n, k in checks if sorted(k) == sorted(cols)]
        for key in [*named, *same]:
            if key not in self.used:
                self.used.add(key)
                return True
        return False

    # -- in the report --------------------------------------------------------------------------
    def reported(self, obj: Obj) -> bool:
        if self._left_out(obj):
            return True
        if obj.kind not in OWNERS and self.cat.relations.get(self.table(obj)) is None:
            # Its table is not in PostgreSQL: the table's own report line is the reason.
            return any(self._left_out(o) for o in self.objects
                       if o.kind in OWNERS and o.table == obj.table)  # fmt: skip
        return False

    def _left_out(self, obj: Obj) -> bool:
        """A report line names the object and says it was left out (and why)."""
        patterns = self._patterns(obj)
        others = [
            _name(o.name) for o in self.objects
            if o.kind == "check" and o.table == obj.table and o.name and obj.name is None
        ]  # fmt: skip
        for i, d in enumerate(self.left_out):
            message = d["message"]
            if not all(p.search(message) for p in patterns):
                continue
            if obj.kind == "check" and obj.name is None:
                # A line about an unnamed CHECK is about none of the named ones, and stands
                # for one unnamed CHECK only.
                if i in self.used_lines or any(p.search(message) for p in others):
                    continue
                self.used_lines.add(i)
            return True
        return False

    def _patterns(self, obj: Obj) -> list[re.Pattern[str]]:
        """What a report line about the object must say: its kind and name (the kind just
        before the name), or for an object without a name its kind, table and columns."""
        if obj.kind in ("table", "virtual table", "view", "trigger", "index"):
            kind = "table" if obj.kind == "virtual table" else obj.kind
            return [_name(obj.name or "", before=rf"\b{kind}\s+")]
        kind = {"generated column": "generated", "check": "check"}.get(obj.kind, obj.kind)
        if obj.kind == "check":  # dumpconv's lines name a CHECK by its name, if any
            names = [obj.table, *([obj.name] if obj.name else [])]
        else:
            names = [obj.table, *(c for c in obj.columns if c)]
        return [re.compile(rf"\b{kind}\b", re.IGNORECASE), *(_name(n) for n in names)]


def _name(name: str, before: str = "") -> re.Pattern[str]:
    """A whole name (maybe quoted) in a message, after the words ``before`` if given."""
    quoted = rf"[\"'`]?{re.escape(name)}[\"'`]?"
    return re.compile(rf"(?i:{before})(?<![\w$]){quoted}(?![\w$])" if before else
                      rf"(?<![\w$]){quoted}(?![\w$])")  # fmt: skip


# --- the run -------------------------------------------------------------------------------


def assert_schema_covered(pg_server: PgServer, db: Path, tmp: Path) -> None:
    """Dump, convert, load, and find every object of the SQLite schema (or its report line)."""
    dump = tmp / "dump.sql"
    with open(dump, "wb") as out:
        subprocess.run(["sqlite3", str(db), ".dump"], stdout=out, check=True)
    script, report = tmp / "pg.sql", tmp / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "dumpconv", str(dump), "-o", str(script), "--report", str(report)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    diagnostics = json.loads(report.read_text(encoding="utf-8"))["diagnostics"]
    dsn = pg_server.create_db("coverage")
    try:
        loaded = pg_server.load_sql(dsn, script)
        assert loaded.ok, f"the load failed (psql exit {loaded.returncode}):\n{loaded.stderr}"
        cat = pg_catalog(pg_server, dsn)
    finally:
        pg_server.drop_db(dsn)
    objects = sqlite_objects(db)
    assert objects, "the tool wrote no schema"
    missing = Coverage(objects, cat, diagnostics).missing()
    assert not missing, (
        f"{len(missing)} of {len(objects)} objects are neither in PostgreSQL nor in the report:\n"
        + "\n".join(f"  {m}" for m in missing)
        + "\nload warnings:\n"
        + "\n".join(f"  {w}" for w in loaded.warnings)
    )
