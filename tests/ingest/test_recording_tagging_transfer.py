"""A transfer closes one recording's flags and starts the next: two segments, two recordings,
each tagged with its own agent."""

from __future__ import annotations

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

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("example_vendor")
async def test_a_transfer_gives_two_tagged_recordings(
    call_feed: CallFeed,  # noqa: F811
    make_source: Any,
    recorder_sim: RecorderSimulator,  # noqa: F811
) -> None:
    source = await sync_to_async(feed_source)(make_source, call_feed)
    await new_recorder(source, recorder_sim)
    t = time.time()
    async with running_ingest():
        await call_feed.connected()
        await call_feed.send(f"C|t1|offered|q=5;ucid=U-77;at={t - 3}")
        first = recorder_sim.record("201")
        await call_feed.send(f"C|t1|answered|agent=a1;ext=201;at={t - 2}")
        await wait_tags(1, "found", "the first recording found")
        await call_feed.send(f"C|t1|transferred|target=202;at={t - 1}")
        await wait_tags(1, "written", "the first segment's flags written at the transfer")
        assert recorder_sim.flags_of(first) is not None
        second = recorder_sim.record("202")
        await call_feed.send(f"C|t1|answered|agent=a2;ext=202;at={time.time()}")
        await wait_tags(1, "found", "the second recording found")
        await call_feed.send(f"C|t1|ended|by=caller;at={time.time()}")
        await wait_tags(2, "written", "both segments' flags written")
    assert recorder_sim.flags_of(first) == {
        "AgentId": "a1",
        "CTICallRef": "t1",
        "InteractionGuid": "U-77",
        "QueueName": "5",
    }
    assert recorder_sim.flags_of(second) == {
        "AgentId": "a2",
        "CTICallRef": "t1",
        "InteractionGuid": "U-77",
        "QueueName": "5",
    }
    assert [(t.seq, t.recording_id, t.user_id) for t in await tags()] == [
        (1, first, "u1"),
        (2, second, "u2"),
    ]
    assert recorder_sim.flag_writes == 2
