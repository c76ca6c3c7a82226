"""A recorder that is down when a call ends: the flags wait in the database and are retried
with backoff, and written once when the recorder is back, also across a restart of ingest."""

from __future__ import annotations

import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from integrations.recorder_http.simulator import RecorderSimulator
from tests.conftest import running_ingest, wait_for
from tests.ingest.call_feed import (  # call_feed, example_vendor: fixtures
    CallFeed,
    call_feed,  # noqa: F401
    example_vendor,  # noqa: F401
    feed_source,
)
from tests.ingest.recording_helpers import (  # noqa: F401  (fixtures)
    new_recorder,
    quick_retries,
    recorder_sim,
    tags,
    wait_tags,
)
from wallboard.models import Call, CallSegment

pytestmark = pytest.mark.django_db(transaction=True)


async def retried(times: int) -> bool:
    return any(t.attempts >= times and t.status == "queued" for t in await tags())


@pytest.mark.usefixtures("example_vendor", "quick_retries")
async def test_a_recorder_down_for_a_while_gets_the_queued_flags_once_it_is_back(
    call_feed: CallFeed,  # noqa: F811
    make_source: Any,
    recorder_sim: RecorderSimulator,  # noqa: F811
) -> None:
    source = await sync_to_async(feed_source)(make_source, call_feed)
    await new_recorder(source, recorder_sim)
    async with running_ingest():
        await call_feed.connected()
        await call_feed.send(f"C|d2|ringing|agent=a1;ext=201;at={time.time()}")
        recording = recorder_sim.record("201")
        await call_feed.send(f"C|d2|answered|agent=a1;ext=201;at={time.time()}")
        await wait_tags(1, "found", "the recording found")
        recorder_sim.down()
        await call_feed.send(f"C|d2|ended|by=agent;at={time.time()}")
        await wait_for(lambda: retried(3), what="the write tried and failed a few times")
        recorder_sim.up()
        [tag] = await wait_tags(1, "written", "the queued flags written")
    assert tag.recording_id == recording
    assert recorder_sim.flags_of(recording) == {"AgentId": "a1", "CTICallRef": "d2"}
    assert recorder_sim.flag_writes == 1 and recorder_sim.refused_writes == 0


@pytest.mark.usefixtures("example_vendor", "quick_retries")
async def test_a_queued_write_survives_a_restart_of_ingest(
    call_feed: CallFeed,  # noqa: F811
    make_source: Any,
    recorder_sim: RecorderSimulator,  # noqa: F811
) -> None:
    source = await sync_to_async(feed_source)(make_source, call_feed)
    await new_recorder(source, recorder_sim)
    async with running_ingest():
        await call_feed.connected()
        await call_feed.send(f"C|r1|ringing|agent=a2;ext=202;at={time.time()}")
        recording = recorder_sim.record("202")
        await call_feed.send(f"C|r1|answered|agent=a2;ext=202;at={time.time()}")
        await wait_tags(1, "found", "the recording found")
        recorder_sim.down()
        await call_feed.send(f"C|r1|ended|by=caller;at={time.time()}")
        await wait_for(lambda: retried(1), what="the write failed and queued")
    recorder_sim.up()
    async with running_ingest():
        await call_feed.connected(2)
        [tag] = await wait_tags(1, "written", "the queued flags written after the restart")
    assert tag.recording_id == recording
    assert recorder_sim.flags_of(recording) == {"AgentId": "a2", "CTICallRef": "r1"}
    assert recorder_sim.flag_writes == 1


@pytest.mark.usefixtures("example_vendor")
async def test_a_leg_that_ended_while_ingest_was_stopping_is_tagged_after_the_restart(
    call_feed: CallFeed,  # noqa: F811
    make_source: Any,
    recorder_sim: RecorderSimulator,  # noqa: F811
) -> None:
    """The ledger stored the leg's end but the tagger never heard of it (ingest stopped in
    between): the next start reads the end from the stored call."""
    source = await sync_to_async(feed_source)(make_source, call_feed)
    await new_recorder(source, recorder_sim)
    async with running_ingest():
        await call_feed.connected()
        await call_feed.send(f"C|s1|ringing|agent=a1;ext=201;at={time.time()}")
        recording = recorder_sim.record("201")
        await call_feed.send(f"C|s1|answered|agent=a1;ext=201;at={time.time()}")
        await wait_tags(1, "found", "the recording found")
    ended = timezone.now()
    await Call.objects.filter(call_id="s1").aupdate(ended_at=ended, state="ended")
    await CallSegment.objects.filter(call__call_id="s1").aupdate(ended_at=ended)
    async with running_ingest():
        [tag] = await wait_tags(1, "written", "the stored end's flags written")
    assert tag.recording_id == recording
    assert recorder_sim.flags_of(recording) == {"AgentId": "a1", "CTICallRef": "s1"}
