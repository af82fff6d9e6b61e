"""The text ``sqlite3 .dump`` (CLI 3.40.1) writes, made from a database's schema and values.

``read.database`` reads a database file with these pieces: the statements around the rows
(:func:`schema_line`, :func:`virtual_table`, :func:`post_line`), the SELECT whose one column
is a table's row as an INSERT statement (:func:`row_select`: SQLite builds each row's text
in C), and the few text values SQL cannot write (:func:`fix_specials`).

Every piece is what the CLI's ``.dump`` writes (shell.c: ``dump_callback``,
``printSchemaLine``, ``quoteChar``, the insert mode, ``output_quoted_escaped_string``), with
one deliberate difference: the CLI cuts a text value at its first NUL byte, and here such a
text keeps every byte, written as ``'a'||char(0)||'b'`` (a form the reader decodes, the one
sqlite3 3.18 wrote for newlines).
"""

from __future__ import annotations

import re
import sqlite3

from dumpconv.read.sqlitefloat import SQLITE_KEYWORDS

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# SQL of one value as its literal. Reals as the CLI writes them: ±infinity as ±1e999, an
# integral value within int64 as %lld.0, any other with %!.20g of the library the CLI
# links (printf() here is the same code). Text with neither LF nor CR is quote()'s '…'
# (' doubled, as the CLI writes it); with them, replace('…','\n',char(10)) as the CLI
# writes it, unless the text holds a NUL byte (SQL's replace() and quote() stop at one) or
# every marker the CLI tries first: such a text is NUL, its hex, NUL, and fix_specials
# writes it.
_LF = "instr({c},char(10))"
_CR = "instr({c},char(13))"
_SPECIAL = (
    f"instr({{c}},char(0)) OR ({_LF} AND instr({{c}},'\\n') AND instr({{c}},'\\012'))"
    f" OR ({_CR} AND instr({{c}},'\\r') AND instr({{c}},'\\015'))"
)
_NL_MARK = "(CASE WHEN instr({c},'\\n') THEN '\\012' ELSE '\\n' END)"
_CR_MARK = "(CASE WHEN instr({c},'\\r') THEN '\\015' ELSE '\\r' END)"
_REPLACED = (
    f"(CASE WHEN {_LF} THEN 'replace(' ELSE '' END)"
    f"||(CASE WHEN {_CR} THEN 'replace(' ELSE '' END)"
    f"||''''||replace(replace(replace({{c}},'''',''''''),char(13),{_CR_MARK}),"
    f"char(10),{_NL_MARK})||''''"
    f"||(CASE WHEN {_CR} THEN ','''||{_CR_MARK}||''',char(13))' ELSE '' END)"
    f"||(CASE WHEN {_LF} THEN ','''||{_NL_MARK}||''',char(10))' ELSE '' END)"
)
# Text with LF and neither CR nor a \n in it, the commonest after plain text, takes the
# shortest way.
_LF_ONLY = "'replace('''||replace(replace({c},'''',''''''),char(10),'\\n')||''',''\\n'',char(10))'"
_TEXT = (
    f"CASE WHEN NOT ({_LF} OR {_CR} OR instr({{c}},char(0))) THEN quote({{c}})"
    f" WHEN {_SPECIAL} THEN char(0)||hex({{c}})||char(0)"
    f" WHEN NOT ({_CR} OR instr({{c}},'\\n')) THEN {_LF_ONLY}"
    f" ELSE {_REPLACED} END"
)
_REAL = (
    "CASE WHEN {c}=9e999 THEN '1e999' WHEN {c}=-9e999 THEN '-1e999'"
    " WHEN {c}=CAST({c} AS INTEGER) THEN CAST({c} AS INTEGER)||'.0'"
    " ELSE printf('%!.20g',{c}) END"
)
# The commonest storage classes first: SQLite tries the WHENs in order.
_VALUE = (
    f"CASE typeof({{c}}) WHEN 'text' THEN {_TEXT} WHEN 'integer' THEN {{c}}"
    f" WHEN 'null' THEN 'NULL' WHEN 'real' THEN {_REAL}"
    " ELSE 'X'''||lower(hex({c}))||'''' END"
)

_MARKED = re.compile(rb"\x00([0-9A-F]*)\x00")


def quote_ident(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (for the SELECTs run here)."""
    return '"' + name.replace('"', '""') + '"'


def insert_name(name: str) -> str:
    """The table's name as the CLI writes it in an INSERT (``quoteChar``): bare when it is
    a plain name and no SQLite key word, else in double quotes."""
    if _PLAIN_NAME.fullmatch(name) and name.upper() not in SQLITE_KEYWORDS:
        return name
    return quote_ident(name)


def row_select(table: str, columns: list[str]) -> str:
    """A SELECT of one text column per row of ``table``: ``INSERT INTO t VALUES(…);``.

    It reads the same columns as the CLI's ``SELECT a,b FROM t``, so SQLite plans it the
    same way and the rows come in the same order. The values are joined as a balanced
    tree of ``||`` (a chain of a thousand would pass SQLite's expression depth limit).
    """
    prefix = "INSERT INTO " + insert_name(table) + " VALUES("
    terms = []
    for i, column in enumerate(columns):
        terms.append("(" + _VALUE.format(c=quote_ident(column)) + ")")
        terms.append("','" if i < len(columns) - 1 else "');'")
    terms.insert(0, _sql_string(prefix))
    return f"SELECT {_balanced(terms)} FROM {quote_ident(table)}"


def _balanced(terms: list[str]) -> str:
    if len(terms) == 1:
        return terms[0]
    half = len(terms) // 2
    return f"({_balanced(terms[:half])}||{_balanced(terms[half:])})"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def fix_specials(chunk: bytes, encoding: str) -> bytes:
    """Write the texts the SELECT left as NUL, hex, NUL (see ``_VALUE``): the CLI's form
    when the text holds no NUL, else ``'a'||char(0)||'b'`` keeping every byte.
    ``encoding`` is the database's (PRAGMA encoding): hex() gives the stored bytes."""
    if b"\x00" not in chunk:
        return chunk

    def literal(m: re.Match[bytes]) -> bytes:
        raw = bytes.fromhex(m.group(1).decode("ascii"))
        if encoding != "UTF-8":  # as sqlite3_column_text gives it: UTF-8, U+FFFD for bad
            raw = raw.decode(encoding.replace("le", "-le").replace("be", "-be"), "replace").encode()
        return text_literal(raw)

    return _MARKED.sub(literal, chunk)


def text_literal(z: bytes) -> bytes:
    """A text value as the CLI writes it (``output_quoted_escaped_string``), every byte
    kept: with a NUL byte, ``'…'`` pieces and ``char(0)``, ``char(10)``, ``char(13)``."""
    if b"\x00" in z:
        pieces = re.split(rb"([\x00\n\r])", z)
        parts = [
            b"char(%d)" % piece[0] if i % 2 else b"'" + piece.replace(b"'", b"''") + b"'"
            for i, piece in enumerate(pieces)
            if piece or i == 0
        ]
        return b"||".join(parts)
    body = b"'" + z.replace(b"'", b"''") + b"'"
    head = tail = b""
    if b"\n" in z:
        nl = _unused(z, b"\\n", b"\\012")
        body = body.replace(b"\n", nl)
        head, tail = b"replace(", b",'" + nl + b"',char(10))"
    if b"\r" in z:
        cr = _unused(z, b"\\r", b"\\015")
        body = body.replace(b"\r", cr)
        head, tail = head + b"replace(", b",'" + cr + b"',char(13))" + tail
    return head + body + tail


def _unused(z: bytes, first: bytes, second: bytes) -> bytes:
    """The CLI's ``unused_string``: a marker that does not occur in ``z``."""
    if first not in z:
        return first
    if second not in z:
        return second
    i = 0
    while b"(" + first + b"%d)" % i in z:
        i += 1
    return b"(" + first + b"%d)" % i


def schema_line(sql: bytes) -> bytes:
    """A CREATE TABLE as the CLI writes it (``printSchemaLine``): an unterminated trailing
    comment closed, and ``CREATE TABLE "t"`` / ``'t'`` written with IF NOT EXISTS."""
    if b"/*" in sql or b"--" in sql:
        for end in (b"", b"*/", b"\n"):
            if sqlite3.complete_statement((sql + end + b";").decode("utf-8", "replace")):
                sql += end
                break
    if sql.startswith((b"CREATE TABLE '", b'CREATE TABLE "')):
        sql = b"CREATE TABLE IF NOT EXISTS " + sql[13:]
    return sql + b";\n"


def virtual_table(name: bytes, sql: bytes) -> bytes:
    """The CLI's line for a virtual table: its definition put into sqlite_schema."""
    n, s = (x.replace(b"'", b"''") for x in (name, sql))
    return (
        b"INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','"
        + n + b"','" + n + b"',0,'" + s + b"');\n"
    )  # fmt: skip


def post_line(sql: bytes) -> bytes:
    """An index, trigger or view: its text and ``;``, on a line of its own after a ``--``."""
    return sql + (b"\n;\n" if b"--" in sql else b";\n")
