"""The row readers: scan_insert (exact) on every literal form, and convert_run (fast) against it.

Expected values are written by hand from sqlite-dump-format.md §3.4/§4, or come from SQLite
itself (the differential tests store values in a real database, dump it with the sqlite3
CLI and iterdump(), and read the values back with typeof()).
"""

from __future__ import annotations

import io
import math
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dumpconv import Options, convert
from dumpconv.base.encode import C_BLOB, C_INT, C_NULL, C_REAL, C_TEXT
from dumpconv.base.errors import RowError, SplitError
from dumpconv.read.rows import Batch, Value, convert_run, encode_rows, scan_insert
from dumpconv.read.splitter import InsertRun, RawStatement, iter_units
from dumpconv.read.sqlitefloat import SqliteReals
from tests.producers import (
    PRODUCERS,
    Table,
    as_pg_text,
    copy_field,
    copy_rows,
    cut_statements,
    dump_tables,
    pg_bigint,
    pg_bytea,
    pg_float8,
    quote_name,
    read_back,
)

INF = math.inf
Stored = tuple[tuple[str, Value], ...]  # one row of producers.read_back
SHARED_DUMPS = Path("/work/shared/dumps")


def one(literal: str | bytes) -> object:
    """The single value of ``INSERT INTO t VALUES(<literal>);`` read by the exact reader."""
    lit = literal.encode("utf-8", "surrogateescape") if isinstance(literal, str) else literal
    ins = scan_insert(b"INSERT INTO t VALUES(" + lit + b");", 1)
    assert ins.table == "t"
    assert ins.columns is None
    assert len(ins.rows) == 1
    assert len(ins.rows[0]) == 1
    return ins.rows[0][0]


def same(a: object, b: object) -> bool:
    """Equal values of the same Python type (so 1 is not 1.0, and -0.0 is 0.0)."""
    return type(a) is type(b) and a == b


# ---------------------------------------------------------------------------------------
# scan_insert: every literal form, with values worked out by hand
# ---------------------------------------------------------------------------------------

LITERALS: list[tuple[str, str | bytes, object]] = [
    # NULL and integers (§4.2): the int64 range exactly
    ("null", "NULL", None),
    ("zero", "0", 0),
    ("negative", "-42", -42),
    ("int64-max", "9223372036854775807", 2**63 - 1),
    ("int64-min", "-9223372036854775808", -(2**63)),
    ("past-int64-is-real", "9223372036854775808", 2.0**63),
    ("below-int64-is-real", "-9223372036854775809", -(2.0**63)),
    # reals (§4.1): parse to the double, never keep the decimal digits
    ("real-two", "2.0", 2.0),
    ("real-1e15", "1000000000000000.0", 1e15),
    ("real-20-digit-0.1-3.40", "0.10000000000000000555", 0.1),
    ("real-19-digit-0.1-3.49", "0.1000000000000000055", 0.1),
    ("real-noise-julian", "2440587.4999999999999", 2440587.5),
    ("real-noise-rtree", "-10.499999999999999999", -10.5),
    ("real-2^63-as-int-digits", "9223372036854775807.8", 2.0**63),
    ("real-minus-2^63", "-9223372036854775808.0", -(2.0**63)),
    ("real-1e20", "1.0e+20", 1e20),
    ("real-near-max", "9.9999999999999996322e+307", 1e308),
    ("real-1e308-3.52", "1.0e+308", 1e308),
    ("real-small", "1.0000000000000000817e-05", 1e-05),
    ("real-subnormal-1e-320", "9.9998886718268300563e-321", 1e-320),
    ("real-min-subnormal-3.52", "4.9406564584124654e-324", 5e-324),
    ("real-min-subnormal-iterdump", "4.94065645841247e-324", 5e-324),
    ("real-iterdump-20e", "3.33333333333333314829e-01", 1 / 3),
    ("real-iterdump-julian", "2.46031162783564813435e+06", 2460311.6278356481),
    ("real-iterdump-1e15", "1.0e+15", 1e15),
    ("real-17-digits", "0.33333333333333332", 1 / 3),
    ("real-2^63-3.52", "9.2233720368547758e+18", 2.0**63),
    ("real-zero", "0.0", 0.0),
    # infinities (§4.1), in every producer's spelling
    ("inf-1e999", "1e999", INF),
    ("inf-minus-1e999", "-1e999", -INF),
    ("inf-9e999", "9.0e+999", INF),
    ("inf-minus-9e999", "-9.0e+999", -INF),
    ("inf-word", "Inf", INF),
    ("inf-minus-word", "-Inf", -INF),
    # blobs (§3.4): both prefixes, both digit cases, empty
    ("blob-empty-upper", "X''", b""),
    ("blob-empty-lower", "x''", b""),
    ("blob-cli", "X'000102'", b"\x00\x01\x02"),
    ("blob-3.52", "x'00ff'", b"\x00\xff"),
    ("blob-iterdump-upper-digits", "X'00FF'", b"\x00\xff"),
    ("blob-mixed-case-digits", "X'DeadBeef'", b"\xde\xad\xbe\xef"),
    # T1 plain text
    ("text-empty", "''", ""),
    ("text-doubled-quote", "'it''s'", "it's"),
    ("text-only-quotes", "''''''", "''"),
    ("text-backslashes", r"'C:\path\file'", "C:\\path\\file"),
    ("text-sql-inside", "'a; DROP TABLE x; -- /* not */ a comment'",
     "a; DROP TABLE x; -- /* not */ a comment"),
    ("text-non-bmp", "'smile 😀 clef 𝄞'", "smile 😀 clef 𝄞"),
    ("text-raw-newlines", "'INSERT INTO t VALUES(1);\nCOMMIT;'",
     "INSERT INTO t VALUES(1);\nCOMMIT;"),
    ("text-raw-crlf", "'a\r\nb\rc'", "a\r\nb\rc"),
    ("text-raw-controls", "'\t\x01\x0b\x0c\x1b\x1c\x1d\x1e\x1f\x7f'",
     "\t\x01\x0b\x0c\x1b\x1c\x1d\x1e\x1f\x7f"),
    ("text-unicode-breaks", "'\u0085\u2028\u2029'", "\u0085\u2028\u2029"),
    ("text-looks-like-number", "'123'", "123"),
    ("text-invalid-utf8", b"'\x80\xff'", "\udc80\udcff"),
    ("text-truncated-utf8", b"'a\xe2\x82'", "a\udce2\udc82"),
    # T2 char() concatenation (3.18)
    ("char-lf", "'line1'||char(10)||'line2'", "line1\nline2"),
    ("char-crlf", "'a'||char(13)||char(10)||'b'", "a\r\nb"),
    ("char-only", "char(10)||char(10)", "\n\n"),
    ("char-leading", "char(13)||'x'", "\rx"),
    # T3 replace() (3.19-3.49), every marker variant
    ("replace-lf", r"replace('line1\nline2','\n',char(10))", "line1\nline2"),
    ("replace-cr", r"replace('a\rb','\r',char(13))", "a\rb"),
    ("replace-nested",
     r"replace(replace('one\ntwo\rthree\r\nfour','\r',char(13)),'\n',char(10))",
     "one\ntwo\rthree\r\nfour"),
    ("replace-012", r"replace('lit\n and real\012newline','\012',char(10))",
     "lit\\n and real\nnewline"),
    ("replace-paren-n0", r"replace('has \n and \012 and(\n0)newline','(\n0)',char(10))",
     "has \\n and \\012 and\nnewline"),
    ("replace-paren-n1",
     r"replace('x\n\012(\n0)(\n1)y','(\n1)',char(10))", "x\\n\\012(\\n0)\ny"),
    ("replace-015-and-012",
     r"replace(replace('p\r\015q\n\012','\015',char(13)),'\012',char(10))",
     "p\\r\rq\\n\n"),
    ("replace-paren-r0", r"replace('a\r\015(\r0)b','(\r0)',char(13))", "a\\r\\015\rb"),
    ("replace-quote-in-body", r"replace('it''s\nok','\n',char(10))", "it's\nok"),
    ("replace-marker-at-ends", r"replace('\nmid\n','\n',char(10))", "\nmid\n"),
    ("replace-only-newlines", r"replace('\n\n','\n',char(10))", "\n\n"),
    ("replace-raw-tab-kept", "replace('a\t\\nb','\\n',char(10))", "a\t\nb"),
    # T4 unistr() (3.50+)
    ("unistr-lf", r"unistr('line1\u000aline2')", "line1\nline2"),
    ("unistr-crlf", r"unistr('a\u000d\u000ab')", "a\r\nb"),
    ("unistr-tab", r"unistr('a\u0009b')", "a\tb"),
    ("unistr-esc", r"unistr('\u001b[31mred\u001b[0m')", "\x1b[31mred\x1b[0m"),
    ("unistr-backslash", r"unistr('C:\\dir\u000anext')", "C:\\dir\nnext"),
    ("unistr-literal-bs-n", r"unistr('lit\\n and real\u000anewline')",
     "lit\\n and real\nnewline"),
    ("unistr-quote", r"unistr('it''s\u0001')", "it's\x01"),
    ("unistr-del-raw", "unistr('\x7f\\u0001')", "\x7f\x01"),
    ("unistr-invalid-utf8-raw", b"unistr('\x80\\u0001')", "\udc80\x01"),
    # T5: --newlines in 3.50-3.51, backslashes not doubled (decode leniently)
    ("unistr-lenient-bs-r", r"unistr('lit\r and real\u000dCR')", "lit\\r and real\rCR"),
    ("unistr-lenient-raw-lf-tab", "unistr('a\tb\nc\\u0001')", "a\tb\nc\x01"),
    ("unistr-lenient-path", r"unistr('C:\dir\u0001')", "C:\\dir\x01"),
    # A backslash before four hex digits is a literal backslash in T5 (the CLI writes only
    # \uXXXX escapes, and \\ in T4): §4.3 "any other backslash is a literal backslash".
    ("unistr-lenient-hex-digits", r"unistr('C:\2024\u000d')", "C:\\2024\r"),
    ("unistr-lenient-hex-word", r"unistr('\cafe\u0001')", "\\cafe\x01"),
    # NUL (issue 10): text with NUL, which PostgreSQL text cannot hold; the fast path gives up
    ("char-nul-concat", "'x'||char(0)", "x\x00"),
    ("char-nul-middle", "'a'||char(0)||'b'", "a\x00b"),
    ("char-nul-and-a", "char(0,65)", "\x00A"),
    ("replace-to-nul", r"replace('a\nb','\n',char(0))", "a\x00b"),
    ("replace-nested-nul", r"replace(replace('a\nb\rc','\r',char(0)),'\n',char(10))",
     "a\nb\x00c"),
    ("unistr-nul", r"unistr('\u0000')", "\x00"),
    ("unistr-nul-inside", r"unistr('a\u0000b\u000a')", "a\x00b\n"),
    ("unistr-lenient-0000", r"unistr('\0000')", "\\0000"),  # not an escape the CLI writes
    # char() as SQLite computes it: U+FFFD outside the code points, surrogates as bytes
    ("char-past-max", "char(1114112)", "\ufffd"),
    ("char-two-one-bad", "char(65,99999999999)", "A\ufffd"),
    ("char-surrogate", "char(55296)", "\udced\udca0\udc80"),
    ("char-controls", "char(27,127,8,0)||'z'", "\x1b\x7f\x08\x00z"),
]  # fmt: skip


@pytest.mark.parametrize(("literal", "expected"), [c[1:] for c in LITERALS],
                         ids=[c[0] for c in LITERALS])  # fmt: skip
def test_scan_insert_literal(literal: str | bytes, expected: object) -> None:
    got = one(literal)
    if isinstance(expected, float):
        assert isinstance(got, float)
        assert got == expected, f"{got!r} != {expected!r}"
        assert math.copysign(1, got) == math.copysign(1, expected)
    else:
        assert same(got, expected), f"{got!r} != {expected!r}"


def test_scan_insert_several_values_and_no_spaces() -> None:
    text = b"INSERT INTO items VALUES(1,'widget',10,2.5,X'000102',1,'2024-01-02 03:04:05');"
    ins = scan_insert(text, 12)
    assert ins.table == "items"
    assert ins.rows == [(1, "widget", 10, 2.5, b"\x00\x01\x02", 1, "2024-01-02 03:04:05")]


def test_scan_insert_multirow_353() -> None:
    text = (
        b"INSERT INTO items VALUES(1,'widget',10,2.5,x'000102',1,'2024-01-02 03:04:05'),\n"
        b"  (2,'gadget; with semicolon',0,0.1,NULL,0,'2024-02-29 23:59:59'),\n"
        b"  (3,'multi'||char(10)||'line',NULL,Inf,x'',NULL,unistr('a\\u000ab'));"
    )
    ins = scan_insert(text, 7)
    assert ins.rows == [
        (1, "widget", 10, 2.5, b"\x00\x01\x02", 1, "2024-01-02 03:04:05"),
        (2, "gadget; with semicolon", 0, 0.1, None, 0, "2024-02-29 23:59:59"),
        (3, "multi\nline", None, INF, b"", None, "a\nb"),
    ]


@pytest.mark.parametrize(
    ("text", "table", "columns"),
    [
        (b'INSERT INTO "table with space"(rowid,a,b) VALUES(1,1,\'one\');',
         "table with space", ("rowid", "a", "b")),
        (b"INSERT INTO has_rowid_col(_rowid_,rowid,x) VALUES(1,'rid-a',1);",
         "has_rowid_col", ("_rowid_", "rowid", "x")),
        (b'INSERT INTO "quote""d"("col""q","back`tick") VALUES(1,2);',
         'quote"d', ('col"q', "back`tick")),
        (b"INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','docs',"
         b"'docs',0,'CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = ''porter "
         b"unicode61'')');", "sqlite_schema", ("type", "name", "tbl_name", "rootpage", "sql")),
        (b'INSERT INTO "donn\xc3\xa9es" VALUES(1,2);', "données", None),
        (b'INSERT INTO "order" VALUES(1,2);', "order", None),
        (b'INSERT INTO "sqlite_sequence" VALUES(1,2);', "sqlite_sequence", None),
        (b"INSERT INTO MixedCase VALUES(1,2);", "MixedCase", None),
    ],
    ids=["preserve-rowids", "rowid-alias-names", "quoted-columns", "vtab-registration",
         "non-ascii-name", "keyword-name", "iterdump-quoted", "mixed-case"],
)  # fmt: skip
def test_scan_insert_names_and_column_lists(
    text: bytes, table: str, columns: tuple[str, ...] | None
) -> None:
    ins = scan_insert(text, 1)
    assert ins.table == table
    assert ins.columns == columns
    width = len(columns) if columns else 2
    assert [len(r) for r in ins.rows] == [width]


def test_scan_insert_vtab_registration_value() -> None:
    text = (
        b"INSERT INTO sqlite_master(type,name,tbl_name,rootpage,sql)VALUES('table','docs',"
        b"'docs',0,'CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = ''porter "
        b"unicode61'')');"
    )
    assert scan_insert(text, 1).rows == [
        (
            "table",
            "docs",
            "docs",
            0,
            "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter unicode61')",
        )
    ]


# --- errors name the line of the problem ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first_line", "bad_line"),
    [
        (b"INSERT INTO t VALUES(1,2x);", 40, 40),
        (b"INSERT INTO t VALUES(1,'a'),\n  (2,'b'),\n  (3,@);", 10, 12),
        (b"INSERT INTO t VALUES('a\nb\nc',#);", 5, 7),
        (b"INSERT INTO t VALUES(replace('a\\nb','\\n',char(10)),'x\ny',1 2);", 3, 4),
        (b"INSERT INTO t VALUES(1,'abc);", 8, 8),  # 3.52.0 cut value: no closing quote
        (b"INSERT INTO t VALUES(1,2", 9, 9),
        (b"INSERT INTO t VALUES(1,2);x", 2, 2),
        (b"INSERT INTO t VALUES(X'0');", 2, 2),
        (b"INSERT INTO t VALUES(X'zz');", 2, 2),
        (b"INSERT INTO t VALUES(upper('a'));", 2, 2),
        (b"INSERT INTO t SELECT 1;", 2, 2),
        (b"INSERT INTO t DEFAULT VALUES;", 2, 2),
    ],
    ids=["bad-number", "multirow-third-row", "after-raw-newlines", "after-replace-and-newline",
         "unterminated-string", "unterminated-row", "trailing-text", "odd-hex", "bad-hex",
         "unknown-function", "insert-select", "default-values"],
)  # fmt: skip
def test_scan_insert_errors_name_the_line(text: bytes, first_line: int, bad_line: int) -> None:
    with pytest.raises(RowError) as info:
        scan_insert(text, first_line)
    assert info.value.line == bad_line, str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        b'INSERT INTO t VALUES(1,jsonb(\'{"a":[1,2,"x"]}\'));',
        b"INSERT INTO t VALUES(2,jsonb('null'));",
        b"INSERT INTO t VALUES(3,jsonb(unistr('\"\\u0001\"')));",
    ],
)
def test_scan_insert_rejects_jsonb(text: bytes) -> None:
    with pytest.raises(RowError) as info:
        scan_insert(text, 77)
    assert info.value.line == 77
    assert "jsonb" in info.value.message
    assert info.value.hint  # tells the user how to get a real dump


def test_cut_value_of_352_tty_dump_names_its_line() -> None:
    """sqlite3 3.52.0 on a terminal cuts values after 300 characters and writes '...' with
    no closing quote (§5). The file must be rejected, naming the line of the cut value, not
    a later line that is fine. Read as the pipeline reads it: runs, then the lexer's
    statements, then scan_insert."""
    long = b"long " * 60
    data = (
        b"INSERT INTO t VALUES(1,'short');\n"
        b"INSERT INTO t VALUES(2,'" + long[:300] + b"...);\n"
        b"INSERT INTO t VALUES(3,'zero');\n"
        b"INSERT INTO t VALUES(4,x'" + b"00" * 150 + b"...);\n"
        b"CREATE TABLE u(a);\nCOMMIT;\n"
    )  # fmt: skip
    lines: list[int | None] = []
    try:
        for unit in iter_units(io.BytesIO(data)):
            if isinstance(unit, InsertRun):
                for text, line in cut_statements(unit.body, unit.line):
                    scan_insert(text, line)
    except (RowError, SplitError) as exc:
        lines.append(exc.line)
    assert lines == [2]


def test_scan_insert_jsonb_on_a_later_row_names_its_line() -> None:
    text = b"INSERT INTO t VALUES(1,x'00'),\n  (2,jsonb('true'));"
    with pytest.raises(RowError) as info:
        scan_insert(text, 30)
    assert info.value.line == 31


# ---------------------------------------------------------------------------------------
# convert_run against the same hand-written values
# ---------------------------------------------------------------------------------------


def decode_batch(batch: Batch) -> list[tuple[object, ...]]:
    """Decode COPY text with PostgreSQL's rules, typed by the batch's storage classes."""
    classes = value_classes(batch)
    rows = copy_rows(batch.copy)
    assert len(rows) == batch.nrows
    out = []
    for r, fields in enumerate(rows):
        assert len(fields) == batch.arity, fields
        out.append(
            tuple(decode_field(f, classes[r * batch.arity + c]) for c, f in enumerate(fields))
        )
    return out


def decode_field(raw: bytes, cls: int) -> object:
    value = copy_field(raw)
    if cls == C_NULL:
        assert value is None, raw
        return None
    assert value is not None, f"\\N for a value of class {chr(cls)}"
    if cls == C_INT:
        return pg_bigint(value)
    if cls == C_REAL:
        return pg_float8(value)
    if cls == C_BLOB:
        return pg_bytea(value)
    assert cls == C_TEXT, cls
    # A batch keeps SQLite's bytes; the output replaces invalid UTF-8 (a text column) or
    # keeps it (bytea): read them as a text column gets them.
    return value.decode("utf-8", "replace")


def value_classes(batch: Batch) -> list[int]:
    """The storage class of every value, row-major, from ``Batch.columns``."""
    out = []
    for r in range(batch.nrows):
        for c in range(batch.arity):
            field = batch.fields[r * batch.arity + c]
            col = batch.columns[c]
            if field == b"\\N":
                cls = C_NULL
            elif col.per_row is not None:
                cls = col.per_row[r]
            else:
                kinds = col.kinds
                assert len(kinds) == 1, (c, col)
                cls = next(iter(kinds))
            out.append(cls)
    return out


def expected_copy_value(value: object) -> object:
    """What PostgreSQL must read back for a value of the exact reader."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


# Forms the fast path exists for (CLI ≤3.49 and iterdump, the dumps most users have): it must
# take them, not fall back.
FAST_FORMS = {
    "null", "zero", "negative", "int64-max", "int64-min", "real-two", "real-20-digit-0.1-3.40",
    "real-2^63-as-int-digits", "real-subnormal-1e-320", "real-min-subnormal-iterdump",
    "real-iterdump-20e", "inf-1e999", "inf-minus-1e999", "inf-word", "inf-minus-word",
    "blob-empty-upper", "blob-cli", "blob-iterdump-upper-digits", "text-empty",
    "text-doubled-quote", "text-backslashes", "text-sql-inside", "text-non-bmp",
    "text-raw-newlines", "text-raw-crlf", "text-raw-controls", "text-invalid-utf8",
    "replace-lf", "replace-cr", "replace-nested", "replace-012", "replace-paren-n0",
    "replace-015-and-012", "replace-quote-in-body", "unistr-lf", "unistr-backslash",
}  # fmt: skip


@pytest.mark.parametrize(("name", "literal", "expected"), LITERALS, ids=[c[0] for c in LITERALS])
def test_convert_run_literal(name: str, literal: str | bytes, expected: object) -> None:
    """The fast path either declines (None) or reads exactly the hand-worked value."""
    lit = literal.encode("utf-8", "surrogateescape") if isinstance(literal, str) else literal
    prefix = b"INSERT INTO t VALUES("
    # Three rows: the value between two others, so that neighbours are checked too.
    statements = [prefix + v + b");\n" for v in (b"1,'a'", b"2," + lit, b"3,NULL")]
    body = b"".join(statements)
    batch = convert_run(body, prefix, 2, 100)
    if name in FAST_FORMS:
        assert batch is not None, "the fast path declined a form it exists for"
    if batch is None:
        return
    rows = decode_batch(batch)
    assert rows[0] == (1, "a")
    assert rows[2] == (3, None)
    got = rows[1][1]
    want = expected_copy_value(expected)
    assert same(got, want), f"{got!r} != {want!r}"
    lines = [100 + b"".join(statements[:i]).count(b"\n") for i in range(3)]
    assert [batch.line_of(r) for r in range(3)] == lines


def test_convert_run_bad_utf8_is_located() -> None:
    prefix = b"INSERT INTO t VALUES("
    body = prefix + b"'ok','\x80');\n" + prefix + b"'\xff\xfe','fine');\n"
    batch = convert_run(body, prefix, 2, 1)
    assert batch is not None
    assert sorted(batch.bad_utf8) == [(0, 1), (1, 0)]
    assert decode_batch(batch) == [("ok", "\ufffd"), ("\ufffd\ufffd", "fine")]


@pytest.mark.parametrize(
    "value",
    [b"'\x80''\x80'", b"'\xff''''\xfe'", b"replace('\x80''\\n','\\n',char(10))"],
    ids=["doubled-quote", "two-doubled-quotes", "replace-with-quote"],
)
def test_convert_run_bad_utf8_once_per_value(value: bytes) -> None:
    """A text value with invalid UTF-8 is flagged once, however many '' it holds (each flag
    becomes one invalid-utf8-replaced diagnostic in the report)."""
    prefix = b"INSERT INTO t VALUES("
    body = prefix + b"1," + value + b");\n"
    exact = encode_rows(scan_insert(body, 1).rows, 2, 1)
    assert exact.bad_utf8 == [(0, 1)]
    batch = convert_run(body, prefix, 2, 1)
    assert batch is not None
    assert decode_batch(batch) == decode_batch(exact)
    assert batch.bad_utf8 == [(0, 1)]


@pytest.mark.parametrize(
    "body",
    [
        b"INSERT INTO t VALUES(1,jsonb('null'));\n",
        b"INSERT INTO t VALUES(1,2x);\n",
        b"INSERT INTO t VALUES(1,X'0');\n",
        b"INSERT INTO t VALUES(1,X'zz');\n",
        b"INSERT INTO t VALUES(1,upper('a'));\n",
        b"INSERT INTO t VALUES(1,2,3);\n",
        b"INSERT INTO t VALUES(1);\n",
        b"INSERT INTO t VALUES(1,'a);\n",
    ],
    ids=["jsonb", "bad-number", "odd-hex", "bad-hex", "unknown-function", "too-many",
         "too-few", "unterminated"],
)  # fmt: skip
def test_convert_run_declines_what_the_exact_reader_rejects(body: bytes) -> None:
    assert convert_run(body, b"INSERT INTO t VALUES(", 2, 1) is None


def test_convert_run_multirow_lines() -> None:
    prefix = b"INSERT INTO t VALUES("
    body = (
        prefix + b"1,'a'),\n  (2,'b\nc'),\n  (3,NULL);\n"
        + prefix + b"4,'d');\n"
    )  # fmt: skip
    batch = convert_run(body, prefix, 2, 50)
    assert batch is not None
    assert decode_batch(batch) == [(1, "a"), (2, "b\nc"), (3, None), (4, "d")]
    assert [batch.line_of(r) for r in range(4)] == [50, 51, 53, 54]


def test_batch_select_reorders_fields_classes_and_flags() -> None:
    """--preserve-rowids batches drop the rowid and reorder columns with Batch.select."""
    prefix = b"INSERT INTO t(rowid,a,b) VALUES("
    body = (
        prefix + b"1,'x\x80',2);\n"
        + prefix + b"2,X'00',2.5);\n"
        + prefix + b"3,NULL,'z');\n"
    )  # fmt: skip
    fast = convert_run(body, prefix, 3, 7)
    assert fast is not None
    exact = [encode_rows(scan_insert(t, n).rows, 3, n) for t, n in cut_statements(body, 7)]
    check_batches_agree(fast, exact)
    sel = fast.select([2, 1])
    assert decode_batch(sel) == [(2, "x\ufffd"), (2.5, b"\x00"), ("z", None)]
    assert sel.arity == 2
    assert sel.nrows == 3
    assert sel.bad_utf8 == [(0, 1)]
    assert [sel.line_of(r) for r in range(3)] == [7, 8, 9]
    assert (sel.columns[0].ints, sel.columns[0].reals, sel.columns[0].texts) == (1, 1, 1)
    assert (sel.columns[1].texts, sel.columns[1].blobs, sel.columns[1].nulls) == (1, 1, 1)


def test_batch_select_keeps_nul_cells() -> None:
    prefix = b"INSERT INTO t(rowid,a,b) VALUES("
    body = prefix + b"1,'x'||char(0),2);\n" + prefix + b"2,'y',char(0));\n"
    exact = [encode_rows(scan_insert(t, n).rows, 3, n) for t, n in cut_statements(body, 7)]
    assert [b.nul for b in exact] == [[(0, 1)], [(0, 2)]]
    both = exact[0].select([2, 1])
    assert both.nul == [(0, 1)]
    assert exact[1].select([2, 1]).nul == [(0, 0)]
    assert exact[1].select([1]).nul == []  # the column left out takes its cell with it


def test_encode_rows_checks_arity() -> None:
    with pytest.raises(RowError) as info:
        encode_rows([(1, 2), (1, 2, 3)], 2, 44)
    assert info.value.line == 44


# ---------------------------------------------------------------------------------------
# differential: real producers, fast path vs exact path vs what SQLite holds
# ---------------------------------------------------------------------------------------

TYPE_ZOO = [
    "", "INTEGER", "INT", "BIGINT", "TINYINT(1)", "REAL", "DOUBLE", "FLOAT", "TEXT",
    "VARCHAR(10)", "CLOB", "BLOB", "NUMERIC", "DECIMAL(10,2)", "BOOLEAN", "DATETIME", "DATE",
    "JSON", "ANY", "STRING",
]  # fmt: skip
TABLE_NAMES = ["t", "order", "table with space", 'quote"d', "données", "MixedCase", "x;y",
               "it's", "select", "a--b"]  # fmt: skip

FRAGMENTS = [
    "'", "''", ";", "--", "/*", "*/", '"', "`", "[", "]", "\\", "\\\\", "\\n", "\\r", "\\012",
    "\\015", "(\\n0)", "(\\n1)", "(\\r0)", "\\u000a", "\\u0001", "\\2024", "\n", "\r", "\r\n",
    "\n\r", "\t", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85",
    "\u2028", "\u2029", "\ufeff", "😀", "𝄞", "é", "\udc80", "\udcff", "\udce2\udc82",
    "NULL", "X'00'", "Inf", "-Inf", "1e999", "9.0e+999", "replace(", "char(10)", "||",
    "unistr(", "),\n  (", ");\nINSERT INTO t VALUES(", ");\n", "  (", " ", ",", "0.1", "-7",
]  # fmt: skip

texts = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(st.characters(min_codepoint=1, blacklist_categories=["Cs"]), max_size=4),
        st.characters(min_codepoint=1, max_codepoint=0x1F),
        st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF),  # invalid UTF-8 bytes
    ),
    max_size=8,
).map("".join)

reals = st.one_of(
    st.floats(allow_nan=True),
    st.floats(allow_nan=False, min_value=-1e-300, max_value=1e-300),  # subnormals, -0.0
    st.sampled_from([0.1, 1 / 3, 1e308, -1e308, 5e-324, -5e-324, 1e-320, 2.0**63, -(2.0**63),
                     2.0**63 + 2048, 9.2e18, INF, -INF, -0.0, 0.0, 2440587.5, -10.5, 1e15,
                     1e16, 1e20, 1e22, 123456789012345.67, 2.0**53, 1.5, 100.0]),
)  # fmt: skip

ints = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-1000, 1000),
    st.sampled_from([2**63 - 1, -(2**63), 2**53, -(2**53) - 1, 10**18, 10**17, 0, 1, -1]),
)

sqlite_values = st.one_of(st.none(), ints, reals, texts, st.binary(max_size=12))


@st.composite
def tables(draw: st.DrawFn) -> Table:
    ncols = draw(st.integers(1, 4))
    types = draw(st.lists(st.sampled_from(TYPE_ZOO), min_size=ncols, max_size=ncols))
    name = draw(st.sampled_from(TABLE_NAMES))
    row = st.tuples(*[sqlite_values] * ncols)
    rows = draw(st.lists(row, min_size=1, max_size=6))
    cols = ", ".join(f"c{i} {t}".rstrip() for i, t in enumerate(types))
    return Table(name, f"CREATE TABLE {quote_name(name)} ({cols})", rows)


def stored_value(kind: str, value: object) -> tuple[int, object]:
    """(storage class, value PostgreSQL must hold) for one ``read_back`` pair."""
    if kind == "null":
        return C_NULL, None
    if kind == "integer":
        return C_INT, value
    if kind == "real":
        return C_REAL, value
    assert isinstance(value, bytes)
    if kind == "text":
        # Every producer cuts a text value at its first NUL (sqlite-dump-format.md §1).
        return C_TEXT, as_pg_text(value.split(b"\0")[0]).decode("utf-8")
    return C_BLOB, value


def equal_values(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return same(a, b)


def check_batches_agree(fast: Batch, exact: list[Batch]) -> None:
    """The fast batch holds the same values, classes and lines as the exact batches."""
    rows_exact = [row for b in exact for row in decode_batch(b)]
    rows_fast = decode_batch(fast)
    assert len(rows_fast) == len(rows_exact)
    for r, (rf, re_) in enumerate(zip(rows_fast, rows_exact, strict=True)):
        assert all(map(equal_values, rf, re_)), f"row {r}: fast {rf!r} != exact {re_!r}"
    classes_exact = [c for b in exact for c in value_classes(b)]
    assert value_classes(fast) == classes_exact
    for c in range(fast.arity):
        got = fast.columns[c]
        counts = [
            sum(getattr(b.columns[c], k) for b in exact)
            for k in ("nulls", "ints", "reals", "texts", "blobs")
        ]
        assert [got.nulls, got.ints, got.reals, got.texts, got.blobs] == counts, c
    # Lines: a single-row statement's row is on the statement's line. (The exact path gives
    # every row of a multi-row statement the statement's line; the fast path the row's own.)
    r = 0
    for b in exact:
        if b.nrows == 1:
            assert fast.line_of(r) == b.line_of(0), r
        else:
            assert fast.line_of(r) == b.line_of(0), r
            lines = [fast.line_of(r + i) for i in range(b.nrows)]
            assert lines == sorted(lines), lines
        r += b.nrows
    bad_exact: list[tuple[int, int]] = []
    offset = 0
    for b in exact:
        bad_exact += [(offset + r, c) for r, c in b.bad_utf8]
        offset += b.nrows
    # The same values are flagged (each value once: test_convert_run_bad_utf8_once_per_value).
    assert set(fast.bad_utf8) == set(bad_exact)


def read_dump(
    data: bytes, arities: dict[str, int], *, rowids: bool, quote_reals: bool = False
) -> tuple[dict[str, list[tuple[object, ...]]], int]:
    """Read the rows of the given tables out of a dump both ways, checking that the fast
    path agrees with the exact path on every run. Values are decoded from the exact path's
    COPY text with PostgreSQL's rules.

    Args:
        arities: table name → number of ordinary columns.
        rowids: the rows were stored with rowids 1, 2, 3…: check a --preserve-rowids rowid.
        quote_reals: the dump was written with quote() (iterdump), whose 15-digit reals
            are read as SQLite reads them (the pipeline recognises such dumps itself:
            test_pipeline_reads_iterdump_reals_as_sqlite).

    Returns:
        The rows per table, and how many rows the fast path converted.
    """
    dump_lines = data.split(b"\n")
    got: dict[str, list[tuple[object, ...]]] = {name: [] for name in arities}
    fast_rows = 0
    reals = SqliteReals() if quote_reals else None
    for unit in iter_units(io.BytesIO(data)):
        if isinstance(unit, InsertRun):
            statements = cut_statements(unit.body, unit.line)
        elif isinstance(unit, RawStatement) and unit.text.startswith(b"INSERT INTO"):
            statements = [(unit.text, unit.line)]
        else:
            continue
        exact = []
        name = None
        for text, line in statements:
            assert dump_lines[line - 1].startswith(b"INSERT INTO"), (line, text)
            ins = scan_insert(text, line, reals)
            assert name in (None, ins.table), "a run holds one table's rows"
            name = ins.table
            if name in arities:
                width = len(ins.columns) if ins.columns else arities[name]
                exact.append(encode_rows(ins.rows, width, line))
        if not exact or name is None:
            continue
        if isinstance(unit, InsertRun):
            fast = convert_run(unit.body, unit.prefix, exact[0].arity, unit.line, reals)
            if fast is not None:
                check_batches_agree(fast, exact)
                fast_rows += fast.nrows
        rows = got[name]
        for b in exact:
            for row in decode_batch(b):
                if b.arity == arities[name] + 1:  # --preserve-rowids: the rowid comes first
                    assert not rowids or row[0] == len(rows) + 1
                    row = row[1:]
                rows.append(row)
    return got, fast_rows


def compare_rows(got: list[tuple[object, ...]], stored: list[Stored], producer: str) -> None:
    assert len(got) == len(stored), f"{producer}: {len(got)} rows read, {len(stored)} stored"
    for r, (row, want) in enumerate(zip(got, stored, strict=True)):
        for c, (value, (kind, raw)) in enumerate(zip(row, want, strict=True)):
            _, expected = stored_value(kind, raw)
            assert equal_values(value, expected), (
                f"{producer}: row {r} column {c}: read {value!r}, SQLite holds {kind} {raw!r}"
            )


def check_dump(data: bytes, table: Table, stored: list[Stored], producer: str) -> int:
    """Read one table's rows out of a dump both ways and compare them with SQLite's.

    Returns how many rows the fast path converted.
    """
    got, fast_rows = read_dump(
        data, {table.name: len(stored[0])}, rowids=True, quote_reals=producer == "iterdump"
    )
    compare_rows(got[table.name], stored, producer)
    return fast_rows


@given(table=tables())
def test_fast_and_exact_paths_agree_on_real_dumps(table: Table) -> None:
    # Python's iterdump() cannot dump a table whose name holds a ' (its own query breaks).
    producers = [p for p in PRODUCERS if p != "iterdump" or "'" not in table.name]
    dumped = dump_tables([table], producers)
    stored = dumped.stored[table.name]
    for producer, data in dumped.dumps.items():
        check_dump(data, table, stored, producer)
    # A Windows build writes the same text with CRLF line ends (stdout in text mode). The
    # default .dump of 3.40 has no raw line break inside a literal (replace() form), so every
    # LF it writes is a line end.
    check_dump(dumped.dumps["cli"].replace(b"\n", b"\r\n"), table, stored, "cli-crlf")


# Doubles for which SQLite 3.40.1's quote() writes 15 digits that SQLite's own text-to-double
# reads back as the same double, but that a correctly rounding reader (Python's float(),
# PostgreSQL's float8in) reads as the neighbouring double, e.g. 6.005591566547489e-303 is
# written 6.00559156654749e-303 (found by the differential test with the dev profile).
SHORT_REALS = [6.005591566547489e-303, 8.449913409811569e-300, -3.6318847037314103e-298,
               2.1683269730596099e64, 6.133816870076289e226]  # fmt: skip


@pytest.mark.parametrize("producer", ["cli", "iterdump"])
def test_reals_arrive_bit_for_bit(producer: str) -> None:
    """Every double arrives as the one SQLite holds (design.md: 'doubles bit for bit'),
    including those iterdump writes with 15 digits."""
    table = Table("t", "CREATE TABLE t(r REAL)", [(x,) for x in SHORT_REALS])
    dumped = dump_tables([table], [producer])
    check_dump(dumped.dumps[producer], table, dumped.stored["t"], producer)


@pytest.mark.parametrize("name", ["t", "order"])  # "order" is quoted by every producer
def test_pipeline_reads_iterdump_reals_as_sqlite(name: str) -> None:
    """The pipeline recognises an iterdump() dump by itself and reads its 15-digit reals as
    SQLite does, so each arrives as the double SQLite holds."""
    table = Table(name, f'CREATE TABLE "{name}"(r REAL)', [(x,) for x in SHORT_REALS])
    dumped = dump_tables([table], ["iterdump"])
    out = io.BytesIO()
    convert(io.BytesIO(dumped.dumps["iterdump"]), out, Options(restrict=False))
    copy = out.getvalue().split(b"FROM stdin;\n")[1].split(b"\\.")[0]
    got = [float(line) for line in copy.split(b"\n") if line]
    assert got == SHORT_REALS  # what SQLite holds: a REAL column stores each double as is


def test_fast_path_takes_plain_cli_and_iterdump_runs() -> None:
    """A run of ordinary rows is converted by the fast path, not statement by statement."""
    rows = [(1, "plain", 0.5, b"\x01", None), (2, "it's;\n--x", -1e999, b"", "a\tb"),
            (3, "C:\\dir\r\n", 2.0**63, b"\xff", "\udc80")]  # fmt: skip
    table = Table("t", "CREATE TABLE t(a INTEGER, b TEXT, c REAL, d BLOB, e)", rows)
    dumped = dump_tables([table], ["cli", "cli-newlines", "iterdump"])
    for producer, data in dumped.dumps.items():
        assert check_dump(data, table, dumped.stored["t"], producer) == 3, producer


# --- the shared sample dumps: every producer version the project knows ----------------------

SAMPLES = sorted(SHARED_DUMPS.glob("*.sql")) if SHARED_DUMPS.is_dir() else []


@pytest.mark.skipif(not SAMPLES, reason="shared sample dumps not present")
@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_fast_and_exact_paths_agree_on_sample_dumps(path: Path) -> None:
    """Every INSERT run of every sample: the fast path agrees with the exact path, or
    declines; it never accepts what the exact reader rejects (jsonb, cut values)."""
    data = path.read_bytes()
    try:
        units = list(iter_units(io.BytesIO(data)))
    except Exception as exc:  # corrupt dumps end in error context that is not SQL
        pytest.skip(f"does not split: {exc}")
    for unit in units:
        if not isinstance(unit, InsertRun):
            continue
        statements = cut_statements(unit.body, unit.line)
        try:
            exact = []
            for text, line in statements:
                ins = scan_insert(text, line)
                exact.append(encode_rows(ins.rows, len(ins.rows[0]), line))
        except RowError:
            for arity in range(1, 40):
                assert convert_run(unit.body, unit.prefix, arity, unit.line) is None, arity
            continue
        fast = convert_run(unit.body, unit.prefix, exact[0].arity, unit.line)
        if fast is not None:
            check_batches_agree(fast, exact)


SAMPLE_VALUE_DUMPS = [
    p for p in SAMPLES if not p.name.startswith("corrupt.") and not p.name.endswith("-tty.sql")
]


@pytest.mark.skipif(not (SHARED_DUMPS / "sample.db").exists(), reason="no shared sample.db")
@pytest.mark.parametrize("path", SAMPLE_VALUE_DUMPS, ids=[p.name for p in SAMPLE_VALUE_DUMPS])
def test_sample_dump_values_match_sample_db(path: Path) -> None:
    """Every sample dump (sqlite3 3.40.1 to 3.53.4, iterdump) reads back as sample.db holds
    its ordinary tables."""
    db = SHARED_DUMPS / "sample.db"
    con = sqlite3.connect(db)
    names = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL%'")]  # fmt: skip
    arities = {n: len(con.execute(f"PRAGMA table_info({quote_name(n)})").fetchall()) for n in names}
    con.close()
    got, _ = read_dump(path.read_bytes(), arities, rowids=False)
    for name in names:
        compare_rows(got[name], read_back(db, name), f"{path.name}: {name}")


def test_cut_statements_reference() -> None:
    body = b"INSERT INTO \"a;b\" VALUES('x'';\n');\r\nINSERT INTO \"a;b\" VALUES(2);\n"
    assert cut_statements(body, 3) == [
        (b"INSERT INTO \"a;b\" VALUES('x'';\n');", 3),
        (b'INSERT INTO "a;b" VALUES(2);', 5),
    ]


# ---------------------------------------------------------------------------------------
# control bytes and NUL: both readers, framing, and agreement (issue 10)
# ---------------------------------------------------------------------------------------

CONTROL_BYTES = frozenset([*range(0x20), 0x7F])


def check_framing(batch: Batch) -> None:
    """Every field is one line of COPY text with no control byte of its own."""
    rows = batch.copy[:-1].split(b"\n") if batch.copy else []
    assert len(rows) == batch.nrows
    for row in rows:
        fields = row.split(b"\t")
        assert len(fields) == batch.arity
        for f in fields:
            assert not CONTROL_BYTES & set(f), f
            assert f != b"\\."


NUL_BODIES = [
    b"1,'x'||char(0)",
    b"2,'a'||char(0)||'b'",
    b"3,char(0,65)",
    b"4,char(0)",
    b"5,replace('a\\nb','\\n',char(0))",
    b"6,replace(replace('a\\nb\\rc','\\r',char(13)),'\\n',char(0))",
    b"7,unistr('\\u0000')",
    b"8,unistr('a\\u0000b')",
    b"9,'it''s'||char(0)||'x'",
    b"10,char(0)||char(0)",
]


@pytest.mark.parametrize("values", NUL_BODIES)
def test_nul_sends_the_fast_path_to_the_exact_reader(values: bytes) -> None:
    """A call that makes NUL is read by the exact reader (the fast path's placeholder is NUL):
    the fast path declines without raising, the exact batch escapes NUL and records it."""
    prefix = b"INSERT INTO t VALUES("
    body = prefix + b"0,'before');\n" + prefix + values + b");\n" + prefix + b"11,'after');\n"
    assert convert_run(body, prefix, 2, 1) is None
    exact = [encode_rows(scan_insert(t, n).rows, 2, n) for t, n in cut_statements(body, 1)]
    assert [b.nul for b in exact] == [[], [(0, 1)], []]
    for b in exact:
        check_framing(b)
    field = exact[1].fields[1]
    assert b"\\x00" in field
    assert b"\x00" not in field


def test_raw_nul_in_the_input_is_declined_by_the_fast_path() -> None:
    prefix = b"INSERT INTO t VALUES("
    for body in (prefix + b"1,'a\x00b');\n", prefix + b"1\x00,'a');\n"):
        assert convert_run(body, prefix, 2, 1) is None


def test_fast_path_escapes_every_control_byte() -> None:
    prefix = b"INSERT INTO t VALUES("
    raw = bytes(b for b in range(1, 0x20) if b != 0x27) + b"\x7f"
    body = prefix + b"1,'" + raw + b"');\n" + prefix + b"2,'a'||char(27,127)||'\\');\n"
    batch = convert_run(body, prefix, 2, 1)
    assert batch is not None
    check_framing(batch)
    assert decode_batch(batch) == [(1, raw.decode()), (2, "a\x1b\x7f\\")]
    assert batch.nul == []


# A grammar of the values dumps hold, and of the hostile ones issue 10 is about.
TEXT_BITS = ["a", "b", "it''s", "\t", "\r", "\n", "\r\n", "\x1b", "\x7f", "\x01", "\\",
             "\\\\", "\\n", "x00", "\\x00", "é", "😀", "\x80", ",", ";", ")", "(", "||",
             "NULL"]  # fmt: skip
CODES = [0, 0, 9, 10, 13, 27, 65, 92, 127, 233, 128512, 55296, 1114112]


def _string(bits: list[str]) -> bytes:
    return (
        ("'" + "".join(bits) + "'").encode("utf-8", "surrogateescape").replace(b"\xc2\x80", b"\x80")
    )


@st.composite
def text_values(draw: st.DrawFn) -> bytes:
    bits = st.lists(st.sampled_from(TEXT_BITS), max_size=4)
    plain = draw(bits)
    form = draw(st.integers(0, 6))
    if form == 0:
        return _string(plain)
    if form == 1:  # concatenation with char()
        parts = [
            draw(st.one_of(bits.map(_string),
                           st.lists(st.sampled_from(CODES), min_size=1, max_size=3).map(
                               lambda cs: b"char(" + b",".join(b"%d" % c for c in cs) + b")")))
            for _ in range(draw(st.integers(2, 4)))
        ]  # fmt: skip
        return b"||".join(parts)
    if form == 2:  # replace(), one or two markers, any char()
        marker, code = draw(st.sampled_from([("\\n", 10), ("\\r", 13), ("\\012", 10)]))
        code = draw(st.sampled_from([code, 0]))
        body = _string([b if draw(st.booleans()) else marker for b in plain] or [marker])
        inner = b"replace(" + body + b",'" + marker.encode() + b"',char(%d))" % code
        if draw(st.booleans()):
            inner = b"replace(" + inner + b",'\\015',char(%d))" % draw(st.sampled_from([13, 0]))
        return inner
    if form == 3:  # unistr()
        escapes = ["\\u000a", "\\u0000", "\\u001b", "\\u007f", "\\\\", "\\u00e9", "\\u0009"]
        more = draw(st.lists(st.sampled_from(escapes), max_size=3))
        return b"unistr(" + _string(plain + more) + b")"
    if form == 4:
        return b"char(" + b",".join(b"%d" % c for c in draw(
            st.lists(st.sampled_from(CODES), min_size=1, max_size=3))) + b")"  # fmt: skip
    if form == 5:
        return b"X'" + draw(st.binary(max_size=4)).hex().encode() + b"'"
    return b"NULL"


dump_values = st.one_of(
    text_values(),
    st.integers(-(2**63), 2**63 - 1).map(lambda i: str(i).encode()),
    st.floats(allow_nan=False).map(lambda x: repr(x).replace("inf", "1e999").encode()),
)


@st.composite
def runs(draw: st.DrawFn) -> tuple[bytes, int]:
    arity = draw(st.integers(1, 3))
    row = st.lists(dump_values, min_size=arity, max_size=arity).map(b",".join)
    statements = []
    for _ in range(draw(st.integers(1, 4))):
        rows = draw(st.lists(row, min_size=1, max_size=2))
        statements.append(b"INSERT INTO t VALUES(" + b"),\n  (".join(rows) + b");\n")
    return b"".join(statements), arity


def _unify_shapes(shapes: list[bytes]) -> list[bytes]:
    """A text's shape is one NUL in the exact path; the fast path may add quote fillers."""
    return [b"\x00" if s[:1] == b"\x00" else s for s in shapes]


@given(run=runs())
def test_fast_and_exact_paths_agree_on_control_bytes_and_nul(run: tuple[bytes, int]) -> None:
    """On runs with tabs, CR, LF, ESC, DEL, backslashes, char(0), replace(…, char(0)) and
    unistr('\\u0000'): the exact path reads everything, escapes every control byte and
    records each NUL cell; the fast path either declines (never raises) or gives the same
    COPY text, byte for byte, with the same shapes and flags."""
    body, arity = run
    prefix = b"INSERT INTO t VALUES("
    exact = [encode_rows(scan_insert(t, n).rows, arity, n) for t, n in cut_statements(body, 1)]
    for b in exact:
        check_framing(b)
        for r, c in b.nul:
            assert b"\\x00" in b.fields[r * arity + c]
    fast = convert_run(body, prefix, arity, 1)
    if fast is None:
        return
    check_framing(fast)
    assert fast.copy == b"".join(b.copy for b in exact)
    assert _unify_shapes(fast.shapes) == _unify_shapes([s for b in exact for s in b.shapes])
    check_batches_agree(fast, exact)
    assert fast.nul == [] == [cell for b in exact for cell in b.nul]


SOUP = [b"'", b"''", b"'a'", b"char(0)", b"char(10)", b"char(0,65)", b"||", b"replace(",
        b"unistr(", b",", b"(", b")", b"'\\n'", b"'\\u0000'", b"X'", b"00", b"NULL", b"1",
        b"\x02", b"\x01", b"\t", b"\n", b"\r", b"\r\n", b"),\n  (",
        b");\nINSERT INTO t VALUES(", b"1e999", b" "]  # fmt: skip


@given(tokens=st.lists(st.sampled_from(SOUP), max_size=14), arity=st.integers(1, 3))
def test_fast_path_never_raises_nor_accepts_what_the_exact_reader_rejects(
    tokens: list[bytes], arity: int
) -> None:
    prefix = b"INSERT INTO t VALUES("
    body = prefix + b"".join(tokens) + b");\n"
    fast = convert_run(body, prefix, arity, 1)
    if fast is None:
        return
    exact = [encode_rows(scan_insert(t, n).rows, arity, n) for t, n in cut_statements(body, 1)]
    check_framing(fast)
    check_batches_agree(fast, exact)
