"""Which code runs the hot modules: their compiled copies, or the Python modules themselves.

Reading INSERTs and escaping COPY fields is where a conversion spends its time. When a C
compiler is at hand, ``pip install`` compiles copies of :data:`HOT_MODULES` with mypyc into
``dumpconv._compiled`` (``setup.py``). The Python modules stay where they are: they are the
reference, the fallback, and what a developer edits; both give byte-identical output
(``tests/read/test_hotpath.py``). ``read.rows`` takes the functions from here.

The compiled copies run only when every one of them loads as an extension module and was
built from exactly the sources now present: the build records a SHA-256 of each hot module
and of each dumpconv module it imports (``dumpconv._compiled.built.SOURCES``), compared here
once per process. An edited ``.py`` in an editable install therefore runs as Python instead
of being shadowed by code compiled from its older text. It is all or nothing, because the
compiled modules call each other directly: a mix would run two versions of the code.
``DUMPCONV_PURE=1`` forces Python. :func:`status` says which runs, and why (``--version``).

Imports only the standard library: ``setup.py`` reads :data:`HOT_MODULES` and
:func:`source_digest` from this file before dumpconv is installed.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
from collections.abc import Mapping
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType

#: The modules compiled, in dependency order. Each defines functions only: the classes they
#: build (``read.batch``) stay Python, the same class whichever code made an object.
HOT_MODULES = (
    "dumpconv.base.encode",
    "dumpconv.read.sqltext",
    "dumpconv.read.shapes",
    "dumpconv.read.fast",
    "dumpconv.read.scan",
)
COMPILED_PACKAGE = "dumpconv._compiled"
#: The generated module holding ``SOURCES``: module name → SHA-256 of the source compiled.
BUILT_MODULE = COMPILED_PACKAGE + ".built"
PURE_ENV = "DUMPCONV_PURE"
COMPILED = "compiled (mypyc)"
#: The C reader of the common case (``read/creader.c``), built beside the mypyc modules,
#: and the C writer of a database's rows (``read/csqlite.c``, linked with SQLite): module →
#: its sources (relative to the directory holding the package) and its name in ``status``.
CREADER_MODULE = "dumpconv._creader"
CSQLITE_MODULE = "dumpconv._csqlite"
C_SOURCES = {
    CREADER_MODULE: ("dumpconv/read/creader.c", "dumpconv/read/cbuf.h"),
    CSQLITE_MODULE: ("dumpconv/read/csqlite.c", "dumpconv/read/cbuf.h"),
}
CREADER = "C reader"
CSQLITE = "C database reader"
_C_NAMES = {CREADER_MODULE: CREADER, CSQLITE_MODULE: CSQLITE}

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def compiled_name(module: str) -> str:
    """The compiled copy's name: ``dumpconv.read.fast`` → ``dumpconv._compiled.fast``."""
    return f"{COMPILED_PACKAGE}.{module.rsplit('.', 1)[1]}"


def source_path(module: str, package_dir: Path = _PACKAGE_DIR) -> Path:
    """The source file of a dumpconv module, under the ``dumpconv`` package directory."""
    return package_dir.joinpath(*module.split(".")[1:]).with_suffix(".py")


def source_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sources_digest(paths: tuple[Path, ...]) -> str:
    """One SHA-256 of several files (a C extension's source and the header it includes)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def changed_sources(recorded: Mapping[str, str], package_dir: Path = _PACKAGE_DIR) -> list[str]:
    """The modules whose source is missing or differs from the one the build recorded."""
    changed = []
    for module, digest in recorded.items():
        path = source_path(module, package_dir)
        if not path.is_file() or source_digest(path) != digest:
            changed.append(module)
    return changed


def _pure_requested() -> bool:
    return os.environ.get(PURE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _is_extension(module: ModuleType) -> bool:
    return str(getattr(module, "__file__", "")).endswith(tuple(EXTENSION_SUFFIXES))


@functools.cache
def _choose() -> tuple[dict[str, ModuleType] | None, str]:
    if _pure_requested():
        return None, f"pure Python ({PURE_ENV} is set)"
    try:
        built = importlib.import_module(BUILT_MODULE)
    except ImportError:
        return None, "pure Python (not compiled: installed without a C compiler or mypyc)"
    if not _is_extension(built):
        return None, f"pure Python ({BUILT_MODULE} is not an extension module)"
    changed = changed_sources(built.SOURCES)
    if changed:
        where = source_path(changed[0]).relative_to(_PACKAGE_DIR.parent)
        return None, f"pure Python ({where} changed since it was compiled: reinstall)"
    modules: dict[str, ModuleType] = {}
    for name in HOT_MODULES:
        try:
            module = importlib.import_module(compiled_name(name))
        except Exception as e:  # any failure to load means: run Python
            return None, f"pure Python ({compiled_name(name)} does not load: {e})"
        if not _is_extension(module):
            return None, f"pure Python ({compiled_name(name)} is not an extension module)"
        modules[name] = module
    return modules, COMPILED


def compiled() -> dict[str, ModuleType] | None:
    """Each hot module's compiled copy by the module's name, or None when Python runs them."""
    return _choose()[0]


def status() -> str:
    """``compiled (mypyc)``, or ``pure Python (why)``."""
    return _choose()[1]


@functools.cache
def _choose_c(module_name: str) -> tuple[ModuleType | None, str]:
    name = _C_NAMES[module_name]
    if _pure_requested():
        return None, f"no {name} ({PURE_ENV} is set)"
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None, f"no {name} (not built: installed without a C compiler or its headers)"
    if not _is_extension(module):
        return None, f"no {name} ({module_name} is not an extension module)"
    sources = tuple(_PACKAGE_DIR.parent / s for s in C_SOURCES[module_name])
    if not all(s.is_file() for s in sources) or sources_digest(sources) != getattr(
        module, "SOURCE_SHA256", ""
    ):
        where = C_SOURCES[module_name][0]
        return None, f"no {name} ({where} changed since it was compiled: reinstall)"
    return module, name


def creader() -> ModuleType | None:
    """The C reader of the common case (``read/creader.c``), when built, current and allowed.

    Independent of the mypyc modules: it only ever answers for a run or declines, and the
    code that declines to it (``read.rows.convert_run``) is the same either way.
    """
    return _choose_c(CREADER_MODULE)[0]


def creader_status() -> str:
    """``C reader``, or ``no C reader (why)``."""
    return _choose_c(CREADER_MODULE)[1]


def csqlite() -> ModuleType | None:
    """The C writer of a database's rows as ``.dump`` text (``read/csqlite.c``), when built,
    current and allowed; ``read.snapshot`` has SQLite build the text in SQL otherwise."""
    return _choose_c(CSQLITE_MODULE)[0]


def csqlite_status() -> str:
    """``C database reader``, or ``no C database reader (why)``."""
    return _choose_c(CSQLITE_MODULE)[1]
