"""The application framework that wrote a database, and the PostgreSQL types it uses.

A framework leaves tables behind (Django's ``django_migrations``, …); when one is found, a
column whose declared type is one the framework writes for a field gets the type that
framework's own PostgreSQL backend creates for that field (shared/docs/frameworks.md, taken
from each framework's type tables and measured against its PostgreSQL migrations). The rule
acts like a ``--cast`` on that declared type, is checked against the data the same way, and
gives way to the ordinary decision when the data does not fit; a user's ``--cast`` wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from dumpconv.decide.casts import Cast, parse_cast

#: Tables that mark a framework's database, by framework (all of them must be there).
MARKERS: dict[str, tuple[str, ...]] = {
    "django": ("django_migrations",),
    "rails": ("schema_migrations", "ar_internal_metadata"),
    # Laravel's migrations table has a generic name: failed_jobs comes with it in every
    # default install (8.x to 12.x).
    "laravel": ("migrations", "failed_jobs"),
    "prisma": ("_prisma_migrations",),
    "sqlalchemy": ("alembic_version",),
}
NAMES = {
    "django": "Django",
    "rails": "Rails",
    "laravel": "Laravel",
    "prisma": "Prisma",
    "sqlalchemy": "SQLAlchemy",
}

#: Declared type → (PostgreSQL type, the field it is and why), per framework.
RULES: dict[str, dict[str, tuple[str, str]]] = {
    "django": {
        "DATETIME": (
            "timestamptz",
            "DateTimeField is timestamp with time zone on PostgreSQL; the values (naive UTC, "
            "as Django stores them with USE_TZ) are read as UTC",
        ),
        "CHAR(32)": ("uuid", "UUIDField is uuid on PostgreSQL"),
        "CHAR(39)": ("inet", "GenericIPAddressField is inet on PostgreSQL"),
        "CHAR(15)": ("inet", "IPAddressField is inet on PostgreSQL"),
    },
    # Rails' json is json; its integer keys and references are bigint on PostgreSQL (the
    # ordinary decision), its datetime(6) timestamp(6), its booleans boolean.
    "rails": {
        "JSON": ("json", "t.json is json on PostgreSQL (t.jsonb only there)"),
    },
    "prisma": {
        "DATETIME": (
            "timestamp:epoch-ms",
            "DateTime is timestamp(3) on PostgreSQL; Prisma Client writes it on SQLite as "
            "milliseconds since 1970 (UTC), other SQL as text",
        ),
    },
    # DATETIME is DateTime, DateTime(timezone=True) and Interval alike: not decidable here.
    "sqlalchemy": {
        "CHAR(32)": ("uuid", "Uuid is uuid on PostgreSQL (unless native_uuid=False)"),
        "CHAR(36)": (
            "uuid",
            "a UUID type over CHAR(36) (a TypeDecorator, as Prefect's) is "
            "the native uuid on PostgreSQL",
        ),
        "BINARY(16)": (
            "uuid",
            "sqlalchemy_utils' UUIDType (binary, the default) is the native uuid on PostgreSQL",
        ),
        "INTEGER": ("integer", "Integer is integer on PostgreSQL (BigInteger is BIGINT)"),
        "JSON": ("json", "JSON is json on PostgreSQL (JSONB only when declared so)"),
    },
}


def detect(tables: set[str]) -> str | None:
    """The framework whose marker tables are all among ``tables`` (folded names)."""
    for framework, markers in MARKERS.items():
        if all(m in tables for m in markers):
            return framework
    return None


def framework_cast(framework: str, declared: str) -> Cast | None:
    """The framework's type for a column declared so, as a cast, or None."""
    rules = RULES.get(framework, {})
    key = " ".join(declared.upper().split()).replace(" (", "(")
    if key not in rules:
        return None
    pg_type, why = rules[key]
    cast = parse_cast(f"{key}={pg_type}")
    return Cast(cast.text, None, None, cast.declared, cast.pg_type, cast.declared_as,
                cast.transform, f"{NAMES[framework]}: {why}")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Derived:
    """A table an application's migrations build in another shape on PostgreSQL and fill
    again itself (a search index): created in its PostgreSQL shape, empty."""

    columns: tuple[tuple[str, str], ...]  # (column, PostgreSQL type): NOT NULL, replaced or added
    gin: tuple[tuple[str, str], ...]  # (index name, column): GIN indexes PostgreSQL's has
    what: str
    rebuild: str
    sqlite_side: tuple[str, ...] = ()  # tables (virtual) only SQLite has for it


#: By framework and table (folded name). Wagtail's search index: text columns beside an
#: FTS5 table on SQLite; tsvector columns, their texts and GIN indexes on PostgreSQL
#: (wagtail/search/migrations 0006 and 0010 branch on the database vendor).
DERIVED: dict[str, dict[str, Derived]] = {
    "django": {
        "wagtailsearch_indexentry": Derived(
            (("autocomplete", "tsvector"), ("title", "tsvector"), ("body", "tsvector"),
             ("title_text", "text"), ("body_text", "text")),
            (("wagtailsear_autocom_476c89_gin", "autocomplete"),
             ("wagtailsear_body_90c85d_gin", "body"),
             ("wagtailsear_title_9caae0_gin", "title")),
            "Wagtail's search index",
            "python manage.py update_index",
            ("wagtailsearch_indexentry_fts",),
        ),
    },
}  # fmt: skip


def derived_table(framework: str | None, table: str) -> Derived | None:
    """The PostgreSQL shape of a derived table of the framework (folded name), or None."""
    return DERIVED.get(framework or "", {}).get(table)


def derived_of(framework: str | None, table: str) -> tuple[str, Derived] | None:
    """The derived table a table (folded name) is, or is the SQLite-only side of."""
    for name, derived in DERIVED.get(framework or "", {}).items():
        if table == name or table in derived.sqlite_side:
            return name, derived
    return None
