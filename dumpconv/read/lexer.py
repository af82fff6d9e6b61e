"""SQLite's lexical grammar, written once and used on both bytes and text.

The splitter scans raw input bytes for statement ends; the schema reader tokenizes decoded
statement text. Both compile their patterns from the fragments below so that they agree on
what a string, a quoted identifier and a comment are (https://www.sqlite.org/lang_keywords.html).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from dumpconv.base.errors import SplitError

# Fragments (ASCII only, so each compiles as both a str and a bytes pattern).
STRING = r"'[^']*(?:''[^']*)*'"
DQ_IDENT = r'"[^"]*(?:""[^"]*)*"'
BT_IDENT = r"`[^`]*(?:``[^`]*)*`"
BR_IDENT = r"\[[^\]]*\]"
LINE_COMMENT = r"--[^\n]*"
BLOCK_COMMENT = r"/\*(?:[^*]|\*(?!/))*(?:\*/|\Z)"
BLOB = r"[xX]'[^']*'"
# What SQLite accepts as a blob literal; any other X'…' is a syntax error to SQLite.
VALID_BLOB = re.compile(r"[xX]'(?:[0-9a-fA-F]{2})*'")
NUMBER = r"0[xX][0-9a-fA-F]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
OPERATOR = r"\|\||->>|->|<<|>>|<=|>=|==|!=|<>|[-+*/%&|~<>=!(),.;]"
VARIABLE = r"[?][0-9]*|[:@$][A-Za-z0-9_]+"
SPACE = r"[ \t\n\f\r\v]+"


class Tok(Enum):
    SPACE = "space"
    COMMENT = "comment"
    STRING = "string"
    BLOB = "blob"
    IDENT = "ident"  # a quoted identifier: "x", `x`, [x]
    WORD = "word"  # a bare word: keyword or identifier
    NUMBER = "number"
    OP = "op"
    VARIABLE = "variable"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Tok
    text: str
    pos: int

    @property
    def upper(self) -> str:
        return self.text.upper()

    def is_word(self, *words: str) -> bool:
        return self.kind is Tok.WORD and self.text.upper() in words

    @property
    def value(self) -> str:
        """The name or text a word, quoted identifier or string stands for."""
        if self.kind is Tok.IDENT:
            q = self.text[0]
            body = self.text[1:-1]
            if q == "[":
                return body
            return body.replace(q + q, q)
        if self.kind is Tok.STRING:
            return self.text[1:-1].replace("''", "'")
        return self.text


_TEXT_TOKEN = re.compile(
    "|".join(
        f"(?P<{name}>{pattern})"
        for name, pattern in (
            ("space", SPACE),
            ("comment", f"{LINE_COMMENT}|{BLOCK_COMMENT}"),
            ("blob", BLOB),
            ("string", STRING),
            ("ident", f"{DQ_IDENT}|{BT_IDENT}|{BR_IDENT}"),
            ("number", NUMBER),
            ("word", r"[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_$\u0080-\U0010ffff]*"),
            ("variable", VARIABLE),
            ("op", OPERATOR),
        )
    ),
    re.DOTALL,
)


def tokenize(text: str, *, line: int | None = None, keep: bool = False) -> Iterator[Token]:
    """Yield the tokens of one statement; spaces and comments only when ``keep``.

    Raises:
        SplitError: on an unterminated literal or a character SQLite does not accept.
    """
    pos = 0
    end = len(text)
    while pos < end:
        m = _TEXT_TOKEN.match(text, pos)
        if m is None:
            snippet = text[pos : pos + 20]
            raise SplitError(
                f"cannot read {snippet!r}: unterminated quote or character SQLite rejects",
                line,
            )
        kind = Tok(m.lastgroup)
        if kind is Tok.BLOB and not VALID_BLOB.fullmatch(m.group()):
            raise SplitError(
                f"malformed blob literal {m.group()[:20]!r}: SQLite reads only pairs of hex "
                "digits in X'…', so sqlite3 never wrote this",
                line,
                "convert the unedited output of sqlite3 .dump",
            )
        if keep or kind not in (Tok.SPACE, Tok.COMMENT):
            yield Token(kind, m.group(), pos)
        pos = m.end()


# --- statement ends, on raw bytes -------------------------------------------------------

_NEXT = re.compile(rb"""['"`;\[]|--|/\*""")
_WORDCH = rb"A-Za-z0-9_$\x80-\xff"
_NEXT_TRIGGER = re.compile(
    rb"""['"`;\[]|--|/\*|(?<![""" + _WORDCH + rb"""])(BEGIN|END|CASE)(?![""" + _WORDCH + rb"])",
    re.IGNORECASE,
)
_CLOSERS = {ord("'"): b"'", ord('"'): b'"', ord("`"): b"`", ord("["): b"]"}
# Statements that a dump writes at the start of a line. iterdump appends ';' to SQL that ends
# in a '--' comment, so the ';' is swallowed; a comment ending in ';' that is followed by one
# of these ends the statement (sqlite-dump-format.md §6). In a trigger's header, BEGIN
# starts its body and INSERT/DELETE name its event: neither is a next statement there.
_NEXT_STATEMENT = re.compile(
    rb"[ \t\r]*(?:CREATE|INSERT|PRAGMA|COMMIT|DELETE|ANALYZE|ROLLBACK|BEGIN)\b|[ \t\r\n]*\Z"
)
_NEXT_AFTER_TRIGGER_HEAD = re.compile(
    rb"[ \t\r]*(?:CREATE|PRAGMA|COMMIT|ANALYZE|ROLLBACK)\b|[ \t\r\n]*\Z"
)


class NeedMore(Exception):
    """The buffer ends inside the statement; read more input and call again."""


def find_statement_end(buf: bytes, pos: int, *, trigger: bool, final: bool) -> int:
    """Return the index just past the ``;`` that ends the statement starting at ``pos``.

    Args:
        buf: input bytes.
        pos: where the statement starts.
        trigger: the statement is a CREATE TRIGGER, whose ``BEGIN … END`` body holds ``;``.
        final: ``buf`` holds the rest of the input (no more will come).

    Raises:
        NeedMore: the statement continues past the end of ``buf`` and more input may come.
        SplitError: the input ends inside the statement.
    """
    pattern = _NEXT_TRIGGER if trigger else _NEXT
    depth = 0
    in_head = trigger  # a trigger before its BEGIN
    i = pos
    while True:
        m = pattern.search(buf, i)
        if m is None:
            break
        tok = m.group()
        j = m.end()
        c = tok[0]
        if c in _CLOSERS:
            close = _CLOSERS[c]
            while True:
                k = buf.find(close, j)
                if k < 0:
                    return _ran_out(buf, pos, final, "a quoted string or name is not closed")
                if c != ord("["):
                    if k + 1 >= len(buf) and not final:
                        raise NeedMore
                    if buf[k + 1 : k + 2] == close:
                        j = k + 2
                        continue
                i = k + 1
                break
        elif tok == b"--":
            k = buf.find(b"\n", j)
            if k < 0:
                if not final:
                    raise NeedMore
                k = len(buf)
            if depth == 0 and buf[j:k].rstrip(b" \t\r").endswith(b";"):
                if k + 64 > len(buf) and not final:
                    raise NeedMore
                following = _NEXT_AFTER_TRIGGER_HEAD if in_head else _NEXT_STATEMENT
                if following.match(buf, k + 1):
                    return k
            i = k
        elif tok == b"/*":
            k = buf.find(b"*/", j)
            if k < 0:
                return _ran_out(buf, pos, final, "a /* comment is not closed")
            i = k + 2
        elif c == ord(";"):
            if depth <= 0:
                return j
            i = j
        else:  # BEGIN / CASE / END inside a trigger
            word = tok.upper()
            depth += -1 if word == b"END" else 1
            in_head &= word != b"BEGIN"
            i = j
    return _ran_out(buf, pos, final, "the statement has no closing ';'")


def _ran_out(buf: bytes, pos: int, final: bool, why: str) -> int:
    if not final:
        raise NeedMore
    raise SplitError(
        f"the input ends inside a statement: {why}",
        None,
        "the dump looks truncated; dump the database again and check the file is complete",
    )


# sqlite3 3.52.0 in an interactive session cuts values longer than 300 characters, ending
# them in '...' with no closing quote, so the statement runs on into the next ones
# (sqlite-dump-format.md §5).
CUT_VALUE = re.compile(rb"\.\.\.\);\r?\n(?:INSERT|CREATE|COMMIT|PRAGMA|DELETE|ANALYZE)")
CUT_VALUE_MESSAGE = (
    "a value ends in '...' without its closing quote: sqlite3 3.52.0 cuts values longer "
    "than 300 characters when it dumps to a terminal"
)
CUT_VALUE_HINT = "dump again with the output redirected: sqlite3 app.db .dump > app.sql"
