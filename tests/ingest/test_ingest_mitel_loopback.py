"""Mitel 3300 RTE over real TCP: the simulated PBX serves, runingest connects and reads."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from integrations.mitel import simulator
from integrations.simnet import serve
from tests.conftest import free_port, wait_for
from wallboard.models import Agent, ApiToken, Queue

pytestmark = pytest.mark.django_db(transaction=True)


class Pbx:
    """The simulated PBX on a loopback port, stoppable and restartable."""

    def __init__(self, port: int, **options: Any) -> None:
        self.port = port
        self.options = {"interval": 0.05, "stats_every": 0.1, "agents": 12, "seed": 3, **options}
        self.producer = simulator.make_producer(self.options)
        self.stop_event = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def start(self, fragment: bool = False) -> Pbx:
        self.stop_event = asyncio.Event()
        ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.task = asyncio.create_task(
            serve(
                "127.0.0.1",
                self.port,
                self.producer,
                fragment=fragment,
                stop=self.stop_event,
                ready=ready,
            )
        )
        await ready
        return self

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task:
            with contextlib.suppress(Exception):
                await self.task


@pytest.fixture
async def pbx() -> AsyncIterator[Pbx]:
    server = await Pbx(free_port()).start()
    yield server
    await server.stop()


@sync_to_async
def stored(source: Any) -> tuple[dict[str, Agent], dict[tuple[str, str], Queue]]:
    agents = {a.agent_id: a for a in Agent.objects.filter(source=source, gone=False)}
    queues = {(q.kind, q.number): q for q in Queue.objects.filter(source=source, gone=False)}
    return agents, queues


async def test_agents_groups_and_paths_from_the_pbx_land_in_the_database(
    make_source: Any, runner: Any, pbx: Pbx, tmp_path: Path
) -> None:
    compat = tmp_path / "mitel_data.json"
    source = await sync_to_async(make_source)(
        "pbx-1",
        vendor="mitel",
        layout="",
        listen="",
        connect=f"127.0.0.1:{pbx.port}",
        compat_file=str(compat),
        refresh_seconds=15,
    )

    async def everything() -> Any:
        agents, queues = await stored(source)
        kinds = {k for k, _ in queues}
        return (agents, queues) if agents and kinds == {"group", "path"} else None

    agents, queues = await wait_for(everything, what="agents, groups and paths")
    assert set(queues) >= {("group", "610"), ("group", "611"), ("group", "612"), ("path", "860")}
    assert all(a.agent_id.isdigit() and 6101 <= int(a.agent_id) < 6113 for a in agents.values())
    assert {a.state for a in agents.values()} <= {
        "available",
        "on_call",
        "wrap_up",
        "not_ready",
        "ringing",
        "logged_out",
    }
    group = queues[("group", "610")]
    assert group.extra["waiting"] == f"{group.calls_waiting:03d}"  # wire text kept beside it

    document = await wait_for(
        lambda: compat.exists() and json.loads(compat.read_text()), what="file"
    )
    assert set(document) == {"paths", "agents", "groups", "lastUpdate"}
    assert set(document["groups"]["610"]) == {"waiting", "agents", "longestwait"}
    assert set(document["agents"].values()) <= {"in", "out", "busy", "idle", "timer"}


async def test_the_listener_compatible_document_is_served_over_http(
    make_source: Any, runner: Any, pbx: Pbx
) -> None:
    source = await sync_to_async(make_source)(
        "pbx-1", vendor="mitel", layout="", listen="", connect=f"127.0.0.1:{pbx.port}"
    )
    await wait_for(lambda: _has_groups(source), what="groups stored")
    token = ApiToken(name="old board")
    secret = token.issue()
    await sync_to_async(token.save)()
    client = AsyncClient()
    response = await client.get(
        "/api/v1/compat/mitel/pbx-1.json", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    document = response.json()
    assert document["groups"]["610"]["waiting"].isdigit() and document["lastUpdate"] > 0
    assert (await client.get("/api/v1/compat/mitel/pbx-1.json")).status_code == 401


async def _has_groups(source: Any) -> bool:
    _, queues = await stored(source)
    return any(k == "group" for k, _ in queues)


async def test_the_pbx_going_away_and_coming_back_is_reconnected(
    make_source: Any, runner: Any, pbx: Pbx
) -> None:
    source = await sync_to_async(make_source)(
        "pbx-1", vendor="mitel", layout="", listen="", connect=f"127.0.0.1:{pbx.port}"
    )
    await wait_for(lambda: runner.workers.get(source.pk) and runner.workers[source.pk].connected)
    worker = runner.workers[source.pk]
    await pbx.stop()
    await wait_for(lambda: not worker.connected, what="the drop to be noticed")
    await wait_for(  # a failed attempt while it is down
        lambda: worker.last_error.startswith("cannot connect"), what="a failed attempt"
    )
    batches = worker.batches
    await pbx.start()
    await wait_for(
        lambda: worker.connected and worker.batches > batches, timeout=40, what="reconnect"
    )


async def test_agent_ranges_fragmented_records_and_noise_are_handled(
    make_source: Any, runner: Any
) -> None:
    noisy = await Pbx(free_port(), noise=0.05, agents=20).start(fragment=True)
    source = await sync_to_async(make_source)(
        "pbx-1",
        vendor="mitel",
        layout="",
        listen="",
        connect=f"127.0.0.1:{noisy.port}",
        agent_range="6101-6105",
        queue_range="610-611",
    )
    await wait_for(lambda: runner.workers.get(source.pk) and runner.workers[source.pk].parse_errors)

    async def agents_and_queues_stored() -> bool:
        agents, queues = await stored(source)
        return bool(agents and queues)

    await wait_for(agents_and_queues_stored, what="agents and queues in the database")
    agents, queues = await stored(source)
    assert agents and set(agents) <= {"6101", "6102", "6103", "6104", "6105"}
    assert {n for _, n in queues} <= {"610", "611"}
    await noisy.stop()
