"""Tag a statement by its leading tokens. Stateless; never looks past what it needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from dumpconv.read.lexer import Tok, tokenize


class Kind(Enum):
    CREATE_TABLE = "create-table"
    CREATE_VIRTUAL_TABLE = "create-virtual-table"
    CREATE_INDEX = "create-index"
    CREATE_VIEW = "create-view"
    CREATE_TRIGGER = "create-trigger"
    INSERT = "insert"
    DELETE = "delete"
    PRAGMA = "pragma"
    BEGIN = "begin"
    COMMIT = "commit"
    ROLLBACK = "rollback"
    ANALYZE = "analyze"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Classified:
    kind: Kind
    text: str  # the statement, decoded, leading comments removed
    target: str | None = None  # table name for INSERT / DELETE, as SQLite resolves it


_KEYWORDS: list[tuple[re.Pattern[str], Kind]] = [
    (re.compile(r"CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TABLE\b", re.I), Kind.CREATE_TABLE),
    (re.compile(r"CREATE\s+VIRTUAL\s+TABLE\b", re.I), Kind.CREATE_VIRTUAL_TABLE),
    (re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\b", re.I), Kind.CREATE_INDEX),
    (re.compile(r"CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?VIEW\b", re.I), Kind.CREATE_VIEW),
    (re.compile(r"CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\b", re.I), Kind.CREATE_TRIGGER),
    (re.compile(r"(?:INSERT|REPLACE)\b", re.I), Kind.INSERT),
    (re.compile(r"DELETE\b", re.I), Kind.DELETE),
    (re.compile(r"PRAGMA\b", re.I), Kind.PRAGMA),
    (re.compile(r"BEGIN\b", re.I), Kind.BEGIN),
    (re.compile(r"(?:COMMIT|END)\b", re.I), Kind.COMMIT),
    (re.compile(r"ROLLBACK\b", re.I), Kind.ROLLBACK),
    (re.compile(r"ANALYZE\b", re.I), Kind.ANALYZE),
]
_LEADING_COMMENTS = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.S)


def decode(raw: bytes) -> str:
    """Decode statement bytes; invalid UTF-8 survives as surrogate escapes."""
    return raw.decode("utf-8", "surrogateescape")


def classify(raw: bytes) -> Classified:
    """Tag one statement.

    Args:
        raw: the statement bytes as the splitter cut them.

    Returns:
        Its kind, its text without leading comments, and for INSERT/DELETE the target table.
    """
    text = decode(raw)
    text = text[_LEADING_COMMENTS.match(text).end() :]  # type: ignore[union-attr]
    for pattern, kind in _KEYWORDS:
        if pattern.match(text):
            target = _target(text) if kind in (Kind.INSERT, Kind.DELETE) else None
            return Classified(kind, text, target)
    return Classified(Kind.OTHER, text)


def _target(text: str) -> str | None:
    """The table after INSERT [OR …] INTO / DELETE FROM, unquoted."""
    toks = tokenize(text)
    for tok in toks:
        if tok.is_word("INTO", "FROM"):
            break
    name = next(toks, None)
    if name is None or name.kind not in (Tok.WORD, Tok.IDENT, Tok.STRING):
        return None
    dot = next(toks, None)
    if dot is not None and dot.kind is Tok.OP and dot.text == ".":  # main.t
        table = next(toks, None)
        if table is not None and table.kind in (Tok.WORD, Tok.IDENT, Tok.STRING):
            return table.value
    return name.value
