"""What a CREATE VIRTUAL TABLE … USING fts3/fts4/fts5 declares: its columns and where its
rows live (its own ``_content`` storage table, another table, or nowhere)."""

from __future__ import annotations

from dataclasses import dataclass

from dumpconv.base.errors import DumpconvError
from dumpconv.read.cursor import Cursor
from dumpconv.read.lexer import Tok

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
    columns: list[str] = []
    options: dict[str, str] = {}
    try:
        cur = Cursor(sql, line)
        for word in ("CREATE", "VIRTUAL", "TABLE"):
            cur.expect_word(word)
        name, _ = cur.created_name()
        cur.expect_word("USING")
        module = cur.next().text.lower()
        if module not in FTS_MODULES:
            return None
        if cur.at_op("("):
            cur.next()
            while not cur.at_op(")"):
                arg = cur.until_comma()  # one module argument
                if len(arg) >= 3 and arg[1].kind is Tok.OP and arg[1].text == "=":
                    options[arg[0].text.lower()] = arg[2].value
                elif arg and arg[0].kind in (Tok.WORD, Tok.IDENT, Tok.STRING):
                    columns.append(arg[0].value)  # fts5 "col UNINDEXED", fts3/4 "col TYPE"
                if cur.at_op(","):
                    cur.next()
    except (DumpconvError, IndexError):
        return None
    content = options.get("content")
    return FullText(
        name, module, tuple(columns), content, options.get("content_rowid"),
        options.get("tokenize", ""),
    )  # fmt: skip
