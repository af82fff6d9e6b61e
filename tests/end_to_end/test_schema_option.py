"""--schema NAME (issue 14): every object is created in NAME instead of public.

Each fixture and shared dump is converted twice, into public and into app, and both scripts
are loaded into one database: the two schemas must hold the same tables, views, functions,
triggers, constraints, sequences and rows, and nothing of the app script may be in public
(the citext extension excepted, which stays where extensions are installed). Hostile names
are created exactly as written; views, triggers, generated columns and identities work in
the schema after the load.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg import sql

import dumpconv
from dumpconv.base.errors import DumpconvError
from dumpconv.pipeline.options import check_schema
from dumpconv.read.pgschema import read_target_schema
from dumpconv.write.pgcheck import StatementCheckError, check_statement
from tests.end_to_end.schemadb import converted
from tests.pgharness import PgServer
from tests.producers import cli_dump

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "dumps"
DUMPS = [
    *sorted((REPO / "fixtures").glob("*.sqlite.sql")),
    *(SHARED / n for n in ("sqlite-3.53.4.dump.sql", "sqlite-3.40.1.dump-preserve-rowids.sql",
                           "iterdump-python3.11.7.sql") if (SHARED / n).exists()),
]  # fmt: skip


def _script(source: Path | bytes, tmp: Path, name: str, **options: object) -> Path:
    data = source if isinstance(source, bytes) else source.read_bytes()
    out = tmp / name
    with open(out, "wb") as f:
        dumpconv.convert(io.BytesIO(data), f, dumpconv.Options(**options))  # type: ignore[arg-type]
    return out


def _catalog(pg: PgServer, dsn: str, schema: str) -> dict[str, list[tuple[object, ...]]]:
    """What a schema holds, without its name: relations, columns, constraints, functions,
    triggers, and every row of every table and view (as text)."""
    q = {
        "relations": "SELECT relname, relkind FROM pg_catalog.pg_class "
        "WHERE relnamespace = %(s)s::regnamespace ORDER BY 1",
        "columns": "SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, "
        "a.atttypmod), a.attnotnull, a.attidentity, a.attgenerated, "
        "pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attribute a "
        "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid LEFT JOIN pg_catalog.pg_attrdef d "
        "ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attnum > 0 "
        "AND c.relnamespace = %(s)s::regnamespace ORDER BY 1, 2",
        "constraints": "SELECT conname, contype, convalidated FROM pg_catalog.pg_constraint "
        "WHERE connamespace = %(s)s::regnamespace ORDER BY 1",
        "functions": "SELECT proname FROM pg_catalog.pg_proc p "
        "WHERE pronamespace = %(s)s::regnamespace AND NOT EXISTS (SELECT FROM "
        "pg_catalog.pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY 1",
        "triggers": "SELECT t.tgname, c.relname FROM pg_catalog.pg_trigger t JOIN "
        "pg_catalog.pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal "
        "AND c.relnamespace = %(s)s::regnamespace ORDER BY 1",
    }
    found = {k: pg.query(dsn, v, {"s": _regtext(schema)}) for k, v in q.items()}
    for name, kind in found["relations"]:
        if kind in ("r", "v"):
            rows = pg.query(dsn, sql.SQL("SELECT t::text FROM {}.{} AS t ORDER BY 1").format(
                sql.Identifier(schema), sql.Identifier(str(name))))  # fmt: skip
            found[f"rows of {name}"] = rows
    return found


def _regtext(name: str) -> str:
    """The name as regnamespace input reads it."""
    return '"' + name.replace('"', '""') + '"'


def _in_public(pg: PgServer, dsn: str) -> list[tuple[object, ...]]:
    """Every object in public that no extension owns."""
    return pg.query(
        dsn,
        "SELECT 'class', relname FROM pg_catalog.pg_class c WHERE relnamespace = "
        "'public'::regnamespace AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE "
        "d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') "
        "UNION ALL SELECT 'proc', proname FROM pg_catalog.pg_proc p WHERE pronamespace = "
        "'public'::regnamespace AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE "
        "d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') "
        "UNION ALL SELECT 'type', typname FROM pg_catalog.pg_type t WHERE typnamespace = "
        "'public'::regnamespace AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE "
        "d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') "
        "AND typtype <> 'b' AND typelem = 0",
    )


@pytest.mark.pg
@pytest.mark.parametrize("dump", DUMPS, ids=lambda p: p.name)
def test_a_dump_in_a_schema_is_the_dump_in_public(
    dump: Path, pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    in_app = _script(dump, tmp_path, "app.sql", schema="app")
    text = in_app.read_text(encoding="utf-8")
    assert "-- options: --schema app" in text
    assert "CREATE SCHEMA IF NOT EXISTS app;" in text
    first = pg_server.load_sql(pg_db, in_app).check()
    assert _in_public(pg_server, pg_db) == []
    second = pg_server.load_sql(pg_db, _script(dump, tmp_path, "public.sql")).check()
    assert first.warnings == second.warnings  # the same guarded objects fail, or none
    app, public = _catalog(pg_server, pg_db, "app"), _catalog(pg_server, pg_db, "public")
    assert app == public
    assert app["relations"]  # something was compared


SCHEMA = """
CREATE TABLE item (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL COLLATE NOCASE,
    qty INTEGER NOT NULL DEFAULT 1, price REAL,
    total REAL GENERATED ALWAYS AS (qty * price) STORED);
CREATE TABLE audit (id INTEGER PRIMARY KEY, item_id INTEGER, what TEXT);
CREATE INDEX item_name ON item(name);
CREATE VIEW cheap AS SELECT id, name FROM item WHERE price < 1;
CREATE VIEW cheap_names AS SELECT name FROM cheap;
CREATE TRIGGER item_added AFTER INSERT ON item BEGIN
  INSERT INTO audit (item_id, what) VALUES (NEW.id, 'added ' || NEW.name);
END;
INSERT INTO item (name, qty, price) VALUES ('apple', 3, 0.5), ('pear', 2, 1.5);
DELETE FROM item WHERE name = 'pear';
INSERT INTO audit (item_id, what) VALUES (1, 'by hand');
"""


@pytest.mark.pg
def test_views_triggers_generated_columns_and_identities_work_in_the_schema(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    _, script, report = converted(tmp_path, SCHEMA, dumpconv.Options(schema="App Data"))
    assert [d for d in report.diagnostics if d.code == "object-left-out"] == []
    pg_server.load_sql(pg_db, script).check()
    assert _in_public(pg_server, pg_db) == []
    s = sql.Identifier("App Data")
    # AUTOINCREMENT: sqlite_sequence says 2 (pear was deleted): the next id is 3.
    added = pg_server.query(pg_db, sql.SQL(
        "INSERT INTO {}.item (name, qty, price) VALUES ('fig', 2, 0.25) RETURNING id, total"
    ).format(s))  # fmt: skip
    assert added == [(3, 0.5)]
    assert pg_server.query(pg_db, sql.SQL("SELECT item_id, what FROM {}.audit ORDER BY id")
                           .format(s)) == [
        (1, "added apple"), (2, "added pear"), (1, "by hand"), (3, "added fig")]  # fmt: skip
    assert pg_server.query(pg_db, sql.SQL("SELECT name FROM {}.cheap_names ORDER BY 1")
                           .format(s)) == [("apple",), ("fig",)]  # fmt: skip
    # citext from public, compared case-insensitively
    assert pg_server.query(pg_db, sql.SQL("SELECT id FROM {}.item WHERE name = 'APPLE'")
                           .format(s)) == [(1,)]  # fmt: skip
    nxt = pg_server.query(pg_db, sql.SQL("INSERT INTO {}.audit (what) VALUES ('x') RETURNING id")
                          .format(s))  # fmt: skip
    assert nxt == [(5,)]


HOSTILE = [
    "app",
    "App",
    "select",
    'we"ird',
    "semi;colon",
    "new\nline",
    "back\\slash",
    "dollar$dumpconv$",
    "ünïcødé ✓",
    "x" * 63,
    "é" * 31,  # 62 bytes
    "'; DROP SCHEMA public CASCADE; --",
    "\u202eright-to-left",
]


@pytest.mark.pg
def test_any_schema_name_is_created_exactly_as_written(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    dump = tmp_path / "app.sql"
    dump.write_bytes(cli_dump(converted(tmp_path, SCHEMA)[0]))
    for i, name in enumerate(HOSTILE):
        script = _script(dump, tmp_path, f"{i}.sql", schema=name)
        text = script.read_text(encoding="utf-8")
        assert "\n" not in text.split("-- options: ")[1].split("\n")[0]  # escaped in the header
        pg_server.load_sql(pg_db, script).check()
        found = pg_server.query(
            pg_db,
            "SELECT count(*) FROM pg_catalog.pg_class WHERE relkind = 'r' "
            "AND relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = %s)",
            (name,),
        )
        assert found == [(2,)], name
        ident = sql.Identifier(name)
        pg_server.query(pg_db, sql.SQL("INSERT INTO {}.item (name) VALUES ('x')").format(ident))
        fired = pg_server.query(pg_db, sql.SQL("SELECT count(*) FROM {}.audit").format(ident))
        assert fired == [(4,)], name  # the trigger wrote the fourth row
    assert _in_public(pg_server, pg_db) == []
    names = {r[0] for r in pg_server.query(pg_db, "SELECT nspname FROM pg_catalog.pg_namespace")}
    assert set(HOSTILE) <= names


@pytest.mark.pg
def test_a_data_only_dump_loads_into_the_tables_of_the_schema(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    """Rows only (sqlite3 .dump --data-only) go into the tables of the chosen schema, found
    by name there (a name regnamespace reads only when quoted)."""
    whole, rows = SHARED / "sqlite-3.53.4.dump.sql", SHARED / "sqlite-3.53.4.dump-data-only.sql"
    if not rows.exists():
        pytest.skip("the shared dumps are not here")
    name = 'My "App"'
    pg_server.load_sql(pg_db, _script(whole, tmp_path, "app.sql", schema=name)).check()
    pg_server.load_sql(pg_db, _script(whole, tmp_path, "public.sql")).check()
    expected = _catalog(pg_server, pg_db, name)
    tables = [r[0] for r in expected["relations"] if r[1] == "r"]
    pg_server.query(pg_db, sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(
        sql.Identifier(name, str(t)) for t in tables)))  # fmt: skip
    pg_server.load_sql(pg_db, _script(rows, tmp_path, "rows.sql", schema=name)).check()
    # docs is an FTS table whose rows a data-only dump holds only as its storage's (skipped)
    got = _catalog(pg_server, pg_db, name)
    assert got.pop("rows of docs") == []
    assert expected.pop("rows of docs")
    assert got == expected
    assert len([k for k in got if k.startswith("rows of")]) >= 10


def _valid(name: str) -> bool:
    try:
        check_schema(name)
    except DumpconvError:
        return False
    return True


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(_valid))
def test_every_statement_of_a_script_for_any_schema_name_passes_the_output_check(
    name: str,
) -> None:
    """Tables, keys, indexes, views, triggers and their functions, setval, COPY: each is
    checked (``pgcheck``) to name only ``name``; a statement that named another schema, or
    that the name broke, would stop the conversion."""
    dump = SHARED / "sqlite-3.53.4.dump.sql"
    source = dump if dump.exists() else REPO / "fixtures" / "django.sqlite.sql"
    out = io.BytesIO()
    report = dumpconv.convert(io.BytesIO(source.read_bytes()), out, dumpconv.Options(schema=name))
    assert not [d for d in report.diagnostics if "output check" in d.message]
    assert out.getvalue().count(b"\nCREATE SCHEMA IF NOT EXISTS ") == (name != "public")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "needs a name"),
        ("a\x00b", "without NUL"),
        ("pg_catalog", "keeps this name"),
        ("pg_temp", "keeps this name"),
        ("pg_x", "keeps this name"),
        ("information_schema", "keeps this name"),
        ("x" * 64, "64 bytes"),
        ("é" * 32, "64 bytes"),
        ("bad\udcffutf8", "not valid UTF-8"),
    ],
)
def test_a_schema_name_postgresql_would_change_or_keeps_is_refused(name: str, message: str) -> None:
    with pytest.raises(DumpconvError, match=message):
        check_schema(name)
    with pytest.raises(DumpconvError, match=message):
        dumpconv.convert(io.BytesIO(b""), io.BytesIO(), dumpconv.Options(schema=name))


def test_names_postgresql_keeps_as_they_are_are_accepted() -> None:
    for name in ("PG_x", "Information_Schema", "public", "x" * 63, "pgx"):
        assert check_schema(name) == name


def test_schema_and_target_schema_cannot_be_combined() -> None:
    target = read_target_schema("CREATE TABLE public.t (id integer);\n", "schema.sql")
    out = io.BytesIO()
    with pytest.raises(DumpconvError, match="--schema and --target-schema"):
        dumpconv.convert(io.BytesIO(b"BEGIN;\nCOMMIT;\n"), out,
                         dumpconv.Options(schema="app", target=target))  # fmt: skip
    assert out.getvalue() == b""


def test_schema_public_writes_the_default_script() -> None:
    dump = (REPO / "fixtures" / "django.sqlite.sql").read_bytes()
    a, b = io.BytesIO(), io.BytesIO()
    dumpconv.convert(io.BytesIO(dump), a, dumpconv.Options(restrict_key="k1"))
    dumpconv.convert(io.BytesIO(dump), b, dumpconv.Options(restrict_key="k1", schema="public"))
    assert a.getvalue() == b.getvalue()


@pytest.mark.parametrize(
    ("statement", "ok"),
    [
        ("CREATE SCHEMA IF NOT EXISTS app;", True),
        ('CREATE SCHEMA IF NOT EXISTS "App";', False),  # another name than the one chosen
        ("CREATE SCHEMA IF NOT EXISTS public;", False),
        ("CREATE SCHEMA app;", False),
        ("CREATE SCHEMA IF NOT EXISTS app AUTHORIZATION postgres;", False),
        ("CREATE SCHEMA app CREATE TABLE t (i int);", False),
    ],
)
def test_pgcheck_accepts_only_the_chosen_schema(statement: str, ok: bool) -> None:
    if ok:
        check_statement(statement, "create-schema", schemas=("app",))
    else:
        with pytest.raises(StatementCheckError):
            check_statement(statement, "create-schema", schemas=("app",))


def test_pgcheck_refuses_public_names_in_a_script_for_another_schema() -> None:
    with pytest.raises(StatementCheckError, match="outside its schema"):
        check_statement("ALTER TABLE public.t ADD CHECK (true);", "alter-table", schemas=("app",))
    with pytest.raises(StatementCheckError, match="names the type"):
        check_statement("CREATE TABLE app.t (c app.citext);", "create-table", schemas=("app",))
    check_statement("CREATE TABLE app.t (c public.citext);", "create-table", schemas=("app",))
