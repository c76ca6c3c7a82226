"""Aspire Optimus over real TCP, both ways round: runingest connects, or Optimus connects in."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.optimus import simulator
from integrations.simnet import send_as_client, serve
from tests.conftest import free_port, wait_for
from wallboard.models import Agent, Queue

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def stored(source: Any, gone: bool = False) -> tuple[dict[str, Queue], dict[str, Agent]]:
    queues = {q.number: q for q in Queue.objects.filter(source=source, gone=gone)}
    agents = {a.agent_id: a for a in Agent.objects.filter(source=source, gone=gone)}
    return queues, agents


def producer(**options: Any) -> Any:
    feed = simulator.make_producer({"queues": 4, "agents": 10, "seed": 5, **options})
    feed.interval = 0.3
    return feed


async def test_queues_and_agents_arrive_when_runingest_connects_to_optimus(
    make_source: Any, runner: Any
) -> None:
    port, stop = free_port(), asyncio.Event()
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve("127.0.0.1", port, producer(), stop=stop, ready=ready))
    await ready
    source = await sync_to_async(make_source)(
        "optimus-1",
        vendor="optimus",
        layout="",
        listen="",
        connect=f"127.0.0.1:{port}",
        refresh_seconds=1,
        options={"batch_gap_seconds": 0.1},
    )

    async def everything() -> Any:
        queues, agents = await stored(source)
        return (queues, agents) if len(queues) == 4 and len(agents) == 10 else None

    queues, agents = await wait_for(everything, what="4 queues and 10 agents")
    for q in queues.values():
        assert q.kind == "queue" and q.offered >= q.answered + q.abandoned
        assert q.today["offered"] == q.offered  # Optimus counts for the day
        assert {"returned", "transferred_to_default"} <= set(q.extra)
    assert all(a.state == "unknown" and "not_ready_seconds" in a.extra for a in agents.values())
    stop.set()
    with contextlib.suppress(Exception):
        await task


async def test_optimus_may_connect_in_and_a_narrowed_range_marks_queues_gone(
    make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)(
        "optimus-1",
        vendor="optimus",
        layout="",
        refresh_seconds=1,
        queue_range="100-102",
        options={"batch_gap_seconds": 0.1},
    )
    await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    port = int(source.listen.rsplit(":", 1)[1])
    await send_as_client("127.0.0.1", port, producer(), count=3, reconnect=False)
    queues, _ = await wait_for(lambda: _queues(source, 3), what="queues 100-102 stored")
    assert set(queues) == {"100", "101", "102"}  # 103 is outside the range
    source.queue_range = "100-101"
    await sync_to_async(source.save)()
    gone = await wait_for(lambda: _gone(source), what="queue 102 marked gone")
    assert set(gone) == {"102"}


async def _queues(source: Any, n: int) -> Any:
    queues, agents = await stored(source)
    return (queues, agents) if len(queues) == n else None


async def _gone(source: Any) -> Any:
    queues, _ = await stored(source, gone=True)
    return queues or None


def q(code: str, waiting: int) -> bytes:
    return f"3|{code}|Queue {code}|12|{waiting * 10}|{waiting}|50|45|1|4|0|\r\n".encode()


async def test_a_queue_missing_from_three_consecutive_batches_is_marked_gone(
    make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)(
        "optimus-1",
        vendor="optimus",
        layout="",
        refresh_seconds=1,
        options={"batch_gap_seconds": 0.1},
    )
    await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    worker = runner.workers[source.pk]
    port = int(source.listen.rsplit(":", 1)[1])
    _, writer = await asyncio.open_connection("127.0.0.1", port)

    async def batch(data: bytes, expected_batches: int) -> None:
        writer.write(data)
        await writer.drain()
        await wait_for(lambda: worker.batches == expected_batches, what=f"batch {expected_batches}")

    await batch(q("100", 1) + q("101", 2), 1)
    assert ("queue", "101") in worker.live.queues
    await batch(q("100", 1), 2)
    await batch(q("100", 2), 3)
    assert ("queue", "101") in worker.live.queues  # missing twice: may be a slow server
    await batch(q("100", 3), 4)
    assert ("queue", "101") not in worker.live.queues
    gone = await wait_for(lambda: _gone(source), what="queue 101 marked gone")
    assert set(gone) == {"101"}
    writer.close()
