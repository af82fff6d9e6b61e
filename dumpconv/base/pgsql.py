"""PostgreSQL output syntax: the one place that quotes identifiers, literals and comments.

Every identifier, string literal and comment that dumpconv writes goes through a function of
this module, so that no content of a dump can change the meaning of the output (psql safety).
"""

from __future__ import annotations

import re

from dumpconv.base.safetext import printable

# Key words that PostgreSQL does not accept as a bare column or table name in every position:
# everything pg_get_keywords() reports with catcode R, C or T (PostgreSQL 15), plus the words
# that PostgreSQL 16-18 added to those classes. Quoting an unreserved word as well is harmless,
# so the list errs on the side of quoting.
PG_KEYWORDS: frozenset[str] = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization between bigint binary bit
    boolean both case cast char character check coalesce collate collation column concurrently
    constraint create cross current_catalog current_date current_role current_schema
    current_time current_timestamp current_user dec decimal default deferrable desc distinct do
    else end except exists extract false fetch float for foreign freeze from full grant
    greatest group grouping having ilike in initially inner inout int integer intersect
    interval into is isnull join lateral leading least left like limit localtime localtimestamp
    national natural nchar none normalize not notnull null nullif numeric offset on only or
    order out outer overlaps overlay placing position precision primary real references
    returning right row select session_user setof similar smallint some substring symmetric
    table tablesample then time timestamp to trailing treat trim true union unique user using
    values varchar variadic verbose when where window with xmlattributes xmlconcat xmlelement
    xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable json
    json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar
    json_serialize json_table json_value merge_action system_user
    """.split()  # noqa: SIM905
)

# PostgreSQL truncates identifiers to NAMEDATALEN-1 bytes.
MAX_IDENT_BYTES = 63

#: The schema objects are created in unless ``--schema`` names another (``Options.schema``);
#: every name dumpconv writes is qualified with the chosen one, passed down to each function
#: that builds a statement (the script also empties search_path, as pg_dump does:
#: CVE-2018-1058).
SCHEMA = "public"

#: The schema the extensions dumpconv creates (citext) live in, whatever ``--schema`` is:
#: ``CREATE EXTENSION IF NOT EXISTS`` finds an extension installed there already, and an
#: extension's types are named with it (``public.citext``).
EXTENSION_SCHEMA = "public"

_BARE_IDENT = re.compile(r"[a-z_][a-z0-9_$]*")
# Characters that must never appear raw in a statement: C0 and C1 controls, DEL, and the
# Unicode line and paragraph separators. Names and literals holding them are written with
# escapes (U&"…" names, E'…' literals), so every output line is what it looks like.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def quote_ident(name: str) -> str:
    """Render a PostgreSQL identifier, quoting it only when a bare name would differ.

    Args:
        name: the exact identifier as PostgreSQL should store it.

    Returns:
        ``name`` bare when it is lower case, simple and not a key word; else in double quotes
        with ``"`` doubled.
    """
    if "\x00" in name or not name:
        raise ValueError("a PostgreSQL name cannot be empty or hold NUL")
    if _BARE_IDENT.fullmatch(name) and name not in PG_KEYWORDS:
        return name
    if _UNSAFE.search(name):
        # U&"…" with backslash escapes (valid with standard_conforming_strings on).
        body = name.replace("\\", "\\\\").replace('"', '""')
        return 'U&"' + _UNSAFE.sub(_unicode_escape, body) + '"'
    return '"' + name.replace('"', '""') + '"'


def qualified(name: str, schema: str) -> str:
    """A relation's name, qualified with the schema it is in: ``public.t``."""
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def name_text(name: str, schema: str) -> str:
    """A qualified name as *text* that PostgreSQL parses into a name (the argument of
    ``pg_get_serial_sequence``, a ``regclass`` literal): always double-quoted, never the
    ``U&`` form, which only the SQL lexer reads. Pass it through :func:`quote_literal`."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in (schema, name))


def ident_text(name: str) -> str:
    """One name as *text* that PostgreSQL parses into that name (a ``regnamespace``
    literal): bare when :func:`quote_ident` leaves it bare, else double-quoted (never the
    ``U&`` form). Pass it through :func:`quote_literal`."""
    bare = quote_ident(name)
    return bare if bare == name else '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """Render a string literal; ``standard_conforming_strings`` is on in every script.

    Text with control characters is written as an ``E'…'`` literal with every control
    character escaped, so that no literal spans lines or hides a character from a reader.

    Raises:
        ValueError: the text holds NUL, which no PostgreSQL string can hold.
    """
    if "\x00" in text:
        raise ValueError("a PostgreSQL string cannot hold NUL")
    if _UNSAFE.search(text):
        body = text.replace("\\", "\\\\").replace("'", "''")
        return "E'" + _UNSAFE.sub(_backslash_escape, body) + "'"
    return "'" + text.replace("'", "''") + "'"


def _unicode_escape(m: re.Match[str]) -> str:
    return f"\\{ord(m.group()):04X}"


def _backslash_escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02X}" if c < 0x80 else f"\\u{c:04X}"


def dollar_quote(body: str, tag: str = "dumpconv") -> str:
    """Wrap ``body`` in a dollar quote whose tag does not occur in the body."""
    n = 0
    candidate = f"${tag}$"
    # The closing tag must be the first occurrence after the opening one, also when the
    # body's end and the tag overlap ("x$dumpconv" + "$dumpconv$").
    while (body + candidate).find(candidate) != len(body):
        n += 1
        candidate = f"${tag}{n}$"
    return f"{candidate}{body}{candidate}"


def comment_text(text: str) -> str:
    """Make text from the input safe inside a ``--`` comment: no line break can end it.

    Control characters (including CR, LF, NEL, LS, PS) and bidirectional overrides are shown
    as ``\\xNN`` / ``\\uNNNN`` (:func:`printable`).
    """
    return printable(text)


def valid_text(text: str) -> str:
    """Text PostgreSQL can hold: bytes that were not UTF-8 (kept by the readers as surrogate
    escapes) become U+FFFD, as the invalid-UTF-8 policy does for values."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


_SURROGATE = re.compile("[\ud800-\udfff]")


def truncate_ident(name: str) -> str:
    """Cut a name to PostgreSQL's identifier length on a character boundary (and make it
    valid UTF-8: see :func:`valid_text`)."""
    name = valid_text(name)
    raw = name.encode("utf-8")
    if len(raw) <= MAX_IDENT_BYTES:
        return name
    return raw[:MAX_IDENT_BYTES].decode("utf-8", "ignore")


def object_name(name1: str, name2: str | None, label: str) -> str:
    """The name PostgreSQL gives an object it names itself (ChooseRelationName's makeObjectName):
    ``name1_name2_label``, the longer of the two names cut until it fits in 63 bytes."""
    n1 = name1.encode()
    n2 = name2.encode() if name2 is not None else b""
    avail = MAX_IDENT_BYTES - len(label) - (2 if name2 is not None else 1)
    while len(n1) + len(n2) > avail:
        if len(n1) > len(n2):
            n1 = _clip(n1[:-1])
        else:
            n2 = _clip(n2[:-1])
    parts = [n1.decode(), *([n2.decode()] if name2 is not None else []), label]
    return "_".join(parts)


def _clip(raw: bytes) -> bytes:
    """Drop a trailing partial UTF-8 character."""
    return raw.decode("utf-8", "ignore").encode()
