"""spool: COPY text per table in one anonymous temporary file, read back in order, with
widened columns re-encoded from their per-row storage classes.

Re-encoded values are checked against SQLite: a value stored as bytea must be the bytes
SQLite's CAST(value AS BLOB) gives for integers and texts, and a real must come back as the
same double.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dumpconv.base.encode import C_BLOB, C_INT, C_REAL, C_TEXT, copy_unescape
from dumpconv.decide.typemap import Reencode
from dumpconv.read.rows import Batch, Value, convert_run, encode_rows
from dumpconv.write.spool import Recode, Spool, combine, convert_field, nul_step, steps

PREFIX = b"INSERT INTO t VALUES("


def rows_batch(rows: list[tuple[Value, ...]], line: int = 1) -> Batch:
    return encode_rows(rows, len(rows[0]), line)


def read_all(spool: Spool, key: str, reencode: dict[int, Recode] | None = None) -> bytes:
    return b"".join(spool.read(key, reencode or {}))


def copy_rows(data: bytes) -> list[list[bytes]]:
    return [line.split(b"\t") for line in data[:-1].split(b"\n")] if data else []


def test_interleaved_tables_read_back_in_order(tmp_path: Path) -> None:
    with Spool(str(tmp_path)) as spool:
        spool.write("a", rows_batch([(1, "a1"), (2, "a2")]))
        spool.write("b", rows_batch([("b1",)]))
        spool.write("a", rows_batch([(3, "a3")]))
        spool.write("b", rows_batch([("b2",), ("b3",)]))
        spool.write("a", rows_batch([(4, None)]))
        assert read_all(spool, "a") == b"1\ta1\n2\ta2\n3\ta3\n4\t\\N\n"
        assert read_all(spool, "b") == b"b1\nb2\nb3\n"
        assert spool.rows("a") == 4
        assert spool.rows("b") == 3
        assert spool.rows("nothing") == 0
        assert read_all(spool, "nothing") == b""
        # reading does not consume: a second read gives the same
        assert read_all(spool, "a") == b"1\ta1\n2\ta2\n3\ta3\n4\t\\N\n"
        assert spool.size == len(b"1\ta1\n2\ta2\n3\ta3\n4\t\\N\nb1\nb2\nb3\n")


def test_dropping_every_written_table_empties_the_file(tmp_path: Path) -> None:
    """A dump's tables are written one by one: the spool holds only those not yet written,
    so its file does not grow with the dump."""
    with Spool(str(tmp_path)) as spool:
        spool.write("a", rows_batch([(1, "a1"), (2, "a2")]))
        spool.write("b", rows_batch([("b1",)]))
        spool.drop("a")
        assert spool.rows("a") == 0
        assert read_all(spool, "b") == b"b1\n"
        assert spool.size > 0  # b's rows are still there
        spool.drop("b")
        assert spool.size == 0
        spool.write("c", rows_batch([(3, "c3")]))
        assert read_all(spool, "c") == b"3\tc3\n"
        assert spool.size == len(b"3\tc3\n")


def test_consecutive_batches_of_one_table_merge_into_one_chunk() -> None:
    with Spool() as spool:
        for n in range(50):
            spool.write("t", rows_batch([(n, f"row {n}")]))
        pieces = list(spool.read("t", {}))
        assert len(pieces) == 1  # one chunk: one read
        assert pieces[0] == b"".join(f"{n}\trow {n}\n".encode() for n in range(50))
        assert spool.rows("t") == 50


def test_batches_split_by_another_table_or_other_classes_stay_separate() -> None:
    with Spool() as spool:
        spool.write("t", rows_batch([(1,)]))
        spool.write("u", rows_batch([(2,)]))
        spool.write("t", rows_batch([(3,)]))
        spool.write("t", rows_batch([("text",)]))  # another storage class
        spool.write("t", rows_batch([(4,), ("mixed",)]))  # a mixed column
        spool.write("t", rows_batch([(5,)]))
        pieces = list(spool.read("t", {}))
        assert b"".join(pieces) == b"1\n3\ntext\n4\nmixed\n5\n"
        assert len(pieces) == 5
        assert spool.rows("t") == 6


def sqlite_blob_of(value: Value) -> bytes:
    """The bytes SQLite gives a value cast to BLOB (its text, for numbers)."""
    conn = sqlite3.connect(":memory:")
    return bytes(conn.execute("SELECT CAST(? AS BLOB)", (value,)).fetchone()[0])


def bytea_field(raw: bytes) -> bytes:
    return b"\\\\x" + raw.hex().encode()


def test_to_bytea_uses_each_rows_class() -> None:
    values: list[Value] = [b"\x00\xff", "text\twith tab", 42, "0.5", b"", None, "\\N", 7]
    batch = rows_batch([(v, n) for n, v in enumerate(values)])
    with Spool() as spool:
        spool.write("t", batch)
        rows = copy_rows(read_all(spool, "t", {0: Reencode.TO_BYTEA}))
    got = [r[0] for r in rows]
    want = [
        bytea_field(b"\x00\xff"),  # a blob stays as it is
        bytea_field(b"text\twith tab"),  # text: its UTF-8 bytes, unescaped
        bytea_field(sqlite_blob_of(42)),  # an integer: the bytes of its text, as in SQLite
        bytea_field(b"0.5"),  # a text that looks like a number is still a text
        bytea_field(b""),
        b"\\N",
        bytea_field(b"\\N"),  # the text \N is not NULL
        bytea_field(sqlite_blob_of(7)),
    ]
    assert got == want
    assert [r[1] for r in rows] == [str(n).encode() for n in range(len(values))]  # untouched


def test_to_bytea_of_reals_is_their_shortest_text() -> None:
    batch = rows_batch([(0.5,), (b"\x01",)])
    with Spool() as spool:
        spool.write("t", batch)
        rows = copy_rows(read_all(spool, "t", {0: Reencode.TO_BYTEA}))
    assert rows == [[bytea_field(sqlite_blob_of(0.5))], [bytea_field(b"\x01")]]


def test_real_shortest_rewrites_reals_and_nothing_else() -> None:
    # the fast path keeps a real's digits as the dump wrote them (CLI 3.40 style)
    body = (
        b"INSERT INTO t VALUES(0.10000000000000000555,'0.10000000000000000555');\n"
        b"INSERT INTO t VALUES('0.10000000000000000555',1e999);\n"
        b"INSERT INTO t VALUES(3,-2.5);\n"
        b"INSERT INTO t VALUES(NULL,'x');\n"
    )
    batch = convert_run(body, PREFIX, 2, 1)
    assert batch is not None
    with Spool() as spool:
        spool.write("t", batch)
        plain = copy_rows(read_all(spool, "t"))
        rows = copy_rows(
            read_all(spool, "t", {0: Reencode.REAL_SHORTEST, 1: Reencode.REAL_SHORTEST})
        )
    assert plain[0][0] == b"0.10000000000000000555"
    assert rows == [
        [b"0.1", b"0.10000000000000000555"],  # the text keeps its digits
        [b"0.10000000000000000555", b"Infinity"],
        [b"3", b"-2.5"],  # an integer is not a real
        [b"\\N", b"x"],
    ]


def test_reencoding_only_touches_chunks_that_need_it() -> None:
    with Spool() as spool:
        spool.write("t", rows_batch([("a", 1)]))
        spool.write("u", rows_batch([(0,)]))
        spool.write("t", rows_batch([(b"\x02", 2)]))
        spool.write("t", rows_batch([(None, 3)]))
        rows = copy_rows(read_all(spool, "t", {0: Reencode.TO_BYTEA}))
    assert rows == [[bytea_field(b"a"), b"1"], [bytea_field(b"\x02"), b"2"], [b"\\N", b"3"]]


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.integers(min_value=-(2**63), max_value=2**63 - 1),
            st.floats(allow_nan=False),
            st.text(alphabet=st.characters(blacklist_categories=["Cs"])),
            st.binary(max_size=6),
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(min_value=1, max_value=4),
)
def test_to_bytea_round_trip(values: list[Value], split: int) -> None:
    """Any mix of values, spooled in several batches, reads back as bytea that decodes to
    SQLite's bytes for each value; NULL stays NULL."""
    with Spool() as spool:
        for i in range(0, len(values), split):
            spool.write("t", rows_batch([(v,) for v in values[i : i + split]]))
        rows = copy_rows(read_all(spool, "t", {0: Reencode.TO_BYTEA}))
    assert len(rows) == len(values)
    for (field,), value in zip(rows, values, strict=True):
        if value is None:
            assert field == b"\\N"
            continue
        assert field.startswith(b"\\\\x")
        raw = bytes.fromhex(field[3:].decode())
        if isinstance(value, float):
            assert float(raw) == value  # the same double (SQLite's own text may differ)
        else:
            assert raw == sqlite_blob_of(value)


@given(
    st.lists(
        st.one_of(st.floats(allow_nan=False), st.integers(-(2**63), 2**63 - 1)),
        min_size=1,
        max_size=20,
    )
)
def test_real_shortest_keeps_every_double(values: list[float | int]) -> None:
    body = b"".join(PREFIX + repr(v).encode().replace(b"inf", b"1e999") + b");\n" for v in values)
    batch = convert_run(body, PREFIX, 1, 1)
    assert batch is not None
    with Spool() as spool:
        spool.write("t", batch)
        rows = copy_rows(read_all(spool, "t", {0: Reencode.REAL_SHORTEST}))
    for (field,), value in zip(rows, values, strict=True):
        if isinstance(value, int):
            assert field == str(value).encode()
        else:
            assert float(field) == value


@pytest.mark.parametrize(
    ("field", "kind", "how", "out"),
    [
        (b"0.10000000000000000555", C_REAL, Reencode.REAL_SHORTEST, b"0.1"),
        (b"12", C_INT, Reencode.REAL_SHORTEST, b"12"),
        (b"1.50", C_TEXT, Reencode.REAL_SHORTEST, b"1.50"),
        (b"a\\tb", C_TEXT, Reencode.TO_BYTEA, b"\\\\x610962"),
        (b"\\\\x00ff", C_BLOB, Reencode.TO_BYTEA, b"\\\\x00ff"),
        (b"-7", C_INT, Reencode.TO_BYTEA, b"\\\\x" + b"-7".hex().encode()),
    ],
)
def test_convert_field(field: bytes, kind: int, how: Reencode, out: bytes) -> None:
    assert convert_field(field, kind, how) == out


def test_converted_text_field_is_the_unescaped_text() -> None:
    field = b"line\\nbreak \\\\ backslash"
    out = convert_field(field, C_TEXT, Reencode.TO_BYTEA)
    assert bytes.fromhex(out[3:].decode()) == copy_unescape(field) == b"line\nbreak \\ backslash"


# --- NUL policy (issue 10) -------------------------------------------------------------------

REPLACEMENT = "\ufffd".encode()


def test_nul_policy_rewrites_text_fields_only() -> None:
    rows: list[tuple[Value, ...]] = [
        ("a\x00b", "\\x00 is text", b"\x00", 1.5),
        ("\x00\x00", "x\x00", None, 2.0),
        (7, "\\\x00", "\x00\x01", "t\x00"),
    ]
    batch = rows_batch(rows)
    assert batch.nul == [(0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (2, 3)]
    with Spool() as spool:
        spool.write("t", batch)
        raw = read_all(spool, "t")
        assert b"\x00" not in raw  # the spool holds escapes, never NUL
        for policy, repl in (("replace", REPLACEMENT), ("strip", b"")):
            step = nul_step(policy)
            out = copy_rows(read_all(spool, "t", dict.fromkeys(range(4), step)))
            got = [[copy_unescape(f) if f != b"\\N" else None for f in row] for row in out]
            assert got == [
                [b"a" + repl + b"b", b"\\x00 is text", b"\\x00", b"1.5"],  # blob untouched
                [repl * 2, b"x" + repl, None, b"2.0"],
                [b"7", b"\\" + repl, repl + b"\x01", b"t" + repl],
            ]


def test_nul_policy_combines_with_the_other_steps() -> None:
    body = (
        b"INSERT INTO t VALUES(0.10000000000000000555);\n"
        b"INSERT INTO t VALUES('\x80');\n"
        b"INSERT INTO t VALUES(3);\n"
    )
    fast = convert_run(body, PREFIX, 1, 1)
    assert fast is not None
    exact = rows_batch([("x\x00\udc80",)])
    how = combine(combine(Reencode.REAL_SHORTEST, Reencode.FIX_UTF8), nul_step("replace"))
    assert steps(how) == {Reencode.REAL_SHORTEST, Reencode.FIX_UTF8, Reencode.NUL_REPLACE}
    with Spool() as spool:
        spool.write("t", fast)
        spool.write("t", exact)
        out = read_all(spool, "t", {0: how})
    assert out == b"0.1\n" + REPLACEMENT + b"\n3\nx" + REPLACEMENT + REPLACEMENT + b"\n"


def test_a_bytea_column_keeps_nul_exactly() -> None:
    batch = rows_batch([("a\x00b",), (b"\x00",), ("\\x00",)])
    with Spool() as spool:
        spool.write("t", batch)
        for how in (Reencode.TO_BYTEA, combine(Reencode.TO_BYTEA, nul_step("strip"))):
            rows = copy_rows(read_all(spool, "t", {0: how}))
            assert rows == [[bytea_field(b"a\x00b")], [bytea_field(b"\x00")],
                            [bytea_field(b"\\x00")]]  # fmt: skip


@pytest.mark.parametrize(
    ("how", "step", "out"),
    [
        (None, Reencode.FIX_UTF8, Reencode.FIX_UTF8),
        (Reencode.REAL_SHORTEST, Reencode.FIX_UTF8, Reencode.TEXT_SAFE),  # as before
        (Reencode.TEXT_SAFE, Reencode.FIX_UTF8, Reencode.TEXT_SAFE),
        (Reencode.TO_BYTEA, Reencode.FIX_UTF8, Reencode.TO_BYTEA),  # bytea keeps its bytes
        (Reencode.TO_BYTEA, Reencode.NUL_REPLACE, Reencode.TO_BYTEA),
        (None, Reencode.NUL_STRIP, Reencode.NUL_STRIP),
        (Reencode.NUL_REPLACE, Reencode.NUL_REPLACE, Reencode.NUL_REPLACE),
        (Reencode.REAL_SHORTEST, Reencode.NUL_REPLACE,
         frozenset({Reencode.REAL_SHORTEST, Reencode.NUL_REPLACE})),
        (Reencode.TEXT_SAFE, Reencode.NUL_STRIP,
         frozenset({Reencode.REAL_SHORTEST, Reencode.FIX_UTF8, Reencode.NUL_STRIP})),
        (Reencode.EPOCH_MS, Reencode.NUL_REPLACE,
         frozenset({Reencode.EPOCH_MS, Reencode.NUL_REPLACE})),
        (frozenset({Reencode.REAL_SHORTEST, Reencode.NUL_REPLACE}), Reencode.FIX_UTF8,
         frozenset({Reencode.REAL_SHORTEST, Reencode.FIX_UTF8, Reencode.NUL_REPLACE})),
    ],
)  # fmt: skip
def test_combine(how: Recode | None, step: Reencode, out: Recode) -> None:
    assert combine(how, step) == out


@pytest.mark.parametrize(
    ("how", "step"),
    [(Reencode.NUL_REPLACE, Reencode.NUL_STRIP), (Reencode.EPOCH_S, Reencode.TO_BYTEA)],
)
def test_combine_refuses_conflicts(how: Reencode, step: Reencode) -> None:
    with pytest.raises(ValueError, match=r"NUL policies|conflicting"):
        combine(how, step)


def test_nul_step() -> None:
    assert nul_step("replace") is Reencode.NUL_REPLACE
    assert nul_step("strip") is Reencode.NUL_STRIP
    with pytest.raises(ValueError, match="refuse"):
        nul_step("refuse")


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.integers(-(2**63), 2**63 - 1),
            st.floats(allow_nan=False),
            st.text(st.sampled_from("a\x00\\x0\t\n\x1b\udc80")),
            st.binary(max_size=4),
        ),
        min_size=1,
        max_size=10,
    ),
    st.sampled_from([None, Reencode.REAL_SHORTEST, Reencode.FIX_UTF8, Reencode.TEXT_SAFE]),
    st.sampled_from(["replace", "strip"]),
)
def test_nul_policy_reencoding_matches_the_values(
    values: list[Value], base: Reencode | None, policy: str
) -> None:
    """Each value reads back as the existing re-encoding gives it, with its NULs (and only
    them) replaced or removed; no field holds a control byte."""
    repl = {"replace": REPLACEMENT, "strip": b""}[policy]
    batch = rows_batch([(v,) for v in values])
    with Spool() as spool:
        spool.write("t", batch)
        plain = copy_rows(read_all(spool, "t", {0: base} if base else {}))
        out = copy_rows(read_all(spool, "t", {0: combine(base, nul_step(policy))}))
    for (before,), (after,), value in zip(plain, out, values, strict=True):
        assert not {*range(0x20), 0x7F} & set(after)
        if isinstance(value, str):
            assert copy_unescape(after) == copy_unescape(before).replace(b"\x00", repl)
        else:
            assert after == before


@pytest.mark.parametrize(
    ("how", "kind", "field"),
    [(how, kind, field)
     for how in [Reencode.REAL_SHORTEST, Reencode.FIX_UTF8, Reencode.TEXT_SAFE, Reencode.TO_BYTEA,
                 Reencode.EPOCH_S, Reencode.JULIAN_DAY]
     for kind, field in [(C_INT, b"12"), (C_REAL, b"0.10000000000000000555"),
                         (C_REAL, b"1.5e9"), (C_TEXT, b"a\\tb\x80"), (C_BLOB, b"\\\\x00ff")]],
)  # fmt: skip
def test_single_steps_unchanged(how: Reencode, kind: int, field: bytes) -> None:
    """A single step gives what it gave before steps could be combined."""
    if how is Reencode.TO_BYTEA:
        want = (field if kind == C_BLOB else bytea_field(
            copy_unescape(field) if kind == C_TEXT
            else repr(float(field)).encode() if kind == C_REAL else field))  # fmt: skip
    elif how.value.startswith(("epoch", "julian")):
        from dumpconv.decide.casts import epoch_to_text

        want = (
            (epoch_to_text(field, how.value, True) or field) if kind in (C_INT, C_REAL) else field
        )
    else:
        real = how in (Reencode.REAL_SHORTEST, Reencode.TEXT_SAFE)
        text = how in (Reencode.FIX_UTF8, Reencode.TEXT_SAFE)
        want = field
        if kind == C_REAL and real:
            want = repr(float(field)).encode()
        if kind == C_TEXT and text:
            want = field.decode("utf-8", "replace").encode()
    assert convert_field(field, kind, how) == want


def _open_fds_under(directory: Path) -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(directory)):
            found.append(target)
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_the_temporary_file_has_no_name_and_is_gone_after_close(tmp_path: Path) -> None:
    spool = Spool(str(tmp_path))
    spool.write("t", rows_batch([(1, "x" * 1000)]))
    assert os.listdir(tmp_path) == []  # anonymous from the start: nothing to clean up
    assert len(_open_fds_under(tmp_path)) == 1  # but open, holding the data
    spool.close()
    assert _open_fds_under(tmp_path) == []
    assert os.listdir(tmp_path) == []


def test_context_manager_closes_even_on_error(tmp_path: Path) -> None:
    def fail() -> None:
        with Spool(str(tmp_path)) as spool:
            spool.write("t", rows_batch([(1,)]))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    assert _open_fds_under(tmp_path) == []


_CELLS = st.sampled_from([None, 1, 2.5, "t", "x\ty", b"\x00", "é"])


@given(st.lists(st.lists(_CELLS, min_size=1, max_size=4), min_size=1, max_size=12))
def test_reading_from_a_length_taken_earlier_gives_the_rows_written_since(
    cells: list[list[Value]],
) -> None:
    """A streaming table reads what was spooled since its last write: batches of a few rows
    (same classes merge into one chunk, others start one, mixed ones keep per-row classes),
    read from every batch boundary, re-encoded as a whole read is."""
    how: dict[int, Recode] = {0: Reencode.REAL_SHORTEST, 1: Reencode.TO_BYTEA}
    with Spool() as spool:
        marks = [0]
        for values in cells:
            spool.write("t", rows_batch([(v, v) for v in values]))
            marks.append(spool.length("t"))
        assert spool.length("t") == len(read_all(spool, "t"))
        rows = copy_rows(b"".join(spool.read("t", how)))
        before = 0
        for mark, values in zip(marks, [*cells, []], strict=True):
            since = b"".join(spool.read("t", how, start=mark))
            assert copy_rows(since) == rows[before:]
            before += len(values)
