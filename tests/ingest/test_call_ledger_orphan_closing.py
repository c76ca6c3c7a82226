"""Ingest's tick loop closes a call that had no step for ORPHAN_CALL_MINUTES: written ended and
orphaned, no outcome, not counted as abandoned, and no longer waiting on its queue."""

from __future__ import annotations

import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from ingest import worker as worker_module
from tests.conftest import wait_for
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
async def test_a_call_without_an_end_is_closed_as_an_orphan_and_not_counted_abandoned(
    call_feed: CallFeed,  # noqa: F811
    make_source: Any,
    runner: Any,
    settings: Any,
    monkeypatch: Any,
) -> None:
    settings.ORPHAN_CALL_MINUTES = 1
    monkeypatch.setattr(worker_module, "ORPHAN_CHECK_SECONDS", 0.0)  # look at every tick
    source = await sync_to_async(feed_source)(make_source, call_feed)
    await call_feed.connected()
    now = time.time()
    await call_feed.send(
        f"C|old|queued|q=5;at={now - 90}",  # no step for a minute and a half
        f"C|new|queued|q=5;at={now}",
    )

    async def orphaned() -> Any:
        return await Call.objects.filter(source=source, call_id="old", orphaned=True).afirst()

    call = await wait_for(orphaned, what="the orphan closed and written")
    assert (call.state, call.outcome) == ("ended", "")
    assert call.ended_at.timestamp() == pytest.approx(now - 90, abs=0.01)  # its last step
    worker = runner.workers[source.pk]
    assert list(worker.ledger.open) == ["new"]
    await wait_for(
        lambda: worker.live.queues[("queue", "5")].calls_waiting == 1, what="one left waiting"
    )
    sums = await sync_to_async(interval_sums)(source)
    assert sums["offered"] == 2 and sums["abandoned"] is None
