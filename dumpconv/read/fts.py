"""What a CREATE VIRTUAL TABLE … USING fts3/fts4/fts5 declares: its columns and where its
rows live (its own ``_content`` storage table, another table, or nowhere)."""

from __future__ import annotations

from dataclasses import dataclass

from dumpconv.base.errors import DumpconvError
from dumpconv.read.cursor import Cursor
from dumpconv.read.lexer import Tok, tokenize

FTS_MODULES = ("fts3", "fts4", "fts5")


@dataclass(frozen=True, slots=True)
class FullText:
    """One FTS table."""

    name: str
    module: str  # fts3, fts4 or fts5
    columns: tuple[str, ...]  # the indexed columns, in order
    content: str | None  # None: its own storage (NAME_content); '' contentless; else a table
    content_rowid: str | None  # fts5's content_rowid (the key of the content table)
    tokenize: str  # the tokenize option ('' when not given)

    @property
    def rowid(self) -> str:
        """The name of the storage table's key column: fts5 ``id``, fts3/4 ``docid``."""
        return "rowid" if self.module == "fts5" else "docid"


def read_fulltext(sql: str, line: int) -> FullText | None:
    """The FTS table a CREATE VIRTUAL TABLE declares, or None when it is another module or
    cannot be read."""
    try:
        cur = Cursor(sql, line)
        for word in ("CREATE", "VIRTUAL", "TABLE"):
            cur.expect_word(word)
        if cur.accept_word("IF"):
            cur.expect_word("NOT")
            cur.expect_word("EXISTS")
        name, _ = cur.name()
        if cur.at_op("."):
            cur.next()
            name, _ = cur.name()
        cur.expect_word("USING")
        module = cur.next().text.lower()
        if module not in FTS_MODULES:
            return None
        args = _arguments(cur.parenthesized()) if cur.at_op("(") else []
    except (DumpconvError, IndexError):
        return None
    columns: list[str] = []
    options: dict[str, str] = {}
    for arg in args:
        toks = [t for t in tokenize(arg) if t.kind is not Tok.COMMENT]
        if len(toks) >= 3 and toks[1].kind is Tok.OP and toks[1].text == "=":
            options[toks[0].text.lower()] = toks[2].value
        elif toks and toks[0].kind in (Tok.WORD, Tok.IDENT, Tok.STRING):
            columns.append(toks[0].value)  # fts5 "col UNINDEXED", fts3/4 "col TYPE"
    content = options.get("content")
    return FullText(
        name, module, tuple(columns), content, options.get("content_rowid"),
        options.get("tokenize", ""),
    )  # fmt: skip


def _arguments(text: str) -> list[str]:
    """A module's arguments: the text between top-level commas."""
    out: list[str] = []
    depth = 0
    start = 0
    for tok in tokenize(text):
        if tok.kind is Tok.OP and tok.text == "(":
            depth += 1
        elif tok.kind is Tok.OP and tok.text == ")":
            depth -= 1
        elif tok.kind is Tok.OP and tok.text == "," and depth == 0:
            out.append(text[start : tok.pos].strip())
            start = tok.pos + 1
    out.append(text[start:].strip())
    return [a for a in out if a]
