"""Golden files: ``fixtures/<name>.sqlite.sql`` converts to ``fixtures/<name>.pg.sql`` exactly.

The expected files are written by the converter itself (``pytest --update-golden``) and then
reviewed as a diff, like any other change: a golden file says what the output *is*, the review
says whether that is right.

Per-fixture options: an optional ``fixtures/<name>.options`` file whose first line is
``-- dumpconv-options: --strict --no-restrict`` (any of the options below; none so far).
"""

from __future__ import annotations

import difflib
from io import BytesIO
from pathlib import Path

import pytest

import dumpconv

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
SOURCES = sorted(FIXTURES.glob("*.sqlite.sql"))
OPTIONS_HEADER = "-- dumpconv-options:"

#: Command-line spelling of each option a fixture may ask for -> Options field and value.
KNOWN_OPTIONS: dict[str, tuple[str, bool]] = {
    "--strict": ("strict", True),
    "--no-restrict": ("restrict", False),
}


#: The restrict key of the expected files (a run without --restrict-key draws a random one).
GOLDEN_KEY = "0123456789abcdef0123456789abcdef"


def fixture_name(source: Path) -> str:
    return source.name.removesuffix(".sqlite.sql")


def options_for(source: Path) -> dumpconv.Options:
    """The Options for one fixture: its source name as the golden header shows it, plus any
    options from ``<name>.options``."""
    strict, restrict = False, True
    options_file = source.with_name(fixture_name(source) + ".options")
    if options_file.exists():
        first = options_file.read_text(encoding="utf-8").splitlines()[:1]
        if not first or not first[0].startswith(OPTIONS_HEADER):
            pytest.fail(f"{options_file}: the first line must start with {OPTIONS_HEADER!r}")
        for word in first[0].removeprefix(OPTIONS_HEADER).split():
            if word not in KNOWN_OPTIONS:
                pytest.fail(f"{options_file}: unknown option {word!r}")
            name, value = KNOWN_OPTIONS[word]
            if name == "strict":
                strict = value
            else:
                restrict = value
    return dumpconv.Options(
        strict=strict,
        restrict=restrict,
        source=source.relative_to(REPO).as_posix(),
        restrict_key=GOLDEN_KEY,
    )


def convert_fixture(source: Path) -> bytes:
    out = BytesIO()
    with open(source, "rb") as stream:
        dumpconv.convert(stream, out, options_for(source))
    return out.getvalue()


def _diff(expected: bytes, actual: bytes, name: str, limit: int = 60) -> str:
    lines = list(
        difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(),
            actual.decode("utf-8", "replace").splitlines(),
            f"{name} (golden)",
            f"{name} (now)",
            lineterm="",
        )
    )
    shown = "\n".join(lines[:limit])
    more = f"\n... {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return shown + more


def test_there_are_fixtures() -> None:
    assert {fixture_name(s) for s in SOURCES} >= {"django", "rails", "laravel", "names"}


@pytest.mark.parametrize("source", SOURCES, ids=fixture_name)
def test_golden(source: Path, request: pytest.FixtureRequest) -> None:
    golden = source.with_name(fixture_name(source) + ".pg.sql")
    actual = convert_fixture(source)
    if request.config.getoption("--update-golden"):
        golden.write_bytes(actual)
        return
    assert golden.exists(), f"{golden.name} is missing: run pytest --update-golden and review it"
    expected = golden.read_bytes()
    if actual != expected:
        pytest.fail(
            f"{source.name} no longer converts to {golden.name} "
            "(if the change is intended: pytest --update-golden, then review the diff)\n"
            + _diff(expected, actual, golden.name),
            pytrace=False,
        )


@pytest.mark.parametrize("source", SOURCES, ids=fixture_name)
def test_output_is_deterministic(source: Path) -> None:
    assert convert_fixture(source) == convert_fixture(source)


def test_no_orphan_golden_files() -> None:
    """Every expected file still has its input (a renamed fixture leaves no stale golden)."""
    names = {fixture_name(s) for s in SOURCES}
    orphans = [p.name for p in FIXTURES.glob("*.pg.sql") if p.name[: -len(".pg.sql")] not in names]
    assert orphans == []


# ---------------------------------------------------------------------------------------
# Findings from reviewing the golden files, each cut down to a small input
# ---------------------------------------------------------------------------------------


def convert_text(body: str) -> tuple[str, dumpconv.Report]:
    dump = f"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n{body}\nCOMMIT;\n".encode()
    out = BytesIO()
    report = dumpconv.convert(BytesIO(dump), out, dumpconv.Options())
    return out.getvalue().decode("utf-8"), report


def test_decimal_with_integers_and_reals_keeps_its_precision() -> None:
    """Rails' users.balance, decimal(12,2): 1000 and 0 are stored as integers, -15.5,
    1234567890.12 and 0.01 as reals. Every value fits numeric(12,2) exactly (the reals as
    their shortest decimal, as the COPY data shows), yet the column became plain numeric with
    the reason "holds values it would round: " naming none."""
    sql, report = convert_text(
        'CREATE TABLE "users" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,'
        ' "balance" decimal(12,2) DEFAULT 0.0);\n'
        "INSERT INTO users VALUES(1,1000);\n"
        "INSERT INTO users VALUES(2,-15.499999999999999999);\n"
        "INSERT INTO users VALUES(3,0);\n"
        "INSERT INTO users VALUES(4,1234567890.1199998856);\n"
        "INSERT INTO users VALUES(5,0.010000000000000000208);"
    )
    assert "    balance numeric(12,2) DEFAULT 0.0\n" in sql
    assert [d.render() for d in report.diagnostics if "round" in d.message] == []


def test_named_check_constraint_keeps_its_name() -> None:
    """Django's shop_review: ``CONSTRAINT "rating_at_most_5" CHECK ("rating" <= 5)`` became
    ``shop_review_check``. Named keys keep their names (one_review_per_customer); checks must
    too, since Django migrations drop and alter them by name."""
    sql, _report = convert_text(
        'CREATE TABLE IF NOT EXISTS "shop_review" ("id" integer NOT NULL PRIMARY KEY'
        ' AUTOINCREMENT, "rating" smallint unsigned NOT NULL CHECK ("rating" >= 0),'
        ' "customer_id" integer NOT NULL, CONSTRAINT "one_review_per_customer"'
        ' UNIQUE ("customer_id"), CONSTRAINT "rating_at_most_5" CHECK ("rating" <= 5));\n'
        "INSERT INTO shop_review VALUES(1,5,1);"
    )
    assert "ADD CONSTRAINT one_review_per_customer UNIQUE (customer_id)" in sql
    assert "ADD CONSTRAINT rating_at_most_5 CHECK (rating <= 5)" in sql


def test_objects_left_out_are_in_the_report() -> None:
    """A CHECK and a DEFAULT that have no PostgreSQL form (hex(), randomblob(8)) are left
    out of the script, as comments after the data; the report must list both as lossy."""
    sql, report = convert_text(
        'CREATE TABLE IF NOT EXISTS "t" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,'
        ' "attributes" text NOT NULL CHECK (hex("attributes") <> \'\'),'
        ' "Token" TEXT DEFAULT (lower(hex(randomblob(8)))));\n'
        "INSERT INTO t VALUES(1,'{}','abc');"
    )
    assert "-- dumpconv: check constraint on t not created" in sql
    assert "-- dumpconv: default of t.Token not created" in sql
    lossy = "\n".join(d.render() for d in report.lossy)
    assert "check constraint on t" in lossy, lossy
    assert "t.Token" in lossy, lossy


def test_django_jsonfield_arrives_as_jsonb() -> None:
    """README, Django recipe: "text with a JSON_VALID check (JSONField) ... arrive[s] as
    jsonb". It arrives as text, and the check is dropped (see the test above). Either the
    conversion or the README is wrong."""
    sql, _report = convert_text(
        'CREATE TABLE IF NOT EXISTS "shop_product" ("id" integer NOT NULL PRIMARY KEY'
        ' AUTOINCREMENT, "attributes" text NOT NULL'
        ' CHECK ((JSON_VALID("attributes") OR "attributes" IS NULL)));\n'
        """INSERT INTO shop_product VALUES(1,'{"color": "red", "sizes": [1, 2]}');\n"""
        "INSERT INTO shop_product VALUES(2,'[]');"
    )
    assert "    attributes jsonb NOT NULL\n" in sql


def test_names_cut_to_63_bytes_are_reported() -> None:
    """names' 70-character table and 68-character column are cut to 63 bytes without a word
    in the report or the script (besides the section title). Two names that agree in their
    first 63 bytes even get a made-up name (``..._1``): an application that still says
    ``..._two`` reaches the *other* table, since PostgreSQL cuts the name in its query too.
    Renaming a table or column is a changed definition: the report must say so."""
    one, two = "a" * 63 + "_one", "a" * 63 + "_two"
    sql, report = convert_text(
        f"CREATE TABLE {one} (id INTEGER PRIMARY KEY, v TEXT);\n"
        f"INSERT INTO {one} VALUES(1,'x');\n"
        f"CREATE TABLE {two} (id INTEGER PRIMARY KEY, {'c' * 70} TEXT);\n"
        f"INSERT INTO {two} VALUES(1,'y');"
    )
    assert f"CREATE TABLE public.{'a' * 61}_1 (" in sql  # what happens now
    messages = "\n".join(d.render() for d in report.diagnostics)
    assert one in messages, messages
    assert two in messages, messages
    assert "c" * 70 in messages, messages
