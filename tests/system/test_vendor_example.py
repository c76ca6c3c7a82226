"""The "adding a vendor" checklist, followed once (tests/system/example_vendor.py): a vendor that
writes on its link and sends call steps runs through the real ingest path over TCP, and the web
side and ingest needed no change for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async

import integrations
from tests.conftest import free_port, wait_for
from wallboard.models import Agent, Queue, Source

pytestmark = pytest.mark.django_db(transaction=True)


class ExampleServer:
    """The example vendor's server: records what ingest writes, answers with a few records."""

    def __init__(self) -> None:
        self.port = free_port()
        self.heard: list[str] = []
        self.connections = 0
        self.server: asyncio.Server | None = None
        self.drop = asyncio.Event()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", self.port)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.heard.append((await reader.readline()).decode().strip())  # ingest speaks first
        if self.connections == 1:
            writer.write(b"Q|7|3\nA|1001|on_call\nC|c1|offered\nC|c1|answered\nPING\nEND\n")
            await writer.drain()
            self.heard.append((await reader.readline()).decode().strip())
            await self.drop.wait()
        else:
            writer.write(b"C|c1|ended\nQ|7|0\nEND\n")
            await writer.drain()
            await reader.read()  # until ingest hangs up
        writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


@pytest.fixture
def example_vendor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Step 2 of the checklist: the registry's one line (and the model's choice, which a real
    vendor gets from VENDOR_LABELS and a migration)."""
    monkeypatch.setitem(integrations.VENDORS, "example", "tests.system.example_vendor")
    monkeypatch.setitem(integrations.VENDOR_LABELS, "example", "Example event feed")
    field: Any = Source._meta.get_field("vendor")
    monkeypatch.setattr(field, "choices", [*field.choices, ("example", "Example event feed")])


@pytest.fixture
async def example_server() -> AsyncIterator[ExampleServer]:
    server = ExampleServer()
    await server.start()
    yield server
    server.drop.set()
    await server.stop()


async def test_a_new_vendor_that_writes_on_its_link_and_sends_calls_runs_through_ingest(
    example_vendor: None, example_server: ExampleServer, make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)(
        "example-1", vendor="example", layout="", connect=f"127.0.0.1:{example_server.port}"
    )
    await wait_for(lambda: source.pk in runner.workers, what="the source to start")
    worker = runner.workers[source.pk]
    await wait_for(lambda: worker.batches >= 1, what="the first batch")
    assert example_server.heard[:1] == ["HELLO"]  # it spoke first, knowing no call yet
    await wait_for(lambda: len(example_server.heard) >= 2, what="the answer to PING")
    assert example_server.heard[1] == "PONG"
    assert worker.call_events == 2
    assert worker.live.queues[("queue", "7")].calls_waiting == 3
    assert worker.live.agents["1001"].state == "on_call"

    example_server.drop.set()  # the link drops; ingest dials again
    await wait_for(lambda: example_server.connections >= 2, timeout=15, what="the reconnect")
    await wait_for(lambda: len(example_server.heard) >= 3, what="the second HELLO")
    assert example_server.heard[2] == "HELLO c1"  # the call in progress outlived the link
    await wait_for(lambda: worker.call_events == 3, what="the call's end")
    await wait_for(
        lambda: Queue.objects.filter(source=source, number="7", calls_waiting=0).aexists(),
        what="the queue's figure in the database",
    )
    assert await Agent.objects.filter(source=source, agent_id="1001").aexists()
