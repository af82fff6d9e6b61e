"""encode: COPY text fields, checked with PostgreSQL's own reading rules (tests/producers.py)."""

from __future__ import annotations

import math
import struct
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dumpconv.base.encode import (
    C_BLOB,
    C_INT,
    C_NULL,
    C_REAL,
    C_TEXT,
    NUL_POLICIES,
    NULL,
    apply_nul_policy,
    bytea_hex,
    copy_escape,
    copy_escape_joined,
    copy_unescape,
    encode_value,
    fix_utf8,
    real_text,
)
from tests.producers import copy_field, pg_bigint, pg_bytea, pg_float8

# Bytes that matter to COPY, mixed into arbitrary ones.
copy_bytes = st.lists(
    st.one_of(st.binary(max_size=4), st.sampled_from([b"\\", b"\t", b"\n", b"\r", b"\\N", b"\\.",
                                                      b"N", b"t", b"\\\\", b"\x00", b"\xff",
                                                      b"\\x00", b"x00", b"\\x", b"\x1b[2J",
                                                      b"\x7f", b"\x0b\x0c\x08"])),
    max_size=12,
).map(b"".join)  # fmt: skip
CONTROL_BYTES = frozenset([*range(0x20), 0x7F])


@given(raw=copy_bytes)
def test_copy_escape_round_trip(raw: bytes) -> None:
    field = copy_escape(raw)
    assert copy_unescape(field) == raw
    assert copy_field(field) == raw  # as PostgreSQL reads it
    # One field, one line: no raw delimiter or line end is left.
    assert b"\t" not in field
    assert b"\n" not in field
    assert b"\r" not in field
    assert field != NULL  # no text can turn into NULL
    assert field != b"\\."  # nor end the COPY block
    # No control byte at all: nothing a terminal or a reader would act on.
    assert not CONTROL_BYTES & set(field)


@given(raw=st.binary())
def test_copy_escape_round_trip_any_bytes(raw: bytes) -> None:
    field = copy_escape(raw)
    assert copy_unescape(field) == raw
    assert copy_field(field) == raw
    assert not CONTROL_BYTES & set(field)


@given(pieces=st.lists(copy_bytes.map(lambda b: b.replace(b"\x00", b"")), max_size=6))
def test_copy_escape_joined_keeps_the_separators(pieces: list[bytes]) -> None:
    """The fast row reader escapes a run's NUL-free strings at once, joined by NUL."""
    joined = copy_escape_joined(b"\x00".join(pieces))
    assert joined.split(b"\x00") == [copy_escape(p) for p in pieces] or not pieces


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"", b""),
        (b"plain", b"plain"),
        (b"a\tb", b"a\\tb"),
        (b"a\nb", b"a\\nb"),
        (b"a\rb", b"a\\rb"),
        (b"\r\n", b"\\r\\n"),
        (b"C:\\dir", b"C:\\\\dir"),
        (b"\\N", b"\\\\N"),
        (b"\\.", b"\\\\."),
        (b"\\t", b"\\\\t"),
        # every other control byte as \xHH (PostgreSQL reads one or two hex digits)
        (b"\x0b\x0c\x08\x7f", b"\\x0b\\x0c\\x08\\x7f"),
        (b"a\x00b", b"a\\x00b"),
        (b"\x1b[31mred", b"\\x1b[31mred"),
        (b"\x01\x1f", b"\\x01\\x1f"),
        (b"\\x00", b"\\\\x00"),  # the text \x00 is not a NUL
        (b"\x00\t\\", b"\\x00\\t\\\\"),
    ],
)
def test_copy_escape_examples(raw: bytes, field: bytes) -> None:
    assert copy_escape(raw) == field
    assert copy_unescape(field) == raw


# --- reals --------------------------------------------------------------------------------


def shortest_digits(text: bytes) -> int:
    """Significant digits in a decimal float text."""
    mantissa = text.lower().split(b"e")[0].lstrip(b"-").replace(b".", b"")
    return len(mantissa.strip(b"0")) or 1


@given(x=st.floats(allow_nan=False, allow_infinity=False))
def test_real_text_round_trips_shortest(x: float) -> None:
    text = real_text(x)
    back = pg_float8(text)  # PostgreSQL float8 input accepts it
    assert struct.pack(">d", back) == struct.pack(">d", x)  # bit for bit, sign of zero too
    n = shortest_digits(text)
    if n > 1:  # no shorter decimal reads back as the same double
        assert float(f"{x:.{n - 2}e}") != x


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (math.inf, b"Infinity"),
        (-math.inf, b"-Infinity"),
        (0.1, b"0.1"),
        (1 / 3, b"0.3333333333333333"),
        (2.0**63, b"9.223372036854776e+18"),
        (5e-324, b"5e-324"),
        (1e308, b"1e+308"),
        (2.0, b"2.0"),
        (0.0, b"0.0"),
    ],
)
def test_real_text_examples(x: float, text: bytes) -> None:
    assert real_text(x) == text
    assert pg_float8(text) == x


# --- blobs ----------------------------------------------------------------------------------


@given(raw=st.binary())
def test_bytea_hex(raw: bytes) -> None:
    field = bytea_hex(raw)
    value = copy_field(field)
    assert value is not None
    assert pg_bytea(value) == raw
    assert field == b"\\\\x" + raw.hex().encode()


# --- invalid UTF-8 --------------------------------------------------------------------------

utf8ish = st.lists(
    st.one_of(st.text(max_size=3).map(lambda s: s.encode("utf-8", "surrogatepass")),
              st.binary(max_size=3),
              st.sampled_from([b"\x80", b"\xff", b"\xc0\xaf", b"\xe2\x82", b"\xed\xa0\x80",
                               b"\xf4\x90\x80\x80", b"\xf0\x9f\x98"])),
    max_size=8,
).map(b"".join)  # fmt: skip


@given(raw=utf8ish)
def test_fix_utf8_matches_python_replace(raw: bytes) -> None:
    fixed = fix_utf8(raw)
    assert fixed == raw.decode("utf-8", "replace").encode("utf-8")
    fixed.decode("utf-8")  # always valid
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        assert "\ufffd" in fixed.decode("utf-8")
    else:
        assert fixed == raw


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"a\x80b", "a\ufffdb"),
        (b"\xe2\x82", "\ufffd"),  # a truncated sequence is one maximal subpart
        (b"\xe2\x82a", "\ufffda"),
        (b"\xc0\xaf", "\ufffd\ufffd"),  # overlong
        (b"\xed\xa0\x80", "\ufffd\ufffd\ufffd"),  # encoded surrogate
        (b"\xf4\x90\x80\x80", "\ufffd\ufffd\ufffd\ufffd"),  # above U+10FFFF
        (b"\xf0\x9f\x98\x80", "😀"),
    ],
)
def test_fix_utf8_maximal_subparts(raw: bytes, text: str) -> None:
    assert fix_utf8(raw) == text.encode("utf-8")


# --- encode_value -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "field", "cls"),
    [
        (None, b"\\N", C_NULL),
        (0, b"0", C_INT),
        (-1, b"-1", C_INT),
        (2**63 - 1, b"9223372036854775807", C_INT),
        (-(2**63), b"-9223372036854775808", C_INT),
        (0.1, b"0.1", C_REAL),
        (math.inf, b"Infinity", C_REAL),
        (-math.inf, b"-Infinity", C_REAL),
        ("", b"", C_TEXT),
        ('it\'s "q"', b'it\'s "q"', C_TEXT),
        ("a\tb\nc\rd\\e", b"a\\tb\\nc\\rd\\\\e", C_TEXT),
        ("\\N", b"\\\\N", C_TEXT),
        ("😀", "😀".encode(), C_TEXT),
        ("\udc80\udcff", b"\x80\xff", C_TEXT),  # invalid UTF-8 kept byte for byte
        (b"", b"\\\\x", C_BLOB),
        (b"\x00\xff", b"\\\\x00ff", C_BLOB),
    ],
)
def test_encode_value_examples(value: object, field: bytes, cls: int) -> None:
    assert encode_value(value) == (field, cls)


@pytest.mark.parametrize("value", [[1], {"a": 1}, Decimal("1.5"), 1j, bytearray(b"x")])
def test_encode_value_rejects_other_types(value: object) -> None:
    with pytest.raises(TypeError):
        encode_value(value)


sqlite_values = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(st.characters(min_codepoint=1)).map(
        lambda s: s.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    ),
    st.binary(min_size=1).map(lambda b: b.decode("utf-8", "surrogateescape")),
    st.binary(),
)


@given(value=sqlite_values)
def test_encode_value_decodes_back(value: object) -> None:
    field, cls = encode_value(value)
    decoded = copy_field(field)
    if value is None:
        assert cls == C_NULL
        assert decoded is None
        return
    assert decoded is not None
    if isinstance(value, bool):  # pragma: no cover - not generated
        raise AssertionError
    if isinstance(value, int):
        assert cls == C_INT
        assert pg_bigint(decoded) == value
    elif isinstance(value, float):
        assert cls == C_REAL
        assert struct.pack(">d", pg_float8(decoded)) == struct.pack(">d", value)
    elif isinstance(value, str):
        assert cls == C_TEXT
        assert decoded == value.encode("utf-8", "surrogateescape")
    else:
        assert cls == C_BLOB
        assert pg_bytea(decoded) == value


# --- NUL ------------------------------------------------------------------------------------


def test_nul_policies() -> None:
    assert NUL_POLICIES == ("replace", "strip", "refuse")


@pytest.mark.parametrize(
    ("raw", "replaced", "stripped"),
    [
        (b"plain", b"plain", b"plain"),
        (b"a\x00b", "a\ufffdb".encode(), b"ab"),
        (b"\x00\x00", "\ufffd\ufffd".encode(), b""),
        (b"\\x00", b"\\x00", b"\\x00"),  # a backslash and the text x00: no NUL
        (b"\\\x00", "\\\ufffd".encode(), b"\\"),  # a backslash, then a NUL
        (b"x\x00\\x00\x00", "x\ufffd\\x00\ufffd".encode(), b"x\\x00"),
        (b"\x01\x00\x10", "\x01\ufffd\x10".encode(), b"\x01\x10"),
        (b"\n\x00\t", "\n\ufffd\t".encode(), b"\n\t"),
    ],
)
def test_apply_nul_policy(raw: bytes, replaced: bytes, stripped: bytes) -> None:
    field = copy_escape(raw)
    assert copy_unescape(apply_nul_policy(field, "replace")) == replaced
    assert copy_unescape(apply_nul_policy(field, "strip")) == stripped


@given(raw=copy_bytes)
def test_apply_nul_policy_touches_only_nuls(raw: bytes) -> None:
    field = copy_escape(raw)
    for policy, repl in (("replace", "\ufffd".encode()), ("strip", b"")):
        out = apply_nul_policy(field, policy)
        assert copy_unescape(out) == raw.replace(b"\x00", repl)
        assert copy_field(out) == raw.replace(b"\x00", repl)
        assert not CONTROL_BYTES & set(out)


def test_apply_nul_policy_refuse_is_not_a_rewrite() -> None:
    with pytest.raises(ValueError, match="not a NUL policy that rewrites"):
        apply_nul_policy(b"a\\x00", "refuse")


def test_encode_value_escapes_nul_in_text() -> None:
    assert encode_value("a\x00b") == (b"a\\x00b", C_TEXT)
    assert encode_value(b"a\x00b") == (b"\\\\x610062", C_BLOB)  # a blob keeps it (bytea)
