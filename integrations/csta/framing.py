"""CSTA XML framing on AES DMCC (docs/protocols/csta-xml-dmcc.md §3).

Each message: uint16 BE version (0), uint16 BE length counting the 8 header bytes, 4 ASCII
digits of invoke ID (9999 for events), then one XML document. A header that is not plausible
(a version other than 0, a length outside the limits, an invoke ID that is not 4 digits, or a
body that does not start like XML) is skipped by scanning for the next plausible header, so
the good frames after a bad one are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

HEADER: Final = 8
EVENT_INVOKE_ID: Final = 9999
# DMCC messages are a few KiB at most; a length above this is a corrupt header, and waiting
# for that many bytes would stall the link behind it.
MAX_FRAME: Final = 16 * 1024
_DIGITS: Final = frozenset(b"0123456789")
_BOM: Final = b"\xef\xbb\xbf"


def encode(xml: bytes, invoke_id: int) -> bytes:
    """One frame: header and body. ValueError for an ID outside 0-9999 or a body too long."""
    total = HEADER + len(xml)
    if not 0 <= invoke_id <= EVENT_INVOKE_ID or total > 0xFFFF:
        raise ValueError("invoke ID or length out of range")
    return b"\0\0" + total.to_bytes(2, "big") + b"%04d" % invoke_id + xml


@dataclass(slots=True)
class Frame:
    invoke_id: int
    body: bytes


@dataclass(slots=True)
class FrameReader:
    """Bytes in, frames out; bounded (at most max_frame bytes wait for a frame to complete).

    `problems` collects (reason, excerpt bytes) for the owner to count: one per run of
    skipped bytes, however long the run."""

    max_frame: int = MAX_FRAME
    problems: list[tuple[str, bytes]] = field(default_factory=list)
    _buffer: bytearray = field(default_factory=bytearray)
    _skipping: bool = False  # inside a run of bad bytes that the last read did not finish

    def feed(self, data: bytes) -> list[Frame]:
        buffer = self._buffer
        buffer += data
        frames: list[Frame] = []
        start = 0
        size = len(buffer)
        while size - start >= HEADER + 1:
            verdict = self._header(buffer, start)
            if verdict is None:  # plausible: wait for the body, or take it
                total = int.from_bytes(buffer[start + 2 : start + 4], "big")
                if size - start < total:
                    break
                invoke_id = int(buffer[start + 4 : start + 8])
                frames.append(Frame(invoke_id, bytes(buffer[start + HEADER : start + total])))
                start += total
                self._skipping = False
                continue
            resume = self._resync(buffer, start + 1)
            if not self._skipping:
                self.problems.append((verdict, bytes(buffer[start : min(resume, start + 80)])))
            # Stopped short of a verified header: the run may go on in the next read.
            self._skipping = size - resume < HEADER + 1
            start = resume
        del buffer[:start]
        return frames

    def _header(self, buffer: bytearray, at: int) -> str | None:
        """None for a plausible header at `at` (with its body's first byte), else why not."""
        if buffer[at] or buffer[at + 1]:
            return "frame header is not version 0"
        total = (buffer[at + 2] << 8) | buffer[at + 3]
        if total <= HEADER:
            return "frame length too short"
        if total > self.max_frame:
            return f"frame length {total} over the limit of {self.max_frame}"
        digits = _DIGITS
        if not (
            buffer[at + 4] in digits
            and buffer[at + 5] in digits
            and buffer[at + 6] in digits
            and buffer[at + 7] in digits
        ):
            return "invoke ID is not 4 digits"
        first = buffer[at + HEADER]
        if first != 0x3C and not (first == 0xEF and total > HEADER + 3):  # "<" or a BOM
            return "frame body is not XML"
        return None

    def _resync(self, buffer: bytearray, at: int) -> int:
        """The offset of the next plausible header from `at`, or where the search must go on
        once more bytes have come (the last bytes may be the start of one)."""
        size = len(buffer)
        while True:
            at = buffer.find(b"\0\0", at)
            if at < 0:
                # A lone trailing NUL may start the next header.
                return size - 1 if size and buffer[-1] == 0 else size
            if size - at < HEADER + 1:
                return at
            if self._header(buffer, at) is None:
                return at
            at += 1

    @property
    def pending(self) -> int:
        return len(self._buffer)
