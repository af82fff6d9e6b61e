"""INSERT statements to COPY rows, without sqlglot and without a lexer walk per value.

Two readers produce the same :class:`Batch`:

* :func:`convert_run`, the fast path, converts a whole run of INSERTs into the same table
  with a handful of whole-buffer operations. It splits the run on ``'``: the even pieces are
  the SQL around the string literals (numbers, NULL, commas, ``X`` prefixes, the few
  functions dumps use), the odd pieces are string contents. The SQL pieces are joined with
  NUL, checked against the exact grammar of dump values with one regular expression, and
  rewritten to COPY syntax; the string pieces are escaped together, joined by NUL. It
  returns None for anything outside that grammar, and for any NUL in the input or in a
  value a function call makes (``char(0)``, ``unistr('\\u0000')``): NUL is the placeholder.
* :func:`scan_insert`, the exact reader, reads one statement token by token into Python
  values. It handles every form, explains every error with its line, and is the reference
  the fast path is tested against.

A batch keeps the COPY fields in INSERT order and one storage-class byte per field
(``encode.C_*``), so that statistics and later re-encoding know a real from a text. It also
records the text values PostgreSQL text cannot hold as they are: invalid UTF-8
(``Batch.bad_utf8``, kept byte for byte) and NUL (``Batch.nul``, spooled as ``\\x00``); the
pipeline applies its policy to each (see ``encode``).

The functions come from ``base.hotpath``'s choice: the compiled copies of ``fast``, ``scan``,
``shapes`` and ``sqltext`` when they are built and current, else these modules themselves;
the two give the same output. The classes (``batch``) are Python either way. In front of the
fast path, when it is built, the C reader (``creader.c``) reads the common case, one
statement per line of plain values and the line-end ``replace()`` calls, in one pass over
the bytes, and declines everything else to the fast path (``tests/read/test_creader.py``).
"""

from __future__ import annotations

from dumpconv.base.hotpath import compiled, creader
from dumpconv.read import fast, scan, shapes, sqltext
from dumpconv.read.batch import Batch, Classes, Insert, Value
from dumpconv.read.sqlitefloat import SqliteReals

fast_convert_run = fast.convert_run
scan_insert = scan.scan_insert
encode_rows = scan.encode_rows
classify_column = shapes.classify_column
classes_from_bytes = shapes.classes_from_bytes
char_bytes = sqltext.char_bytes
decode_unistr = sqltext.decode_unistr

_compiled = compiled()
if _compiled is not None:  # the same functions, compiled (their signatures are the ones above)
    fast_convert_run = _compiled[fast.__name__].convert_run
    scan_insert = _compiled[scan.__name__].scan_insert
    encode_rows = _compiled[scan.__name__].encode_rows
    classify_column = _compiled[shapes.__name__].classify_column
    classes_from_bytes = _compiled[shapes.__name__].classes_from_bytes
    char_bytes = _compiled[sqltext.__name__].char_bytes
    decode_unistr = _compiled[sqltext.__name__].decode_unistr

_creader = creader()


def convert_run(
    body: bytes, prefix: bytes, arity: int, first_line: int, reals: SqliteReals | None = None
) -> Batch | None:
    """:func:`fast.convert_run`, by the C reader when it takes the run (same arguments and
    result; reals read as SQLite does, from a quote() dump, are the fast path's alone)."""
    if _creader is not None and reals is None:
        got = _creader.convert(body, prefix, arity)
        if got is not None:
            copy, shapes_, columns = got
            batch = Batch(copy, shapes_, arity, first_line, [Classes(*c[:6]) for c in columns])
            batch.int_ranges = [c[6] for c in columns]
            return batch
    return fast_convert_run(body, prefix, arity, first_line, reals)


__all__ = [
    "Batch",
    "Classes",
    "Insert",
    "Value",
    "char_bytes",
    "classes_from_bytes",
    "classify_column",
    "convert_run",
    "decode_unistr",
    "encode_rows",
    "fast_convert_run",
    "scan_insert",
]
