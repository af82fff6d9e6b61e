"""What a CREATE TRIGGER names: the trigger and the table it fires on (for the report;
trigger bodies are not converted)."""

from __future__ import annotations

from dumpconv.base.errors import DumpconvError
from dumpconv.read.cursor import Cursor


def trigger_names(sql: str, line: int) -> tuple[str, str] | None:
    """(trigger, table) of a CREATE TRIGGER, or None when they cannot be read."""
    try:
        cur = Cursor(sql, line)
        cur.expect_word("CREATE")
        cur.accept_word("TEMP", "TEMPORARY")
        cur.expect_word("TRIGGER")
        if cur.accept_word("IF"):
            cur.expect_word("NOT")
            cur.expect_word("EXISTS")
        name, _ = cur.name()
        if cur.at_op("."):
            cur.next()
            name, _ = cur.name()
        while not cur.at_word("ON"):  # timing, event, OF columns
            cur.next()
        cur.next()
        table, _ = cur.name()
        if cur.at_op("."):
            cur.next()
            table, _ = cur.name()
    except (DumpconvError, IndexError):
        return None
    return name, table
