"""The flags a segment's recording gets: the QMS set from what the call says (names from the
directory, else the feed), the optional ones only where the feed gives them, none blank; and
finished tags go with calls past retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ingest.recordings import SegmentNews, flags_for, purge_tags
from wallboard.engine.names import Names
from wallboard.models import Agent, Name, RecordingTag
from wallboard.models.names import directory
from wallboard.models.recordings import Recorder

pytestmark = pytest.mark.django_db


def news(**fields: Any) -> SegmentNews:
    values: dict[str, Any] = {
        "what": "ended",
        "source_id": 1,
        "call_key": "k@1",
        "call_id": "k",
        "seq": 1,
        "extension": "201",
        "agent_id": "",
        "at": 0.0,
        "answered": True,
        "first_seen": False,
    }
    values.update(fields)
    return SegmentNews(**values)


def test_every_flag_the_call_gives_is_written(make_source: Any) -> None:
    source = make_source("pbx")
    Agent.objects.create(
        source=source,
        agent_id="5001",
        name="Ann (feed)",
        state="on_call",
        updated_at=timezone.now(),
    )
    Name.objects.create(source=source, kind="skill", number="7", name="Sales")
    item = news(
        source_id=source.pk,
        agent_id="5001",
        ucid="U-1",
        queue_kind="skill",
        queue_number="7",
        extra={"caller_name": "ACME Ltd", "wrapup": "Sale/Closed", "query_data": "order=42"},
    )
    assert flags_for(item, directory()) == {
        "AgentId": "5001",
        "AgentName": "Ann (feed)",
        "CallerName": "ACME Ltd",
        "CTICallRef": "k",
        "InteractionGuid": "U-1",
        "QueueName": "Sales",
        "CTIWrapup": "Sale/Closed",
        "CTIQueryData": "order=42",
    }


def test_a_flag_the_call_does_not_give_is_left_out() -> None:
    assert flags_for(news(queue_number="9"), Names()) == {"CTICallRef": "k", "QueueName": "9"}


def test_finished_tags_past_retention_are_deleted_and_queued_ones_kept(make_source: Any) -> None:
    source = make_source("pbx")
    recorder = Recorder.objects.create(name="r", base_url="http://127.0.0.1:1")
    old = timezone.now() - timedelta(days=40)
    for seq, status in enumerate(("written", "not_tagged", "queued"), start=1):
        RecordingTag.objects.create(
            recorder=recorder,
            source=source,
            call_key="k@1",
            call_id="k",
            seq=seq,
            status=status,
            connected_at=old,
        )
    RecordingTag.objects.create(
        recorder=recorder,
        source=source,
        call_key="k@2",
        call_id="k",
        seq=1,
        status="written",
        connected_at=timezone.now(),
    )
    assert purge_tags(30) == 2
    assert sorted(RecordingTag.objects.values_list("status", flat=True)) == ["queued", "written"]
