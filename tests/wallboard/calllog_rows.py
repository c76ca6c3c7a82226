"""Calls with recording tags, as ingest writes them, for the call-log and API tests."""

from __future__ import annotations

from typing import Any

from tests.callrows import at, make_call
from wallboard.models import Call, Recorder, RecordingTag, Source


def tagged_transfer(
    source: Source, recorder: Recorder, call_id: str = "c-1", **fields: Any
) -> Call:
    """A transferred call of two legs: the first tagged (written), the second not tagged."""
    values: dict[str, Any] = {
        "ledger_key": f"{call_id}@1",
        "queue_kind": "skill",
        "queue_number": "7",
        "calling": "01632960123",
        "agent_id": "5002",
        "answered_at": at(12),
        "outcome": "transferred",
    }
    values.update(fields)
    call = make_call(
        source,
        call_id,
        segments=(
            {
                "agent_id": "5001",
                "extension": "4001",
                "started_at": at(5),
                "answered_at": at(12),
                "ended_at": at(52),
                "how_ended": "transferred",
                "target": "4002",
            },
            {
                "agent_id": "5002",
                "extension": "4002",
                "started_at": at(52),
                "answered_at": at(55),
                "ended_at": at(60),
                "how_ended": "ended",
            },
        ),
        **values,
    )
    common = {
        "recorder": recorder,
        "source": source,
        "call_key": call.ledger_key,
        "call_id": call_id,
    }
    RecordingTag.objects.create(
        **common,
        seq=1,
        extension="4001",
        agent_id="5001",
        status="written",
        connected_at=at(12),
        ended_at=at(52),
        recording_id=f"REC-{call_id}",
        recording_url=f"https://recorder.example/play/REC-{call_id}",
        flags={"AgentId": "5001", "CTICallRef": call_id},
    )
    RecordingTag.objects.create(
        **common,
        seq=2,
        extension="4002",
        agent_id="5002",
        status="not_tagged",
        connected_at=at(55),
        reason="no recording found within 10 s of connect",
    )
    return call


def a_recorder(source: Source) -> Recorder:
    recorder = Recorder.objects.create(name="qms-1", base_url="https://recorder.example/api")
    recorder.sources.add(source)
    return recorder
