"""Optimus' database out of reach for a while (the fixture file moved away, then back): the
health page says so, and once it is back the calls that changed meanwhile arrive, nothing
lost and nothing counted twice."""

from __future__ import annotations

import os
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.optimus_db.simulator import OptimusFixture
from tests.conftest import running_ingest, wait_for
from tests.ingest.optimus_db_helpers import (
    ago,
    make_poll_source,
    optimus_db,
    queue_totals,
    sqlite_path,
    stored_calls,
)

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["optimus_db"]


async def test_an_unreachable_database_loses_nothing_and_counts_nothing_twice(
    optimus_db: Any,
) -> None:
    fixture, database, password = optimus_db
    path = sqlite_path(fixture)
    if path is None:
        pytest.skip("made unreachable by moving its file: SQLite only")
    first = fixture.call_arrives(ago(60), queue=10, CallID=1)
    source = await sync_to_async(make_poll_source)(database, password)
    async with running_ingest() as ingest:
        await wait_for(lambda: _has(source, str(first)), what="the first call stored")
        worker = ingest.workers[source.pk]
        assert worker.connected

        away = path.with_name("optimus-away.db")
        fixture.close()
        os.rename(path, away)
        await wait_for(
            lambda: not worker.connected and "unreachable" in worker.last_error,
            what="the source to say its database is unreachable",
        )
        assert password == "" or password not in worker.last_error
        elsewhere = OptimusFixture(f"sqlite:///{away}")
        elsewhere.abandoned(first, ago(20))
        second = elsewhere.call_arrives(ago(15), queue=10, CallID=2)
        elsewhere.answered(second, ago(10), agent=7)
        elsewhere.close()
        os.rename(away, path)

        async def caught_up() -> Any:
            calls = await stored_calls(source)
            done = calls.get(str(first)), calls.get(str(second))
            ok = done[0] and done[0].state == "ended" and done[1] and done[1].state == "active"
            return calls if ok else None

        calls = await wait_for(caught_up, what="both calls after the outage")
        await wait_for(lambda: worker.connected, what="the source connected again")
    assert len(calls) == 2
    assert calls[str(first)].outcome == "abandoned"
    assert await queue_totals(source) == {"offered": 2, "answered": 1, "abandoned": 1}


async def _has(source: Any, call_id: str) -> bool:
    return call_id in await stored_calls(source)
