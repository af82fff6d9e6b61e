"""What the convert and verify commands share: their settings file, and turning the values
of their parameters into ``Options`` (usage errors exit 2, an unreadable --target-schema 1)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args, get_type_hints

import typer

from dumpconv.base.errors import DumpconvError
from dumpconv.base.safetext import printable
from dumpconv.cli import config
from dumpconv.decide.casts import parse_cast
from dumpconv.pipeline import Options, check_framework, read_target
from dumpconv.read.schema import fold


def say(text: str) -> None:
    """One message on stderr, every control character from the input or a library escaped."""
    sys.stderr.write(printable(text) + "\n")


def apply_settings(
    ctx: typer.Context, value: Path | None, command: Callable[..., Any], app: typer.Typer
) -> None:
    """Load the settings (``--config``, else pyproject.toml) as the defaults of ``ctx``'s
    parameters: a file may set any option of the converting ``command`` (of ``app``), and
    the command being run takes those it has."""
    hints = get_type_hints(command)
    known = {
        p.name: config.Setting(
            p.name,
            multiple=getattr(p, "multiple", False),
            flag=getattr(p, "is_flag", False),
            path=Path in (get_args(hints.get(p.name)) or (hints.get(p.name),)),
        )
        for p in typer.main.get_command(app).params
        if p.name is not None
    }
    try:
        found = config.load(value, Path.cwd(), known)
    except DumpconvError as e:
        raise typer.BadParameter(str(e), param_hint="--config") from None
    if found is not None:
        mine = {p.name for p in ctx.command.params}
        shared = {k: v for k, v in found.values.items() if k in mine}
        ctx.default_map = {**(ctx.default_map or {}), **shared}
        ctx.meta["dumpconv.settings"] = found.source


def options(
    source: Path,
    *,
    framework: str,
    cast: list[str] | None,
    target_schema: Path | None,
    exclude_table_data: list[str] | None,
    include: list[str] | None,
    exclude: list[str] | None,
    **rest: Any,
) -> Options:
    """The Options of one conversion from its command-line values (``rest``: the fields
    Options takes as they are)."""
    try:
        chosen = check_framework(framework)
    except DumpconvError as e:
        raise typer.BadParameter(str(e), param_hint="--framework") from None
    try:
        casts = tuple(parse_cast(c) for c in cast or ())
    except DumpconvError as e:
        raise typer.BadParameter(str(e), param_hint="--cast") from None
    try:
        target = read_target(str(target_schema)) if target_schema is not None else None
    except DumpconvError as e:
        say(f"dumpconv: error: {e}")
        raise typer.Exit(1) from None
    except OSError as e:
        say(f"dumpconv: error: --target-schema: {e.strerror or e}: {target_schema}")
        raise typer.Exit(1) from None
    built = Options(
        source="stdin" if str(source) == "-" else str(source),
        framework=chosen,
        casts=casts,
        target=target,
        exclude_data=frozenset(fold(t) for t in exclude_table_data or ()),
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
        **rest,
    )
    try:
        built.check_shape()
    except DumpconvError as e:
        raise typer.BadParameter(str(e)) from None
    return built
