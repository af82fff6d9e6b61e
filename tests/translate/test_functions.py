"""functions and datetimes: SQLite's function library, each translation run on both engines.

Every expected value is SQLite's own answer (the ``sqlite3`` module, SQLite 3.40), computed
on the same input; the PostgreSQL side runs the translation on a real server, with the value
in a column of each type it may have become (text, timestamp, timestamptz, date, time,
double precision, bigint), under a session time zone other than UTC.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import time
from typing import Any

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dumpconv.decide.temporal import temporal_ok
from dumpconv.decide.typemap import Cat
from dumpconv.read.schema import Schema
from dumpconv.read.sqlite_ddl import parse_create_table
from dumpconv.translate import Scope, Untranslatable, translate_expr
from dumpconv.translate.expressions import translate_query
from dumpconv.translate.functions import FUNCTIONS, NOT_YET

COLUMNS = {"t": "text", "ts": "timestamp", "tz": "timestamptz", "d": "date", "tm": "time",
           "n": "double precision", "i": "bigint"}  # fmt: skip


def _scope() -> Scope:
    schema = Schema()
    table = parse_create_table(
        "CREATE TABLE v (id INTEGER PRIMARY KEY, t TEXT, ts DATETIME, tz DATETIME, d DATE, "
        "tm TIME, n REAL, i INTEGER)", 1, schema)  # fmt: skip
    schema.add(table)
    types = {(table.key, c.key): COLUMNS.get(c.name, "bigint") for c in table.columns}
    return Scope(schema, [table], types)


def translated(expr: str, column: str) -> str:
    """The PostgreSQL SELECT of a SQLite expression over ``@``, read from ``column``."""
    return translate_query(f"SELECT {expr.replace('@', column)} FROM v", _scope())


def sqlite_answer(expr: str, value: object) -> object:
    con = sqlite3.connect(":memory:")
    try:
        return con.execute(f"SELECT {expr.replace('@', '?')}", (value,)).fetchone()[0]
    finally:
        con.close()


class Pg:
    """One connection to a database holding table v, in the Kolkata time zone."""

    def __init__(self, dsn: str) -> None:
        self.con = psycopg.connect(dsn, autocommit=True)
        self.con.execute("SET TimeZone = 'Asia/Kolkata'")
        cols = ", ".join(f"{c} {t}" for c, t in COLUMNS.items())
        self.con.execute(f"CREATE TABLE public.v (id bigint PRIMARY KEY, {cols})")

    def answer(self, expr: str, value: object) -> dict[str, Any]:
        """The translation's answer with the value in each column that may hold it."""
        row: dict[str, object] = {}
        if isinstance(value, str):
            row["t"] = value
            for col, cat in (("ts", Cat.TIMESTAMP), ("d", Cat.DATE), ("tm", Cat.TIME)):
                if temporal_ok(cat, value.encode()):
                    row["tz" if col == "ts" and _zoned(value) else col] = value
        elif isinstance(value, bool) or value is None:
            row["t"] = value
        elif isinstance(value, int):
            row["i"] = value
            row["n"] = float(value) if abs(value) < 2**53 else None
        else:
            row["n"] = value
        out = {}
        for col, held in row.items():
            self.con.execute("DELETE FROM public.v")
            self.con.execute(f"INSERT INTO public.v (id, {col}) VALUES (1, %s)", (held,))
            sql = translated(expr, col).replace(" v", " public.v")
            [(out[col],)] = self.con.execute(sql).fetchall()
        return out


def _zoned(text: str) -> bool:
    return text.rstrip().endswith("Z") or (len(text) > 19 and text.rstrip()[-6] in "+-")


def _beyond_month(value: object) -> bool:
    """A day past the month's end (2024-02-30): SQLite 3.40 writes it back as it is when no
    modifier computes with it; 3.42+ and any modifier carry it into the next month, as the
    translation does."""
    if not isinstance(value, str) or not re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        dt.date(int(value[:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return 1 <= int(value[5:7]) <= 12 and int(value[8:10]) <= 31
    return False


def same(pg: Pg, expr: str, value: object) -> None:
    # The day carried first: SQLite's answer for the date it carries to.
    read = sqlite_answer("datetime(@, '+0 seconds')", value) if _beyond_month(value) else value
    theirs = sqlite_answer(expr, read)
    ours = pg.answer(expr, value)
    for col, answer in ours.items():
        assert answer == theirs, (expr, value, col, ours, theirs)
        assert type(answer) is type(theirs), (expr, value, col, ours, theirs)


VALUES = [
    "2024-03-15 22:45:30", "2024-03-15", "2024-03-15T22:45:30.789", "2024-03-15 22:45",
    "2024-03-15 22:45:30.7896", "2024-03-15 22:45:30.9996", "2024-03-15T22:45:30Z",
    "2024-03-15 22:45:30+02:00", "2024-03-15 22:45:30 -05:30 ", "22:45", "12:30:15.25",
    "2024-01-31", "2024-02-29 23:59:59.999", "1969-12-31 23:59:59.5", "0999-01-01",
    "2024-03-15TT22:45", "2024-03-1522:45", "2024-03-15 ", "2024-02-30", "2024-3-5",
    "15/03/2024", "abc", "", " 2024-03-15", "2024-03-15 22:45:30 +0530", "2024-03-15Z",
    "2024-13-01", "2460385.5", " 2460385.5 ", "2e6", "0x10",
    2460385.5, 2460385, 1722000.5, -1, 5373000.25, 5373485, 1710542730, 1710542730.789, -86400.5,
    None,
]  # fmt: skip

EXPRESSIONS = [
    "date(@)", "time(@)", "datetime(@)", "julianday(@)", "unixepoch(@)",
    "strftime('%Y-%m-%d %H:%M:%f', @)", "strftime('%j|%w|%W|%s|%%|%J', @)",
    "strftime('week %W of %Y, day %d', @)", "strftime('', @)", "strftime('%Q', @)",
    "datetime(@, '+1 day')", "datetime(@, '-1.5 days', '+3 hours')",
    "datetime(@, '+90 seconds', '-30 minutes')", "date(@, '+1 month')", "date(@, '-13 months')",
    "date(@, '+1 year')", "datetime(@, '+1.5 months')", "datetime(@, '-0.5 years')",
    "date(@, 'start of month', '+1 month', '-1 day')", "datetime(@, 'start of year')",
    "datetime(@, 'start of day')", "date(@, 'weekday 0')", "date(@, 'weekday 3')",
    "datetime(@, '-01:30')", "datetime(@, '+12:30:10')", "datetime(@, 'unixepoch')",
    "datetime(@, 'auto')", "unixepoch(@, 'unixepoch')", "datetime(@, 'bogus')",
    "datetime(@, '+1 day', 'unixepoch')", "strftime('%H:%M', @, '+1 DAYS')",
    "datetime(@, NULL)", "strftime(NULL, @)", "strftime('%f', @, '+0 seconds')",
]  # fmt: skip


@pytest.mark.pg
@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_date_functions_answer_as_sqlite(pg: Pg, expr: str) -> None:
    for value in VALUES:
        same(pg, expr, value)


_FORMS = st.sampled_from(["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%H:%M:%S"])


@st.composite
def iso_times(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(min_value=dt.datetime(1000, 1, 1),
                               max_value=dt.datetime(9000, 12, 31)))  # fmt: skip
    text = moment.strftime(draw(_FORMS))
    if text.count(":") == 2 and draw(st.booleans()):
        text += "." + str(moment.microsecond).zfill(6)[: draw(st.integers(1, 6))]
    # (a time alone with a zone: SQLite's 'start of' forgets the day the zone moved it to)
    if ":" in text and "-" in text and draw(st.booleans()):
        text += draw(st.sampled_from(["Z", "+02:00", "-05:30", " +14:00", "-00:00"]))
    if draw(st.booleans()):
        text = text.replace(" ", "T", 1)
    return text


MODIFIERS = st.sampled_from([
    "+1 day", "-3 days", "+2.5 hours", "-90 minutes", "+45.5 seconds", "+1 month", "-1 month",
    "+13 months", "+1 year", "-4 years", "+1.5 months", "start of day", "start of month",
    "start of year", "weekday 0", "weekday 5", "+06:30", "-23:59:59",
])  # fmt: skip
FUNCTION_CALLS = st.sampled_from([
    "date(@{m})", "time(@{m})", "datetime(@{m})", "julianday(@{m})", "unixepoch(@{m})",
    "strftime('%Y-%m-%dT%H:%M:%f', @{m})", "strftime('%j|%w|%W|%s', @{m})",
])  # fmt: skip


@pytest.mark.pg
@settings(max_examples=20)
@given(value=iso_times(), mods=st.lists(MODIFIERS, max_size=2), call=FUNCTION_CALLS)
def test_random_times_and_modifiers_answer_as_sqlite(
    pg: Pg, value: str, mods: list[str], call: str
) -> None:
    expr = call.format(m="".join(f", '{m}'" for m in mods))
    try:
        translated(expr, "t")
    except Untranslatable as e:  # left out and reported, never answered otherwise
        left_out = str(e)
    else:
        left_out = ""
        same(pg, expr, value)
    assert left_out in (
        "",
        "uses strftime() in a way not translated: the translation would be too large",
    ) or left_out.endswith("too large"), left_out


@pytest.mark.pg
@settings(max_examples=25)
@given(value=st.floats(min_value=1.8e6, max_value=6e9, allow_nan=False),
       unix=st.sampled_from(["", ", 'unixepoch'", ", 'auto'"]))  # fmt: skip
def test_random_numbers_answer_as_sqlite(pg: Pg, value: float, unix: str) -> None:
    same(pg, f"strftime('%Y-%m-%d %H:%M:%f', @{unix})", value)
    same(pg, f"julianday(@{unix})", value)


@pytest.mark.pg
def test_localtime_is_the_session_time_zone(pg: Pg) -> None:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    try:
        for value in ("2024-03-15 22:45:30", "2024-03-15 02:00:00"):
            same(pg, "datetime(@, 'localtime')", value)
            same(pg, "datetime(@, 'utc')", value)
            same(pg, "date(@, 'localtime', 'start of day', 'utc')", value)
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


OTHERS = [  # the expression, the column holding the values (n double, i bigint, t text)
    ("round(@)", "n", [2.5, -2.5, 0.5, 3.5, -0.4, None]),
    ("round(@)", "i", [5, 9007199254740993]),
    ("round(@)", "t", ["2.5"]),
    ("round(@, 2)", "n", [2.675, 1.005, 0.285, 0.125, None]),
    ("round(@, 2)", "i", [7]),
    ("round(@, -2)", "n", [1234.5678]),
    ("round(@, 40)", "n", [0.1]),
    ("max(@, 2)", "i", [1, 3, None]),
    ("min(@, 2, 5)", "i", [1, 3, None]),
    ("max(@, 'b')", "t", ["a", "c", None]),
    ("replace(@, 'a', 'bb')", "t", ["aaa", "abc", "", None]),
    ("replace(@, '', 'y')", "t", ["abc", None]),
    ("replace(@, 'b', NULL)", "t", ["abc"]),
    ("instr(@, 'b')", "t", ["abc", "xyz", "", None]),
    ("instr(@, '')", "t", ["abc", "", None]),
]


@pytest.mark.pg
@pytest.mark.parametrize(("expr", "col", "values"), OTHERS)
def test_other_functions_answer_as_sqlite(
    pg: Pg, expr: str, col: str, values: list[object]
) -> None:
    for value in values:
        theirs = sqlite_answer(expr, value)
        pg.con.execute("DELETE FROM public.v")
        pg.con.execute(f"INSERT INTO public.v (id, {col}) VALUES (1, %s)", (value,))
        sql = translated(expr, col).replace(" v", " public.v")
        [(ours,)] = pg.con.execute(sql).fetchall()
        assert ours == theirs, (expr, value, ours, theirs)
        assert type(ours) is type(theirs), (expr, value, ours, theirs)


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("date('now')", "depends on the current time through 'now'"),
        ("datetime()", "depends on the current time through 'now'"),
        ("strftime('%e', t)", "%e is only known to later SQLite versions"),
        ("datetime(t, 'subsec')", "only known to later SQLite versions"),
        ("datetime(t, t)", "a modifier that is not a literal string"),
        ("strftime(t, t)", "a format that is not a literal string"),
        ("round(n, i)", "round() with a number of digits that is not an integer"),
        ("typeof(n + 1)", "typeof() of an expression"),
        ("printf('%d', t)", "%d of a text value"),
        ("printf('%s', n)", "%s of a real"),
        ("printf('%.2f', n)", "the conversion %.2f"),
        ("printf(t, i)", "a format that is not a literal string"),
        ("t GLOB t", "a pattern that is not a literal string"),
        ("n GLOB '1*'", "GLOB on a real"),
        ("n || 'x'", "joins with || a real"),
        ("ts || 'x'", "a timestamp column"),
        ("json_extract(t, '$.a')", "SQLite answers SQL values"),
        ("t -> '$.a'", "the operator ->, not translated"),
        ("t ->> 'a'", "the operator ->>, not translated"),
        ("max(i)", "uses the aggregate max() outside a query"),
        ("date(t)", "date() outside a query: its PostgreSQL form (to_char, casts of text) is"),
    ],
)
def test_what_is_left_out_says_why(sql: str, why: str) -> None:
    # as in a view (the date functions are translated in queries only), or as a CHECK
    in_view = "current time" not in why and "outside a query" not in why

    def translate() -> str:
        if in_view:
            return translate_query(f"SELECT {sql} FROM v", _scope())
        return translate_expr(sql, _scope())

    with pytest.raises(Untranslatable, match=re.escape(why)):
        translate()


def test_now_is_read_when_a_view_runs() -> None:
    out = translate_query("SELECT date('now'), unixepoch()", _scope())
    assert "CURRENT_TIMESTAMP AT TIME ZONE 'UTC'" in out


def test_every_left_out_function_is_not_in_the_table() -> None:
    assert not set(NOT_YET) & set(FUNCTIONS)
