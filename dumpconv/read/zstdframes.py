"""Where a zstd stream's frames end, found from their headers as the compressed bytes pass.

python-zstandard's reader hands back the text of a cut stream without an error (it reads
until its input ends, mid-frame or not), so a truncated ``app.sql.zst`` would read as a
shorter dump. :class:`ZstdFrames` follows the frame and block headers (RFC 8878, section 3.1)
without decoding anything: one step per block (up to 128 KiB), so it costs nothing beside
the decompression, and at the end it says whether the stream stopped where a frame ends.
"""

from __future__ import annotations

from collections.abc import Callable

_ZSTD_MAGIC = 0xFD2FB528
_SKIPPABLE_MAGIC = 0x184D2A50  # the low 4 bits are free
_FCS_SIZES = (0, 2, 4, 8)  # Frame_Content_Size bytes by flag (flag 0: 1 byte if single-segment)
_DICTIONARY_ID_SIZES = (0, 1, 2, 4)
_RLE_BLOCK = 1


class ZstdFrames:
    """Feed it every compressed byte in order; :attr:`at_frame_end` tells whether the bytes
    so far end exactly where a frame (or a skippable frame) ends."""

    def __init__(self) -> None:
        self._pending = b""  # header bytes gathered so far
        self._skip = 0  # content bytes to pass over before the next header
        self._checksum = False
        self._need: tuple[int, Callable[[bytes], None]] = (4, self._magic)
        self._lost = False  # bytes that are no zstd frame: the decompressor says why

    @property
    def at_frame_end(self) -> bool:
        return self._lost or (
            self._skip == 0 and not self._pending and self._need[1] == self._magic
        )

    def feed(self, data: bytes) -> None:
        pos, size = 0, len(data)
        while not self._lost:
            if self._skip:
                step = min(self._skip, size - pos)
                self._skip -= step
                pos += step
                if self._skip:
                    return
            want, handler = self._need
            take = want - len(self._pending)
            self._pending += data[pos : pos + take]
            pos += take
            if len(self._pending) < want:
                return
            header, self._pending = self._pending, b""
            handler(header)

    def _magic(self, header: bytes) -> None:
        magic = int.from_bytes(header, "little")
        if magic == _ZSTD_MAGIC:
            self._need = (1, self._descriptor)
        elif magic & 0xFFFFFFF0 == _SKIPPABLE_MAGIC:
            self._need = (4, self._skippable)
        else:
            self._lost = True

    def _skippable(self, header: bytes) -> None:
        self._skip = int.from_bytes(header, "little")
        self._need = (4, self._magic)

    def _descriptor(self, header: bytes) -> None:
        d = header[0]
        single_segment = bool(d & 0x20)
        fcs = _FCS_SIZES[d >> 6] or (1 if single_segment else 0)
        window = 0 if single_segment else 1
        self._checksum = bool(d & 0x04)
        self._skip = window + _DICTIONARY_ID_SIZES[d & 3] + fcs
        self._need = (3, self._block)

    def _block(self, header: bytes) -> None:
        b = int.from_bytes(header, "little")
        last, kind, size = b & 1, (b >> 1) & 3, b >> 3
        self._skip = 1 if kind == _RLE_BLOCK else size
        if last:
            self._skip += 4 if self._checksum else 0
            self._need = (4, self._magic)
