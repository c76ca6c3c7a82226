"""A capture ends by itself at the first limit it reaches: complete batches, seconds, bytes; and
a capture asked for while the source runs starts with its next read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from ingest.capture import read_capture
from integrations.avaya_cms import simulator
from integrations.simnet import send_as_client
from tests.conftest import wait_for
from wallboard.models import SourceCapture

pytestmark = pytest.mark.django_db(transaction=True)


async def capture_of(runner: Any, make_source: Any, **limits: Any) -> tuple[Any, SourceCapture]:
    source = await sync_to_async(make_source)("cms-skills")
    await wait_for(lambda: source.pk in runner.workers, what="the source to listen")
    capture = await SourceCapture.objects.acreate(source=source, **limits)
    return source, capture


async def ended(capture: SourceCapture) -> SourceCapture | None:
    await capture.arefresh_from_db()
    return capture if capture.status == SourceCapture.DONE else None


async def feed(source: Any, chunks: int) -> None:
    producer = simulator.make_producer({"layout": "tvi1", "skills": 3, "seed": 2, "interval": 0.1})
    port = int(source.listen.rsplit(":", 1)[1])
    await send_as_client("127.0.0.1", port, producer, count=chunks, reconnect=False)


async def test_a_capture_ends_after_its_batches(
    runner: Any, make_source: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CAPTURE_DIR = tmp_path
    source, capture = await capture_of(runner, make_source, limit_batches=2)
    await wait_for(lambda: runner.workers[source.pk].capture, what="the capture to start")
    await feed(source, 6)
    await wait_for(lambda: ended(capture), what="the capture to end")
    assert capture.ended_why == "2 batches taken" and capture.batches == 2
    header, reads = read_capture(capture.file_path)
    assert header.source == "cms-skills" and capture.bytes == sum(len(r.data) for r in reads)
    assert runner.workers[source.pk].batches >= 6  # ingest went on; the capture did not


async def test_a_capture_ends_after_its_seconds_with_no_data(
    runner: Any, make_source: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CAPTURE_DIR = tmp_path
    _, capture = await capture_of(runner, make_source, limit_seconds=1)
    await wait_for(lambda: ended(capture), what="the capture to end")
    assert capture.ended_why == "1 s taken" and capture.bytes == 0
    _, reads = read_capture(capture.file_path)
    assert reads == []


async def test_a_capture_ends_before_a_read_that_would_pass_its_bytes(
    runner: Any, make_source: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CAPTURE_DIR = tmp_path
    source, capture = await capture_of(runner, make_source, limit_bytes=1500)
    await wait_for(lambda: runner.workers[source.pk].capture, what="the capture to start")
    await feed(source, 6)
    await wait_for(lambda: ended(capture), what="the capture to end")
    assert capture.ended_why == "byte limit (1500) reached"
    assert 0 < capture.bytes <= 1500
    assert Path(capture.file_path).stat().st_size > capture.bytes  # header and record heads


async def test_the_byte_limit_never_passes_capture_max_bytes(
    runner: Any, make_source: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CAPTURE_DIR, settings.CAPTURE_MAX_BYTES = tmp_path, 1000
    source, capture = await capture_of(runner, make_source, limit_bytes=10**9)
    await wait_for(lambda: runner.workers[source.pk].capture, what="the capture to start")
    await feed(source, 6)
    await wait_for(lambda: ended(capture), what="the capture to end")
    assert capture.ended_why == "byte limit (1000) reached" and capture.bytes <= 1000


async def test_a_capture_left_running_by_a_stopped_ingest_is_marked_failed(
    runner: Any, make_source: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CAPTURE_DIR = tmp_path
    source = await sync_to_async(make_source)("cms-skills", enabled=False)
    orphan = await SourceCapture.objects.acreate(source=source, status=SourceCapture.RUNNING)
    source.enabled = True
    await sync_to_async(source.save)()

    async def failed() -> bool:
        await orphan.arefresh_from_db()
        return orphan.status == SourceCapture.FAILED

    await wait_for(failed, what="the orphaned capture to be marked failed")
    assert "interrupted" in orphan.ended_why


def test_a_look_for_captures_between_tidy_ups_only_reads(
    make_source: Any, settings: Any, tmp_path: Path
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ingest.capture import take_request

    settings.CAPTURE_DIR = tmp_path
    source = make_source("cms-skills", enabled=False)
    orphan = SourceCapture.objects.create(source=source, status=SourceCapture.RUNNING)
    with CaptureQueriesContext(connection) as queries:
        assert take_request(source.pk, tidy=False) is None
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]
    orphan.refresh_from_db()
    assert orphan.status == SourceCapture.RUNNING  # left for the next tidy-up
    assert take_request(source.pk, tidy=True) is None
    orphan.refresh_from_db()
    assert orphan.status == SourceCapture.FAILED
