"""``dumpconv verify SOURCE DSN``: after psql -f loaded a script, PostgreSQL is compared with
the source (the conversion run again with the same options, its rows staged in temporary
tables). Real sqlite3, real psql, the suite's PostgreSQL; the command through its typer app.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict
from typer.testing import CliRunner, Result

import dumpconv
from dumpconv.cli.verify import INSTALL, app
from tests.end_to_end.test_roundtrip import FIXTURES, SHARED_DUMPS, _full_dumps
from tests.pgharness import PgServer

pytestmark = pytest.mark.pg

SOURCE = """
CREATE TABLE book (id INTEGER PRIMARY KEY, title TEXT NOT NULL, price REAL, added datetime);
INSERT INTO book VALUES (7, 'It''s', 1.5, '2024-03-05 14:07:09');
INSERT INTO book VALUES (8, 'tab	and
newline', NULL, '2024-03-05 14:07:09.5');
INSERT INTO book VALUES (9, 'Ünïcødé', 0.1, NULL);
CREATE TABLE tag (book_id INTEGER, label TEXT);
INSERT INTO tag VALUES (7, 'a'), (7, 'a'), (9, 'b');
CREATE TABLE pair (a INTEGER, b TEXT, note TEXT, PRIMARY KEY (a, b));
INSERT INTO pair VALUES (1, 'x', 'one'), (1, 'y', 'two');
CREATE TABLE empty (id INTEGER PRIMARY KEY, v TEXT);
CREATE TABLE cache (k TEXT PRIMARY KEY, v BLOB);
INSERT INTO cache VALUES ('k', x'00ff');
"""


def _dump(tmp_path: Path, sql: str) -> Path:
    db = tmp_path / "app.db"
    con = sqlite3.connect(db)
    con.executescript(sql)
    con.close()
    dump = tmp_path / "app.sql"
    dump.write_bytes(subprocess.run(["sqlite3", db, ".dump"], capture_output=True,
                                    check=True).stdout)  # fmt: skip
    return dump


def _load(server: PgServer, dsn: str, dump: Path, tmp_path: Path, *args: str) -> None:
    """Convert with the command line (``args`` its options) and load with psql."""
    out = tmp_path / "pg.sql"
    proc = subprocess.run([sys.executable, "-m", "dumpconv", *args, str(dump), "-o", str(out)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    server.load_sql(dsn, out).check()


def _verify(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def loaded(pg_server: PgServer, pg_db: str, tmp_path: Path) -> tuple[Path, str]:
    dump = _dump(tmp_path, SOURCE)
    _load(pg_server, pg_db, dump, tmp_path, "--exclude-table-data", "cache")
    return dump, pg_db


def test_a_faithful_load_is_ok(loaded: tuple[Path, str]) -> None:
    dump, dsn = loaded
    result = _verify(str(dump), dsn, "--exclude-table-data", "cache")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "table book: OK (3 rows)" in lines
    assert "table tag: OK (3 rows)" in lines
    assert "table empty: OK (0 rows)" in lines
    assert "table cache: skipped: its rows are not loaded (--exclude-table-data)" in lines
    assert lines[-1] == "dumpconv: verify: all 4 tables match (8 rows); 1 skipped"


def test_a_changed_value_is_named_by_table_row_and_column(
    loaded: tuple[Path, str], pg_server: PgServer
) -> None:
    dump, dsn = loaded
    pg_server.query(dsn, "UPDATE public.book SET title = 'x' WHERE id = 7")
    result = _verify(str(dump), dsn, "--exclude-table-data", "cache")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "table book: differs from the source" in lines
    assert "table book: row id=7: title is 'x' in PostgreSQL, 'It''s' from the source" in lines
    assert "table tag: OK (3 rows)" in lines
    assert lines[-1].startswith("dumpconv: verify: of 4 tables, 1 differ (book)")


def test_a_missing_and_an_extra_row(loaded: tuple[Path, str], pg_server: PgServer) -> None:
    dump, dsn = loaded
    pg_server.query(dsn, "DELETE FROM public.book WHERE id = 9")
    pg_server.query(dsn, "INSERT INTO public.book (id, title) VALUES (10, 'new')")
    pg_server.query(dsn, "UPDATE public.pair SET note = NULL WHERE a = 1 AND b = 'y'")
    pg_server.query(dsn, "INSERT INTO public.empty VALUES (1, 'not empty')")
    result = _verify(str(dump), dsn, "--exclude-table-data", "cache")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "table book: row id=9 is missing" in lines
    assert "table book: row id=10 is extra (not in the source)" in lines
    assert "table pair: row a=1, b='y': note is NULL in PostgreSQL, 'two' from the source" in lines
    assert "table empty: 1 row in PostgreSQL, 0 from the source" in lines
    assert "table empty: row id=1 is extra (not in the source)" in lines


def test_rows_of_a_table_without_a_key_are_shown_by_their_values(
    loaded: tuple[Path, str], pg_server: PgServer
) -> None:
    dump, dsn = loaded
    # One of two equal rows gone: a multiset, not a set, is compared.
    pg_server.query(dsn, "DELETE FROM public.tag WHERE ctid = (SELECT min(ctid) FROM public.tag"
                         " WHERE label = 'a')")  # fmt: skip
    pg_server.query(dsn, "UPDATE public.tag SET label = 'c' WHERE label = 'b'")
    result = _verify(str(dump), dsn, "--exclude-table-data", "cache")
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith("table tag")]
    assert lines == [
        "table tag: differs from the source",
        "table tag: 2 rows in PostgreSQL, 3 from the source",
        "table tag: row (9, 'c') is extra (not in the source)",
        "table tag: row (7, 'a') is missing",
        "table tag: row (9, 'b') is missing",
    ]


def test_a_table_postgresql_lacks_fails(loaded: tuple[Path, str], pg_server: PgServer) -> None:
    dump, dsn = loaded
    pg_server.query(dsn, "DROP TABLE public.pair")
    result = _verify(str(dump), dsn, "--exclude-table-data", "cache")
    assert result.exit_code == 1
    assert "table pair: missing in PostgreSQL" in result.stdout.splitlines()
    assert "1 are missing in PostgreSQL (pair)" in result.stdout
    pg_server.query(dsn, "ALTER TABLE public.book DROP COLUMN price")
    result = _verify(str(dump), dsn, "--exclude-table-data", "cache", "--quiet")
    assert result.stdout.splitlines()[:3] == [
        "table book: cannot be compared",
        "table book: columns missing in PostgreSQL: price",
        "table pair: missing in PostgreSQL",
    ]  # --quiet: only what does not match, and the summary


def test_a_source_that_does_not_convert_is_one_line(loaded: tuple[Path, str], tmp_path: Path
                                                    ) -> None:  # fmt: skip
    dump, dsn = loaded
    cut = tmp_path / "cut.sql"
    cut.write_bytes(dump.read_bytes().replace(b"COMMIT;", b""))
    result = _verify(str(cut), dsn)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("dumpconv: error: ")
    assert _verify(str(tmp_path / "nonexistent.sql"), dsn).exit_code == 1


def test_options_that_change_values_must_be_given(loaded: tuple[Path, str]) -> None:
    """Without --exclude-table-data, the cache's row is missing in PostgreSQL."""
    dump, dsn = loaded
    result = _verify(str(dump), dsn)
    assert result.exit_code == 1
    assert "table cache: row k='k' is missing" in result.stdout.splitlines()


def test_the_database_is_not_changed(loaded: tuple[Path, str], pg_server: PgServer) -> None:
    dump, dsn = loaded
    before = pg_server.query(dsn, "SELECT count(*) FROM pg_catalog.pg_class")
    assert _verify(str(dump), dsn, "--exclude-table-data", "cache").exit_code == 0
    assert pg_server.query(dsn, "SELECT count(*) FROM pg_catalog.pg_class") == before


def test_the_connection_from_libpq_environment_variables(loaded: tuple[Path, str]) -> None:
    dump, dsn = loaded
    parts = conninfo_to_dict(dsn)
    env = {"PGHOST": str(parts["host"]), "PGPORT": str(parts["port"]),
           "PGDATABASE": str(parts["dbname"]), "PGUSER": str(parts["user"])}  # fmt: skip
    result = _verify(str(dump), "--exclude-table-data", "cache", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("dumpconv: verify: all 4 tables match")


def test_a_bare_word_is_a_database_name_as_in_psql(loaded: tuple[Path, str]) -> None:
    """dumpconv verify app.db target, as psql -d target: the rest from PG* variables."""
    dump, dsn = loaded
    parts = conninfo_to_dict(dsn)
    env = {"PGHOST": str(parts["host"]), "PGPORT": str(parts["port"]),
           "PGUSER": str(parts["user"])}  # fmt: skip
    result = _verify(str(dump), str(parts["dbname"]), "--exclude-table-data", "cache", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("dumpconv: verify: all 4 tables match")


@pytest.mark.parametrize(
    "dsn",
    [
        "host=/nonexistent-dir port=1 dbname=x user=u password=sekrit-pw-42",
        "postgresql://u:sekrit-pw-42@127.0.0.1:1/db",
        "host=x password=sekrit-pw-42 nosuchoption=1",
    ],
)
def test_a_wrong_dsn_is_one_line_without_the_password(dsn: str, tmp_path: Path) -> None:
    dump = _dump(tmp_path, SOURCE)
    result = _verify(str(dump), dsn)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("dumpconv: error: cannot connect to PostgreSQL: ")
    assert "sekrit" not in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _verify().exit_code == 2
    assert _verify(str(tmp_path), "--framework", "nope").exit_code == 2
    assert _verify(str(tmp_path), "--cast", "nonsense").exit_code == 2


def test_without_psycopg_one_line_names_the_extra(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None  # as if it were not installed\n"
        "from dumpconv.cli.verify import app; app(prog_name='dumpconv verify')"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.sql")],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr == f"dumpconv: verify needs psycopg: {INSTALL}\n"


@pytest.mark.parametrize(
    "dump",
    [*sorted(FIXTURES.glob("*.sqlite.sql")), *_full_dumps()],
    ids=lambda p: p.name,
)
def test_every_fixture_and_shared_dump_verifies_after_its_load(
    dump: Path, pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    _load(pg_server, pg_db, dump, tmp_path)
    result = _verify(str(dump), pg_db)
    assert result.exit_code == 0, result.output
    assert "dumpconv: verify: all " in result.stdout


def test_a_load_in_another_schema_with_casts(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    dump = _dump(tmp_path, SOURCE + "CREATE TABLE ev (id INTEGER PRIMARY KEY, at INTEGER);"
                 "INSERT INTO ev VALUES (1, 1700000000), (2, 0);")  # fmt: skip
    options = ("--schema", "app", "--cast", "ev.at=timestamptz:epoch-s")
    _load(pg_server, pg_db, dump, tmp_path, *options)
    result = _verify(str(dump), pg_db, *options)
    assert result.exit_code == 0, result.output
    assert "table app.ev: OK (2 rows)" in result.stdout.splitlines()
    # Without the cast, the source's numbers do not load into timestamptz: said, exit 1.
    result = _verify(str(dump), pg_db, "--schema", "app")
    assert result.exit_code == 1
    assert "table app.ev: the source's rows do not load into its columns: " in result.stdout
    assert "table app.book: OK (3 rows)" in result.stdout.splitlines()
    # In public, where nothing was loaded, every table is missing.
    result = _verify(str(dump), pg_db, *options[2:])
    assert result.exit_code == 1
    assert "table ev: missing in PostgreSQL" in result.stdout.splitlines()


def test_a_load_into_a_target_schema(pg_server: PgServer, pg_db: str, tmp_path: Path) -> None:
    pg_server.query(
        pg_db,
        "CREATE TABLE public.book (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        "title varchar(20) NOT NULL, price numeric(6,2), added timestamptz, "
        "created timestamptz NOT NULL DEFAULT now(), doubled bigint GENERATED ALWAYS AS "
        "(id * 2) STORED)",
    )
    target = pg_server.dump_schema(pg_db, tmp_path / "schema.sql")
    dump = _dump(tmp_path, SOURCE.split("CREATE TABLE tag")[0])
    _load(pg_server, pg_db, dump, tmp_path, "--target-schema", str(target))
    result = _verify(str(dump), pg_db, "--target-schema", str(target))
    assert result.exit_code == 0, result.output
    assert "table book: OK (3 rows)" in result.stdout.splitlines()
    pg_server.query(pg_db, "UPDATE public.book SET price = 2.25 WHERE id = 7")
    result = _verify(str(dump), pg_db, "--target-schema", str(target))
    assert "table book: row id=7: price is 2.25 in PostgreSQL, 1.50 from the source" in (
        result.stdout.splitlines()
    )


def test_a_load_from_a_dump_that_lost_data_is_reported(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    """The load came from a dump that lost a value; verify is given the source it lost it
    from (here, a dump of the database as it was)."""
    dump = _dump(tmp_path, SOURCE)
    lost = tmp_path / "lost.sql"
    lost.write_bytes(dump.read_bytes().replace(b"'It''s'", b"'It'"))
    _load(pg_server, pg_db, lost, tmp_path, "--exclude-table-data", "cache")
    result = _verify(str(dump), pg_db, "--exclude-table-data", "cache")
    assert result.exit_code == 1
    assert "table book: row id=7: title is 'It' in PostgreSQL, 'It''s' from the source" in (
        result.stdout.splitlines()
    )


def test_verify_reads_a_compressed_source(loaded: tuple[Path, str], tmp_path: Path) -> None:
    dump, dsn = loaded
    packed = tmp_path / "app.sql.gz"
    packed.write_bytes(subprocess.run(["gzip", "-c", str(dump)], capture_output=True,
                                      check=True).stdout)  # fmt: skip
    result = _verify(str(packed), dsn, "--exclude-table-data", "cache")
    assert result.exit_code == 0, result.output


def test_the_python_api(loaded: tuple[Path, str]) -> None:
    from dumpconv import verify

    dump, dsn = loaded
    options = dumpconv.Options(exclude_data=frozenset({"cache"}))
    with open(dump, "rb") as src:
        verdict = verify.verify(
            verify.Session(verify.connect(dsn)), lambda out: dumpconv.convert(src, out, options),
            options,
        )  # fmt: skip
    assert verdict.ok
    assert [t.name for t in verdict.tables] == ["book", "tag", "pair", "empty", "cache"]


def test_a_load_from_a_dump_cut_at_nul_differs_from_the_database_file(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    """sqlite3 .dump cuts every text at its first NUL: verified against the database file
    itself (read directly), the two values it cut are named."""
    pytest.importorskip("dumpconv.read.database", reason="the SQLite database reader")
    dump = SHARED_DUMPS / "sqlite-3.53.4.dump.sql"
    _load(pg_server, pg_db, dump, tmp_path)
    result = _verify(str(SHARED_DUMPS / "sample.db"), pg_db)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stdout.splitlines() if ": OK (" not in line]
    assert lines == [
        "table strings: differs from the source",
        "table strings: row id=32: s is 'a' in PostgreSQL, 'a\ufffdb' from the source",
        "table strings: row id=35: s is 'abc' in PostgreSQL, 'abc\ufffd\ufffd' from the source",
        "dumpconv: verify: of 22 tables, 1 differ (strings)",
    ]


def test_a_full_text_load(pg_server: PgServer, pg_db: str, tmp_path: Path) -> None:
    """--full-text: the FTS table's rows are compared; its tsvector column is PostgreSQL's."""
    fts = "CREATE VIRTUAL TABLE doc USING fts5(title, body);"
    dump = _dump(tmp_path, fts + "INSERT INTO doc VALUES ('one', 'a text'), ('two', 'it''s');")
    _load(pg_server, pg_db, dump, tmp_path, "--full-text")
    result = _verify(str(dump), pg_db, "--full-text")
    assert result.exit_code == 0, result.output
    assert "table doc: OK (2 rows)" in result.stdout.splitlines()


def test_quoted_names_long_values_and_many_differences(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    rows = ", ".join(f"({i}, 'v{i}')" for i in range(1, 13))
    dump = _dump(tmp_path, 'CREATE TABLE "Odd %s" ("Key Id" INTEGER PRIMARY KEY, v TEXT);'
                 f'INSERT INTO "Odd %s" VALUES {rows};')  # fmt: skip
    _load(pg_server, pg_db, dump, tmp_path)
    pg_server.query(pg_db, "UPDATE public.\"Odd %s\" SET v = repeat('x', 100) || v")
    result = _verify(str(dump), pg_db)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    long = "'" + "x" * 59 + "…'"
    assert (
        lines[1]
        == f"table Odd %s: row \"Key Id\"=1: v is {long} in PostgreSQL, 'v1' from the source"
    )
    assert (
        lines[10]
        == f"table Odd %s: row \"Key Id\"=10: v is {long} in PostgreSQL, 'v10' from the source"
    )
    assert lines[11] == "table Odd %s: (the first 10 differing rows are shown)"


def test_the_settings_the_conversion_read_apply(
    loaded: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """[tool.dumpconv] of the nearest pyproject.toml, as for the conversion: its settings
    for options verify has apply (the others, such as strict, are not errors)."""
    dump, dsn = loaded
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dumpconv]\nexclude-table-data = ["cache"]\nstrict = true\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert _verify(str(dump), dsn).exit_code == 0
    other = tmp_path / "other.toml"
    other.write_text("nonsense = 1\n", encoding="utf-8")
    result = _verify(str(dump), dsn, "--config", str(other))
    assert result.exit_code == 2
    assert "unknown setting 'nonsense'" in result.output
