"""The checker of tests/end_to_end/test_schema_coverage.py on a small schema, without
PostgreSQL: what it lists from SQLite, what it finds in a catalog, which report lines it
takes as reasons and which not (a checker that finds everything would prove nothing)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.end_to_end.schemacover import Coverage, Obj, PgCatalog, sqlite_objects

SMALL_SCHEMA = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
CREATE TABLE "Child" (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE,
  qty INTEGER CHECK (qty > 0),
  price REAL,
  total REAL GENERATED ALWAYS AS (qty * price) STORED,
  CONSTRAINT price_positive CHECK (price >= 0),
  CHECK (qty < 1000)
);
CREATE INDEX child_qty ON "Child" (qty);
CREATE VIEW v AS SELECT * FROM parent;
CREATE TRIGGER t AFTER INSERT ON parent BEGIN SELECT 1; END;
"""


def _small(tmp_path: Path) -> list[Obj]:
    db = tmp_path / "small.db"
    con = sqlite3.connect(db)
    con.executescript(SMALL_SCHEMA)
    con.close()
    return sqlite_objects(db)


def _line(message: str) -> dict[str, Any]:
    return {"line": 1, "code": "object-left-out", "severity": "lossy", "message": message}


def test_the_checker_lists_every_object_neither_created_nor_reported(tmp_path: Path) -> None:
    objects = _small(tmp_path)
    assert sorted(o.kind for o in objects) == sorted(
        ["table", "table", "index", "view", "trigger", "primary key", "unique", "primary key",
         "foreign key", "check", "check", "check", "generated column"]
    )  # fmt: skip
    assert [(o.name, o.pg_name) for o in objects if o.kind == "table"] == [
        ("parent", "parent"), ("Child", "Child")
    ]  # fmt: skip
    # Nothing in PostgreSQL, nothing reported: every object is listed.
    assert len(Coverage(objects, PgCatalog(), []).missing()) == len(objects)
    # Lines that name an object without saying it was left out, or name another kind of
    # object, are no reason.
    unrelated = [
        _line("index child_qty: declared INTEGER, bigint"),
        _line("view child_qty not created: it is an index"),
        _line("trigger v on parent not converted: no such trigger"),
    ]
    assert len(Coverage(objects, PgCatalog(), unrelated).missing()) == len(objects)


def test_the_checker_takes_report_lines_as_reasons(tmp_path: Path) -> None:
    objects = _small(tmp_path)
    # The tables are in PostgreSQL, with nothing else.
    cat = PgCatalog(relations={"parent": "r", "Child": "r"})
    lines = [
        _line("index child_qty not created: x"),
        _line("view v not created: x"),
        _line("trigger t on parent not converted: x"),
        _line("unique parent_code_key on parent (code) not created: x"),
        _line("primary key on parent (id) not created: x"),
        _line("primary key on Child (id) not created: x"),
        _line("foreign key of Child (parent_id) to parent not created: x"),
        _line("generated column Child.total not created: x"),
        _line("check constraint price_positive on Child not created: x"),
        _line("check constraint on Child not created: x"),
    ]
    # One line for two unnamed checks: one of them is still missing.
    assert Coverage(objects, cat, lines).missing() == ["check on Child (qty): CHECK (qty < 1000)"]
    lines.append(_line("Child: CHECK (qty > 0) dropped: x"))
    assert Coverage(objects, cat, lines).missing() == []
    # A table left out, with its reason, stands for what belongs to it.
    table_only = [_line("table Child not created: x"), _line("table parent not created: x")]
    assert [o.split(":")[0] for o in Coverage(objects, PgCatalog(), table_only).missing()] == [
        "view v"
    ]


def test_the_checker_finds_objects_in_postgresql(tmp_path: Path) -> None:
    objects = _small(tmp_path)
    cat = PgCatalog(
        relations={"parent": "r", "Child": "r", "v": "v"},
        columns={("Child", "total"): "s", ("Child", "qty"): "", ("Child", "price"): ""},
        indexes=[
            ("parent", "parent_pkey", True, True, False, ("id",)),
            ("parent", "parent_code_key", True, False, False, ("code",)),
            ("Child", "Child_pkey", True, True, False, ("id",)),
            ("Child", "child_qty", False, False, False, ("qty",)),
        ],
        constraints=[
            ("Child", "Child_parent_id_fkey", "f", ("parent_id",), "parent", "c", "a"),
            ("Child", "price_positive", "c", ("price",), "", " ", " "),
            ("Child", "Child_qty_check", "c", ("qty",), "", " ", " "),
            ("Child", "Child_qty_check1", "c", ("qty",), "", " ", " "),
        ],
        triggers={("parent", "t")},
    )
    assert Coverage(objects, cat, []).missing() == []
    # A foreign key whose ON DELETE changed is not the same key; an index made non-unique
    # is not the same index.
    cat.constraints[0] = ("Child", "Child_parent_id_fkey", "f", ("parent_id",), "parent", "a", "a")
    cat.constraints.pop()  # and one unnamed CHECK less
    assert [o.split(" (")[0] for o in Coverage(objects, cat, []).missing()] == [
        "foreign key on Child",
        "check on Child",
    ]
