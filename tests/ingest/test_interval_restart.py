"""A restart of runingest, graceful or a crash, goes on booking interval figures from where the
stored rows left them: nothing is lost beyond what the last interval write had not yet stored,
and nothing is booked twice.

Each test runs a source's worker, stops it (or lets it die without its last writes) and starts
another on the same database, as runingest does after a restart, on a clock the test moves.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import sync_to_async

import ingest.worker
from ingest import store
from ingest.db import DbThread
from ingest.worker import SourceWorker
from integrations.base import AgentRow, Batch, QueueRow
from tests.conftest import wait_for
from wallboard.models import Agent, AgentInterval, Queue, QueueInterval

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC).timestamp() + 100  # 10:01:40, mid-interval
VENDOR_STATES = {"available": "AVAIL", "on_call": "ACD", "not_ready": "AUX"}


class Clock:
    """The wall clock the worker reads (time.time); its monotonic clock stays the real one."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    @staticmethod
    def monotonic() -> float:
        return time.monotonic()


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    fake = Clock(T0)
    monkeypatch.setattr(ingest.worker, "time", fake)
    return fake


@pytest.fixture
async def workers(make_source: Any) -> Any:
    """Makes a source's workers on one database thread, as one runingest after another."""
    db = DbThread()
    started: list[SourceWorker] = []

    async def make(**fields: Any) -> SourceWorker:
        if not started:
            await sync_to_async(make_source)(**fields)
        (config,) = await db(store.load_configs, None)
        worker = SourceWorker(config, db)
        await worker.start()
        started.append(worker)
        return worker

    yield make
    for worker in started:
        await crash(worker)
    db.close()


async def crash(worker: SourceWorker) -> None:
    """What kill -9 leaves: the worker's tasks end and nothing more is written."""
    for task in worker._tasks:
        task.cancel()
    for task in worker._tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    worker._tasks.clear()
    if worker._server is not None:
        worker._server.close()
        worker._server = None


def agent_report(state: str, seconds: int) -> Batch:
    row = AgentRow(
        agent_id="10001",
        state=state,
        vendor_state=VENDOR_STATES[state],
        reason_code="3" if state == "not_ready" else "",
        state_seconds=seconds,
    )
    return Batch(agents=[row], snapshot=True)


def skill_report(offered: int, answered: int) -> Batch:
    row = QueueRow(
        kind="skill", number="1", offered=offered, answered=answered, abandoned=0,
        counters="interval",
    )  # fmt: skip
    return Batch(queues=[row], snapshot=True)


def booked_seconds() -> dict[str, int]:
    totals = {"logged_in": 0, "available": 0, "on_call": 0}
    for row in AgentInterval.objects.filter(agent_id="10001"):
        assert row.logged_in_seconds <= 900
        for name in totals:
            totals[name] += getattr(row, f"{name}_seconds")
    return totals


async def stored(predicate: Callable[[], bool], what: str) -> None:
    """Wait until the worker's own persist loop has written what the test needs."""
    await wait_for(sync_to_async(predicate), what=what)


async def test_an_agent_in_one_state_goes_on_being_booked_after_a_graceful_restart(
    workers: Any, clock: Clock
) -> None:
    first = await workers(layout="agent_tv")
    first.process(agent_report("available", 0))
    clock.now += 50
    first.process(agent_report("available", 50))
    await first.stop()
    assert (await sync_to_async(booked_seconds)())["available"] == 50

    clock.now += 5  # runingest restarts
    second = await workers()
    second.process(agent_report("available", 55))
    clock.now += 60
    second.process(agent_report("available", 115))
    await second.stop()
    totals = await sync_to_async(booked_seconds)()
    # The feed says available all along: all 115 s, or all but the restart's 5 s; never more.
    assert 110 <= totals["available"] <= 115
    assert totals["logged_in"] == totals["available"]


async def test_a_crash_loses_nothing_the_stored_rows_and_the_live_row_can_tell(
    workers: Any, clock: Clock
) -> None:
    first = await workers(layout="agent_tv")
    first.process(agent_report("available", 0))
    clock.now += 5
    await first._write_intervals()  # the periodic interval write
    clock.now += 55
    first.process(agent_report("on_call", 0))  # 10:02:40, after the last interval write
    await stored(
        lambda: Agent.objects.filter(agent_id="10001", state="on_call").exists(),
        "the live row of the new state",
    )
    await crash(first)  # before the next interval write

    clock.now += 10
    second = await workers()
    second.process(agent_report("on_call", 10))
    clock.now += 30
    second.process(agent_report("on_call", 40))
    await second.stop()
    totals = await sync_to_async(booked_seconds)()
    # Available from 10:01:40 to 10:02:40 and on the call since: the rows the crashed process
    # wrote said since when the agent was available, its live row since when on the call.
    assert (totals["available"], totals["on_call"], totals["logged_in"]) == (60, 40, 100)


async def test_a_crash_after_an_interval_write_books_nothing_twice(
    workers: Any, clock: Clock
) -> None:
    first = await workers(layout="agent_tv")
    first.process(agent_report("available", 0))
    clock.now += 30
    first.process(agent_report("on_call", 0))
    clock.now += 5
    await first._write_intervals()
    await stored(
        lambda: Agent.objects.filter(agent_id="10001", state="on_call").exists(),
        "the live row of the new state",
    )
    clock.now += 5
    await crash(first)

    clock.now += 5
    second = await workers()
    second.process(agent_report("on_call", 15))
    clock.now += 15
    await second.stop()
    totals = await sync_to_async(booked_seconds)()
    assert (totals["available"], totals["on_call"], totals["logged_in"]) == (30, 30, 60)


async def test_a_crash_loses_no_queue_counts_the_live_row_had_and_the_interval_rows_not(
    workers: Any, clock: Clock
) -> None:
    first = await workers(layout="tvi1")
    first.process(skill_report(10, 8))
    clock.now += 5
    await first._write_intervals()
    clock.now += 5
    first.process(skill_report(15, 12))
    await stored(
        lambda: Queue.objects.filter(number="1", offered=15).exists(), "the live row's counters"
    )
    await crash(first)

    clock.now += 10
    second = await workers()
    second.process(skill_report(18, 14))
    await second.stop()
    row = await sync_to_async(QueueInterval.objects.get)(number="1")
    assert (row.offered, row.answered) == (18, 14)  # as the feed counted: none lost, none twice


async def test_a_restored_stint_is_booked_only_once_the_feed_has_confirmed_it(
    workers: Any, clock: Clock
) -> None:
    first = await workers(layout="agent_tv")
    first.process(agent_report("not_ready", 0))
    clock.now += 40
    await first.stop()

    clock.now += 5
    second = await workers()  # the feed does not come back before it stops again
    clock.now += 30
    await second.stop()
    assert (await sync_to_async(booked_seconds)())["logged_in"] == 40

    clock.now += 5
    third = await workers()
    third.process(Batch(agents=[], snapshot=True))  # back, without the agent: logged out
    clock.now += 30
    await third.stop()
    assert (await sync_to_async(booked_seconds)())["logged_in"] == 40  # since when? not known

    clock.now += 5
    fourth = await workers()
    fourth.process(agent_report("available", 20))  # logged in again 20 s ago
    clock.now += 10
    await fourth.stop()
    totals = await sync_to_async(booked_seconds)()
    # From this process's start: it saw no stint of the agent before (nor did the last one).
    assert (totals["logged_in"], totals["available"]) == (50, 10)


async def test_a_crash_before_the_first_interval_write_loses_no_queue_counts(
    workers: Any, clock: Clock
) -> None:
    first = await workers(layout="tvi1")
    first.process(skill_report(10, 8))
    clock.now += 2
    first.process(skill_report(15, 12))
    await stored(
        lambda: Queue.objects.filter(number="1", offered=15).exists(), "the live row's counters"
    )
    await crash(first)  # before its first interval write: no row says anything was booked

    clock.now += 10
    second = await workers()
    second.process(skill_report(18, 14))
    await second.stop()
    row = await sync_to_async(QueueInterval.objects.get)(number="1")
    assert (row.offered, row.answered) == (18, 14)


async def test_a_quiet_queue_goes_on_from_its_last_row_however_old_it_is(
    workers: Any, clock: Clock
) -> None:
    first = await workers(layout="tvi1")
    first.process(skill_report(10, 8))
    await first._write_intervals()
    clock.now += 2 * 3600  # two quiet hours, then calls again, and a crash before their write
    first.process(skill_report(15, 12))
    await stored(
        lambda: Queue.objects.filter(number="1", offered=15).exists(), "the live row's counters"
    )
    await crash(first)

    clock.now += 10
    second = await workers()
    second.process(skill_report(18, 14))
    await second.stop()
    rows = [r async for r in QueueInterval.objects.filter(number="1").order_by("start")]
    assert [(r.offered, r.answered) for r in rows] == [(10, 8), (8, 6)]
