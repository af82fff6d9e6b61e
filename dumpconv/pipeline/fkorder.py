"""The order rows are loaded in when foreign keys already exist (``--target-schema``,
``--data-only``): referenced tables first."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reference:
    """One foreign key of a loaded table: the table it references, by the same names as
    the loaded tables; whether PostgreSQL may defer it; its name."""

    table: str
    deferrable: bool
    name: str


def referenced_first(
    refs: dict[str, list[Reference]],
) -> tuple[list[str], list[tuple[str, Reference]]]:
    """The tables of ``refs`` (in its order), each after the tables it references when an
    order allows; and the foreign keys no order satisfies (a table referencing itself, or a
    cycle: the first table pending is taken) that PostgreSQL cannot already defer.
    References to tables not in ``refs`` are left out of the order."""
    order: list[str] = []
    placed: set[str] = set()
    pending = list(refs)
    while pending:
        ready = [
            name
            for name in pending
            if all(r.table in placed or r.table == name or r.table not in refs for r in refs[name])
        ]
        step = ready or pending[:1]  # a cycle: take the first, defer its keys
        for name in step:
            order.append(name)
            placed.add(name)
            pending.remove(name)
    unsatisfied = []
    position = {name: i for i, name in enumerate(order)}
    for name in order:
        for r in refs[name]:
            later = position.get(r.table, -1) >= position[name]
            if later and not r.deferrable:
                unsatisfied.append((name, r))
    return order, unsatisfied
