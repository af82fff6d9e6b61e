"""The last gate before output: every SQL statement dumpconv writes is checked here.

Nothing from the input may reach the output as text, and every statement must do exactly
what dumpconv meant. Each statement is parsed by PostgreSQL's own parser (``pglast``, which
is libpg_query: the grammar of the server itself, so there is no second lexer to disagree
with) and must be

* exactly one statement, of the kind the caller names;
* free of raw control characters (names and literals carry them only as escapes), and of any
  line that psql could read as a meta-command (a backslash at the start of a line);
* calling only functions dumpconv emits (:data:`FUNCTIONS`), in no schema but ``pg_catalog``;
* naming only relations in the target schema (or, for the staging of a data-only load,
  ``pg_temp``), and only types of :data:`TYPES`.

A statement that fails is a bug in dumpconv, never output: :class:`StatementCheckError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import pglast
from pglast import ast
from pglast.visitors import Visitor

from dumpconv.base.errors import DumpconvError
from dumpconv.base.pgsql import EXTENSION_SCHEMA, SCHEMA

#: The statement kinds dumpconv writes, by the name callers use.
KINDS: dict[str, type[ast.Node]] = {
    "set": ast.VariableSetStmt,
    "select": ast.SelectStmt,
    "begin": ast.TransactionStmt,
    "commit": ast.TransactionStmt,
    "rollback": ast.TransactionStmt,
    "rename": ast.RenameStmt,
    "create-table": ast.CreateStmt,
    "copy": ast.CopyStmt,
    "alter-table": ast.AlterTableStmt,
    "index": ast.IndexStmt,
    "view": ast.ViewStmt,
    "do": ast.DoStmt,
    "truncate": ast.TruncateStmt,
    "set-constraints": ast.ConstraintsSetStmt,
    "create-extension": ast.CreateExtensionStmt,
    "create-function": ast.CreateFunctionStmt,
    "create-trigger": ast.CreateTrigStmt,
    "create-schema": ast.CreateSchemaStmt,  # --schema NAME: IF NOT EXISTS, nothing in it
    "insert": ast.InsertStmt,  # --inserts: rows as string literals (_check_insert)
    "drop": ast.DropStmt,  # --drop: DROP … IF EXISTS … CASCADE (_check_drop)
}

#: The extensions a script may create.
EXTENSIONS = frozenset({"citext"})

#: Functions the translations, the identity and the data-only staging emit (PostgreSQL names;
#: SQLite's functions reach here only through the table in ``translate.functions``).
FUNCTIONS: frozenset[str] = frozenset(
    {
        # the identity, the settings and the data-only staging
        "setval", "pg_get_serial_sequence", "set_config",
        # CURRENT_TIMESTAMP AT TIME ZONE 'UTC', and its text form
        "timezone", "to_char",
        # SQLite's julianday('now') and unixepoch() as defaults (translate/clock.py)
        "extract", "floor",
        # SQLite's random ids (randomblob(16) and its hex) as defaults
        "gen_random_uuid", "uuid_send", "replace",
        # the trigger functions' guard against recursion (translate/triggers.py)
        "current_setting", "md5", "strpos",
        # LIKE … ESCAPE, as PostgreSQL's parser spells it
        "like_escape",
        # SQLite's upper() and lower() (ASCII letters only) in generated columns
        "translate",
        # --full-text's generated search column
        "to_tsvector",
        # translations of SQLite's functions (ddl's table)
        "abs", "lower", "upper", "length", "btrim", "ltrim", "rtrim", "substring", "position",
        "count", "sum", "avg", "max", "min", "string_agg",
        # SQLite's date and time functions (translate/datetimes.py), round, scalar max/min
        "pg_typeof", "regexp_replace", "date_trunc", "trunc", "lpad", "round", "num_nulls",
        "greatest", "least",
        # SQLite's printf() widths, counted in bytes (translate/typed.py)
        "repeat", "octet_length",
    }
)  # fmt: skip

#: Types a statement may name (the last part of the name, as the parser reports it).
TYPES: frozenset[str] = frozenset(
    {
        "int2", "int4", "int8", "bool", "float8", "numeric", "varchar", "text", "bytea",
        "timestamp", "timestamptz", "date", "time", "json", "jsonb", "uuid", "interval", "inet",
        "tsvector", "citext",
        "regclass", "regnamespace",
    }
)  # fmt: skip

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f\u2028\u2029\ud800-\udfff]")


class StatementCheckError(DumpconvError):
    """dumpconv built a statement other than the one it meant: a bug, reported as such."""

    def __init__(self, why: str, sql: str) -> None:
        shown = sql[:120].encode("unicode_escape").decode("ascii")
        super().__init__(
            f"internal error: an output statement failed its check ({why}): {shown}",
            None,
            "this is a bug in dumpconv; nothing that commits was written. Please report it "
            "with the input",
        )


class _Collect(Visitor):
    """Every function, relation and type a statement names."""

    def __init__(self) -> None:
        self.functions: list[tuple[str, ...]] = []
        self.relations: list[tuple[str | None, str]] = []
        self.types: list[tuple[str, ...]] = []

    def visit_FuncCall(self, ancestors: object, node: ast.FuncCall) -> None:
        self.functions.append(tuple(n.sval for n in node.funcname or ()))

    def visit_RangeVar(self, ancestors: object, node: ast.RangeVar) -> None:
        self.relations.append((node.schemaname, node.relname or ""))

    def visit_TypeName(self, ancestors: object, node: ast.TypeName) -> None:
        self.types.append(tuple(n.sval for n in node.names or ()))


def check_statement(sql: str, kind: str, *, schemas: Iterable[str] = (SCHEMA,)) -> None:
    """Raise :class:`StatementCheckError` unless ``sql`` is one statement of ``kind`` that
    names only what dumpconv emits.

    Args:
        sql: the statement as it will be written (its ``;`` included or not).
        kind: a key of :data:`KINDS`.
        schemas: the schemas its relations may be in.
    """
    bad = _CONTROL.search(sql)
    if bad is not None:
        raise StatementCheckError(f"raw control character U+{ord(bad.group()):04X}", sql)
    if re.search(r"(?m)^\s*\\", sql):
        raise StatementCheckError("a line starts with a backslash", sql)
    _check_psql_characters(sql)
    try:
        parsed = pglast.parse_sql(sql)
    except pglast.parser.ParseError as e:
        raise StatementCheckError(f"PostgreSQL cannot parse it: {e}", sql) from None
    if len(parsed) != 1:
        raise StatementCheckError(f"{len(parsed)} statements instead of one", sql)
    stmt = parsed[0].stmt
    if not isinstance(stmt, KINDS[kind]):
        raise StatementCheckError(f"a {type(stmt).__name__}, not {kind}", sql)
    if isinstance(stmt, ast.CopyStmt) and (
        not stmt.is_from or stmt.is_program or stmt.filename is not None
    ):
        raise StatementCheckError("COPY that does not read from stdin", sql)
    if isinstance(stmt, ast.CopyStmt) and stmt.query is not None:
        raise StatementCheckError("COPY of a query", sql)
    allowed_schemas = set(schemas)
    _check_names(stmt, sql, allowed_schemas)
    if isinstance(stmt, ast.CreateFunctionStmt):
        _check_function(stmt, sql, allowed_schemas)
    if isinstance(stmt, ast.CreateTrigStmt):
        _check_trigger(stmt, sql, allowed_schemas)
    if isinstance(stmt, ast.InsertStmt):
        _check_insert(stmt, sql)
    if isinstance(stmt, ast.DropStmt):
        _check_drop(stmt, sql, allowed_schemas)
    if isinstance(stmt, ast.CreateSchemaStmt) and (
        stmt.schemaname not in allowed_schemas or stmt.schemaElts
        or stmt.authrole is not None or not stmt.if_not_exists
    ):  # fmt: skip
        raise StatementCheckError("creates another schema, or more than the schema", sql)
    if isinstance(stmt, ast.CreateExtensionStmt):
        if stmt.extname not in EXTENSIONS:
            raise StatementCheckError(f"creates the extension {stmt.extname}", sql)
        places = [o.arg.sval for o in stmt.options or () if o.defname == "schema"]
        if places != [p for p in places if p in allowed_schemas] or len(places) != 1:
            raise StatementCheckError("creates an extension outside its schema", sql)


def _check_names(stmt: ast.Node, sql: str, allowed_schemas: set[str]) -> None:
    """Every function, relation and type the statement names is one dumpconv emits."""
    seen = _Collect()
    seen(stmt)
    for name in seen.functions:
        if name[-1] not in FUNCTIONS or (len(name) > 1 and name[:-1] != ("pg_catalog",)):
            raise StatementCheckError(f"calls {'.'.join(name)}()", sql)
    for schema, rel in seen.relations:
        if schema not in allowed_schemas:
            raise StatementCheckError(f"names the relation {rel!r} outside its schema", sql)
    for type_name in seen.types:
        where = type_name[:-1]
        in_catalog = where in ((), ("pg_catalog",))
        # An extension's type lives where dumpconv creates extensions (public.citext).
        extension = type_name[-1] in EXTENSIONS and where == (EXTENSION_SCHEMA,)
        trigger = type_name == ("trigger",) and isinstance(stmt, ast.CreateFunctionStmt)
        if trigger:
            continue
        if type_name[-1] not in TYPES or not (in_catalog or extension):
            raise StatementCheckError(f"names the type {'.'.join(type_name)}", sql)


def _check_insert(stmt: ast.InsertStmt, sql: str) -> None:
    """Rows given as a VALUES list of string literals and NULLs, nothing else."""
    values = stmt.selectStmt
    if (
        not isinstance(values, ast.SelectStmt) or not values.valuesLists
        or stmt.returningClause is not None or stmt.onConflictClause is not None
        or stmt.withClause is not None or not stmt.cols
    ):  # fmt: skip
        raise StatementCheckError("an INSERT of another form than dumpconv writes", sql)
    for row in values.valuesLists:
        for value in row:
            literal = isinstance(value, ast.A_Const) and (
                value.isnull or isinstance(value.val, ast.String)
            )
            if not literal or len(row) != len(stmt.cols):
                raise StatementCheckError("an INSERT of values other than literals", sql)


_DROPPED = {"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_FUNCTION"}


def _check_drop(stmt: ast.DropStmt, sql: str, allowed_schemas: set[str]) -> None:
    """DROP TABLE, VIEW or FUNCTION IF EXISTS … CASCADE of objects in the target schema."""
    if stmt.removeType is None or stmt.removeType.name not in _DROPPED or not stmt.missing_ok:
        raise StatementCheckError("a DROP of another form than dumpconv writes", sql)
    for obj in stmt.objects or ():
        function = isinstance(obj, ast.ObjectWithArgs)
        names = obj.objname if function else obj
        if function and obj.objargs:
            raise StatementCheckError("a DROP of a function with parameters", sql)
        if len(names) != 2 or names[0].sval not in allowed_schemas:
            raise StatementCheckError("a DROP outside its schema", sql)


def created_name(sql: str) -> str:
    """The name (without its schema) of the view or function a checked CREATE statement
    makes, for the DROP that goes before it (--drop)."""
    stmt = pglast.parse_sql(sql)[0].stmt
    if isinstance(stmt, ast.ViewStmt) and stmt.view is not None:
        return str(stmt.view.relname)
    if isinstance(stmt, ast.CreateFunctionStmt) and stmt.funcname:
        return str(stmt.funcname[-1].sval)
    raise StatementCheckError("not a CREATE VIEW or FUNCTION", sql)


def _check_trigger(stmt: ast.CreateTrigStmt, sql: str, allowed_schemas: set[str]) -> None:
    """A row trigger calling, without arguments, a function of the target schema."""
    function = tuple(n.sval for n in stmt.funcname or ())
    if len(function) != 2 or function[0] not in allowed_schemas:
        raise StatementCheckError("a trigger calling a function outside its schema", sql)
    if not stmt.row or stmt.args or stmt.whenClause is not None or stmt.isconstraint:
        raise StatementCheckError("a trigger of another form than dumpconv writes", sql)


# The statements of a trigger function's body (translate/triggers.py).
_FUNCTION_STATEMENTS = frozenset(
    {
        "PLpgSQL_stmt_block", "PLpgSQL_stmt_if", "PLpgSQL_stmt_perform", "PLpgSQL_stmt_execsql",
        "PLpgSQL_stmt_raise", "PLpgSQL_stmt_return",
    }
)  # fmt: skip
_BODY_SQL = (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt)


def _check_function(stmt: ast.CreateFunctionStmt, sql: str, allowed_schemas: set[str]) -> None:
    """A PL/pgSQL trigger function of the target schema, without parameters or options,
    whose body PL/pgSQL's own parser reads as statements of the kinds dumpconv writes, each
    SQL statement and expression in it naming only what dumpconv emits."""
    name = tuple(n.sval for n in stmt.funcname or ())
    if len(name) != 2 or name[0] not in allowed_schemas:
        raise StatementCheckError("a function outside its schema", sql)
    returns = stmt.returnType
    if stmt.parameters or returns is None or returns.setof or stmt.is_procedure:
        raise StatementCheckError("a function of another form than dumpconv writes", sql)
    options = {o.defname: o.arg for o in stmt.options or ()}
    if set(options) != {"as", "language"} or options["language"].sval != "plpgsql":
        raise StatementCheckError("a function with other options than dumpconv writes", sql)
    try:
        tree = json.loads(pglast.parser.parse_plpgsql_json(sql))
    except pglast.parser.ParseError as e:
        raise StatementCheckError(f"PL/pgSQL cannot parse it: {e}", sql) from None
    queries: list[tuple[str, int]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("PLpgSQL_stmt_") and key not in _FUNCTION_STATEMENTS:
                    raise StatementCheckError(f"the function runs {key}", sql)
                if key == "PLpgSQL_expr":
                    queries.append((value["query"], value.get("parseMode", 0)))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(tree)
    for query, mode in queries:
        text = query if mode == 0 else f"SELECT {query}"
        try:
            parsed = pglast.parse_sql(text)
        except pglast.parser.ParseError as e:
            why = f"PostgreSQL cannot parse its {query[:40]!r}: {e}"
            raise StatementCheckError(why, sql) from None
        if len(parsed) != 1 or not isinstance(parsed[0].stmt, _BODY_SQL):
            raise StatementCheckError(f"the function runs {query[:40]!r}", sql)
        _check_names(parsed[0].stmt, sql, allowed_schemas)


# Tokens inside which psql neither runs a backslash command nor interpolates a :variable.
_QUOTED_TOKENS = frozenset({"SCONST", "USCONST", "IDENT", "UIDENT", "SQL_COMMENT", "C_COMMENT"})


def _check_psql_characters(sql: str) -> None:
    """psql reads a backslash outside quotes as a meta-command anywhere on a line, and
    ``:name`` as a variable to interpolate: neither may appear outside a string, a quoted
    name or a comment (``::``, the cast, is not interpolated)."""
    if "\\" not in sql and ":" not in sql:
        return
    try:
        tokens = pglast.parser.scan(sql)
    except pglast.parser.ParseError as e:
        raise StatementCheckError(f"PostgreSQL cannot scan it: {e}", sql) from None
    spans = [(t.start, t.end, t.name, sql[t.start]) for t in tokens]
    for pos, char in enumerate(sql):
        if char not in "\\:":
            continue
        token = next((t for t in spans if t[0] <= pos <= t[1]), None)
        quoted = token is not None and (
            token[2] in _QUOTED_TOKENS and (token[2] != "IDENT" or token[3] == '"')
        )
        if not quoted and not (char == ":" and token is not None and token[2] == "TYPECAST"):
            raise StatementCheckError(f"psql would read {char!r} outside quotes", sql)


def do_body(sql: str) -> str:
    """The body of a ``DO`` statement, as PostgreSQL will read it (for the caller to compare
    with the body it built: a quote that ends early shows as a difference)."""
    stmt = pglast.parse_sql(sql)[0].stmt
    assert isinstance(stmt, ast.DoStmt)
    for arg in stmt.args or ():
        if arg.defname == "as":
            return str(arg.arg.sval)
    raise StatementCheckError("DO without a body", sql)


_GUARD_STATEMENTS = frozenset(
    {"PLpgSQL_stmt_block", "PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_raise", "PLpgSQL_stmt_return"}
)


def check_guard(sql: str, body: str, executes: list[str]) -> None:
    """Check a guard block: one ``DO`` whose body is exactly ``body`` and, read by PL/pgSQL's
    own parser, does nothing but ``EXECUTE`` the given statement texts and raise warnings."""
    check_statement(sql, "do")
    if do_body(sql) != body:
        raise StatementCheckError("the DO body ends elsewhere than built", sql)
    wrapper = f"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS {sql[3:].rstrip(';')}"
    try:
        tree = json.loads(pglast.parser.parse_plpgsql_json(wrapper))
    except pglast.parser.ParseError as e:
        raise StatementCheckError(f"PL/pgSQL cannot parse it: {e}", sql) from None
    found: list[str] = []
    kinds: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("PLpgSQL_stmt_"):
                    kinds.add(key)
                    if key == "PLpgSQL_stmt_dynexecute":
                        found.append(value["query"]["PLpgSQL_expr"]["query"])
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(tree)
    if not kinds <= _GUARD_STATEMENTS:
        raise StatementCheckError(f"the guard runs {sorted(kinds - _GUARD_STATEMENTS)}", sql)
    if found != executes:
        raise StatementCheckError("the guard executes other statements than built", sql)
