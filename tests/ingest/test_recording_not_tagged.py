"""A segment whose recording cannot be known is marked "not tagged" with the reason, never
given a guessed recording: a look-up window that passes with no recording, and a call already
connected when ingest first saw it."""

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
from tests.ingest.recording_helpers import new_recorder, recorder_sim, wait_tags  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("example_vendor")
async def test_a_missed_look_up_window_leaves_the_segment_not_tagged_with_the_reason(
    call_feed: CallFeed,  # noqa: F811
    make_source: Any,
    recorder_sim: RecorderSimulator,  # noqa: F811
) -> None:
    source = await sync_to_async(feed_source)(make_source, call_feed)
    await new_recorder(source, recorder_sim, lookup_window_seconds=1)
    recorder_sim.record("209")  # another extension's recording is not this call's
    async with running_ingest():
        await call_feed.connected()
        await call_feed.send(f"C|m1|ringing|agent=a1;ext=201;at={time.time()}")
        await call_feed.send(f"C|m1|answered|agent=a1;ext=201;at={time.time()}")
        [tag] = await wait_tags(1, "not_tagged", "the window to pass")
        await call_feed.send(f"C|m1|ended|by=caller;at={time.time()}")
        await wait_tags(1, "not_tagged", "the end to leave it not tagged")
    assert tag.recording_id == ""
    assert tag.reason == "no recording found within 1 s of connect"
    assert recorder_sim.flag_writes == 0


@pytest.mark.usefixtures("example_vendor")
async def test_a_call_first_seen_already_connected_is_not_tagged(
    call_feed: CallFeed,  # noqa: F811
    make_source: Any,
    recorder_sim: RecorderSimulator,  # noqa: F811
) -> None:
    source = await sync_to_async(feed_source)(make_source, call_feed)
    await new_recorder(source, recorder_sim)
    recorder_sim.record("201")  # recording, but its ID cannot be tied to this call for sure
    async with running_ingest():
        await call_feed.connected()
        await call_feed.send(f"C|m2|answered|agent=a1;ext=201;at={time.time() - 30}")
        [tag] = await wait_tags(1, "not_tagged", "the mid-call segment marked")
    assert "already connected when ingest first saw it" in tag.reason
    assert tag.recording_id == ""
