"""The type of each column of ``--target-schema``: what its values must be to load.

A column of the target database is a cast the data must fit (``choose.decide_cast``), with
the target's own type: its varchar length, numeric precision and scale, timestamp precision,
enum labels. Types dumpconv has no conversion for load only NULLs.
"""

from __future__ import annotations

from dumpconv.decide.casts import Cast
from dumpconv.decide.typemap import MAX_NUMERIC_PRECISION, Cat, Declared
from dumpconv.read.pgschema import TargetColumn, TargetSchema

# Catalog type names → (the canonical name --cast uses, category).
_SIMPLE: dict[str, tuple[str, Cat]] = {
    "int2": ("smallint", Cat.SMALLINT),
    "int4": ("integer", Cat.INTEGER),
    "int8": ("bigint", Cat.BIGINT),
    "bool": ("boolean", Cat.BOOLEAN),
    "float8": ("double precision", Cat.DOUBLE),
    "float4": ("real", Cat.DOUBLE),
    "text": ("text", Cat.TEXT),
    "citext": ("text", Cat.TEXT),
    "bytea": ("bytea", Cat.BYTEA),
    "date": ("date", Cat.DATE),
    "json": ("json", Cat.JSON),
    "jsonb": ("jsonb", Cat.JSON),
    "uuid": ("uuid", Cat.UUID),
    "inet": ("inet", Cat.INET),
    "interval": ("interval", Cat.INTERVAL),
}
_TEMPORAL = {"timestamp": Cat.TIMESTAMP, "timestamptz": Cat.TIMESTAMP, "time": Cat.TIME}


def target_cast(
    table: str, col: TargetColumn, schema: TargetSchema, transform: str | None = None
) -> Cast | None:
    """The cast that loads a SQLite column into ``col``; None when dumpconv cannot convert
    values to its type (only NULLs load then). ``transform`` reads numbers as dates (a
    user's --cast, or Prisma's epoch milliseconds)."""
    pg_type, declared = _type(col, schema)
    if declared is None:
        return None
    if transform is not None and declared.cat is Cat.TIMESTAMP:
        declared = Declared(Cat.TIMESTAMP, precision=declared.precision, epoch=transform)
    else:
        transform = None
    return Cast(
        f"{table}.{col.name}={col.shown}", table, col.name, None, pg_type, declared, transform,
        f"target schema: {table}.{col.name} is {col.shown}", target=True,
    )  # fmt: skip


def _type(col: TargetColumn, schema: TargetSchema) -> tuple[str, Declared | None]:
    name, mods = col.type_name, col.mods
    if col.array:
        return col.shown, None
    if name in _SIMPLE:
        canonical, cat = _SIMPLE[name]
        return canonical, Declared(cat)
    if name in ("varchar", "bpchar"):
        if mods and mods[0] > 0:
            return f"varchar({mods[0]})", Declared(Cat.VARCHAR, length=mods[0])
        return "text", Declared(Cat.TEXT)
    if name == "numeric":
        if mods and 0 < mods[0] <= MAX_NUMERIC_PRECISION:
            p, s = mods[0], mods[1] if len(mods) > 1 else 0
            if 0 <= s <= p:
                return f"numeric({p},{s})", Declared(Cat.NUMERIC, precision=p, scale=s)
        return "numeric", Declared(Cat.NUMERIC)
    if name in _TEMPORAL:
        digits = mods[0] if mods and 0 <= mods[0] < 6 else None
        return name, Declared(_TEMPORAL[name], precision=digits)
    labels = schema.enums.get((col.type_schema or "public", name))
    if labels is not None:
        return "enum", Declared(Cat.ENUM, labels=frozenset(v.encode() for v in labels))
    return col.shown, None
