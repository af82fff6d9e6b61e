"""ddl: defaults, expressions, keys, indexes, foreign keys, guards and CREATE TABLE.

Expected values come from SQLite (what a DEFAULT stores, what an expression evaluates to)
and from PostgreSQL: the ``pg`` tests run the generated SQL on a real server, which is the
only real proof that it loads and means the same thing.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

import dumpconv
from dumpconv.base.pgsql import quote_ident
from dumpconv.decide.typemap import Decision
from dumpconv.read.schema import Column, Schema, Table, affinity
from dumpconv.read.sqlite_ddl import parse_create_table
from dumpconv.translate import (
    PostItem,
    Scope,
    Untranslatable,
    create_table,
    foreign_key_item,
    index_item,
    key_items,
    translate_expr,
)
from dumpconv.translate.defaults import default_sql
from dumpconv.write.writer import Writer
from tests.pgharness import PgServer


def column(default: str, decl: str = "") -> Column:
    return Column(name="c", pg="c", declared=decl, affinity=affinity(decl), default=default)


def default_for(default: str, pg_type: str) -> tuple[str | None, str | None]:
    return default_sql(column(default), pg_type, valid_literal=True)


class Db:
    """A schema built from SQLite CREATE TABLE statements, with chosen PostgreSQL types."""

    def __init__(self) -> None:
        self.schema = Schema()
        self.types: dict[tuple[str, str], str] = {}
        self.sqlite = sqlite3.connect(":memory:")

    def table(self, sql: str, types: list[str]) -> Table:
        t = parse_create_table(sql, 1, self.schema)
        self.schema.add(t)
        self.sqlite.execute(sql)
        for col, ty in zip(t.columns, types, strict=True):
            self.types[(t.key, col.key)] = ty
        return t

    def decisions(self, t: Table) -> dict[str, Decision]:
        return {c.key: Decision(self.types[(t.key, c.key)]) for c in t.columns}

    def scope(self, *tables: Table) -> Scope:
        return Scope(self.schema, list(tables), self.types)

    def index(self, sql: str) -> PostItem:
        return index_item(sql, 3, self.schema, self.types, set())

    def create_sql(self, t: Table) -> str:
        return create_table(t, self.decisions(t), {}, namespace="public").create


ITEMS_SQL = (
    'CREATE TABLE Items (id INTEGER PRIMARY KEY, "Name" TEXT, flag BOOLEAN, "order" INT, '
    'qty INT, "Mixed Case" TEXT, price REAL)'
)
ITEMS_TYPES = ["bigint", "text", "boolean", "integer", "integer", "text", "double precision"]
ITEMS_ROWS = [
    (1, "apple", 1, 3, 5, "x", 1.5),
    (2, "Banana", 0, 1, -2, "y", 0.1),
    (3, "", 1, 2, 0, "x", 2.0),
    (4, None, 0, None, 7, None, None),
    (5, "bob", 1, 9, 10, "X", -3.25),
]


@pytest.fixture
def db() -> Db:
    d = Db()
    d.table(ITEMS_SQL, ITEMS_TYPES)
    d.sqlite.executemany("INSERT INTO items VALUES (?,?,?,?,?,?,?)", ITEMS_ROWS)
    return d


# --- default_sql ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("default", "pg_type", "expected"),
    [
        ("0", "boolean", "false"),
        ("1", "boolean", "true"),
        ("'t'", "boolean", "true"),
        ("'f'", "boolean", "false"),
        ("'true'", "boolean", "true"),
        ("TRUE", "boolean", "true"),
        ("FALSE", "boolean", "false"),
        ("(0)", "boolean", "false"),
        ("0", "integer", "0"),
        ("-1", "integer", "-1"),
        ("(-1)", "integer", "-1"),
        ("'5'", "integer", "5"),  # SQLite: INTEGER affinity makes the text '5' the integer 5
        ("TRUE", "integer", "1"),  # SQLite: TRUE is the integer 1
        ("0x10", "integer", "16"),  # SQLite: a hexadecimal integer literal
        ("1.5", "double precision", "1.5"),
        ("-2.5", "numeric(10,2)", "-2.5"),
        ("'a''b'", "text", "'a''b'"),
        ("1", "text", "'1'"),  # SQLite: TEXT affinity stores the integer as '1'
        ("TRUE", "text", "'1'"),
        ("x'00FF'", "bytea", "'\\x00ff'::bytea"),
        ("NULL", "integer", "NULL"),
        ("'{\"a\": 1}'", "jsonb", "'{\"a\": 1}'"),
    ],
)
def test_literal_defaults(default: str, pg_type: str, expected: str) -> None:
    assert default_for(default, pg_type) == (expected, None)


@pytest.mark.parametrize(
    ("default", "pg_type"),
    [
        ("'yes'", "boolean"),
        ("2", "boolean"),
        ("1.5", "integer"),
        ("'abc'", "integer"),
        ("'abc'", "numeric"),
        ("x'00'", "text"),
        ("'NaN'", "jsonb"),
        ("'1_000'", "integer"),  # SQLite keeps '1_000' as text: not the integer 1000
        ("'1_000'", "double precision"),  # and PostgreSQL's float8 rejects it
        ("9223372036854775808", "bigint"),  # a real in SQLite, out of bigint's range
    ],
)
def test_defaults_that_do_not_fit_the_type_are_dropped_with_a_reason(
    default: str, pg_type: str
) -> None:
    value, why = default_for(default, pg_type)
    assert value is None
    assert why


@pytest.mark.parametrize(
    ("default", "pg_type", "expected"),
    [
        ("CURRENT_TIMESTAMP", "timestamp", "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"),
        ("current_timestamp", "timestamptz", "CURRENT_TIMESTAMP"),
        (
            "CURRENT_TIMESTAMP",
            "text",
            "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')",
        ),
        ("(datetime('now'))", "timestamp", "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"),
        ("CURRENT_DATE", "date", "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::date)"),
        ("(date('now'))", "date", "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::date)"),
        ("CURRENT_TIME", "time", "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::time(0))"),
    ],
)
def test_current_time_defaults_per_type(default: str, pg_type: str, expected: str) -> None:
    assert default_for(default, pg_type) == (expected, None)


@pytest.mark.parametrize("pg_type", ["integer", "boolean", "bytea"])
def test_current_timestamp_on_a_non_temporal_non_text_column_is_dropped(pg_type: str) -> None:
    # e.g. a DATETIME column that holds epoch integers (decided integer) with
    # DEFAULT CURRENT_TIMESTAMP: a text expression cannot be that column's default
    value, why = default_for("CURRENT_TIMESTAMP", pg_type)
    assert value is None
    assert why


@pytest.mark.parametrize(
    ("default", "pg_type"),
    [
        ("'2023-02-30'", "date"),
        ("'0000-00-00 00:00:00'", "timestamp"),
        ("'2024-01-02 24:00:00'", "timestamp"),
        ("'not a uuid'", "uuid"),
        ("'abcd'", "varchar(3)"),
    ],
)
def test_invalid_string_defaults_are_dropped(default: str, pg_type: str) -> None:
    t = parse_create_table(f"CREATE TABLE t (c TEXT DEFAULT {default})", 1, Schema())
    made = create_table(t, {"c": Decision(pg_type)}, {}, namespace="public")
    assert "DEFAULT" not in made.create
    assert any("default dropped" in str(n) for n in made.notes)


def test_valid_string_temporal_default_is_kept() -> None:
    t = parse_create_table("CREATE TABLE t (c DATETIME DEFAULT '2024-02-29 10:00:00')", 1, Schema())
    made = create_table(t, {"c": Decision("timestamp")}, {}, namespace="public")
    assert "DEFAULT '2024-02-29 10:00:00'" in made.create


def test_expression_defaults_go_after_the_data() -> None:
    assert default_for("(1 + 2)", "integer") == (None, "expression")
    t = parse_create_table("CREATE TABLE t (a INT, b INT DEFAULT (a + 1))", 1, Schema())
    made = create_table(
        t, {"a": Decision("integer"), "b": Decision("integer")}, {}, namespace="public"
    )
    assert "DEFAULT" not in made.create
    assert [p.sql for p in made.post] == [
        "ALTER TABLE public.t ALTER COLUMN b SET DEFAULT (a + 1);"
    ]


def test_bare_word_default_is_a_string_as_in_sqlite() -> None:
    # SQLite: DEFAULT abc (an identifier) stores the text 'abc'
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (i INT, c TEXT DEFAULT abc)")
    conn.execute("INSERT INTO t (i) VALUES (1)")
    assert conn.execute("SELECT c FROM t").fetchone() == ("abc",)
    t = parse_create_table("CREATE TABLE t (i INT, c TEXT DEFAULT abc)", 1, Schema())
    made = create_table(
        t, {"i": Decision("integer"), "c": Decision("text")}, {}, namespace="public"
    )
    everything = made.create + "".join(p.sql for p in made.post)
    assert "DEFAULT 'abc'" in everything


# --- translate_expr -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sqlite", "pg"),
    [
        ("qty > 0", "qty > 0"),
        ("name <> ''", "\"Name\" <> ''"),
        ("NAME = 'x'", "\"Name\" = 'x'"),
        ('"order" > 1', '"order" > 1'),
        ("[order] > 1", '"order" > 1'),
        ("`ORDER` > 1", '"order" > 1'),
        ("[mixed case] = 'x'", "\"Mixed Case\" = 'x'"),
        ("items.qty > 0", "items.qty > 0"),
        ("ITEMS.QTY > 0", "items.qty > 0"),
        ("flag = 1", "flag = TRUE"),
        ("flag = 0", "flag = FALSE"),
        ("flag == 1", "flag = TRUE"),
        ("1 = flag", "TRUE = flag"),
        ("flag <> 1", "flag <> TRUE"),
        ("flag IN (0, 1)", "flag IN (FALSE, TRUE)"),
        ('name = "bob"', "\"Name\" = 'bob'"),  # a double-quoted unknown name is a string
    ],
)
def test_translate_expr(db: Db, sqlite: str, pg: str) -> None:
    assert translate_expr(sqlite, db.scope(db.schema.get("items"))) == pg  # type: ignore[arg-type]


# SQLite functions and operators PostgreSQL does not have (or has with another meaning)
SQLITE_ONLY = {
    "datetime('now')": "datetime",
    "datetime(name, '+1 day')": "datetime",
    "julianday(name)": "julianday",
    "printf('%d', qty)": "printf",
    "randomblob(4)": "randomblob",
    "unixepoch()": "unixepoch",
    "total(qty)": "total",
    "json_valid(name)": "json_valid",
    "typeof(qty) = 'integer'": "typeof",
    "name GLOB 'a*'": "glob",
    "hex(name)": "hex",
    "quote(name)": "quote",
}


@pytest.mark.parametrize(("sqlite", "function"), SQLITE_ONLY.items(), ids=list(SQLITE_ONLY))
def test_sqlite_only_functions_do_not_pass_through(db: Db, sqlite: str, function: str) -> None:
    """Untranslatable, or rewritten into something that is no longer the SQLite function."""
    try:
        pg = translate_expr(sqlite, db.scope(db.schema.get("items")))  # type: ignore[arg-type]
    except Untranslatable:
        return
    assert not re.search(rf"\b{function}\b", pg, re.IGNORECASE), pg


@pytest.mark.parametrize("sqlite", ["nosuch > 1", "other.qty > 0", "qty >", "qty > (1"])
def test_unknown_columns_and_bad_syntax_are_untranslatable(db: Db, sqlite: str) -> None:
    with pytest.raises(Untranslatable):
        translate_expr(sqlite, db.scope(db.schema.get("items")))  # type: ignore[arg-type]


# Deterministic expressions: SQLite and PostgreSQL must agree on every row.
SAME_MEANING = [
    "qty > 0",
    "name <> ''",
    "flag = 1",
    "flag = 0",
    "flag IN (0, 1)",
    "flag <> 1",
    '"order" > 1',
    "[Mixed Case] = 'x'",
    "length(name)",
    "lower(name)",
    "upper(name)",
    "ifnull(name, '-')",
    "coalesce(qty, 0) + 1",
    "iif(qty > 0, 1, 0)",
    "qty / 2",
    "qty % 3",
    "name || '!'",
    "instr(name, 'a')",
    "substr(name, 2)",
    "abs(qty)",
    "qty IS NOT NULL",
    "qty BETWEEN 1 AND 7",
    'name = "bob"',
    "name LIKE 'b%'",
    "CASE WHEN qty > 5 THEN 'big' ELSE 'small' END",
    "price * 2",
    "round(price)",
    "strftime('%Y-%m', '2024-01-02 03:04:05')",
    "strftime('%s', '2024-01-02 03:04:05')",  # seconds since 1970
    "strftime('%H:%M:%f', '2024-01-02 03:04:05.250')",  # %f is SS.SSS
    "date('2024-01-02 03:04:05')",
]
MAY_REFUSE = {
    # round() is half-even on float8 in PostgreSQL, half away from zero in SQLite
    # (sqlite-semantics.md §0 #4); strftime() has no translation yet: both are left out.
    "round(price)",
    "strftime('%Y-%m', '2024-01-02 03:04:05')",
    "strftime('%s', '2024-01-02 03:04:05')",
    "strftime('%H:%M:%f', '2024-01-02 03:04:05.250')",
    "date('2024-01-02 03:04:05')",
}


def _norm(v: object) -> object:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float) and v == int(v):
        return int(v)
    return v


@pytest.mark.pg
def test_translated_expressions_mean_the_same_in_postgresql(
    db: Db, pg_server: PgServer, pg_db: str
) -> None:
    t = db.schema.get("items")
    assert t is not None
    _load_items(db, pg_server, pg_db)
    differ: dict[str, object] = {}
    refused = set()
    for expr in SAME_MEANING:
        try:
            pg = translate_expr(expr, db.scope(t))
        except Untranslatable:
            refused.add(expr)  # refusing is faithful too: the object becomes a comment
            continue
        want = [_norm(r[0]) for r in db.sqlite.execute(f"SELECT {expr} FROM items ORDER BY id")]
        try:
            got = [
                _norm(r[0]) for r in pg_server.query(pg_db, f"SELECT {pg} FROM items ORDER BY id")
            ]
        except psycopg.Error as exc:
            differ[expr] = f"{pg}: {exc}"
            continue
        if got != want:
            differ[expr] = f"{pg}: PostgreSQL {got} / SQLite {want}"
    assert differ == {}
    # Only what has no same-meaning PostgreSQL form may be refused.
    assert refused <= MAY_REFUSE, refused - MAY_REFUSE


@pytest.mark.pg
def test_whatever_translate_expr_returns_postgresql_accepts(
    db: Db, pg_server: PgServer, pg_db: str
) -> None:
    """An expression is either Untranslatable or valid PostgreSQL: a CHECK or index that only
    fails at load time is a weaker promise than a reported skip."""
    t = db.schema.get("items")
    assert t is not None
    _load_items(db, pg_server, pg_db)
    candidates = [  # (typeof, glob, hex, quote: see test_sqlite_only_functions_...)
        "name COLLATE NOCASE = 'x'",
        "name COLLATE RTRIM = 'x'",
        "date('now') IS NOT NULL",
        "strftime('%Y', 'now') <> ''",
        "sqlite_version() <> ''",
        "char(65) = 'A'",
        "unicode(name) > 0",
    ]
    rejected = {}
    for expr in candidates:
        try:
            pg = translate_expr(expr, db.scope(t))
        except Untranslatable:
            continue
        try:
            pg_server.query(pg_db, f"SELECT {pg} FROM items")
        except psycopg.Error as exc:
            rejected[expr] = f"{pg}: {str(exc).splitlines()[0]}"
    assert rejected == {}


@pytest.mark.pg
def test_now_based_defaults_are_not_frozen_at_load_time(pg_server: PgServer, pg_db: str) -> None:
    """PostgreSQL turns 'now'::timestamp into a constant when the default is stored; the
    default of a SQLite column written with strftime/date('now') must stay a live clock."""
    defaults = [
        "(strftime('%Y-%m-%d %H:%M:%S', 'now'))",
        "(strftime('%Y', 'now'))",
        "(date('now'))",
        "(datetime('now'))",
        "CURRENT_TIMESTAMP",
    ]
    schema = Schema()
    frozen = {}
    for n, d in enumerate(defaults):
        t = parse_create_table(f"CREATE TABLE t{n} (id INT, c TEXT DEFAULT {d})", 1, schema)
        schema.add(t)
        made = create_table(
            t, {"id": Decision("integer"), "c": Decision("text")}, {}, namespace="public"
        )
        pg_server.query(pg_db, made.create)
        for item in made.post:
            if item.sql.startswith("ALTER"):
                pg_server.query(pg_db, item.sql)
        row = pg_server.query(
            pg_db,
            "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = %s::regclass",
            [t.pg],
        )
        if row and re.search(r"'\d{4}-\d\d-\d\d", str(row[0][0])):
            frozen[d] = row[0][0]
    assert frozen == {}


def _load_items(db: Db, pg_server: PgServer, pg_db: str) -> None:
    t = db.schema.get("items")
    assert t is not None
    pg_server.query(pg_db, db.create_sql(t))
    cols = ", ".join(quote_ident(c.pg) for c in t.columns)
    for row in ITEMS_ROWS:
        values = [bool(v) if c.key == "flag" else v for c, v in zip(t.columns, row, strict=True)]
        pg_server.query(
            pg_db, f"INSERT INTO items ({cols}) VALUES ({', '.join(['%s'] * len(row))})", values
        )


# --- default_sql on PostgreSQL ---------------------------------------------------------------


@pytest.mark.pg
def test_defaults_give_sqlites_values_in_postgresql(pg_server: PgServer, pg_db: str) -> None:
    # (SQLite declared type, default, chosen PostgreSQL type)
    cases = [
        ("BOOLEAN", "0", "boolean"),
        ("BOOLEAN", "'t'", "boolean"),
        ("INTEGER", "-1", "integer"),
        ("INTEGER", "0x10", "integer"),
        ("INTEGER", "'5'", "integer"),
        ("TEXT", "'it''s'", "text"),
        ("TEXT", "1", "text"),
        ("REAL", "1e999", "double precision"),
        ("REAL", "-2.5e-3", "double precision"),
        ("BLOB", "x'00ff'", "bytea"),
        ("DECIMAL(10,2)", "19.99", "numeric(10,2)"),
    ]
    wrong = {}
    for n, (decl, default, pg_type) in enumerate(cases):
        conn = sqlite3.connect(":memory:")
        conn.execute(f"CREATE TABLE t (i INT, c {decl} DEFAULT {default})")
        conn.execute("INSERT INTO t (i) VALUES (1)")
        (sqlite_value,) = conn.execute("SELECT c FROM t").fetchone()
        value, why = default_sql(column(default, decl), pg_type, True)
        if value is None:
            wrong[default] = f"dropped: {why}"
            continue
        table = f"d{n}"
        try:
            pg_server.query(pg_db, f"CREATE TABLE {table} (i int, c {pg_type} DEFAULT {value})")
            pg_server.query(pg_db, f"INSERT INTO {table} (i) VALUES (1)")
            (pg_value,) = pg_server.query(pg_db, f"SELECT c FROM {table}")[0]
        except psycopg.Error as exc:
            wrong[default] = f"{value}: {str(exc).splitlines()[0][:100]}"
            continue
        if isinstance(pg_value, bool):
            pg_value = int(pg_value)
            if isinstance(sqlite_value, str):  # 't', 'f' in a column decided boolean
                sqlite_value = int(sqlite_value.lower() in ("1", "t", "true"))
        if pg_type.startswith("numeric"):
            pg_value = float(pg_value)
        if pg_value != sqlite_value:
            wrong[default] = f"{value}: PostgreSQL {pg_value!r}, SQLite {sqlite_value!r}"
    assert wrong == {}


@pytest.mark.pg
def test_current_timestamp_defaults_are_utc_like_sqlite(pg_server: PgServer, pg_db: str) -> None:
    # the test server's time zone is not UTC: a default that follows the session's zone
    # would be off by its offset
    with psycopg.connect(pg_db, autocommit=True) as conn:
        zone = conn.execute("SHOW TimeZone").fetchone()[0]  # type: ignore[index]
        assert zone != "UTC"
        for pg_type in ("timestamp", "timestamptz", "text", "date"):
            value, _ = default_for("CURRENT_TIMESTAMP" if pg_type != "date" else "CURRENT_DATE",
                                   pg_type)  # fmt: skip
            conn.execute(f"CREATE TABLE n_{pg_type} (i int, c {pg_type} DEFAULT {value})")
            conn.execute(f"INSERT INTO n_{pg_type} (i) VALUES (1)")
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        ts = conn.execute("SELECT c FROM n_timestamp").fetchone()[0]  # type: ignore[index]
        assert abs((ts - now).total_seconds()) < 60
        tz = conn.execute("SELECT c FROM n_timestamptz").fetchone()[0]  # type: ignore[index]
        assert abs((tz.astimezone(dt.UTC).replace(tzinfo=None) - now).total_seconds()) < 60
        text = conn.execute("SELECT c FROM n_text").fetchone()[0]  # type: ignore[index]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", text)  # SQLite's format
        assert abs((dt.datetime.fromisoformat(text) - now).total_seconds()) < 60
        day = conn.execute("SELECT c FROM n_date").fetchone()[0]  # type: ignore[index]
        assert day in ((now - dt.timedelta(minutes=1)).date(), now.date())


@pytest.mark.pg
def test_current_timestamp_default_on_an_integer_column_loads(
    pg_server: PgServer, pg_db: str
) -> None:
    # a DATETIME column that holds epoch integers is decided integer
    t = parse_create_table(
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, ts DATETIME DEFAULT CURRENT_TIMESTAMP)",
        1,
        Schema(),
    )
    made = create_table(
        t, {"id": Decision("bigint"), "ts": Decision("integer")}, {}, namespace="public"
    )
    pg_server.query(pg_db, made.create)


# --- index_item -----------------------------------------------------------------------------


def test_plain_index(db: Db) -> None:
    item = db.index("CREATE INDEX idx_name ON items(name);")
    assert item.sql == 'CREATE INDEX idx_name ON public.items ("Name");'
    assert item.guard is None
    assert item.order == 1


def test_unique_multi_column_desc_index(db: Db) -> None:
    item = db.index('CREATE UNIQUE INDEX ux ON Items("order", qty DESC);')
    assert item.sql == 'CREATE UNIQUE INDEX ux ON public.items ("order", qty DESC);'


def test_expression_index_is_translated_and_guarded(db: Db) -> None:
    item = db.index("CREATE INDEX ie ON items(lower(name), qty DESC);")
    assert item.sql == 'CREATE INDEX ie ON public.items ((LOWER("Name")), qty DESC);'
    assert item.guard == "index ie"


def test_partial_index_where_is_translated(db: Db) -> None:
    item = db.index("CREATE UNIQUE INDEX ua ON items(name) WHERE flag = 1;")
    assert item.sql == 'CREATE UNIQUE INDEX ua ON public.items ("Name") WHERE flag = TRUE;'
    assert item.guard == "index ua"


def test_collate_nocase_in_an_index_is_noted(db: Db) -> None:
    item = db.index("CREATE INDEX ic ON items(name COLLATE NOCASE DESC);")
    assert "COLLATE NOCASE" in item.comments[0]
    assert guarded(item).splitlines()[0].startswith("-- ")
    assert item.sql == 'CREATE INDEX ic ON public.items ("Name" DESC);'


def test_index_names_are_unique_among_relations(db: Db) -> None:
    item = db.index("CREATE INDEX items ON items(qty);")
    assert item.sql == "CREATE INDEX items_1 ON public.items (qty);"


def test_bare_index_names_fold_to_lower_case(db: Db) -> None:
    item = db.index("CREATE INDEX IDX_Qty ON items(qty);")
    assert item.sql == "CREATE INDEX idx_qty ON public.items (qty);"
    quoted = db.index('CREATE INDEX "IDX_Keep" ON items(qty);')
    assert quoted.sql == 'CREATE INDEX "IDX_Keep" ON public.items (qty);'


def test_index_trailing_comment_and_schema_prefix(db: Db) -> None:
    item = db.index("CREATE INDEX IF NOT EXISTS main.ix4 ON items(qty) /* trailing */;")
    assert item.sql == "CREATE INDEX ix4 ON public.items (qty);"


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("CREATE INDEX ix ON items(nosuch);", "unknown column nosuch"),
        ("CREATE INDEX ix ON nosuch(a);", "table nosuch"),
        ("CREATE INDEX ix ON items(datetime(name));", "datetime()"),
    ],
)
def test_untranslatable_indexes_become_comments(db: Db, sql: str, why: str) -> None:
    item = db.index(sql)
    assert item.sql == ""
    assert why in " ".join(item.comments)
    assert all(line.startswith("-- ") for line in guarded(item).splitlines())
    assert item.guard is None


@pytest.mark.pg
def test_index_items_create_the_indexes_in_postgresql(
    db: Db, pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    _load_items(db, pg_server, pg_db)
    items = [
        db.index("CREATE INDEX i_plain ON items(name);"),
        db.index('CREATE UNIQUE INDEX i_multi ON items("order", qty DESC);'),
        db.index("CREATE INDEX i_expr ON items(lower(name), qty DESC);"),
        db.index("CREATE INDEX i_part ON items(qty) WHERE flag = 1 AND qty > 0;"),
        db.index("CREATE INDEX i_coll ON items(name COLLATE NOCASE);"),
        db.index("CREATE INDEX [i weird] ON items([Mixed Case]);"),
    ]
    result = pg_server.load_sql(pg_db, _script(tmp_path / "i.sql", *map(guarded, items)))
    assert result.ok, result.stderr
    assert result.warnings == []
    defs = dict(
        pg_server.query(
            pg_db, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'items'"
        )
    )
    assert defs["i_plain"].endswith('USING btree ("Name")')
    assert defs["i_multi"].startswith("CREATE UNIQUE INDEX")
    assert defs["i_multi"].endswith('("order", qty DESC)')
    assert defs["i_expr"].endswith('(lower("Name"), qty DESC)')
    assert defs["i_part"].endswith("WHERE ((flag = true) AND (qty > 0))")
    assert defs["i weird"].endswith('("Mixed Case")')


# --- foreign_key_item -------------------------------------------------------------------------


@pytest.fixture
def fkdb() -> Db:
    d = Db()
    d.table("CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE)", ["bigint", "text"])
    d.table("CREATE TABLE pair (a INT, b INT, PRIMARY KEY (a, b))", ["integer", "integer"])
    d.table("CREATE TABLE nokey (a INT)", ["integer"])
    d.table(
        "CREATE TABLE child (id INTEGER PRIMARY KEY, "
        "pid INT REFERENCES parent ON DELETE CASCADE, "
        "pcode TEXT REFERENCES Parent(code), "
        "x INT REFERENCES missing(id), a INT, b INT, n INT REFERENCES nokey, "
        "ptext TEXT REFERENCES parent(id), "
        "CONSTRAINT fk_ab FOREIGN KEY (a, b) REFERENCES pair DEFERRABLE INITIALLY DEFERRED)",
        ["bigint", "integer", "text", "integer", "integer", "integer", "integer", "text"],
    )
    return d


def _fk(d: Db, columns: tuple[str, ...]) -> PostItem:
    child = d.schema.get("child")
    assert child is not None
    (fk,) = [f for f in child.foreign_keys if f.columns == columns]
    return foreign_key_item(child, fk, d.schema, d.types)


def test_foreign_key_to_the_inferred_primary_key(fkdb: Db) -> None:
    item = _fk(fkdb, ("pid",))
    assert item.sql == (
        "ALTER TABLE ONLY public.child ADD CONSTRAINT child_pid_fkey FOREIGN KEY (pid) "
        "REFERENCES public.parent (id) ON DELETE CASCADE;"
    )
    assert item.fk_fallback == item.sql[:-1] + " NOT VALID;"
    assert item.guard
    assert item.order == 2


def test_foreign_key_with_explicit_columns_and_other_case(fkdb: Db) -> None:
    item = _fk(fkdb, ("pcode",))
    assert "REFERENCES public.parent (code);" in item.sql


def test_composite_deferrable_named_foreign_key(fkdb: Db) -> None:
    item = _fk(fkdb, ("a", "b"))
    assert item.sql == (
        "ALTER TABLE ONLY public.child ADD CONSTRAINT fk_ab FOREIGN KEY (a, b) "
        "REFERENCES public.pair (a, b) DEFERRABLE INITIALLY DEFERRED;"
    )


@pytest.mark.parametrize(
    ("columns", "why"),
    [(("x",), "missing"), (("n",), "key"), (("ptext",), "text and parent.id bigint")],
)
def test_foreign_keys_that_cannot_be_made_are_comments(
    fkdb: Db, columns: tuple[str, ...], why: str
) -> None:
    item = _fk(fkdb, columns)
    assert item.sql == ""
    text = guarded(item)
    assert text.startswith("-- dumpconv: foreign key of child")
    assert why in text
    assert all(line.startswith("--") for line in text.splitlines())


# --- guarded ---------------------------------------------------------------------------------


def _dollar_body(text: str) -> tuple[str, str]:
    m = re.match(r"DO (\$[A-Za-z0-9_]*\$)", text)
    assert m is not None
    tag = m.group(1)
    end = text.index(tag, m.end())
    return text[m.end() : end], text[end + len(tag) :]


def test_guarded_shape() -> None:
    item = PostItem("CREATE INDEX ix ON public.t (a);", 1, "index", guard="index ix")
    out = guarded(item)
    body, rest = _dollar_body(out)
    assert rest == ";"
    assert "\n    EXECUTE $sql$CREATE INDEX ix ON public.t (a)$sql$;\n" in body
    assert body.lstrip().startswith("BEGIN")
    assert "EXCEPTION" in body
    assert "WHEN others THEN" in body
    assert "RAISE WARNING 'dumpconv: index ix not created: %', SQLERRM;" in body
    assert body.rstrip().endswith("END")


def test_unguarded_items_are_plain_sql() -> None:
    assert guarded(PostItem("SELECT 1;", 1, "select")) == "SELECT 1;"


def test_guard_name_percent_and_quote_are_escaped() -> None:
    out = guarded(PostItem("SELECT 1;", 1, "select", guard="index 100% it's"))
    assert "'dumpconv: index 100%% it''s not created: %'" in out


def test_guard_dollar_quote_is_safe_against_the_body() -> None:
    item = PostItem("SELECT $dumpconv$x$dumpconv$;", 1, "select", guard="view $dumpconv$")
    body, rest = _dollar_body(guarded(item))
    assert rest == ";"
    assert "SELECT $dumpconv$x$dumpconv$$sql$;" in body


def test_foreign_key_guard_has_a_not_valid_fallback(fkdb: Db) -> None:
    out = guarded(_fk(fkdb, ("pid",)))
    assert "WHEN foreign_key_violation OR check_violation THEN" in out
    assert "ON DELETE CASCADE NOT VALID$sql$;" in out
    assert out.index("foreign_key_violation") < out.index("WHEN others")


def guarded(item: PostItem) -> str:
    """The item as the writer writes it: comments, then the statement, guarded if asked."""
    buf = io.BytesIO()
    w = Writer(buf)
    for text in item.comments:
        w.comment(text)
    if item.sql and item.guard is None:
        w.statement(item.sql, item.kind)
    elif item.sql and item.guard is not None:
        w.guarded(item.sql, item.kind, item.guard, item.fk_fallback)
    return buf.getvalue().decode().rstrip("\n")


def _script(path: Path, *parts: str) -> Path:
    path.write_text("BEGIN;\n" + "\n".join(parts) + "\nCOMMIT;\n", encoding="utf-8")
    return path


@pytest.mark.pg
def test_guards_turn_failures_into_named_warnings(
    fkdb: Db, pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    creates = [fkdb.create_sql(t) for t in fkdb.schema.tables.values()]
    keys: list[str] = []
    for t in fkdb.schema.tables.values():
        keys.extend(guarded(k) for k in key_items(t, fkdb.schema, {}, [], set()))
    data = (
        "INSERT INTO parent (id, code) VALUES (1, 'a');\n"
        "INSERT INTO child (id, pid, pcode) VALUES (1, 1, 'a'), (2, 99, 'a');\n"  # orphan pid 99
    )
    items = [guarded(_fk(fkdb, ("pid",))), guarded(_fk(fkdb, ("pcode",)))]
    bad = guarded(
        PostItem("CREATE INDEX bad ON public.child (nosuch);", 1, "index", guard="index 50% bad")
    )
    script = _script(tmp_path / "g.sql", *creates, data, *keys, *items, bad)
    result = pg_server.load_sql(pg_db, script).check()
    text = "\n".join(result.warnings)
    assert "dumpconv: foreign key of child (pid) to parent added NOT VALID" in text
    assert "dumpconv: index 50% bad not created" in text
    rows = pg_server.query(
        pg_db,
        "SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' ORDER BY conname",
    )
    assert rows == [("child_pcode_fkey", True), ("child_pid_fkey", False)]


# --- create_table ----------------------------------------------------------------------------


def test_create_table_with_identity_defaults_and_notes() -> None:
    d = Db()
    t = d.table(
        'CREATE TABLE "User" (id INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT NOT NULL '
        "DEFAULT 'x', active BOOLEAN DEFAULT 0, created DATETIME DEFAULT CURRENT_TIMESTAMP, "
        "email TEXT COLLATE NOCASE, g INT GENERATED ALWAYS AS (id * 2) STORED)",
        ["bigint", "text", "boolean", "timestamp", "text", "integer"],
    )
    made = create_table(t, d.decisions(t), {}, namespace="public")
    assert made.create == (
        'CREATE TABLE public."User" (\n'
        "    id bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,\n"
        "    name text NOT NULL DEFAULT 'x',\n"
        "    active boolean DEFAULT false,\n"
        "    created timestamp DEFAULT (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'),\n"
        "    email public.citext\n"
        ");"
    )
    assert made.extensions == {"citext"}
    notes = "\n".join(map(str, made.notes))
    assert "COLLATE NOCASE: public.citext" in notes
    assert "column g is generated" in notes


def test_dropped_table_options_are_noted() -> None:
    d = Db()
    t = d.table("CREATE TABLE s (k TEXT PRIMARY KEY, v INT) STRICT, WITHOUT ROWID",
                ["text", "integer"])  # fmt: skip
    notes = [str(n) for n in create_table(t, d.decisions(t), {}, namespace="public").notes]
    assert "SQLite clause dropped: STRICT" in notes
    assert "SQLite clause dropped: WITHOUT ROWID" in notes


def test_not_null_is_dropped_when_the_data_has_nulls() -> None:
    d = Db()
    t = d.table("CREATE TABLE t (a INT NOT NULL, b TEXT NOT NULL)", ["integer", "text"])
    made = create_table(t, d.decisions(t), {"a": 2}, namespace="public")
    assert "    a integer,\n" in made.create
    assert "    b text NOT NULL\n" in made.create
    assert any("NOT NULL dropped" in str(n) for n in made.notes)


def test_decision_reasons_become_notes() -> None:
    d = Db()
    t = d.table("CREATE TABLE t (a varchar(3))", ["text"])
    made = create_table(
        t, {"a": Decision("text", "declared varchar(3) but 1 values are longer")}, {},
        namespace="public",
    )  # fmt: skip
    assert [str(n) for n in made.notes] == [
        "column a: text (declared varchar(3) but 1 values are longer)"
    ]


def test_primary_key_with_nulls_becomes_unique() -> None:
    d = Db()
    t = d.table("CREATE TABLE k (a TEXT, b TEXT, PRIMARY KEY (a, b))", ["text", "text"])
    notes: list[Any] = []
    (item,) = key_items(t, d.schema, {"a": 1}, notes, set())
    assert item.sql == "ALTER TABLE ONLY public.k ADD CONSTRAINT k_a_b_key UNIQUE (a, b);"
    assert "holds NULLs" in str(notes[0])


def test_keys_over_merging_columns_are_guarded() -> None:
    d = Db()
    t = d.table("CREATE TABLE k (a BOOLEAN UNIQUE, b INT UNIQUE)", ["boolean", "integer"])
    items = key_items(t, d.schema, {}, [], {"a"})
    assert [i.guard is not None for i in items] == [True, False]


TABLES = [
    (
        'CREATE TABLE IF NOT EXISTS "order" (id INTEGER PRIMARY KEY, "user" TEXT, [Group] INT, '
        "`select` REAL DEFAULT -1.5, flag BOOLEAN DEFAULT 'f')",
        ["bigint", "text", "integer", "double precision", "boolean"],
    ),
    (
        "CREATE TABLE [table with space] (a, b, \"quo\"\"te\" TEXT DEFAULT 'it''s', "
        "ts DATETIME DEFAULT (datetime('now')), d DATE DEFAULT CURRENT_DATE)",
        ["integer", "text", "text", "timestamp", "date"],
    ),
    (
        f'CREATE TABLE "{"L" * 70}" ("{"c" * 70}" INT, "{"c" * 71}" INT, id INTEGER, '
        "PRIMARY KEY (id))",
        ["integer", "integer", "bigint"],
    ),
    (
        "CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT UNIQUE)",
        ["bigint", "text"],
    ),
    (
        "CREATE TABLE items_pkey (x INT PRIMARY KEY)",  # the default name of items' key
        ["integer"],
    ),
]


@pytest.mark.pg
def test_created_tables_and_keys_load_in_postgresql(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    d = Db()
    parts = []
    post = []
    for sql, types in TABLES:
        t = d.table(sql, types)
        made = create_table(t, d.decisions(t), {}, namespace="public")
        parts.append(made.create)
        post.extend(made.post)
        post.extend(key_items(t, d.schema, {}, [], set()))
    post.append(d.index("CREATE INDEX items_v_key ON items(v);"))
    script = _script(
        tmp_path / "t.sql", *parts, *(guarded(p) for p in sorted(post, key=lambda p: p.order))
    )
    result = pg_server.load_sql(pg_db, script)
    assert result.ok, result.stderr
    assert result.warnings == []
    names = {
        r[0]
        for r in pg_server.query(
            pg_db,
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = "
            "'public'::regnamespace",
        )
    }
    assert {t.pg for t in d.schema.tables.values()} == names
    row: list[tuple[Any, ...]] = pg_server.query(
        pg_db, 'INSERT INTO "order" ("user") VALUES (%s) RETURNING id, flag, "select"', ["u"]
    )
    assert row == [(1, False, -1.5)]


@pytest.mark.pg
def test_names_do_not_collide_with_identity_sequences(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    """PostgreSQL names the sequence of items.id identity items_id_seq, in the namespace that
    tables and indexes share; a SQLite table or index with that name must not collide, and
    keeps its name (the sequence gets another)."""
    dump = (
        b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
        b"CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT);\n"
        b"INSERT INTO items VALUES(1,'a');\n"
        b"CREATE TABLE items_id_seq (x INT);\n"
        b"CREATE TABLE other (id INTEGER PRIMARY KEY);\n"
        b"CREATE INDEX other_id_seq ON items(v);\nCOMMIT;\n"
    )
    out = io.BytesIO()
    dumpconv.convert(io.BytesIO(dump), out, dumpconv.Options())
    script = tmp_path / "s.sql"
    script.write_bytes(out.getvalue())
    result = pg_server.load_sql(pg_db, script)
    assert result.ok, result.stderr
    assert result.warnings == []
    names = {r[0] for r in pg_server.query(pg_db, "SELECT relname FROM pg_class")}
    assert {"items", "items_id_seq", "other", "other_id_seq"} <= names
    assert pg_server.query(pg_db, "SELECT nextval(pg_get_serial_sequence('items', 'id'))") == [(2,)]
