"""What a failed conversion may have written: nothing, or the beginning of a script ended
by the failure statement and no COMMIT (a whole dump's script is written as it is read)."""

from __future__ import annotations

import re

FAILURE = (
    b"\nDO $dumpconv$\nBEGIN\n    RAISE EXCEPTION 'dumpconv: the conversion failed; this "
    b"script is incomplete and changes nothing';\nEND\n$dumpconv$;\nROLLBACK;\n"
)
_UNRESTRICT = re.compile(rb"\n\\unrestrict [0-9A-Za-z]+\n\Z")


def assert_failed_output(out: bytes) -> None:
    """``out`` is empty, or a script cut short that raises an error and never commits."""
    if not out:
        return
    assert not re.search(rb"^COMMIT;", out, re.MULTILINE), out[-300:]
    body = _UNRESTRICT.sub(b"\n", out) if out.startswith(b"--") else out
    assert body.endswith(FAILURE) or body.endswith(FAILURE + b"\n"), out[-300:]
    assert out.count(b"RAISE EXCEPTION 'dumpconv: the conversion failed") == 1
