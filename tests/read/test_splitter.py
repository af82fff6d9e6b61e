"""splitter.iter_units: statement boundaries, line numbers, INSERT runs, chunk boundaries.

The expected units are built from the pieces each input is made of, so the oracle is the
input's own structure; INSERT run bodies are cut into statements by an independent
byte-by-byte cutter (tests/producers.py) to compare runs made with different chunk sizes.
"""

from __future__ import annotations

import io
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dumpconv.base.errors import SplitError
from dumpconv.read.splitter import Comment, InsertRun, RawStatement, iter_units
from tests.producers import Table, build_db, cli_dump, cut_statements, dump

CHUNKS = [1, 2, 7, 64]
SHARED_DUMPS = Path("/work/shared/dumps")

Unit = RawStatement | InsertRun | Comment


def split(data: bytes, chunk_size: int | None = None) -> list[Unit]:
    stream = io.BytesIO(data)
    if chunk_size is None:
        return list(iter_units(stream))
    return list(iter_units(stream, chunk_size))


def flatten(units: Sequence[Unit]) -> list[tuple[str, bytes, int]]:
    """(kind, text, line) per statement or comment; runs cut into their statements."""
    out: list[tuple[str, bytes, int]] = []
    for u in units:
        if isinstance(u, InsertRun):
            out += [("S", text, line) for text, line in cut_statements(u.body, u.line)]
        elif isinstance(u, RawStatement):
            # A statement ended by iterdump's '-- …;' comment line keeps the CR of a CRLF.
            out.append(("S", u.text.rstrip(b"\r"), u.line))
        else:
            out.append(("C", u.text.rstrip(b"\r"), u.line))  # so does a '-- …' comment
    return out


def build(pieces: Sequence[tuple[str, bytes]]) -> tuple[bytes, list[tuple[str, bytes, int]]]:
    """Join pieces ("S" statement, "C" comment, "W" whitespace) into input bytes, and the
    units expected from it with their lines."""
    data = b""
    expected = []
    for kind, text in pieces:
        if kind != "W":
            expected.append((kind, text, data.count(b"\n") + 1))
        data += text
    return data, expected


def check_split(data: bytes, expected: list[tuple[str, bytes, int]]) -> list[Unit]:
    units = split(data)
    assert flatten(units) == expected
    for size in CHUNKS:
        assert flatten(split(data, size)) == expected, f"chunk_size={size}"
    return units


# ---------------------------------------------------------------------------------------
# hand-written dumps, one per producer style
# ---------------------------------------------------------------------------------------

S, C = "S", "C"
NL = ("W", b"\n")

CLI_DUMP = [
    (C, b"/* WARNING: Script requires that SQLITE_DBCONFIG_DEFENSIVE be disabled */"), NL,
    (S, b"PRAGMA foreign_keys=OFF;"), NL,
    (S, b"BEGIN TRANSACTION;"), NL,
    (S, b"CREATE TABLE items (  -- main table; note the comment\n    id INTEGER PRIMARY KEY "
        b"AUTOINCREMENT,\n    name TEXT NOT NULL /* inline ; comment */,\n    qty INTEGER\n);"),
    NL,
    (S, b"INSERT INTO items VALUES(1,'widget',10);"), NL,
    (S, b"INSERT INTO items VALUES(2,'gadget; with semicolon',0);"), NL,
    (S, b"INSERT INTO items VALUES(3,'it''s -- not /* a comment',NULL);"), NL,
    (S, b"INSERT INTO items VALUES(4,replace('multi\\nline','\\n',char(10)),7);"), NL,
    (S, b"CREATE TABLE IF NOT EXISTS \"quote\"\"d\" (\"col\"\"q\" TEXT, `back``tick` INT, "
        b"[brack\"et] TEXT);"), NL,
    (S, b"INSERT INTO \"quote\"\"d\" VALUES('q\"v',5,']');"), NL,
    (S, b"CREATE TABLE [table with space] (a, b);"), NL,
    (S, b"INSERT INTO \"table with space\" VALUES(1,'one');"), NL,
    (S, b"PRAGMA writable_schema=ON;"), NL,
    (S, b"INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','docs','docs',"
        b"0,'CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = ''porter unicode61'')"
        b"');"),
    NL,
    (S, b"CREATE TABLE IF NOT EXISTS 'docs_data'(id INTEGER PRIMARY KEY, block BLOB);"), NL,
    (S, b"INSERT INTO docs_data VALUES(1,X'020506');"), NL,
    (S, b"ANALYZE sqlite_schema;"), NL,
    (S, b"INSERT INTO sqlite_stat1 VALUES('items','idx_items_name','4 1');"), NL,
    (S, b"DELETE FROM sqlite_sequence;"), NL,
    (S, b"INSERT INTO sqlite_sequence VALUES('items',5);"), NL,
    (S, b"CREATE VIEW v_items AS SELECT id, name || ';' AS name_semi FROM items\n"
        b"  WHERE name <> '--not a comment'\n;"), NL,
    (S, b"CREATE TRIGGER trg_items_ins AFTER INSERT ON items\nBEGIN\n"
        b"  -- log the insert; keep it simple\n  INSERT INTO audit(item_id, action) VALUES "
        b"(NEW.id, CASE WHEN NEW.qty > 0 THEN 'insert' ELSE 'END;' END);\nEND\n;"), NL,
    (S, b"CREATE TRIGGER \"trg order upd\" BEFORE UPDATE OF \"user\" ON \"order\" FOR EACH ROW "
        b"WHEN NEW.\"user\" IS NULL BEGIN SELECT RAISE(ABORT, 'user required'); END;"), NL,
    (S, b"CREATE INDEX idx_events_ts ON events(ts_epoch) /* trailing comment */;"), NL,
    (S, b"PRAGMA writable_schema=OFF;"), NL,
    (S, b"COMMIT;"), NL,
]  # fmt: skip

ITERDUMP = [
    (S, b"BEGIN TRANSACTION;"), NL,
    (S, b"CREATE TABLE c (a) -- the table;"), NL,
    (S, b"INSERT INTO \"c\" VALUES('raw\nnewline; and ''quote''');"), NL,
    (S, b"INSERT INTO \"c\" VALUES('CR\r\nLF');"), NL,
    (S, b"CREATE VIEW v1 AS SELECT 1 AS x -- trailing comment;"), NL,
    (S, b"CREATE TRIGGER t1 AFTER INSERT ON c BEGIN SELECT 1; END -- after;"), NL,
    (S, b"CREATE INDEX i1 ON c(a) -- by a;"), NL,
    (S, b"PRAGMA writable_schema=OFF;"), NL,
    (S, b"DELETE FROM \"sqlite_sequence\";"), NL,
    (S, b"INSERT INTO \"sqlite_sequence\" VALUES('c',5);"), NL,
    (S, b"COMMIT;"), NL,
]  # fmt: skip

FAILED_DUMP = [
    (S, b"PRAGMA foreign_keys=OFF;"), NL,
    (S, b"BEGIN TRANSACTION;"), NL,
    (C, b"/****** CORRUPTION ERROR *******/"), NL,
    (C, b"/****** database disk image is malformed ******/"), NL,
    (S, b"ROLLBACK;"), ("W", b" "), (C, b"-- due to errors"), NL,
]  # fmt: skip

MULTIROW_353 = [
    (S, b"INSERT INTO items VALUES(1,'widget',10,2.5,x'000102',1,'2024-01-02 03:04:05'),\n"
        b"  (2,'gadget; with semicolon',0,0.1,NULL,0,'2024-02-29 23:59:59'),\n"
        b"  (3,unistr('a\\u000ab;'),NULL,Inf,x'',NULL,jsonb('null'));"), NL,
    (S, b"INSERT INTO items VALUES(4,'x',1,1.0,x'',0,'');"), NL,
    (S, b"COMMIT;"),
]  # fmt: skip


def crlf(pieces: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The same dump with CRLF line ends (inside strings too, as a Windows build writes
    text values with their own bytes; only line ends between statements change here)."""
    return [(k, b"\r\n") if (k, t) == NL else (k, t) for k, t in pieces]


DUMPS = {
    "cli": CLI_DUMP,
    "iterdump": ITERDUMP,
    "failed": FAILED_DUMP,
    "multirow-3.53": MULTIROW_353,
    "cli-crlf": crlf(CLI_DUMP),
    "iterdump-crlf": crlf(ITERDUMP),
    "no-final-newline": CLI_DUMP[:-1],
    "leading-blank-lines": [("W", b"\n\n  \t\n"), *CLI_DUMP],
}


@pytest.mark.parametrize("pieces", DUMPS.values(), ids=DUMPS.keys())
def test_split_hand_written_dumps(pieces: list[tuple[str, bytes]]) -> None:
    data, expected = build(pieces)
    check_split(data, expected)


@pytest.mark.parametrize("pieces", DUMPS.values(), ids=DUMPS.keys())
def test_units_cover_the_input(pieces: list[tuple[str, bytes]]) -> None:
    """Units come in input order, verbatim, with only whitespace between them."""
    data, _ = build(pieces)
    pos = 0
    for u in split(data):
        text = u.body if isinstance(u, InsertRun) else u.text
        at = data.index(text, pos)
        assert not data[pos:at].strip(), data[pos:at]
        assert u.line == data.count(b"\n", 0, at) + 1
        pos = at + len(text)
    assert not data[pos:].strip()


# ---------------------------------------------------------------------------------------
# INSERT runs
# ---------------------------------------------------------------------------------------


def test_consecutive_inserts_make_one_run() -> None:
    t = [b"INSERT INTO t VALUES(1,'a;b');\n", b"INSERT INTO t VALUES(2,'c''d');\n",
         b"INSERT INTO t VALUES(3,NULL);\n"]  # fmt: skip
    u = [b"INSERT INTO \"u v\" VALUES(X'00');\n", b"INSERT INTO \"u v\" VALUES(x'');\n"]
    data = b"".join(t) + b"".join(u) + b"CREATE TABLE w(a);\n" + t[0]
    units = split(data)
    assert [type(x) for x in units] == [InsertRun, InsertRun, RawStatement, InsertRun]
    first, second, _, last = units
    assert isinstance(first, InsertRun)
    assert isinstance(second, InsertRun)
    assert isinstance(last, InsertRun)
    assert (first.body, first.line, first.name, first.columns) == (b"".join(t), 1, b"t", None)
    assert first.prefix == b"INSERT INTO t VALUES("
    assert (second.body, second.line, second.name) == (b"".join(u), 4, b'"u v"')
    assert second.prefix == b'INSERT INTO "u v" VALUES('
    assert (last.body, last.line) == (t[0], 7)


@pytest.mark.parametrize(
    "statements",
    [
        [b"INSERT INTO t VALUES(1);", b"INSERT INTO t VALUES('raw\nnewline');",
         b"INSERT INTO t VALUES('\nINSERT INTO t VALUES(2);\n');", b"INSERT INTO t VALUES(3);"],
        [b"INSERT INTO t VALUES(1,'a'),\n  (2,'b'),\n  (3,'c');", b"INSERT INTO t VALUES(4,'d');"],
        [b"INSERT INTO t VALUES(replace('a\\nb','\\n',char(10)));",
         b"INSERT INTO t VALUES(unistr('a\\u000ab'));", b"INSERT INTO t VALUES('x'||char(10));"],
        [b"INSERT INTO t VALUES('ends with quote''');", b"INSERT INTO t VALUES(''';\n''');"],
    ],
    ids=["raw-newline-strings", "multirow", "function-forms", "quotes"],
)  # fmt: skip
@pytest.mark.parametrize("eol", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_run_body_is_the_statements(statements: list[bytes], eol: bytes) -> None:
    body = b"".join(s + eol for s in statements)
    units = split(body + b"COMMIT;" + eol)
    assert len(units) == 2
    run = units[0]
    assert isinstance(run, InsertRun)
    assert run.body == body
    assert run.line == 1
    assert [s for s, _ in cut_statements(run.body, 1)] == statements


@pytest.mark.parametrize(
    ("statement", "name", "columns"),
    [
        (b"INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','d','d',0,"
         b"'CREATE VIRTUAL TABLE d USING fts5(a)');", b"sqlite_schema",
         b"type,name,tbl_name,rootpage,sql"),
        (b"INSERT INTO \"table with space\"(rowid,a,b) VALUES(1,1,'one');",
         b'"table with space"', b"rowid,a,b"),
        (b"INSERT INTO items(id,\"na\"\"me\",qty) VALUES(1,'w',2);", b"items",
         b'id,"na""me",qty'),
        (b"INSERT INTO \"donn\xc3\xa9es\" VALUES('cl\xc3\xa91','\xe2\x82\xacuro');",
         b'"donn\xc3\xa9es"', None),
        (b"INSERT INTO MixedCase VALUES(1,'Camel',2);", b"MixedCase", None),
    ],
    ids=["vtab-registration", "preserve-rowids", "quoted-column", "non-ascii", "mixed-case"],
)  # fmt: skip
def test_run_prefix_name_and_columns(statement: bytes, name: bytes, columns: bytes | None) -> None:
    data = statement + b"\n" + statement + b"\n"
    (run,) = split(data)
    assert isinstance(run, InsertRun)
    assert run.name == name
    assert run.columns == columns
    assert statement.startswith(run.prefix)
    assert run.prefix.endswith(b"VALUES(")
    assert run.body == data


def test_insert_into_quoted_name_with_apostrophe_is_a_statement() -> None:
    data = b'INSERT INTO "it\'s" VALUES(1);\nINSERT INTO "it\'s" VALUES(2);\n'
    expected = [("S", b"INSERT INTO \"it's\" VALUES(1);", 1),
                ("S", b"INSERT INTO \"it's\" VALUES(2);", 2)]  # fmt: skip
    check_split(data, expected)


@pytest.mark.parametrize("name", [b'"a;\nb"', b'"x);\ny"', b'"semi;\r\ncolon"'],
                         ids=["semicolon-newline", "paren-semicolon-newline", "crlf"])  # fmt: skip
def test_table_name_with_semicolon_and_newline(name: bytes) -> None:
    """A quoted table name may hold any character; ';' and a line end inside it end nothing."""
    statements = [b"INSERT INTO " + name + b" VALUES(1);", b"INSERT INTO " + name + b" VALUES(2);"]
    pieces = [(S, statements[0]), NL, (S, statements[1]), NL, (S, b"COMMIT;"), NL]
    data, expected = build(pieces)
    check_split(data, expected)


# ---------------------------------------------------------------------------------------
# errors: truncated input and NUL bytes
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"PRAGMA x;\n\nINSERT INTO t VALUES('abc", 3),
        (b"PRAGMA x;\nINSERT INTO t VALUES(1);\nINSERT INTO t VALUES(2)", 3),
        (b"PRAGMA x;\nINSERT INTO t VALUES(1);\nINSERT INTO t VALUES('a\nb\nc);\n", 3),
        (b"BEGIN;\nCREATE TABLE t(\n  a INT,\n  b TEXT", 2),
        (b"BEGIN;\nCREATE TABLE \"t(a);\n", 2),
        (b"BEGIN;\nCREATE TABLE [t(a);\n", 2),
        (b"BEGIN;\nCREATE TABLE t(a /* x);\n", 2),
        (b"BEGIN;\n/* unclosed comment\n", 2),
        (b"BEGIN;\nCREATE TRIGGER x AFTER INSERT ON t BEGIN\n  SELECT 1;\n", 2),
        (b"BEGIN;\nCREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; END", 2),
        (b"BEGIN;\nCOMMIT", 2),
    ],
    ids=["unterminated-string", "missing-semicolon-run", "unterminated-raw-newline-string",
         "create-cut", "unterminated-dq", "unterminated-bracket", "unterminated-block-in-stmt",
         "unterminated-comment", "trigger-without-end", "trigger-without-semicolon",
         "missing-semicolon"],
)  # fmt: skip
@pytest.mark.parametrize("chunk_size", [None, *CHUNKS])
def test_truncated_input_names_the_statement_line(
    data: bytes, line: int, chunk_size: int | None
) -> None:
    with pytest.raises(SplitError) as info:
        split(data, chunk_size)
    assert info.value.line == line
    assert info.value.hint


@pytest.mark.parametrize(
    "data",
    [
        b"\x00",
        b"SQLite format 3\x00\x10\x00\x01\x01",
        b"INSERT INTO t VALUES('a\x00b');\n",
        b"PRAGMA x;\n" * 50 + b"INSERT INTO t VALUES(1);\x00\n",
    ],
    ids=["nul", "database-file", "in-string", "late"],
)
@pytest.mark.parametrize("chunk_size", [None, *CHUNKS])
def test_nul_bytes_are_rejected(data: bytes, chunk_size: int | None) -> None:
    with pytest.raises(SplitError):
        split(data, chunk_size)


def test_empty_and_blank_input() -> None:
    assert split(b"") == []
    assert split(b"\n \r\n\t\n") == []


# ---------------------------------------------------------------------------------------
# real producers: every schema object's text comes back whole
# ---------------------------------------------------------------------------------------

OBJECTS = [
    "CREATE TABLE items (  -- main table; note the comment\n  id INTEGER PRIMARY KEY,\n"
    '  name TEXT /* a ; b */, "we;ird" TEXT, [br;ack] INT, `bt;x` INT,\n  qty INT\n)',
    'CREATE TABLE "order" ("user" TEXT, [Group] INT, x)',
    "CREATE TABLE 'single_quoted' (x)",
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, item_id INTEGER, action TEXT)",
    "CREATE VIEW v_items AS SELECT id, name || ';' AS name_semi FROM items\n"
    "  WHERE name <> '--not a comment'",
    "CREATE VIEW v2 AS SELECT 1 AS x -- trailing comment;",
    "CREATE VIEW v3 AS SELECT CASE WHEN 1 THEN 'END;' END AS e /* ; */",
    "CREATE TRIGGER trg_items_ins AFTER INSERT ON items\nBEGIN\n"
    "  -- log the insert; keep it simple\n"
    "  INSERT INTO audit(item_id, action) VALUES (NEW.id, 'insert');\n"
    "  UPDATE audit SET action = CASE WHEN NEW.qty > 0 THEN CASE NEW.qty WHEN 1 THEN 'one' "
    "ELSE 'END;' END ELSE 'none' END;\nEND",
    'CREATE TRIGGER "trg order upd" BEFORE UPDATE OF "user" ON "order" FOR EACH ROW '
    "WHEN NEW.\"user\" IS NULL BEGIN SELECT RAISE(ABORT, 'user required'); END",
    "CREATE TRIGGER trg_case_when AFTER DELETE ON items WHEN CASE WHEN OLD.qty THEN 1 END "
    "BEGIN DELETE FROM audit WHERE item_id = OLD.id; END",
    "CREATE INDEX idx_items_name ON items(name)",
    "CREATE UNIQUE INDEX idx_items_q ON items(qty) WHERE qty > 0 /* partial; */",
    "CREATE INDEX idx_items_expr ON items(lower(name), qty DESC) -- by name;",
]
ROWS = [
    "INSERT INTO items VALUES(1,'a; b','--','/*',1,2)",
    "INSERT INTO items VALUES(2,'multi\nline','x',NULL,NULL,3)",
    "INSERT INTO \"order\" VALUES('u;''\"',1,2.5)",
]


def expected_object_text(sql: str, producer: str) -> bytes:
    """The statement a producer writes for one sqlite_schema.sql (§3.2, §3.3, §6)."""
    if producer == "iterdump":
        return sql.encode() + b";"
    if sql.startswith(('CREATE TABLE "', "CREATE TABLE '")):
        sql = "CREATE TABLE IF NOT EXISTS " + sql[len("CREATE TABLE ") :]
    if "--" in sql and not sql.startswith("CREATE TABLE"):
        return sql.encode() + b"\n;"
    return sql.encode() + b";"


@pytest.mark.parametrize("producer", ["cli", "cli-newlines", "iterdump"])
def test_real_dump_objects_come_back_whole(producer: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "o.db"
        build_db(db, [], [*OBJECTS, *ROWS])
        data = dump(db, producer)
        con = sqlite3.connect(db)
        schema = [r[0] for r in con.execute("SELECT sql FROM sqlite_schema WHERE sql NOT NULL")]
        con.close()
    units = split(data)
    texts = [u.text.rstrip(b"\r") for u in units if isinstance(u, RawStatement)]
    for sql in schema:
        assert expected_object_text(sql, producer) in texts, sql
    for size in CHUNKS:
        assert flatten(split(data, size)) == flatten(units), size


TRIGGERS_WITH_HEADER_COMMENT = {
    "begin-line": "CREATE TRIGGER trg AFTER INSERT ON t -- audit;\n"
    "BEGIN\n  INSERT INTO log VALUES(NEW.a);\nEND",
    "delete-event-line": "CREATE TRIGGER trg AFTER -- fires when rows go;\n"
    "DELETE ON t\nBEGIN\n  INSERT INTO log VALUES(OLD.a);\nEND",
    "insert-event-line": "CREATE TRIGGER trg BEFORE -- check first;\n"
    "  INSERT ON t\nBEGIN\n  SELECT 1;\nEND",
}


@pytest.mark.parametrize(
    "trigger", TRIGGERS_WITH_HEADER_COMMENT.values(), ids=TRIGGERS_WITH_HEADER_COMMENT.keys()
)
@pytest.mark.parametrize("producer", ["cli", "iterdump"])
def test_real_dump_trigger_with_header_comment(producer: str, trigger: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "o.db"
        build_db(db, [], ["CREATE TABLE t(a)", "CREATE TABLE log(a)", trigger])
        data = dump(db, producer)
    texts = [u.text for u in split(data) if isinstance(u, RawStatement)]
    assert expected_object_text(trigger, producer) in texts, texts


def test_real_dump_table_name_with_semicolon_newline() -> None:
    table = Table("a;\nb", 'CREATE TABLE "a;\nb"(x)', [(1,), (2,)])
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "n.db"
        build_db(db, [table])
        data = cli_dump(db)
    inserts = [s for kind, s, _ in flatten(split(data)) if s.startswith(b"INSERT")]
    assert inserts == [b'INSERT INTO "a;\nb" VALUES(1);', b'INSERT INTO "a;\nb" VALUES(2);']


@pytest.mark.parametrize("producer", ["cli", "iterdump"])
def test_real_dump_view_with_unterminated_block_comment(producer: str) -> None:
    """SQLite stores a view whose text ends inside '/* …'; sqlite3 3.40.1 and iterdump write
    it with ';' appended, so the ';' and everything after it is comment. The splitter must
    not swallow the next statements into the view: it reads them apart or names the line."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "u.db"
        build_db(db, [], ["CREATE TABLE t(a)", "CREATE VIEW v AS SELECT 1 AS x /* open"])
        data = dump(db, producer)
    view_line = data[: data.index(b"CREATE VIEW")].count(b"\n") + 1
    error: SplitError | None = None
    flat: list[tuple[str, bytes, int]] = []
    try:
        flat = flatten(split(data))
    except SplitError as exc:
        error = exc
    if error is not None:
        assert error.line == view_line
        assert "/*" in error.message
    else:
        texts = [t for _, t, _ in flat]
        assert texts[-2:] == [b"CREATE VIEW v AS SELECT 1 AS x /* open;", b"COMMIT;"]


# --- the shared sample dumps ----------------------------------------------------------------

SAMPLES = sorted(SHARED_DUMPS.glob("*.sql")) if SHARED_DUMPS.is_dir() else []


@pytest.mark.skipif(not SAMPLES, reason="shared sample dumps not present")
@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_dumps_split_the_same_at_any_chunk_size(path: Path) -> None:
    data = path.read_bytes()
    try:
        units = split(data)
    except SplitError:
        # A corrupt dump's '/**** ERROR' comment is followed by raw, non-SQL lines (§1).
        assert path.name.startswith("corrupt.")
        return
    lines = data.split(b"\n")
    pos = 0
    for u in units:
        text = u.body if isinstance(u, InsertRun) else u.text
        at = data.index(text, pos)
        assert not data[pos:at].strip()
        assert u.line == data.count(b"\n", 0, at) + 1
        assert text.split(b"\n")[0] in lines[u.line - 1]
        pos = at + len(text)
    assert not data[pos:].strip()
    flat = flatten(units)
    for size in (7, 4096):
        assert flatten(split(data, size)) == flat, size


# ---------------------------------------------------------------------------------------
# property: split(join(statements)) == statements, at any chunk size
# ---------------------------------------------------------------------------------------

ANY = st.characters(min_codepoint=1, blacklist_categories=["Cs"])
TRICKY = st.sampled_from([";", "'", "''", '"', "`", "[", "]", "--", "/*", "*/", "\n", "\r\n",
                          "END;", "CASE", "BEGIN", "END", " ", "\t", ");", "),\n  ("])  # fmt: skip
tricky_text = st.lists(st.one_of(TRICKY, st.text(ANY, max_size=3)), max_size=6).map("".join)
line_text = tricky_text.map(lambda s: s.replace("\r", " ").replace("\n", " "))
block_text = tricky_text.map(lambda s: s.replace("*/", "* /"))


def sq(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


bare = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)
names = st.one_of(
    bare,
    tricky_text.map(lambda s: '"' + s.replace('"', '""') + '"'),
    tricky_text.map(lambda s: "[" + s.replace("]", ")") + "]"),
    tricky_text.map(lambda s: "`" + s.replace("`", "``") + "`"),
    tricky_text.map(sq),
)
# INSERT names as the producers write them: bare or "…". (A ';' + line end inside a name is
# covered by test_table_name_with_semicolon_and_newline.)
insert_names = st.one_of(
    bare, line_text.map(lambda s: '"' + s.replace('"', '""').replace("'", "") + '"')
)
comment = st.one_of(line_text.map(lambda s: f"-- {s}\n"), block_text.map(lambda s: f"/* {s} */"))
gap = st.one_of(st.just(" "), st.just("\n  "), comment.map(lambda c: f" {c} "))

value = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.just("NULL"),
    st.sampled_from(["1e999", "-Inf", "9.0e+999"]),
    st.binary(max_size=4).map(lambda b: "X'" + b.hex() + "'"),
    tricky_text.map(sq),
    tricky_text.map(lambda s: f"replace({sq(s)},'\\n',char(10))"),
    tricky_text.map(lambda s: f"{sq(s)}||char(10)"),
)
row = st.lists(value, min_size=1, max_size=4).map(lambda vs: "(" + ",".join(vs) + ")")


@st.composite
def create_table(draw: st.DrawFn) -> str:
    cols = draw(st.lists(st.tuples(names, st.sampled_from(["", " INT", " TEXT", " BLOB"])),
                         min_size=1, max_size=4))  # fmt: skip
    defs = [f"{draw(gap)}{n}{t}{draw(gap)}" for n, t in cols]
    return f"CREATE TABLE {draw(names)} ({','.join(defs)});"


@st.composite
def insert(draw: st.DrawFn) -> tuple[str, str]:
    """An INSERT and its run prefix."""
    rows = draw(st.lists(row, min_size=1, max_size=3))
    prefix = f"INSERT INTO {draw(insert_names)} VALUES"
    return prefix + ",\n  ".join(rows) + ";", prefix + "("


@st.composite
def trigger(draw: st.DrawFn) -> str:
    body_parts = [
        f"INSERT INTO log VALUES({draw(value)});",
        f"UPDATE t SET a = CASE WHEN x THEN {draw(value)} ELSE {draw(value)} END;",
        "SELECT CASE WHEN 1 THEN CASE WHEN 2 THEN 'END;' END END;",
        f"-- {draw(line_text)}\n",
        f"/* {draw(block_text)} */",
    ]
    body = draw(st.lists(st.sampled_from(body_parts), min_size=1, max_size=4))
    if not any(p.endswith(";") for p in body):
        body.append("SELECT 1;")
    when = draw(st.sampled_from(["", " WHEN CASE WHEN NEW.a THEN 1 END", " WHEN NEW.a > 0"]))
    head = f"CREATE TRIGGER {draw(names)} AFTER INSERT ON {draw(names)} FOR EACH ROW{when}"
    return f"{head}\nBEGIN\n  " + "\n  ".join(body) + "\nEND;"


@st.composite
def view(draw: st.DrawFn) -> tuple[str, bool]:
    """A view in one of the three layouts; True if it ends in iterdump's '-- …;' form."""
    base = f"CREATE VIEW {draw(names)} AS SELECT {draw(value)} AS a"
    form = draw(st.sampled_from(["plain", "cli", "iterdump"]))
    if form == "plain":
        return base + ";", False
    text = draw(line_text)
    if form == "cli":
        return f"{base} -- {text}\n;", False
    return f"{base} -- {text};", True


simple = st.sampled_from(["PRAGMA foreign_keys=OFF;", "BEGIN TRANSACTION;", "COMMIT;",
                          "DELETE FROM sqlite_sequence;", "ANALYZE sqlite_schema;",
                          "PRAGMA writable_schema=ON;"])  # fmt: skip
standalone = st.one_of(
    line_text.map(lambda s: "-- " + s),
    block_text.map(lambda s: "/* " + s + " */"),
    st.just("/****** CORRUPTION ERROR *******/"),
)
item = st.one_of(
    create_table().map(lambda s: ("S", s, False, None)),
    insert().map(lambda s: ("S", s[0], False, s[1])),
    insert().map(lambda s: ("S", s[0], False, s[1])),
    trigger().map(lambda s: ("S", s, False, None)),
    view().map(lambda v: ("S", v[0], v[1], None)),
    simple.map(lambda s: ("S", s, False, None)),
    standalone.map(lambda s: ("C", s, False, None)),
)

Expected = list[tuple[str, bytes, int]]


@st.composite
def dumps(draw: st.DrawFn) -> tuple[bytes, Expected, list[list[int]], list[int]]:
    """Input bytes, the units expected, the expected INSERT runs (indexes into the units)
    and some chunk sizes to split with."""
    items = draw(st.lists(item, min_size=1, max_size=8))
    pieces: list[tuple[str, bytes]] = []
    runs: list[list[int]] = []
    after_swallowed = False
    last_prefix = None
    n = 0
    for kind, text, swallowed, prefix in items:
        if kind == "C" and after_swallowed:
            continue  # iterdump writes no comments; a comment line would continue the view
        sep = b""
        if pieces:
            # iterdump writes one item per line: its '-- …;' form is followed by one line end.
            ends = [b"\n", b"\r\n"] if after_swallowed else [b"\n", b"\r\n", b"\n\n"]
            sep = draw(st.sampled_from(ends))
            pieces.append(("W", sep))
        pieces.append((kind, text.encode("utf-8")))
        if prefix is not None:
            if prefix == last_prefix and sep in (b"\n", b"\r\n"):
                runs[-1].append(n)
            else:
                runs.append([n])
        last_prefix = prefix
        after_swallowed = swallowed
        n += 1
    pieces.append(("W", draw(st.sampled_from([b"\n", b"\r\n"]))))  # dumps end in a line end
    data, expected = build(pieces)
    return data, expected, runs, [size for size in CHUNKS if draw(st.booleans())]


@given(case=dumps())
def test_split_generated_dumps(case: tuple[bytes, Expected, list[list[int]], list[int]]) -> None:
    data, expected, runs, sizes = case
    units = split(data)
    assert flatten(units) == expected
    for size in sizes:
        assert flatten(split(data, size)) == expected, f"chunk_size={size}"
    # Consecutive INSERTs into the same table, one per line, come out as one run whose body
    # is exactly those statements with their line ends.
    got = [u for u in units if isinstance(u, InsertRun)]
    assert len(got) == len(runs)
    for run, indexes in zip(got, runs, strict=True):
        assert run.line == expected[indexes[0]][2]
        statements = [expected[i][1] for i in indexes]
        assert [s for s, _ in cut_statements(run.body, run.line)] == statements
        assert all(s.startswith(run.prefix) for s in statements)
        # The body is the input from the first statement to the line end after the last.
        lines = data.split(b"\n")
        first, last = expected[indexes[0]][2], expected[indexes[-1]][2]
        last += statements[-1].count(b"\n")
        assert run.body == b"\n".join(lines[first - 1 : last]) + b"\n"
