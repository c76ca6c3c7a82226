"""The AES simulator as a client meets it over TCP: it checks the password, refuses
SetAgentState when told to, sends no agent events when told not to (so the client polls), and
plays the same switch for the same seed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from integrations.base import AgentCommand, AgentRow, CallEvent, CommandResult
from integrations.csta import make_decoder
from integrations.csta.decoder import DmccDecoder
from integrations.csta.simulator import AesSimulator
from tests.conftest import wait_for

OPTIONS = {
    "switch_name": "CM1",
    "username": "wallboard",
    "password": "secret",
    "stations": "5001-5004",
    "splits": "301",
    "vdns": "7001",
    "poll_seconds": 1,
}


class Link:
    """A decoder talking to the simulator over loopback TCP, flushed as ingest does."""

    def __init__(self, decoder: DmccDecoder) -> None:
        self.decoder = decoder
        self.rows: list[AgentRow] = []
        self.steps: list[CallEvent] = []

    async def run(self, port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        decoder = self.decoder
        decoder.connected()
        try:
            while True:
                writer.write(b"".join(decoder.outbox))
                decoder.outbox.clear()
                try:
                    data = await asyncio.wait_for(reader.read(65536), 0.1)
                except TimeoutError:
                    data = b""
                else:
                    if not data:
                        return
                for batch in decoder.feed(data) + decoder.flush(time.monotonic()):
                    self.rows += batch.agents
                    self.steps += batch.calls
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def talking(sim: AesSimulator, **options: Any) -> AsyncIterator[Link]:
    stop = asyncio.Event()
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(sim.serve("127.0.0.1", 0, stop=stop, ready=ready))
    link = Link(make_decoder("events", {**OPTIONS, **options}))
    running = asyncio.create_task(link.run(await ready))
    try:
        yield link
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        stop.set()
        await server


def quiet_switch(**options: Any) -> AesSimulator:
    return AesSimulator(
        stations=["5001", "5002", "5003", "5004"],
        splits=["301"],
        vdns=["7001"],
        rate=0,
        activity=0,
        interval=0.05,
        seed=3,
        **options,
    )


async def test_a_wrong_password_gets_a_negative_response() -> None:
    async with talking(quiet_switch(), password="not-it") as link:
        await wait_for(lambda: link.decoder.state == "refused", what="the refusal")
        assert link.decoder.facts["session"] == "refused: invalidApplicationInfo"


async def test_a_refused_set_agent_state_comes_back_with_its_error_value() -> None:
    async with talking(quiet_switch(refuse_set_agent_state="invalidAgentState")) as link:
        await wait_for(lambda: link.decoder.state == "up", what="the session")
        link.decoder.command(AgentCommand("r1", "3101", "not_ready", reason_code="3"))
        await wait_for(lambda: link.decoder.results, what="the answer")
        assert link.decoder.results == [CommandResult("r1", False, "invalidAgentState")]


async def test_set_agent_state_changes_the_agent_and_its_event_says_so() -> None:
    sim = quiet_switch()
    async with talking(sim) as link:
        await wait_for(lambda: link.decoder.state == "up", what="the session")
        link.decoder.command(AgentCommand("r1", "3102", "not_ready", reason_code="3"))
        await wait_for(lambda: link.decoder.results, what="the answer")
        assert link.decoder.results == [CommandResult("r1", True, "")]
        await wait_for(
            lambda: any(r.agent_id == "3102" and r.state == "not_ready" for r in link.rows),
            what="the agent's new state",
        )
        [row] = [r for r in link.rows if r.state == "not_ready"]
        assert (row.reason_code, row.state_seconds) == ("3", 0)


async def test_without_agent_events_the_client_polls_and_still_sees_changes() -> None:
    sim = quiet_switch(agent_events=False)
    async with talking(sim) as link:
        await wait_for(lambda: link.decoder.state == "up", what="the session")
        await wait_for(lambda: len({r.agent_id for r in link.rows}) == 4, what="the first poll")
        assert link.decoder.facts["agent states"] == "polled every 1 s"
        sim.not_ready("3101", "6")  # at the phone: the switch sends no event
        await wait_for(
            lambda: any(r.agent_id == "3101" and r.state == "not_ready" for r in link.rows),
            what="a poll to find the change",
        )
        assert link.rows[-1].reason_code == "6" and link.rows[-1].state_seconds is None
        assert sim.heard.count("GetAgentState") >= 8


def test_the_same_seed_plays_the_same_switch() -> None:
    def stream(seed: int) -> bytes:
        sim = AesSimulator(
            stations=["5001", "5002", "5003"],
            splits=["301"],
            vdns=["7001"],
            seed=seed,
            clock=lambda: 1_700_000_000.0,
        )
        decoder = make_decoder("events", {**OPTIONS, "stations": "5001-5003"})
        decoder.connected()
        while decoder.outbox:
            request, decoder.outbox = b"".join(decoder.outbox), []
            decoder.feed(sim.exchange(request))
        return sim.event_stream(300)

    assert stream(5) == stream(5)
    assert stream(5) != stream(6)
