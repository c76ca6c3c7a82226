"""An example-vendor feed (tests/system/example_vendor.py) the test drives line by line, over
a real TCP link that ingest dials, for the call ledger's end-to-end tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import free_port, wait_for
from tests.system.test_vendor_example import example_vendor  # noqa: F401  (fixture)


class CallFeed:
    """The phone system's end: ingest connects, the test sends records (`send`), a test can
    drop the link (`drop`), and ingest dials again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.writer: asyncio.StreamWriter | None = None
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await reader.readline()  # ingest's HELLO
        self.writer = writer
        try:
            while await reader.read(4096):  # (PONGs)
                pass
        finally:
            writer.close()

    async def connected(self, count: int = 1) -> None:
        await wait_for(
            lambda: self.connections >= count and self.writer is not None, what="ingest to dial"
        )

    async def send(self, *lines: str) -> None:
        """Records, then END (one batch)."""
        assert self.writer is not None
        self.writer.write("".join(f"{line}\n" for line in (*lines, "END")).encode())
        await self.writer.drain()

    def drop(self) -> None:
        if self.writer is not None:
            self.writer.transport.abort()
            self.writer = None

    async def stop(self) -> None:
        self.drop()
        if self.server is not None:
            self.server.close()


@pytest.fixture
async def call_feed() -> AsyncIterator[CallFeed]:
    feed = CallFeed()
    await feed.start()
    yield feed
    await feed.stop()


def feed_source(make_source: Any, feed: CallFeed, name: str = "pbx-calls") -> Any:
    return make_source(
        name, vendor="example", layout="", connect=f"127.0.0.1:{feed.port}", refresh_seconds=60
    )
