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
"""

from __future__ import annotations

from dumpconv.read.batch import Batch, Classes, Insert, Value
from dumpconv.read.fast import convert_run
from dumpconv.read.scan import encode_rows, scan_insert
from dumpconv.read.shapes import classes_from_bytes, classify_column
from dumpconv.read.sqltext import char_bytes, decode_unistr

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
    "scan_insert",
]
