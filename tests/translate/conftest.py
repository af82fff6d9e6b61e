"""The PostgreSQL database the translation tests compare SQLite's answers with: one per test
module, holding table v (``test_functions.Pg``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pgharness import PgServer
from tests.translate.test_functions import Pg


@pytest.fixture(scope="module")
def pg(pg_server: PgServer, request: pytest.FixtureRequest) -> Iterator[Pg]:
    dsn = pg_server.create_db(request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_"))
    db = Pg(dsn)
    yield db
    db.con.close()
    pg_server.drop_db(dsn)
