"""Raw capture and replay of a source's bytes.

An admin asks for a capture (wallboard.models.SourceCapture); the ingest process that runs the
source takes the request up (SourceWorker polls for it on its tick loop, and when it starts),
writes each read, exactly the bytes pass-through gets, with the read's time, to a file under
CAPTURE_DIR until a limit (seconds, complete batches, bytes), and marks the capture done.
`manage.py replay` reads the file back through a source's decoder, or plays it to a port at
its recorded pace (CaptureProducer, like a simulator). The format: docs/capture-format.md.
"""

from __future__ import annotations

import contextlib
import json
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from integrations.base import Batch, ChangedRows, Decoder
from wallboard.lib.ranges import IdRange

from .live import LiveState

MAGIC = b"WALLBOARD-CAPTURE"
VERSION = 1
# Each read: its time (epoch seconds, IEEE 754 double) and length, big-endian, then its bytes.
# A record of length 0 marks a new connection: what follows is read by a fresh decoder.
RECORD = struct.Struct(">dI")
MAX_HEADER = 64 * 1024  # a header line longer than this is not a capture
MAX_READ = 16 * 1024 * 1024  # one record longer than this is not a capture (reads are 256 KiB)


class CaptureError(ValueError):
    """A file that is not a capture (or not one this version reads)."""


@dataclass(frozen=True)
class CaptureHeader:
    vendor: str
    layout: str
    source: str
    options: dict[str, Any] = field(default_factory=dict)
    started: float = 0.0
    version: int = VERSION

    def line(self) -> bytes:
        fields = {
            "version": self.version,
            "vendor": self.vendor,
            "layout": self.layout,
            "source": self.source,
            "options": self.options,
            "started": self.started,
        }
        return MAGIC + b" " + json.dumps(fields, sort_keys=True).encode() + b"\n"


@dataclass(frozen=True)
class Read:
    at: float  # epoch seconds
    data: bytes  # b"": a new connection starts here

    @property
    def new_connection(self) -> bool:
        return not self.data


def read_capture(path: str | Path) -> tuple[CaptureHeader, list[Read]]:
    """A capture's header and reads. A file cut short (a capture still being written, a disk
    that filled) gives the reads that are whole; anything else wrong raises CaptureError."""
    with open(path, "rb") as f:
        header = _header(f.readline(MAX_HEADER + 1))
        return header, list(_reads(f))


def _header(line: bytes) -> CaptureHeader:
    if not line.startswith(MAGIC + b" ") or not line.endswith(b"\n"):
        raise CaptureError("not a wallboard capture (its first line is not a capture header)")
    try:
        fields = json.loads(line[len(MAGIC) + 1 :])
        header = CaptureHeader(
            vendor=str(fields["vendor"]),
            layout=str(fields["layout"]),
            source=str(fields["source"]),
            options=dict(fields.get("options") or {}),
            started=float(fields.get("started") or 0.0),
            version=int(fields["version"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CaptureError(f"a capture header that cannot be read: {exc}") from exc
    if header.version != VERSION:
        raise CaptureError(f"capture format version {header.version}; this reads {VERSION}")
    return header


def _reads(f: IO[bytes]) -> Iterator[Read]:
    while True:
        head = f.read(RECORD.size)
        if len(head) < RECORD.size:
            return  # the end, or a record cut short
        at, length = RECORD.unpack(head)
        if length > MAX_READ:
            raise CaptureError(f"a record of {length} bytes: not a capture, or damaged")
        data = f.read(length)
        if len(data) < length:
            return
        yield Read(at, data)


class CaptureFile:
    """A capture being written: its reads, until a limit is reached (limit_seconds after it
    began, limit_batches complete batches, limit_bytes bytes)."""

    def __init__(
        self,
        path: Path,
        header: CaptureHeader,
        limit_seconds: float,
        limit_batches: int | None,
        limit_bytes: int,
    ) -> None:
        self.path = path
        self.limit_seconds, self.limit_batches, self.limit_bytes = (
            limit_seconds,
            limit_batches,
            limit_bytes,
        )
        self.started = header.started
        self.bytes = self.reads = self.batches = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] | None = open(path, "xb")  # noqa: SIM115  (closed by close())
        self._file.write(header.line())
        self._file.flush()

    def read(self, data: bytes, at: float) -> str | None:
        """Write one read; why the capture ends now, if it does."""
        if self._file is None:
            return None
        if self.bytes + len(data) > self.limit_bytes:
            return f"byte limit ({self.limit_bytes}) reached"
        self._file.write(RECORD.pack(at, len(data)))
        self._file.write(data)
        self._file.flush()  # a capture is readable (and replayable) while it is taken
        self.bytes += len(data)
        self.reads += 1
        return self.due(at)

    def new_connection(self, at: float) -> None:
        if self._file is not None:
            self._file.write(RECORD.pack(at, 0))
            self._file.flush()

    def batch(self) -> str | None:
        """A complete batch was decoded from what was written; why the capture ends, if it does."""
        self.batches += 1
        if self.limit_batches is not None and self.batches >= self.limit_batches:
            return f"{self.batches} batches taken"
        return None

    def due(self, now: float) -> str | None:
        if now - self.started >= self.limit_seconds:
            return f"{self.limit_seconds:.0f} s taken"
        return None

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None


class CaptureProducer:
    """A capture's reads as a simulator's FeedProducer (integrations.simnet): each chunk is one
    read, and `interval` the recorded gap to the next one, divided by `speed`. With `loop`, it
    starts again from the first read after the last (the demo); else it gives b"" once done."""

    def __init__(self, reads: list[Read], speed: float = 1.0, loop: bool = False) -> None:
        self.reads = [r for r in reads if not r.new_connection]
        self.speed = max(speed, 1e-6)
        self.loop = loop
        self.position = 0
        self.interval = 0.0
        self.done = not self.reads

    def next_chunk(self) -> bytes:
        if self.done:
            self.interval = 0.5
            return b""
        read = self.reads[self.position]
        self.position += 1
        if self.position < len(self.reads):
            gap = self.reads[self.position].at - read.at
        elif self.loop:
            self.position = 0
            gap = 1.0  # between the last read and the first again
        else:
            self.done = True
            gap = 0.0
        self.interval = max(0.0, gap) / self.speed
        return read.data


# -- the database side (the worker runs these on its database thread) ---------------------------


@dataclass(frozen=True)
class CaptureRequest:
    id: int
    path: Path
    limit_seconds: int
    limit_batches: int | None
    limit_bytes: int


def take_request(source_id: int, tidy: bool = True) -> CaptureRequest | None:
    """The oldest capture asked for of this source, now marked running (called only while the
    source's worker takes none, so one at a time). With `tidy` (a worker's first look, then
    now and then: not a write and a delete every poll), a capture left running by an ingest
    that stopped without ending it is marked failed, and the source's captures past
    CAPTURE_RETENTION_DAYS are deleted, files and rows."""
    from django.conf import settings
    from django.utils import timezone

    from wallboard.models import SourceCapture
    from wallboard.models.captures import purge_expired

    captures = SourceCapture.objects.filter(source_id=source_id)
    if tidy:
        purge_expired(source_id)
        captures.filter(status=SourceCapture.RUNNING).update(
            status=SourceCapture.FAILED,
            ended_at=timezone.now(),
            ended_why="interrupted: the ingest taking it stopped",
        )
    # No transaction: the update below takes the capture only if still asked for, so of two
    # processes one gets it; and a look that finds none is one read (SQLite's transactions
    # here begin by taking the write lock).
    capture = (
        captures.filter(status=SourceCapture.REQUESTED)
        .select_related("source")
        .order_by("requested_at", "pk")
        .first()
    )
    if capture is None:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = Path(settings.CAPTURE_DIR) / f"{capture.source.name}-{capture.pk}-{stamp}.wbcap"
    taken = captures.filter(pk=capture.pk, status=SourceCapture.REQUESTED).update(
        status=SourceCapture.RUNNING, started_at=timezone.now(), file_path=str(path)
    )
    if not taken:  # another process took it meanwhile
        return None
    return CaptureRequest(
        capture.pk,
        path,
        capture.limit_seconds,
        capture.limit_batches,
        min(capture.limit_bytes, settings.CAPTURE_MAX_BYTES),
    )


def mark_ended(capture_id: int, failed: bool, why: str, counts: tuple[int, int, int]) -> None:
    from django.utils import timezone

    from wallboard.models import SourceCapture

    size, reads, batches = counts
    SourceCapture.objects.filter(pk=capture_id).update(
        status=SourceCapture.FAILED if failed else SourceCapture.DONE,
        ended_at=timezone.now(),
        ended_why=why[:200],
        bytes=size,
        reads=reads,
        batches=batches,
    )


def begin(request: CaptureRequest, config: Any, secret_options: tuple[str, ...]) -> CaptureFile:
    """Open the capture file for a source's config (a SourceConfig); its secret options (a
    password) are left out of the header."""
    options = {k: v for k, v in json.loads(config.options_json).items() if k not in secret_options}
    header = CaptureHeader(config.vendor, config.layout, config.name, options, time.time())
    return CaptureFile(
        request.path, header, request.limit_seconds, request.limit_batches, request.limit_bytes
    )


# -- replay: a capture through a decoder ------------------------------------------------------


@dataclass
class Replayed:
    """What a capture gives through a source's decoder: counts, the errors, and the live state
    ingest would hold (and store) at its end."""

    live: LiveState
    batches: int = 0
    records: int = 0
    connections: int = 0
    errors: list[str] = field(default_factory=list)
    error_count: int = 0


def decode(
    reads: list[Read],
    make_decoder: Callable[[], Decoder],
    missing_before_gone: int = 1,
    queue_range: str = "",
    agent_range: str = "",
    day_of: Callable[[float], str] | None = None,
) -> Replayed:
    """Feed the reads, in order, to a decoder as ingest does: a fresh decoder (resuming the one
    before) at each new connection, flush() before each read and once at the end, the source's
    ID ranges, and LiveState for what would be stored. The decoder's clock and flush() read the
    recorded times, so a feed that closes batches by time closes them as it did."""
    result = Replayed(LiveState(missing_before_gone, day_of))
    queues, agents = IdRange(queue_range), IdRange(agent_range)
    now = 0.0
    decoder: Decoder | None = None

    def fresh(previous: Decoder | None) -> Decoder:
        made = make_decoder()
        if previous is not None:
            made.resume(previous)
        made.clock = lambda: now
        made.connected()
        made.outbox.clear()  # what it would say to the phone system goes nowhere
        result.connections += 1
        return made

    def take(made: Decoder, batches: list[Batch], at: float) -> None:
        for error in made.errors:
            result.error_count += 1
            if len(result.errors) < 100:
                result.errors.append(f"{error.reason}: {error.excerpt}")
        made.errors.clear()
        for batch in batches:
            result.batches += 1
            result.records += batch.records or len(batch.queues) + len(batch.agents)
            batch.queues = [q for q in batch.queues if q.number in queues]
            batch.agents = [a for a in batch.agents if a.agent_id in agents]
            result.live.apply(batch, at)
        if batches and isinstance(made, ChangedRows):  # as ingest does between batches
            for _ in made.idle_steps():
                pass

    for read in reads:
        now = read.at
        if decoder is not None:
            take(decoder, decoder.flush(now), now)
        if decoder is None or read.new_connection:
            decoder = fresh(decoder)
        if read.data:
            take(decoder, decoder.feed(read.data), now)
    if decoder is not None:
        now += 3600.0  # the line went quiet: a batch closed by time is closed
        take(decoder, decoder.flush(now), now)
    return result
