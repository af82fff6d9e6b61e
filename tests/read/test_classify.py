"""classify: statement text → Kind (and the target table of INSERT / DELETE)."""

from __future__ import annotations

import pytest

from dumpconv.read.classify import Kind, classify

CASES: list[tuple[str, bytes, Kind, str | None]] = [
    # transaction and pragmas (§3.1)
    ("pragma-fk", b"PRAGMA foreign_keys=OFF;", Kind.PRAGMA, None),
    ("pragma-writable", b"PRAGMA writable_schema=ON;", Kind.PRAGMA, None),
    ("begin", b"BEGIN TRANSACTION;", Kind.BEGIN, None),
    ("commit", b"COMMIT;", Kind.COMMIT, None),
    ("end-transaction", b"END TRANSACTION;", Kind.COMMIT, None),
    ("rollback", b"ROLLBACK;", Kind.ROLLBACK, None),
    ("rollback-due-to-errors", b"ROLLBACK; -- due to errors", Kind.ROLLBACK, None),
    # CREATE, verbatim user text (§3.2, §3.3)
    ("create-table", b"CREATE TABLE items (id INTEGER PRIMARY KEY);", Kind.CREATE_TABLE, None),
    ("create-table-if-not-exists", b'CREATE TABLE IF NOT EXISTS "order" (\n  id INTEGER\n);',
     Kind.CREATE_TABLE, None),
    ("create-table-single-quoted", b"CREATE TABLE IF NOT EXISTS 'docs_data'(id INTEGER "
     b"PRIMARY KEY, block BLOB);", Kind.CREATE_TABLE, None),
    ("create-table-sequence-3.51", b"CREATE TABLE IF NOT EXISTS sqlite_sequence(name,seq);",
     Kind.CREATE_TABLE, None),
    ("create-table-lower", b"create table t(a);", Kind.CREATE_TABLE, None),
    ("create-table-spacing", b"CREATE\n  TABLE\tt(a);", Kind.CREATE_TABLE, None),
    ("create-temp-table", b"CREATE TEMP TABLE t(a);", Kind.CREATE_TABLE, None),
    ("create-table-bracket", b"CREATE TABLE[x](a);", Kind.CREATE_TABLE, None),
    ("create-virtual-table", b"CREATE VIRTUAL TABLE docs USING fts5(title, body);",
     Kind.CREATE_VIRTUAL_TABLE, None),
    ("create-virtual-lower", b"create virtual table g using rtree(id, a, b);",
     Kind.CREATE_VIRTUAL_TABLE, None),
    ("create-index", b"CREATE INDEX idx_items_name ON items(name);", Kind.CREATE_INDEX, None),
    ("create-unique-index", b"CREATE UNIQUE INDEX u ON items(name) WHERE active = 1;",
     Kind.CREATE_INDEX, None),
    ("create-index-comment-semicolon-line",
     b"CREATE INDEX i ON t(a) -- note\n;", Kind.CREATE_INDEX, None),
    ("create-view", b"CREATE VIEW \"order view\" AS SELECT \"user\" FROM \"order\";",
     Kind.CREATE_VIEW, None),
    ("create-view-iterdump-comment", b"CREATE VIEW v1 AS SELECT 1 AS x -- trailing comment;",
     Kind.CREATE_VIEW, None),
    ("create-trigger", b"CREATE TRIGGER trg AFTER INSERT ON items\nBEGIN\n  SELECT 1;\nEND;",
     Kind.CREATE_TRIGGER, None),
    ("create-temp-trigger", b"CREATE TEMP TRIGGER trg AFTER INSERT ON t BEGIN SELECT 1; END;",
     Kind.CREATE_TRIGGER, None),
    # leading comments are skipped
    ("leading-line-comment", b"-- a comment; with semicolon\nCREATE TABLE t(a);",
     Kind.CREATE_TABLE, None),
    ("leading-block-comment", b"/* WARNING: x */ CREATE VIEW v AS SELECT 1;", Kind.CREATE_VIEW,
     None),
    ("leading-comments-mixed", b"  /* a\n b */\n-- c\n\t/**/pragma foreign_keys=off;",
     Kind.PRAGMA, None),
    ("leading-crlf", b"\r\n-- x\r\nCOMMIT;", Kind.COMMIT, None),
    # INSERT and its target (§3.2, §3.5-3.7)
    ("insert-bare", b"INSERT INTO items VALUES(1,'widget');", Kind.INSERT, "items"),
    ("insert-quoted", b'INSERT INTO "table with space" VALUES(1,\'one\');', Kind.INSERT,
     "table with space"),
    ("insert-quote-doubled", b'INSERT INTO "quote""d" VALUES(1);', Kind.INSERT, 'quote"d'),
    ("insert-non-ascii", b'INSERT INTO "donn\xc3\xa9es" VALUES(1);', Kind.INSERT, "données"),
    ("insert-non-ascii-bare", b"INSERT INTO donn\xc3\xa9es VALUES(1);", Kind.INSERT, "données"),
    ("insert-bracket", b"INSERT INTO [table with space] VALUES(1);", Kind.INSERT,
     "table with space"),
    ("insert-backtick", b"INSERT INTO `select` VALUES(1);", Kind.INSERT, "select"),
    ("insert-single-quoted", b"INSERT INTO 'single_quoted' VALUES(1);", Kind.INSERT,
     "single_quoted"),
    ("insert-mixed-case", b"INSERT INTO MixedCase VALUES(1);", Kind.INSERT, "MixedCase"),
    ("insert-lower", b"insert into t values(1);", Kind.INSERT, "t"),
    ("insert-or-replace", b"INSERT OR REPLACE INTO t VALUES(1);", Kind.INSERT, "t"),
    ("replace-into", b"REPLACE INTO t VALUES(1);", Kind.INSERT, "t"),
    ("insert-column-list", b'INSERT INTO "t"(rowid,a) VALUES(1,2);', Kind.INSERT, "t"),
    ("insert-vtab-registration",
     b"INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','docs','docs',0,"
     b"'CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = ''porter unicode61'')');",
     Kind.INSERT, "sqlite_schema"),
    ("insert-vtab-registration-master",
     b"INSERT INTO sqlite_master(type,name,tbl_name,rootpage,sql)VALUES('table','d','d',0,'x');",
     Kind.INSERT, "sqlite_master"),
    ("insert-stat1", b"INSERT INTO sqlite_stat1 VALUES('items','idx','4 1');", Kind.INSERT,
     "sqlite_stat1"),
    ("insert-sequence-iterdump", b"INSERT INTO \"sqlite_sequence\" VALUES('items',5);",
     Kind.INSERT, "sqlite_sequence"),
    ("insert-after-comment", b"-- rows\nINSERT INTO t VALUES(1);", Kind.INSERT, "t"),
    ("insert-schema-qualified", b"INSERT INTO main.t VALUES(1);", Kind.INSERT, "t"),
    # DELETE
    ("delete-sequence", b"DELETE FROM sqlite_sequence;", Kind.DELETE, "sqlite_sequence"),
    ("delete-sequence-iterdump", b'DELETE FROM "sqlite_sequence";', Kind.DELETE,
     "sqlite_sequence"),
    ("delete-user", b"DELETE FROM items WHERE id = 1;", Kind.DELETE, "items"),
    ("delete-schema-qualified", b"DELETE FROM main.sqlite_sequence;", Kind.DELETE,
     "sqlite_sequence"),
    # ANALYZE (§3.6)
    ("analyze-schema", b"ANALYZE sqlite_schema;", Kind.ANALYZE, None),
    ("analyze-master-iterdump", b'ANALYZE "sqlite_master";', Kind.ANALYZE, None),
    # anything else
    ("select", b"SELECT 1;", Kind.OTHER, None),
    ("update", b"UPDATE t SET a = 1;", Kind.OTHER, None),
    ("drop", b"DROP TABLE t;", Kind.OTHER, None),
    ("create-table-prefix-word", b"CREATE TABLES t;", Kind.OTHER, None),
    ("insertx", b"INSERTX INTO t VALUES(1);", Kind.OTHER, None),
    ("alter", b"ALTER TABLE t ADD COLUMN b;", Kind.OTHER, None),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "kind", "target"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_classify(raw: bytes, kind: Kind, target: str | None) -> None:
    st = classify(raw)
    assert st.kind is kind
    assert st.target == target


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"-- a comment; with semicolon\nCREATE TABLE t(a);", "CREATE TABLE t(a);"),
        (b"/* x */\n  /* y */ COMMIT;", "COMMIT;"),
        (b"CREATE TABLE t(a /* kept */);", "CREATE TABLE t(a /* kept */);"),
        (b"INSERT INTO t VALUES('\x80');", "INSERT INTO t VALUES('\udc80');"),
    ],
    ids=["line-comment", "block-comments", "inner-comment-kept", "invalid-utf8"],
)
def test_classified_text_drops_only_leading_comments(raw: bytes, text: str) -> None:
    st = classify(raw)
    assert st.text == text
    assert st.text.encode("utf-8", "surrogateescape") == raw[len(raw) - len(st.text.encode(
        "utf-8", "surrogateescape")) :]  # fmt: skip


def test_classify_does_not_read_past_the_target() -> None:
    """Values after the table name are never tokenized (they may hold anything)."""
    raw = b"INSERT INTO t VALUES(1,'\x80\xff',#,unistr('\\u0001'),x'zz');"
    assert classify(raw).target == "t"
