"""Steps replayed after a reconnect change nothing and count nothing twice."""

from __future__ import annotations

from ingest.calls import CallLedger
from tests.ingest.call_ledger_helpers import ev, ledger

STEPS = [
    ev("c1", "offered", 0, queue="1"),
    ev("c1", "queued", 1, queue="1"),
    ev("c1", "ringing", 3, agent_id="a1"),
    ev("c1", "answered", 5, agent_id="a1"),
    ev("c1", "held", 10),
    ev("c1", "retrieved", 14),
    ev("c1", "transferred", 20, target="305"),
    ev("c1", "answered", 22, agent_id="a2", extension="305"),
]


def test_every_step_replayed_changes_nothing() -> None:
    calls, booked = ledger()
    calls.apply(STEPS)
    before = list(booked.entries)
    calls.take_dirty()
    assert calls.apply(STEPS) == [] and booked.entries == before and not calls.dirty
    assert calls.ignored == len(STEPS)


def test_an_answered_replayed_for_an_answered_segment_is_ignored() -> None:
    calls, booked = ledger()
    calls.apply(STEPS[:4])
    assert calls.apply([ev("c1", "answered", 9, agent_id="a1")]) == []
    assert booked.total()["answered"] == 1


def test_an_end_replayed_after_the_call_ended_opens_no_new_call() -> None:
    calls, booked = ledger()
    calls.apply([*STEPS, ev("c1", "ended", 60)])
    assert calls.apply([*STEPS[3:], ev("c1", "ended", 60)]) == []
    assert not calls.open and booked.total()["offered"] == 1


def test_a_call_id_reused_later_is_a_new_call() -> None:
    calls, booked = ledger()
    calls.apply([STEPS[0], ev("c1", "ended", 30, released_by="caller")])
    (again,) = calls.apply([ev("c1", "offered", 100, queue="1")])
    assert again.offered_at > 0 and calls.open["c1"] is again and booked.total()["offered"] == 2


def test_a_restored_call_goes_on_without_counting_its_offer_again() -> None:
    calls, booked = ledger()
    (call,) = calls.apply(STEPS[:4])
    restarted = CallLedger(booked, lambda q: 20)
    restarted.restore([call])
    restarted.apply(STEPS)  # the feed replays the call's steps after the restart
    restarted.apply([ev("c1", "ended", 60)])
    totals = booked.total()
    # 15 s at a1 less 4 on hold, 38 s at a2
    assert (totals["offered"], totals["answered"], totals["talk_sum"]) == (1, 1, 49)
