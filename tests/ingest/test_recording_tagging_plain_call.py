"""A plain call answered at an extension: ingest finds its recording at the recorder (over
real HTTP) and, when the call ends, writes the call's flags on it, once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.recorder_http.simulator import RecorderSimulator
from tests.conftest import running_ingest
from tests.ingest.call_feed import (  # call_feed, example_vendor: fixtures
    CallFeed,
    call_feed,  # noqa: F401
    example_vendor,  # noqa: F401
    feed_source,
)
from tests.ingest.recording_helpers import new_recorder, recorder_sim, tags, wait_tags  # noqa: F401
from wallboard.models import Name

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("example_vendor")
async def test_a_plain_call_is_tagged_once_with_the_calls_data(
    call_feed: CallFeed,  # noqa: F811
    make_source: Any,
    recorder_sim: RecorderSimulator,  # noqa: F811
) -> None:
    source = await sync_to_async(feed_source)(make_source, call_feed)
    await new_recorder(source, recorder_sim)
    await Name.objects.acreate(source=source, kind="queue", number="5", name="Sales")
    await Name.objects.acreate(source=source, kind="agent", number="a1", name="Ann Smith")
    t = time.time()
    async with running_ingest():
        await call_feed.connected()
        await call_feed.send(
            f"C|c1|offered|q=5;ucid=00001000011733550000;calling=0412345678;at={t - 8}",
            f"C|c1|ringing|agent=a1;ext=201;at={t - 6}",
        )
        recording = recorder_sim.record("201")
        await call_feed.send(f"C|c1|answered|agent=a1;ext=201;at={t - 5}")
        [found] = await wait_tags(1, "found", "the recording's ID found after connect")
        assert found.recording_id == recording
        assert recorder_sim.flags_of(recording) is None  # not before the extension hangs up
        await call_feed.send(f"C|c1|ended|by=caller;at={time.time()}")
        await wait_tags(1, "written", "the flags written")
        await asyncio.sleep(1.0)  # a few more rounds of the tagger: nothing is written again
    assert recorder_sim.flags_of(recording) == {
        "AgentId": "a1",
        "AgentName": "Ann Smith",
        "CTICallRef": "c1",
        "InteractionGuid": "00001000011733550000",
        "QueueName": "Sales",
    }
    assert recorder_sim.flag_writes == 1 and recorder_sim.refused_writes == 0
    [tag] = await tags()
    assert (tag.call_id, tag.seq, tag.extension, tag.user_id) == ("c1", 1, "201", "u1")
