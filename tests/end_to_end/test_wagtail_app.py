"""A real Wagtail CMS site runs on the converted database.

The site is built here: the apps a ``wagtail start`` project installs (images, documents,
snippets, search with Wagtail's default database backend, taggit, modelcluster, ...) and one
app of our own with a page model (StreamField, RichTextField, DecimalField(8, 2),
DurationField, UUIDField, tags through modelcluster, a snippet foreign key). Its migrations
build the SQLite database; Wagtail's API writes the content (users, published revisions, a
draft, an image, tags, a snippet) and ``update_index`` fills the SQLite search index.

Two ways to PostgreSQL, one test each: one step (``dumpconv.convert`` with ``--cast`` for
the DurationField) and ``--target-schema`` into the schema ``migrate`` built. Then Wagtail,
pointed at PostgreSQL, must find no migration to apply, rebuild its search index
(``update_index``, as the README says), read back what it read on SQLite, create and publish
a new page (ids continue), edit and publish a loaded one, find a page case-insensitively and
through its search backend, and serve pages and the admin login. Each phase runs in its own
process, as a deployment would.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from psycopg.conninfo import conninfo_to_dict

import dumpconv
from dumpconv.decide.casts import parse_cast
from tests.pgharness import PgServer

pytestmark = pytest.mark.pg
wagtail = pytest.importorskip(
    "wagtail", reason="Wagtail is a dev dependency (pip install -e .[dev])"
)

SETTINGS = """
import os
SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "blog",
    "wagtail.contrib.forms", "wagtail.contrib.redirects", "wagtail.embeds", "wagtail.sites",
    "wagtail.users", "wagtail.snippets", "wagtail.documents", "wagtail.images",
    "wagtail.search", "wagtail.admin", "wagtail", "modelcluster", "taggit", "django_filters",
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]
ROOT_URLCONF = "urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                  "django.contrib.auth.context_processors.auth",
                  "django.contrib.messages.context_processors.messages"]}}]
USE_TZ = True
TIME_ZONE = "Europe/Paris"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "/static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = os.path.join(os.path.dirname(__file__), "media")
WAGTAIL_SITE_NAME = "dumpconv test"
WAGTAILADMIN_BASE_URL = "http://localhost"
# Wagtail's default: the database backend (SQLite FTS5 there, tsvector on PostgreSQL).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, test only
if os.environ.get("SITE_DB") == "sqlite":
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                             "NAME": os.environ["SITE_SQLITE"]}}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql",
                             "NAME": os.environ["SITE_PG_NAME"],
                             "HOST": os.environ["SITE_PG_HOST"],
                             "PORT": os.environ["SITE_PG_PORT"],
                             "USER": os.environ["SITE_PG_USER"],
                             "PASSWORD": os.environ.get("SITE_PG_PASSWORD", "")}}
"""

URLS = """
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include(wagtail_urls)),
]
"""

MODELS = """
import uuid
from django.db import models
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet


@register_snippet
class Author(models.Model):
    name = models.CharField(max_length=100)
    born = models.DateTimeField(null=True, blank=True)


class BlogPageTag(TaggedItemBase):
    content_object = ParentalKey("BlogPage", related_name="tagged_items",
                                 on_delete=models.CASCADE)


class BlogPage(Page):
    date = models.DateField()
    intro = RichTextField(blank=True)
    body = StreamField([("heading", blocks.CharBlock()), ("paragraph", blocks.RichTextBlock())],
                       blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    reading_time = models.DurationField(null=True, blank=True)
    external_id = models.UUIDField(default=uuid.uuid4)
    author = models.ForeignKey(Author, null=True, blank=True, on_delete=models.SET_NULL)
    tags = ClusterTaggableManager(through=BlogPageTag, blank=True)

    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    content_panels = Page.content_panels + ["date", "intro", "body", "author", "tags"]
"""

TEMPLATE = """{% load wagtailcore_tags %}<h1>{{ page.title }}</h1>{{ page.intro|richtext }}
{% for block in page.body %}{% include_block block %}{% endfor %}"""

FILL = """
import datetime as dt, decimal, io, uuid
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Page
from wagtail.rich_text import RichText
from blog.models import Author, BlogPage

call_command("migrate", verbosity=0)
admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "admin-pw")
editor = get_user_model().objects.create_user("editor", "Editor.Person@Example.org",
                                              "editor-pw", first_name="Édith")
editor.groups.add(Group.objects.get(name="Moderators"))  # made by Wagtail's migrations
ada = Author.objects.create(name="Ada", born=dt.datetime(1990, 5, 17, 13, 45, 12, 123456,
                                                         tzinfo=dt.timezone.utc))
home = Page.objects.get(depth=2)  # the site's home page, made by Wagtail's migrations
for i, title in enumerate(["Hello World", "Café Society", "Second Post"]):
    page = BlogPage(title=title, slug=["hello-world", "cafe-society", "second-post"][i],
                    date=dt.date(2024, 1, 10 + i), intro=f"<p>Intro {i} about {title}</p>",
                    body=[("heading", f"Heading {i}"),
                          ("paragraph", RichText(f"<p>About <b>{title}</b> and zebras</p>"))],
                    price=decimal.Decimal("12.30") + i, author=ada if i else None,
                    reading_time=dt.timedelta(minutes=5 + i, seconds=30, microseconds=i),
                    external_id=uuid.UUID(int=0x12345678123456781234567812345670 + i))
    home.add_child(instance=page)
    page.tags.add("news", f"tag{i}")
    page.save_revision(user=editor).publish(user=editor)
first = BlogPage.objects.get(slug="hello-world")
first.title = "Hello World (draft title)"
first.save_revision(user=admin)  # a draft on a live page
draft = BlogPage(title="Draft Only", slug="draft-only", date=dt.date(2024, 2, 1), live=False)
home.add_child(instance=draft)
draft.save_revision(user=editor)  # a page never published
buf = io.BytesIO()
PILImage.new("RGB", (64, 48), (200, 30, 30)).save(buf, "PNG")
image = Image(title="Red box", file=ImageFile(buf, name="red.png"), uploaded_by_user=admin)
image.save()
image.tags.add("red")
call_command("update_index", verbosity=0)
"""

READ = """
import json
from django.contrib.auth import get_user_model
from taggit.models import Tag
from wagtail.images.models import Image
from wagtail.models import Page, Revision
from blog.models import Author, BlogPage

def iso(value):
    return None if value is None else value.isoformat()

def read():
    return {
        "pages": [[p.id, p.title, p.slug, p.url_path, p.depth, p.live, p.has_unpublished_changes,
                   iso(p.first_published_at), iso(p.last_published_at), p.live_revision_id,
                   p.latest_revision_id, str(p.translation_key), p.specific_class.__name__]
                  for p in Page.objects.order_by("path")],
        # Decimals compare by value: one step does not keep the scale (README).
        "blog": [[b.id, b.intro, [dict(block) for block in b.body.raw_data],
                  str(b.price.normalize()), str(b.reading_time), str(b.external_id),
                  b.author_id, sorted(b.tags.names()), b.get_latest_revision_as_object().title,
                  b.date.isoformat()] for b in BlogPage.objects.order_by("id")],
        "revisions": [[r.id, r.object_id, iso(r.created_at), r.user.username, r.content["title"]]
                      for r in Revision.objects.order_by("id")],
        "users": [[u.id, u.username, u.email, u.first_name, u.is_superuser, iso(u.date_joined),
                   u.check_password(u.username + "-pw")]
                  for u in get_user_model().objects.order_by("id")],
        "authors": [[a.id, a.name, iso(a.born)] for a in Author.objects.order_by("id")],
        "images": [[i.id, i.title, i.width, i.height, i.file.name, i.file_hash,
                    sorted(i.tags.names())] for i in Image.objects.order_by("id")],
        "tags": sorted(Tag.objects.values_list("name", flat=True)),
        "search": sorted(p.id for p in Page.objects.live().search("zebras")),
    }
"""

ON_POSTGRESQL = """
import datetime as dt, decimal
from django.test import Client
from wagtail.search.backends import get_search_backend

call_command("migrate", check=True, verbosity=0)  # exits 1 if a migration is left to apply
call_command("update_index", verbosity=0)  # rebuild the search index (README)
before = read()
home = Page.objects.get(depth=2)
page = BlogPage(title="New On Postgres", slug="new-on-postgres", date=dt.date(2025, 3, 1),
                intro="<p>fresh zebras</p>", body=[("heading", "New heading")],
                price=decimal.Decimal("7.05"), reading_time=dt.timedelta(hours=1))
home.add_child(instance=page)
page.tags.add("news", "fresh")
new_rev = page.save_revision(user=get_user_model().objects.get(username="admin"))
new_rev.publish()
edited = BlogPage.objects.get(slug="second-post")
edited.intro = "<p>edited on postgres</p>"
edit_rev = edited.save_revision()
edit_rev.publish()
edited = BlogPage.objects.get(id=edited.id)
client = Client()
responses = {url: client.get(url) for url in
             ["/", "/hello-world/", "/new-on-postgres/", "/second-post/", "/admin/login/"]}
print(json.dumps({
    "read": before,
    "page_id": page.id, "revision_id": new_rev.id, "edit_revision_id": edit_rev.id,
    "edited": [edited.intro, edited.live_revision_id, edited.has_unpublished_changes],
    "price": str(BlogPage.objects.get(id=page.id).price),
    "iexact": list(Page.objects.filter(title__iexact="CAFÉ SOCIETY").values_list("id", flat=True)),
    "search": sorted(p.id for p in Page.objects.live().search("zebras")),
    "backend": type(get_search_backend()).__name__,  # the default: the database backend
    "search_new": [p.id for p in get_search_backend().search("fresh", BlogPage)],
    "status": {url: r.status_code for url, r in responses.items()},
    "html": {url: r.content.decode() for url, r in responses.items() if url != "/admin/login/"},
}))
"""


def _wagtail(project: Path, env: dict[str, str], code: str) -> str:
    """Run code of the site (Django set up) in a process of its own; return its stdout."""
    prelude = "import django\ndjango.setup()\nfrom django.core.management import call_command\n"
    proc = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=project,
        env={**os.environ, **env, "PYTHONPATH": str(project), "DJANGO_SETTINGS_MODULE": "settings"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _pg_env(dsn_text: str) -> dict[str, str]:
    dsn = conninfo_to_dict(dsn_text)
    return {
        "SITE_DB": "postgresql",
        "SITE_PG_NAME": str(dsn["dbname"]),
        "SITE_PG_HOST": str(dsn.get("host", "localhost")),
        "SITE_PG_PORT": str(dsn.get("port", "5432")),
        "SITE_PG_USER": str(dsn.get("user", "postgres")),
        "SITE_PG_PASSWORD": str(dsn.get("password", "")),
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], bytes]:
    """The site, its SQLite database built by its migrations and filled through Wagtail's
    API (once for both tests): what it reads back, and the dump sqlite3 writes of it."""
    root = tmp_path_factory.mktemp("wagtail") / "site"
    (root / "blog" / "migrations").mkdir(parents=True)
    (root / "blog" / "templates" / "blog").mkdir(parents=True)
    (root / "settings.py").write_text(textwrap.dedent(SETTINGS))
    (root / "urls.py").write_text(textwrap.dedent(URLS))
    (root / "blog" / "__init__.py").write_text("")
    (root / "blog" / "migrations" / "__init__.py").write_text("")
    (root / "blog" / "models.py").write_text(textwrap.dedent(MODELS))
    (root / "blog" / "templates" / "blog" / "blog_page.html").write_text(TEMPLATE)
    db = root.parent / "db.sqlite3"
    sqlite_env = {"SITE_DB": "sqlite", "SITE_SQLITE": str(db)}
    _wagtail(root, sqlite_env, "call_command('makemigrations', 'blog', verbosity=0)")
    written = json.loads(_wagtail(root, sqlite_env, FILL + READ + "print(json.dumps(read()))"))
    dump = subprocess.run(["sqlite3", str(db), ".dump"], capture_output=True, check=True).stdout
    return root, written, dump


def _runs_on(project: Path, pg_db: str, written: dict[str, Any]) -> None:
    """Wagtail on PostgreSQL: nothing to migrate, the same reads, new and edited pages,
    lookups, search, pages served."""
    after: dict[str, Any] = json.loads(_wagtail(project, _pg_env(pg_db), READ + ON_POSTGRESQL))
    assert after["read"] == written
    pages = {p[2]: p[0] for p in written["pages"]}  # slug: id
    # The identities continue past the loaded ids.
    assert after["page_id"] == max(pages.values()) + 1
    assert after["revision_id"] == max(r[0] for r in written["revisions"]) + 1
    assert after["edit_revision_id"] == after["revision_id"] + 1
    assert after["edited"] == ["<p>edited on postgres</p>", after["edit_revision_id"], False]
    assert after["price"] == "7.05"
    assert after["iexact"] == [pages["cafe-society"]]
    # The search index was rebuilt from the loaded pages and follows the new one.
    assert written["search"] == sorted(
        pages[s] for s in ("hello-world", "cafe-society", "second-post")
    )
    assert after["search"] == [*written["search"], after["page_id"]]
    assert after["search_new"] == [after["page_id"]]
    assert after["backend"] == "PostgresSearchBackend"
    assert set(after["status"].values()) == {200}, after["status"]
    assert "<h1>Hello World</h1>" in after["html"]["/hello-world/"]  # the live title, not the draft
    assert "zebras" in after["html"]["/hello-world/"]
    assert "New heading" in after["html"]["/new-on-postgres/"]
    assert "edited on postgres" in after["html"]["/second-post/"]


def test_wagtail_runs_on_its_own_schema_loaded_with_target_schema(
    site: tuple[Path, dict[str, Any], bytes], pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    """The safest way: Wagtail's migrations build the PostgreSQL schema (its search index
    with tsvector columns included), dumpconv moves only the data into it."""
    project, written, dump = site
    _wagtail(project, _pg_env(pg_db), "call_command('migrate', verbosity=0)")
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
    # Only the search index (SQLite FTS5 there, tsvector here) is not loaded; the report says
    # to rebuild it.
    lossy = [line for line in proc.stderr.splitlines() if line.startswith("lossy:")]
    assert lossy, proc.stderr
    assert all("wagtailsearch_indexentry" in line for line in lossy), proc.stderr
    assert any("update_index" in line for line in lossy), proc.stderr
    assert pg_server.load_sql(pg_db, out).check().warnings == []
    assert pg_server.column_types(pg_db) == before
    _runs_on(project, pg_db, written)
    # The decimals keep the scale of the application's numeric(8,2).
    prices = pg_server.query(pg_db, "SELECT price::text FROM blog_blogpage ORDER BY page_ptr_id")
    assert prices[:3] == [("12.30",), ("13.30",), ("14.30",)]


def test_wagtail_runs_on_the_converted_database(
    site: tuple[Path, dict[str, Any], bytes], pg_server: PgServer, pg_db: str, tmp_path: Path
) -> None:
    project, written, dump = site
    script = tmp_path / "pg.sql"
    with open(script, "wb") as out:
        # DurationField is declared bigint like BigIntegerField: the user names it.
        options = dumpconv.Options(casts=(parse_cast("blog_blogpage.reading_time=interval"),))
        report = dumpconv.convert(io.BytesIO(dump), out, options)
    assert any(d.code == "framework" for d in report.diagnostics)
    # Only the search index is lost (its FTS5 tables and triggers, its rows): the index table
    # is created as Wagtail makes it on PostgreSQL, and the report says to rebuild it.
    lines = dump.decode().splitlines()
    lossy = [(d.render(), lines[d.line - 1]) for d in report.diagnostics
             if d.severity == "lossy" and d.line is not None]  # fmt: skip
    assert lossy
    assert all("wagtailsearch_indexentry" in said + line for said, line in lossy), lossy
    assert any("update_index" in said for said, _ in lossy), lossy
    # Without --cast, the report names the DurationField as a maybe-interval.
    hints = dumpconv.convert(io.BytesIO(dump), io.BytesIO(), dumpconv.Options()).diagnostics
    assert any("--cast blog_blogpage.reading_time=interval" in d.render() for d in hints)
    assert pg_server.load_sql(pg_db, script).check().warnings == []
    _runs_on(project, pg_db, written)
    types = {c[1]: c[2] for c in pg_server.column_types(pg_db) if c[0] == "blog_blogpage"}
    assert [types[c] for c in ("external_id", "reading_time", "price")] == [
        "uuid", "interval", "numeric"]  # fmt: skip
