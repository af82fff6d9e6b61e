"""The compiled hot path (base.hotpath, setup.py): in use when built, the same output as the
Python modules (the whole CLI over every dump we have, and the hot functions on hostile
random input), and never run when its source has changed since it was compiled.

Under CI (``CI=true``) the compiled path must be in use: the CI machine has a C compiler, so
a build that silently fell back to Python is a failure there. ``.ci/run`` runs the reading
tests again with ``DUMPCONV_PURE=1`` for the Python path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dumpconv.base import encode, hotpath
from dumpconv.base.version import hot_path
from dumpconv.read import fast, rows, scan, shapes, sqltext
from dumpconv.read.sqlitefloat import SqliteReals

REPO = Path(__file__).resolve().parents[2]
SHARED_DUMPS = Path(os.environ.get("DUMPCONV_SHARED_DUMPS", REPO.parent / "shared" / "dumps"))
DUMPS = sorted(
    [
        *(REPO / "fixtures").glob("*.sqlite.sql"),
        *(REPO / "fixtures" / "quirks").glob("*.sqlite.sql"),
        *SHARED_DUMPS.glob("*.sql"),
    ]
)
COMPILED = hotpath.compiled()
needs_compiled = pytest.mark.skipif(COMPILED is None, reason=hotpath.status())


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def test_compiled_when_built() -> None:
    """Under CI the extension is built and current (the Python path is tested separately)."""
    if os.environ.get(hotpath.PURE_ENV):
        assert hotpath.status() == f"pure Python ({hotpath.PURE_ENV} is set)"
        assert rows.fast_convert_run is fast.convert_run
        return
    if not _ci() and COMPILED is None:
        pytest.skip(hotpath.status())
    assert hotpath.status() == hotpath.COMPILED
    assert COMPILED is not None
    assert set(COMPILED) == set(hotpath.HOT_MODULES)
    assert rows.fast_convert_run is COMPILED[fast.__name__].convert_run
    assert rows.scan_insert is COMPILED[scan.__name__].scan_insert


def test_a_changed_source_is_not_run_compiled(tmp_path: Path) -> None:
    package = tmp_path / "dumpconv"
    recorded = {}
    for module in hotpath.HOT_MODULES:
        path = hotpath.source_path(module, package)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(hotpath.source_path(module).read_bytes())
        recorded[module] = hotpath.source_digest(path)
    assert hotpath.changed_sources(recorded, package) == []
    edited = hotpath.source_path("dumpconv.read.fast", package)
    edited.write_bytes(edited.read_bytes() + b"# edited\n")
    hotpath.source_path("dumpconv.read.scan", package).unlink()
    assert hotpath.changed_sources(recorded, package) == [
        "dumpconv.read.fast",
        "dumpconv.read.scan",
    ]


# Converts every dump given in argv with the CLI; prints a digest per dump of the exit code,
# stdout, stderr and the output file.
_DRIVER = """
import hashlib, json, sys, tempfile
from pathlib import Path
from typer.testing import CliRunner
from dumpconv.base.version import hot_path
from dumpconv.cli import app
digests = {"hot path": hot_path()}
with tempfile.TemporaryDirectory() as tmp:
    out = Path(tmp) / "out.sql"
    for source in sys.argv[1:]:
        out.unlink(missing_ok=True)
        r = CliRunner().invoke(app, [source, "-o", str(out), "--restrict-key", "0" * 32])
        h = hashlib.sha256(b"%d\\0" % r.exit_code + r.stdout_bytes + b"\\0" + r.stderr_bytes)
        h.update(b"\\0" + (out.read_bytes() if out.exists() else b"-"))
        digests[source] = h.hexdigest()
print(json.dumps(digests))
"""


def _convert_all(pure: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != hotpath.PURE_ENV}
    if pure:
        env[hotpath.PURE_ENV] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, *map(str, DUMPS)],
        capture_output=True,
        env=env,
        check=True,
        cwd=REPO,
    )
    result: dict[str, str] = json.loads(proc.stdout)
    return result


@needs_compiled
def test_the_cli_writes_the_same_bytes_compiled_and_pure() -> None:
    assert len(DUMPS) >= 30
    compiled, pure = _convert_all(pure=False), _convert_all(pure=True)
    assert compiled.pop("hot path") == hot_path()
    assert hot_path().startswith(hotpath.COMPILED)
    assert pure.pop("hot path").startswith("pure Python")
    differ = [Path(name).name for name in compiled if compiled[name] != pure[name]]
    assert differ == []


# Hostile values: what dumps hold, and what they never should (also tests/read/test_creader.py).
_SPECIAL = [b"\x00", b"'", b"\\", b"\n", b"\r", b"\t", b"\xff", b"\xed\xa0\x80", b"\x7f", b"\x02"]
_UNISTR = [b"\\u0000", b"\\u00e9", b"\\\\", b"\\ud83d\\ude00", b"\\"]
_PIECE = st.one_of(
    st.sampled_from([*_SPECIAL, *_UNISTR, b"|", b",", b"("]),
    st.text(max_size=4).map(str.encode),
)
_STRING = st.lists(_PIECE, max_size=5).map(lambda p: b"'" + b"".join(p).replace(b"'", b"''") + b"'")
_NUMBER = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(lambda i: str(i).encode()),
    st.floats(allow_nan=False).map(lambda f: repr(f).encode().replace(b"inf", b"Inf")),
    st.sampled_from([b"1e999", b"-1e999", b"9.0e+999", b"1e-400", b"Inf", b"-Inf", b"0.1",
                     b"00012", b"1.", b".5", b"-0", b"+5", b"1e5", b"123456789012345678901"]),
)  # fmt: skip
_CODES = st.lists(
    st.one_of(st.integers(0, 0x110000), st.sampled_from([0, 10, 13, 0xD800, 99999999999])),
    min_size=1,
    max_size=3,
).map(lambda cs: b"char(" + b",".join(str(c).encode() for c in cs) + b")")


def _nested_replace(t: tuple[bytes, bytes]) -> bytes:
    return b"replace(replace(%s,%s,char(13)),%s,char(10))" % (t[0], t[1], t[1])


def _value(strategy: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        strategy,
        st.tuples(_STRING, _STRING, _CODES).map(lambda t: b"replace(%s,%s,%s)" % t),
        st.tuples(_STRING, _STRING).map(_nested_replace),
        _STRING.map(lambda s: b"unistr(" + s + b")"),
        st.lists(st.one_of(_STRING, _CODES), min_size=2, max_size=3).map(b"||".join),
    )


HOSTILE_VALUE = _value(
    st.one_of(
        _STRING,
        _NUMBER,
        st.sampled_from([b"NULL", b"X''", b"X'0aFf'", b"x'abc'", b"X'zz'", b"TRUE", b"f(1)"]),
        st.binary(max_size=3),
    )
)
_ROW = st.lists(HOSTILE_VALUE, min_size=1, max_size=4)
_PREFIX = b"INSERT INTO t VALUES("


def _statement(row: list[bytes], sep: bytes) -> bytes:
    return _PREFIX + sep.join(row) + b");\n"


def _outcome(call: Callable[[], object]) -> tuple[str, str]:
    """What a call did, to compare: its result's repr, or its exception's type and text."""
    try:
        return "returned", repr(call())
    except Exception as e:  # the same exception both ways is the same outcome
        return type(e).__name__, str(e)


def _both(module: ModuleType, name: str, *args: object) -> None:
    assert COMPILED is not None
    pure = getattr(module, name)
    compiled = getattr(COMPILED[module.__name__], name)
    assert _outcome(lambda: compiled(*args)) == _outcome(lambda: pure(*args))


_READS = SqliteReals()


@needs_compiled
@given(
    rows_=st.lists(_ROW, min_size=1, max_size=6),
    sep=st.sampled_from([b",", b", ", b",\n"]),
    extra_arity=st.sampled_from([0, 0, 0, 1, -1]),
    reals=st.booleans(),
)
def test_the_readers_agree_on_hostile_input(
    rows_: list[list[bytes]], sep: bytes, extra_arity: int, reals: bool
) -> None:
    arity = len(rows_[0]) + extra_arity
    body = b"".join(_statement(r, sep) for r in rows_)
    reader = _READS if reals else None
    _both(fast, "convert_run", body, _PREFIX, arity, 7, reader)
    for r in rows_:
        text = _statement(r, sep)
        _both(scan, "scan_insert", text, 3, reader)
        try:
            read = scan.scan_insert(text, 3, reader).rows
        except Exception:
            continue
        _both(scan, "encode_rows", read, arity, 3)


@needs_compiled
@given(raw=st.binary(max_size=40), pieces=st.lists(st.binary(max_size=8), max_size=5))
def test_the_encoders_agree(raw: bytes, pieces: list[bytes]) -> None:
    _both(encode, "copy_escape", raw)
    _both(encode, "copy_escape_joined", b"\x00".join(p.replace(b"\x00", b"") for p in pieces))
    _both(sqltext, "decode_unistr", raw)
    _both(sqltext, "char_text", raw)


_SHAPES = [b"\\N", b"\x00", b"\x00'\x00", b"\\\\x\x00", b"1", b"-2", b"1.5", b"1e5", b"Infinity"]


@needs_compiled
@given(
    col=st.lists(
        st.one_of(
            st.sampled_from([*_SHAPES, b"99999999999999999999", b"", b"x", b"\x00x"]),
            st.binary(max_size=4),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_the_classifiers_agree(col: list[bytes]) -> None:
    _both(shapes, "classify_column", col)
    _both(shapes, "classes_from_bytes", bytes(len(b) % 7 for b in col))
