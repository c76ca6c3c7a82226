"""Avaya AES DMCC over real TCP: the simulated AES serves, runingest connects, starts a
session, monitors the devices, reads the agents and the call steps; the AES dropping the link
and coming back sets everything up again without offering a call in progress twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.base import Batch, CallEvent
from integrations.csta.simulator import AesSimulator
from tests.conftest import free_port, wait_for
from wallboard.models import Agent

pytestmark = pytest.mark.django_db(transaction=True)

OPTIONS = {
    "switch_name": "CM1",
    "username": "wallboard",
    "stations": "5001-5004",
    "splits": "301",
    "vdns": "7001",
}


class Aes:
    """The simulated AES on a loopback port; nothing happens on its switch unless scripted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sim = AesSimulator(
            stations=["5001", "5002", "5003", "5004"],
            splits=["301"],
            vdns=["7001"],
            rate=0,
            activity=0,
            interval=0.05,
            seed=7,
        )
        self.stop_event = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.task = asyncio.create_task(
            self.sim.serve("127.0.0.1", self.port, stop=self.stop_event, ready=ready)
        )
        await ready

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task:
            with contextlib.suppress(Exception):
                await self.task


@pytest.fixture
async def aes() -> AsyncIterator[Aes]:
    server = Aes()
    await server.start()
    yield server
    await server.stop()


async def csta_source(make_source: Any, runner: Any, aes: Aes) -> tuple[Any, list[CallEvent]]:
    """The source, connected and up, and the call steps ingest takes from it from now on."""
    source = await sync_to_async(make_source)(
        "aes-1",
        vendor="csta",
        layout="",
        listen="",
        connect=f"127.0.0.1:{aes.port}",
        refresh_seconds=10,
        options=OPTIONS,
        enabled=False,
    )
    # The AES user's password is a credential, kept apart from the options (as the admin does).
    source.set_secrets({"password": "secret"})
    source.enabled = True
    await sync_to_async(source.save)()
    await wait_for(lambda: source.pk in runner.workers, what="the source to start")
    worker = runner.workers[source.pk]
    steps: list[CallEvent] = []
    process = worker.process

    def recording(batch: Batch, now: float | None = None) -> Any:
        steps.extend(batch.calls)
        return process(batch, now)

    worker.process = recording
    await wait_for(
        lambda: worker._decoder is not None and worker._decoder.state == "up",
        what="the session and monitors to be up",
    )
    return source, steps


async def agents_of(source: Any) -> dict[str, str]:
    rows = Agent.objects.filter(source=source, gone=False)
    return {a.agent_id: a.state async for a in rows}


async def test_agents_and_a_vdn_call_from_the_aes_reach_ingest(
    make_source: Any, runner: Any, aes: Aes
) -> None:
    source, steps = await csta_source(make_source, runner, aes)
    worker = runner.workers[source.pk]
    assert aes.sim.heard[0] == "StartApplicationSession"
    assert aes.sim.heard.count("MonitorStart") == 6
    assert worker._decoder.facts["monitors"] == "6 of 6 started"

    async def four_available() -> bool:
        return await agents_of(source) == dict.fromkeys(
            ("3101", "3102", "3103", "3104"), "available"
        )

    await wait_for(four_available, what="the logged-in agents in the database")

    aes.sim.log_off("3104")  # agent events now, not the first reading's poll

    async def logged_out() -> bool:
        return (await agents_of(source)).get("3104") == "logged_out"

    await wait_for(logged_out, what="the logout in the database")
    aes.sim.log_on("3104")
    await wait_for(four_available, what="the login in the database")
    assert worker._decoder.facts["agent states"] == "from events"

    call = aes.sim.offer("7001")
    aes.sim.ring(call, "3101")
    aes.sim.answer(call)
    await wait_for(lambda: worker.call_events >= 4, what="the call's steps")
    mine = [s for s in steps if s.call_id == call.call_id]
    assert [s.step for s in mine] == ["offered", "queued", "ringing", "answered"]
    assert mine[0].vdn == "7001" and mine[0].ucid == call.ucid
    assert (mine[1].queue_kind, mine[1].queue_number) == ("skill", "301")
    assert (mine[3].agent_id, mine[3].extension) == ("3101", "5001")

    async def on_call() -> bool:
        return (await agents_of(source)).get("3101") == "on_call"

    await wait_for(on_call, what="the agent on the call in the database")
    await wait_for(lambda: "ResetApplicationSessionTimer" in aes.sim.heard, what="a keep-alive")
    assert not worker.parse_errors


async def test_the_aes_dropping_the_link_sets_up_again_without_offering_a_call_twice(
    make_source: Any, runner: Any, aes: Aes
) -> None:
    source, steps = await csta_source(make_source, runner, aes)
    worker = runner.workers[source.pk]
    call = aes.sim.offer("7001")
    aes.sim.ring(call, "3102")
    aes.sim.answer(call)
    await wait_for(lambda: len([s for s in steps if s.call_id == call.call_id]) == 4)
    monitors = aes.sim.heard.count("MonitorStart")

    aes.sim.drop_all()
    await wait_for(lambda: aes.sim.sessions_started == 2, timeout=20, what="a new session")
    await wait_for(
        lambda: worker._decoder.state == "up" and worker.connected, what="monitors set up again"
    )
    assert aes.sim.heard.count("MonitorStart") == 2 * monitors
    await wait_for(  # the call in progress is looked for
        lambda: "SnapshotDevice" in aes.sim.heard, what="a snapshot of the agent's station"
    )

    aes.sim.hang_up(call)
    await wait_for(
        lambda: any(s.step == "ended" for s in steps if s.call_id == call.call_id),
        what="the call's end",
    )
    mine = [s.step for s in steps if s.call_id == call.call_id]
    assert mine == ["offered", "queued", "ringing", "answered", "ended"]
    assert [s.released_by for s in steps if s.step == "ended"] == ["caller"]
