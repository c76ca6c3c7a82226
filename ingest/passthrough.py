"""Pass-through: relay a source's raw bytes, unchanged and in order, to other listeners.

Ingest only appends to each target's bounded buffer; the target's own task connects (lazily,
with backoff), writes and waits for the network. A slow or dead target therefore never slows
ingest or the other targets: when its buffer is full the oldest bytes are dropped and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from wallboard.lib.backoff import Backoff

log = logging.getLogger(__name__)


class PassThroughTarget:
    def __init__(self, target_id: int, host: str, port: int, max_bytes: int, source: str) -> None:
        self.id, self.host, self.port = target_id, host, port
        self.max_bytes = max(1024, max_bytes)
        self.source = source
        self.buffer: deque[bytes] = deque()
        self.buffered = 0
        self.bytes_sent = 0
        self.bytes_dropped = 0
        self.connected = False
        self.last_error = ""
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"pass-through {self}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def __str__(self) -> str:
        return f"{self.source} -> {self.host}:{self.port}"

    def send(self, data: bytes) -> None:
        """Queue bytes for the target; never blocks. Drops the oldest bytes past the bound."""
        self.buffer.append(data)
        self.buffered += len(data)
        while self.buffered > self.max_bytes:
            oldest = self.buffer[0]
            excess = self.buffered - self.max_bytes
            if len(oldest) <= excess:
                self.buffer.popleft()
                self.buffered -= len(oldest)
                self.bytes_dropped += len(oldest)
            else:  # keep the newest part of a chunk larger than what must go
                self.buffer[0] = oldest[excess:]
                self.buffered -= excess
                self.bytes_dropped += excess
        self._wake.set()

    def status(self) -> dict[str, object]:
        return {
            "connected": self.connected,
            "bytes_sent": self.bytes_sent,
            "bytes_dropped": self.bytes_dropped,
            "buffered": self.buffered,
            "last_error": self.last_error,
        }

    async def _run(self) -> None:
        backoff = Backoff(first=1.0, cap=30.0, jitter=0.2)
        while True:
            await self._wake.wait()  # connect only once there is something to send
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port), timeout=10
                )
            except (OSError, TimeoutError) as exc:
                self._failed(f"cannot connect: {exc or 'timed out'}")
                await asyncio.sleep(backoff.next())
                continue
            backoff.reset()
            self.connected = True
            self.last_error = ""
            log.info("pass-through %s connected", self)
            closed = asyncio.ensure_future(reader.read())  # the target talking back = EOF/close
            inflight = b""
            try:
                while not closed.done():
                    if not self.buffer:
                        self._wake.clear()
                        woken = asyncio.ensure_future(self._wake.wait())
                        await asyncio.wait([closed, woken], return_when=asyncio.FIRST_COMPLETED)
                        woken.cancel()
                        continue
                    inflight = self.buffer.popleft()
                    self.buffered -= len(inflight)
                    writer.write(inflight)
                    await writer.drain()
                    self.bytes_sent += len(inflight)
                    inflight = b""
                self._failed("the target closed the connection")
            except (ConnectionError, OSError) as exc:
                self._failed(f"connection lost: {exc}")
            finally:
                self.bytes_dropped += len(inflight)  # written into a dying socket: not delivered
                closed.cancel()
                self.connected = False
                writer.close()
            await asyncio.sleep(backoff.next())

    def _failed(self, message: str) -> None:
        if message != self.last_error:
            log.warning("pass-through %s: %s", self, message)
        self.last_error = message
        self.connected = False
