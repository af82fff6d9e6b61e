"""Dates, times and timestamps in text: which ones PostgreSQL reads as exactly what they name.

``decide.stats`` checks a whole column's texts at once (:func:`temporal_offsets`, by the C
reader when it is built: ``read/creader.c``); :func:`temporal_ok` checks one value.
"""

from __future__ import annotations

import datetime as dt
import re

from dumpconv.base.hotpath import creader
from dumpconv.decide.typemap import Cat

# The date Rails writes before every time of day (ActiveRecord's quoted_time).
DATED_TIME = b"2000-01-01 "

# ISO 8601 forms PostgreSQL reads as exactly the instant they name. Ranges are checked by
# the pattern; the day of the month by _valid_date. Fractions beyond microseconds would be
# rounded by PostgreSQL, hour 24 and second 60 moved to the next minute or day: not accepted.
_YMD = rb"(?!0000)[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_HMS = rb"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
# PostgreSQL reads UTC offsets up to 15:59 (MAX_TZDISP_HOUR).
_OFFSET = rb"(?:Z|[+-](?:0[0-9]|1[0-5])(?::?[0-5][0-9])?)"
_TEMPORAL_VALUE = {
    Cat.TIMESTAMP: _YMD + rb"(?:[ T]" + _HMS + _OFFSET + rb"?)?",
    Cat.DATE: _YMD,
    Cat.TIME: _HMS,
}
_TEMPORAL_COLUMN = {
    cat: re.compile(rb"(?:" + v + rb")(?:\n(?:" + v + rb"))*") for cat, v in _TEMPORAL_VALUE.items()
}
_TEMPORAL_ONE = {cat: re.compile(v) for cat, v in _TEMPORAL_VALUE.items()}
# An offset after the time part (a date alone ends in "-DD", which is not one).
_TIME_OFFSET = rb":[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
_HAS_OFFSET = re.compile(_TIME_OFFSET + rb"$")
_OFFSETS = re.compile(_TIME_OFFSET + rb"(?=\n|\Z)")
_LATE_DAYS = re.compile(rb"(?m)^[0-9]{4}-[0-9]{2}-(?:29|3[01])")
_CREADER = creader()
# The C reader's codes for the categories (read/creader.c, temporal_column).
_TEMPORAL_KIND = {Cat.TIMESTAMP: 0, Cat.DATE: 1, Cat.TIME: 2}


def temporal_offsets(cat: Cat, joined: bytes) -> int | None:
    """None unless every line of ``joined`` is a value :func:`temporal_ok` accepts; else how
    many of them end in a UTC offset (0 for dates and times). By the C reader when it is
    built, else by the regular expressions: whole-column checks, the exact one per value only
    where one fails."""
    if _CREADER is not None:
        got: int = _CREADER.temporal_column(joined, _TEMPORAL_KIND[cat])
        return None if got < 0 else got
    return temporal_offsets_by_pattern(cat, joined)


def temporal_offsets_by_pattern(cat: Cat, joined: bytes) -> int | None:
    """:func:`temporal_offsets` by the regular expressions (the reference for the C one)."""
    if not _TEMPORAL_COLUMN[cat].fullmatch(joined):
        return None
    if cat is Cat.TIME:
        return 0
    # Only days 29-31 can be invalid for their month.
    if not all(map(_valid_date, set(_LATE_DAYS.findall(joined)))):
        return None
    return len(_OFFSETS.findall(joined)) if cat is Cat.TIMESTAMP else 0


def _valid_date(ymd: bytes) -> bool:
    try:
        dt.date(int(ymd[0:4]), int(ymd[5:7]), int(ymd[8:10]))
    except ValueError:
        return False
    return True


def has_offset(value: bytes) -> bool:
    """Whether a timestamp :func:`temporal_ok` accepts ends in a UTC offset."""
    return _HAS_OFFSET.search(value) is not None


def temporal_ok(cat: Cat, value: bytes) -> bool:
    """Whether PostgreSQL reads a text as exactly the date, time or timestamp it names."""
    if not _TEMPORAL_ONE[cat].fullmatch(value):
        return False
    return cat is Cat.TIME or _valid_date(value[:10])
