"""write.inserts: a COPY field read back as PostgreSQL's COPY reads it and written as one
literal; loaded by psql, the INSERT form holds exactly what the COPY form holds."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dumpconv.base.encode import bytea_hex, copy_escape
from dumpconv.base.errors import DumpconvError
from dumpconv.write import inserts
from dumpconv.write.pgcheck import check_statement
from dumpconv.write.writer import Writer
from tests.pgharness import PgServer

# Text as hostile to a literal as to COPY: quotes, backslashes, the end-of-data marker,
# what E'' and U& forms read, psql's meta-commands and variables, every control character,
# line separators and U+FFFD.
HOSTILE = st.lists(
    st.sampled_from(
        ["'", '"', "\\", ".", "\\.", "E'", "U&", "$$", ":x", ":'x'", "\n", "\r", "\t", "\x01",
         "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\ufffd", "é", "😀", "x", " ", ";", "--",
         "/*", "\\N", "N", "\\x41", "\\101"]
    ),
    max_size=12,
).map("".join)  # fmt: skip
VALUE = st.one_of(st.none(), HOSTILE)


def field(value: str | None) -> bytes:
    return b"\\N" if value is None else copy_escape(value.encode("utf-8"))


@given(VALUE)
def test_a_field_reads_back_as_the_value(value: str | None) -> None:
    assert inserts.copy_value(field(value)) == value


@given(st.lists(VALUE, min_size=1, max_size=4))
def test_every_statement_passes_the_check(values: list[str | None]) -> None:
    row = b"\t".join(field(v) for v in values) + b"\n"
    cols = [f"c{i}" for i in range(len(values))]
    for sql in inserts.statements("t", "public", cols, [row * 2], 2):
        check_statement(sql, "insert")


def test_copy_escapes_dumpconv_never_writes_are_read_as_postgresql_does() -> None:
    assert inserts.copy_value(b"a\\bb\\fc\\vd") == "a\bb\fc\vd"
    assert inserts.copy_value(b"\\101\\x41\\q\\N") == "AAqN"


@pytest.mark.parametrize("raw", [b"a\\x00b", b"\\000", b"\xff", b"\\xff"])
def test_nul_and_invalid_utf8_are_refused_as_copy_refuses_them(raw: bytes) -> None:
    with pytest.raises(DumpconvError, match="NUL or is not UTF-8"):
        inserts.literal(raw)


pg = pytest.mark.pg


def _script(rows: list[tuple[str | None, bytes | None]], per_insert: int) -> bytes:
    """Both forms of the same rows, into tables a (COPY) and b (INSERT)."""
    out = io.BytesIO()
    w = Writer(out)
    w.header("test", "", None)
    for table in ("a", "b"):
        w.statement(f"CREATE TABLE public.{table} (id integer, v text, x bytea, f float8);",
                    "create-table")  # fmt: skip
    data = b"".join(
        b"%d\t%s\t%s\t%s\n" % (
            i, field(v), b"\\N" if x is None else bytea_hex(x),
            [b"Infinity", b"-Infinity", b"NaN", b"1e-320", b"\\N"][i % 5],
        )
        for i, (v, x) in enumerate(rows)
    )  # fmt: skip
    w.rows("a", ["id", "v", "x", "f"], [data], None)
    w.rows("b", ["id", "v", "x", "f"], [data], per_insert)
    w.footer(None)
    return out.getvalue()


@pg
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.tuples(VALUE, st.none() | st.binary(max_size=6)), min_size=1, max_size=8),
    per_insert=st.integers(1, 3),
)
def test_inserts_load_what_copy_loads(
    rows: list[tuple[str | None, bytes | None]], per_insert: int, pg_server: PgServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:  # fmt: skip
    path = Path(tmp_path_factory.mktemp("inserts")) / "rows.sql"
    path.write_bytes(_script(rows, per_insert))
    dsn = pg_server.create_db()
    try:
        result = pg_server.load_sql(dsn, path)
        assert result.returncode == 0, result.stderr
        query = "SELECT id, v, x, f::text FROM public.{} ORDER BY id"
        copied = pg_server.query(dsn, query.format("a"))
        assert copied == pg_server.query(dsn, query.format("b"))
        assert [r[1] for r in copied] == [v for v, _ in rows]
        assert [r[2] for r in copied] == [x for _, x in rows]
    finally:
        pg_server.drop_db(dsn)
