"""translate/clock.py: SQLite's date and time functions of 'now' as DEFAULTs."""

from __future__ import annotations

import pytest

from dumpconv.translate.clock import NotClock, clock_default
from dumpconv.write.pgcheck import check_statement


@pytest.mark.parametrize(
    ("expr", "pg_type", "want"),
    [
        ("datetime()", "text", "to_char((CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), "
                               "'YYYY-MM-DD HH24:MI:SS')"),
        ("DATETIME('now', 'localtime')", "timestamp", "LOCALTIMESTAMP"),
        ("strftime('%Y-%m-%dT%H:%M:%f', 'now')", "text",
         "to_char((CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS.MS')"),
        ("strftime('%d/%m %% %j', 'now')", "varchar(20)",
         "to_char((CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), 'DD/MM % DDD')"),
        ("date('now')", "date", "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::date)"),
        ("unixepoch()", "bigint",
         "(floor(EXTRACT(EPOCH FROM (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'))))::bigint"),
        ("lower(name)", "text", None),  # not a date function: the caller's business
    ],
)  # fmt: skip
def test_clock_defaults(expr: str, pg_type: str, want: str | None) -> None:
    got = clock_default(expr, pg_type)
    assert got == want
    if got is not None:
        check_statement(f"ALTER TABLE public.t ALTER COLUMN c SET DEFAULT {got};", "alter-table")


@pytest.mark.parametrize(
    ("expr", "pg_type", "why"),
    [
        ("datetime('now', '+1 day')", "text", "modifier '+1 day'"),
        ("strftime('%w', 'now')", "text", "specifier %w"),
        ("date(created)", "text", "anything but literal strings"),
        ("datetime('2024-01-01', 'start of month')", "text", "other than 'now'"),
        ("julianday('now')", "integer", "no equivalent for integer"),
        ("strftime('%H\"%M', 'now')", "text", "quotes"),
        ("datetime('now')", "uuid", "no equivalent for uuid"),
    ],
)  # fmt: skip
def test_what_has_no_faithful_default_is_said(expr: str, pg_type: str, why: str) -> None:
    with pytest.raises(NotClock, match=why.replace("+", r"\+")):
        clock_default(expr, pg_type)
