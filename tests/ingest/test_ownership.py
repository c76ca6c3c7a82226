"""Which runingest runs each source, and since when, is in the sources API and /healthz; the
displays call a source by its display name; a leader that lost the lead writes nothing more."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from ingest.runner import build_ingest
from tests.conftest import send_bytes, wait_for
from tests.wallboard.test_board_consumer import TVI1, make_board, port_of
from wallboard.boards import board_snapshot
from wallboard.models import ApiToken, Queue, SourceHealth

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_sources_api_and_healthz_name_the_process_running_each_source(
    make_source: Any, runner: Any
) -> None:
    since = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    runner.owner = ("ingest-a:4242", since)
    source = await sync_to_async(make_source)(refresh_seconds=3)
    await wait_for(
        lambda: SourceHealth.objects.filter(source=source, owner="ingest-a:4242").aexists(),
        what="the owner in the health row",
    )
    api_token = ApiToken(name="ops")
    secret = api_token.issue()
    await api_token.asave()
    client = AsyncClient()
    listed = (
        await client.get("/api/v1/sources/", headers={"Authorization": f"Bearer {secret}"})
    ).json()
    assert listed[0]["owner"] == {"process": "ingest-a:4242", "since": since.isoformat()}
    health = (await client.get("/healthz")).json()
    assert health["owners"] == {"ingest-a:4242": {"since": since.isoformat(), "sources": 1}}


def test_displays_call_a_source_by_its_display_name(make_source: Any) -> None:
    source = make_source(refresh_seconds=3, display_name="Avaya skills")
    snapshot = board_snapshot(make_board(source))
    assert snapshot["sources"][str(source.pk)]["name"] == "Avaya skills"


async def test_a_leader_that_lost_the_lead_stops_its_sources_without_writing(
    make_source: Any,
) -> None:
    source = await sync_to_async(make_source)(refresh_seconds=60)
    ingest = build_ingest(reload_seconds=0.2)
    stop = asyncio.Event()
    running = asyncio.create_task(ingest.run(stop, fenced=lambda: True))
    await wait_for(lambda: source.pk in ingest.workers, what="the source to start")
    worker = ingest.workers[source.pk]
    for task in worker._tasks:  # its writes wait: what it holds is only in memory
        task.cancel()
    await send_bytes(port_of(source), TVI1)
    await wait_for(lambda: worker.batches >= 1, what="a batch")
    stop.set()  # ... and meanwhile another process took the lead
    await asyncio.wait_for(running, 20)
    ingest.db.close()
    assert not await Queue.objects.filter(source=source).aexists()  # the new leader's rows stand
