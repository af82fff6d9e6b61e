"""PostgreSQL DDL for the schema: tables, keys, indexes, foreign keys, checks and views.

The only module that talks to sqlglot, and only as an expression engine: SQLite expressions
(DEFAULT, CHECK, generated columns, index expressions, WHERE clauses, view queries) are
parsed with the sqlite dialect, rewritten by the transforms here (names resolved through
the schema, booleans, SQLite functions), and printed with the postgres dialect. Structure
(column lists, keys, types) comes from ``sqlite_ddl`` and ``decide``, never from sqlglot's
own type mapping. Every identifier is printed by ``pgsql.quote_ident``.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from .errors import DumpconvError
from .lexer import Tok, tokenize
from .pgsql import object_name, qualified, quote_ident, quote_literal, valid_text
from .report import Severity
from .schema import CheckConstraint, Column, ForeignKey, Schema, Table, fold
from .sqlite_ddl import _Cursor
from .stats import BOOLEAN_WORDS, json_ok, temporal_ok, uuid_ok
from .typemap import INT_LIMITS, Cat, Decision

logging.getLogger("sqlglot").setLevel(logging.ERROR)


class Untranslatable(Exception):
    """An expression that has no faithful PostgreSQL form here."""


@dataclass(frozen=True, slots=True)
class Note:
    """A comment above CREATE TABLE; ``severity`` None when the report has it already."""

    text: str
    severity: Severity | None = Severity.INFO

    def __str__(self) -> str:
        return self.text


@dataclass(slots=True)
class TableDDL:
    """What the output needs to create one table and, after its data, the rest."""

    create: str
    post: list[PostItem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # shown as comments above CREATE TABLE


@dataclass(frozen=True, slots=True)
class PostItem:
    """One post-data statement; ``guard`` names it when a failure must only warn.

    ``sql`` is one statement of ``kind`` (a ``pgcheck.KINDS`` key), or empty when the object
    is only described; ``comments`` are shown above it (escaped by the writer).
    """

    sql: str
    # -1 generated columns, 0 keys, 1 indexes, 2 foreign keys, 3 checks, 4 expression
    # defaults, 5 views, 6 objects only described
    order: int
    kind: str = "alter-table"
    guard: str | None = None
    fk_fallback: str | None = None  # the NOT VALID form of a foreign key
    left_out: str | None = None  # set when the object is only a comment: what and why
    changed: str | None = None  # set when it is created with a part of it dropped
    comments: tuple[str, ...] = ()


# --- literals and defaults -----------------------------------------------------------------

_TRUE_WORDS = {b"1", b"t", b"true"}
_INT_TEXT = re.compile(r"\s*[-+]?[0-9]+\s*")
_REAL_TEXT = re.compile(r"\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*")


def _sqlite_literal(text: str) -> int | float | str | bytes | None:
    """The value SQLite gives a DEFAULT literal: number, string, blob, NULL or a bare word."""
    upper = text.upper()
    if upper == "NULL":
        return None
    if upper in ("TRUE", "FALSE"):
        return int(upper == "TRUE")
    if text[:2] in ("X'", "x'"):
        return bytes.fromhex(text[2:-1])
    if text.startswith("'"):
        return valid_text(text[1:-1].replace("''", "'"))
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits[:2].lower() == "0x":  # 64-bit two's complement, as SQLite reads hex
        n = int(digits[2:], 16)
        return sign * (n - 2**64 if n >= 2**63 else n)
    if _INT_TEXT.fullmatch(text):
        n = int(text)
        return n if -(2**63) <= n < 2**63 else float(n)
    if _REAL_TEXT.fullmatch(text):
        return float(text)
    return text  # a bare word: SQLite takes it as a string


def _as_number(value: object) -> int | float | None:
    """A value as SQLite's numeric affinity would store it (text only when exact)."""
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        if _INT_TEXT.fullmatch(value):
            n = int(value)
            return n if -(2**63) <= n < 2**63 else float(n)
        if _REAL_TEXT.fullmatch(value):
            return float(value)
    return None


def _literal_for(text: str, pg_type: str) -> str | None:
    """A SQLite literal's value as a PostgreSQL literal of ``pg_type``; None if it does not fit."""
    value = _sqlite_literal(text)
    base = pg_type.split("(")[0]
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"'\\x{value.hex()}'::bytea" if base == "bytea" else None
    if base == "boolean":
        word = str(value).lower().encode()
        return ("true" if word in _TRUE_WORDS else "false") if word in BOOLEAN_WORDS else None
    number = _as_number(value)
    if base in INT_LIMITS:
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        lo, hi = INT_LIMITS[base]
        return str(number) if isinstance(number, int) and lo <= number <= hi else None
    if base in ("double precision", "numeric"):
        if number is None or (base == "numeric" and isinstance(number, float) and
                              not math.isfinite(number)):  # fmt: skip
            return None
        if isinstance(number, float):
            return (
                repr(number)
                if math.isfinite(number)
                else quote_literal("Infinity" if number > 0 else "-Infinity")
            )
        return str(number)
    shown = (
        value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    )
    if base == "jsonb":
        return quote_literal(shown) if json_ok(shown.encode()) else None
    if base == "bytea":
        return f"'\\x{shown.encode().hex()}'::bytea"
    if base in ("timestamp", "timestamptz", "date", "time", "uuid"):
        # Checked by the caller against the same rules as the column's values.
        return quote_literal(shown) if isinstance(value, str) else None
    return quote_literal(shown)


_NOW = {
    # SQLite's CURRENT_* and datetime('now') are UTC text; keep them UTC whatever the
    # session time zone of the application that inserts later.
    ("CURRENT_TIMESTAMP", "timestamp"): "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')",
    ("CURRENT_TIMESTAMP", "timestamptz"): "CURRENT_TIMESTAMP",
    ("CURRENT_TIMESTAMP", "text"): (
        "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
    ),
    ("CURRENT_DATE", "date"): "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::date)",
    ("CURRENT_DATE", "timestamp"): "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::date)",
    ("CURRENT_DATE", "text"): "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    ("CURRENT_TIME", "time"): "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::time(0))",
    ("CURRENT_TIME", "text"): "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'HH24:MI:SS')",
}


_FIXED_TIME = re.compile(
    r"(?i:datetime)\(\s*'(?P<value>[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2})'\s*\)"
    r"|(?i:date)\(\s*'(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})'\s*\)"
)


def _now_form(expr: str) -> str | None:
    """Which CURRENT_* a SQLite default means, for the common spellings."""
    squeezed = "".join(expr.split()).lower()
    forms = {
        "current_timestamp": "CURRENT_TIMESTAMP",
        "datetime('now')": "CURRENT_TIMESTAMP",
        "datetime('now','utc')": "CURRENT_TIMESTAMP",
        "strftime('%y-%m-%d%h:%m:%s','now')": "CURRENT_TIMESTAMP",
        "current_date": "CURRENT_DATE",
        "date('now')": "CURRENT_DATE",
        "current_time": "CURRENT_TIME",
        "time('now')": "CURRENT_TIME",
    }
    return forms.get(squeezed)


def default_sql(column: Column, pg_type: str, valid_literal: bool) -> tuple[str | None, str | None]:
    """The DEFAULT clause value for a column, or (None, why) when it is left out.

    Args:
        column: the column, with the DEFAULT text SQLite stored.
        pg_type: the type chosen for it.
        valid_literal: whether a string literal default passes the same checks as values of
            this type (temporal, uuid: the caller checks).
    """
    text = column.default
    if text is None:
        return None, None
    inner = text
    while inner.startswith("(") and inner.endswith(")") and _balanced(inner[1:-1]):
        inner = inner[1:-1].strip()
    base = pg_type.split("(")[0]
    now = _now_form(inner)
    if now is not None:
        kind = base if base in ("timestamp", "timestamptz", "date", "time") else (
            "text" if base in ("text", "varchar") else base
        )  # fmt: skip
        form = _NOW.get((now, kind))
        if form is None:
            return None, f"DEFAULT {text} has no equivalent for {pg_type}"
        return form, None
    fixed = _FIXED_TIME.fullmatch(inner)
    if fixed is not None:  # datetime('2024-01-01 00:00:00'): a constant, not a function
        inner = "'" + (fixed.group("value") or fixed.group("date")) + "'"
    toks = list(tokenize(inner))
    # One literal, or a bare word (SQLite reads DEFAULT abc as the string 'abc').
    is_literal = len(toks) == 1 and toks[0].kind in (Tok.STRING, Tok.NUMBER, Tok.BLOB, Tok.WORD)
    if (
        len(toks) == 2
        and toks[0].kind is Tok.OP
        and toks[0].text in "+-"
        and toks[1].kind is Tok.NUMBER
    ):
        inner = ("-" if toks[0].text == "-" else "") + toks[1].text
        is_literal = True
    if not is_literal:
        return None, "expression"
    if len(toks) == 1:
        inner = toks[0].text  # the literal itself, without comments around it
    if toks[0].kind is Tok.STRING and not valid_literal:
        return None, f"DEFAULT {text} is not a valid {pg_type} value"
    value = _literal_for(inner, pg_type)
    if value is None:
        return None, f"DEFAULT {text} is not a valid {pg_type} value"
    return value, None


def _balanced(text: str) -> bool:
    depth = 0
    for tok in tokenize(text):
        if tok.kind is Tok.OP and tok.text == "(":
            depth += 1
        elif tok.kind is Tok.OP and tok.text == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


# --- expressions ---------------------------------------------------------------------------


@dataclass
class Scope:
    """Tables an expression may refer to, and the chosen types of their columns."""

    schema: Schema
    tables: list[Table]
    types: dict[tuple[str, str], str]  # (table key, column key) → pg type

    def column(self, name: str, qualifier: str | None) -> tuple[Table, Column] | None:
        candidates = self.tables
        if qualifier is not None:
            t = self.schema.get(qualifier)
            candidates = [t] if t is not None else []
        found = [(t, c) for t in candidates if (c := t.column(name)) is not None]
        return found[0] if len(found) == 1 else None

    def type_of(self, table: Table, column: Column) -> str | None:
        return self.types.get((table.key, column.key))


def translate_expr(sql: str, scope: Scope) -> str:
    """A SQLite expression as PostgreSQL SQL, generated from its parsed tree.

    Raises:
        Untranslatable: it cannot be parsed, or uses something outside the translation table.
    """
    tree = _parse(sql, query=False)
    return _generate(_rewrite(tree, scope))


def translate_query(sql: str, scope: Scope) -> str:
    """A SQLite SELECT (a view body) as PostgreSQL SQL."""
    tree = _parse(sql, query=True)
    if not isinstance(tree, exp.Query):
        raise Untranslatable("not a SELECT")
    for table in tree.find_all(exp.Table):
        _main_only(table)
        t = scope.schema.get(table.name)
        if t is None:
            raise Untranslatable(f"refers to {table.name!r}, which is not a converted table")
        if t not in scope.tables:
            scope.tables.append(t)
        table.set("this", exp.Var(this=qualified(t.pg)))
        table.set("db", None)
        table.set("catalog", None)
    return _generate(_rewrite(tree, scope))


# --- what may reach the output ------------------------------------------------------------
#
# An expression is read by dumpconv's own SQLite lexer first: comments are dropped, and every
# string literal and quoted name is replaced by a placeholder, so that sqlglot parses only
# bare words, numbers and operators (it can then not disagree with SQLite about where a
# string or comment ends). The tree it returns must consist of the node types below; names
# and strings are put back and printed by ``pgsql`` (quote_ident, quote_literal).

#: SQLite functions an expression may call (as SQLite spells them), and the words SQLite
#: allows before "(" that are not calls.
SQLITE_FUNCTIONS = frozenset(
    {
        "abs", "coalesce", "ifnull", "iif", "nullif", "lower", "upper", "length", "trim",
        "ltrim", "rtrim", "substr", "substring", "instr",
        "count", "sum", "avg", "min", "max", "group_concat",
    }
)  # fmt: skip
_WORDS_BEFORE_PAREN = frozenset(
    {
        "in", "exists", "not", "and", "or", "cast", "when", "then", "else", "case", "as",
        "select", "from", "where", "on", "using", "values", "is", "like", "between", "by",
        "join", "union", "all", "distinct", "any",
    }
)  # fmt: skip
#: Node types of a translatable expression: operators, literals, columns, CASE and the
#: SQLite functions above (as sqlglot names them).
_EXPRESSION_NODES: tuple[type[exp.Expr], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Null, exp.Boolean, exp.Paren, exp.Neg,
    exp.Not, exp.And, exp.Or, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is,
    exp.In, exp.Between, exp.Like, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.DPipe,
    exp.Case, exp.If, exp.Coalesce, exp.Nullif, exp.Lower, exp.Upper, exp.Length, exp.Abs,
    exp.Trim, exp.Substring, exp.StrPosition, exp.Cast, exp.DataType,
)  # fmt: skip
#: ... and, in a view, the parts of a SELECT and the aggregates.
_QUERY_NODES: tuple[type[exp.Expr], ...] = (
    *_EXPRESSION_NODES, exp.Select, exp.From, exp.Join, exp.Where, exp.Group, exp.Having,
    exp.Order, exp.Ordered, exp.Limit, exp.Offset, exp.Alias, exp.TableAlias, exp.Table,
    exp.Star, exp.Distinct, exp.Union, exp.Except, exp.Intersect, exp.Subquery, exp.Exists,
    exp.Count, exp.Sum, exp.Avg, exp.Max, exp.Min, exp.GroupConcat,
)  # fmt: skip
# CAST targets, by SQLite affinity of the type name, and what they are in PostgreSQL.
_CAST_TYPES = {"INTEGER": "BIGINT", "TEXT": "TEXT", "REAL": "DOUBLE PRECISION",
               "NUMERIC": "NUMERIC", "BLOB": "BYTEA"}  # fmt: skip
_MAX_NODES = 2000
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_PLACEHOLDER = "dumpconv_name_"


def _normalize(sql: str) -> tuple[str, list[str], dict[str, tuple[str, bool]], str]:
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
            if following is not None and following.kind is Tok.OP and following.text == "(":
                word = tok.text.lower()
                if word not in SQLITE_FUNCTIONS and word not in _WORDS_BEFORE_PAREN:
                    raise Untranslatable(f"uses the function {tok.text}(), not translated")
            if "$" in tok.text:
                raise Untranslatable(f"uses the name {tok.text}")
            out.append(tok.text)
        elif tok.kind is Tok.NUMBER:
            out.append(_number(tok.text))
        elif tok.kind is Tok.OP:
            out.append(tok.text)
        else:  # blobs, variables
            raise Untranslatable(f"uses {tok.text[:20]}, which is not translated")
    return " ".join(out), strings, names, prefix


def _number(text: str) -> str:
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


def _parse(sql: str, *, query: bool) -> exp.Expr:
    """Parse a SQLite expression or SELECT into a tree of allowed nodes, strings and names
    restored, comments gone."""
    text, strings, names, prefix = _normalize(sql)
    try:
        if query:
            tree = sqlglot.parse_one(text, read="sqlite")
        else:
            tree = sqlglot.parse_one(text, read="sqlite", into=exp.Condition)
    except (SqlglotError, RecursionError):
        raise Untranslatable("cannot be parsed") from None
    allowed = _QUERY_NODES if query else _EXPRESSION_NODES
    for count, node in enumerate(tree.walk()):
        if count >= _MAX_NODES:
            raise Untranslatable("is too large to translate")
        if not isinstance(node, allowed) or type(node) in (exp.Command, exp.Anonymous):
            raise Untranslatable(f"uses {_describe(node)}, which is not translated")
        node.comments = None
        if isinstance(node, exp.Literal) and node.is_string:
            index = node.this
            if not (isinstance(index, str) and index.isdigit() and int(index) < len(strings)):
                raise Untranslatable("cannot be parsed")
            text = strings[int(index)]
            if valid_text(text) != text:
                # An expression over replaced text would compute other values: left out.
                raise Untranslatable("holds text that is not valid UTF-8")
            node.set("this", text)
        elif isinstance(node, exp.Literal):
            node.set("this", _number(str(node.this)))
        elif isinstance(node, exp.Identifier):
            real = names.get(node.name)
            if real is not None:
                node.set("this", real[0])
                node.set("quoted", real[1])
            elif node.name.startswith(prefix):
                raise Untranslatable("cannot be parsed")
            else:
                node.set("quoted", False)
        elif isinstance(node, exp.DataType):
            node.replace(_cast_type(node))
    return tree


def _describe(node: exp.Expr) -> str:
    if isinstance(node, exp.Func):
        return f"the function {node.sql_name().lower()}()"
    return f"{type(node).__name__}"


def _cast_type(node: exp.DataType) -> exp.Expr:
    """A CAST target by SQLite's affinity rules, as the PostgreSQL type we choose."""
    name = node.sql(dialect="sqlite").upper()
    affinity = (
        "INTEGER" if "INT" in name
        else "TEXT" if any(w in name for w in ("CHAR", "CLOB", "TEXT"))
        else "BLOB" if "BLOB" in name
        else "REAL" if any(w in name for w in ("REAL", "FLOA", "DOUB"))
        else "NUMERIC"
    )  # fmt: skip
    return exp.DataType.build(_CAST_TYPES[affinity], dialect="postgres")


def _main_only(node: exp.Expr) -> None:
    """A name may say ``main.`` (the database the dump is of), nothing else; the prefix goes."""
    if node.args.get("catalog") is not None:
        raise Untranslatable("names an object of another database")
    db = node.args.get("db")
    if db is not None:
        if fold(db.name) != "main":
            raise Untranslatable(f"names an object of the database {db.name!r}")
        node.set("db", None)


def _ident(name: str) -> exp.Expr:
    # Printed verbatim, so that quoting is decided by quote_ident alone.
    return exp.Var(this=quote_ident(name))


def _rewrite(tree: exp.Expr, scope: Scope) -> exp.Expr:
    for lit in tree.find_all(exp.Literal):
        if lit.is_string and lit.this.strip().lower() == "now":
            # PostgreSQL would fix 'now' when the statement runs, not each time.
            raise Untranslatable("depends on the current time through 'now'")
    for like in list(tree.find_all(exp.Like)):
        # SQLite's LIKE ignores case (for ASCII); PostgreSQL's ILIKE is the match.
        ilike = exp.ILike(this=like.this, expression=like.expression)
        if like is tree:
            tree = ilike
        else:
            like.replace(ilike)
    for col in list(tree.find_all(exp.Column)):
        _main_only(col)
        if isinstance(col.this, exp.Star):
            continue
        name = col.name
        qualifier = col.table or None
        found = scope.column(name, qualifier)
        if found is None:
            if col.this.args.get("quoted") and qualifier is None and not _known_alias(tree, name):
                # SQLite reads a double-quoted name that matches no column as a string.
                string = exp.Literal.string(name)
                if col is tree:
                    tree = string
                else:
                    col.replace(string)
                continue
            if _known_alias(tree, name):
                continue
            raise Untranslatable(f"refers to an unknown column {name!r}")
        table, column = found
        col.set("this", _ident(column.pg))
        if qualifier is not None:
            col.set("table", _ident(table.pg))
        if scope.type_of(table, column) == "boolean":
            _boolean_compare(col)
    return tree


def _known_alias(tree: exp.Expr, name: str) -> bool:
    return any(fold(a.alias) == fold(name) for a in tree.find_all(exp.Alias))


def _boolean_compare(col: exp.Expr) -> None:
    """``flag = 1`` on a column that became boolean: compare with true/false instead."""
    parent = col.parent
    if isinstance(parent, (exp.EQ, exp.NEQ)):
        other = parent.expression if parent.this is col else parent.this
        if isinstance(other, exp.Literal) and other.this in ("0", "1"):
            other.replace(exp.Boolean(this=other.this == "1"))
    elif isinstance(parent, exp.In):
        for item in parent.expressions:
            if isinstance(item, exp.Literal) and item.this in ("0", "1"):
                item.replace(exp.Boolean(this=item.this == "1"))


def _generate(tree: exp.Expr) -> str:
    """Print the tree; every name and string in it is printed by ``pgsql``."""
    for node in list(tree.walk()):
        try:
            if isinstance(node, exp.Literal) and node.is_string:
                printed: exp.Expr = exp.Var(this=quote_literal(node.this))
            elif isinstance(node, exp.Identifier):
                name = node.name if node.quoted else fold(node.name)
                printed = exp.Var(this=quote_ident(name))
            else:
                continue
        except ValueError as e:  # NUL or an empty name, which PostgreSQL cannot hold
            raise Untranslatable(str(e)) from None
        if node is tree:
            tree = printed
        else:
            node.replace(printed)
    try:
        return tree.sql(
            dialect="postgres", unsupported_level=sqlglot.ErrorLevel.RAISE, comments=False
        )
    except SqlglotError:
        raise Untranslatable("has no PostgreSQL form") from None


# --- tables ---------------------------------------------------------------------------------


def create_table(table: Table, decisions: dict[str, Decision], nulls: dict[str, int]) -> TableDDL:
    """CREATE TABLE for a table whose column types are decided.

    Args:
        table: the table.
        decisions: chosen type per column key.
        nulls: NULL count per column key, from the data.
    """
    ddl = TableDDL(create="")
    lines: list[str] = []
    name = qualified(table.pg)
    for col in table.columns:
        dec = decisions[col.key]
        parts = [quote_ident(col.pg), dec.pg_type]
        if col.name == table.rowid_alias:
            parts.append("GENERATED BY DEFAULT AS IDENTITY")
            if table.identity_sequence is not None:
                parts.append(f"(SEQUENCE NAME {qualified(table.identity_sequence)})")
        if col.generated is not None:
            ddl.notes.append(
                Note(
                    f"column {col.name} is generated (AS ({col.generated})): it becomes a "
                    "STORED generated column added at the end of the table after the data, "
                    "if its expression translates and PostgreSQL accepts it (else a WARNING "
                    "at load names it)",
                    Severity.LOSSY,
                )
            )
            continue
        if dec.reason:
            ddl.notes.append(Note(f"column {col.name}: {dec.pg_type} ({dec.reason})", None))
        if col.not_null or col.name == table.rowid_alias:
            if nulls.get(col.key, 0) and col.name != table.rowid_alias:
                ddl.notes.append(Note(f"column {col.name}: NOT NULL dropped, the data has NULLs",
                                      Severity.WARNING))  # fmt: skip
            else:
                parts.append("NOT NULL")
        if col.collate is not None:
            ddl.notes.append(Note(f"column {col.name}: COLLATE {col.collate} dropped",
                                  Severity.LOSSY))  # fmt: skip
        if col.default is not None and col.name == table.rowid_alias:
            # SQLite gives an INTEGER PRIMARY KEY left out of an INSERT a new rowid, not its
            # DEFAULT; PostgreSQL's identity does the same.
            reason = "the identity gives new rows their id, as the rowid did"
            ddl.notes.append(Note(f"column {col.name}: DEFAULT {col.default} dropped: {reason}"))
        elif col.default is not None:
            valid = _default_valid(col, dec.pg_type)
            value, why = default_sql(col, dec.pg_type, valid)
            if value is not None:
                if value != "NULL":
                    parts.append(f"DEFAULT {value}")
            elif why == "expression":
                ddl.post.append(_default_expression(table, col, decisions))
            else:
                ddl.notes.append(Note(f"column {col.name}: {why}; default dropped", Severity.LOSSY))
        lines.append("    " + " ".join(parts))
    for clause in table.dropped:
        harmless = clause in ("STRICT", "WITHOUT ROWID")
        ddl.notes.append(Note(f"SQLite clause dropped: {clause}",
                              Severity.INFO if harmless else Severity.LOSSY))  # fmt: skip
    ddl.create = f"CREATE TABLE {name} (\n" + ",\n".join(lines) + "\n);"
    return ddl


_TEMPORAL_TYPES = {"timestamp": Cat.TIMESTAMP, "timestamptz": Cat.TIMESTAMP, "date": Cat.DATE,
                   "time": Cat.TIME}  # fmt: skip


def _default_valid(col: Column, pg_type: str) -> bool:
    """Whether a string DEFAULT passes the checks the column's values passed."""
    text = (col.default or "").strip("()").strip()
    if not text.startswith("'"):
        return True
    value = valid_text(text[1:-1].replace("''", "'")).encode()
    base = pg_type.split("(")[0]
    if base in _TEMPORAL_TYPES:
        return temporal_ok(_TEMPORAL_TYPES[base], value)
    if base == "uuid":
        return uuid_ok(value)
    if base.startswith("varchar") and "(" in pg_type:
        limit = int(pg_type.split("(")[1].rstrip(")"))
        return len(value.decode("utf-8", "replace")) <= limit
    return True


def _default_expression(table: Table, col: Column, decisions: dict[str, Decision]) -> PostItem:
    types = {(table.key, c.key): decisions[c.key].pg_type for c in table.columns}
    return _column_expression(
        f"default of {table.name}.{col.name}",
        col.default or "",
        Scope(Schema(), [table], types),
        lambda expr: (
            f"ALTER TABLE {qualified(table.pg)} ALTER COLUMN {quote_ident(col.pg)} "
            f"SET DEFAULT {expr};"
        ),
    )


def _column_expression(
    what: str, sql: str, scope: Scope, statement: Callable[[str], str], order: int = 4
) -> PostItem:
    """A post-data statement around one translated column expression (guarded), or the
    comment saying why there is none."""
    try:
        expr = translate_expr(sql, scope)
    except Untranslatable as e:
        return _left_out(what, str(e), sql, order)
    return PostItem(statement(expr), order, guard=what)


def _left_out(what: str, why: str, sql: str, order: int) -> PostItem:
    """An object that is not created: a comment in the output, a line in the report."""
    comments = (f"dumpconv: {what} not created: {why}", *((f"  {sql}",) if sql else ()))
    return PostItem("", order, left_out=f"{what} not created: {why}", comments=comments)


# Types whose input may map two different SQLite values to one PostgreSQL value (1 and 't'
# are both true; two spellings of one instant, of one JSON document, of one UUID). A key
# that SQLite held unique may then collide, so it is only created under a guard.
MERGING_TYPES = frozenset({"boolean", "timestamp", "timestamptz", "date", "time", "jsonb", "uuid"})


def key_items(
    table: Table, schema: Schema, nulls: dict[str, int], notes: list[Note], unsafe: set[str]
) -> list[PostItem]:
    """PRIMARY KEY and UNIQUE constraints, added after the data.

    Args:
        unsafe: keys of columns whose conversion may have made distinct values equal
            (see MERGING_TYPES, replaced invalid UTF-8); keys over them are guarded.
    """
    out: list[PostItem] = []
    for key in table.keys:
        cols = [table.column(c) for c in key.columns]
        if any(c is None for c in cols):
            notes.append(Note(f"key ({', '.join(key.columns)}) names an unknown column; dropped",
                              Severity.LOSSY))  # fmt: skip
            continue
        columns = [c for c in cols if c is not None]
        primary = key.primary
        if primary and any(nulls.get(c.key, 0) for c in columns):
            primary = False
            notes.append(Note(
                f"PRIMARY KEY ({', '.join(key.columns)}) holds NULLs (SQLite allows that); "
                "created as UNIQUE", Severity.WARNING,
            ))  # fmt: skip
        if key.conflict:
            notes.append(Note(f"ON CONFLICT {key.conflict} of key ({', '.join(key.columns)}) "
                              "dropped", Severity.LOSSY))  # fmt: skip
        default_name = (
            object_name(table.pg, None, "pkey")
            if primary
            else object_name(table.pg, "_".join(c.pg for c in columns), "key")
        )
        cname = schema.claim(key.name or default_name)
        kind = "PRIMARY KEY" if primary else "UNIQUE"
        sql = (
            f"ALTER TABLE ONLY {qualified(table.pg)} ADD CONSTRAINT {quote_ident(cname)} "
            f"{kind} ({', '.join(quote_ident(c.pg) for c in columns)});"
        )
        # over values that may have merged, or over a generated column (added under a guard)
        risky = any(c.key in unsafe or c.generated is not None for c in columns)
        out.append(
            PostItem(sql, 0, guard=f"{kind.lower()} {cname} on {table.name}" if risky else None)
        )
    return out


def foreign_key_item(table: Table, fk: ForeignKey, schema: Schema) -> PostItem:
    """A foreign key: valid when the data allows, else NOT VALID with a warning."""
    what = f"foreign key of {table.name} ({', '.join(fk.columns)}) to {fk.ref_table}"
    parent = schema.get(fk.ref_table)
    cols = [table.column(c) for c in fk.columns]
    if parent is None:
        return _left_out(what, f"table {fk.ref_table} is not in the dump", "", 2)
    if any(c is None for c in cols):
        return _left_out(what, "names an unknown column", "", 2)
    ref_names = fk.ref_columns or (parent.primary_key.columns if parent.primary_key else ())
    refs = [parent.column(c) for c in ref_names]
    if not refs or any(r is None for r in refs) or len(refs) != len(cols):
        return _left_out(what, "the referenced columns do not match a key", "", 2)
    cname = schema.claim(
        fk.name or object_name(table.pg, "_".join(c.pg for c in cols if c), "fkey")
    )
    base = (
        f"ALTER TABLE ONLY {qualified(table.pg)} ADD CONSTRAINT {quote_ident(cname)} "
        f"FOREIGN KEY ({', '.join(quote_ident(c.pg) for c in cols if c)}) "
        f"REFERENCES {qualified(parent.pg)} ({', '.join(quote_ident(r.pg) for r in refs if r)})"
    )
    if fk.actions:
        base += " " + fk.actions
    return PostItem(base + ";", 2, guard=what, fk_fallback=base + " NOT VALID;")


def check_item(table: Table, check: CheckConstraint, scope: Scope) -> PostItem:
    what = f"check constraint {check.name or ''} on {table.name}".replace("  ", " ")
    try:
        expr = translate_expr(check.expr, scope)
    except Untranslatable as e:
        return _left_out(what, str(e), f"CHECK ({check.expr})", 3)
    first = next((c.pg for c in table.columns if _mentions(check.expr, c.name)), None)
    cname = scope.schema.claim(check.name or object_name(table.pg, first, "check"))
    sql = (
        f"ALTER TABLE ONLY {qualified(table.pg)} ADD CONSTRAINT {quote_ident(cname)} "
        f"CHECK ({expr});"
    )
    return PostItem(sql, 3, guard=what, fk_fallback=sql[:-1] + " NOT VALID;")


def _mentions(expr: str, name: str) -> bool:
    key = fold(name)
    return any(
        tok.kind in (Tok.WORD, Tok.IDENT) and fold(tok.value) == key for tok in tokenize(expr)
    )


def generated_item(table: Table, col: Column, pg_type: str, scope: Scope) -> PostItem:
    return _column_expression(
        f"generated column {table.name}.{col.name}",
        col.generated or "",
        scope,
        lambda expr: (
            f"ALTER TABLE {qualified(table.pg)} ADD COLUMN {quote_ident(col.pg)} "
            f"{pg_type} GENERATED ALWAYS AS ({expr}) STORED;"
        ),
        order=-1,  # first: keys, indexes and checks may be built on it
    )


# --- indexes and views -----------------------------------------------------------------------


def index_item(
    text: str,
    line: int,
    schema: Schema,
    types: dict[tuple[str, str], str],
    unsafe: set[tuple[str, str]],
) -> PostItem:
    """CREATE [UNIQUE] INDEX, its columns and expressions translated."""
    cur = _Cursor(text, line)
    cur.expect_word("CREATE")
    unique = cur.accept_word("UNIQUE")
    cur.expect_word("INDEX")
    if cur.accept_word("IF"):
        cur.expect_word("NOT")
        cur.expect_word("EXISTS")
    name, quoted = cur.name()
    if cur.at_op("."):
        cur.next()
        name, quoted = cur.name()
    cur.expect_word("ON")
    table_name = cur.name()[0]
    what = f"index {name}"
    table = schema.get(table_name)
    if table is None:
        return _left_out(what, f"table {table_name} is not converted", text, 1)
    scope = Scope(schema, [table], types)
    cur.expect_op("(")
    items: list[str] = []
    notes: list[str] = []
    risky = False
    while True:
        toks = cur.until_comma()
        if not toks:
            raise cur.error("empty index column")
        desc = ""
        while toks and toks[-1].is_word("ASC", "DESC"):
            desc = " DESC" if toks[-1].upper == "DESC" else desc
            toks = toks[:-1]
        if len(toks) >= 2 and toks[-2].is_word("COLLATE"):
            notes.append(f"COLLATE {toks[-1].value} dropped")
            toks = toks[:-2]
        if len(toks) == 1 and toks[0].kind in (Tok.WORD, Tok.IDENT, Tok.STRING):
            col = table.column(toks[0].value)
            if col is None:
                return _left_out(what, f"unknown column {toks[0].value}", text, 1)
            items.append(quote_ident(col.pg) + desc)
            risky |= (table.key, col.key) in unsafe
        else:
            expr_text = text[toks[0].pos : toks[-1].pos + len(toks[-1].text)]
            try:
                items.append("(" + translate_expr(expr_text, scope) + ")" + desc)
            except Untranslatable as e:
                return _left_out(what, str(e), text, 1)
        if cur.at_op(","):
            cur.next()
            continue
        cur.expect_op(")")
        break
    where = ""
    if cur.accept_word("WHERE"):
        rest = cur.peek()
        assert rest is not None
        where_text = text[rest.pos :].rstrip().rstrip(";")
        try:
            where = " WHERE " + translate_expr(where_text, scope)
        except Untranslatable as e:
            return _left_out(what, str(e), text, 1)
    pg = schema.claim(name if quoted else fold(name))
    sql = (
        f"CREATE {'UNIQUE ' if unique else ''}INDEX {quote_ident(pg)} ON {qualified(table.pg)} "
        f"({', '.join(items)}){where};"
    )
    # A generated column is added under a guard, so it may be missing at load.
    generated = any(c.generated is not None for c in table.columns)
    guard = (
        what
        if (unique and risky) or where or generated or any(i.startswith("(") for i in items)
        else None
    )
    changed = f"index {name}: {'; '.join(notes)}" if notes else None
    comments = tuple(f"dumpconv: index {name}: {n}" for n in notes)
    return PostItem(sql, 1, "index", guard=guard, changed=changed, comments=comments)


def view_item(text: str, line: int, schema: Schema, types: dict[tuple[str, str], str]) -> PostItem:
    """CREATE VIEW with its query translated; guarded, since SQLite SQL may not carry over."""
    cur = _Cursor(text, line)
    cur.expect_word("CREATE")
    cur.accept_word("TEMP", "TEMPORARY")
    cur.expect_word("VIEW")
    if cur.accept_word("IF"):
        cur.expect_word("NOT")
        cur.expect_word("EXISTS")
    name, quoted = cur.name()
    columns = ""
    if cur.at_op("("):
        cols = cur.parenthesized()
        columns = (
            " ("
            + ", ".join(quote_ident(t.value) for t in tokenize(cols) if t.kind is not Tok.OP)
            + ")"
        )
    cur.expect_word("AS")
    start = cur.peek()
    assert start is not None
    query = text[start.pos :].rstrip().rstrip(";").rstrip()
    what = f"view {name}"
    try:
        body = translate_query(query, Scope(schema, [], types))
    except Untranslatable as e:
        return _left_out(what, str(e), text, 5)
    pg = schema.claim(name if quoted else fold(name))
    return PostItem(f"CREATE VIEW {qualified(pg)}{columns} AS\n{body};", 5, "view", guard=what)
