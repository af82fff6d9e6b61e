"""dumpconv: convert sqlite3 .dump / iterdump() text into one psql-ready PostgreSQL file."""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import DumpconvError
from .pipeline import Options, convert
from .report import Report

__all__ = ["DumpconvError", "Options", "Report", "__version__", "convert"]
