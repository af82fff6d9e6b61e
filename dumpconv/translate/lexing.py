"""An expression re-spelled for sqlglot by dumpconv's own SQLite lexer: comments dropped,
every string literal and quoted name replaced by a placeholder, every call named so that it
reaches the function table, numbers checked (sqlglot then parses only bare words, numbers and
operators, and cannot disagree with SQLite about where a string or comment ends).
"""

from __future__ import annotations

import re

from dumpconv.base.errors import DumpconvError
from dumpconv.read.lexer import Tok, tokenize


class Untranslatable(Exception):
    """An expression that has no faithful PostgreSQL form here."""


_WORDS_BEFORE_PAREN = frozenset(
    {
        "in", "exists", "not", "and", "or", "cast", "when", "then", "else", "case", "as",
        "select", "from", "where", "on", "using", "values", "is", "like", "between", "by",
        "join", "union", "all", "distinct", "any",
    }
)  # fmt: skip


_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


_PLACEHOLDER = "dumpconv_name_"


def respell(sql: str) -> tuple[str, list[str], dict[str, tuple[str, bool]], str]:
    """The expression re-spelled for sqlglot: no comments, strings and names replaced by
    placeholders. Returns the text, the strings by index and the names by placeholder."""
    try:
        toks = list(tokenize(sql))
    except DumpconvError as e:
        raise Untranslatable(f"cannot read it: {e.message}") from None
    prefix = _PLACEHOLDER
    while prefix in sql.lower():
        prefix += "x"
    strings: list[str] = []
    names: dict[str, tuple[str, bool]] = {}
    out: list[str] = []
    for i, tok in enumerate(toks):
        following = toks[i + 1] if i + 1 < len(toks) else None
        if tok.kind is Tok.STRING:
            out.append(f"'{len(strings)}'")
            strings.append(tok.value)
        elif tok.kind is Tok.IDENT or (tok.kind is Tok.WORD and not tok.text.isascii()):
            key = f"{prefix}{len(names)}"
            names[key] = (tok.value, tok.kind is Tok.IDENT)
            out.append(key)
        elif tok.kind is Tok.WORD:
            if "$" in tok.text:
                raise Untranslatable(f"uses the name {tok.text}")
            called = following is not None and following.kind is Tok.OP and following.text == "("
            into = i > 0 and toks[i - 1].is_word("INTO")  # INSERT INTO t (columns)
            if i > 1 and toks[i - 2].is_word("RAISE") and toks[i - 1].text == "(":
                # RAISE's first argument is a keyword (ROLLBACK is one to sqlglot too).
                out.append(f"{prefix}fn_raise_{tok.text.upper()}")
                continue
            if called and not into and tok.text.lower() not in _WORDS_BEFORE_PAREN:
                # Every call reaches the translator under its SQLite name (functions.emit).
                out.append(f"{prefix}fn_{tok.text.lower()}")
            else:
                out.append(tok.text)
        elif tok.kind is Tok.NUMBER:
            out.append(number(tok.text))
        elif tok.kind is Tok.OP:
            out.append(tok.text)
        else:  # blobs, variables
            raise Untranslatable(f"uses {tok.text[:20]}, which is not translated")
    return " ".join(out), strings, names, prefix


def number(text: str) -> str:
    if text[:2].lower() == "0x":
        try:
            n = int(text[2:], 16)
        except ValueError:
            raise Untranslatable(f"the number {text[:30]} is not valid") from None
        if n >= 2**64:
            raise Untranslatable(f"the number {text[:30]} is out of range")
        return str(n - 2**64 if n >= 2**63 else n)
    if not _NUMBER.fullmatch(text):
        raise Untranslatable(f"the number {text[:30]} is not valid")
    return text
