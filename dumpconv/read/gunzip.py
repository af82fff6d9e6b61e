"""gzip members decompressed as their bytes arrive.

Python 3.11's ``GzipFile`` reads its input before every decompression, even when zlib still
holds input it has not turned into text: from a pipe that pauses, text already received
would wait for the producer's next write, and the script would stop streaming to psql.
:class:`Gunzip` reads the input only when zlib has nothing more to give.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

BUFFER = 1 << 16  # compressed bytes asked for at a time
_GZIP = 31  # zlib's wbits for the gzip format: header, deflate data, CRC-32 and size checked


class Gunzip:
    """The text of a gzip file: one member or several (``cat a.gz b.gz``), NUL padding
    between or after them skipped as gzip does.

    ``read1`` is the input's read-what-is-there; ``EOFError`` means the input ended inside a
    member, ``zlib.error`` that its data is corrupt.
    """

    def __init__(self, read1: Callable[[int], bytes]) -> None:
        self._read1 = read1
        self._inflate = zlib.decompressobj(_GZIP)
        self._input = b""  # compressed bytes read and not yet given to zlib

    def read1(self, n: int = -1) -> bytes:
        """Some text (at most ``n`` bytes), reading the input at most once; b"" at the end."""
        size = n if n > 0 else BUFFER
        while True:
            if self._inflate.eof and not self._next_member():
                return b""
            if not self._input:
                self._input = self._read1(BUFFER)
                if not self._input:
                    raise EOFError("the input ended inside a gzip member")
            text = self._inflate.decompress(self._input, size)
            self._input = self._inflate.unconsumed_tail
            if text:
                return text

    def read(self, n: int = -1) -> bytes:
        """``n`` bytes of text, fewer only at the end (all of it when ``n`` is negative)."""
        parts: list[bytes] = []
        got = 0
        while n < 0 or got < n:
            text = self.read1(BUFFER if n < 0 else n - got)
            if not text:
                break
            parts.append(text)
            got += len(text)
        return b"".join(parts)

    def _next_member(self) -> bool:
        """After a member: start the next one, if the input holds more than NUL padding."""
        rest = self._inflate.unused_data.lstrip(b"\x00")
        while not rest:
            more = self._read1(BUFFER)
            if not more:
                return False
            rest = more.lstrip(b"\x00")
        self._inflate = zlib.decompressobj(_GZIP)
        self._input = rest
        return True
