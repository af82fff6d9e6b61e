"""Settings from TOML: ``--config FILE`` or ``[tool.dumpconv]`` of the nearest pyproject.toml
become the options' defaults; the command line wins; a wrong setting is a usage error that
names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dumpconv.cli import app

REPO = Path(__file__).resolve().parents[2]
DJANGO = REPO / "fixtures" / "django.sqlite.sql"


def run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def header(script: str) -> str:
    return script[: script.index("\\set ON_ERROR_STOP")]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory with settings in its pyproject.toml, the cwd one level below."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\n\n[tool.dumpconv]\nframework = "none"\n'
        'restrict-key = "fromproject"\ncast = ["django_session.expire_date=text"]\n'
    )
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")
    return tmp_path


def test_pyproject_settings_apply_and_are_named(project: Path) -> None:
    code, out, err = run([str(DJANGO)])
    assert code == 0, err
    assert "\\restrict fromproject\n" in out
    assert "--framework=none" in header(out)
    assert "--cast django_session.expire_date=text" in header(out)
    assert f"dumpconv: settings from {project / 'pyproject.toml'} [tool.dumpconv]" in err


def test_command_line_wins_over_settings(project: Path) -> None:
    code, out, err = run([str(DJANGO), "--framework", "django", "--restrict-key", "cli"])
    assert code == 0, err
    assert "\\restrict cli\n" in out
    assert "--framework=django" in header(out)
    assert "--framework=none" not in header(out)
    assert "--cast django_session.expire_date=text" in header(out)  # not given: from the file


def test_config_file_replaces_pyproject(project: Path, tmp_path: Path) -> None:
    chosen = tmp_path / "migrate.toml"
    chosen.write_text('restrict-key = "fromfile"\nstrict = false\n')
    code, out, err = run(["--config", str(chosen), str(DJANGO)])
    assert code == 0, err
    assert "\\restrict fromfile\n" in out
    assert "--framework=none" not in header(out)  # pyproject's settings are not merged in
    assert f"dumpconv: settings from {chosen}" in err


def test_paths_are_relative_to_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    settings = tmp_path / "conf" / "dumpconv.toml"
    settings.write_text('report = "out/report.json"\nrestrict-key = "k"\n')
    (tmp_path / "conf" / "out").mkdir()
    code, _, err = run(["--config", str(settings), str(DJANGO)])
    assert code == 0, err
    assert (tmp_path / "conf" / "out" / "report.json").is_file()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bogus = 1\n", "unknown setting 'bogus'"),
        ("input = 'x.sql'\n", "unknown setting 'input'"),
        ('cast = "a.b=uuid"\n', "cast must be a list of strings"),
        ('strict = "yes"\n', "strict must be true or false"),
        ("framework = [1]\n", "framework must be a string or a number"),
        ("strict = \n", "not valid TOML"),
    ],
)
def test_a_wrong_setting_is_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    settings = tmp_path / "s.toml"
    settings.write_text(text)
    code, out, err = run(["--config", str(settings), str(DJANGO)])
    assert code == 2
    assert out == ""
    assert message in " ".join(err.replace("│", " ").split())


def test_a_value_click_rejects_names_the_option(tmp_path: Path) -> None:
    settings = tmp_path / "s.toml"
    settings.write_text('nul = "explode"\n')
    code, out, err = run(["--config", str(settings), str(DJANGO)])
    assert code == 2
    assert out == ""
    assert "--nul" in err


def test_without_settings_nothing_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')  # no [tool.dumpconv]
    monkeypatch.chdir(tmp_path)
    code, out, err = run([str(DJANGO), "--restrict-key", "k"])
    assert code == 0, err
    assert "settings from" not in err
    assert "\\restrict k\n" in out
