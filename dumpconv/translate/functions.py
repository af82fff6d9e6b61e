"""SQLite's function library as PostgreSQL sees it: the functions an expression may call."""

from __future__ import annotations

#: SQLite functions an expression may call (as SQLite spells them), and the words SQLite
#: allows before "(" that are not calls.
SQLITE_FUNCTIONS = frozenset(
    {
        "abs", "coalesce", "ifnull", "iif", "nullif", "lower", "upper", "length", "trim",
        "ltrim", "rtrim", "substr", "substring", "instr",
        "count", "sum", "avg", "min", "max", "group_concat",
    }
)  # fmt: skip
