"""After a restart, a queue whose quarter-hour rows Optimus sends is still not counted by
ingest as well: a call that arrives before Optimus recalculates the row leaves it as sent."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.optimus_db.simulator import quarter
from tests.conftest import running_ingest, wait_for
from tests.ingest.optimus_db_helpers import (
    ago,
    make_poll_source,
    now_local,
    optimus_db,
    stored_calls,
)
from wallboard.models import QueueInterval

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["optimus_db"]


@sync_to_async
def offered(source: Any, start: Any) -> int | None:
    row = QueueInterval.objects.filter(source=source, number="10", start=start).first()
    return None if row is None else row.offered


async def test_a_restart_does_not_count_a_fed_queues_calls(optimus_db: Any) -> None:
    fixture, database, password = optimus_db
    this_quarter = quarter(now_local())
    start = this_quarter.replace(tzinfo=UTC)
    fixture.queue_quarter(10, this_quarter, ago(60), Offered=5, Answered=4, Abandoned=1)
    # Calculated last: only this row is read again after the restart, not the queue's.
    fixture.agent_quarter(7, this_quarter, now_local(), LoginTime=600)
    source = await sync_to_async(make_poll_source)(database, password)
    async with running_ingest():
        assert await wait_for(lambda: offered(source, start), what="the row stored") == 5

    call = fixture.call_arrives(ago(5), queue=10)
    async with running_ingest():
        await wait_for(lambda: _has(source, str(call)), what="the new call stored")
    assert await offered(source, start) == 5


async def _has(source: Any, call_id: str) -> bool:
    return call_id in await stored_calls(source)
