"""lexer.find_statement_end on every statement-end rule of sqlite-dump-format.md §1 and §6.

Each case is a statement followed by more input; the expected end is worked out by hand and
given as the statement text, so a wrong end shows which ``;`` was taken.
"""

from __future__ import annotations

import pytest

from dumpconv.base.errors import SplitError
from dumpconv.read.lexer import NeedMore, Tok, find_statement_end, tokenize

NEXT = b"\nCOMMIT;\n"

# (id, statement, is a trigger). The statement is followed by NEXT in the buffer.
ENDS: list[tuple[str, bytes, bool]] = [
    ("plain", b"PRAGMA foreign_keys=OFF;", False),
    ("semicolon-in-string", b"INSERT INTO t VALUES('gadget; with semicolon');", False),
    ("doubled-quote", b"INSERT INTO t VALUES('it''s; ok'';');", False),
    ("only-quotes", b"INSERT INTO t VALUES('''',''';''');", False),
    ("semicolon-in-dq-ident", b'CREATE TABLE "a;b" ("c;""d" TEXT);', False),
    ("quote-in-dq-ident", b"CREATE TABLE \"it's\" (x);", False),
    ("semicolon-in-backtick", b"CREATE TABLE `a;b` (`c``;d` INT);", False),
    ("semicolon-in-brackets", b"CREATE TABLE [a;b] ([c;d] TEXT);", False),
    ("quotes-in-brackets", b"CREATE TABLE [a'b] ([brack\"et] TEXT, c);", False),
    ("bracket-ends-at-first-close", b"CREATE TABLE [a[;] (x);", False),
    ("line-comment", b"CREATE TABLE items (  -- main table; note the comment\n    id INTEGER\n);",
     False),
    ("line-comment-with-quote", b"CREATE TABLE t ( -- it's \"odd; [x\n a);", False),
    ("block-comment", b"CREATE TABLE t (a /* a ; b ' c \" d */, b);", False),
    ("block-comment-multiline", b"CREATE TABLE t (a, /* x;\n y; */ b);", False),
    ("comment-marker-in-string", b"CREATE VIEW v AS SELECT '--;' AS a, '/*;' AS b;", False),
    ("trailing-block-comment",
     b"CREATE INDEX idx_events_ts ON events(ts_epoch) /* trailing comment */;", False),
    ("semicolon-on-next-line",
     b"CREATE VIEW v_items AS SELECT id, name || ';' AS name_semi FROM items\n"
     b"  WHERE name <> '--not a comment'\n;", False),
    ("cli-comment-then-semicolon-line",
     b"CREATE INDEX i ON t(a) -- the index; really\n;", False),
    ("crlf", b"CREATE TABLE t (a -- x\r\n, b);", False),
    ("string-with-newlines", b"INSERT INTO t VALUES('INSERT INTO t VALUES(1);\nCOMMIT;');", False),
    ("string-with-cr", b"INSERT INTO t VALUES('a;\rb;\r\n');", False),
    ("replace-form", b"INSERT INTO t VALUES(replace('a;\\nb','\\n',char(10)));", False),
    ("multirow", b"INSERT INTO t VALUES(1,'a;'),\n  (2,'b'),\n  (3,NULL);", False),
    ("vtab-registration",
     b"INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','docs','docs',0,"
     b"'CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = ''porter unicode61'')');",
     False),
    # triggers: the body's own ';' do not end the statement
    ("trigger-simple",
     b"CREATE TRIGGER trg AFTER INSERT ON t BEGIN INSERT INTO log VALUES(1); END;", True),
    ("trigger-multiline-comment",
     b"CREATE TRIGGER trg_items_ins AFTER INSERT ON items\nBEGIN\n"
     b"  -- log the insert; keep it simple\n  INSERT INTO audit(item_id, action) "
     b"VALUES (NEW.id, 'insert');\nEND;", True),
    ("trigger-raise",
     b"CREATE TRIGGER \"trg order upd\" BEFORE UPDATE OF \"user\" ON \"order\" FOR EACH ROW "
     b"WHEN NEW.\"user\" IS NULL BEGIN SELECT RAISE(ABORT, 'user required'); END;", True),
    ("trigger-case-end-semicolon",
     b"CREATE TRIGGER t1 AFTER UPDATE ON t BEGIN\n  UPDATE t SET a = CASE WHEN NEW.b THEN 1 "
     b"ELSE 2 END;\n  SELECT 1;\nEND;", True),
    ("trigger-nested-case",
     b"CREATE TRIGGER t2 AFTER INSERT ON t BEGIN UPDATE t SET a = CASE WHEN x THEN "
     b"CASE y WHEN 1 THEN 'one' ELSE 'END;' END ELSE (CASE WHEN z THEN 0 END) END; END;", True),
    ("trigger-case-in-when",
     b"CREATE TRIGGER t3 BEFORE INSERT ON t WHEN CASE WHEN NEW.a THEN 1 END BEGIN "
     b"SELECT 1; END;", True),
    ("trigger-lower-case",
     b"CREATE TRIGGER t4 after insert on t begin select case when 1 then 2 end; end;", True),
    ("trigger-words-in-names",
     b"CREATE TRIGGER t5 AFTER INSERT ON t BEGIN UPDATE t SET end_date = NEW.\"end\", "
     b"[case] = backend, `begin` = caseload; END;", True),
    ("trigger-end-in-string-and-comment",
     b"CREATE TRIGGER t6 AFTER INSERT ON t BEGIN INSERT INTO l VALUES('END;'); "
     b"/* END; */ -- END;\nEND;", True),
    ("trigger-iterdump-comment-in-body",
     b"CREATE TRIGGER t7 AFTER INSERT ON t BEGIN\n  -- note;\n  INSERT INTO l VALUES(1);\nEND;",
     True),
    ("trigger-cli-trailing-comment",
     b"CREATE TRIGGER t8 AFTER INSERT ON t BEGIN SELECT 1; END -- done;\n;", True),
    ("trigger-lf-semicolon", b"CREATE TRIGGER t9 AFTER INSERT ON t BEGIN SELECT 1; END\n;", True),
]  # fmt: skip


@pytest.mark.parametrize(("stmt", "trigger"), [c[1:] for c in ENDS], ids=[c[0] for c in ENDS])
@pytest.mark.parametrize("final", [True, False], ids=["final", "more-may-come"])
def test_statement_end(stmt: bytes, trigger: bool, final: bool) -> None:
    # Enough following text that a '-- …;' comment line can be judged (§6) before the end.
    buf = b"PRAGMA x;\n" + stmt + NEXT + b"PRAGMA y;\n" * 10
    pos = len(b"PRAGMA x;\n")
    end = find_statement_end(buf, pos, trigger=trigger, final=final)
    assert buf[pos:end] == stmt


@pytest.mark.parametrize(("stmt", "trigger"), [c[1:] for c in ENDS], ids=[c[0] for c in ENDS])
def test_statement_end_at_eof(stmt: bytes, trigger: bool) -> None:
    assert find_statement_end(stmt, 0, trigger=trigger, final=True) == len(stmt)


@pytest.mark.parametrize(("stmt", "trigger"), [c[1:] for c in ENDS], ids=[c[0] for c in ENDS])
def test_statement_cut_short_needs_more(stmt: bytes, trigger: bool) -> None:
    """Any proper prefix of a statement is incomplete (NeedMore) while more may come. At the
    end of the input it is an error, unless it ends in a '-- …;' comment line (iterdump's
    swallowed ';', which the input's end completes)."""
    for cut in range(len(stmt)):
        buf = stmt[:cut]
        with pytest.raises(NeedMore):
            find_statement_end(buf, 0, trigger=trigger, final=False)
        last_line = buf.rstrip(b" \t\r\n").rsplit(b"\n", 1)[-1]
        if b"--" in last_line and last_line.rstrip().endswith(b";"):
            continue
        with pytest.raises(SplitError):
            find_statement_end(buf, 0, trigger=trigger, final=True)


TRIGGER_HEADS = {
    "begin-line": [b"CREATE TRIGGER trg AFTER INSERT ON t -- audit;", b"BEGIN"],
    # The event keyword may start a line of the header too: it is no INSERT / DELETE
    # statement (SQLite accepts and stores this layout; sqlite3 .dump writes it verbatim).
    "insert-event-line": [b"CREATE TRIGGER trg BEFORE -- check first;", b"  INSERT ON t",
                          b"BEGIN"],
    "delete-event-line": [b"CREATE TRIGGER trg AFTER -- fires when rows go;", b"DELETE ON t",
                          b"BEGIN"],
}  # fmt: skip


@pytest.mark.parametrize("head", TRIGGER_HEADS.values(), ids=TRIGGER_HEADS.keys())
@pytest.mark.parametrize("eol", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_trigger_header_comment_line(head: list[bytes], eol: bytes) -> None:
    """A '-- …;' comment in a trigger's header, before its BEGIN, ends nothing: the next
    line is still the header or the body, not a new statement."""
    stmt = eol.join([*head, b"  INSERT INTO log VALUES(NEW.id);", b"END", b";"])
    buf = stmt + eol + b"COMMIT;" + eol + b"PRAGMA y;\n" * 10
    assert buf[: find_statement_end(buf, 0, trigger=True, final=True)] == stmt


# --- iterdump: a statement whose ';' is swallowed by its trailing '-- comment' (§6) -----------

ITERDUMP_NEXT = [
    b"CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END;",
    b"CREATE INDEX i ON t(a);",
    b'INSERT INTO "t" VALUES(1);',
    b"PRAGMA writable_schema=OFF;",
    b"COMMIT;",
    b'DELETE FROM "sqlite_sequence";',
    b'ANALYZE "sqlite_master";',
    b"BEGIN TRANSACTION;",
    b"ROLLBACK; -- due to errors",
]


@pytest.mark.parametrize("following", ITERDUMP_NEXT, ids=lambda b: b.split()[0].decode())
@pytest.mark.parametrize(
    "stmt",
    [
        b"CREATE VIEW v1 AS SELECT 1 AS x -- trailing comment;",
        b"CREATE TABLE t (a, b) -- the table;",
        b"CREATE INDEX i2 ON t(b) -- note 'quoted'; really;",
        b"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END -- after;",
    ],
    ids=["view", "table", "index", "trigger"],
)
def test_iterdump_comment_swallows_semicolon(stmt: bytes, following: bytes) -> None:
    buf = stmt + b"\n" + following + b"\n"
    end = find_statement_end(buf, 0, trigger=stmt.startswith(b"CREATE TRIGGER"), final=True)
    assert buf[:end] == stmt


@pytest.mark.parametrize("eol", [b"", b"\n", b"\n\n  \n"], ids=["eof", "lf", "blank-lines"])
def test_iterdump_comment_at_end_of_input(eol: bytes) -> None:
    stmt = b"CREATE VIEW v1 AS SELECT 1 AS x -- trailing comment;"
    assert find_statement_end(stmt + eol, 0, trigger=False, final=True) == len(stmt)


@pytest.mark.parametrize(
    ("stmt", "rest"),
    [
        (b"CREATE TABLE t ( -- columns;\n  a INT\n);", b""),
        (b"CREATE TABLE t ( -- first;\n  create_date TEXT\n);", b""),
        (b"CREATE VIEW v AS -- the view;\nSELECT 1;", b""),
        (b"CREATE INDEX i ON t(a) -- x;\n;", b""),
    ],
    ids=["column-line", "lower-case-keyword-prefix", "select-line", "cli-semicolon-line"],
)
def test_comment_semicolon_inside_statement(stmt: bytes, rest: bytes) -> None:
    """A comment ending in ';' ends nothing when the next line is not a new statement."""
    buf = stmt + b"\nCOMMIT;\n" + rest
    assert buf[: find_statement_end(buf, 0, trigger=False, final=True)] == stmt


def test_iterdump_comment_decision_waits_for_the_next_line() -> None:
    stmt = b"CREATE VIEW v1 AS SELECT 1 AS x -- trailing comment;"
    with pytest.raises(NeedMore):
        find_statement_end(stmt + b"\nCREA", 0, trigger=False, final=False)
    with pytest.raises(NeedMore):
        find_statement_end(stmt, 0, trigger=False, final=False)


# --- where more input is needed, and where the input is truncated -------------------------


@pytest.mark.parametrize(
    "buf",
    [
        b"INSERT INTO t VALUES('abc'",  # the quote may be the first of ''
        b"INSERT INTO t VALUES('ab",
        b'CREATE TABLE "a',
        b"CREATE TABLE [a",
        b"CREATE TABLE `a",
        b"CREATE TABLE t(a /* b",
        b"CREATE TABLE t(a -- b",
        b"CREATE TABLE t(a)",
        b"CREATE TABLE t(a)\n",
    ],
)
def test_need_more_then_truncated(buf: bytes) -> None:
    with pytest.raises(NeedMore):
        find_statement_end(buf, 0, trigger=False, final=False)
    with pytest.raises(SplitError) as info:
        find_statement_end(buf, 0, trigger=False, final=True)
    assert "truncated" in (info.value.hint or "")


def test_trigger_without_end_is_truncated() -> None:
    buf = b"CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; SELECT CASE WHEN 1 THEN 2 END;"
    with pytest.raises(NeedMore):
        find_statement_end(buf, 0, trigger=True, final=False)
    with pytest.raises(SplitError):
        find_statement_end(buf, 0, trigger=True, final=True)


def test_pos_starts_mid_buffer() -> None:
    buf = b"'unclosed ; string in front\nCREATE TABLE t(a);"
    pos = buf.index(b"CREATE")
    assert find_statement_end(buf, pos, trigger=False, final=True) == len(buf)


# --- the statement tokenizer the schema reader uses --------------------------------------


def test_tokenize_kinds_and_values() -> None:
    text = (
        'CREATE TABLE "quote""d" (`back``tick` INT, [brack"et] TEXT DEFAULT \'it\'\'s\', '
        "x BLOB DEFAULT X'00ff', n REAL DEFAULT -1.5e10) -- c;\n/* d */"
    )
    toks = list(tokenize(text))
    assert [t.kind for t in toks[:3]] == [Tok.WORD, Tok.WORD, Tok.IDENT]
    idents = [t.value for t in toks if t.kind is Tok.IDENT]
    assert idents == ['quote"d', "back`tick", 'brack"et']
    strings = [t.value for t in toks if t.kind is Tok.STRING]
    assert strings == ["it's"]
    assert [t.text for t in toks if t.kind is Tok.BLOB] == ["X'00ff'"]
    assert [t.text for t in toks if t.kind is Tok.NUMBER] == ["1.5e10"]
    assert not [t for t in toks if t.kind in (Tok.COMMENT, Tok.SPACE)]
    kept = list(tokenize(text, keep=True))
    assert [t.text for t in kept if t.kind is Tok.COMMENT] == ["-- c;", "/* d */"]
    assert "".join(t.text for t in kept) == text
    assert all(text[t.pos : t.pos + len(t.text)] == t.text for t in kept)


def test_tokenize_rejects_unterminated_with_line() -> None:
    with pytest.raises(SplitError) as info:
        list(tokenize("CREATE TABLE t (a DEFAULT 'x)", line=12))
    assert info.value.line == 12
