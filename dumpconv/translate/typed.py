"""SQLite functions and operators whose answer depends on what the value was in SQLite,
translated once the columns are resolved (``expressions.rewrite`` calls :func:`typed` last):
each column then carries the PostgreSQL type chosen for it (``meta["pg_type"]``) and its
SQLite affinity (``meta["affinity"]``), which together say what SQLite held.

* ``x GLOB p``, ``glob(p, x)``: for a literal pattern, ``x ~ '<regex>'``, the anchored
  regular expression built here from SQLite's rules (``*``, ``?``, ``[...]`` with ``^`` and
  ranges, case-sensitive, no escape), every character that means something to a regular
  expression written as ``\\uXXXX``.
* ``typeof(x)``: for a column whose type fixes SQLite's storage class, a CASE on NULL.
* ``printf(f, …)``/``format``: for a literal format of ``%s``, ``%d`` (width, ``-``) and ``%%``
  over text and integer values, the text built by ``||`` (widths counted in bytes, as SQLite).
* ``a || b``: integers joined as their text; reals, booleans and the types PostgreSQL writes
  in its own form (timestamps, uuid, json) are left out: their text is not SQLite's.

``json_extract``, ``->`` and ``->>`` are left out here with the reason (the differences
measured are in the README).
"""

from __future__ import annotations

import re

from sqlglot import exp

from dumpconv.read.schema import Affinity
from dumpconv.translate.items import CITEXT, is_text_type
from dumpconv.translate.lexing import Untranslatable

#: sqlglot's nodes for SQLite's GLOB and JSON operators, which ``parse`` lets through.
NODES: tuple[type[exp.Expr], ...] = (
    exp.Glob, exp.JSONExtract, exp.JSONExtractScalar, exp.JSONPath, exp.JSONPathRoot,
    exp.JSONPathSubscript, exp.JSONPathKey,
)  # fmt: skip

_INTEGERS = ("bigint", "integer", "smallint")
_REALS = ("double precision", "real")
#: Types chosen only for columns whose every value was text in SQLite.
_FROM_TEXT = ("timestamp", "timestamptz", "date", "time", "uuid", "inet")
_JSON_WHY = (
    "SQLite answers SQL values (text unquoted, numbers as integer or real, true as 1, "
    "objects as compact JSON text in document order), which one PostgreSQL expression of one "
    "type cannot give (jsonb sorts keys and writes spaces; ->> answers text)"
)


def deferred(name: str, args: list[exp.Expr]) -> exp.Expr:
    """A call translated by :func:`typed`, once the column types are known."""
    node = exp.Anonymous(this=name, expressions=args)
    node.meta["typed"] = name
    return node


def typed(tree: exp.Expr) -> exp.Expr:
    """The tree with the calls and operators above translated (or Untranslatable)."""
    for json in tree.find_all(exp.JSONExtract, exp.JSONExtractScalar):
        op = "->>" if isinstance(json, exp.JSONExtractScalar) else "->"
        raise Untranslatable(f"uses the operator {op}, not translated: {_JSON_WHY}")
    for pipe in list(tree.find_all(exp.DPipe)):
        _concat(pipe)
    for node in reversed(list(tree.find_all(exp.Glob, exp.Anonymous))):  # inner ones first
        name = node.meta.get("typed")
        new: exp.Expr
        if isinstance(node, exp.Glob):
            new = _glob(node.this, node.expression)
        elif name == "typeof":
            new = _typeof(node.expressions[0])
        elif name in ("printf", "format"):
            new = _printf(name, node.expressions)
        else:
            continue
        if node is tree:
            tree = new
        else:
            node.replace(new)
    return tree


def _kind(node: exp.Expr) -> str | None:
    """What SQLite held: text, int, real, bool, null, other (a type PostgreSQL writes in
    its own form), or None when not known."""
    if isinstance(node, exp.Paren):
        return _kind(node.this)
    if isinstance(node, exp.Null):
        return "null"
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        node = node.this
    if isinstance(node, exp.Literal):
        if node.is_string:
            return "text"
        return "int" if str(node.this).isdigit() else "real"
    if isinstance(node, exp.Column):
        kind = str(node.meta.get("pg_type") or "")
        if not kind:
            return None
        if kind in _INTEGERS:
            return "int"
        if is_text_type(kind):
            return "text"
        if kind in _REALS or kind.startswith("numeric"):
            return "real"
        return "bool" if kind == "boolean" else "other"
    if isinstance(node, (exp.DPipe, exp.Lower, exp.Upper, exp.Trim, exp.Substring)):
        return "text"
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg)):
        parts = {_kind(n) for n in (node.this, node.args.get("expression")) if n is not None}
        return "int" if parts <= {"int", "null"} else "real" if "real" in parts else None
    return None


def _as_text(node: exp.Expr) -> exp.Expr:
    return exp.Cast(this=node, to=exp.DataType.build("text"))


def _text_of(node: exp.Expr, what: str) -> exp.Expr:
    """The value as the text SQLite reads it as (an integer as its digits), or
    Untranslatable when PostgreSQL's text of it is not SQLite's."""
    kind = _kind(node)
    if kind == "int" or (kind == "text" and node.meta.get("pg_type") == CITEXT):
        return _as_text(node.copy())
    if kind in ("text", "null"):
        return node.copy() if kind == "text" else _as_text(exp.Null())
    if kind == "real":
        why = "a real, which PostgreSQL writes differently (1 for SQLite's 1.0)"
    elif kind == "bool":
        why = "a boolean column, which SQLite held as 0/1 or as the texts it was read from"
    elif kind == "other":
        why = f"a {node.meta.get('pg_type')} column, whose text PostgreSQL writes in its own form"
    else:
        why = "a value whose text SQLite and PostgreSQL may write differently"
    raise Untranslatable(f"{what} {why}")


def _concat(pipe: exp.DPipe) -> None:
    for side in ("this", "expression"):
        operand = pipe.args[side]
        if _kind(operand) not in ("text", "null", None):
            pipe.set(side, _text_of(operand, "joins with ||"))


# ---- GLOB -------------------------------------------------------------------------------------


def _glob(subject: exp.Expr, pattern: exp.Expr) -> exp.Expr:
    if not (isinstance(pattern, exp.Literal) and pattern.is_string):
        raise Untranslatable("uses GLOB with a pattern that is not a literal string")
    text = _text_of(subject, "uses GLOB on")
    return exp.RegexpLike(this=text, expression=exp.Literal.string(glob_regex(pattern.this)))


_NEVER = "(?!)"  # a regular expression no text matches


def _char(c: str) -> str:
    """A character in a regular expression: ASCII punctuation and controls as \\uXXXX."""
    return c if not c.isascii() or c.isalnum() else f"\\u{ord(c):04x}"


def glob_regex(pattern: str) -> str:
    """SQLite's GLOB pattern (sqlite3's patternCompare) as an anchored PostgreSQL ARE."""
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if out[-1] != ".*":
                out.append(".*")
        elif c == "?":
            out.append(".")
        elif c != "[":
            out.append(_char(c))
        else:
            invert = i < n and pattern[i] == "^"
            i += invert
            items: list[str] = []
            if i < n and pattern[i] == "]":  # first, it is one of the characters
                items.append(_char("]"))
                i += 1
            prior: str | None = None
            while i < n and pattern[i] != "]":
                c = pattern[i]
                if c == "-" and prior is not None and i + 1 < n and pattern[i + 1] != "]":
                    if prior <= pattern[i + 1]:  # a reversed range adds nothing
                        items[-1] = f"{_char(prior)}-{_char(pattern[i + 1])}"
                    prior = None
                    i += 2
                else:
                    items.append(_char(c))
                    prior = c
                    i += 1
            if i >= n:  # no closing ]: SQLite matches nothing from here
                return _NEVER
            i += 1
            if items:
                out.append("[" + "^" * invert + "".join(items) + "]")
            else:
                out.append("." if invert else _NEVER)
    return "".join(out) + "$"


# ---- typeof -----------------------------------------------------------------------------------


def _typeof(arg: exp.Expr) -> exp.Expr:
    kind = _kind(arg)
    literal = isinstance(arg, (exp.Literal, exp.Null)) or (
        isinstance(arg, exp.Neg) and isinstance(arg.this, exp.Literal)
    )
    if literal and kind is not None:
        return exp.Literal.string({"int": "integer"}.get(kind, kind))
    if not isinstance(arg, exp.Column):
        raise Untranslatable("uses typeof() of an expression: only a column's is translated")
    pg_type = str(arg.meta.get("pg_type") or "")
    affinity = arg.meta.get("affinity")
    if kind == "int":
        held = "integer"  # chosen only when every value was an integer
    elif kind == "text" and affinity is Affinity.TEXT:
        held = "text"
    elif kind == "real" and pg_type in _REALS and affinity is Affinity.REAL:
        held = "real"
    elif pg_type in _FROM_TEXT or pg_type.startswith(("timestamp", "time ")):
        held = "text"  # chosen only when every value was text
    else:
        raise Untranslatable(
            f"uses typeof() of a {pg_type or 'view'} column (SQLite affinity "
            f"{getattr(affinity, 'value', '?')}), whose values may have been of several "
            "SQLite storage classes"
        )
    null = exp.Is(this=arg.copy(), expression=exp.Null())
    return exp.Case(
        ifs=[exp.If(this=null, true=exp.Literal.string("null"))],
        default=exp.Literal.string(held),
    )


# ---- printf -----------------------------------------------------------------------------------


def _printf(name: str, args: list[exp.Expr]) -> exp.Expr:
    fmt = args[0] if args else exp.Null()
    if isinstance(fmt, exp.Null) or (isinstance(fmt, exp.Literal) and fmt.this == ""):
        return _as_text(exp.Null())  # SQLite 3.40 answers NULL for the empty format too
    if not (isinstance(fmt, exp.Literal) and fmt.is_string):
        raise Untranslatable(f"uses {name}() with a format that is not a literal string")
    text, values = fmt.this, list(args[1:])
    parts: list[exp.Expr] = []
    literal = ""
    i = 0
    while i < len(text):
        c = text[i]
        i += 1
        if c != "%":
            literal += c
            continue
        j = i
        left = j < len(text) and text[j] == "-"
        j += left
        k = j
        while k < len(text) and text[k].isdigit():
            k += 1
        spec = text[k] if k < len(text) else ""
        width = text[j:k]
        if spec == "%" and not width and not left:
            literal += "%"
        elif spec in ("s", "d") and not width.startswith("0"):
            if literal:
                parts.append(exp.Literal.string(literal))
                literal = ""
            value = values.pop(0) if values else exp.Null()
            parts.append(_conversion(name, spec, value, int(width or 0), left))
        else:
            spec = _SPEC.match(text, i - 1)
            raise Untranslatable(
                f"uses {name}() with the conversion {spec[0] if spec else '%'}: only %s, %d "
                "(with a width and -) and %% are translated"
            )
        i = k + 1
    if literal or not parts:
        parts.append(exp.Literal.string(literal))
    out = parts[0]
    for part in parts[1:]:
        out = exp.DPipe(this=out, expression=part, safe=True)
    return exp.Paren(this=out)


_SPEC = re.compile(r"%[^a-zA-Z%]{0,8}[a-zA-Z%]?")


def _conversion(name: str, spec: str, value: exp.Expr, width: int, left: bool) -> exp.Expr:
    kind = _kind(value)
    if kind == "null":
        text: exp.Expr = exp.Literal.string("0" if spec == "d" else "")
    elif spec == "d" and kind == "int":
        text = _as_text(value.copy())
    elif spec == "s" and (kind == "int" or (
        kind == "text" and (
            not isinstance(value, exp.Column) or value.meta.get("affinity") is Affinity.TEXT
        )
    )):  # fmt: skip
        text = _text_of(value, "")
    else:
        what = {"int": "an integer", "text": "a text value", "real": "a real"}.get(
            kind or "", "a value of another type"
        )
        raise Untranslatable(
            f"uses {name}() with %{spec} of {what}, whose text SQLite writes from its "
            "storage class (%d truncates reals and reads text's leading digits; %s writes "
            "1.0 for a real), not known here"
        )
    if not isinstance(text, exp.Literal):
        text = exp.Coalesce(this=text, expressions=[exp.Literal.string("0" if spec == "d" else "")])
    if not width:
        return text
    # SQLite counts the width in bytes (PostgreSQL's format() and lpad in characters).
    short = exp.Sub(this=exp.Literal.number(width), expression=_call("octet_length", text.copy()))
    pad = _call("repeat", exp.Literal.string(" "), _call("greatest", short, exp.Literal.number(0)))
    return (
        exp.DPipe(this=text, expression=pad, safe=True)
        if left
        else exp.DPipe(this=pad, expression=text, safe=True)
    )


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))
