"""Byte-for-byte baselines beyond the golden fixtures: every quirk fixture and every dump of
the shared sample database converts to exactly the stored output (or the stored refusal).

They pin the output while the code moves (issue 11: a refactoring must not change a byte):
``pytest --update-golden tests/end_to_end/test_baseline.py`` rewrites them from the current
code; the diff of ``tests/baseline/`` is then reviewed like any other change of output.
"""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

import pytest

import dumpconv
from dumpconv.base.errors import DumpconvError
from tests.end_to_end.test_golden import GOLDEN_KEY, _diff

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "tests" / "baseline"
SHARED_DUMPS = Path(os.environ.get("DUMPCONV_SHARED_DUMPS", REPO.parent / "shared" / "dumps"))
QUIRKS = sorted((REPO / "fixtures" / "quirks").glob("*.sqlite.sql"))
SHARED = sorted(SHARED_DUMPS.glob("*.sql"))


def _name(source: Path) -> str:
    prefix = "quirks-" if source.parent.name == "quirks" else "shared-"
    return prefix + source.name.removesuffix(".sql").removesuffix(".sqlite")


def _convert(source: Path, **options: object) -> bytes:
    """The script, or for a refused input ``dumpconv: error: …`` as the CLI prints it."""
    out = BytesIO()
    opts = dumpconv.Options(source=source.name, restrict_key=GOLDEN_KEY, **options)  # type: ignore[arg-type]
    try:
        with open(source, "rb") as stream:
            report = dumpconv.convert(stream, out, opts)
    except DumpconvError as e:
        return f"dumpconv: error: {e}\n".encode()
    return out.getvalue() + b"-- report:\n" + report.render_text().encode()


def test_the_shared_dumps_are_there() -> None:
    assert len(SHARED) >= 20, f"no shared dumps in {SHARED_DUMPS}"


@pytest.mark.parametrize("source", [*QUIRKS, *SHARED], ids=_name)
def test_output_is_the_baseline(source: Path, request: pytest.FixtureRequest) -> None:
    outputs = {"": _convert(source)}
    if "corrupt" in source.name:
        outputs[".allow-incomplete"] = _convert(source, allow_incomplete=True)
    for suffix, actual in outputs.items():
        stored = BASELINE / f"{_name(source)}{suffix}.pg.sql"
        if request.config.getoption("--update-golden"):
            BASELINE.mkdir(exist_ok=True)
            stored.write_bytes(actual)
            continue
        assert stored.exists(), f"{stored.name} is missing: run pytest --update-golden"
        expected = stored.read_bytes()
        if actual != expected:
            pytest.fail(
                f"{source.name} no longer converts to {stored.name}\n"
                + _diff(expected, actual, stored.name),
                pytrace=False,
            )
