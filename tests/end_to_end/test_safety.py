"""Issue 10's classes, each closed where it is decided (no PostgreSQL needed here; the attack
fuzzer in test_attacks.py loads hostile dumps into a real server).

* the statement check (pgcheck): one statement, the kind meant, only our functions, relations
  in the target schema, no raw control characters, no psql meta-command lines;
* expressions: whatever the input holds, a translation is a tree we generated, or left out;
* names and values that PostgreSQL cannot hold, malformed literals, out-of-range type
  parameters, rows for tables the dump never created;
* the restrict key, and the report printed to a terminal.
"""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from typer.testing import CliRunner

import dumpconv
from dumpconv.base.errors import DumpconvError
from dumpconv.base.pgsql import qualified, quote_ident, quote_literal
from dumpconv.base.safetext import printable
from dumpconv.cli import app
from dumpconv.read.schema import Schema
from dumpconv.read.sqlite_ddl import parse_create_table
from dumpconv.translate import Scope, Untranslatable, translate_expr, translate_query
from dumpconv.translate.functions import CLOCK, FUNCTIONS, NOT_YET
from dumpconv.write.pgcheck import StatementCheckError, check_guard, check_statement
from dumpconv.write.writer import Writer
from tests.pgharness import PgServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
HEAD = b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"


def convert(body: bytes, **options: object) -> tuple[str, dumpconv.Report]:
    out = io.BytesIO()
    opts = dumpconv.Options(restrict_key="k", **options)  # type: ignore[arg-type]
    report = dumpconv.convert(io.BytesIO(HEAD + body + b"\nCOMMIT;\n"), out, opts)
    return out.getvalue().decode("utf-8"), report


# --- the statement check -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("CREATE TABLE public.t (a bigint);", "create-table"),
        ("COPY public.t (a) FROM stdin;", "copy"),
        ("ALTER TABLE ONLY public.t ADD CONSTRAINT c CHECK (lower(a) <> 'x');", "alter-table"),
        ("CREATE INDEX i ON public.t ((lower(a))) WHERE b > 1;", "index"),
        ("CREATE VIEW public.v AS SELECT count(*) FROM public.t;", "view"),
        ("SELECT pg_catalog.set_config('search_path', '', false);", "select"),
    ],
)
def test_statements_dumpconv_writes_pass(sql: str, kind: str) -> None:
    check_statement(sql, kind)


@pytest.mark.parametrize(
    ("sql", "kind", "why"),
    [
        ("CREATE TABLE public.t (a int); DROP TABLE x;", "create-table", "2 statements"),
        (
            "CREATE TABLE public.t (a int /* /* */ ); DROP TABLE x; /* */);",
            "create-table",
            "cannot parse",  # PostgreSQL nests comments: the rest is an open comment
        ),
        ("CREATE TABLE t (a int);", "create-table", "outside its schema"),
        ("CREATE TABLE pg_catalog.t (a int);", "create-table", "outside its schema"),
        ("CREATE TABLE public.t (a public.evil);", "create-table", "type"),
        ("CREATE TABLE public.t (a other.citext);", "create-table", "type"),
        (
            "CREATE EXTENSION IF NOT EXISTS plpython3u WITH SCHEMA public;",
            "create-extension",
            "creates the extension plpython3u",
        ),
        (
            "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA pg_catalog;",
            "create-extension",
            "outside",
        ),
        ("ALTER TABLE public.t ADD CHECK (public.f(a));", "alter-table", "calls"),
        ("ALTER TABLE public.t ADD CHECK (pg_sleep(1) IS NULL);", "alter-table", "calls"),
        ("ALTER TABLE public.t ADD CHECK (lo_export(1, '/tmp/x') > 0);", "alter-table", "calls"),
        ("COPY public.t FROM '/etc/passwd';", "copy", "stdin"),
        ("COPY public.t FROM PROGRAM 'id';", "copy", "stdin"),
        ("COPY (SELECT 1) TO STDOUT;", "copy", "stdin"),
        ("SELECT 1;", "create-table", "not create-table"),
        ("SELECT 'a\rb';", "select", "control"),
        ("SELECT 'a\x1b[2Jb';", "select", "control"),
        ("SELECT 1\n\\! id\n;", "select", "backslash"),
        ("SELECT 1 \\g", "select", "outside quotes"),  # psql runs \g anywhere on a line
        ("SELECT :secret", "select", "outside quotes"),  # psql would interpolate it
        ("SELECT 'x\udcff';", "select", "control"),
    ],
)
def test_statements_that_are_not_what_was_meant_fail(sql: str, kind: str, why: str) -> None:
    with pytest.raises(StatementCheckError, match=re.escape(why)):
        check_statement(sql, kind)


def test_a_guard_must_execute_exactly_its_statements() -> None:
    buf = io.BytesIO()
    w = Writer(buf)
    w.guarded("CREATE INDEX i ON public.t (a);", "index", "index i", None)
    text = buf.getvalue().decode()
    body = text[len("DO $dumpconv$") : text.rindex("$dumpconv$")]
    check_guard(text.strip(), body, ["$sql$CREATE INDEX i ON public.t (a)$sql$"])
    with pytest.raises(StatementCheckError):
        check_guard(text.strip(), body, ["$sql$CREATE INDEX j ON public.t (a)$sql$"])
    smuggled = text.replace("EXCEPTION", "EXECUTE 'DROP TABLE x';\nEXCEPTION")
    with pytest.raises(StatementCheckError):
        check_guard(smuggled.strip(), smuggled[13 : smuggled.rindex("$dumpconv$")], [])


def test_guard_names_cannot_break_out_of_their_message() -> None:
    buf = io.BytesIO()
    Writer(buf).guarded(
        "CREATE INDEX i ON public.t (a);", "index", "index x'; DROP TABLE t; --\n\\! id %", None
    )
    text = buf.getvalue().decode()
    assert "\n\\!" not in text
    assert "'dumpconv: index x''; DROP TABLE t; --\\x0a\\! id %% not created: %'" in text


# --- expressions -------------------------------------------------------------------------------


def _scope() -> Scope:
    schema = Schema()
    t = parse_create_table('CREATE TABLE t (a TEXT, b INT, "we""ird" TEXT)', 1, schema)
    schema.add(t)
    types = {(t.key, c.key): "text" if c.name != "b" else "bigint" for c in t.columns}
    return Scope(schema, [t], types)


@pytest.mark.parametrize(
    "expr",
    [
        "a <> 'x' /* hidden */ AND b > 0",
        "b > 0 -- a comment\r DROP TABLE t",
        "a = 'it''s' /* /* nested */",
        "length(a) < 10 AND lower(a) = a",
        '"we""ird" IS NOT NULL',
        "a LIKE 'x%'",
        "CASE WHEN b > 1 THEN 'big' ELSE 'small' END = a",
        "b BETWEEN 0x10 AND 1e3",
    ],
)
def test_translations_are_generated_never_copied(expr: str) -> None:
    out = translate_expr(expr, _scope())
    check_statement(f"ALTER TABLE public.t ADD CHECK ({out});", "alter-table")
    assert "/*" not in out
    assert "--" not in out
    assert "hidden" not in out
    assert "DROP" not in out


@pytest.mark.parametrize(
    ("expr", "why"),
    [
        ("pg_sleep(10) IS NULL", "pg_sleep"),
        ("lo_export(1, '/tmp/x') > 0", "lo_export"),
        ("set_config('search_path', 'x', false) = ''", "set_config"),
        ("repeat(a, 1000000000) = a", "repeat"),
        ("current_setting('is_superuser') = 'on'", "current_setting"),
        ("greatest(b, 1) > 0", "greatest"),  # not a SQLite function
        ("a IN (1,2); DROP TABLE t", "cannot"),
        ("printf('%.2f', b) = a", "printf"),
        ("b = ?", "?"),
        ("b = $1", "$1"),
        ("b = @x", "@x"),
        ("a = X'00'", "X'00'"),
        ("a COLLATE NOCASE = 'x'", "collate"),
        ("(SELECT count(*) FROM t) > 0", "Subquery"),
        ("(SELECT 1 FROM t) > 0", "Subquery"),
        ("typeof(b + 1) = 'integer'", "typeof"),
        ("a = 'x\x00y'", "NUL"),
        ("b > " + "(" * 400 + "1" + ")" * 400, "cannot be parsed"),
        ("weird ~~~ thing", "cannot be parsed"),
        ("aux.t.a > 0", "database 'aux'"),
        ("length('\udcff') = 1", "not valid UTF-8"),  # SQLite counts other characters
    ],
)
def test_anything_outside_the_translation_table_is_left_out(expr: str, why: str) -> None:
    with pytest.raises(Untranslatable, match=re.escape(why)):
        translate_expr(expr, _scope())


def test_views_name_only_converted_tables_and_generate_everything() -> None:
    out = translate_query("SELECT a /* x */, count(*) AS n FROM t GROUP BY a", _scope())
    assert out == "SELECT a, COUNT(*) AS n FROM public.t GROUP BY a"
    with pytest.raises(Untranslatable):
        translate_query("SELECT * FROM pg_authid", _scope())
    with pytest.raises(Untranslatable):
        translate_query("SELECT pg_read_file('/etc/passwd') FROM t", _scope())
    with pytest.raises(Untranslatable, match="aux"):
        translate_query("SELECT a FROM aux.t", _scope())
    assert translate_query("SELECT main.t.a FROM main.t", _scope()) == "SELECT t.a FROM public.t"


_HOSTILE = st.sampled_from(
    ["/*", "*/", "--", "\r", "\n", "'", '"', ";", "$$", "$dumpconv$", "\\", "\\.", "E'\\'",
     "\\! touch /tmp/x", "DROP TABLE t", "pg_sleep(1)", "(", ")", "a", "b", "1", " ", "||",
     "`", "[", "]", "\x1b[2J", "\u202e", "lower(", "CASE", "END", "AND", "NOT", "x'41'"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_HOSTILE, min_size=1, max_size=25).map("".join))
def test_any_text_translates_to_a_checked_statement_or_is_left_out(expr: str) -> None:
    try:
        out = translate_expr(expr, _scope())
    except Untranslatable:
        return
    check_statement(f"ALTER TABLE public.t ADD CHECK ({out});", "alter-table")
    assert "DROP" not in out.upper() or "DROP" in expr.upper()


# --- names, values and literals PostgreSQL cannot hold -------------------------------------------


def test_quoting_functions_never_emit_control_characters() -> None:
    assert quote_ident("a\nb") == 'U&"a\\000Ab"'
    assert qualified("x\r", "public") == 'public.U&"x\\000D"'
    assert quote_literal("a\nb") == "E'a\\x0Ab'"
    with pytest.raises(ValueError, match="NUL"):
        quote_literal("a\x00b")
    with pytest.raises(ValueError, match="NUL"):
        quote_ident("a\x00b")


def test_names_that_are_not_utf8_follow_the_policy() -> None:
    body = (
        b'CREATE TABLE "t\xff" ("a\xfe" TEXT DEFAULT \'x\xfd\');\n'
        b"INSERT INTO \"t\xff\" VALUES('v');"
    )
    sql, report = convert(body)
    assert 'CREATE TABLE public."t\ufffd" (' in sql
    assert "\"a\ufffd\" text DEFAULT 'x\ufffd'" in sql
    bare, _ = convert(b"CREATE TABLE u (a TEXT DEFAULT x\xff);")  # a bare word is a string
    assert "a text DEFAULT 'x\ufffd'" in bare
    assert any(d.code == "invalid-utf8-replaced" and d.line == 3 for d in report.lossy)
    with pytest.raises(DumpconvError, match="not valid UTF-8") as e:
        convert(body, invalid_utf8="refuse")
    assert e.value.line == 3


def test_view_names_that_are_not_utf8_follow_the_policy() -> None:
    sql, report = convert(
        b"CREATE TABLE t (a);\nINSERT INTO t VALUES(1);\n"
        b'CREATE VIEW v("c\xff") AS SELECT a AS "x\xfe" FROM t;'
    )
    assert 'CREATE VIEW public.v ("c\ufffd") AS' in sql
    assert 'AS "x\ufffd"' in sql
    assert any(d.code == "invalid-utf8-replaced" and d.line == 5 for d in report.lossy)


def test_data_only_table_names_that_are_not_utf8_follow_the_policy() -> None:
    dump = b'INSERT INTO "t\xff" VALUES(1);\n'
    out = io.BytesIO()
    report = dumpconv.convert(io.BytesIO(dump), out, dumpconv.Options(restrict_key="k"))
    assert "= 't\ufffd'" in out.getvalue().decode()
    assert any(d.code == "invalid-utf8-replaced" and d.line == 1 for d in report.lossy)
    with pytest.raises(DumpconvError, match="not valid UTF-8"):
        dumpconv.convert(io.BytesIO(dump), io.BytesIO(), dumpconv.Options(invalid_utf8="refuse"))


@pytest.mark.parametrize("literal", [b"X'abc'", b"X'zz'", b"x'0'"])
def test_malformed_blob_literals_are_refused_with_their_line(literal: bytes) -> None:
    with pytest.raises(DumpconvError, match="malformed blob literal") as e:
        convert(b"CREATE TABLE t (a BLOB DEFAULT " + literal + b");")
    assert e.value.line == 3


def test_type_parameters_postgresql_rejects_are_mapped_and_reported() -> None:
    sql, report = convert(
        b"CREATE TABLE t (a VARCHAR(10485761), b DECIMAL(2000, 3), c VARCHAR(0), "
        b"d NVARCHAR(10485760), e NUMERIC(5, 9));\nINSERT INTO t VALUES('x', 1.5, 'y', 'z', 2);"
    )
    create = sql[sql.index("CREATE TABLE") : sql.index("\n);")]
    assert "a text" in create
    assert "b numeric" in create
    assert "b numeric(" not in create
    assert "c text" in create
    assert "d varchar(10485760)" in create
    assert "e numeric" in create
    widened = " ".join(d.message for d in report.diagnostics if d.code == "type-widened")
    assert "varchar limit" in widened
    assert "precision or scale" in widened


def test_rows_for_a_table_the_dump_never_created_are_refused() -> None:
    with pytest.raises(DumpconvError, match="never created") as e:
        convert(b"INSERT INTO pg_authid VALUES(1,'x');")
    assert e.value.line == 3
    with pytest.raises(DumpconvError, match="never created"):
        convert(b"CREATE TABLE t (a);\nINSERT INTO u VALUES(1);")


def test_more_columns_than_postgresql_allows_are_refused() -> None:
    cols = ", ".join(f"c{i}" for i in range(1601)).encode()
    with pytest.raises(DumpconvError, match="at most 1600"):
        convert(b"CREATE TABLE t (" + cols + b");")


# --- the restrict key and the terminal ------------------------------------------------------------


def _key(sql: str) -> str:
    m = re.search(r"^\\restrict (\S+)$", sql, re.M)
    assert m is not None
    return m.group(1)


def test_restrict_key_is_random_per_run_unless_given() -> None:
    dump = HEAD + b"CREATE TABLE t (a);\nCOMMIT;\n"
    keys = set()
    for _ in range(3):
        out = io.BytesIO()
        dumpconv.convert(io.BytesIO(dump), out, dumpconv.Options())
        keys.add(_key(out.getvalue().decode()))
    assert len(keys) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)
    out = io.BytesIO()
    dumpconv.convert(io.BytesIO(dump), out, dumpconv.Options(restrict_key="Fixed1"))
    assert _key(out.getvalue().decode()) == "Fixed1"


@pytest.mark.parametrize("key", ["", "a b", "k;DROP", "k\n\\! id", "x" * 65, "ключ"])
def test_restrict_keys_psql_could_misread_are_refused(key: str) -> None:
    result = CliRunner().invoke(app, ["--restrict-key", key, "-"], input=HEAD + b"COMMIT;\n")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("dumpconv: error: --restrict-key")


def test_printable_escapes_what_a_terminal_would_act_on() -> None:
    assert printable("a\x1b[2Jb\rc\x9bd\u202ee\udcff") == "a\\x1b[2Jb\\x0dc\\x9bd\\u202ee\\xff"
    assert printable("plain é ü 中") == "plain é ü 中"


def test_the_report_on_stderr_has_no_control_characters() -> None:
    dump = (
        HEAD + b'CREATE TABLE "t\x1b[2J\r" (a VARCHAR(20000000) CHECK ("\x1b]0;x\x07" = a));\n'
        b"INSERT INTO \"t\x1b[2J\r\" VALUES('x');\nCOMMIT;\n"
    )
    result = CliRunner().invoke(app, ["--restrict-key", "k", "-"], input=dump)
    assert result.exit_code == 0, result.stderr
    assert "\\x1b[2J\\x0d" in result.stderr
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", result.stderr)


# --- least privilege (the README's recipe) ----------------------------------------------------


@pytest.mark.pg
@pytest.mark.parametrize("fixture", ["django", "nocase"])  # nocase: CREATE EXTENSION citext
def test_a_role_that_only_owns_the_database_can_load_the_script(
    pg_server: PgServer, tmp_path: Path, fixture: str
) -> None:
    """The README's least-privilege recipe: no superuser, the owner of the target loads."""
    role = f"owner_{uuid.uuid4().hex[:10]}"
    admin = pg_server.create_db("lp")
    pg_server.query(admin, sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    name = conninfo_to_dict(admin)["dbname"]
    try:
        pg_server.query(
            admin,
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(str(name)), sql.Identifier(role)
            ),
        )
        if pg_server.server_version_num < 150000:  # public belongs to its owner from 15 on
            pg_server.query(
                admin, sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(role))
            )
        script = tmp_path / "pg.sql"
        with open(FIXTURES / f"{fixture}.sqlite.sql", "rb") as src, open(script, "wb") as out:
            dumpconv.convert(src, out, dumpconv.Options())
        result = pg_server.load_sql(make_conninfo(admin, user=role), script)
        assert result.ok, result.stderr
        assert result.warnings == []
        owners = pg_server.query(
            admin,
            "SELECT DISTINCT pg_catalog.pg_get_userbyid(relowner) FROM pg_catalog.pg_class "
            "WHERE relnamespace = 'public'::regnamespace",
        )
        assert owners == [(role,)]
        table = "django_migrations" if fixture == "django" else "accounts"
        count = pg_server.query(admin, f"SELECT count(*) FROM public.{table}")
        assert count[0][0] > 0
    finally:
        pg_server.drop_db(admin)
        pg_server.query(
            pg_server.admin_dsn, sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role))
        )


# --- the function table ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_in_the_table_emits_a_checked_call(name: str) -> None:
    fn = FUNCTIONS[name]
    args = ", ".join(["a", "'x'", "1"][: max(fn.min_args, 1)]) if fn.min_args else "*"
    if name in ("substr", "substring"):  # a literal start: its sign decides the meaning
        args = "a, -2, 1"
    if name in ("date", "time", "datetime", "julianday", "unixepoch"):  # of a column, not 'now'
        args = "a, '+1 day'"
    if name == "glob":  # a literal pattern
        args = "'[^]a-c]*?.x', a"
    if name in ("printf", "format"):  # a literal format
        args = "'%5s|%-3d|%%', a, b"
    if name == "strftime":
        args = "'%Y %W %w %s %f %J', a, 'start of month', '+1 day', 'localtime'"
    if fn.aggregate or name in CLOCK:  # the date functions are translated in queries only
        out = translate_query(f"SELECT {name}({args}) FROM t", _scope())
        check_statement(f"CREATE VIEW public.v AS {out};", "view")
    else:
        out = translate_expr(f"{name}({args}) IS NOT NULL", _scope())
        check_statement(f"ALTER TABLE public.t ADD CHECK ({out});", "alter-table")


@pytest.mark.parametrize("name", sorted(set(NOT_YET) - set(FUNCTIONS)))
def test_functions_not_translated_yet_say_why(name: str) -> None:
    with pytest.raises(Untranslatable, match=re.escape(NOT_YET[name])):
        translate_expr(f"{name}(a) IS NOT NULL", _scope())


def test_calls_that_do_not_fit_the_table_are_left_out() -> None:
    with pytest.raises(Untranslatable, match="with 3 arguments"):
        translate_expr("abs(a, b, 1) > 0", _scope())
    with pytest.raises(Untranslatable, match="depends on the current time"):
        translate_expr("date('now') > a", _scope())
    with pytest.raises(Untranslatable, match="outside a query"):
        translate_expr("count(a) > 0", _scope())
