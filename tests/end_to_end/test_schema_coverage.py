"""Every schema object real tools write exists in PostgreSQL after the load, or the report
names it with its reason (issue 12).

Four tools build a SQLite database themselves: Django's ``migrate`` (with a view and a
trigger from ``RunSQL``), SQLAlchemy's ``create_all``, sqlite-utils (FTS4 and FTS5 tables,
with and without their triggers, views, ``transform``) and peewee. Each is dumped with the
sqlite3 CLI, converted with dumpconv's command line (``--report``) and loaded with
``psql -v ON_ERROR_STOP=1`` into a fresh database, which must succeed on the first try.

Then one checker, the same for every tool, lists the objects SQLite's catalog holds
(``sqlite_master``: tables, virtual tables and their storage tables, indexes, views,
triggers; per table: its primary key, the UNIQUE constraints behind SQLite's autoindexes,
foreign keys, CHECK constraints and generated columns) and looks for each in PostgreSQL's
catalog. An object that is not there must be named by a line of the report saying it was
left out and why; every object that is neither is listed in the failure.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peewee as pw
import pytest
import sqlalchemy as sa
import sqlite_utils
from playhouse.sqlite_ext import FTS5Model, FTSModel, SearchField  # type: ignore[import-untyped]
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from tests.end_to_end.djangoapp import make_project, run_django
from tests.end_to_end.schemacover import assert_schema_covered
from tests.pgharness import PgServer

# --- Django ----------------------------------------------------------------------------------

DJANGO_MODELS = """
from django.db import models
from django.db.models import F, Q
from django.db.models import Value
from django.db.models.functions import Concat, ExtractYear, Length, Lower, Upper


class Author(models.Model):
    name = models.CharField(max_length=100, db_index=True)
    email = models.EmailField(unique=True)
    born = models.DateField(null=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="author_name_not_empty"),
        ]


class Book(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    title = models.CharField(max_length=200)
    slug = models.SlugField()
    isbn = models.CharField(max_length=13, null=True)
    pages = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=8, decimal_places=2)
    discount = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    published = models.DateTimeField(auto_now_add=True)
    meta = models.JSONField(default=dict)
    final_price = models.GeneratedField(
        expression=F("price") - F("discount"),
        output_field=models.DecimalField(max_digits=8, decimal_places=2),
        db_persist=True,
    )
    title_upper = models.GeneratedField(
        expression=Upper("title"), output_field=models.CharField(max_length=200), db_persist=False
    )
    label = models.GeneratedField(
        expression=Concat("title", Value(" ("), Length("title"), Value(")")),
        output_field=models.TextField(),
        db_persist=True,
    )
    year = models.GeneratedField(
        expression=ExtractYear("released"), output_field=models.IntegerField(), db_persist=True
    )
    released = models.DateField(null=True)

    class Meta:
        unique_together = [("author", "slug")]
        indexes = [
            models.Index(fields=["-published"], name="book_published_desc"),
            models.Index(Lower("title"), name="book_title_lower"),
            models.Index(fields=["price"], condition=Q(pages__gt=100), name="book_long_price"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["isbn"], condition=Q(isbn__isnull=False), name="book_isbn_uniq"
            ),
            models.UniqueConstraint(Lower("title"), "author", name="book_title_ci_uniq"),
            models.CheckConstraint(condition=Q(discount__lte=F("price")), name="book_discount_lte"),
            models.CheckConstraint(
                condition=Q(slug__startswith="b-") | Q(pages__in=[1, 2, 3]) | Q(pages__gte=4),
                name="book_slug_shape",
            ),
        ]


class BookLog(models.Model):
    book = models.ForeignKey(Book, on_delete=models.SET_NULL, null=True, db_constraint=True)
    action = models.CharField(max_length=10)
    at = models.DateTimeField(null=True)


class Shelf(models.Model):
    name = models.CharField(max_length=50, unique=True)
    books = models.ManyToManyField(Book, related_name="shelves")
    parent = models.OneToOneField("self", on_delete=models.SET_NULL, null=True)


class Legacy(models.Model):
    code = models.CharField(max_length=10, db_column="Code", unique=True)
    shelf = models.ForeignKey(Shelf, on_delete=models.PROTECT, db_column="ShelfId")

    class Meta:
        db_table = "Legacy_Items"
        indexes = [models.Index(fields=["code", "shelf"], name="Legacy_Code_Shelf")]
"""

# A later migration, as applications write them: a report view and an audit trigger.
DJANGO_RUNSQL = """
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RunSQL(
            "CREATE VIEW shop_author_books AS SELECT a.id, a.name, count(b.id) AS books "
            "FROM shop_author a LEFT JOIN shop_book b ON b.author_id = a.id "
            "GROUP BY a.id, a.name",
            "DROP VIEW shop_author_books",
        ),
        migrations.RunSQL(
            "CREATE TRIGGER shop_book_log AFTER UPDATE OF price ON shop_book BEGIN "
            "INSERT INTO shop_booklog (book_id, action, at) "
            "VALUES (NEW.id, 'price', datetime('now')); END",
            "DROP TRIGGER shop_book_log",
        ),
    ]
"""

DJANGO_BUILD = """
import datetime as dt, decimal
from pathlib import Path
from django.core.management import call_command
call_command("makemigrations", "shop", "-v", "0")
Path("shop/migrations/0002_report_view_and_audit.py").write_text(RUNSQL)
call_command("migrate", "-v", "0")
from shop.models import Author, Book, BookLog, Shelf
ada = Author.objects.create(name="Ada", email="ada@example.com", born=dt.date(1815, 12, 10))
alan = Author.objects.create(name="Alan", email="alan@example.com")
engine = Book.objects.create(author=ada, title="Notes", slug="notes", isbn="9780000000001",
                             pages=120, price=decimal.Decimal("12.50"), meta={"lang": "en"})
Book.objects.create(author=alan, title="Computable numbers", slug="numbers", pages=36,
                    price=decimal.Decimal("3.00"), discount=decimal.Decimal("0.50"))
engine.price = decimal.Decimal("13.00")
engine.save()
shelf = Shelf.objects.create(name="classics")
shelf.books.add(engine)
assert BookLog.objects.count() == 1
"""


def build_django(tmp: Path) -> Path:
    pytest.importorskip("django", reason="Django is a dev dependency (pip install -e .[dev])")
    project = make_project(tmp / "app", DJANGO_MODELS)
    db = tmp / "django.sqlite3"
    code = f"RUNSQL = {textwrap.dedent(DJANGO_RUNSQL)!r}\n" + textwrap.dedent(DJANGO_BUILD)
    run_django(project, {"SHOP_DB": "sqlite", "SHOP_SQLITE": str(db)}, code=code)
    return db


# --- SQLAlchemy ------------------------------------------------------------------------------


class Status(enum.Enum):
    draft = "draft"
    live = "live"


class SaBase(DeclarativeBase):
    pass


class SaAuthor(SaBase):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80), index=True)
    active: Mapped[bool] = mapped_column(
        sa.Boolean(create_constraint=True), server_default=sa.true()
    )
    created: Mapped[dt.datetime] = mapped_column(server_default=sa.func.now())


class SaPost(SaBase):
    __tablename__ = "post"
    __table_args__ = (
        sa.UniqueConstraint("author_id", "slug", name="uq_post_author_slug"),
        sa.CheckConstraint("price >= 0", name="ck_post_price"),
        sa.CheckConstraint("length(slug) > 0"),
        sa.Index("ix_post_status_created", "status", sa.desc("created")),
        sa.Index("ix_post_lower_title", sa.func.lower(sa.text("title"))),
        sa.Index("ix_post_live_slug", "slug", unique=True, sqlite_where=sa.text("status = 'live'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("author.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[Status] = mapped_column(
        sa.Enum(Status, create_constraint=True), default=Status.draft
    )
    kind: Mapped[Status] = mapped_column(sa.Enum(Status, name="kind"))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    price: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(10, 2))
    qty: Mapped[int] = mapped_column(default=1)
    total: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(12, 2), sa.Computed("price * qty"))
    title_len: Mapped[int] = mapped_column(sa.Computed("length(title)", persisted=True))
    created: Mapped[dt.datetime] = mapped_column(server_default=sa.func.now())


class SaPostTag(SaBase):
    __tablename__ = "post_tag"
    post_id: Mapped[int] = mapped_column(
        sa.ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(sa.String(30), primary_key=True)


class SaAccount(SaBase):
    """A case-sensitive name, which SQLAlchemy quotes; a self reference; a composite key."""

    __tablename__ = "UserAccount"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["post_author", "post_slug"],
            ["post.author_id", "post.slug"],
            onupdate="CASCADE",
            ondelete="SET NULL",
            name="fk_account_post",
        ),
        sa.CheckConstraint('"Balance" >= -100', name="ck_account_balance"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    Name: Mapped[str] = mapped_column(sa.String(40), index=True, unique=True)
    Balance: Mapped[int] = mapped_column(server_default=sa.text("0"))
    referrer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("UserAccount.id", ondelete="SET NULL")
    )
    post_author: Mapped[int | None]
    post_slug: Mapped[str | None] = mapped_column(sa.String(60))
    code: Mapped[str] = mapped_column(
        sa.String(20), sa.Computed("upper(substr(\"Name\", 1, 3)) || '-' || id")
    )


def build_sqlalchemy(tmp: Path) -> Path:
    db = tmp / "sqlalchemy.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    SaBase.metadata.create_all(engine)
    with Session(engine) as session:
        author = SaAuthor(email="ada@example.com", name="Ada")
        session.add(author)
        session.flush()
        post = SaPost(author_id=author.id, slug="hello", title="Hello", status=Status.live,
                      kind=Status.draft, data={"k": [1]}, price=decimal.Decimal("3.5"),
                      qty=2)  # fmt: skip
        session.add(post)
        session.flush()
        session.add(SaPostTag(post_id=post.id, tag="intro"))
        session.add(SaAccount(Name="Ada", post_author=author.id, post_slug="hello"))
        session.commit()
    engine.dispose()
    return db


# --- sqlite-utils ----------------------------------------------------------------------------


def build_sqlite_utils(tmp: Path) -> Path:
    db_path = tmp / "sqlite_utils.db"
    db = sqlite_utils.Database(db_path)
    authors = db.table("authors")
    authors.insert_all([{"id": 1, "name": "Ada", "bio": "Mathematician"},
                        {"id": 2, "name": "Alan", "bio": "Computing"}], pk="id")  # fmt: skip
    docs = db.table("docs")
    docs.insert_all(
        [
            {"id": 1, "title": "Engines", "body": "The analytical engine", "author_id": 1,
             "score": 1.5},
            {"id": 2, "title": "Machines", "body": "On computable numbers", "author_id": 2,
             "score": 2.0},
        ],
        pk="id",
    )  # fmt: skip
    docs.add_foreign_key("author_id", "authors", "id")
    docs.create_index(["title"])
    docs.create_index(["author_id", "score"], unique=True, index_name="docs_author_score")
    docs.enable_fts(["title", "body"], create_triggers=True)  # FTS5 with its triggers
    authors.enable_fts(["name", "bio"], fts_version="FTS4")  # FTS4 without
    notes = db.table("notes")
    notes.insert_all([{"id": 1, "text": "hello", "kind": "memo"}], pk="id")
    notes.enable_fts(["text"], fts_version="FTS4", create_triggers=True)
    logs = db.table("logs")
    logs.insert_all([{"id": 1, "msg": "started"}], pk="id")
    logs.enable_fts(["msg"])  # FTS5 without triggers
    tags = db.table("tags")
    tags.insert_all([{"doc": 1, "tag": "x", "Weight": 3}], pk=("doc", "tag"),
                    foreign_keys=[("doc", "docs", "id")])  # fmt: skip
    tags.transform(types={"Weight": float}, rename={"tag": "label"}, not_null={"label"},
                   defaults={"Weight": 1.0})  # fmt: skip
    db.create_view("doc_titles", "SELECT docs.title, authors.name FROM docs "
                   "JOIN authors ON authors.id = docs.author_id")  # fmt: skip
    db.create_view("DocCount", "SELECT count(*) AS n FROM docs")
    # As `sqlite-utils insert data.db "Dog Breeds" breeds.csv --csv` names them.
    breeds = db.table("Dog Breeds")
    breeds.insert_all([{"Breed Name": "Collie", "Size": "M", "Origin Country": "Scotland"}])
    breeds.create_index(["Breed Name"], unique=True)
    breeds.enable_fts(["Breed Name", "Origin Country"], create_triggers=True, tokenize="porter")
    breeds.add_column("doc_id", fk="docs", fk_col="id")
    db.create_view("Big Dogs", 'SELECT "Breed Name" FROM "Dog Breeds" WHERE "Size" = \'L\'')
    db.close()
    return db_path


# --- peewee ----------------------------------------------------------------------------------


def build_peewee(tmp: Path) -> Path:
    db_path = tmp / "peewee.db"
    sqlite_db = pw.SqliteDatabase(str(db_path))

    class BaseModel(pw.Model):
        class Meta:
            database = sqlite_db

    class User(BaseModel):
        username = pw.CharField(unique=True)
        email = pw.CharField(index=True)
        joined = pw.DateTimeField(default=dt.datetime.now)
        stamp = pw.DateTimeField(constraints=[pw.SQL("DEFAULT CURRENT_TIMESTAMP")])
        age = pw.IntegerField(constraints=[pw.Check("age >= 0")])

    class Tweet(BaseModel):
        user = pw.ForeignKeyField(User, backref="tweets", on_delete="CASCADE")
        content = pw.TextField()
        created = pw.DateTimeField(default=dt.datetime.now, index=True)
        likes = pw.IntegerField(default=0)

        class Meta:
            indexes = ((("user", "created"), False), (("user", "content"), True))
            constraints = [  # noqa: RUF012
                pw.Check("likes >= 0"),
                pw.SQL("CONSTRAINT content_not_empty CHECK (length(content) > 0)"),
            ]

    class Follow(BaseModel):
        follower = pw.ForeignKeyField(User, backref="following")
        followee = pw.ForeignKeyField(User, backref="followers", on_delete="SET NULL", null=True)
        since = pw.DateField(default=dt.date.today)

        class Meta:
            primary_key = pw.CompositeKey("follower", "followee")

    class Category(BaseModel):
        name = pw.CharField()
        parent = pw.ForeignKeyField("self", null=True, backref="children", on_delete="CASCADE")
        tweets = pw.ManyToManyField(Tweet, backref="categories")

        class Meta:
            table_name = "TweetCategory"
            constraints = [pw.Check("name <> ''", name="category_name_set")]  # noqa: RUF012

    class Setting(BaseModel):
        key = pw.CharField(primary_key=True)
        value = pw.TextField(null=True)

        class Meta:
            without_rowid = True

    class TweetIndex(FTS5Model):  # type: ignore[misc]
        content = SearchField()

        class Meta:
            database = sqlite_db
            options = {"tokenize": "porter"}  # noqa: RUF012

    class TweetIndex4(FTSModel):  # type: ignore[misc]
        content = SearchField()

        class Meta:
            database = sqlite_db

    Tweet.add_index(Tweet.likes.desc(), where=(Tweet.likes > 10), name="tweet_popular")
    User.add_index(pw.fn.lower(User.email), name="user_email_lower")
    Through = Category.tweets.get_through_model()  # type: ignore[no-untyped-call]
    sqlite_db.connect()
    sqlite_db.create_tables(
        [User, Tweet, Follow, Category, Through, Setting, TweetIndex, TweetIndex4]
    )
    ada = User.create(username="ada", email="ada@example.com", age=36)
    bob = User.create(username="bob", email="bob@example.com", age=40)
    Tweet.create(user=ada, content="hello", likes=11)
    Follow.create(follower=ada, followee=bob)
    news = Category.create(name="news")
    Category.create(name="local", parent=news).tweets.add(Tweet.get())
    Setting.create(key="theme", value="dark")
    TweetIndex.insert({TweetIndex.rowid: 1, TweetIndex.content: "hello"}).execute()
    TweetIndex4.insert({TweetIndex4.rowid: 1, TweetIndex4.content: "hello"}).execute()
    sqlite_db.close()
    return db_path


# --- the tests -------------------------------------------------------------------------------

BUILDERS: dict[str, Callable[[Path], Path]] = {
    "django": build_django,
    "sqlalchemy": build_sqlalchemy,
    "sqlite-utils": build_sqlite_utils,
    "peewee": build_peewee,
}


@pytest.mark.pg
@pytest.mark.parametrize("tool", list(BUILDERS))
def test_every_object_exists_or_is_reported(pg_server: PgServer, tmp_path: Path, tool: str) -> None:
    db = BUILDERS[tool](tmp_path)
    assert_schema_covered(pg_server, db, tmp_path)
