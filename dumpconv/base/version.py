"""The version dumpconv reports (``--version``) and writes into every script's header, and
which code runs its hot path (``--version``'s second line; see ``hotpath``)."""

from dumpconv.base import hotpath

VERSION = "0.1.0"


def hot_path() -> str:
    """The readers' code this process runs: ``compiled (mypyc)`` or ``pure Python (why)``,
    then ``C reader`` or ``no C reader (why)``, then the same for the C database reader."""
    return f"{hotpath.status()}; {hotpath.creader_status()}; {hotpath.csqlite_status()}"
