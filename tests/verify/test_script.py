"""verify.script: the COPY blocks of a script, read back from what the writer writes."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from dumpconv.base.encode import copy_escape
from dumpconv.verify.script import CopyTarget, ScriptTap, parse_copy
from dumpconv.write.writer import Writer

# Names PostgreSQL can hold: no NUL, not empty (quote_ident refuses those).
NAMES = st.text(st.characters(blacklist_characters="\x00", codec="utf-8"), min_size=1,
                max_size=20)  # fmt: skip


class Blocks:
    """A ``script.Tables`` that keeps what it is given."""

    def __init__(self) -> None:
        self.blocks: list[tuple[CopyTarget, bytes]] = []
        self.open: CopyTarget | None = None
        self.data = b""

    def begin(self, target: CopyTarget) -> None:
        assert self.open is None
        self.open, self.data = target, b""

    def rows(self, data: bytes) -> None:
        assert self.open is not None
        assert data.endswith(b"\n")  # whole rows only
        self.data += data

    def end(self) -> None:
        assert self.open is not None
        self.blocks.append((self.open, self.data))
        self.open = None


@given(NAMES, NAMES, st.lists(NAMES, min_size=1, max_size=4))
def test_a_copy_line_reads_back_into_its_names(schema: str, table: str, cols: list[str]) -> None:
    out = io.BytesIO()
    Writer(out, schema).copy(table, cols, [])
    line = out.getvalue().decode("utf-8").splitlines()[0]
    assert parse_copy(line) == CopyTarget(schema, table, tuple(cols))


def test_other_lines_are_not_copies() -> None:
    assert parse_copy("COPY public.t (a) TO stdout;") is None
    assert parse_copy("-- COPY public.t (a) FROM stdin;") is None
    assert parse_copy("SET client_encoding = 'UTF8';") is None


# Fields made of what could be taken for the end of the rows: backslashes, dots, newlines.
FIELDS = st.text(st.sampled_from(["\\", ".", "\n", "a", "\t", "é"]), max_size=6)
ROWS = st.lists(st.lists(FIELDS, min_size=1, max_size=3), max_size=6).map(
    lambda rows: [b"\t".join(copy_escape(f.encode("utf-8")) for f in r) + b"\n" for r in rows]
)


@given(ROWS, ROWS, st.lists(st.integers(1, 40), min_size=1, max_size=30))
def test_blocks_arrive_whole_however_the_script_is_cut(
    first: list[bytes], second: list[bytes], cuts: list[int]
) -> None:
    script = io.BytesIO()
    w = Writer(script)
    w.header("x", "", "k")
    data = [first, second]
    w.copy("a", ["x"], data[0])
    w.statement("SELECT 1;", "select")
    w.copy("b b", ["y", "Z"], data[1])
    w.footer("k")
    text = script.getvalue()
    blocks = Blocks()
    tap = ScriptTap(blocks)
    at, i = 0, 0
    while at < len(text):
        step = cuts[i % len(cuts)]
        tap.write(text[at : at + step])
        at, i = at + step, i + 1
    assert not tap.inside_rows
    assert blocks.blocks == [
        (CopyTarget("public", "a", ("x",)), b"".join(data[0])),
        (CopyTarget("public", "b b", ("y", "Z")), b"".join(data[1])),
    ]
