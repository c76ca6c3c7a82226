"""Pass-through: a source's raw bytes relayed unchanged to other listeners, never slowing ingest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from ingest.passthrough import PassThroughTarget
from ingest.runner import IngestRunner
from tests.conftest import free_port, running_ingest, send_bytes, wait_for
from wallboard.models import Queue

FIXTURES = Path(__file__).parents[1] / "fixtures" / "avaya_cms"
TVI1 = (FIXTURES / "tvi1_example.txt").read_bytes()
BUFFER = 1024 * 1024


class Sink:
    """A pass-through target: a TCP server that records what it receives."""

    def __init__(self, port: int, read: bool = True) -> None:
        self.port, self.read = port, read
        self.data = bytearray()
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> Sink:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        if not self.read:
            await asyncio.sleep(3600)  # accept, never read: a hung WFM tool
        while chunk := await reader.read(65536):
            self.data += chunk

    async def close(self) -> None:
        for writer in self.writers:
            writer.close()
        if self.server is not None:
            self.server.close()


@pytest.fixture
async def small_buffer_runner() -> AsyncIterator[IngestRunner]:
    async with running_ingest(pass_through_bytes=BUFFER) as ingest:
        yield ingest


def port_of(source: Any) -> int:
    return int(source.listen.rsplit(":", 1)[1])


@pytest.mark.django_db(transaction=True)
async def test_every_target_receives_the_feed_byte_for_byte(make_source: Any, runner: Any) -> None:
    a, b = await Sink(free_port()).start(), await Sink(free_port()).start()
    source = await sync_to_async(make_source)(
        targets=[("127.0.0.1", a.port), ("127.0.0.1", b.port)]
    )
    await wait_for(lambda: runner.workers.get(source.pk), what="the source")
    noise = b"F0|header the parser ignores\r\nF1|not a number|x\r\n"
    sent = noise + TVI1 + TVI1.replace(b"\n", b"\r\n")
    await send_bytes(port_of(source), sent[:7], sent[7:100], sent[100:], pause=0.05)
    await wait_for(lambda: len(a.data) == len(sent) and len(b.data) == len(sent), what="relay")
    assert bytes(a.data) == sent and bytes(b.data) == sent
    await a.close()
    await b.close()


@pytest.mark.django_db(transaction=True)
async def test_a_target_that_was_down_gets_the_feed_once_it_is_back(
    make_source: Any, runner: Any
) -> None:
    target_port = free_port()
    source = await sync_to_async(make_source)(targets=[("127.0.0.1", target_port)])
    await wait_for(lambda: runner.workers.get(source.pk), what="the source")
    await send_bytes(port_of(source), TVI1)  # the target is down: buffered
    target = runner.workers[source.pk].targets[next(iter(runner.workers[source.pk].targets))]
    await wait_for(lambda: target.last_error, what="the failed connection to be noted")
    sink = await Sink(target_port).start()
    await send_bytes(port_of(source), TVI1)
    await wait_for(lambda: len(sink.data) == 2 * len(TVI1), timeout=15, what="both batches")
    assert bytes(sink.data) == TVI1 + TVI1 and target.bytes_dropped == 0
    assert target.connected
    await sink.close()


@pytest.mark.django_db(transaction=True)
async def test_a_target_that_stops_reading_never_delays_ingest_or_other_targets(
    make_source: Any, small_buffer_runner: IngestRunner
) -> None:
    hung, healthy = await Sink(free_port(), read=False).start(), await Sink(free_port()).start()
    source = await sync_to_async(make_source)(
        targets=[("127.0.0.1", hung.port), ("127.0.0.1", healthy.port)]
    )
    runner = small_buffer_runner
    await wait_for(lambda: runner.workers.get(source.pk), what="the source")
    worker = runner.workers[source.pk]
    # ~16 MB: past what the hung target's socket buffers and our 1 MiB buffer can hold.
    batches = 16 * 1024 * 1024 // len(TVI1)
    block = TVI1 * 100
    _, writer = await asyncio.open_connection("127.0.0.1", port_of(source))
    for _ in range(batches // 100):
        writer.write(block)
        await writer.drain()
    sent = (batches // 100) * len(block)
    await wait_for(lambda: worker.batches == batches // 100 * 100, timeout=60, what="all ingested")
    await wait_for(lambda: len(healthy.data) == sent, timeout=60, what="the healthy relay")
    hung_target = next(t for t in worker.targets.values() if t.port == hung.port)
    assert hung_target.bytes_dropped > 0 and hung_target.buffered <= BUFFER
    assert await sync_to_async(Queue.objects.filter(source=source).count)() == 3
    writer.close()
    await hung.close()
    await healthy.close()


async def test_a_full_buffer_drops_the_oldest_bytes_and_counts_them() -> None:
    target = PassThroughTarget(1, "127.0.0.1", 9, max_bytes=1024, source="s")
    for i in range(10):
        target.send(bytes([65 + i]) * 300)
    assert target.buffered == 1024
    assert target.bytes_dropped == 3000 - 1024
    kept = b"".join(target.buffer)
    assert kept.endswith(b"J" * 300) and kept.startswith(b"G")  # newest kept, in order
