"""A call in progress survives a restart of runingest: the new process loads it back, the
feed's replay of its steps counts nothing twice, and its end is counted once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import running_ingest, wait_for
from tests.ingest.call_feed import (  # call_feed, example_vendor: fixtures
    CallFeed,
    call_feed,  # noqa: F401
    example_vendor,  # noqa: F401
    feed_source,
)
from tests.ingest.test_call_ledger_loopback import interval_sums
from wallboard.models import Call

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("example_vendor")
async def test_a_restart_mid_call_resumes_the_call_and_counts_nothing_twice(
    call_feed: CallFeed,  # noqa: F811
    make_source: Any,
) -> None:
    source = await sync_to_async(feed_source)(make_source, call_feed)
    t = time.time() - 60
    steps = (
        f"C|k1|offered|q=5;at={t}",
        f"C|k1|queued|q=5;at={t}",
        f"C|k1|answered|agent=a1;at={t + 5}",
    )
    async with running_ingest():
        await call_feed.connected()
        await call_feed.send(*steps)

        async def answered_written() -> bool:
            return await Call.objects.filter(
                source=source, call_id="k1", answered_at__isnull=False
            ).aexists()

        await wait_for(answered_written, what="the answered call written")
    async with running_ingest() as again:
        await call_feed.connected(2)
        worker = await wait_for(lambda: again.workers.get(source.pk), what="the source")
        assert "k1" in worker.ledger.open  # loaded back from the Call table
        await call_feed.send(*steps, f"C|k1|ended|by=caller;at={t + 45}")

        async def ended() -> bool:
            return await Call.objects.filter(source=source, ended_at__isnull=False).aexists()

        await wait_for(ended, what="the call's end written")
    sums = await sync_to_async(interval_sums)(source)
    assert sums == {
        "offered": 1,
        "answered": 1,
        "abandoned": None,
        "in_sl": 1,
        "wait": 5,
        "talk": 40,
    }
    assert await Call.objects.filter(source=source).acount() == 1
