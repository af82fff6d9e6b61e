"""PostgreSQL output syntax: the one place that quotes identifiers, literals and comments.

Every identifier, string literal and comment that dumpconv writes goes through a function of
this module, so that no content of a dump can change the meaning of the output (psql safety).
"""

from __future__ import annotations

import re

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

_BARE_IDENT = re.compile(r"[a-z_][a-z0-9_$]*")


def quote_ident(name: str) -> str:
    """Render a PostgreSQL identifier, quoting it only when a bare name would differ.

    Args:
        name: the exact identifier as PostgreSQL should store it.

    Returns:
        ``name`` bare when it is lower case, simple and not a key word; else in double quotes
        with ``"`` doubled.
    """
    if _BARE_IDENT.fullmatch(name) and name not in PG_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """Render a standard-conforming string literal (``standard_conforming_strings = on``)."""
    return "'" + text.replace("'", "''") + "'"


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


_COMMENT_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


def comment_text(text: str) -> str:
    """Make text from the input safe inside a ``--`` comment: no line break can end it.

    Control characters (including CR, LF, NEL, LS, PS) are shown as ``\\xNN`` / ``\\uNNNN``.
    """

    def esc(m: re.Match[str]) -> str:
        c = m.group(0)
        return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"

    return _COMMENT_UNSAFE.sub(esc, text)


def truncate_ident(name: str) -> str:
    """Cut a name to PostgreSQL's identifier length on a character boundary."""
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
