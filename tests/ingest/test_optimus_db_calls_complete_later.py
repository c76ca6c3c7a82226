"""Stat.CallsStat rows polled into the call ledger: a new row opens its call, the same row
completed later ends it, counted once."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import running_ingest, wait_for
from tests.ingest.optimus_db_helpers import ago, make_poll_source, optimus_db, stored_calls

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["optimus_db"]


async def test_a_new_row_opens_a_call_and_its_completion_later_ends_it(optimus_db: Any) -> None:
    fixture, database, password = optimus_db
    waiting = fixture.call_arrives(ago(50), queue=10, CLID="0501111111", Adata1="order 77")
    talking = fixture.call_arrives(ago(40), queue=11)
    fixture.answered(talking, ago(30), agent=8, extension=208)
    source = await sync_to_async(make_poll_source)(database, password)
    async with running_ingest():

        async def both_open() -> Any:
            calls = await stored_calls(source)
            return calls if {str(waiting), str(talking)} <= set(calls) else None

        calls = await wait_for(both_open, what="the two calls stored")
        assert calls[str(waiting)].state == "queued"
        assert calls[str(waiting)].calling == "0501111111"
        assert calls[str(waiting)].extra["adata1"] == "order 77"
        assert calls[str(talking)].state == "active"
        assert calls[str(talking)].agent_id == "8"
        assert calls[str(talking)].direction == "inbound"

        fixture.abandoned(waiting, ago(5))
        fixture.talked_and_ended(talking, ago(2))

        async def both_ended() -> Any:
            calls = await stored_calls(source)
            return calls if all(c.state == "ended" for c in calls.values()) else None

        calls = await wait_for(both_ended, what="both calls ended")
    assert calls[str(waiting)].outcome == "abandoned"
    assert calls[str(waiting)].released_by == "caller"
    assert calls[str(talking)].outcome == "answered"
    assert calls[str(talking)].cause == "101"
    assert len(calls) == 2
