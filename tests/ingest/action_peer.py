"""The example vendor (tests/system/example_vendor.py) as a phone system that controls agents:
a real TCP (or TLS) server on loopback that sends agents 1001 to 1003 and answers each `SET`
line as a PBX would: OK for 1001, `ERR|...|invalidAgentState` for 1002, nothing for 1003.
Fixtures for the supervisor-action, credential, TLS and facts tests."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async

import integrations
from tests.conftest import free_port, wait_for
from wallboard.models import Source

AGENTS = b"A|1001|available\nA|1002|on_call\nA|1003|available\nEND\n"


class ActionPeer:
    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.port = free_port()
        self.context = context
        self.heard: list[str] = []  # every line ingest wrote, in order
        self.connections = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(
            self.serve, "127.0.0.1", self.port, ssl=self.context
        )

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        writer.write(AGENTS)
        try:
            await writer.drain()
            while line := await reader.readline():
                text = line.decode().strip()
                self.heard.append(text)
                fields = text.split("|")
                if fields[0] != "SET":
                    continue
                request, agent = fields[1], fields[2]
                if agent == "1001":
                    writer.write(f"OK|{request}\n".encode())
                elif agent == "1002":
                    writer.write(f"ERR|{request}|invalidAgentState\n".encode())
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    def sets(self) -> list[str]:
        return [line for line in self.heard if line.startswith("SET|")]

    async def drop(self) -> None:
        """Close the links and stop accepting: the source is then not connected."""
        if self.server is not None:
            self.server.close()
        for writer in self.writers:
            writer.transport.abort()

    async def stop(self) -> None:
        await self.drop()


@pytest.fixture
def example_vendor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test-only vendor in the registry (and the model's choices, as a migration would)."""
    monkeypatch.setitem(integrations.VENDORS, "example", "tests.system.example_vendor")
    monkeypatch.setitem(integrations.VENDOR_LABELS, "example", "Example event feed")
    field: Any = Source._meta.get_field("vendor")
    monkeypatch.setattr(field, "choices", [*field.choices, ("example", "Example event feed")])


@pytest.fixture
async def action_peer() -> AsyncIterator[ActionPeer]:
    peer = ActionPeer()
    await peer.start()
    yield peer
    await peer.stop()


async def live_example_source(
    make_source: Callable[..., Any], runner: Any, peer: ActionPeer, **fields: Any
) -> Source:
    """An example source connected to `peer`, its agents in the database, its health live."""
    from wallboard.models import Agent, SourceHealth

    fields = {"refresh_seconds": 60, **fields}  # the peer sends its agents once: no silence
    source: Source = await sync_to_async(make_source)(
        "pbx-cti", vendor="example", layout="", connect=f"127.0.0.1:{peer.port}", **fields
    )
    await wait_for(
        lambda: Agent.objects.filter(source=source, agent_id="1003").aexists(),
        what="the agents in the database",
    )
    await wait_for(
        lambda: SourceHealth.objects.filter(source=source, connected=True).aexists(),
        what="the source's health to say connected",
    )
    return source
