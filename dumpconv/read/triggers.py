"""CREATE TRIGGER read into its parts: name, table, timing, event, WHEN and the statements
of its body (as SQLite text, for ``translate.triggers`` to translate one by one)."""

from __future__ import annotations

from dataclasses import dataclass

from dumpconv.base.errors import DumpconvError
from dumpconv.read.cursor import Cursor
from dumpconv.read.lexer import Tok


@dataclass(frozen=True, slots=True)
class Trigger:
    """One SQLite trigger. SQLite's triggers are always FOR EACH ROW."""

    name: str
    name_quoted: bool
    table: str
    timing: str  # BEFORE, AFTER or INSTEAD OF
    event: str  # INSERT, UPDATE or DELETE
    columns: tuple[str, ...]  # UPDATE OF these
    when: str | None  # the WHEN condition's text
    body: tuple[str, ...]  # each statement's text, without its ';'


def read_trigger(sql: str, line: int) -> Trigger:
    """The parts of a CREATE TRIGGER.

    Raises:
        TranslateError: it is not a CREATE TRIGGER SQLite would accept.
    """
    cur = Cursor(sql, line)
    cur.expect_word("CREATE")
    cur.accept_word("TEMP", "TEMPORARY")
    cur.expect_word("TRIGGER")
    name, name_quoted = cur.created_name()
    timing = "BEFORE"
    if cur.accept_word("INSTEAD"):
        cur.expect_word("OF")
        timing = "INSTEAD OF"
    elif cur.at_word("BEFORE", "AFTER"):
        timing = cur.next().upper
    event = cur.expect_word("INSERT", "UPDATE", "DELETE").upper
    columns: list[str] = []
    if event == "UPDATE" and cur.accept_word("OF"):
        columns.append(cur.name()[0])
        while cur.at_op(","):
            cur.next()
            columns.append(cur.name()[0])
    cur.expect_word("ON")
    table, _ = cur.qualified_name()
    if cur.accept_word("FOR"):
        cur.expect_word("EACH")
        cur.expect_word("ROW")
    when = None
    if cur.accept_word("WHEN"):
        start = cur.peek()
        while not cur.at_word("BEGIN"):
            cur.next()
        end = cur.peek()
        assert start is not None
        assert end is not None
        when = sql[start.pos : end.pos].strip()
    cur.expect_word("BEGIN")
    return Trigger(name, name_quoted, table, timing, event, tuple(columns), when, _body(cur))


def _body(cur: Cursor) -> tuple[str, ...]:
    """The statements between BEGIN and the last END, split at the ';' outside parentheses
    (CASE … END inside a statement holds no ';')."""
    statements: list[str] = []
    start = cur.peek()
    depth = 0
    while True:
        tok = cur.next()
        if tok.kind is Tok.OP and tok.text == "(":
            depth += 1
        elif tok.kind is Tok.OP and tok.text == ")":
            depth -= 1
        elif tok.kind is Tok.OP and tok.text == ";" and depth == 0:
            assert start is not None
            text = cur.text[start.pos : tok.pos].strip()
            if text:
                statements.append(text)
            start = cur.peek()
            if start is not None and start.is_word("END") and _only_end_left(cur):
                break
        elif tok.is_word("END") and start is tok and _only_end_left(cur, 0):
            break
    if not statements:
        raise cur.error("a trigger body with no statement")
    return tuple(statements)


def _only_end_left(cur: Cursor, skip: int = 1) -> bool:
    """Whether the rest of the statement is ``END`` (and maybe a ';')."""
    rest = cur.toks[cur.i + skip :]
    return all(t.kind is Tok.OP and t.text == ";" for t in rest)


def trigger_names(sql: str, line: int) -> tuple[str, str] | None:
    """(trigger, table) of a CREATE TRIGGER, or None when they cannot be read."""
    try:
        trigger = read_trigger(sql, line)
    except (DumpconvError, IndexError):
        return None
    return trigger.name, trigger.table
