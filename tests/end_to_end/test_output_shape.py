"""The output-shape options (issue 14): --inserts and --rows-per-insert N load the same
database as COPY; --schema-only then --data-only into one database equals the whole script;
a --drop script loaded twice equals it loaded once. Every script is loaded by psql into
the suite's PostgreSQL and the databases are compared table by table (each row's text),
with their sequences, constraints, indexes, views, functions and triggers."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

import dumpconv
from dumpconv.base.errors import DumpconvError
from tests.pgharness import PgServer
from tests.read.test_hotpath import DUMPS

pytestmark = pytest.mark.pg

KEY = "0123456789abcdef" * 2

# Every dump whose rows are written into tables the script creates (a data-only dump has
# its own test below); a dump sqlite3 reported errors in is converted with
# --allow-incomplete.
# Whole dumps; an interactive session's dump (-tty) is refused whatever the options
# (tests/end_to_end/test_baseline.py holds its refusal).
WHOLE = [p for p in DUMPS if "data-only" not in p.name and "-tty" not in p.name]


def convert(dump: bytes, **options: Any) -> bytes:
    out = io.BytesIO()
    dumpconv.convert(io.BytesIO(dump), out, dumpconv.Options(restrict_key=KEY, **options))
    return out.getvalue()


def usable(path: Path) -> dict[str, Any] | None:
    """The options a dump converts with, or None when it cannot be converted at all."""
    for options in ({}, {"allow_incomplete": True}):
        try:
            convert(path.read_bytes(), **options)
        except DumpconvError:
            continue
        return options
    return None


def load(server: PgServer, dsn: str, script: bytes, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.sql"
    path.write_bytes(script)
    result = server.load_sql(dsn, path)
    assert result.returncode == 0, f"{name}: {result.stderr[-2000:]}"


def snapshot(server: PgServer, dsn: str, *, objects: bool = True) -> dict[str, Any]:
    """What the database holds: every table's column types and rows (as text, sorted), the
    sequences' positions and, with ``objects``, every constraint, index, view, function and
    trigger of schema public."""
    tables = [
        r[0]
        for r in server.query(
            dsn,
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
            "AND c.relkind = 'r' ORDER BY 1",
        )
    ]
    shot: dict[str, Any] = {}
    for table in tables:
        name = '"public".' + '"' + table.replace('"', '""') + '"'
        rows = server.query(
            dsn, f"SELECT coalesce(array_agg(x::text ORDER BY x::text), '{{}}') FROM {name} x"
        )
        types = server.query(
            dsn,
            "SELECT attname, format_type(atttypid, atttypmod), attnotnull, attidentity, "
            "attgenerated FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
            (name,),
        )
        shot[f"table {table}"] = (types, rows[0][0])
    for (seq,) in server.query(
        dsn, "SELECT relname FROM pg_class WHERE relkind = 'S' AND "
        "relnamespace = 'public'::regnamespace ORDER BY 1",
    ):  # fmt: skip
        quoted = '"public"."' + seq.replace('"', '""') + '"'
        shot[f"sequence {seq}"] = server.query(dsn, f"SELECT last_value, is_called FROM {quoted}")
    if objects:
        shot["constraints"] = server.query(
            dsn,
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
        )
        shot["indexes"] = server.query(
            dsn, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "ORDER BY 1",
        )  # fmt: skip
        shot["views"] = server.query(
            dsn, "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' "
            "ORDER BY 1",
        )  # fmt: skip
        shot["functions"] = server.query(
            dsn, "SELECT proname, prosrc FROM pg_proc WHERE "
            "pronamespace = 'public'::regnamespace ORDER BY 1",
        )  # fmt: skip
        shot["triggers"] = server.query(
            dsn, "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger "
            "WHERE NOT tgisinternal ORDER BY 1, 2",
        )  # fmt: skip
    return shot


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return [key for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)]


@pytest.mark.parametrize("path", WHOLE, ids=lambda p: p.name)
def test_every_shape_loads_the_same_database(
    path: Path, pg_server: PgServer, tmp_path: Path
) -> None:
    """COPY, one row per INSERT, three rows per INSERT, --schema-only then --data-only, and
    a --drop script loaded twice: five databases, each the same as the first."""
    options = usable(path)
    assert options is not None, "a whole dump converts, with --allow-incomplete at least"
    dump = path.read_bytes()
    scripts = {
        "copy": [convert(dump, **options)],
        "inserts": [convert(dump, inserts=True, **options)],
        "rows-per-insert-3": [convert(dump, rows_per_insert=3, **options)],
        "schema-then-data": [
            convert(dump, schema_only=True, **options),
            convert(dump, data_only=True, **options),
        ],
        "drop-twice": [convert(dump, drop=True, **options)] * 2,
    }
    assert b"COPY " not in scripts["inserts"][0]
    assert b"COPY " not in scripts["schema-then-data"][0]
    shots: dict[str, dict[str, Any]] = {}
    for shape, parts in scripts.items():
        dsn = pg_server.create_db()
        try:
            if shape == "schema-then-data" and _not_valid(shots["copy"]):
                # Rows whose key references nothing: the whole script adds the key NOT VALID
                # after them; into the schema-only script's key, they fail (README).
                load(pg_server, dsn, parts[0], tmp_path, "schema")
                path = tmp_path / "rows.sql"
                path.write_bytes(parts[1])
                result = pg_server.load_sql(dsn, path)
                assert result.returncode != 0
                assert "violates foreign key constraint" in result.stderr
                continue
            for i, script in enumerate(parts):
                load(pg_server, dsn, script, tmp_path, f"{shape}-{i}")
            shots[shape] = snapshot(pg_server, dsn)
        finally:
            pg_server.drop_db(dsn)
    for shape, shot in shots.items():
        assert differences(shots["copy"], shot) == [], shape


def _not_valid(shot: dict[str, Any]) -> bool:
    return any(not valid for *_, valid in shot["constraints"])


DATA_ONLY = [p for p in DUMPS if "data-only" in p.name]


@pytest.mark.parametrize("path", DATA_ONLY, ids=lambda p: p.name)
def test_a_data_only_dump_loads_the_same_rows_as_inserts(
    path: Path, pg_server: PgServer, tmp_path: Path
) -> None:
    """A data-only dump's rows (staged in a temporary table, then moved) as COPY and as
    INSERTs, into the schema the same database's whole dump creates."""
    whole = path.with_name(path.name.replace("-data-only", ""))
    schema = convert(whole.read_bytes(), schema_only=True)
    shots = []
    for options in ({}, {"inserts": True}, {"rows_per_insert": 5}):
        dsn = pg_server.create_db()
        try:
            load(pg_server, dsn, schema, tmp_path, "schema")
            load(pg_server, dsn, convert(path.read_bytes(), **options), tmp_path, "rows")
            shots.append(snapshot(pg_server, dsn, objects=False))
        finally:
            pg_server.drop_db(dsn)
    assert differences(shots[0], shots[1]) == []
    assert differences(shots[0], shots[2]) == []
    assert any(rows for key, (_, rows) in shots[0].items() if key.startswith("table "))


CYCLE = b"""PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE shelf(id INTEGER PRIMARY KEY, favourite INTEGER REFERENCES slot(id));
INSERT INTO shelf VALUES(1,2);
CREATE TABLE slot(id INTEGER PRIMARY KEY, shelf_id INTEGER REFERENCES shelf(id));
INSERT INTO slot VALUES(2,1);
CREATE TABLE person(id INTEGER PRIMARY KEY, boss INTEGER REFERENCES person(id));
INSERT INTO person VALUES(1,2);
INSERT INTO person VALUES(2,NULL);
CREATE TABLE pet(id INTEGER PRIMARY KEY, owner INTEGER REFERENCES person(id));
INSERT INTO pet VALUES(1,1);
COMMIT;
"""


def test_data_only_loads_referenced_tables_first(pg_server: PgServer, tmp_path: Path) -> None:
    """pet comes before person in the dump; its rows load after person's. The cycle of
    shelf and slot has no order: the script warns, and --disable-triggers loads it."""
    dump = CYCLE.replace(b"CREATE TABLE person", b"CREATE TABLE zz_unused(x);\nCREATE TABLE person")
    data = convert(dump, data_only=True).decode()
    assert data.index("COPY public.person") < data.index("COPY public.pet")
    assert "WARNING: table shelf: its foreign keys form a cycle" in data
    assert "WARNING: table person" not in data  # one COPY: checked at its end
    inserts = convert(dump, data_only=True, inserts=True).decode()
    assert "WARNING: table person: its foreign keys form a cycle" in inserts
    schema = convert(dump, schema_only=True)
    full = convert(dump)
    dsn = pg_server.create_db()
    try:
        load(pg_server, dsn, full, tmp_path, "full")
        want = snapshot(pg_server, dsn)
    finally:
        pg_server.drop_db(dsn)
    for options in ({}, {"inserts": True}):
        dsn = pg_server.create_db()
        try:
            load(pg_server, dsn, schema, tmp_path, "schema")
            rows = tmp_path / "rows.sql"
            rows.write_bytes(convert(dump, data_only=True, **options))
            result = pg_server.load_sql(dsn, rows)
            assert result.returncode != 0  # shelf's row references slot's, loaded later
            assert "foreign key" in result.stderr
            fixed = convert(dump, data_only=True, disable_triggers=True, **options)
            assert b"DISABLE TRIGGER ALL" in fixed
            load(pg_server, dsn, fixed, tmp_path, "rows")  # the suite's role is a superuser
            assert differences(want, snapshot(pg_server, dsn)) == []
        finally:
            pg_server.drop_db(dsn)


def test_deferrable_keys_are_checked_at_commit(pg_server: PgServer, tmp_path: Path) -> None:
    """A cycle declared DEFERRABLE INITIALLY DEFERRED loads without a warning."""
    dump = CYCLE.replace(
        b"REFERENCES slot(id)", b"REFERENCES slot(id) DEFERRABLE INITIALLY DEFERRED"
    ).replace(b"REFERENCES shelf(id)", b"REFERENCES shelf(id) DEFERRABLE INITIALLY DEFERRED")
    data = convert(dump, data_only=True)
    assert b"table shelf: its foreign keys" not in data
    assert b"SET CONSTRAINTS ALL DEFERRED;" in data
    dsn = pg_server.create_db()
    try:
        load(pg_server, dsn, convert(dump, schema_only=True), tmp_path, "schema")
        load(pg_server, dsn, data, tmp_path, "rows")
        rows = pg_server.query(dsn, "SELECT count(*) FROM public.shelf, public.slot")
        assert rows == [(1,)]
    finally:
        pg_server.drop_db(dsn)


def test_the_header_names_the_options() -> None:
    dump = CYCLE
    for options, words in (
        ({"inserts": True}, "--inserts"),
        ({"rows_per_insert": 7}, "--rows-per-insert 7"),
        ({"schema_only": True, "drop": True}, "--schema-only --drop"),
        ({"data_only": True, "inserts": True}, "--data-only --inserts"),
    ):
        assert f"-- options: {words}\n".encode() in convert(dump, **options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"schema_only": True, "data_only": True}, "--schema-only and --data-only"),
        ({"data_only": True, "drop": True}, "--drop and --data-only"),
        ({"rows_per_insert": 0}, "at least 1"),
        ({"disable_triggers": True}, "--disable-triggers without"),
    ],
)
def test_options_that_cannot_go_together(options: dict[str, Any], message: str) -> None:
    with pytest.raises(DumpconvError, match=message):
        convert(CYCLE, **options)


@pytest.mark.parametrize("option", ["schema_only", "data_only", "drop"])
def test_a_data_only_dump_refuses_the_schema_options(option: str) -> None:
    dump = b"INSERT INTO t VALUES(1);\n"
    with pytest.raises(DumpconvError, match="only rows"):
        convert(dump, **{option: True})


def test_schema_only_writes_no_rows_and_no_setval() -> None:
    script = convert(CYCLE, schema_only=True)
    assert b"COPY" not in script
    assert b"INSERT" not in script
    assert b"setval" not in script
    assert b"FOREIGN KEY" in script
