"""dumpconv: convert sqlite3 .dump / iterdump() text into one psql-ready PostgreSQL file."""

from __future__ import annotations

from dumpconv.base.errors import DumpconvError
from dumpconv.base.report import Report
from dumpconv.base.version import VERSION as __version__
from dumpconv.pipeline import Options, convert, read_target
from dumpconv.read.database import open_database

__all__ = [
    "DumpconvError",
    "Options",
    "Report",
    "__version__",
    "convert",
    "open_database",
    "read_target",
]
