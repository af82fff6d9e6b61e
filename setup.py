"""Build dumpconv, with its hot modules compiled by mypyc when this machine can.

Everything but the compiled extensions is declared in pyproject.toml; this file exists only
to add them (``ext_modules``). Why and how they are chosen at run time:
``dumpconv/base/hotpath.py``, which also names the modules (``HOT_MODULES``).

The modules are not compiled where they are: the Python files must stay importable as the
reference and the fallback. Copies go to ``build/hotpath/dumpconv/_compiled/`` (their
imports of one another pointing at the copies), beside the dumpconv modules they import
(under empty package ``__init__`` files, so that type-checking them needs none of
dumpconv's dependencies), plus ``built.py``, the SHA-256 of each source compiled. mypyc
compiles them into ``dumpconv._compiled`` (one small extension per module, sharing one
library). Beside them, two plain C extensions against the Python API, needing no mypyc, each
with the SHA-256 of its sources compiled in: the C reader ``dumpconv._creader``
(``dumpconv/read/creader.c``) and the C database reader ``dumpconv._csqlite``
(``dumpconv/read/csqlite.c``, linked with SQLite).
When mypyc or a C compiler is missing, or the compilation fails, or
``DUMPCONV_NO_COMPILE=1``, dumpconv installs without them and runs its Python modules.
"""

from __future__ import annotations

import ast
import os
import re
import runpy
import shutil
import sys
from pathlib import Path
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
TREE = Path("build") / "hotpath"  # relative: setuptools wants relative extension sources
HOTPATH: dict[str, Any] = runpy.run_path(str(ROOT / "dumpconv" / "base" / "hotpath.py"))
HOT: tuple[str, ...] = HOTPATH["HOT_MODULES"]
NO_COMPILE = "DUMPCONV_NO_COMPILE"


def _say(message: str) -> None:
    print(f"dumpconv setup: {message}", file=sys.stderr)


def _dumpconv_imports(module: str) -> set[str]:
    """The dumpconv modules one module imports (``from dumpconv.x import y``: x, or x.y)."""
    tree = ast.parse(HOTPATH["source_path"](module, ROOT / "dumpconv").read_bytes())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dumpconv"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                is_module = HOTPATH["source_path"](sub, ROOT / "dumpconv").is_file()
                found.add(sub if is_module else str(node.module))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("dumpconv."))
    return found


def _closure() -> list[str]:
    """The hot modules and every dumpconv module they import, directly or not."""
    seen: set[str] = set()
    todo = list(HOT)
    while todo:
        module = todo.pop()
        if module not in seen and HOTPATH["source_path"](module, ROOT / "dumpconv").is_file():
            seen.add(module)
            todo.extend(_dumpconv_imports(module))
    return sorted(seen)


def _write_tree() -> list[str]:
    """The build tree mypyc compiles; returns the paths of the files to compile."""
    shutil.rmtree(TREE, ignore_errors=True)
    digests = {}
    for module in _closure():
        source = HOTPATH["source_path"](module, ROOT / "dumpconv")
        target = TREE.joinpath(*module.split(".")).with_suffix(".py")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        digests[module] = HOTPATH["source_digest"](source)
    for package in {p for p in TREE.rglob("*") if p.is_dir()}:
        (package / "__init__.py").write_text("")
    compiled = TREE / "dumpconv" / "_compiled"
    compiled.mkdir()
    (compiled / "__init__.py").write_text("")
    # A hot module importing another hot module imports its compiled copy instead.
    renames = {m: HOTPATH["compiled_name"](m) for m in HOT}
    pattern = re.compile(r"^from (" + "|".join(map(re.escape, HOT)) + r") import", re.M)
    paths = []
    for module in HOT:
        text = HOTPATH["source_path"](module, ROOT / "dumpconv").read_text(encoding="utf-8")
        text = pattern.sub(lambda m: f"from {renames[m.group(1)]} import", text)
        path = compiled / (module.rsplit(".", 1)[1] + ".py")
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    built = compiled / "built.py"
    built.write_text(
        '"""The sources the compiled modules were built from (module → SHA-256)."""\n\n'
        f"SOURCES: dict[str, str] = {digests!r}\n"
    )
    return [str(built), *paths]


class OptionalBuildExt(build_ext):
    """A failed compilation leaves dumpconv in pure Python instead of failing the install."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as e:  # no compiler, missing headers, ...
            _say(f"not compiled ({e}); dumpconv runs in pure Python")

    def build_extension(self, ext: Any) -> None:
        try:
            super().build_extension(ext)
        except Exception as e:
            _say(f"{ext.name} not compiled ({e}); dumpconv runs in pure Python")


def _c_extension(module: str, **kwargs: Any) -> Any:
    sources = HOTPATH["C_SOURCES"][module]
    digest = HOTPATH["sources_digest"](tuple(ROOT / s for s in sources))
    return Extension(
        module,
        [sources[0]],
        depends=list(sources[1:]),
        define_macros=[("DUMPCONV_SOURCE_SHA256", f'"{digest}"')],
        extra_compile_args=["-O3"],  # -O3 vectorizes creader's count_byte loop
        **kwargs,
    )


def _extensions() -> list[Any]:
    if os.environ.get(NO_COMPILE, "").strip().lower() not in ("", "0", "false", "no"):
        _say(f"{NO_COMPILE} is set: not compiled, dumpconv runs in pure Python")
        return []
    return [
        _c_extension(HOTPATH["CREADER_MODULE"]),
        # Linked with the system's SQLite (its header: libsqlite3-dev); without it, not built.
        _c_extension(HOTPATH["CSQLITE_MODULE"], libraries=["sqlite3"]),
        *_mypyc_extensions(),
    ]


def _mypyc_extensions() -> list[Any]:
    try:
        from mypyc.build import mypycify
    except ImportError:
        _say("mypyc is not installed: not compiled, dumpconv runs in pure Python")
        return []
    try:
        return list(
            mypycify(
                _write_tree(),
                opt_level="3",
                group_name=HOTPATH["COMPILED_PACKAGE"] + ".hot",
                target_dir=str(TREE / "c"),
            )
        )
    except BaseException as e:  # mypyc reports a type error with SystemExit
        _say(f"mypyc failed ({e!r}): not compiled, dumpconv runs in pure Python")
        return []


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
