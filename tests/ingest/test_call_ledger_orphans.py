"""Calls with no end for ORPHAN_CALL_MINUTES are closed as orphans, never as abandoned."""

from __future__ import annotations

from tests.ingest.call_ledger_helpers import T0, ev, ledger


def test_an_unanswered_call_without_an_end_is_closed_orphaned_with_no_outcome() -> None:
    calls, booked = ledger(orphan_seconds=600)
    calls.apply([ev("c1", "queued", 0, queue="1"), ev("c2", "queued", 500, queue="1")])
    assert calls.close_orphans(T0 + 600) == []
    (call,) = calls.close_orphans(T0 + 601)
    assert (call.call_id, call.orphaned, call.outcome, call.state) == ("c1", True, "", "ended")
    assert call.ended_at == T0  # its last step: the end is not known
    assert "abandoned" not in booked.total() and not calls.recent_abandoned
    assert list(calls.open) == ["c2"] and calls.dirty


def test_an_answered_call_without_an_end_is_closed_answered_and_books_no_talk() -> None:
    calls, booked = ledger(orphan_seconds=600)
    calls.apply([ev("c1", "queued", 0, queue="1"), ev("c1", "answered", 5, agent_id="a1")])
    (call,) = calls.close_orphans(T0 + 1000)
    assert call.outcome == "answered" and call.orphaned and calls.agent_call("a1") is None
    assert "talk_sum" not in booked.total()
