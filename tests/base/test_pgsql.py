"""pgsql: identifier, literal, dollar-quote and comment quoting, identifier truncation.

Expectations come from PostgreSQL's documented lexical rules (sql-syntax-lexical.html,
Appendix C key words) and, in the ``pg`` tests, from a real server: what it stores for a
quoted name, what a literal reads back as, which words ``pg_get_keywords()`` reserves.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dumpconv.base.pgsql import (
    MAX_IDENT_BYTES,
    comment_text,
    dollar_quote,
    quote_ident,
    quote_literal,
    truncate_ident,
)
from tests.pgharness import PgServer

# --- quote_ident ------------------------------------------------------------------------------

# Key words that PostgreSQL reserves (Appendix C: "reserved" and "reserved (can be function or
# type)"), written out by hand so that the module's own list is not the only source.
PG_RESERVED_SAMPLE = [
    "user",
    "order",
    "group",
    "end",
    "offset",
    "limit",
    "table",
    "select",
    "desc",
    "check",
    "default",
    "primary",
    "references",
    "analyze",
    "analyse",
    "window",
    "all",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "both",
    "case",
    "cast",
    "collate",
    "column",
    "constraint",
    "create",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "deferrable",
    "distinct",
    "do",
    "else",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "grant",
    "having",
    "in",
    "initially",
    "intersect",
    "into",
    "lateral",
    "leading",
    "localtime",
    "localtimestamp",
    "not",
    "null",
    "on",
    "only",
    "or",
    "placing",
    "returning",
    "session_user",
    "some",
    "symmetric",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "using",
    "variadic",
    "when",
    "where",
    "with",
    "authorization",
    "binary",
    "collation",
    "concurrently",
    "cross",
    "current_schema",
    "freeze",
    "full",
    "ilike",
    "inner",
    "is",
    "isnull",
    "join",
    "left",
    "like",
    "natural",
    "notnull",
    "outer",
    "overlaps",
    "right",
    "similar",
    "tablesample",
    "verbose",
]

# Words PostgreSQL accepts as bare column names ("non-reserved"): no quotes needed.
PG_UNRESERVED_SAMPLE = ["name", "key", "text", "data", "value", "action", "type", "id", "year"]


@pytest.mark.parametrize("word", PG_RESERVED_SAMPLE)
def test_reserved_words_are_quoted(word: str) -> None:
    assert quote_ident(word) == f'"{word}"'


@pytest.mark.parametrize("word", PG_UNRESERVED_SAMPLE)
def test_unreserved_words_stay_bare(word: str) -> None:
    assert quote_ident(word) == word


@pytest.mark.parametrize(
    "name",
    ["users", "a", "_x", "order_items", "t1", "col_2", "a$b", "x" * 63],
)
def test_simple_lower_case_names_stay_bare(name: str) -> None:
    assert quote_ident(name) == name


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("Users", '"Users"'),
        ("ID", '"ID"'),
        ("with space", '"with space"'),
        ('quo"te', '"quo""te"'),
        ('""', '""""""'),
        ("1abc", '"1abc"'),  # a digit cannot start a bare name
        ("$a", '"$a"'),
        ("données", '"données"'),
        ("naïve", '"naïve"'),
        ("a-b", '"a-b"'),
        ("a.b", '"a.b"'),
        ("a;drop", '"a;drop"'),
        # control characters never appear raw: the U&"…" form escapes them
        ("tab\there", 'U&"tab\\0009here"'),
        ("back\\slash\n", 'U&"back\\\\slash\\000A"'),
    ],
)
def test_names_that_need_quotes(name: str, quoted: str) -> None:
    assert quote_ident(name) == quoted


@given(st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s))
def test_quote_ident_is_bare_or_a_well_formed_quoted_name(name: str) -> None:
    out = quote_ident(name)
    if out == name:
        assert re.fullmatch(r"[a-z_][a-z0-9_$]*", name)
    elif out.startswith('U&"'):
        assert re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", name)
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", out)
        # PostgreSQL's reading: \\ is a backslash, \XXXX a code point, "" a quote
        body = re.sub(
            r"\\(\\|[0-9A-F]{4})",
            lambda m: "\\" if m.group(1) == "\\" else chr(int(m.group(1), 16)),
            out[3:-1],
        )
        assert body.replace('""', '"') == name
    else:
        assert out.startswith('"')
        assert out.endswith('"')
        assert out[1:-1].replace('""', '"') == name
        # every quote inside is doubled: removing the doubled ones leaves none
        assert '"' not in out[1:-1].replace('""', "")


# --- quote_literal ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("", "''"),
        ("it's", "'it''s'"),
        ("''", "''''''"),
        ("C:\\path\\file", "'C:\\path\\file'"),  # standard_conforming_strings: \ is ordinary
        # control characters never appear raw: an E'…' literal escapes them
        ("line1\nline2", "E'line1\\x0Aline2'"),
        ("a\\b\r", "E'a\\\\b\\x0D'"),
        ("nel\x85", "E'nel\\u0085'"),
    ],
)
def test_quote_literal(text: str, literal: str) -> None:
    assert quote_literal(text) == literal


# --- dollar_quote -------------------------------------------------------------------------------

_DOLLAR_OPEN = re.compile(r"\$([A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*)?\$")


def pg_dollar_body(quoted: str) -> tuple[str, str]:
    """Read a dollar-quoted string the way PostgreSQL's lexer does: the body ends at the
    first occurrence of the opening tag. Returns (body, text after the closing tag)."""
    m = _DOLLAR_OPEN.match(quoted)
    assert m is not None, f"not a dollar quote: {quoted!r}"
    tag = m.group(0)
    end = quoted.find(tag, m.end())
    assert end >= 0, f"unterminated dollar quote: {quoted!r}"
    return quoted[m.end() : end], quoted[end + len(tag) :]


_BODY_PARTS = st.sampled_from(["$", "dumpconv", "$dumpconv$", "$dumpconv1$", "1", "2", "x", "\n"])


@given(st.lists(_BODY_PARTS, max_size=12).map("".join) | st.text(max_size=30))
@example("x$dumpconv")  # the closing tag's own '$' would complete "$dumpconv" early
@example("$dumpconv")
@example("$dumpconv$$dumpconv1$")
def test_dollar_quote_never_collides_with_its_body(body: str) -> None:
    quoted = dollar_quote(body)
    read_body, rest = pg_dollar_body(quoted)
    assert (read_body, rest) == (body, "")


def test_dollar_quote_picks_another_tag_when_the_default_occurs() -> None:
    assert dollar_quote("plain") == "$dumpconv$plain$dumpconv$"
    quoted = dollar_quote("a $dumpconv$ b")
    assert not quoted.startswith("$dumpconv$")
    assert pg_dollar_body(quoted) == ("a $dumpconv$ b", "")


# --- comment_text -------------------------------------------------------------------------------

# Every character Python's str.splitlines() breaks on, found by asking Python itself.
LINE_BREAKS = frozenset(
    chr(i)
    for i in range(0x110000)
    if not 0xD800 <= i <= 0xDFFF and len(f"a{chr(i)}b".splitlines()) > 1
)


def test_line_break_set_is_what_the_docs_list() -> None:
    # sanity check of the oracle: the list in the str.splitlines() documentation
    assert set("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029") == LINE_BREAKS


@pytest.mark.parametrize("brk", sorted(LINE_BREAKS))
def test_comment_text_neutralises_each_line_break(brk: str) -> None:
    out = comment_text(f"before{brk}\\! rm -rf /{brk}after")
    assert not LINE_BREAKS.intersection(out)
    assert len(out.splitlines()) == 1
    assert out.startswith("before")
    assert out.endswith("after")


def test_comment_text_crlf_and_nul() -> None:
    out = comment_text("a\r\nb\x00c")
    assert "\r" not in out
    assert "\n" not in out
    assert "\x00" not in out


@given(
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs"])
        | st.sampled_from([*sorted(LINE_BREAKS), "\x00", "\x7f", "\t"])
    )
)
def test_comment_text_output_never_breaks_a_line(text: str) -> None:
    out = comment_text(text)
    assert not LINE_BREAKS.intersection(out)
    assert "\x00" not in out
    assert len(out.splitlines()) <= 1


@given(st.text(alphabet=st.characters(min_codepoint=0x20, blacklist_categories=["Cs", "Cc"])))
def test_comment_text_keeps_ordinary_text(text: str) -> None:
    if not LINE_BREAKS.intersection(text):
        assert comment_text(text) == text


# --- truncate_ident -----------------------------------------------------------------------------


def test_truncate_ident_limit_is_postgresql_namedatalen() -> None:
    assert MAX_IDENT_BYTES == 63


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a" * 63, "a" * 63),
        ("a" * 64, "a" * 63),
        ("a" * 200, "a" * 63),
        ("é" * 31 + "a", "é" * 31 + "a"),  # 63 bytes exactly
        ("é" * 32, "é" * 31),  # 64 bytes: the 32nd é would be cut in half
        ("a" + "é" * 32, "a" + "é" * 31),  # 65 bytes, cut at 63
        ("ab" + "😀" * 16, "ab" + "😀" * 15),  # 4-byte characters: 62 bytes kept
        ("€" * 21, "€" * 21),  # 63 bytes of 3-byte characters
        ("€" * 22, "€" * 21),
    ],
)
def test_truncate_ident_cuts_on_a_character_boundary(name: str, expected: str) -> None:
    assert truncate_ident(name) == expected


@given(st.text(max_size=80))
def test_truncate_ident_properties(name: str) -> None:
    out = truncate_ident(name)
    raw = out.encode("utf-8", "surrogatepass")
    assert len(raw) <= 63
    assert name.startswith(out)
    if out != name:
        # the next character would not have fitted
        nxt = name[len(out)]
        assert len(raw) + len(nxt.encode("utf-8", "surrogatepass")) > 63


# --- against a real PostgreSQL ----------------------------------------------------------------


@pytest.mark.pg
def test_keyword_list_covers_every_word_postgresql_reserves(
    pg_server: PgServer, pg_db: str
) -> None:
    rows = pg_server.query(
        pg_db, "SELECT word, catcode, quote_ident(word) FROM pg_get_keywords() ORDER BY word"
    )
    assert len(rows) > 400
    # PostgreSQL's own quote_ident() quotes every key word that is not unreserved
    must_quote = [w for w, _code, pg_quoted in rows if pg_quoted != w]
    assert "user" in must_quote
    assert set(PG_RESERVED_SAMPLE) <= {w for w, code, _ in rows if code in ("R", "T")}
    not_quoted = [w for w in must_quote if quote_ident(w) == w]
    assert not_quoted == []


@pytest.mark.pg
def test_quoted_names_are_stored_exactly(pg_server: PgServer, pg_db: str) -> None:
    names = [
        *PG_RESERVED_SAMPLE,
        "Users",
        'quo"te',
        "with space",
        "données",
        "a$b",
        "1abc",
        "MixedCase",
        "😀",
        "x" * 63,
    ]
    cols = ", ".join(f"{quote_ident(n)} int" for n in names)
    table = quote_ident('Weird "T')
    pg_server.query(pg_db, f"CREATE TABLE {table} ({cols})")
    got = pg_server.query(
        pg_db,
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "ORDER BY attnum",
        [table],
    )
    assert [r[0] for r in got] == names


_PG_TEXTS = [
    "",
    "it's",
    "back\\slash \\n \\x00",
    "multi\nline\r\n",
    "😀 naïve",
    "$$ $dumpconv$ $dumpconv1$",
    "E'not an escape'",
    "x$dumpconv",
]


@pytest.mark.pg
def test_literals_read_back_exactly(pg_server: PgServer, pg_db: str) -> None:
    for text in _PG_TEXTS:
        assert pg_server.query(pg_db, f"SELECT {quote_literal(text)}") == [(text,)], text


@pytest.mark.pg
def test_dollar_quotes_read_back_exactly(pg_server: PgServer, pg_db: str) -> None:
    wrong = {}
    for text in _PG_TEXTS:
        try:
            got = pg_server.query(pg_db, f"SELECT {dollar_quote(text)} AS b")
        except Exception as exc:  # a collision usually leaves a syntax error behind
            got = [(f"error: {exc}",)]
        if got != [(text,)]:
            wrong[text] = got
    assert wrong == {}


@pytest.mark.pg
def test_postgresql_truncates_long_names_like_truncate_ident(
    pg_server: PgServer, pg_db: str
) -> None:
    names = ["a" * 70, "é" * 40, "ab" + "😀" * 20, "€" * 30]
    cols = ", ".join(f"{quote_ident(n)} int" for n in names)
    pg_server.query(pg_db, f"CREATE TABLE t ({cols})")
    got = pg_server.query(
        pg_db, "SELECT attname FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0"
    )
    assert sorted(r[0] for r in got) == sorted(truncate_ident(n) for n in names)
