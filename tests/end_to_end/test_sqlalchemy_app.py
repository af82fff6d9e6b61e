"""A real SQLAlchemy 2 + Alembic application runs on the converted database (issue 17).

The application is built here: declarative models (Uuid keys, DateTime with and without
time zone, Interval, JSON, Boolean, Numeric(10, 2), String(n), Text, an integer
autoincrement key, foreign keys, a unique string) and an Alembic environment made by
``alembic init``, whose first migration ``alembic revision --autogenerate`` writes from the
models on SQLite. ``alembic upgrade head`` creates the SQLite database and the ORM fills it.

Two ways to PostgreSQL, one test each:

* detection: the dump is converted on its own (the framework is recognised by
  ``alembic_version``) and loaded into an empty database;
* ``--target-schema``: ``alembic upgrade head`` creates the schema on PostgreSQL, pg_dump
  writes it out, and dumpconv loads the SQLite rows into it.

Then the application, pointed at PostgreSQL, must be at head (``alembic current``), find no
difference between its models and the database (``alembic check``), read back exactly what
it read on SQLite, write new rows (the integer ids continue, UUIDs and aware datetimes
accepted), be refused an orphan row (the foreign key holds) and find a row
case-insensitively (``ilike``, ``lower() =``). Each phase runs in its own process.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from psycopg.conninfo import conninfo_to_dict

import dumpconv
from dumpconv.decide.casts import parse_cast
from tests.pgharness import PgServer

pytestmark = pytest.mark.pg
pytest.importorskip("sqlalchemy", reason="SQLAlchemy is a dev dependency (pip install -e .[dev])")
pytest.importorskip("alembic", reason="Alembic is a dev dependency (pip install -e .[dev])")

from sqlalchemy.engine import URL  # noqa: E402  (after the importorskip)

MODELS = """
import datetime as dt
import decimal
import uuid
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Interval, MetaData, Numeric, String, Text, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class Customer(Base):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    joined: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[dt.datetime | None] = mapped_column(DateTime())
    active: Mapped[bool] = mapped_column(default=True)
    api_key: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    purchases: Mapped[list["Purchase"]] = relationship(back_populates="customer")


class Purchase(Base):
    __tablename__ = "purchase"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    placed: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    total: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2))
    details: Mapped[Any] = mapped_column(JSON)
    paid: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    wait: Mapped[dt.timedelta | None] = mapped_column(Interval)
    customer: Mapped[Customer] = relationship(back_populates="purchases")
    lines: Mapped[list["Line"]] = relationship(back_populates="purchase")


class Line(Base):
    __tablename__ = "line"
    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase.id"))
    sku: Mapped[str] = mapped_column(String(20))
    qty: Mapped[int]
    purchase: Mapped[Purchase] = relationship(back_populates="lines")
"""

ENV = """
import os

from alembic import context
from sqlalchemy import create_engine

from shop.models import Base

with create_engine(os.environ["SHOP_DB_URL"]).connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
"""

PRELUDE = """
import datetime as dt, decimal, json, os, uuid
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from shop.models import Customer, Line, Purchase
utc = dt.timezone.utc
session = Session(create_engine(os.environ["SHOP_DB_URL"]))
"""

FILL = """
paris = dt.timezone(dt.timedelta(hours=2))  # SQLite keeps 23:59:59 and drops the +02:00
ada = Customer(email="Ada@Example.com", name="Ada Lovelace-Ößé",
               joined=dt.datetime(2024, 3, 5, 14, 7, 9, 123456, tzinfo=utc),
               last_seen=dt.datetime(2024, 3, 9, 23, 59, 59, 999999))
bob = Customer(email="bob@example.com", name="Bob 'the' \\"builder\\"", active=False,
               api_key=uuid.UUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
               joined=dt.datetime(2023, 12, 31, 23, 59, 59, tzinfo=paris))
first = Purchase(id=uuid.UUID("12345678-1234-5678-1234-567812345678"), customer=ada,
                 placed=dt.datetime(2024, 3, 6, 8, 0, tzinfo=utc), total=decimal.Decimal("12.30"),
                 details={"items": [1, 2.5, None, {"deep": ["é", True]}], "note": "it's \\"x\\""},
                 paid=True, note="first\\nline; DROP TABLE x; -- ☃",
                 wait=dt.timedelta(days=1, seconds=2, microseconds=3))
session.add_all([
    ada, bob, first,
    Purchase(customer=ada, placed=dt.datetime(2024, 3, 7, 9, 30, 15, 5, tzinfo=utc),
             total=decimal.Decimal("5"), details={}, wait=dt.timedelta(minutes=90)),
    Purchase(customer=bob, placed=dt.datetime(2024, 1, 1, tzinfo=utc),
             total=decimal.Decimal("0.01"), details=[1, "two"], note="it's"),
    Line(purchase=first, sku="A-1", qty=2),
    Line(purchase=first, sku="B-2", qty=1),
])
session.commit()
"""

READ = """
def moment(value):
    # SQLite gives naive values (SQLAlchemy stored the wall time, offset dropped), PostgreSQL
    # aware ones in the session's zone: compare instants, naive read as UTC as dumpconv loads.
    aware = value if value is None or value.tzinfo else value.replace(tzinfo=utc)
    return aware and aware.astimezone(utc).isoformat()

rows = {
    "customers": [[c.id, c.email, c.name, moment(c.joined), c.last_seen and c.last_seen.isoformat(),
                   c.active, str(c.api_key)]
                  for c in session.scalars(select(Customer).order_by(Customer.id))],
    "purchases": [[str(p.id), p.customer_id, moment(p.placed), str(p.total), p.details, p.paid,
                   p.note, p.wait and str(p.wait)]
                  for p in session.scalars(select(Purchase).order_by(Purchase.placed))],
    "lines": [[x.id, str(x.purchase_id), x.sku, x.qty]
              for x in session.scalars(select(Line).order_by(Line.id))],
}
print(json.dumps(rows, sort_keys=True))
"""

WRITE = """
carol = Customer(email="carol@example.com", name="Carol", joined=dt.datetime.now(utc),
                 last_seen=dt.datetime.now())
order = Purchase(customer=carol, placed=dt.datetime.now(utc), total=decimal.Decimal("99.99"),
                 details={"new": [True]}, wait=dt.timedelta(hours=1, microseconds=7))
line = Line(purchase=order, sku="C-3", qty=5)
session.add_all([carol, order, line])
session.commit()
session.expire_all()
refused = []
for orphan in (Purchase(customer_id=10**6, placed=dt.datetime.now(utc),
                        total=decimal.Decimal(1), details={}),
               Line(purchase_id=uuid.uuid4(), sku="orphan", qty=1)):
    try:
        session.add(orphan)
        session.commit()
    except IntegrityError:
        session.rollback()
        refused.append(type(orphan).__name__)
again = session.get(Purchase, order.id)
by_uuid = session.get(Purchase, uuid.UUID("12345678123456781234567812345678"))
ilike = select(Customer).where(Customer.email.ilike("ADA@example.COM"))
lower = select(Customer).where(func.lower(Customer.email) == "ada@example.com")
print(json.dumps({
    "customer_id": carol.id, "line_id": line.id, "refused": refused,
    "uuid": isinstance(again.id, uuid.UUID) and isinstance(carol.api_key, uuid.UUID),
    "aware": again.placed.tzinfo is not None,
    "wait": again.wait == dt.timedelta(hours=1, microseconds=7),
    "details": again.details == {"new": [True]} and str(again.total) == "99.99",
    "ilike": session.scalars(ilike).one().id, "lower": session.scalars(lower).one().id,
    "by_uuid": [str(by_uuid.id), by_uuid.note],
}))
"""


# SQLAlchemy declares DateTime, DateTime(timezone=True) and Interval alike DATETIME on SQLite
# (an Interval is stored as 1970-01-01 plus the interval): the dump cannot tell them, the
# user names the columns that are not timestamp (README, SQLAlchemy recipe).
DETECTION = dumpconv.Options(
    casts=tuple(
        parse_cast(c)
        for c in ("customer.joined=timestamptz", "purchase.placed=timestamptz",
                  "purchase.wait=interval")
    )
)  # fmt: skip


@dataclass(frozen=True)
class App:
    root: Path
    env: dict[str, str]  # the environment every phase runs in (no PG* variables)

    def run(self, url: str, what: str, *argv: str) -> str:
        """Run one phase in a process of its own, the database named by $SHOP_DB_URL."""
        proc = subprocess.run(
            argv,
            cwd=self.root,
            env={**self.env, "SHOP_DB_URL": url, "PYTHONPATH": str(self.root)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, f"{what} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    def alembic(self, url: str, *args: str) -> str:
        return self.run(url, f"alembic {' '.join(args)}", sys.executable, "-m", "alembic", *args)

    def python(self, url: str, phase: str, code: str) -> str:
        script = textwrap.dedent(PRELUDE) + code
        return self.run(url, f"the {phase} phase", sys.executable, "-c", script)


@dataclass(frozen=True)
class Written:
    app: App
    rows: dict[str, list[list[Any]]]  # what the application read back on SQLite
    dump: Path  # sqlite3 .dump of its database


def pg_url(dsn: str) -> str:
    """The SQLAlchemy URL (psycopg 3 driver) of a libpq DSN, Unix socket included."""
    d = conninfo_to_dict(dsn)
    query = {k: str(d[k]) for k in ("host", "port") if d.get(k)}
    url = URL.create(
        "postgresql+psycopg",
        username=str(d.get("user") or "postgres"),
        password=str(d["password"]) if d.get("password") else None,
        database=str(d["dbname"]),
        query=query,
    )
    return url.render_as_string(hide_password=False)


@pytest.fixture
def written(tmp_path: Path, pg_server: PgServer) -> Written:
    """The application, its SQLite database built by its migration and filled by its ORM."""
    root = tmp_path / "app"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "models.py").write_text(textwrap.dedent(MODELS))
    app = App(root, pg_server.psql_env())
    sqlite_file = tmp_path / "shop.sqlite3"
    sqlite = f"sqlite:///{sqlite_file}"
    app.alembic(sqlite, "init", "migrations")
    (root / "migrations" / "env.py").write_text(textwrap.dedent(ENV))
    app.alembic(sqlite, "revision", "--autogenerate", "-m", "create tables", "--rev-id", "0001")
    app.alembic(sqlite, "upgrade", "head")
    app.python(sqlite, "fill", FILL)
    rows = json.loads(app.python(sqlite, "read", READ))
    dump = tmp_path / "dump.sql"
    dumped = subprocess.run(["sqlite3", sqlite_file, ".dump"], capture_output=True, check=True)
    dump.write_bytes(dumped.stdout)
    return Written(app, rows, dump)


def check_application(written: Written, dsn: str) -> None:
    """The application on PostgreSQL: at head, no difference, same reads, writes, FK, ilike."""
    app, url, rows = written.app, pg_url(dsn), written.rows
    head = app.alembic(url, "heads").split()[0]
    assert app.alembic(url, "current").split() == [head, "(head)"]
    assert "No new upgrade operations detected" in app.alembic(url, "check")
    assert json.loads(app.python(url, "read", READ)) == rows
    after = json.loads(app.python(url, "write", WRITE))
    # The integer identities continue past the loaded ids.
    assert after["customer_id"] == max(c[0] for c in rows["customers"]) + 1
    assert after["line_id"] == max(x[0] for x in rows["lines"]) + 1
    assert after["uuid"]
    assert after["aware"]
    assert after["wait"]
    assert after["details"]
    assert after["refused"] == ["Purchase", "Line"]  # both foreign keys hold
    ada = [c[0] for c in rows["customers"] if c[1].lower() == "ada@example.com"]
    assert [after["ilike"]] == [after["lower"]] == ada
    assert after["by_uuid"] in [[p[0], p[6]] for p in rows["purchases"]]


def test_sqlalchemy_runs_on_the_converted_database(
    written: Written, pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    script = tmp_path / "pg.sql"
    with open(script, "wb") as out:
        report = dumpconv.convert(io.BytesIO(written.dump.read_bytes()), out, DETECTION)
    assert any(d.code == "framework" for d in report.diagnostics)
    assert pg_server.load_sql(pg_db, script).check().warnings == []
    check_application(written, pg_db)
    # The types are those the application's own migration creates on PostgreSQL.
    reference = pg_server.create_db("sa_reference")
    try:
        written.app.alembic(pg_url(reference), "upgrade", "head")
        assert pg_server.column_types(pg_db) == pg_server.column_types(reference)
    finally:
        pg_server.drop_db(reference)


def test_sqlalchemy_runs_on_its_own_schema_loaded_with_target_schema(
    written: Written, pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    written.app.alembic(pg_url(pg_db), "upgrade", "head")
    schema = pg_server.dump_schema(pg_db, tmp_path / "schema.sql")
    before = pg_server.column_types(pg_db)
    out = tmp_path / "data.sql"
    proc = subprocess.run(
        [sys.executable, "-m", "dumpconv", "--target-schema", str(schema), str(written.dump),
         "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert pg_server.load_sql(pg_db, out).check().warnings == []
    assert pg_server.column_types(pg_db) == before  # the schema is the application's own
    check_application(written, pg_db)
