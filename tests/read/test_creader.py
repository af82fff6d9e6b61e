"""The C reader (read/creader.c): where it takes a run of INSERTs, it gives what the Python
fast path gives, and its date check answers as decide.stats's regular expressions do.

It may decline anything (the fast path then reads the run), so every comparison here also
checks that it takes the runs it exists for: the dumps sqlite3 writes of application data,
the line-end ``replace()`` calls included. The reference is the Python module
``read.fast`` itself, never its compiled copy. Under CI the reader must be built (the
machine has a C compiler); ``.ci/run``'s pure-Python rerun checks it is not used there.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dumpconv.base import hotpath
from dumpconv.decide import temporal
from dumpconv.decide.stats import ColumnStats, TableStats
from dumpconv.decide.typemap import Cat, declared
from dumpconv.read import fast, rows, splitter
from dumpconv.read.batch import Batch, Classes
from tests.read.test_hotpath import DUMPS, HOSTILE_VALUE

CREADER = hotpath.creader()
needs_creader = pytest.mark.skipif(CREADER is None, reason=hotpath.creader_status())
REPO = Path(__file__).resolve().parents[2]


def _reader() -> ModuleType:
    assert CREADER is not None
    return CREADER


def test_built_and_in_use_under_ci() -> None:
    if os.environ.get(hotpath.PURE_ENV):
        assert hotpath.creader_status() == f"no C reader ({hotpath.PURE_ENV} is set)"
        assert hotpath.creader() is None
        return
    if os.environ.get("CI", "").strip().lower() not in ("1", "true", "yes") and CREADER is None:
        pytest.skip(hotpath.creader_status())
    assert hotpath.creader_status() == hotpath.CREADER
    assert rows._creader is CREADER


def test_a_changed_source_is_not_run() -> None:
    """The build compiles the SHA-256 of its sources in; hotpath compares it with the files."""
    sources = tuple(REPO / s for s in hotpath.C_SOURCES[hotpath.CREADER_MODULE])
    if CREADER is not None:
        assert hotpath.sources_digest(sources) == CREADER.SOURCE_SHA256
    assert hotpath.sources_digest(sources) != hotpath.sources_digest(sources[:1])


_INT_SHAPE = re.compile(rb"-?[0-9]+")


def _agree(body: bytes, prefix: bytes, arity: int) -> bool:
    """Whether the C reader took the run; when it did, that it equals the Python fast path."""
    got = _reader().convert(body, prefix, arity)
    ref = fast.convert_run(body, prefix, arity, 1)
    if got is None:
        return False
    assert ref is not None, body
    copy, shapes, columns = got
    assert copy == ref.copy
    # A text's shape is a placeholder: only its first byte (NUL) means anything.
    assert shapes == [b"\x00" if s[:1] == b"\x00" else s for s in ref.shapes]
    assert [Classes(*c[:6]) for c in columns] == ref.columns
    for c, column in enumerate(columns):
        ints = [int(s) for s in ref.shapes[c::arity] if _INT_SHAPE.fullmatch(s)]
        assert column[6] == ((min(ints), max(ints)) if ints else None)
    assert ref.lines is None
    assert ref.bad_utf8 == []
    assert ref.nul == []
    # The statistics the pipeline gathers from either batch are the same.
    batch = rows.convert_run(body, prefix, arity, 1)
    assert batch is not None
    assert batch.int_ranges is not None
    assert _stats(batch, arity) == _stats(ref, arity)
    order = list(reversed(range(arity)))  # an INSERT's column list, in another order
    assert _stats(batch.select(order), arity) == _stats(ref.select(order), arity)
    return True


_DECLARED = ["INTEGER", "REAL", "TEXT", "DATETIME", "DATE", "BOOLEAN", "VARCHAR(3)", "BLOB"]


def _stats(batch: Batch, arity: int) -> list[ColumnStats]:
    """Each column's statistics under every declared type above."""
    out = []
    for decl in _DECLARED:
        table = TableStats([declared(decl)] * arity)
        table.update(batch)
        out.extend(table.columns)
    return out


def _runs(dump: bytes) -> list[tuple[bytes, bytes, int]]:
    """Consecutive one-line INSERTs into the same table, as (body, prefix, arity)."""
    found: list[tuple[bytes, bytes, int]] = []
    run: list[bytes] = []
    prefix = b""

    def close() -> None:
        if run:
            arity = len(_values(run[0], prefix))
            if arity:
                found.append((b"".join(run), prefix, arity))
        run.clear()

    for line in dump.splitlines(keepends=True):
        m = re.match(rb"INSERT INTO [^(']*?VALUES\(", line)
        if m is None or not line.endswith(b");\n"):
            close()
            continue
        if m.group() != prefix:
            close()
            prefix = m.group()
        run.append(line)
    close()
    return found


def _values(line: bytes, prefix: bytes) -> list[object]:
    """A statement's values as SQLite reads them (the arity the run must have)."""
    try:
        sql = "SELECT " + line[len(prefix) : -3].decode("latin-1")  # only the count matters
        row = sqlite3.connect(":memory:").execute(sql).fetchone()
    except sqlite3.Error:
        return []
    return list(row)


@needs_creader
def test_it_agrees_on_every_dump_and_takes_the_common_runs() -> None:
    taken = declined = 0
    for path in DUMPS:
        for body, prefix, arity in _runs(path.read_bytes()):
            if _agree(body, prefix, arity):
                taken += 1
            else:
                declined += 1
    assert taken >= 30, (taken, declined)


def _application_dump(tmp_path: Path) -> bytes:
    from bench import appdb

    db = tmp_path / "app.db"
    appdb.build(db, 3000)
    return subprocess.run(["sqlite3", str(db), ".dump"], capture_output=True, check=True).stdout


@needs_creader
def test_it_takes_every_run_of_an_application_dump(tmp_path: Path) -> None:
    """Text with apostrophes, tabs, newlines (replace() calls) and accents, reals, dates,
    NULLs: none of it sends a run to the slower path."""
    found = {prefix: (body, arity) for body, prefix, arity in _runs(_application_dump(tmp_path))}
    assert sorted(found) == [
        b"INSERT INTO events VALUES(",
        b"INSERT INTO sqlite_sequence VALUES(",
        b"INSERT INTO users VALUES(",
    ]
    assert b"replace(" in found[b"INSERT INTO events VALUES("][0]
    for prefix, (body, arity) in found.items():
        assert _agree(body, prefix, arity)


# Values as sqlite3 .dump writes them: what the C reader is for.
_TEXT = st.text(st.characters(codec="utf-8", blacklist_characters="\x00"))


def _dump_literal(text: str) -> bytes:
    """A text literal the way sqlite3 3.40's .dump writes it (line ends as replace() calls)."""
    raw = text.encode()
    quoted = b"'" + raw.replace(b"'", b"''")
    calls = []
    if b"\r" in raw:
        quoted = quoted.replace(b"\r", b"\\r")
        calls.append(b"'\\r',char(13))")
    if b"\n" in raw:
        quoted = quoted.replace(b"\n", b"\\n")
        calls.append(b"'\\n',char(10))")
    out = quoted + b"'"
    for call in calls:
        out = b"replace(" + out + b"," + call
    return out


def _real_literal(f: float) -> bytes:
    """17 significant digits as .dump writes most reals, else Python's shortest repr."""
    text = f"{f:.17g}"
    return (text if "e" not in text and "." in text else repr(f)).encode()


_CLEAN = st.one_of(
    st.just(b"NULL"),
    st.integers(-(10**18) + 1, 10**18 - 1).map(lambda i: str(i).encode()),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e99, max_value=1e99)
    .filter(lambda f: f == 0 or abs(f) > 1e-90)  # three exponent digits: the fast path's
    .map(lambda f: _real_literal(f)),
    st.sampled_from([b"1.0", b"-0.5", b".5", b"5.", b"1e5", b"2.5E-07", b"-3e+22", b"007"]),
    _TEXT.map(_dump_literal),
    st.binary(max_size=6).map(lambda b: b"X'" + b.hex().encode() + b"'"),
    st.binary(max_size=6).map(lambda b: b"x'" + b.hex().upper().encode() + b"'"),
)


def _body(rows_: list[list[bytes]], prefix: bytes) -> bytes:
    return b"".join(prefix + b",".join(r) + b");\n" for r in rows_)


_PREFIXES = st.sampled_from([b"INSERT INTO t VALUES(", b'INSERT INTO "a b" VALUES('])


@needs_creader
@given(
    width=st.integers(1, 5),
    values=st.lists(_CLEAN, min_size=1, max_size=40),
    prefix=_PREFIXES,
)
def test_it_takes_and_agrees_on_dump_values(width: int, values: list[bytes], prefix: bytes) -> None:
    rows_ = [values[i : i + width] for i in range(0, len(values) - width + 1, width)] or [values]
    arity = len(rows_[0])
    assert _agree(_body(rows_, prefix), prefix, arity)


@needs_creader
@given(
    rows_=st.lists(
        st.lists(st.one_of(_CLEAN, HOSTILE_VALUE), min_size=1, max_size=4), min_size=1, max_size=5
    ),
    prefix=_PREFIXES,
    extra_arity=st.sampled_from([0, 0, 0, 1, -1]),
    cut=st.integers(0, 400),
    insert=st.binary(max_size=3),
)
@example(rows_=[[b"'a'"]], prefix=b"INSERT INTO t VALUES(", extra_arity=0, cut=0, insert=b"")
def test_it_agrees_or_declines_on_hostile_runs(
    rows_: list[list[bytes]], prefix: bytes, extra_arity: int, cut: int, insert: bytes
) -> None:
    """Hostile values, wrong arities, and bytes spliced in anywhere: it never takes a run the
    fast path would read otherwise, and never raises."""
    body = _body(rows_, prefix)
    at = cut % (len(body) + 1)
    for candidate in (body, body[:at] + insert + body[at:]):
        _agree(candidate, prefix, len(rows_[0]) + extra_arity)


@needs_creader
def test_it_declines_what_is_not_its_grammar() -> None:
    p = b"INSERT INTO t VALUES("
    good = p + b"1,'a');\n"
    assert _agree(good, p, 2)
    for body in [
        p + b"1, 'a');\n",  # white space between values
        p + b"1,'a'),(2,'b');\n",  # multi-row VALUES
        p + b"1,'a');\r\n",  # CR line end
        p + b"1,'a\nb');\n",  # a value spread over lines
        p + b"1,'a\x00');\n",  # NUL
        p + b"1,'\xff');\n",  # invalid UTF-8
        p + b"1,'\xed\xa0\x80');\n",  # a surrogate in UTF-8
        p + b"1234567890123456789,'a');\n",  # past 18 digits: int64 range is checked in Python
        p + b"1e308,'a');\n",  # a three-digit exponent
        p + b"Inf,'a');\n",
        p + b"1,X'abc');\n",  # odd hex
        p + b"1,char(65));\n",
        p + b"1,unistr('\\0041'));\n",
        p + b"1,replace('a','b',char(11)));\n",
        p + b"+1,'a');\n",
        good + p + b"2,'a');\n\n",  # trailing blank line
        good[:-1],  # no final line end
    ]:
        assert _reader().convert(body, p, 2) is None, body
    assert _reader().convert(good, p, 3) is None
    assert _reader().convert(good, b"INSERT INTO u VALUES(", 2) is None


# ---- dates and times ------------------------------------------------------------------------

_KINDS = {Cat.TIMESTAMP: 0, Cat.DATE: 1, Cat.TIME: 2}


def _two(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.integers(lo, hi).map(lambda n: f"{n:02d}")


_YMD = st.tuples(
    st.sampled_from(["2024", "2023", "1900", "2000", "0000", "0001", "9999", "12x4"]),
    _two(0, 13),
    _two(0, 32),
).map("-".join)
_HMS = st.tuples(
    _two(0, 25),
    _two(0, 61),
    st.one_of(st.just(""), _two(0, 61).map(lambda s: ":" + s)),
    st.sampled_from(["", ".", ".1", ".123456", ".1234567", ".12a"]),
).map(lambda t: f"{t[0]}:{t[1]}{t[2]}{t[3]}")
_OFFSET = st.sampled_from(
    ["", "Z", "+05", "-05:30", "+0530", "+16", "-15:59", "+05:3", "+05:60", "z", "+5", " UTC"]
)
_ITEM = st.one_of(
    st.tuples(_YMD, st.sampled_from(["", " ", "T", "t", "  "]), _HMS, _OFFSET).map(
        lambda t: t[0] + (t[1] + t[2] + t[3] if t[1] else "")
    ),
    _YMD,
    _HMS,
    st.text(st.sampled_from("0123456789-:. TZ+"), max_size=12),
)


@needs_creader
@given(items=st.lists(_ITEM, min_size=1, max_size=6))
@example(items=["2023-02-29"])
@example(items=["2024-02-29 12:00:00+05:30", "2000-01-01T00:00Z"])
@example(items=["1900-02-29"])
@example(items=["2024-04-31"])
@example(items=[""])
def test_the_date_check_agrees_with_the_patterns(items: list[str]) -> None:
    joined = "\n".join(items).encode()
    for cat, kind in _KINDS.items():
        expected = temporal.temporal_offsets_by_pattern(cat, joined)
        got = _reader().temporal_column(joined, kind)
        assert (None if got < 0 else got) == expected, (cat, items)
        assert temporal.temporal_offsets(cat, joined) == expected
    with pytest.raises(ValueError, match="kind"):
        _reader().temporal_column(joined, 3)


def test_the_date_check_finds_what_it_is_for() -> None:
    """Both ways (C when built, the patterns always): the answers hold."""
    good = b"2024-02-29 12:00:00\n2024-03-01T00:00:00.5+05:30\n2024-03-02 10:00Z"
    for check in (temporal.temporal_offsets, temporal.temporal_offsets_by_pattern):
        assert check(Cat.TIMESTAMP, good) == 2
        assert check(Cat.TIMESTAMP, good + b"\n2023-02-29") is None
        assert check(Cat.DATE, b"2024-01-31\n2024-12-01") == 0
        assert check(Cat.DATE, b"2024-06-31") is None
        assert check(Cat.TIME, b"23:59:59.999999\n00:00") == 0
        assert check(Cat.TIME, b"24:00") is None


# ---- the splitter's searches ---------------------------------------------------------------

_LINES = st.lists(
    st.one_of(
        st.sampled_from([b"INSERT INTO t VALUES(1);", b"  (2),", b"INSERT INTO u VALUES(", b""]),
        st.binary(max_size=6),
    ),
    max_size=8,
).map(b"\n".join)


@needs_creader
@given(buf=_LINES, start=st.integers(-3, 80), prefix=st.sampled_from([b"INSERT INTO t VALUES("]))
@example(buf=b"x\n", start=0, prefix=b"INSERT INTO t VALUES(")
@example(buf=b"x\nINSERT INTO t VAL", start=0, prefix=b"INSERT INTO t VALUES(")
def test_the_run_end_search_agrees_with_the_pattern(buf: bytes, start: int, prefix: bytes) -> None:
    m = splitter.foreign_line_pattern(prefix).search(buf, max(start, 0))
    assert _reader().foreign_line(buf, start, prefix) == (m.end() if m else -1)


@needs_creader
@given(
    buf=st.binary(max_size=300),
    byte=st.sampled_from([10, 39, 0, 255]),
    start=st.integers(-400, 400),
    end=st.integers(-400, 400),
)
def test_the_byte_count_agrees_with_bytes_count(
    buf: bytes, byte: int, start: int, end: int
) -> None:
    assert _reader().count_byte(buf, byte, start, end) == buf.count(bytes((byte,)), start, end)
    assert splitter.count_byte(buf, byte, start, end) == buf.count(bytes((byte,)), start, end)
