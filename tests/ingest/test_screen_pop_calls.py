"""Screen pops reach the call ledger of the source's ingest: offered to the queue when the
caller began waiting, ringing at the agent's extension; a replay counts nothing twice, a
restart applies no pop-up twice and loses none, and pop-ups never make a silent feed live."""

from __future__ import annotations

import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db.models import Sum
from django.test import Client

from tests.conftest import running_ingest, wait_for
from tests.wallboard.screen_pops import pop_source, pop_url
from wallboard.models import Call, QueueInterval, ScreenPop, SourceHealth

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def pop(source: Any, **params: str) -> int:
    return int(Client().get(pop_url(source, **params)).status_code)


@sync_to_async
def offered(source: Any) -> int | None:
    found = QueueInterval.objects.filter(source=source, kind="queue", number="SALES")
    return found.aggregate(n=Sum("offered"))["n"]


async def applied(source: Any) -> bool:
    return not await ScreenPop.objects.filter(source=source, status="pending").aexists()


async def test_a_pop_up_is_a_call_offered_to_the_agents_extension(make_source: Any) -> None:
    source = await sync_to_async(pop_source)(make_source)
    async with running_ingest() as ingest:
        await wait_for(lambda: ingest.workers.get(source.pk), what="the source")
        before = time.time()
        assert await pop(source) == 200
        call = await wait_for(
            lambda: Call.objects.filter(source=source, call_id="70001").afirst(),
            what="the call written",
        )
        await wait_for(lambda: applied(source), what="the pop-up marked applied")
        worker = ingest.workers[source.pk]
        assert worker.live.queues[("queue", "SALES")].calls_waiting == 1
        assert worker.stale and worker.batches == 0  # no toolbar link: still not live
        fresh = SourceHealth.objects.filter(source=source, stale=False)
        assert not await fresh.aexists()
    assert (call.queue_kind, call.queue_number, call.calling, call.called) == (
        "queue",
        "SALES",
        "0501234567",
        "1700500500",
    )
    assert call.extension == "2001" and call.state == "ringing" and call.direction == "inbound"
    assert before - 13 < call.offered_at.timestamp() < before - 11  # less WAITING TIME (12 s)
    assert call.extra["attach_data"] == "customer=4411"
    assert call.extra["queue_name"] == "Sales line"
    assert await offered(source) == 1


async def test_a_replayed_call_id_is_not_counted_twice(make_source: Any) -> None:
    source = await sync_to_async(pop_source)(make_source)
    async with running_ingest() as ingest:
        await wait_for(lambda: ingest.workers.get(source.pk), what="the source")
        await pop(source)
        await wait_for(lambda: applied(source), what="the pop-up applied")
        await pop(source)  # the same request again, and the same call at a second agent
        await pop(source, EXTENSION="2002", **{"WAITING TIME": "30"})
        await wait_for(lambda: applied(source), what="the second pop-up applied")

        async def moved_on() -> Any:
            return await Call.objects.filter(source=source, extension="2001").afirst()

        call = await wait_for(moved_on, what="the call")
        await wait_for(
            lambda: call.segments.filter(extension="2002").aexists(), what="its second leg"
        )
    assert await Call.objects.filter(source=source).acount() == 1
    assert await offered(source) == 1


async def test_a_restart_applies_waiting_pop_ups_once(make_source: Any) -> None:
    source = await sync_to_async(pop_source)(make_source)
    await pop(source)  # ingest is not running: the row waits
    await pop(source, CALLID="70002")
    async with running_ingest():
        await wait_for(lambda: applied(source), what="the waiting pop-ups applied")
        await wait_for(
            lambda: Call.objects.filter(source=source).acount(), what="the calls written"
        )
    async with running_ingest() as again:
        worker = await wait_for(lambda: again.workers.get(source.pk), what="the source")
        await again.screen_pops.sweep()
        assert {"70001", "70002"} <= set(worker.ledger.open)
    assert await Call.objects.filter(source=source).acount() == 2
    assert await offered(source) == 2
