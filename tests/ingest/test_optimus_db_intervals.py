"""The Stat.* quarter-hour rows stored as Optimus sent them: queue figures, the service level
at the queue's own target from the DeviceTimes histogram, overflow and callback figures,
agent time and not-ready time per activity; internal agents -2..1 left out; the calls of a
queue the rows cover not counted a second time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.optimus_db.simulator import quarter
from tests.conftest import running_ingest, wait_for
from tests.ingest.optimus_db_helpers import ago, make_poll_source, now_local, optimus_db
from wallboard.models import AgentInterval, QueueInterval, QueueSettings

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["optimus_db"]


@sync_to_async
def queue_rows(source: Any) -> dict[tuple[str, datetime], QueueInterval]:
    return {(q.number, q.start): q for q in QueueInterval.objects.filter(source=source)}


@sync_to_async
def agent_rows(source: Any) -> dict[str, AgentInterval]:
    return {a.agent_id: a for a in AgentInterval.objects.filter(source=source)}


async def test_quarter_hour_rows_are_stored_as_sent(optimus_db: Any) -> None:
    fixture, database, password = optimus_db
    this_quarter = quarter(now_local())
    start = this_quarter.replace(tzinfo=UTC)
    source = await sync_to_async(make_poll_source)(database, password)
    await sync_to_async(QueueSettings.objects.create)(
        source=source, kind="queue", number="10", target_seconds=20
    )
    # Waits: 5 calls within 2 s, 3 in 11-12 s, 2 in 19-20 s, 1 in 21-22 s; 11 answered.
    fixture.queue_quarter(
        10,
        this_quarter,
        now_local(),
        answer_waits={2: 5, 12: 3, 20: 2, 22: 1},
        Offered=14,
        Answered=11,
        Abandoned=2,
        ABDRinging=1,
        SumAnswerTime=93,
        MaxAnswerTime=22,
        SumTalkTime=1800,
        OverflowedTime=1,
        Inflowed=2,
        Backflowed=0,
        OfferedCB=3,
        EndedInIVR=1,
    )
    fixture.agent_quarter(
        8,
        this_quarter,
        now_local(),
        activities={3: 120, 5: 60},
        LoginTime=900,
        IdleTime=300,
        ReadyTime=600,
        NotReadyTime=180,
        SumACDCallsTalkTime=250,
        SumOutExtCallsTalkTime=50,
        SumRingTime=20,
        SumACWTime=40,
        ACDAnswered=6,
    )
    for internal in (-2, -1, 0, 1):
        fixture.agent_quarter(internal, this_quarter, now_local(), LoginTime=900)
    # A call of queue 10 the ledger also sees: the rows above already count it.
    fixture.call_arrives(ago(30), queue=10)
    async with running_ingest():
        row = await wait_for(
            lambda: _row(source, start), what="queue 10's quarter stored from DeviceStat"
        )
        agents = await wait_for(lambda: _agents(source), what="agent 8's quarter stored")
    assert (row.offered, row.answered, row.abandoned) == (14, 11, 3)
    assert row.answered_in_sl == 10  # waits up to 20 s: 5 + 3 + 2
    assert (row.answer_wait_sum, row.answer_wait_max, row.talk_sum) == (93, 22, 1800)
    assert row.extra["overflowed_time"] == 1 and row.extra["inflowed"] == 2
    assert row.extra["callback_offered"] == 3 and row.extra["ended_in_ivr"] == 1
    assert row.extra["abandoned_in_queue"] == 2 and row.extra["abandoned_ringing"] == 1
    assert row.extra["answer_wait_histogram"] == [[2, 5], [12, 3], [20, 2], [22, 1]]
    assert set(agents) == {"8"}  # the guide's management agents -2..1 are left out
    agent = agents["8"]
    assert (agent.logged_in_seconds, agent.available_seconds) == (900, 300)
    assert (agent.on_call_seconds, agent.ringing_seconds, agent.wrap_up_seconds) == (300, 20, 40)
    assert agent.not_ready_seconds == 180
    assert agent.not_ready_by_reason == {"3": 120, "5": 60}
    assert agent.answered == 6


async def _row(source: Any, start: datetime) -> QueueInterval | None:
    rows = await queue_rows(source)
    return rows.get(("10", start))


async def _agents(source: Any) -> dict[str, AgentInterval] | None:
    rows = await agent_rows(source)
    return rows or None
