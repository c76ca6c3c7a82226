"""`manage.py replay FILE --to HOST:PORT` plays a capture to a listening source at its recorded
pace (faster with --speed), as the phone system would: the running ingest stores the rows the
capture decodes to. `--listen` does the same for a source that dials."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command

from ingest.capture import CaptureFile, CaptureHeader
from integrations import simulator
from tests.conftest import free_port, wait_for
from wallboard.models import Agent, Queue

pytestmark = pytest.mark.django_db(transaction=True)


def a_capture(path: Path, vendor: str, layout: str, chunks: int) -> Path:
    """A capture of a simulator's feed, one read per chunk, 0.5 s apart."""
    options = {"layout": layout, "seed": 4, "skills": 3, "agents": 8, "queues": 3}
    producer = simulator(vendor).make_producer(options)
    file = CaptureFile(
        path, CaptureHeader(vendor, layout, "site-feed", started=1000.0), 60, None, 10**7
    )
    for i in range(chunks):
        file.read(producer.next_chunk(), 1000.0 + i * 0.5)
    file.close()
    return path


@sync_to_async
def decoded(path: Path, source: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("replay", str(path), "--source", source, "--json", stdout=out)
    result = json.loads(out.getvalue())
    return {
        "queues": {(q["kind"], q["number"]): q["offered"] for q in result["queues"]},
        "agents": {a["agent_id"]: a["state"] for a in result["agents"]},
    }


@sync_to_async
def stored(source_id: int) -> dict[str, Any]:
    return {
        "queues": {
            (q.kind, q.number): q.offered for q in Queue.objects.filter(source_id=source_id)
        },
        "agents": {a.agent_id: a.state for a in Agent.objects.filter(source_id=source_id)},
    }


async def test_replay_to_a_listening_source_stores_what_the_capture_decodes_to(
    runner: Any, make_source: Any, tmp_path: Path
) -> None:
    path = a_capture(tmp_path / "skills.wbcap", "avaya_cms", "tvi1", 6)
    source = await sync_to_async(make_source)("cms-skills")
    await wait_for(lambda: source.pk in runner.workers, what="the source to listen")
    await sync_to_async(call_command)(
        "replay", str(path), "--to", source.listen, "--speed", "10", stdout=io.StringIO()
    )
    expected = await decoded(path, source.name)
    assert len(expected["queues"]) == 3
    await wait_for(lambda: _equal(stored(source.pk), expected), what="the capture's rows stored")


async def test_replay_listening_feeds_a_source_that_dials(
    runner: Any, make_source: Any, tmp_path: Path
) -> None:
    path = a_capture(tmp_path / "optimus.wbcap", "optimus", "toolbar", 4)
    port = free_port()
    play = asyncio.create_task(
        sync_to_async(call_command, thread_sensitive=False)(
            "replay",
            str(path),
            "--listen",
            f"127.0.0.1:{port}",
            "--speed",
            "5",
            stdout=io.StringIO(),
        )
    )
    source = await sync_to_async(make_source)(
        "optimus-1", vendor="optimus", layout="", listen="", connect=f"127.0.0.1:{port}"
    )
    expected = await decoded(path, source.name)
    assert len(expected["queues"]) == 3
    await asyncio.wait_for(play, 30)
    await wait_for(lambda: _equal(stored(source.pk), expected), what="the capture's rows stored")


async def _equal(rows: Any, expected: dict[str, Any]) -> bool:
    return bool(await rows == expected)
