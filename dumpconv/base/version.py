"""The version dumpconv reports (``--version``) and writes into every script's header, and
which code runs its hot path (``--version``'s second line; see ``hotpath``)."""

from dumpconv.base import hotpath

VERSION = "0.1.0"


def hot_path() -> str:
    """``compiled (mypyc)``, or ``pure Python (why)``: the readers' code this process runs."""
    return hotpath.status()
