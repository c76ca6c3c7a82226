"""A restart of ingest goes on from the position it stored: a call that ended before the
restart is not read (nor counted) again, one that ended meanwhile is ended, a new one comes."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import running_ingest, wait_for
from tests.ingest.optimus_db_helpers import (
    ago,
    make_poll_source,
    optimus_db,
    queue_totals,
    stored_calls,
)
from wallboard.models import SourcePosition

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["optimus_db"]


async def test_a_restart_resumes_from_the_stored_position(optimus_db: Any) -> None:
    fixture, database, password = optimus_db
    done = fixture.call_arrives(ago(90), queue=10)
    fixture.answered(done, ago(80), agent=7)
    fixture.talked_and_ended(done, ago(70))
    going = fixture.call_arrives(ago(60), queue=10)
    source = await sync_to_async(make_poll_source)(database, password)
    async with running_ingest():
        await wait_for(lambda: _count(source, 2), what="two calls stored")
    position = await sync_to_async(SourcePosition.objects.get)(source=source)
    assert position.position is not None and position.position["open"] == [going]

    fixture.abandoned(going, ago(30))
    new = fixture.call_arrives(ago(20), queue=10)
    async with running_ingest():

        async def caught_up() -> Any:
            calls = await stored_calls(source)
            ok = str(new) in calls and calls[str(going)].state == "ended"
            return calls if ok else None

        calls = await wait_for(caught_up, what="the call that ended meanwhile and the new one")
    assert len(calls) == 3
    assert calls[str(done)].outcome == "answered"
    assert calls[str(going)].outcome == "abandoned"
    assert await queue_totals(source) == {"offered": 3, "answered": 1, "abandoned": 1}


async def _count(source: Any, n: int) -> bool:
    return len(await stored_calls(source)) == n
