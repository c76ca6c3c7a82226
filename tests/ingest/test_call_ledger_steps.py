"""The call ledger follows a call step by step: its state, times, segments and outcome."""

from __future__ import annotations

from ingest.calls import ACTIVE, ENDED, HELD, QUEUED, RINGING
from tests.ingest.call_ledger_helpers import T0, ev, ledger


def test_a_call_goes_from_queued_to_ringing_to_active_to_ended() -> None:
    calls, _ = ledger()
    (call,) = calls.apply([ev("c1", "offered", 0, queue="1", calling="01632960123")])
    assert call.state == QUEUED and call.waiting and call.calling == "01632960123"
    calls.apply([ev("c1", "queued", 1, queue="1")])
    assert call.queued_at == T0 + 1
    calls.apply([ev("c1", "ringing", 5, agent_id="a7", extension="207")])
    assert call.state == RINGING and call.waiting
    calls.apply([ev("c1", "answered", 8, agent_id="a7", extension="207")])
    assert call.state == ACTIVE and not call.waiting and call.answered_at == T0 + 8
    assert calls.agent_call("a7") is not None
    calls.apply([ev("c1", "ended", 68, released_by="caller")])
    assert call.state == ENDED and call.outcome == "answered" and call.released_by == "caller"
    assert "c1" not in calls.open and calls.agent_call("a7") is None
    (segment,) = call.segments
    assert (segment.agent_id, segment.answered_at, segment.ended_at) == ("a7", T0 + 8, T0 + 68)
    assert segment.how_ended == "ended"


def test_hold_time_adds_up_over_two_holds_on_the_call_and_its_segment() -> None:
    calls, _ = ledger()
    (call,) = calls.apply(
        [ev("c1", "offered", 0, queue="1"), ev("c1", "answered", 2, agent_id="a1")]
    )
    calls.apply([ev("c1", "held", 10)])
    assert call.state == HELD and (calls.agent_call("a1") or {}).get("held") is True
    calls.apply([ev("c1", "retrieved", 25), ev("c1", "held", 30), ev("c1", "retrieved", 35)])
    assert call.state == ACTIVE and call.hold_seconds == 20
    calls.apply([ev("c1", "ended", 40)])
    assert call.segments[0].hold_seconds == 20


def test_a_transfer_ends_one_segment_and_starts_the_next_at_the_target() -> None:
    calls, _ = ledger()
    (call,) = calls.apply(
        [
            ev("c1", "offered", 0, queue="1"),
            ev("c1", "ringing", 1, agent_id="a1", extension="201"),
            ev("c1", "answered", 3, agent_id="a1", extension="201"),
            ev("c1", "transferred", 30, agent_id="a1", target="305"),
        ]
    )
    assert call.state == RINGING and not call.waiting and call.transfer_target == "305"
    assert calls.agent_call("a1") is None
    calls.apply([ev("c1", "answered", 35, agent_id="a9", extension="305")])
    calls.apply([ev("c1", "ended", 95, released_by="agent")])
    first, second = call.segments
    assert (first.how_ended, first.target, first.ended_at) == ("transferred", "305", T0 + 30)
    assert (second.seq, second.agent_id, second.extension) == (2, "a9", "305")
    assert (second.answered_at, second.ended_at) == (T0 + 35, T0 + 95)
    assert call.answered_at == T0 + 3 and call.agent_id == "a9" and call.outcome == "answered"


def test_a_caller_who_hangs_up_while_queued_has_abandoned() -> None:
    calls, _ = ledger()
    (call,) = calls.apply([ev("c1", "offered", 0, queue="1"), ev("c1", "queued", 0, queue="1")])
    calls.apply([ev("c1", "ended", 40, released_by="caller")])
    assert call.outcome == "abandoned" and call.ended_at == T0 + 40
    assert [c.call_id for c in calls.recent_abandoned] == ["c1"]


def test_a_call_the_system_drops_unanswered_has_failed_not_abandoned() -> None:
    calls, _ = ledger()
    (call,) = calls.apply([ev("c1", "offered", 0, queue="1")])
    calls.apply([ev("c1", "ended", 4, released_by="system")])
    assert call.outcome == "failed" and not calls.recent_abandoned


def test_queues_report_their_waiting_calls_and_zero_once_none_waits() -> None:
    calls, _ = ledger()
    calls.apply([ev("c1", "queued", 0, queue="1"), ev("c2", "queued", 10, queue="1")])
    assert calls.waiting(T0 + 30) == {("queue", "1"): (2, 30)}
    calls.apply([ev("c1", "answered", 31, agent_id="a1")])
    assert calls.waiting(T0 + 32) == {("queue", "1"): (1, 22)}
    calls.apply([ev("c2", "ended", 40, released_by="caller")])
    assert calls.waiting(T0 + 41) == {("queue", "1"): (0, 0)}


def test_another_party_ringing_during_an_answered_call_opens_no_segment() -> None:
    calls, _ = ledger()
    (call,) = calls.apply(
        [ev("c1", "queued", 0, queue="1"), ev("c1", "answered", 2, agent_id="a1")]
    )
    calls.apply([ev("c1", "ringing", 10, agent_id="a2")])  # a consultation, not a transfer
    assert len(call.segments) == 1 and call.segments[0].ended_at is None
    assert call.state == ACTIVE and calls.agent_call("a1") is not None


def test_a_call_ringing_at_a_second_agent_unanswered_moves_its_segment_on() -> None:
    calls, _ = ledger()
    (call,) = calls.apply(
        [
            ev("c1", "queued", 0, queue="1"),
            ev("c1", "ringing", 2, agent_id="a1"),
            ev("c1", "ringing", 12, agent_id="a2"),  # a1 did not answer: it moved on
            ev("c1", "answered", 14, agent_id="a2"),
        ]
    )
    first, second = call.segments
    assert (first.agent_id, first.how_ended, first.answered_at) == ("a1", "diverted", None)
    assert (second.agent_id, second.answered_at) == ("a2", T0 + 14)
