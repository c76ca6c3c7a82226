"""The call ledger books exact queue figures, each at the step that decides it."""

from __future__ import annotations

from tests.ingest.call_ledger_helpers import T0, ev, ledger


def test_an_answered_call_books_offered_answered_its_wait_and_its_talk_less_hold() -> None:
    calls, booked = ledger(target=20)
    calls.apply(
        [
            ev("c1", "offered", 0, queue="1"),
            ev("c1", "queued", 2, queue="1"),
            ev("c1", "answered", 17, agent_id="a1"),
            ev("c1", "held", 30),
            ev("c1", "retrieved", 40),
            ev("c1", "ended", 77),
        ]
    )
    assert booked.total() == {
        "offered": 1,
        "answered": 1,
        "answered_in_sl": 1,
        "answer_wait_sum": 15,  # queued at 2, answered at 17
        "talk_sum": 50,  # 60 s from answer to end, 10 of them on hold
    }
    call = calls.dirty.popitem()[1]
    assert call.counted == {"q": ["queue", "1"], "offered": 1, "answered": 1, "talk": 1}


def test_an_answer_after_the_target_is_not_within_service_level() -> None:
    calls, booked = ledger(target=20)
    calls.apply([ev("c1", "queued", 0, queue="1"), ev("c1", "answered", 21, agent_id="a1")])
    assert booked.total()["answered_in_sl"] == 0 and booked.total()["answer_wait_sum"] == 21


def test_each_figure_is_booked_at_the_time_of_its_step() -> None:
    calls, booked = ledger()
    calls.apply([ev("c1", "queued", 0, queue="1")])
    calls.apply([ev("c1", "answered", 950, agent_id="a1")])  # the next interval
    assert [(at - T0, sorted(f)) for _, at, f in booked.entries] == [
        (0, ["offered"]),
        (950, ["answer_wait_sum", "answered", "answered_in_sl"]),
    ]


def test_an_abandoned_call_books_an_abandon_and_no_answer() -> None:
    calls, booked = ledger()
    calls.apply([ev("c1", "queued", 0, queue="1"), ev("c1", "ended", 9, released_by="caller")])
    assert booked.total() == {"offered": 1, "abandoned": 1}


def test_a_transferred_call_counts_once_in_the_queue_it_was_offered_to() -> None:
    calls, booked = ledger()
    calls.apply(
        [
            ev("c1", "queued", 0, queue="1"),
            ev("c1", "answered", 5, agent_id="a1"),
            ev("c1", "transferred", 20, target="305"),
            ev("c1", "queued", 21, queue="2"),
            ev("c1", "answered", 25, agent_id="a2"),
            ev("c1", "ended", 45),
        ]
    )
    assert booked.total() == {
        "offered": 1,
        "answered": 1,
        "answered_in_sl": 1,
        "answer_wait_sum": 5,
        "talk_sum": 35,  # 15 s at a1, 20 s at a2
    }
    assert booked.total(("queue", "2")) == {}


def test_a_call_first_seen_answered_counts_nowhere() -> None:
    calls, booked = ledger()
    calls.apply([ev("c1", "answered", 0, agent_id="a1", queue="1"), ev("c1", "ended", 30)])
    assert booked.entries == []
