"""Framework types (issue 17, first part): the framework is recognised from the tables it
leaves, and its columns get the types its own PostgreSQL backend creates, when the data fits."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest

import dumpconv
from dumpconv.base.errors import DumpconvError
from dumpconv.decide.casts import Cast, parse_cast
from dumpconv.decide.frameworks import detect, framework_cast
from tests.pgharness import PgServer

DJANGO_HEAD = (
    'CREATE TABLE "django_migrations" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
    '"app" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, "applied" datetime NOT NULL);\n'
    "INSERT INTO django_migrations VALUES(1,'shop','0001_initial','2024-03-05 12:07:09.123456');\n"
)
ITEM = (
    'CREATE TABLE "shop_item" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
    '"uid" char(32) NOT NULL, "at" datetime NULL);\n'
)


def convert(body: str, **options: object) -> tuple[str, dumpconv.Report]:
    dump = f"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n{body}COMMIT;\n".encode()
    out = io.BytesIO()
    opts = dumpconv.Options(restrict_key="k", **options)  # type: ignore[arg-type]
    report = dumpconv.convert(io.BytesIO(dump), out, opts)
    return out.getvalue().decode(), report


def test_frameworks_are_recognised_by_the_tables_they_leave() -> None:
    assert detect({"django_migrations", "auth_user"}) == "django"
    assert detect({"schema_migrations", "ar_internal_metadata"}) == "rails"
    assert detect({"schema_migrations"}) is None  # one of Rails' two is not enough
    assert detect({"_prisma_migrations"}) == "prisma"
    assert detect({"alembic_version"}) == "sqlalchemy"
    assert detect({"migrations", "failed_jobs", "users"}) == "laravel"
    assert detect({"migrations"}) is None  # too common a name alone
    assert detect({"users", "posts"}) is None


def test_django_columns_get_djangos_postgresql_types() -> None:
    sql, report = convert(
        DJANGO_HEAD + ITEM + "INSERT INTO shop_item VALUES(1,'12345678123456781234567812345678',"
        "'2024-03-05 12:07:09');\n"
    )
    assert "applied timestamptz NOT NULL" in sql
    assert "uid uuid NOT NULL" in sql
    assert "at timestamptz" in sql
    assert "-- dumpconv: column uid: uuid (Django: UUIDField is uuid on PostgreSQL)" in sql
    assert report.diagnostics[0].code == "framework"
    assert not report.lossy


def test_framework_none_keeps_the_declared_types() -> None:
    sql, report = convert(DJANGO_HEAD + ITEM, framework="none")
    assert "applied timestamp NOT NULL" in sql
    assert "uid varchar(32) NOT NULL" in sql
    assert all(d.code != "framework" for d in report.diagnostics)


def test_a_framework_can_be_named_when_its_tables_are_not_in_the_dump() -> None:
    sql, report = convert(ITEM, framework="django")
    assert "uid uuid NOT NULL" in sql
    assert "(--framework)" in report.diagnostics[0].message


def test_data_that_does_not_fit_the_frameworks_type_keeps_an_ordinary_type() -> None:
    sql, report = convert(
        DJANGO_HEAD + ITEM + "INSERT INTO shop_item VALUES(1,'not a uuid at all',NULL);\n"
    )
    assert "uid text NOT NULL" in sql
    said = [d.message for d in report.diagnostics if "shop_item.uid" in d.message]
    assert said
    assert "Django's type uuid does not fit" in said[0]


def test_a_users_cast_wins_over_the_framework() -> None:
    sql, _ = convert(DJANGO_HEAD + ITEM, casts=(dumpconv_cast("shop_item.at=timestamp"),))
    assert "at timestamp" in sql
    assert "at timestamptz" not in sql
    assert "applied timestamptz" in sql  # the framework still types the other columns


def test_a_users_cast_that_does_not_fit_is_still_refused() -> None:
    with pytest.raises(DumpconvError, match=r"--cast shop_item\.uid=uuid"):
        convert(
            DJANGO_HEAD + ITEM + "INSERT INTO shop_item VALUES(1,'nope',NULL);\n",
            casts=(dumpconv_cast("shop_item.uid=uuid"),),
        )


def test_rules_are_only_for_the_declared_types_the_framework_writes() -> None:
    assert framework_cast("django", "datetime") is not None
    assert framework_cast("django", "char(32)") is not None
    assert framework_cast("django", "char(31)") is None
    assert framework_cast("django", "text") is None
    assert framework_cast("rails", "datetime(6)") is None  # timestamp, as for any database
    assert framework_cast("rails", "json") is not None
    assert framework_cast("sqlalchemy", "CHAR(32)") is not None  # Uuid
    assert framework_cast("sqlalchemy", "DATETIME") is None  # DateTime, with tz, or Interval


def dumpconv_cast(text: str) -> Cast:
    return parse_cast(text)


def test_an_unknown_framework_is_a_usage_error() -> None:
    from typer.testing import CliRunner

    from dumpconv.cli import app

    result = CliRunner().invoke(app, ["--framework", "wordpress", "-"], input=b"")
    assert result.exit_code == 2
    said = " ".join(result.stderr.replace("│", " ").split())  # typer wraps it in a box
    assert "--framework 'wordpress': use auto, none or one of django" in said


def test_interval_cast_reads_integers_as_microseconds() -> None:
    body = (
        DJANGO_HEAD
        + 'CREATE TABLE "shop_job" ("id" integer NOT NULL PRIMARY KEY, "wait" bigint);\n'
        "INSERT INTO shop_job VALUES(1,86402000003);\nINSERT INTO shop_job VALUES(2,-5);\n"
        "INSERT INTO shop_job VALUES(3,NULL);\n"
    )
    sql, _ = convert(body, casts=(parse_cast("shop_job.wait=interval"),))
    assert "wait interval" in sql
    assert "1\t86402000003 microseconds\n2\t-5 microseconds\n3\t\\N\n" in sql
    with pytest.raises(DumpconvError, match="holds"):
        convert(
            body + "INSERT INTO shop_job VALUES(4,'soon');\n",
            casts=(parse_cast("shop_job.wait=interval"),),
        )


def test_django_ip_addresses_become_inet_when_every_value_is_one() -> None:
    table = 'CREATE TABLE "shop_visit" ("id" integer NOT NULL PRIMARY KEY, "ip" char(39));\n'
    rows = (
        "INSERT INTO shop_visit VALUES(1,'2001:db8::1');\nINSERT INTO shop_visit VALUES(2,NULL);\n"
    )
    sql, _ = convert(DJANGO_HEAD + table + rows)
    assert "ip inet" in sql
    sql, report = convert(
        DJANGO_HEAD + table + rows + "INSERT INTO shop_visit VALUES(3,'fe80::1%eth0');\n"
    )
    assert "ip varchar(39)" in sql or "ip text" in sql
    assert any("Django's type inet does not fit" in d.message for d in report.diagnostics)


def test_defaults_on_framework_types_are_checked_like_their_values() -> None:
    table = (
        'CREATE TABLE "shop_visit" ("id" integer NOT NULL PRIMARY KEY, '
        '"ip" char(39) DEFAULT \'nowhere\', "wait" bigint DEFAULT 5);\n'
    )
    sql, report = convert(DJANGO_HEAD + table, casts=(parse_cast("shop_visit.wait=interval"),))
    assert "    ip inet,\n" in sql  # 'nowhere' is no IP address: the default is dropped, reported
    assert "wait interval DEFAULT '5 microseconds'" in sql
    assert any("nowhere" in d.message for d in report.lossy)


def test_an_unknown_framework_is_refused_through_the_api_too() -> None:
    with pytest.raises(DumpconvError, match="use auto, none or one of django"):
        convert(ITEM, framework="wordpress")


def test_sqlalchemy_types_keys_included() -> None:
    body = (
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);\n"
        "CREATE TABLE item (\n\tid INTEGER NOT NULL, \n\tqty INTEGER, \n\tdoc JSON, "
        "\n\twait DATETIME, \n\tPRIMARY KEY (id)\n);\n"
        "INSERT INTO item VALUES(1,5,'{\"a\": 1}','1970-01-02 00:00:02.000003');\n"
        "INSERT INTO item VALUES(2,3000000000,NULL,'1969-12-31 23:59:59');\n"
    )
    sql, _ = convert(body, casts=(parse_cast("item.wait=interval"),))
    assert "id integer GENERATED BY DEFAULT AS IDENTITY" in sql  # SQLAlchemy's Integer key
    assert "qty bigint" in sql  # 3000000000 does not fit Integer's integer: reported
    assert "doc json" in sql
    assert "wait interval" in sql
    # SQLAlchemy's Interval is 1970-01-01 plus it: back to the interval, sign included.
    assert "86402000003 microseconds" in sql
    assert "-1000000 microseconds" in sql


WAGTAIL_INDEX = (
    'CREATE TABLE "wagtailsearch_indexentry" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
    '"object_id" varchar(50) NOT NULL, "title_norm" real NOT NULL, "autocomplete" text NULL, '
    '"body" text NULL, "title" text NOT NULL);\n'
    "INSERT INTO wagtailsearch_indexentry VALUES(1,'4',0.75,'Hello','Body text','Hello');\n"
)


@pytest.mark.pg
def test_wagtails_search_index_is_created_as_on_postgresql_and_empty(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    sql, report = convert(DJANGO_HEAD + WAGTAIL_INDEX)
    [line] = [d for d in report.diagnostics if d.code == "derived-table"]
    assert "its 1 rows are not loaded" in line.message
    assert "update_index" in line.message
    assert "COPY public.wagtailsearch_indexentry" not in sql
    script = tmp_path / "pg.sql"
    script.write_text(sql)
    assert pg_server.load_sql(pg_db, script).check().warnings == []
    columns = pg_server.query(
        pg_db,
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = 'wagtailsearch_indexentry' AND data_type IN ('tsvector', 'text') "
        "ORDER BY column_name",
    )
    assert columns == [
        ("autocomplete", "tsvector", "NO"), ("body", "tsvector", "NO"),
        ("body_text", "text", "NO"), ("title", "tsvector", "NO"), ("title_text", "text", "NO"),
    ]  # fmt: skip
    gin = pg_server.query(
        pg_db, "SELECT count(*) FROM pg_indexes WHERE tablename = 'wagtailsearch_indexentry' "
               "AND indexdef LIKE '%USING gin%'",
    )  # fmt: skip
    assert gin == [(3,)]
    # Without Django, the same table is only a table.
    sql, report = convert(WAGTAIL_INDEX, framework="none")
    assert "COPY public.wagtailsearch_indexentry" in sql


def test_django_bigint_columns_are_named_as_possible_durations() -> None:
    body = DJANGO_HEAD + (
        'CREATE TABLE "shop_job" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"wait" bigint NULL, "n" integer NULL);\n'
    )
    _, report = convert(body)
    hints = [d for d in report.diagnostics if d.code == "maybe-duration"]
    assert [h.hint for h in hints] == ["if it is a DurationField: --cast shop_job.wait=interval"]
    _, report = convert(body, casts=(parse_cast("shop_job.wait=interval"),))
    assert not [d for d in report.diagnostics if d.code == "maybe-duration"]


@pytest.mark.pg
def test_sqlalchemy_binary_uuids_become_uuid(
    pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    """sqlalchemy_utils' UUIDType stores 16 bytes in BINARY(16) on SQLite, uuid on
    PostgreSQL: the bytes are the UUID."""
    ids = [uuid.UUID("12345678-1234-5678-1234-567812345678"), uuid.uuid4()]
    body = (
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);\n"
        "CREATE TABLE run (\n\tid BINARY(16) NOT NULL, \n\tPRIMARY KEY (id)\n);\n"
        + "".join(f"INSERT INTO run VALUES(X'{u.hex}');\n" for u in ids)
    )
    sql, _ = convert(body)
    assert "id uuid NOT NULL" in sql
    script = tmp_path / "pg.sql"
    script.write_text(sql)
    assert pg_server.load_sql(pg_db, script).check().warnings == []
    assert pg_server.query(pg_db, "SELECT id FROM public.run") == [(u,) for u in ids]
    # A blob of another length is no UUID: the column stays bytea, reported.
    sql, report = convert(body + "INSERT INTO run VALUES(X'00');\n")
    assert "id bytea NOT NULL" in sql
    assert any("does not fit" in d.message for d in report.diagnostics)


def test_sqlalchemy_intervals_are_named_as_possible_durations() -> None:
    body = (
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);\n"
        "CREATE TABLE job (\n\tid INTEGER NOT NULL, \n\twait DATETIME, \n\tat DATETIME, "
        "\n\tPRIMARY KEY (id)\n);\n"
        "INSERT INTO job VALUES(1,'1970-01-02 00:00:02.000003','2024-03-05 12:00:00');\n"
        "INSERT INTO job VALUES(2,'1970-01-01 00:05:00','2024-03-06 12:00:00');\n"
    )
    _, report = convert(body)
    hints = [d.hint for d in report.diagnostics if d.code == "maybe-duration"]
    assert hints == ["if it is an Interval: --cast job.wait=interval"]
