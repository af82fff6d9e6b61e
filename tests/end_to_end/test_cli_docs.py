"""The README's Options table and ``dumpconv --help`` say the same options, and shell
completion answers from the same declarations."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from dumpconv.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"


def _options_table() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Options\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _documented() -> set[str]:
    """Every option spelled in the first column of the Options table."""
    names: set[str] = set()
    for line in _options_table().splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            first = line.split(" | ")[0]
            names.update(re.findall(r"(?<![\w-])(--?[a-z][a-z0-9-]*)", first))
    return names


def _declared() -> set[str]:
    command = typer.main.get_command(app)
    names: set[str] = set()
    for param in command.params:
        names.update(o for o in param.opts if o.startswith("-"))
        names.update(o for o in param.secondary_opts if o.startswith("-"))
    names.add("--help")
    return names


def test_every_option_is_in_the_readme() -> None:
    missing = _declared() - _documented()
    assert not missing, f"options --help shows that README.md's Options table lacks: {missing}"


def test_the_readme_documents_no_option_that_does_not_exist() -> None:
    extra = _documented() - _declared()
    assert not extra, f"README.md's Options table documents options that do not exist: {extra}"


def test_help_shows_every_declared_option() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in _declared():
        assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", result.stdout), name


def test_shell_completion_offers_the_options_and_their_choices() -> None:
    base = {**os.environ, "_DUMPCONV_COMPLETE": "complete_bash", "COMP_CWORD": "1"}
    found = subprocess.run(
        [sys.executable, "-m", "dumpconv"],
        env={**base, "COMP_WORDS": "dumpconv --fr"},
        capture_output=True,
        text=True,
    )
    assert found.stdout.split() == ["--framework"]
    choices = subprocess.run(
        [sys.executable, "-m", "dumpconv"],
        env={**base, "COMP_WORDS": "dumpconv --nul ", "COMP_CWORD": "2"},
        capture_output=True,
        text=True,
    )
    assert set(choices.stdout.split()) == {"replace", "strip", "refuse"}
