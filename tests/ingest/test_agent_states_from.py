"""A source's unknown agent states filled from another source (the option agent_states_from):
the Optimus toolbar feed (a real TCP simulator) takes its agents' states from the Optimus
database source (the fixture, with AgentServices on loopback), follows their changes, and goes
back to unknown when the other source cannot tell or goes stale (never a stale state as live)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.optimus import simulator
from integrations.optimus_db.simulator import AgentServicesSimulator
from integrations.simnet import serve
from tests.conftest import free_port, running_ingest, wait_for
from tests.ingest.optimus_db_helpers import make_poll_source, optimus_db, sqlite_path
from wallboard.models import Agent

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["optimus_db"]


@pytest.fixture
def services() -> Iterator[AgentServicesSimulator]:
    simulator = AgentServicesSimulator()
    try:
        yield simulator
    finally:
        simulator.close()


@contextlib.asynccontextmanager
async def toolbar_feed() -> AsyncIterator[int]:
    """The toolbar simulator (agents 5000-5003) on a loopback port."""
    feed = simulator.make_producer({"queues": 2, "agents": 4, "seed": 3})
    feed.interval = 0.3
    port, stop = free_port(), asyncio.Event()
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve("127.0.0.1", port, feed, stop=stop, ready=ready))
    await ready
    try:
        yield port
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await task


def sources(database: str, password: str, services_url: str, port: int) -> tuple[Any, Any]:
    from wallboard.models import Source

    db = make_poll_source(database, password, agent_services_url=services_url)
    toolbar = Source(
        name="optimus-toolbar",
        vendor="optimus",
        connect=f"127.0.0.1:{port}",
        refresh_seconds=1,
        options={"batch_gap_seconds": 0.1, "agent_states_from": db.name},
    )
    toolbar.full_clean()
    toolbar.save()
    return db, toolbar


@sync_to_async
def states(source: Any) -> dict[str, str]:
    return {a.agent_id: a.state for a in Agent.objects.filter(source=source)}


async def shown(source: Any, expected: dict[str, str]) -> bool:
    return await states(source) == expected


async def test_the_toolbar_agents_take_and_follow_the_database_sources_states(
    optimus_db: Any, services: AgentServicesSimulator
) -> None:
    fixture, database, password = optimus_db
    fixture.queues({10: "Sales"}, {10: [5000, 5001, 5002]})
    services.states.update({"5000": "READY", "5001": "NOT READY", "5002": "TALKING"})
    async with toolbar_feed() as port:
        _, toolbar = await sync_to_async(sources)(database, password, services.url, port)
        async with running_ingest() as ingest:
            await wait_for(
                lambda: shown(
                    toolbar,
                    {
                        "5000": "available",
                        "5001": "not_ready",
                        "5002": "on_call",
                        "5003": "unknown",
                    },
                ),
                what="the toolbar's agents in the database source's states",
            )
            worker = ingest.workers[toolbar.pk]
            assert worker.live.agents["5000"].extra["state_from"] == "optimus-db"
            assert "state_from" not in worker.live.agents["5003"].extra  # no such agent there
            services.states["5000"] = "TALKING"
            await wait_for(
                lambda: shown(
                    toolbar,
                    {"5000": "on_call", "5001": "not_ready", "5002": "on_call", "5003": "unknown"},
                ),
                what="agent 5000's new state followed",
            )
            services.password = "changed"  # the database source can no longer tell
            await wait_for(
                lambda: shown(toolbar, dict.fromkeys(("5000", "5001", "5002", "5003"), "unknown")),
                what="the states back to unknown",
            )
            assert not worker.stale  # the toolbar feed itself goes on


async def test_a_stale_state_source_puts_the_states_back_to_unknown(
    optimus_db: Any, services: AgentServicesSimulator
) -> None:
    fixture, database, password = optimus_db
    path = sqlite_path(fixture)
    if path is None:
        pytest.skip("made unreachable by moving its file: SQLite only")
    fixture.queues({10: "Sales"}, {10: [5000]})
    services.states["5000"] = "READY"
    async with toolbar_feed() as port:
        db, toolbar = await sync_to_async(sources)(database, password, services.url, port)
        async with running_ingest() as ingest:
            await wait_for(
                lambda: _state(toolbar, "5000", "available"),
                what="agent 5000 available",
            )
            fixture.close()
            away = path.with_name("optimus-away.db")
            os.rename(path, away)
            db_worker = ingest.workers[db.pk]
            await wait_for(lambda: db_worker.stale, what="the database source stale")
            await _wait_state(toolbar, "5000", "unknown")
            os.rename(away, path)
            await wait_for(lambda: not db_worker.stale, what="the database source live again")
            await _wait_state(toolbar, "5000", "available")


async def _state(source: Any, agent_id: str, state: str) -> bool:
    return (await states(source)).get(agent_id) == state


async def _wait_state(source: Any, agent_id: str, state: str) -> None:
    await wait_for(lambda: _state(source, agent_id, state), what=f"{agent_id} {state}")
