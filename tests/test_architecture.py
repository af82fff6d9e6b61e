"""The rules the code keeps (ARCHITECTURE.md): stages import downwards only, no module takes
another's private names, and no class or module grows past its size without a reason.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "dumpconv"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 200
#: A module or class may be longer when its docstring says why, in a line starting so.
REASON = "Why it is long:"


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    program = Path(sys.executable).with_name("lint-imports")
    if not program.exists():
        found = shutil.which("lint-imports")
        assert found is not None, "import-linter is not installed (pip install -e '.[dev]')"
        program = Path(found)
    return subprocess.run(
        [str(program), "--config", str(REPO / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
    )


def test_stages_import_downwards_only() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_the_contract_fails_when_a_lower_stage_imports_a_higher_one(tmp_path: Path) -> None:
    copy = tmp_path / "dumpconv"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    errors = copy / "base" / "errors.py"
    errors.write_text(errors.read_text() + "\nfrom dumpconv.write import writer  # noqa\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "dumpconv.base.errors -> dumpconv.write.writer" in result.stdout


def _imports(path: Path) -> list[ast.ImportFrom]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_imports_private_names(path: Path) -> None:
    private = [
        f"{node.module}.{alias.name}"
        for node in _imports(path)
        if node.module and node.module.startswith("dumpconv")
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert private == []


def _long(node: ast.Module | ast.ClassDef, limit: int) -> bool:
    first, last = getattr(node, "lineno", 1), getattr(node, "end_lineno", None)
    if last is None:
        last = max((getattr(n, "end_lineno", 0) or 0) for n in ast.walk(node))
    doc = ast.get_docstring(node) or ""
    return last - first + 1 > limit and REASON not in doc


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_modules_and_classes_stay_small_or_say_why(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = len(path.read_text(encoding="utf-8").splitlines())
    doc = ast.get_docstring(tree) or ""
    assert lines <= MAX_MODULE_LINES or REASON in doc, f"{lines} lines and no reason given"
    big = [
        c.name for c in ast.walk(tree) if isinstance(c, ast.ClassDef) and _long(c, MAX_CLASS_LINES)
    ]
    assert big == []


@pytest.mark.parametrize("stage", ["base", "read", "decide", "translate", "write"])
def test_every_stage_says_what_it_offers(stage: str) -> None:
    init = PACKAGE / stage / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc, f"dumpconv/{stage}/__init__.py has no docstring naming what it offers"
