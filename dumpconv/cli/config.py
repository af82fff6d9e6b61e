"""Settings from a TOML file: ``--config FILE``, else ``[tool.dumpconv]`` of the nearest
``pyproject.toml`` (this directory or a parent).

A setting is a long option without its dashes (``strict = true``, ``cast = ["a.b=uuid"]``,
``exclude-table-data = ["cache"]``); the file's values become the options' defaults, so the
command line wins. Paths in a file are relative to the file's directory. An explicit
``--config`` replaces pyproject.toml's settings rather than merging with them. Knows no SQL.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dumpconv.base.errors import DumpconvError

# Parameters that are not settings: what to convert, and the command line's own switches.
NOT_SETTINGS = frozenset(
    {"input", "settings", "version", "help", "install_completion", "show_completion", "ctx"}
)


@dataclass(frozen=True)
class Setting:
    """What the file may give for one command-line parameter."""

    name: str  # the parameter's name (underscores)
    multiple: bool  # a list of strings
    flag: bool  # true or false
    path: bool  # a file name, relative to the settings file


@dataclass(frozen=True)
class Settings:
    source: str  # where they came from, for the report
    values: dict[str, Any]  # parameter name → value, as the command line would give it


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.dumpconv] table, from ``start`` upwards."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            table = _read(candidate).get("tool", {}).get("dumpconv")
            return candidate if table is not None else None  # the project's own file decides
    return None


def load(path: Path | None, cwd: Path, known: dict[str, Setting]) -> Settings | None:
    """The settings of ``path`` (``--config``), else of the nearest pyproject.toml.

    Raises:
        DumpconvError: the file cannot be read, is not TOML, or holds a setting that does not
            exist or has the wrong kind of value (the message names the file and the key).
    """
    if path is not None:
        doc = _read(path)
        table = doc.get("tool", {}).get("dumpconv", doc) if path.name == "pyproject.toml" else doc
        source = str(path)
    else:
        found = find_pyproject(cwd)
        if found is None:
            return None
        table = _read(found)["tool"]["dumpconv"]
        source = f"{found} [tool.dumpconv]"
        path = found
    if not isinstance(table, dict):
        raise DumpconvError(f"{source}: the dumpconv settings must be a TOML table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        setting = known.get(name)
        if setting is None or name in NOT_SETTINGS:
            raise DumpconvError(
                f"{source}: unknown setting {key!r}",
                None,
                "the settings are the long options without their dashes: "
                + ", ".join(sorted(k.replace("_", "-") for k in known if k not in NOT_SETTINGS)),
            )
        values[name] = _checked(source, key, setting, value, path.parent)
    return Settings(source, values)


def _checked(source: str, key: str, setting: Setting, value: object, base: Path) -> object:
    if setting.multiple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DumpconvError(f"{source}: {key} must be a list of strings")
        return value
    if setting.flag:
        if not isinstance(value, bool):
            raise DumpconvError(f"{source}: {key} must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DumpconvError(f"{source}: {key} must be a string or a number")
    if setting.path and isinstance(value, str):
        return str(base / value)
    return value


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise DumpconvError(f"cannot read the settings file {path}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise DumpconvError(f"{path}: not valid TOML: {e}") from None
