"""typed: GLOB, typeof, printf/format and || of numbers, translated from the columns' types,
each run on both engines (SQLite 3.40 through the sqlite3 module, and PostgreSQL) over the
same rows; every expected value is SQLite's own answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dumpconv.read.schema import Schema
from dumpconv.read.sqlite_ddl import parse_create_table
from dumpconv.translate import Scope, Untranslatable
from dumpconv.translate.expressions import translate_query
from dumpconv.translate.typed import glob_regex
from tests.translate.test_functions import COLUMNS, Pg

DDL = ("CREATE TABLE v (id INTEGER PRIMARY KEY, t TEXT, ts DATETIME, tz DATETIME, d DATE, "
       "tm TIME, n REAL, i INTEGER)")  # fmt: skip


def _scope() -> Scope:
    schema = Schema()
    table = parse_create_table(DDL, 1, schema)
    schema.add(table)
    types = {(table.key, c.key): COLUMNS.get(c.name, "bigint") for c in table.columns}
    return Scope(schema, [table], types)


def both(pg: Pg, expr: str, col: str, values: Sequence[object]) -> list[tuple[object, object]]:
    """(SQLite's answer, PostgreSQL's) for ``expr`` over rows holding each value in ``col``."""
    lite = sqlite3.connect(":memory:")
    lite.execute(DDL)
    pg.con.execute("DELETE FROM public.v")
    for n, value in enumerate(values):
        lite.execute(f"INSERT INTO v (id, {col}) VALUES (?, ?)", (n, value))
        pg.con.execute(f"INSERT INTO public.v (id, {col}) VALUES (%s, %s)", (n, value))
    query = f"SELECT id, {expr} FROM v ORDER BY id"
    theirs = [r[1] for r in lite.execute(query)]
    lite.close()
    sql = translate_query(query, _scope()).replace(" v ", " public.v ")
    ours = [r[1] for r in pg.con.execute(sql).fetchall()]
    return list(zip(theirs, ours, strict=True))


def same(pg: Pg, expr: str, col: str, values: Sequence[object]) -> None:
    for theirs, ours in both(pg, expr, col, values):
        if isinstance(ours, bool):  # a predicate: SQLite's 0/1
            ours = int(ours)
        assert ours == theirs, (expr, col, values, theirs, ours)
        assert type(ours) is type(theirs), (expr, col, values, theirs, ours)


def _sql(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# ---- GLOB ---------------------------------------------------------------------------------------

_PATTERN = st.text(alphabet="ab-]^[*?.\\$()|+{}é😀", max_size=8)
_STRING = st.text(alphabet="ab-]^[*?.\\$(|{é😀\n", max_size=6)


@pytest.mark.pg
@settings(max_examples=60)
@given(pattern=_PATTERN, strings=st.lists(_STRING, min_size=1, max_size=8))
def test_random_glob_patterns_answer_as_sqlite(pg: Pg, pattern: str, strings: list[str]) -> None:
    same(pg, f"t GLOB {_sql(pattern)}", "t", [*strings, None])
    same(pg, f"glob({_sql(pattern)}, t)", "t", strings)
    same(pg, f"t NOT GLOB {_sql(pattern)}", "t", strings)


GLOBS = ["a*", "*a", "a?c", "[a-c]*", "[^a-c]", "[]]", "[]-a]", "[^]]", "[z-a]", "[^z-a]",
         "[a-]", "[-a]", "[a-c-e]", "a[bc", "[", "*[b]", "?*?", "*.*", "[*]", "[?]", "[[]",
         "\\*", "%_", "", "A*", "é?", "[a-é]", "[^\n]"]  # fmt: skip
GLOB_STRINGS = ["", "a", "abc", "ABC", "b", "]", "-", "^", "e", "z", "*", "?", "[", "\\x",
                "%_", "\n", "é", "ë", "x.y", "cab", "a-", "é😀"]  # fmt: skip


@pytest.mark.pg
@pytest.mark.parametrize("pattern", GLOBS)
def test_glob_patterns_answer_as_sqlite(pg: Pg, pattern: str) -> None:
    same(pg, f"t GLOB {_sql(pattern)}", "t", [*GLOB_STRINGS, None])


@pytest.mark.pg
def test_glob_of_integers_reads_their_digits(pg: Pg) -> None:
    same(pg, "i GLOB '1*'", "i", [1, 10, 21, -1, 0, None])
    same(pg, "i GLOB '-?'", "i", [-1, -10, 1])


def test_glob_regex_escapes_every_metacharacter() -> None:
    assert glob_regex("a.b") == "^a\\u002eb$"
    assert glob_regex("[^]x-]") == "^[^\\u005dx\\u002d]$"


# ---- typeof ------------------------------------------------------------------------------------


@pytest.mark.pg
@pytest.mark.parametrize(
    ("col", "values"),
    [
        ("t", ["abc", "", "12", None]),
        ("i", [5, -1, None]),
        ("n", [1.5, 2, None]),
        ("ts", ["2024-03-15 22:45:30", None]),
        ("d", ["2024-03-15", None]),
    ],
)
def test_typeof_a_column_answers_as_sqlite(pg: Pg, col: str, values: list[object]) -> None:
    same(pg, f"typeof({col})", col, values)


@pytest.mark.pg
def test_typeof_a_literal_answers_as_sqlite(pg: Pg) -> None:
    for literal in ("1", "-2", "1.5", "'x'", "NULL", "1e3"):
        same(pg, f"typeof({literal})", "t", ["a"])


# ---- printf / format --------------------------------------------------------------------------

PRINTFS = ["printf('%s', t)", "printf('[%5s|%-5s]', t, t)", "format('%s=%d', t, i)",
           "printf('%d|%5d|%-5d|%%', i, i, i)", "printf('%s %s', t)", "printf('%d')",
           "printf('%s', i)", "printf('no conversion')", "printf('')", "printf(NULL, t)",
           "printf('%3s|', t) || 'x'", "printf('%s', printf('%4d', i))"]  # fmt: skip


@pytest.mark.pg
@pytest.mark.parametrize("expr", PRINTFS)
def test_printf_answers_as_sqlite(pg: Pg, expr: str) -> None:
    same(pg, expr, "t", ["ab", "", "é", "abcdef", "it's", None])
    same(pg, expr, "i", [42, -7, 0, 123456, None])


# ---- || ----------------------------------------------------------------------------------------

CONCATS = ["i || 'x'", "'x' || i", "i || i", "id || '/' || i", "t || i", "(i + 1) || t",
           "1 || 2", "-3 || t"]  # fmt: skip


@pytest.mark.pg
@pytest.mark.parametrize("expr", CONCATS)
def test_concatenating_integers_answers_as_sqlite(pg: Pg, expr: str) -> None:
    same(pg, expr, "i", [42, -7, 0, None])
    same(pg, expr, "t", ["ab", None])


@pytest.mark.parametrize(
    ("expr", "why"),
    [
        ("n || 'x'", "a real"),
        ("(n + 1) || 'x'", "a real"),
        ("1.5 || 'x'", "a real"),
        ("d || 'x'", "a date column"),
        ("n GLOB '1*'", "a real"),
        ("typeof(t || 'x')", "an expression"),
    ],
)
def test_what_differs_is_left_out(expr: str, why: str) -> None:
    with pytest.raises(Untranslatable, match=why):
        translate_query(f"SELECT {expr} FROM v", _scope())
