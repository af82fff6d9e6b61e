"""Choose each column's PostgreSQL type from its declared category and its statistics.

The declared type decides when the data agrees with it. When a value does not fit, the
column is widened to the narrowest type that holds every value, and the decision says why
(the output shows it above the table, the report lists it). Pure: no I/O, no state.
"""

from __future__ import annotations

from dumpconv.base.encode import C_BLOB, C_INT, C_REAL, C_TEXT
from dumpconv.decide.casts import epoch_to_text
from dumpconv.decide.stats import ColumnStats
from dumpconv.decide.typemap import Cat, Decision, Reencode, describe_classes, integer_type, render

EXACT_DOUBLE = 2**53  # integers up to this are exact as doubles
_DATED_TIMES = "times written as 2000-01-01 HH:MM:SS (Rails' form): the fixed date is dropped"
_INT_FLOORS = {Cat.SMALLINT: "smallint", Cat.INTEGER: "integer", Cat.BIGINT: "bigint"}


def decide(st: ColumnStats, *, rowid_alias: bool = False, where: str = "TABLE.COLUMN") -> Decision:
    """The PostgreSQL type for one column.

    Args:
        st: the column's declared category and statistics.
        rowid_alias: the column is SQLite's INTEGER PRIMARY KEY (always 64-bit).
        where: the column as TABLE.COLUMN, for the advice in reasons.
    """
    d = st.declared
    c = st.classes
    kinds = c.kinds
    if rowid_alias:
        return Decision("bigint")
    if not kinds:
        return Decision(render(d))

    if C_BLOB in kinds:
        if kinds == {C_BLOB}:
            if d.cat in (Cat.BYTEA, Cat.ANY):
                return Decision("bytea")
            return Decision("bytea", f"declared {_name(st)} but holds only blobs")
        return Decision(
            "bytea",
            f"holds {describe_classes(kinds)}: blobs need bytea, the other values are stored "
            "as the bytes of their text",
            Reencode.TO_BYTEA,
        )

    if C_TEXT in kinds:
        return _with_texts(st, kinds, where)
    return _numbers_only(st, kinds, where)


# The most characters a real takes as sqlite3 writes it: a sign, 17 digits, the point and
# an exponent such as e-308.
_LONGEST_REAL = 24


def _numbers_too_long(st: ColumnStats, length: int) -> str | None:
    """Why the numbers of a column of texts may not fit varchar(length) as their digits
    (COPY writes them so), or None when they fit."""
    lo, hi = st.int_min, st.int_max
    if lo is not None and hi is not None:
        longest = max(len(str(lo)), len(str(hi)))
        if longest > length:
            return f"holds integers from {lo} to {hi}, up to {longest} characters"
    if C_REAL in st.classes.kinds and length < _LONGEST_REAL:
        return f"holds reals, whose digits may take up to {_LONGEST_REAL} characters"
    return None


def _name(st: ColumnStats) -> str:
    return st.declared.cat.value


def _as_text(st: ColumnStats, kinds: set[int], why: str | None) -> Decision:
    reencode = Reencode.REAL_SHORTEST if C_REAL in kinds else None
    return Decision("text", why, reencode)


def _with_texts(st: ColumnStats, kinds: set[int], where: str) -> Decision:
    d = st.declared
    cat = d.cat
    numbers = kinds & {C_INT, C_REAL}
    if cat is Cat.TEXT:
        return Decision("text")
    if cat is Cat.VARCHAR:
        assert d.length is not None
        digits = _numbers_too_long(st, d.length)
        if st.too_long.ok and digits is None:
            return Decision(render(d))
        longer = [digits] if digits is not None else []
        if not st.too_long.ok:
            longer.insert(0, f"{st.too_long.failures} values are longer: {st.too_long.describe()}")
        return _as_text(st, kinds, f"declared varchar({d.length}) but {'; '.join(longer)}")
    if cat is Cat.ANY:
        why = None
        if numbers:
            why = f"holds {describe_classes(kinds)}: text holds them all, numbers as their digits"
        return _as_text(st, kinds, why)
    if cat is Cat.BOOLEAN:
        lo, hi = st.int_min, st.int_max
        ints_ok = C_INT not in kinds or (lo is not None and hi is not None and 0 <= lo <= hi <= 1)
        if st.not_boolean.ok and ints_ok and C_REAL not in kinds:
            return Decision("boolean")
        return _as_text(st, kinds, f"declared boolean but holds {_boolean_offenders(st)}")
    if d.temporal:
        if st.not_temporal.ok and not numbers:
            if cat is Cat.TIMESTAMP and st.with_offset:
                return Decision(
                    "timestamptz",
                    None
                    if st.with_offset == st.classes.texts
                    else (
                        f"{st.with_offset} values carry a UTC offset; the "
                        f"{st.classes.texts - st.with_offset} without one are read as UTC"
                    ),
                )
            if st.dated_times:
                return Decision(render(d), _DATED_TIMES, Reencode.TIME_OF_DAY)
            return Decision(render(d))
        if not st.not_temporal.ok:
            why = f"not valid {cat.value} values: {st.not_temporal.describe()}"
        else:
            why = f"holds {describe_classes(numbers)} beside the texts" + _dates_hint(st, where)
        return _as_text(st, kinds, f"declared {cat.value}, kept as text: {why}")
    if cat is Cat.JSON:
        if st.not_json.ok and st.infinities == 0:
            return Decision("jsonb", None, Reencode.REAL_SHORTEST if C_REAL in kinds else None)
        return _as_text(st, kinds, f"declared json, kept as text: not valid JSON: "
                                   f"{st.not_json.describe()}")  # fmt: skip
    if cat is Cat.UUID:
        if st.not_uuid.ok and not numbers:
            return Decision("uuid")
        return _as_text(st, kinds, f"declared uuid, kept as text: {st.not_uuid.describe()}")
    if cat is Cat.INET:
        if st.not_inet.ok and not numbers:
            return Decision("inet")
        return _as_text(st, kinds, f"not IP addresses: {st.not_inet.describe()}")
    # Numeric categories holding text.
    value, line = st.first.get(C_TEXT, ("?", 0))
    return _as_text(
        st, kinds,
        f"declared {render(d)} but holds {st.classes.texts} texts, first {value!r} (line {line})",
    )  # fmt: skip


def _boolean_offenders(st: ColumnStats) -> str:
    parts = []
    if not st.not_boolean.ok:
        parts.append(f"texts that are not booleans: {st.not_boolean.describe()}")
    if st.int_min is not None and (st.int_min < 0 or (st.int_max or 0) > 1):
        parts.append(f"integers from {st.int_min} to {st.int_max}")
    if st.classes.reals:
        parts.append("reals")
    return "; ".join(parts) or "other values"


def int_digits(lo: int, hi: int) -> int:
    return max(len(str(abs(lo))), len(str(abs(hi))))


def _dates_hint(st: ColumnStats, where: str) -> str:
    """What the numbers of a date column probably count, and the cast that converts them."""
    bounds = [b for b in (st.int_min, st.int_max, st.real_min, st.real_max) if b is not None]
    if not bounds:
        return ""
    lo, hi = min(bounds), max(bounds)
    if st.classes.reals and lo >= 2_000_000 and hi <= 2_600_000:
        unit = "julian-day"
    else:
        top = max(abs(lo), abs(hi))
        unit = next((u for u, limit in _EPOCH_BANDS if 1e8 <= top < limit), "")
    if not unit:
        return f" (from {lo} to {hi}: not epoch seconds, milliseconds or microseconds)"
    first = epoch_to_text(repr(lo).encode(), unit, False)
    last = epoch_to_text(repr(hi).encode(), unit, False)
    if first is None or last is None:
        return ""
    return (
        f"; as {unit} they run from {first.decode()[:19]} to {last.decode()[:19]} UTC: "
        f"--cast {where}=timestamptz:{unit} converts them"
    )


# Magnitudes of epoch values from 1973 on: seconds below 10^11 (year 5138), then
# milliseconds below 10^14, microseconds below 10^17.
_EPOCH_BANDS = (("epoch-s", 1e11), ("epoch-ms", 1e14), ("epoch-us", 1e17))


def _numbers_only(st: ColumnStats, kinds: set[int], where: str) -> Decision:
    d = st.declared
    cat = d.cat
    lo, hi = st.int_min, st.int_max
    if kinds == {C_INT}:
        assert lo is not None
        assert hi is not None
        if cat is Cat.BOOLEAN:
            if lo >= 0 and hi <= 1:
                return Decision("boolean")
            t = integer_type(lo, hi)
            return Decision(t, f"declared boolean but holds integers from {lo} to {hi}")
        if cat in _INT_FLOORS:
            floor = _INT_FLOORS[cat]
            t = integer_type(lo, hi, floor)
            return Decision(t, None if t == floor else f"values from {lo} to {hi} need {t}")
        if cat is Cat.NUMERIC:
            if d.precision is None or int_digits(lo, hi) <= d.precision - (d.scale or 0):
                return Decision(render(d))
            return Decision("numeric", f"values from {lo} to {hi} do not fit {render(d)}")
        if cat is Cat.DOUBLE:
            if lo >= -EXACT_DOUBLE and hi <= EXACT_DOUBLE:
                return Decision("double precision")
            return Decision("numeric", f"integers beyond 2^53 ({lo}..{hi}) do not fit a double")
        if cat is Cat.JSON:
            return Decision("jsonb")
        t = integer_type(lo, hi, "bigint")
        if cat is Cat.ANY:
            return Decision(t)
        held = f"declared {cat.value} but holds integers"
        if d.temporal:
            held += _dates_hint(st, where)
        return Decision(t, held)

    # Reals, maybe with integers.
    exact = lo is None or (lo >= -EXACT_DOUBLE and hi is not None and hi <= EXACT_DOUBLE)
    if cat is Cat.NUMERIC and st.infinities == 0:
        ints_fit = C_INT not in kinds or (
            lo is not None
            and hi is not None
            and int_digits(lo, hi) <= (d.precision or 0) - (d.scale or 0)
        )
        if d.precision is not None and st.numeric_misfit.ok and ints_fit:
            return Decision(render(d), None, Reencode.REAL_SHORTEST)
        if d.precision is None:
            return Decision("numeric", None, Reencode.REAL_SHORTEST)
        return Decision(
            "numeric",
            f"declared {render(d)} but holds values it would round: {st.numeric_misfit.describe()}",
            Reencode.REAL_SHORTEST,
        )
    if exact:
        why: str | None = None
        if cat not in (Cat.DOUBLE, Cat.ANY, Cat.NUMERIC, Cat.JSON):
            why = f"declared {render(d)} but holds reals"
            if d.temporal and C_TEXT not in kinds:
                why += _dates_hint(st, where)
        elif cat is Cat.NUMERIC:
            why = f"declared {render(d)} but holds infinities"
        if cat is Cat.JSON:
            if st.infinities == 0:
                return Decision("jsonb", None, Reencode.REAL_SHORTEST)
            why = "declared json but holds infinities, which JSON cannot represent"
        return Decision("double precision", why)
    if st.infinities == 0:
        return Decision(
            "numeric",
            f"holds reals and integers beyond 2^53 ({lo}..{hi}); numeric holds both exactly",
            Reencode.REAL_SHORTEST,
        )
    return Decision(
        "text",
        "holds infinities and integers beyond 2^53: no numeric type holds both",
        Reencode.REAL_SHORTEST,
    )
