"""An event feed's calls, over a real TCP link through runingest, reach the Call table, the
queue rows the boards show and exact interval figures."""

from __future__ import annotations

import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db.models import Sum

from tests.conftest import wait_for
from tests.ingest.call_feed import (  # call_feed, example_vendor: fixtures
    CallFeed,
    call_feed,  # noqa: F401
    example_vendor,  # noqa: F401
    feed_source,
)
from wallboard.models import Call, Queue, QueueInterval

pytestmark = pytest.mark.django_db(transaction=True)


def interval_sums(source: Any) -> dict[str, Any]:
    return QueueInterval.objects.filter(source=source, kind="queue", number="5").aggregate(
        offered=Sum("offered"),
        answered=Sum("answered"),
        abandoned=Sum("abandoned"),
        in_sl=Sum("answered_in_sl"),
        wait=Sum("answer_wait_sum"),
        talk=Sum("talk_sum"),
    )


@pytest.mark.usefixtures("example_vendor")
async def test_calls_reach_the_call_table_the_queue_row_and_exact_interval_figures(
    call_feed: CallFeed,  # noqa: F811
    make_source: Any,
    runner: Any,
) -> None:
    source = await sync_to_async(feed_source)(make_source, call_feed)
    await call_feed.connected()
    t = time.time() - 120
    await call_feed.send(
        "A|a1|available",
        f"C|k1|offered|q=5;calling=01632960123;ucid=U1;at={t}",
        f"C|k1|queued|q=5;at={t + 1}",
        f"C|k2|offered|q=5;calling=01632960999;at={t + 2}",
        f"C|k2|queued|q=5;at={t + 2}",
    )
    worker = runner.workers[source.pk]
    await wait_for(lambda: ("queue", "5") in worker.live.queues, what="the queue row")
    row = worker.live.queues[("queue", "5")]
    assert row.calls_waiting == 2 and row.oldest_wait_seconds >= 119
    await call_feed.send(
        f"C|k1|ringing|agent=a1;ext=201;at={t + 10}",
        f"C|k1|answered|agent=a1;ext=201;at={t + 12}",  # waited 11 s: within 20 s
        "A|a1|on_call",
        f"C|k2|ended|by=caller;at={t + 30}",
        f"C|k1|held|at={t + 40}",
        f"C|k1|retrieved|at={t + 50}",
        f"C|k1|transferred|agent=a1;target=305;at={t + 60}",
        f"C|k1|answered|agent=a2;ext=305;at={t + 62}",
        f"C|k1|ended|by=agent;at={t + 100}",
    )

    async def ended() -> bool:
        return await Call.objects.filter(source=source, ended_at__isnull=False).acount() == 2

    await wait_for(ended, timeout=15, what="both calls written ended")
    k1 = await Call.objects.prefetch_related("segments").aget(source=source, call_id="k1")
    assert (k1.outcome, k1.released_by, k1.ucid, k1.hold_seconds) == ("answered", "agent", "U1", 10)
    assert (k1.agent_id, k1.transfer_target, k1.state) == ("a2", "305", "ended")
    segments = [(s.seq, s.agent_id, s.how_ended) for s in k1.segments.all()]
    assert segments == [(1, "a1", "transferred"), (2, "a2", "ended")]
    k2 = await Call.objects.aget(source=source, call_id="k2")
    assert (k2.outcome, k2.released_by, k2.answered_at) == ("abandoned", "caller", None)

    async def figures() -> dict[str, Any] | None:
        sums = await sync_to_async(interval_sums)(source)
        return sums if sums["talk"] is not None else None

    sums = await wait_for(figures, timeout=15, what="the interval figures")
    # k1: talk 12->60 less 10 s on hold, then 62->100; k2: abandoned
    assert sums == {
        "offered": 2,
        "answered": 1,
        "abandoned": 1,
        "in_sl": 1,
        "wait": 11,
        "talk": 38 + 38,
    }

    async def stored_queue() -> Any:
        q = await Queue.objects.aget(source=source, kind="queue", number="5")
        return q if q.calls_waiting == 0 and q.today.get("day", {}).get("offered") == 2 else None

    queue = await wait_for(stored_queue, timeout=15, what="the queue row, none waiting")
    assert queue.oldest_wait_seconds == 0  # known to be none, not blank
    assert queue.today["day"]["answered"] == 1 and queue.today["day"]["abandoned"] == 1
