"""A link that goes silent is dropped and dialled again, over real TCP on loopback.

A PBX whose far end vanished (a half-open link) leaves the socket ESTABLISHED for minutes:
ingest drops a link from which no byte came for max(3 x refresh, floor) seconds, counts and
logs it, and redials with backoff; every link also has TCP keepalives. The floor is lowered
here so that the tests take seconds, not tens of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.mitel import simulator
from tests.conftest import free_port, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

FLOOR = 1.0  # with refresh_seconds=1 the bound is then 3 s
BOUND = 3.0
TVI1 = (Path(__file__).parents[1] / "fixtures" / "avaya_cms" / "tvi1_example.txt").read_bytes()


@pytest.fixture(autouse=True)
def short_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ingest.worker.SILENCE_FLOOR", FLOOR, raising=False)


class QuietPbx:
    """A PBX on loopback that accepts, writes `first` (if anything), then says nothing."""

    def __init__(self, first: bytes = b"") -> None:
        self.first = first
        self.accepted: list[float] = []
        self.closed: list[float] = []  # when each link was closed by the other side
        self.port = free_port()
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> QuietPbx:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        self.accepted.append(loop.time())
        if self.first:
            writer.write(self.first)
        with contextlib.suppress(ConnectionError, OSError):
            await reader.read()  # until ingest drops the link
        self.closed.append(loop.time())
        writer.close()


@pytest.fixture
async def quiet_pbx() -> AsyncIterator[QuietPbx]:
    async with QuietPbx() as pbx:
        yield pbx


def keepalive_options(sock: Any) -> dict[str, int]:
    options = {"SO_KEEPALIVE": sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)}
    for name in ("TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT"):
        if hasattr(socket, name):
            options[name] = sock.getsockopt(socket.IPPROTO_TCP, getattr(socket, name))
    return options


def assert_short_keepalives(options: dict[str, int]) -> None:
    assert options["SO_KEEPALIVE"]
    if "TCP_KEEPIDLE" in options:  # Linux and others: a dead peer found within a minute
        idle, interval = options["TCP_KEEPIDLE"], options["TCP_KEEPINTVL"]
        assert idle + interval * options["TCP_KEEPCNT"] <= 60


async def mitel_source(make_source: Any, port: int) -> Any:
    return await sync_to_async(make_source)(
        "pbx-1",
        vendor="mitel",
        layout="",
        listen="",
        connect=f"127.0.0.1:{port}",
        refresh_seconds=1,
    )


async def test_a_pbx_that_accepts_and_never_sends_is_dropped_and_redialled(
    make_source: Any, runner: Any, quiet_pbx: QuietPbx, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ingest.worker")
    source = await mitel_source(make_source, quiet_pbx.port)
    worker = await wait_for(lambda: runner.workers.get(source.pk) and runner.workers[source.pk])
    await wait_for(lambda: worker.connected, what="the link up")
    assert_short_keepalives(keepalive_options(worker._writer.get_extra_info("socket")))

    await wait_for(lambda: len(quiet_pbx.accepted) >= 3, timeout=3 * BOUND + 6, what="2 redials")
    first, second = quiet_pbx.accepted[:2]
    assert quiet_pbx.closed and quiet_pbx.closed[0] - first < BOUND + 1.0  # dropped by ingest
    assert BOUND - 0.2 < second - first < BOUND + 3.0  # the bound, then the backoff
    assert worker.silence_drops >= 2 and "no data" in worker.last_error
    warnings = [r for r in caplog.records if "no data for" in r.getMessage()]
    assert len(warnings) == 1  # logged once, however many silent links follow
    report = worker.health()
    assert report["diagnostics"]["silence_drops"] == worker.silence_drops


async def test_a_pbx_that_sends_then_goes_silent_is_dropped_and_redialled(
    make_source: Any, runner: Any
) -> None:
    producer = simulator.make_producer({"agents": 4, "seed": 3})
    async with QuietPbx(first=producer.next_chunk()) as pbx:
        source = await mitel_source(make_source, pbx.port)
        worker = await wait_for(lambda: runner.workers.get(source.pk) and runner.workers[source.pk])
        await wait_for(lambda: worker.batches >= 1, what="its first records")
        await wait_for(lambda: len(pbx.accepted) >= 2, timeout=BOUND + 6, what="a redial")
        assert pbx.closed[0] - pbx.accepted[0] < BOUND + 1.0
        await wait_for(lambda: worker.batches >= 2, what="the records of the new link")
        assert worker.silence_drops >= 1


async def test_cms_going_silent_on_a_listen_source_is_dropped(
    make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)(refresh_seconds=1)
    worker = await wait_for(lambda: runner.workers.get(source.pk) and runner.workers[source.pk])
    port = int(source.listen.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(TVI1)  # one run, then nothing: CMS's host vanished
    await wait_for(lambda: worker.batches == 1, what="the run")
    assert_short_keepalives(keepalive_options(worker._writer.get_extra_info("socket")))
    with contextlib.suppress(ConnectionError):  # closed by ingest within the bound
        assert await asyncio.wait_for(reader.read(), BOUND + 1.5) == b""
    await wait_for(lambda: not worker.connected, what="the link down")
    assert worker.silence_drops == 1
    writer.close()
