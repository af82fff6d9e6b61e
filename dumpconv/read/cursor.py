"""A cursor over the tokens of one schema statement: the small toolkit the CREATE readers
(here and in ``translate``) are written with.
"""

from __future__ import annotations

import re

from dumpconv.base.errors import TranslateError
from dumpconv.read.lexer import Tok, Token, tokenize

_SPACES = re.compile(r"\s+")


class Cursor:
    """Tokens of one statement with the text they came from."""

    def __init__(self, text: str, line: int, tokens: list[Token] | None = None) -> None:
        self.text = text
        self.line = line
        self.toks = tokens if tokens is not None else list(tokenize(text, line=line))
        self.i = 0

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def next(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise self.error("the statement ends too early")
        self.i += 1
        return tok

    def at_word(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.is_word(*words)

    def at_op(self, op: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind is Tok.OP and tok.text == op

    def accept_word(self, *words: str) -> bool:
        if self.at_word(*words):
            self.i += 1
            return True
        return False

    def expect_word(self, *words: str) -> Token:
        if not self.at_word(*words):
            raise self.error(f"expected {' or '.join(words)}")
        return self.next()

    def expect_op(self, op: str) -> Token:
        if not self.at_op(op):
            raise self.error(f"expected '{op}'")
        return self.next()

    def name(self) -> tuple[str, bool]:
        """A name (bare word, quoted identifier or single-quoted string); (value, quoted)."""
        tok = self.next()
        if tok.kind in (Tok.WORD, Tok.IDENT, Tok.STRING):
            return tok.value, tok.kind is not Tok.WORD
        raise self.error(f"expected a name, found {tok.text!r}")

    def qualified_name(self) -> tuple[str, bool]:
        """A name that may carry a schema (``main.t``: the dump's own database, so the
        prefix goes); (value, quoted)."""
        name = self.name()
        if self.at_op("."):
            self.next()
            name = self.name()
        return name

    def created_name(self) -> tuple[str, bool]:
        """The name a CREATE statement gives, after its ``IF NOT EXISTS``."""
        if self.accept_word("IF"):
            self.expect_word("NOT")
            self.expect_word("EXISTS")
        return self.qualified_name()

    def parenthesized(self) -> str:
        """Consume ``( … )`` and return the SQL text between the parentheses."""
        open_tok = self.expect_op("(")
        depth = 1
        while True:
            tok = self.next()
            if tok.kind is Tok.OP and tok.text == "(":
                depth += 1
            elif tok.kind is Tok.OP and tok.text == ")":
                depth -= 1
                if depth == 0:
                    return self.text[open_tok.pos + 1 : tok.pos].strip()

    def until_comma(self) -> list[Token]:
        """Tokens up to the next top-level ',' or the closing ')' (not consumed)."""
        depth = 0
        out: list[Token] = []
        while True:
            tok = self.peek()
            if tok is None:
                raise self.error("unbalanced parentheses")
            if tok.kind is Tok.OP:
                if tok.text == "(":
                    depth += 1
                elif tok.text == ")":
                    if depth == 0:
                        return out
                    depth -= 1
                elif tok.text == "," and depth == 0:
                    return out
            out.append(tok)
            self.i += 1

    def error(self, message: str) -> TranslateError:
        tok = self.peek()
        near = f" near {tok.text[:30]!r}" if tok is not None else ""
        return TranslateError(
            f"cannot read the schema statement: {message}{near}",
            self.line,
            "this SQLite syntax is not supported yet; please report it with the statement",
        )
