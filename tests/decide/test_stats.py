"""stats: per-column statistics gathered from batches of rows.

Rows are hand-made Python values encoded by ``rows.encode_rows`` (the exact path) or SQL
literals written by SQLite's own ``quote()`` and read by ``rows.convert_run`` (the fast path).
What a valid date, a valid JSON text or a fitting varchar is comes from the calendar, from
PostgreSQL's documented input rules and, in the ``pg`` test, from PostgreSQL itself.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import sqlite3
from collections.abc import Sequence

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dumpconv.decide.stats import MAX_EXAMPLES, ColumnStats, TableStats, json_ok
from dumpconv.decide.typemap import declared
from dumpconv.read.rows import Batch, Value, convert_run, encode_rows
from tests.pgharness import PgServer

PREFIX = b"INSERT INTO t VALUES("
_SQLITE = sqlite3.connect(":memory:")


def sql_literal(value: Value) -> bytes:
    """The literal SQLite's quote() writes for a value (what iterdump puts in a dump)."""
    return str(_SQLITE.execute("SELECT quote(?)", (value,)).fetchone()[0]).encode()


def dump_body(rows: Sequence[tuple[Value, ...]]) -> bytes:
    return b"".join(PREFIX + b",".join(map(sql_literal, r)) + b");\n" for r in rows)


def fast_batch(rows: Sequence[tuple[Value, ...]], first_line: int) -> Batch:
    batch = convert_run(dump_body(rows), PREFIX, len(rows[0]), first_line)
    assert batch is not None
    return batch


def stats(decl: str, values: Sequence[Value], *, fast: bool = False, line: int = 10) -> ColumnStats:
    rows: list[tuple[Value, ...]] = [(v,) for v in values]
    batch = fast_batch(rows, line) if fast else encode_rows(rows, 1, line)
    ts = TableStats([declared(decl)])
    ts.update(batch)
    return ts.columns[0]


both_paths = pytest.mark.parametrize("fast", [False, True], ids=["exact", "fast"])


# --- storage classes and ranges -------------------------------------------------------------


@both_paths
def test_classes_are_counted(fast: bool) -> None:
    st_ = stats("", [1, 2.5, "x", b"\x00", None, None, 3], fast=fast)
    c = st_.classes
    assert (c.ints, c.reals, c.texts, c.blobs, c.nulls) == (2, 1, 1, 1, 2)
    assert st_.count == 7
    assert st_.mixed


@both_paths
def test_integer_range_across_batches(fast: bool) -> None:
    ts = TableStats([declared("INTEGER")])
    batches: list[list[Value]] = [[5, -3, None], [2**63 - 1], [-(2**63), 0]]
    for n, values in enumerate(batches):
        rows: list[tuple[Value, ...]] = [(v,) for v in values]
        ts.update(fast_batch(rows, 10 * n) if fast else encode_rows(rows, 1, 10 * n))
    st_ = ts.columns[0]
    assert (st_.int_min, st_.int_max) == (-(2**63), 2**63 - 1)
    assert ts.rows == 6
    assert not st_.mixed


@both_paths
def test_infinities_are_counted(fast: bool) -> None:
    st_ = stats("REAL", [float("inf"), 1.5, float("-inf")], fast=fast)
    assert st_.infinities == 2
    assert st_.classes.reals == 3


def test_texts_that_look_like_numbers_stay_texts() -> None:
    st_ = stats("", ["1", "2.5", "Infinity"], fast=True)
    assert (st_.classes.texts, st_.classes.ints, st_.classes.reals) == (3, 0, 0)
    assert st_.infinities == 0


# --- varchar lengths count characters ------------------------------------------------------------


@both_paths
@pytest.mark.parametrize(
    ("value", "fits"),
    [
        ("abc", True),
        ("abcd", False),
        ("äöü", True),  # 6 bytes, 3 characters
        ("😀😀😀", True),  # 12 bytes, 3 characters
        ("😀😀😀😀", False),
        ("a\tb", True),  # escaped as 4 bytes of COPY text
        ("a\\b", True),
        ("\\\\\\", True),  # three backslashes: 6 bytes of COPY text
        ("\n\r\t", True),
        ("ab\\\\", False),
    ],
)
def test_varchar_length_is_counted_in_characters(fast: bool, value: str, fits: bool) -> None:
    st_ = stats("varchar(3)", [value], fast=fast)
    assert st_.too_long.ok is fits


def test_too_long_examples_carry_values_and_lines() -> None:
    rows: list[tuple[Value, ...]] = [
        (v,) for v in ["ok", "toolong1", "ok", "toolong2", "toolong3", "toolong4", "x" * 100]
    ]
    ts = TableStats([declared("varchar(3)")])
    ts.update(fast_batch(rows, 200))
    check = ts.columns[0].too_long
    assert check.failures == 5
    assert len(check.examples) == MAX_EXAMPLES == 3
    assert check.examples == [("toolong1", 201), ("toolong2", 203), ("toolong3", 204)]
    assert check.describe() == (
        "'toolong1' (line 201), 'toolong2' (line 203), 'toolong3' (line 204) and 2 more"
    )


def test_long_example_values_are_shortened() -> None:
    st_ = stats("varchar(3)", ["y" * 100])
    ((value, _line),) = st_.too_long.examples
    assert len(value) <= 60
    assert value.startswith("yyy")


def test_example_lines_follow_multi_line_statements_and_multi_row_inserts() -> None:
    body = (
        b"INSERT INTO t VALUES(1,'first\nsecond line');\n"  # line 50-51
        b"INSERT INTO t VALUES(2,'toolong');\n"  # line 52
        b"INSERT INTO t VALUES(3,'ok'),\n"  # line 53
        b"  (4,'also too long');\n"  # line 54
    )
    batch = convert_run(body, PREFIX, 2, 50)
    assert batch is not None
    ts = TableStats([declared("INT"), declared("varchar(12)")])
    ts.update(batch)
    check = ts.columns[1].too_long
    assert check.failures == 2  # "toolong" and "ok" fit in 12 characters
    assert check.examples == [("first\nsecond line", 50), ("also too long", 54)]


def test_example_lines_of_a_later_batch() -> None:
    ts = TableStats([declared("BOOLEAN")])
    ts.update(fast_batch([(1,), (0,)], 1))
    ts.update(fast_batch([("t",), ("maybe",), ("no",)], 300))
    assert ts.columns[0].not_boolean.examples == [("maybe", 301), ("no", 302)]


# --- booleans -------------------------------------------------------------------------------


@both_paths
@pytest.mark.parametrize(
    ("values", "ok"),
    [
        (["0", "1", "t", "f", "true", "false"], True),
        (["T", "F", "TRUE", "False"], True),  # PostgreSQL reads these case-insensitively
        (["yes"], False),
        (["on"], False),
        ([" t"], False),
        (["2"], False),
        ([""], False),
    ],
)
def test_boolean_words(fast: bool, values: Sequence[Value], ok: bool) -> None:
    assert stats("BOOLEAN", values, fast=fast).not_boolean.ok is ok


# --- dates and times ------------------------------------------------------------------------


@both_paths
@pytest.mark.parametrize(
    ("decl", "value", "valid"),
    [
        ("DATETIME", "2024-01-02 03:04:05", True),
        ("DATETIME", "2024-01-02T03:04:05", True),
        ("DATETIME", "2024-01-02 03:04", True),
        ("DATETIME", "2024-01-02 03:04:05.123456", True),
        ("DATETIME", "2024-01-02 03:04:05.1234567", False),  # PostgreSQL would round
        ("DATETIME", "2024-01-02", True),
        ("DATETIME", "2024-02-29 12:00:00", True),  # leap year
        ("DATETIME", "2023-02-29 12:00:00", False),
        ("DATETIME", "2023-02-30 00:00:00", False),
        ("DATETIME", "2023-04-31 00:00:00", False),
        ("DATETIME", "1900-02-29 00:00:00", False),  # not a leap year
        ("DATETIME", "2000-02-29 00:00:00", True),
        ("DATETIME", "0000-00-00 00:00:00", False),
        ("DATETIME", "2024-13-01 00:00:00", False),
        ("DATETIME", "2024-01-02 24:00:00", False),
        ("DATETIME", "2024-01-02 23:59:60", False),
        ("DATETIME", "now", False),
        ("DATETIME", "2024-01-02 03:04:05Z", True),
        ("DATETIME", "2024-01-02 03:04:05+05:30", True),
        ("DATE", "2024-02-29", True),
        ("DATE", "2023-02-29", False),
        ("DATE", "2024-01-02 00:00:00", False),  # a date column would drop the time
        ("DATE", "2024-1-2", False),
        ("TIME", "12:34:56", True),
        ("TIME", "12:34", True),
        ("TIME", "24:00:00", False),
        ("TIME", "12:34:56.5", True),
    ],
)
def test_temporal_values(fast: bool, decl: str, value: str, valid: bool) -> None:
    assert stats(decl, [value], fast=fast).not_temporal.ok is valid


@both_paths
def test_invalid_date_among_valid_ones_is_found_with_its_line(fast: bool) -> None:
    values: list[Value] = ["2024-01-31 00:00:00", "2023-02-30 10:00:00", "2024-12-31 23:59:59"]
    st_ = stats("DATETIME", values, fast=fast, line=40)
    assert st_.not_temporal.failures == 1
    assert st_.not_temporal.examples == [("2023-02-30 10:00:00", 41 if fast else 40)]


@both_paths
@pytest.mark.parametrize(
    ("values", "offsets"),
    [
        (["2024-01-02 03:04:05"], 0),
        (["2024-01-02"], 0),  # a date alone ends in "-02": not an offset
        (["2024-01-02", "2024-01-31"], 0),
        (["2024-01-02T03:04:05Z"], 1),
        (["2024-01-02 03:04:05+02:00", "2024-01-02 03:04:05"], 1),
        (["2024-01-02 03:04:05-0530", "2024-01-02 03:04+01", "2024-01-02T03:04:05.5Z"], 3),
    ],
)
def test_utc_offsets_are_counted(fast: bool, values: Sequence[Value], offsets: int) -> None:
    st_ = stats("DATETIME", values, fast=fast)
    assert st_.not_temporal.ok
    assert st_.with_offset == offsets


# --- JSON -------------------------------------------------------------------------------------

JSON_CASES = {
    '{"a": [1, 2.5, "x", null, true]}': True,
    "[]": True,
    '"text"': True,
    "1": True,
    "-0": True,
    "1e400": True,  # jsonb numbers are numeric: no overflow
    " \t[1]\n": True,
    '"\\ud83d\\ude00"': True,  # a surrogate pair is one character
    '"\\\\u0000"': True,  # an escaped backslash, then the text u0000
    '{"a": 1, "a": 2}': True,
    "NaN": False,
    "Infinity": False,
    "-Infinity": False,
    '{"a": NaN}': False,
    '"\\u0000"': False,  # jsonb cannot store NUL
    '"\\ud800"': False,  # a lone high surrogate
    '"\\udc00"': False,  # a lone low surrogate
    '"\\ud800\\u0041"': False,
    "{bad": False,
    "[1,]": False,
    "{'a': 1}": False,
    "01": False,
    "1.": False,
    ".5": False,
    "+1": False,
    "0x10": False,
    "tru": False,
    "": False,
    "1 2": False,
    '"\t"': False,  # a raw control character inside a string
    '"\\x41"': False,
}


@pytest.mark.parametrize(("text", "ok"), JSON_CASES.items(), ids=list(JSON_CASES))
def test_json_ok(text: str, ok: bool) -> None:
    assert json_ok(text.encode()) is ok


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=5).filter(lambda s: "\x00" not in s), children, max_size=4
        )
    ),
    max_leaves=10,
)


@given(json_values, st.booleans())
def test_json_written_by_a_json_library_is_ok(value: object, ascii_only: bool) -> None:
    assert json_ok(json.dumps(value, ensure_ascii=ascii_only).encode())


@both_paths
def test_json_column_examples(fast: bool) -> None:
    st_ = stats("JSON", ['{"a":1}', "NaN", "[1,2]", '"\\u0000"'], fast=fast, line=5)
    assert st_.not_json.failures == 2
    assert [v for v, _ in st_.not_json.examples] == ["NaN", '"\\u0000"']


# --- uuid and numeric -------------------------------------------------------------------------


@both_paths
def test_uuid_values(fast: bool) -> None:
    good = ["123e4567-e89b-12d3-a456-426614174000", "123E4567E89B12D3A456426614174000"]
    assert stats("UUID", good, fast=fast).not_uuid.ok
    bad = stats("UUID", [*good, "not-a-uuid", "123e4567-e89b-12d3-a456-42661417400"], fast=fast)
    assert bad.not_uuid.failures == 2


@both_paths
@pytest.mark.parametrize(
    ("decl", "value", "fits"),
    [
        ("decimal(10,2)", 19.99, True),
        ("decimal(10,2)", 0.30000000000000004, False),  # the double's shortest form
        ("decimal(10,2)", 0.1, True),
        ("decimal(10,2)", 12345678.5, True),
        ("decimal(10,2)", 123456789.5, False),  # 9 integer digits > 10 - 2
        ("decimal(10,2)", -99999999.99, True),
        ("decimal(10,2)", 1e20, False),
        ("decimal(10,2)", 1.005, False),
        ("decimal(5,0)", 12345.0, True),
        ("decimal(5,0)", 0.5, False),
        ("decimal(10,2)", float("inf"), False),
    ],
)
def test_reals_that_numeric_p_s_holds_exactly(
    fast: bool, decl: str, value: float, fits: bool
) -> None:
    assert stats(decl, [value], fast=fast).numeric_misfit.ok is fits


def test_texts_in_a_numeric_column_are_misfits() -> None:
    st_ = stats("decimal(10,2)", ["12.50", 1.5], line=3)
    assert st_.numeric_misfit.examples == [("12.50", 3)]


# --- the storage classes of the fast path agree with SQLite's typeof() ---------------------------


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.integers(min_value=-(2**63), max_value=2**63 - 1),
            st.floats(allow_nan=False),
            st.text(
                alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")
            ),
            st.binary(max_size=8),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_classes_match_sqlite_typeof(values: list[Value]) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (v)")
    conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    kinds = [r[0] for r in conn.execute("SELECT typeof(v) FROM t ORDER BY rowid")]
    body = b"".join(
        s.encode("utf-8", "surrogateescape") + b"\n"
        for s in conn.iterdump()
        if s.startswith('INSERT INTO "t"')
    )
    batch = convert_run(body, b'INSERT INTO "t" VALUES(', 1, 1)
    if batch is None:  # outside the fast grammar: the exact path reads it
        batch = encode_rows([(v,) for v in values], 1, 1)
    ts = TableStats([declared("")])
    ts.update(batch)
    c = ts.columns[0].classes
    got = {
        "null": c.nulls,
        "integer": c.ints,
        "real": c.reals,
        "text": c.texts,
        "blob": c.blobs,
    }
    assert got == {k: kinds.count(k) for k in got}


# --- PostgreSQL agrees with json_ok ---------------------------------------------------------------


@pytest.mark.pg
def test_json_ok_agrees_with_postgresql_jsonb(pg_server: PgServer, pg_db: str) -> None:
    disagree = {}
    for text in JSON_CASES:
        try:
            pg_server.query(pg_db, "SELECT %s::jsonb", [text])
            pg_ok = True
        except Exception:
            pg_ok = False
        if pg_ok != json_ok(text.encode()):
            disagree[text] = pg_ok
    assert disagree == {}


# --- statistics gathered apart and merged (--jobs) ------------------------------------------

_MERGE_VALUE = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.sampled_from(["2024-02-30", "2024-01-31 10:00:00+02:00", "12:30:00", "true", "no", "1",
                     "2000-01-01 10:00:00", "t", '{"a": 1}', "{bad", "10.0.0.1", "é" * 12,
                     "0123e456-e89b-12d3-a456-426614174000", "x" * 70, "3.14159"]),
    st.text(max_size=8),
    st.binary(max_size=16),
)  # fmt: skip
_MERGE_DECLS = ["", "INTEGER", "REAL", "TEXT", "VARCHAR(10)", "BOOLEAN", "DATETIME", "DATE",
                "TIME", "JSON", "UUID", "INET", "NUMERIC(5,2)", "TIMESTAMP(3)"]  # fmt: skip


@given(
    decl=st.sampled_from(_MERGE_DECLS),
    values=st.lists(_MERGE_VALUE, min_size=1, max_size=40),
    cuts=st.lists(st.integers(min_value=1, max_value=39), max_size=4),
)
@example(decl="VARCHAR(10)", values=["x" * 70] * 8, cuts=[2, 4, 6])  # examples capped at 3
@example(decl="", values=[1, None, "a", 2.5, b"z", "b", 3], cuts=[1, 3, 5])  # first of each
def test_merged_statistics_equal_statistics_gathered_in_order(
    decl: str, values: list[Value], cuts: list[int]
) -> None:
    """Batches summarised on their own (as --jobs workers do) and merged in input order give
    exactly the statistics of updating one TableStats batch after batch."""
    bounds = sorted({c for c in cuts if c < len(values)} | {0, len(values)})
    batches = [
        encode_rows([(v,) for v in values[a:b]], 1, 10 + a) for a, b in itertools.pairwise(bounds)
    ]
    in_order = TableStats([declared(decl)])
    merged = TableStats([declared(decl)])
    for batch in batches:
        in_order.update(batch)
        apart = TableStats([declared(decl)])
        apart.update(batch)
        merged.merge(apart)
    assert merged.rows == in_order.rows
    assert merged.columns == in_order.columns


def test_merge_covers_every_statistic() -> None:
    """A statistic added to ColumnStats must be merged too: this list is the reminder."""
    merged = {
        "declared", "classes", "int_min", "int_max", "infinities", "max_text_bytes", "too_long",
        "not_boolean", "not_temporal", "with_offset", "latest", "dated_times", "not_json",
        "not_uuid", "not_inet", "not_label", "too_precise", "numeric_misfit", "mixed",
        "real_min", "real_max", "first",
    }  # fmt: skip
    assert {f.name for f in dataclasses.fields(ColumnStats)} == merged
