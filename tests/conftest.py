"""Shared fixtures: a PostgreSQL server per test session, a fresh database per test.

Tests that use ``pg_server`` or ``pg_db`` must carry ``@pytest.mark.pg`` (so that
``-m "not pg"`` really leaves PostgreSQL out); a test that forgets it fails with a message.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.pgharness import PgServer, PgUnavailable, start_server

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=50,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PG_FIXTURES = frozenset({"pg_server", "pg_db"})


def _pg_required() -> bool:
    return os.environ.get("DUMPCONV_REQUIRE_PG", "").strip().lower() in ("1", "true", "yes")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden (expected-output) files instead of comparing against them",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    used = PG_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if used and item.get_closest_marker("pg") is None:
        pytest.fail(
            f"{item.nodeid} uses {', '.join(sorted(used))} but is not marked @pytest.mark.pg",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """The session's PostgreSQL server (started once; $DUMPCONV_TEST_DSN to use another).

    Without PostgreSQL binaries the tests using it are skipped, or fail when
    DUMPCONV_REQUIRE_PG=1 (as in CI).
    """
    try:
        server = start_server(tmp_path_factory.mktemp("pg"))
    except PgUnavailable as exc:
        if _pg_required():
            pytest.fail(
                f"DUMPCONV_REQUIRE_PG=1 but no PostgreSQL is available: {exc}", pytrace=False
            )
        pytest.skip(f"no PostgreSQL available (set DUMPCONV_REQUIRE_PG=1 to fail): {exc}")
    with server:
        yield server


@pytest.fixture
def pg_db(pg_server: PgServer) -> Iterator[str]:
    """DSN of a fresh, empty UTF8 database, dropped after the test."""
    dsn = pg_server.create_db()
    yield dsn
    pg_server.drop_db(dsn)
