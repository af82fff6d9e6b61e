"""A real Django application runs on the converted database (issue 17).

The application is built here with Django itself: its own migrations create the SQLite
database, its ORM writes the rows (UUIDs, aware datetimes, JSON, booleans, decimals, a
foreign key). The dump sqlite3 writes is converted and loaded into the suite's PostgreSQL,
and then Django, pointed at PostgreSQL, must find no migration to apply
(``migrate --check``), read back exactly what it wrote, write new rows (ids continue, UUIDs
and aware datetimes accepted) and find a row case-insensitively (``iexact``). Each phase runs
in its own process, as a deployment would.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from psycopg.conninfo import conninfo_to_dict

import dumpconv
from dumpconv.decide.casts import parse_cast
from tests.end_to_end.djangoapp import make_project
from tests.end_to_end.djangoapp import run_django as _django
from tests.pgharness import PgServer

pytestmark = pytest.mark.pg
django = pytest.importorskip("django", reason="Django is a dev dependency (pip install -e .[dev])")

MODELS = """
import uuid
from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=100)
    joined = models.DateTimeField()
    active = models.BooleanField(default=True)
    last_ip = models.GenericIPAddressField(null=True)


class Order(models.Model):
    ref = models.UUIDField(default=uuid.uuid4, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    placed = models.DateTimeField()
    total = models.DecimalField(max_digits=10, decimal_places=2)
    details = models.JSONField(default=dict)
    paid = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    wait = models.DurationField(null=True)
"""

FILL = """
import datetime as dt, decimal, uuid
from shop.models import Customer, Order
utc = dt.timezone.utc
paris = dt.timezone(dt.timedelta(hours=2))
ada = Customer.objects.create(email="Ada@Example.com", name="Ada", last_ip="2001:db8::1",
                              joined=dt.datetime(2024, 3, 5, 14, 7, 9, 123456, tzinfo=paris))
bob = Customer.objects.create(email="bob@example.com", name="Bob", active=False,
                              last_ip="192.168.0.1",
                              joined=dt.datetime(2023, 12, 31, 23, 59, 59, tzinfo=utc))
Order.objects.create(ref=uuid.UUID("12345678-1234-5678-1234-567812345678"), customer=ada,
                     placed=dt.datetime(2024, 3, 6, 8, 0, tzinfo=utc),
                     total=decimal.Decimal("12.30"), details={"items": [1, 2.5, None], "é": "x"},
                     paid=True, note="first", wait=dt.timedelta(days=1, seconds=2, microseconds=3))
Order.objects.create(customer=ada, placed=dt.datetime(2024, 3, 7, 9, 30, 15, 5, tzinfo=utc),
                     total=decimal.Decimal("5"), details={})
Order.objects.create(customer=bob, placed=dt.datetime(2024, 1, 1, tzinfo=utc),
                     total=decimal.Decimal("0.01"), details={"gift": True}, note="it's")
"""

READ = """
import json
from shop.models import Customer, Order
rows = {
    "customers": [[c.id, c.email, c.name, c.joined.isoformat(), c.active, c.last_ip]
                  for c in Customer.objects.order_by("id")],
    # Decimals compare by value: SQLite's DDL does not keep DecimalField's scale, so on
    # PostgreSQL 12.30 reads back as 12.3 (numeric without (p,s); README, issue 17).
    "orders": [[o.id, str(o.ref), o.customer_id, o.placed.isoformat(), str(o.total.normalize()),
                o.details, o.paid, o.note, str(o.wait)] for o in Order.objects.order_by("id")],
}
print(json.dumps(rows, sort_keys=True))
"""

WRITE = """
import datetime as dt, decimal, json, uuid
from shop.models import Customer, Order
carol = Customer.objects.create(email="carol@example.com", name="Carol",
                                joined=dt.datetime.now(dt.timezone.utc))
order = Order.objects.create(customer=carol, placed=dt.datetime.now(dt.timezone.utc),
                             total=decimal.Decimal("99.99"), details={"new": True})
found = Customer.objects.get(email__iexact="ada@example.com")
by_ref = Order.objects.get(ref=uuid.UUID("12345678123456781234567812345678"))
print(json.dumps({"customer_id": carol.id, "order_id": order.id,
                  "ref_is_uuid": isinstance(Order.objects.get(id=order.id).ref, uuid.UUID),
                  "iexact": found.name, "by_ref": by_ref.note,
                  "aware": Order.objects.get(id=order.id).placed.tzinfo is not None}))
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "app", MODELS)


def _pg_env(dsn_text: str) -> dict[str, str]:
    dsn = conninfo_to_dict(dsn_text)
    return {
        "SHOP_DB": "postgresql",
        "SHOP_PG_NAME": str(dsn["dbname"]),
        "SHOP_PG_HOST": str(dsn.get("host", "localhost")),
        "SHOP_PG_PORT": str(dsn.get("port", "5432")),
        "SHOP_PG_USER": str(dsn.get("user", "postgres")),
        "SHOP_PG_PASSWORD": str(dsn.get("password", "")),
    }


def _written_on_sqlite(project: Path, tmp_path: Path) -> tuple[dict[str, Any], bytes]:
    """The application's SQLite database, built by its migrations and filled by its ORM:
    what it reads back, and the dump sqlite3 writes of it."""
    sqlite_env = {"SHOP_DB": "sqlite", "SHOP_SQLITE": str(tmp_path / "db.sqlite3")}
    _django(project, sqlite_env, "makemigrations", "shop", "-v", "0")
    _django(project, sqlite_env, "migrate", "-v", "0")
    _django(project, sqlite_env, code=textwrap.dedent(FILL))
    written = json.loads(_django(project, sqlite_env, code=READ))
    dump = subprocess.run(
        ["sqlite3", str(tmp_path / "db.sqlite3"), ".dump"], capture_output=True, check=True
    ).stdout
    return written, dump


def _runs_on(project: Path, pg_db: str, written: dict[str, Any]) -> None:
    """Django on PostgreSQL: nothing to migrate, the same reads, new rows, lookups."""
    pg_env = _pg_env(pg_db)
    _django(project, pg_env, "migrate", "--check", "-v", "0")  # nothing left to apply
    assert json.loads(_django(project, pg_env, code=READ)) == written
    after = json.loads(_django(project, pg_env, code=textwrap.dedent(WRITE)))
    # The identities continue past the loaded ids.
    assert after["customer_id"] == max(c[0] for c in written["customers"]) + 1
    assert after["order_id"] == max(o[0] for o in written["orders"]) + 1
    assert after["ref_is_uuid"]
    assert after["aware"]
    assert after["iexact"] == "Ada"
    assert after["by_ref"] == "first"


def test_django_runs_on_its_own_schema_loaded_with_target_schema(
    project: Path, pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    """The safest way: Django's migrations build the PostgreSQL schema (and write their own
    rows: content types, permissions), dumpconv moves only the data into it."""
    written, dump = _written_on_sqlite(project, tmp_path)
    _django(project, _pg_env(pg_db), "migrate", "-v", "0")
    schema = pg_server.dump_schema(pg_db, tmp_path / "schema.sql")
    before = pg_server.column_types(pg_db)
    (tmp_path / "dump.sql").write_bytes(dump)
    out = tmp_path / "data.sql"
    proc = subprocess.run(
        [sys.executable, "-m", "dumpconv", "--target-schema", str(schema),
         str(tmp_path / "dump.sql"), "-o", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "(0 lossy)" in proc.stderr, proc.stderr
    assert pg_server.load_sql(pg_db, out).check().warnings == []
    assert pg_server.column_types(pg_db) == before
    _runs_on(project, pg_db, written)
    # The decimals keep the scale of the application's numeric(10,2).
    totals = pg_server.query(pg_db, "SELECT total::text FROM public.shop_order ORDER BY id")
    assert totals[0] == ("12.30",)


def test_django_runs_on_the_converted_database(
    project: Path, pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    written, dump = _written_on_sqlite(project, tmp_path)
    script = tmp_path / "pg.sql"
    with open(script, "wb") as out:
        # DurationField is declared bigint like BigIntegerField: the user names it.
        options = dumpconv.Options(casts=(parse_cast("shop_order.wait=interval"),))
        report = dumpconv.convert(io.BytesIO(dump), out, options)
    assert any(d.code == "framework" for d in report.diagnostics)
    assert pg_server.load_sql(pg_db, script).check().warnings == []
    _runs_on(project, pg_db, written)
    # Every column has the type Django's own PostgreSQL migration gives it, except what
    # SQLite's DDL does not tell (README): AutoField/IntegerField are integer there and
    # bigint here (SQLite's integers are 64-bit), DecimalField's precision and scale.
    reference = pg_server.create_db("django_reference")
    try:
        _django(project, _pg_env(reference), "migrate", "-v", "0")
        theirs = {(t, c): rest for t, c, *rest in pg_server.column_types(reference)}
    finally:
        pg_server.drop_db(reference)
    ours = {(t, c): rest for t, c, *rest in pg_server.column_types(pg_db)}
    assert ours.keys() == theirs.keys()
    differ = {k: (ours[k], theirs[k]) for k in theirs if ours[k] != theirs[k]}
    assert all(
        (o[0], t[0]) in (("bigint", "integer"), ("numeric", "numeric")) for o, t in differ.values()
    ), differ
    checked = {t[0] for k, t in theirs.items() if k not in differ}
    assert {"uuid", "inet", "timestamp with time zone", "jsonb", "boolean", "interval"} <= checked
