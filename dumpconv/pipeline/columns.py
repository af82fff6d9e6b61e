"""Column decisions shared by the planners of a whole dump and of a load into an existing
schema (``--target-schema``): each column's type, and the policies for text PostgreSQL
cannot store."""

from __future__ import annotations

from dumpconv.base.errors import DumpconvError
from dumpconv.base.report import Severity
from dumpconv.decide.choose import decide
from dumpconv.decide.fit import decide_cast
from dumpconv.decide.typemap import Cat, Decision, Reencode, declared, parameter_note, render
from dumpconv.pipeline.state import Conversion, TableState
from dumpconv.write.spool import Recode, combine, nul_step

_KEY_TYPES = ("integer", "bigint")


def decide_columns(
    state: TableState, refused: list[DumpconvError] | None = None
) -> dict[str, Decision]:
    """Each column's type: the user's cast, else the decision from the data.

    A column whose data does not fit a cast that must hold raises, or, with ``refused``,
    is added to it (and gets the ordinary decision), so that every refusal can be listed.
    """
    table = state.table
    out: dict[str, Decision] = {}
    casts = state.casts or [None] * len(table.insert_columns)
    for col, st, cast in zip(table.insert_columns, state.stats.columns, casts, strict=True):
        declined = ""
        # An INTEGER PRIMARY KEY takes only integer types (the catalog checks the user's).
        if cast is not None and (
            col.name != table.rowid_alias or cast.target or cast.pg_type in _KEY_TYPES
        ):
            try:
                out[col.key] = decide_cast(st, cast, f"{table.name}.{col.name}")
                continue
            except DumpconvError as e:
                if cast.origin is None or cast.target:
                    # the user's cast, or the target column: the data must fit it
                    if refused is None:
                        raise
                    refused.append(e)
                else:
                    framework = cast.origin.split(":")[0]
                    declined = f"{framework}'s type {cast.pg_type} does not fit: {e.message}; "
        dec = decide(
            st, rowid_alias=col.name == table.rowid_alias, where=f"{table.name}.{col.name}"
        )
        name = col.declared.strip().upper()
        limit = parameter_note(col.declared)
        if limit is not None and not dec.reason:
            dec = Decision(dec.pg_type, f"{limit}; {dec.pg_type} holds every value",
                           dec.reencode)  # fmt: skip
        if st.declared.cat is Cat.ANY and name not in ("", "ANY") and not dec.reason:
            dec = Decision(dec.pg_type, f"{col.declared} is no type PostgreSQL knows; "
                           f"{dec.pg_type} holds every value", dec.reencode)  # fmt: skip
        if declined:
            dec = Decision(dec.pg_type, declined + (dec.reason or f"{dec.pg_type} holds them"),
                           dec.reencode)  # fmt: skip
        out[col.key] = dec
    for col in table.columns:
        if col.key not in out:  # generated or hidden: the declared type decides
            out[col.key] = Decision(render(declared(col.declared)))
    return out


def unstorable_text(st: Conversion, state: TableState, reencode: dict[int, Recode],
                     decisions: dict[str, Decision] | None) -> list[str]:  # fmt: skip
    """Apply the policies for text PostgreSQL cannot store (invalid UTF-8, NUL) on the way
    out, and report every value changed; a bytea column keeps the bytes as they are.

    Returns:
        What changed, per column (``column s: text …``), for the comments above the table.
    """
    changed: list[str] = []
    nul = st.options.nul
    for log, step, code, change in (
        (state.bad_utf8, Reencode.FIX_UTF8, "invalid-utf8-replaced",
         "is not valid UTF-8; invalid bytes replaced by U+FFFD"),
        (state.nul, nul_step(nul) if nul != "refuse" else None,
         "nul-replaced" if nul == "replace" else "nul-stripped",
         "holds NUL bytes, which PostgreSQL text cannot hold; "
         + ("each replaced by U+FFFD" if nul == "replace" else "removed")),
    ):  # fmt: skip
        for c, count in log.counts.items():
            col = state.table.insert_columns[c]
            if decisions is not None and decisions[col.key].pg_type == "bytea":
                continue
            assert step is not None  # a refused value stopped the conversion
            reencode[c] = combine(reencode.get(c), step)
            values = "1 value" if count == 1 else f"{count} values"
            what = f"text {change} ({values}: {log.where(c)})"
            st.report.add(code, Severity.LOSSY, f"{state.table.name}.{col.name}: {what}",
                          line=log.runs[c][0][0])  # fmt: skip
            changed.append(f"column {col.name}: {what}")
    return changed
