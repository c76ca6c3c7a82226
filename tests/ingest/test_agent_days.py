"""Each agent's day (answered, talk, wrap-up, not-ready time, longest not ready), from the
agent interval rows and its state changes, sent to the displays with the next batch."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.agentdays import AgentDays
from ingest.intervals import INTERVAL
from ingest.worker import SourceWorker
from integrations.base import AgentRow
from tests.ingest.test_interval_restart import (  # clock, workers: fixtures
    T0,
    Clock,
    agent_report,
    clock,  # noqa: F401
    workers,  # noqa: F401
)


def bucket(on_call: int = 0, wrap: int = 0, nr: int = 0, answered: int | None = None) -> dict:
    return {
        "on_call_seconds": on_call,
        "wrap_up_seconds": wrap,
        "not_ready_seconds": nr,
        "answered": answered,
    }


def test_the_day_sums_the_agents_intervals() -> None:
    days = AgentDays(lambda now: 0.0)
    days.load([("7", 0, bucket(60, 10, 5, 2)), ("7", INTERVAL, bucket(30, 0, 0, None))], 10.0)
    open_bucket = bucket(5)
    days.put("7", 5 * INTERVAL, open_bucket)
    now = 5 * INTERVAL + 10
    assert days.figures("7", now) == {
        "answered": 2,
        "talk_seconds": 95,
        "wrap_seconds": 10,
        "not_ready_seconds": 5,
        "longest_not_ready_seconds": None,
    }
    open_bucket["on_call_seconds"] = 50  # the accounting books on into the open interval
    assert days.changed(["7"], now)["7"]["talk_seconds"] == 140
    assert days.changed(["7"], now) == {}  # nothing new: nothing sent
    assert days.figures("8", now)["talk_seconds"] is None  # no rows: null, never 0


def test_the_longest_not_ready_stint_and_a_new_day() -> None:
    day = 96 * INTERVAL
    days = AgentDays(lambda now: day if now >= day else 0.0)
    days.load([], 10.0)
    nr = AgentRow(agent_id="7", state="not_ready", reason_code="2")
    back = AgentRow(agent_id="7", state="available")
    days.state(nr, 100.0, 100.0)
    days.state(AgentRow(agent_id="7", state="not_ready", reason_code="3"), 200.0, 200.0)
    days.state(back, 400.0, 400.0)  # one stint, whatever its reasons: 300 s
    days.state(nr, 500.0, 500.0)
    days.state(back, 550.0, 550.0)
    assert days.figures("7", 600.0)["longest_not_ready_seconds"] == 300
    days.state(nr, day - 10, day - 10)
    days.roll(day + 1)
    days.gone("7", day + 100)  # the stint began yesterday: not today's
    assert days.figures("7", day + 100)["longest_not_ready_seconds"] is None


@pytest.mark.django_db(transaction=True)
async def test_an_agents_day_goes_out_with_the_next_batch(
    workers: Any,  # noqa: F811
    clock: Clock,  # noqa: F811
) -> None:
    worker = await workers()
    await worker.want_agent_days()  # a board shows them
    worker.process(agent_report("not_ready", 60))
    clock.now += 30
    worker.process(agent_report("available", 1))
    worker._observe()  # what the persist loop does after the publish
    clock.now += 5
    changes = worker.process(agent_report("on_call", 1))
    assert changes.agent_today["10001"] == {
        "answered": None,  # the agent report gives no count
        "talk_seconds": 0,
        "wrap_seconds": 0,
        "not_ready_seconds": 29,  # from this process's start: earlier time is not invented
        "longest_not_ready_seconds": 89,  # the feed's start of the stint
    }
    await worker.stop()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("shown_from", ["the start", "later that day"])
async def test_a_board_built_later_in_the_day_shows_the_whole_day(
    shown_from: str,
    workers: Any,  # noqa: F811
    clock: Clock,  # noqa: F811
) -> None:
    worker = await workers()
    if shown_from == "the start":
        await worker.want_agent_days()
    worker.process(agent_report("on_call", 0))  # 10:01:40
    worker._observe()
    clock.now += 810  # 10:15:10: the 10:00 interval closed
    await worker._tick_intervals()  # its row is stored and leaves memory
    ten = int(T0 // INTERVAL * INTERVAL)
    assert ("10001", ten) not in worker.intervals.agent_buckets
    clock.now += 110  # 10:17:00
    worker.process(agent_report("not_ready", 0))
    worker._observe()
    clock.now += 10
    worker.process(agent_report("available", 0))
    worker._observe()
    if shown_from == "later that day":
        assert worker.agent_days.rows == {}  # nobody shows them: nothing held
        await worker.want_agent_days()
    assert worker.agent_days.everyone(clock.now)["10001"] == {
        "answered": None,
        "talk_seconds": 920,  # 800 stored (10:00), 120 held (10:15)
        "wrap_seconds": 0,
        "not_ready_seconds": 10,
        "longest_not_ready_seconds": 10,  # timed before any board showed it
    }
    await worker.stop()


class BoardsWithALeaderboard:
    """A publisher whose built boards show the source's agents' figures of the day."""

    async def changed(self, worker: Any, changes: Any) -> None: ...

    async def status(self, worker: Any) -> None: ...

    async def refresh(self) -> None: ...

    async def flush(self) -> None: ...

    def shows_agent_days(self, source_id: int) -> bool:
        return True


@pytest.mark.django_db(transaction=True)
async def test_a_source_started_under_a_board_with_a_leaderboard_reads_the_day_at_once(
    workers: Any,  # noqa: F811
    clock: Clock,  # noqa: F811
) -> None:
    first = await workers()
    first.process(agent_report("on_call", 0))
    clock.now += 60
    await first._tick_intervals()
    first.process(agent_report("available", 0))
    first._observe()
    await first._write_intervals()
    await first.stop()
    assert first.agent_days.rows == {}  # no board of its showed them
    # Started again (another vendor, say: nothing carried over) under a built leaderboard,
    # which is not built again and so never asks.
    second = SourceWorker(first.config, first.db, BoardsWithALeaderboard())
    await second.start()
    assert second.agent_days.everyone(clock.now)["10001"]["talk_seconds"] == 60
    await second.stop()


@pytest.mark.django_db(transaction=True)
async def test_a_source_restarted_for_new_connection_settings_keeps_its_agents_day(
    workers: Any,  # noqa: F811
    clock: Clock,  # noqa: F811
) -> None:
    from ingest.runner import build_ingest

    first = await workers()
    await first.want_agent_days()  # a board shows them
    first.process(agent_report("not_ready", 0))
    first._observe()
    clock.now += 60
    first.process(agent_report("available", 0))
    first._observe()
    await first.stop()
    ingest = build_ingest()
    try:
        await ingest._start(first.config, previous=first)  # as reconcile does
        second = ingest.workers[first.config.id]
        figures = second.agent_days.everyone(clock.now)["10001"]
        assert figures["not_ready_seconds"] == 60
        assert figures["longest_not_ready_seconds"] == 60  # not read back from any row
    finally:
        await ingest.shutdown(write=False)
        ingest.db.close()


def test_time_going_on_adds_each_interval_once_as_it_grows_old() -> None:
    days = AgentDays(lambda now: 0.0)
    days.load([("7", i * INTERVAL, bucket(10)) for i in range(40)], 0.0)
    assert days.figures("7", 40 * INTERVAL + 1)["talk_seconds"] == 400
    closing = bucket(5)
    days.put("7", 40 * INTERVAL, closing)
    closing["on_call_seconds"] = 15  # booked up to the boundary, after it
    assert days.figures("7", 41 * INTERVAL + 1)["talk_seconds"] == 415
    days.put("7", 41 * INTERVAL, bucket(1))
    for later in (42, 45):  # one interval on, then several
        assert days.figures("7", later * INTERVAL + 1)["talk_seconds"] == 416


def test_an_agents_closed_intervals_are_summed_once_and_let_go() -> None:
    days = AgentDays(lambda now: 0.0)
    days.load([("7", i * INTERVAL, bucket(10)) for i in range(40)], 40 * INTERVAL + 1)
    assert len(days.rows["7"]) <= 2  # a day of buckets is not held per agent
    assert days.figures("7", 40 * INTERVAL + 1)["talk_seconds"] == 400
    for i in range(40, 60):  # the day goes on: each interval booked, summed once, let go
        days.put("7", i * INTERVAL, bucket(10))
        assert days.figures("7", i * INTERVAL + 1)["talk_seconds"] == (i + 1) * 10
        assert len(days.rows["7"]) <= 2
