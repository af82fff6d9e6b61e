"""Whether the data fits a type chosen for it: a user's ``--cast``, a framework's type, or
the column of ``--target-schema``. A value the type cannot hold is refused with its line;
values PostgreSQL would round on the way into a target column are reported instead.
"""

from __future__ import annotations

from dumpconv.base.encode import C_BLOB, C_INT, C_REAL, C_TEXT
from dumpconv.base.errors import DumpconvError
from dumpconv.decide.casts import Cast, epoch_to_text
from dumpconv.decide.choose import EXACT_DOUBLE, int_digits
from dumpconv.decide.stats import Check, ColumnStats
from dumpconv.decide.typemap import Cat, Decision, Reencode, describe_classes, integer_type


def decide_cast(st: ColumnStats, cast: Cast, where: str) -> Decision:
    """The type a --cast asks for, if the data agrees with it.

    Raises:
        DumpconvError: a value the type cannot hold, shown with its input line.
    """
    kinds = st.classes.kinds
    t = cast.pg_type
    base = t.split("(")[0]
    lo, hi = st.int_min, st.int_max

    def refuse(why: str, line: int | None = None, cls: int | None = None) -> DumpconvError:
        if cls is not None and cls in st.first:
            value, line = st.first[cls]
            why = f"{why}, first {value!r}"
        if cast.target:
            return DumpconvError(
                f"{cast.label}, but {where} {why}",
                line,
                "correct the data in SQLite, or change the column in PostgreSQL and write "
                "the target schema again",
            )
        return DumpconvError(
            f"--cast {cast.text}: {where} {why}",
            line,
            "cast to a type that holds every value, or correct the data in SQLite first",
        )

    def only(*allowed: int) -> None:
        for cls in sorted(kinds - set(allowed)):
            raise refuse(f"holds {describe_classes({cls})}", cls=cls)

    def failed(check: Check, what: str) -> None:
        if not check.ok:
            value, line = check.examples[0]
            raise refuse(f"holds {check.failures} {what}, first {value!r}", line)

    if cast.transform is not None:
        # Numbers are read as dates; texts must be dates already (a column written by two
        # versions of an application, as Prisma 6 and 7 do).
        only(C_INT, C_REAL, C_TEXT)
        failed(st.not_temporal, "texts that are not timestamps")
        if st.infinities:
            raise refuse(f"holds {st.infinities} infinities, which are no dates")
        for bound in (lo, hi, st.real_min, st.real_max):
            if (
                bound is not None
                and epoch_to_text(repr(bound).encode(), cast.transform, True) is None
            ):
                raise refuse(f"holds {bound}, which as {cast.transform} is out of range")
        return Decision(t, cast.label, _EPOCH_RECODE[cast.transform], _rounded(st, cast))
    if base == "interval":
        # Integers counting microseconds (Django's DurationField), or the instant that long
        # after 1970-01-01 as text (SQLAlchemy's Interval on SQLite).
        only(C_INT, C_TEXT)
        failed(st.not_temporal, "texts that are not instants after 1970-01-01 (SQLAlchemy's "
               "form of an interval)")  # fmt: skip
        return Decision(t, cast.label, Reencode.MICROSECONDS)
    if base in ("smallint", "integer", "bigint"):
        only(C_INT)
        if lo is not None and hi is not None and integer_type(lo, hi, base) != base:
            raise refuse(f"holds integers from {lo} to {hi}, beyond {base}")
        return Decision(t, cast.label)
    if base == "boolean":
        only(C_INT, C_TEXT)
        if lo is not None and hi is not None and not 0 <= lo <= hi <= 1:
            raise refuse(f"holds integers from {lo} to {hi}; booleans are 0 and 1")
        failed(st.not_boolean, "texts that are not booleans")
        return Decision(t, cast.label)
    if base in ("double precision", "real"):
        only(C_INT, C_REAL)
        if lo is not None and hi is not None and not -EXACT_DOUBLE <= lo <= hi <= EXACT_DOUBLE:
            raise refuse(f"holds integers from {lo} to {hi}, which a double rounds")
        if base == "real" and (st.classes.reals or (hi or 0) > 2**24 or (lo or 0) < -(2**24)):
            return Decision(t, cast.label, None, "real keeps 6 significant digits: PostgreSQL "
                            "rounds the reals and large integers on input")  # fmt: skip
        return Decision(t, cast.label)
    if base == "numeric":
        only(C_INT, C_REAL)
        if st.infinities:
            raise refuse(f"holds {st.infinities} infinities, which numeric cannot hold everywhere")
        d = cast.declared_as
        if (
            d.precision is not None
            and lo is not None
            and hi is not None
            and int_digits(lo, hi) > d.precision - (d.scale or 0)
        ):
            raise refuse(f"holds integers from {lo} to {hi}, too long for {t}")
        if cast.target and not st.numeric_misfit.ok:  # the column's scale: PostgreSQL rounds
            return Decision(t, cast.label, Reencode.REAL_SHORTEST, f"{t} rounds "
                            f"{st.numeric_misfit.failures} values: "
                            f"{st.numeric_misfit.describe()}")  # fmt: skip
        failed(st.numeric_misfit, f"values {t} would round")
        return Decision(t, cast.label, Reencode.REAL_SHORTEST)
    if base in ("varchar", "text"):
        only(C_INT, C_REAL, C_TEXT)
        if base == "varchar":
            if C_REAL in kinds:
                raise refuse("holds reals: cast to text", cls=C_REAL)
            failed(st.too_long, f"values longer than {cast.declared_as.length} characters")
            if (
                lo is not None
                and hi is not None
                and int_digits(lo, hi) + (lo < 0) > (cast.declared_as.length or 0)
            ):
                raise refuse(f"holds integers from {lo} to {hi}, longer than {t}")
        return Decision(t, cast.label, Reencode.REAL_SHORTEST if C_REAL in kinds else None)
    if base == "bytea":
        return Decision(t, cast.label, Reencode.TO_BYTEA if kinds - {C_BLOB} else None)
    if base in ("timestamp", "timestamptz", "date", "time"):
        only(C_TEXT)
        failed(st.not_temporal, f"values that are not {base} values")
        if base == "timestamp" and st.with_offset:
            raise refuse(f"holds {st.with_offset} values with a UTC offset: cast to timestamptz")
        dated = Reencode.TIME_OF_DAY if base == "time" and st.dated_times else None
        return Decision(t, cast.label, dated, _rounded(st, cast))
    if base in ("json", "jsonb"):
        only(C_INT, C_REAL, C_TEXT)
        if st.infinities:
            raise refuse(f"holds {st.infinities} infinities, which JSON cannot represent")
        failed(st.not_json, "values that are not valid JSON")
        return Decision(t, cast.label, Reencode.REAL_SHORTEST if C_REAL in kinds else None)
    if base == "uuid":  # texts, or 16-byte blobs (sqlalchemy_utils' binary UUIDType)
        only(C_TEXT, C_BLOB)
        failed(st.not_uuid, "values that are not UUIDs")
        return Decision(t, cast.label, Reencode.UUID_FROM_BLOB if C_BLOB in kinds else None)
    if base == "inet":
        only(C_TEXT)
        failed(st.not_inet, "values that are not IP addresses")
        return Decision(t, cast.label)
    if cast.declared_as.cat is Cat.ENUM:
        only(C_TEXT)
        failed(st.not_label, "values that are not among the type's labels")
        return Decision(t, cast.label)
    raise refuse(f"cannot be cast to {t}")  # pragma: no cover - parse_cast accepts no other


def _rounded(st: ColumnStats, cast: Cast) -> str | None:
    """Times with more fraction digits than the target's timestamp(p): PostgreSQL rounds."""
    if st.too_precise.ok:
        return None
    return (
        f"{cast.pg_type}({cast.declared_as.precision}) rounds {st.too_precise.failures} "
        f"values to {cast.declared_as.precision} fraction digits: {st.too_precise.describe()}"
    )


_EPOCH_RECODE = {
    "epoch-s": Reencode.EPOCH_S,
    "epoch-ms": Reencode.EPOCH_MS,
    "epoch-us": Reencode.EPOCH_US,
    "julian-day": Reencode.JULIAN_DAY,
}
