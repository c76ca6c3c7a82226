"""An agent's interval bucket is held as a small object and made a row dict only where a row is
written: the rows and the figures of the day are what they were with dict buckets."""

from __future__ import annotations

from typing import Any

from ingest.agentdays import AgentDays
from ingest.intervals import INTERVAL, AgentBucket, IntervalAccounting, StoredIntervals
from ingest.live import LiveState
from integrations.base import AgentRow, Batch, IntervalRow

T0 = 1_795_996_800  # a quarter hour


def agent(state: str, reason: str = "", answered: int | None = None) -> AgentRow:
    extra = {} if answered is None else {"answered": answered}
    return AgentRow(agent_id="7", state=state, reason_code=reason, state_seconds=0, extra=extra)


def feed(live: LiveState, acct: IntervalAccounting, at: float, *agents: AgentRow) -> None:
    acct.tick(at)
    acct.observe(live.apply(Batch(agents=list(agents), snapshot=True), at), at)


def rows(acct: IntervalAccounting) -> dict[int, dict[str, Any]]:
    return {start: row for _, start, row in acct.take_dirty()[1]}


def test_a_row_holds_every_figure_and_not_ready_time_per_reason_code() -> None:
    live, acct = LiveState(), IntervalAccounting(T0)
    feed(live, acct, T0 + 10, agent("not_ready", "7"))
    feed(live, acct, T0 + 70, agent("not_ready", ""))  # a reason code the feed leaves blank
    feed(live, acct, T0 + 100, agent("not_ready", "7"))
    feed(live, acct, T0 + 130, agent("available"))
    acct.close_all(T0 + 200)
    row = rows(acct)[T0]
    accounting = {"until": T0 + 200, "state": "available", "reason": "", "answered": None}
    assert row == {
        "logged_in_seconds": 190,
        "available_seconds": 70,
        "ringing_seconds": 0,
        "on_call_seconds": 0,
        "wrap_up_seconds": 0,
        "not_ready_seconds": 120,
        "other_seconds": 0,
        "not_ready_by_reason": {"7": 90, "": 30},
        "answered": None,
        "accounting": accounting,
    }


def test_an_agent_never_not_ready_has_an_empty_reason_map_and_answered_stays_null() -> None:
    live, acct = LiveState(), IntervalAccounting(T0)
    feed(live, acct, T0 + 10, agent("available"))
    acct.close_all(T0 + 40)
    row = rows(acct)[T0]
    assert row["not_ready_by_reason"] == {} and row["answered"] is None  # unknown, never 0


def test_answered_counted_as_none_is_zero_not_null() -> None:
    live, acct = LiveState(), IntervalAccounting(T0)
    feed(live, acct, T0 + 10, agent("available", answered=4))
    feed(live, acct, T0 + 20, agent("available", answered=0))  # the feed's count reset
    assert rows(acct)[T0]["answered"] == 0
    feed(live, acct, T0 + 30, agent("available", answered=2))
    assert rows(acct)[T0]["answered"] == 2


def test_a_row_handed_to_storage_does_not_change_as_booking_goes_on() -> None:
    live, acct = LiveState(), IntervalAccounting(T0)
    feed(live, acct, T0 + 10, agent("not_ready", "3", answered=1))
    feed(live, acct, T0 + 70, agent("not_ready", "4", answered=2))
    handed = rows(acct)[T0]
    before = {**handed, "not_ready_by_reason": dict(handed["not_ready_by_reason"])}
    feed(live, acct, T0 + 100, agent("available", answered=3))
    feed(live, acct, T0 + 130, agent("not_ready", "3", answered=4))
    acct.close_all(T0 + 160)
    assert handed == before  # (written on another thread, while batches go on)
    later = rows(acct)[T0]
    assert later["not_ready_by_reason"] == {"3": 90, "4": 30}
    assert later["answered"] == 3


def test_rows_of_a_failed_write_are_written_again_with_what_was_booked_since() -> None:
    live, acct = LiveState(), IntervalAccounting(T0)
    feed(live, acct, T0 + 10, agent("not_ready", "3"))
    feed(live, acct, T0 + INTERVAL + 10, agent("available"))  # the boundary closed T0's
    failed = acct.take_dirty()
    closed = {start: row for _, start, row in failed[1]}[T0]
    feed(live, acct, T0 + INTERVAL + 40, agent("on_call"))
    acct.requeue(*failed)
    again = rows(acct)
    assert {k: v for k, v in again[T0].items() if k != "accounting"} == {
        k: v for k, v in closed.items() if k != "accounting"
    }  # the closed interval's bucket was let go: it comes back from the row
    assert again[T0]["not_ready_by_reason"] == {"3": INTERVAL - 10}
    assert again[T0 + INTERVAL]["available_seconds"] == 30  # the open one as booked since
    assert again[T0 + INTERVAL]["not_ready_by_reason"] == {"3": 10}


def test_a_restart_goes_on_from_the_stored_row_of_the_open_interval() -> None:
    live, acct = LiveState(), IntervalAccounting(T0)
    feed(live, acct, T0 + 10, agent("not_ready", "3", answered=2))
    acct.close_all(T0 + 70)
    stored_row = rows(acct)[T0]
    stored = StoredIntervals(
        agent_buckets={("7", T0): {k: v for k, v in stored_row.items() if k != "accounting"}},
        agent_marks={"7": stored_row["accounting"]},
    )
    again = IntervalAccounting(T0 + 100)
    again.restore([], [(agent("not_ready", "3", answered=2), T0 + 10)], stored)
    feed(live, again, T0 + 130, agent("not_ready", "3", answered=5))
    again.close_all(T0 + 160)
    row = rows(again)[T0]
    assert row["not_ready_by_reason"] == {"3": 150}  # 60 stored, 90 from the mark on
    assert row["answered"] == 3  # counted on from the stored mark's 2
    assert row["logged_in_seconds"] == 150
    assert stored_row["not_ready_by_reason"] == {"3": 60}  # the stored row is not changed


def test_a_statistics_feeds_agent_row_is_stored_as_sent() -> None:
    acct = IntervalAccounting(T0)
    sent = IntervalRow(
        kind="agent",
        number="7",
        start=T0,
        figures={"on_call_seconds": 300.4, "answered": 6, "not_ready_by_reason": 9, "x": 1},
        extra={"not_ready_by_reason": {"2": 40}, "acd": 1},
    )
    acct.take_feed(sent, None)
    row = rows(acct)[T0]
    assert row["on_call_seconds"] == 300 and row["answered"] == 6
    assert row["logged_in_seconds"] == 0 and "x" not in row
    assert row["not_ready_by_reason"] == {"2": 40} and row["extra"] == {"acd": 1}
    assert row["accounting"] == {"feed": True}


def test_the_agents_day_sums_the_accountings_buckets_as_it_books_them() -> None:
    live, acct = LiveState(), IntervalAccounting(T0)
    days = AgentDays(lambda now: float(T0 - 2 * INTERVAL))
    stored = {"on_call_seconds": 100, "wrap_up_seconds": 5, "not_ready_seconds": 0, "answered": 1}
    days.load([("7", T0 - INTERVAL, stored)], T0)
    feed(live, acct, T0 + 10, agent("on_call", answered=3))
    feed(live, acct, T0 + 20, agent("on_call", answered=4))
    days.put("7", T0, acct.agent_buckets[("7", T0)])
    acct.close_all(T0 + 70)  # booked into the bucket the day holds
    assert isinstance(acct.agent_buckets[("7", T0)], AgentBucket)
    assert days.changed(["7"], T0 + 70) == {
        "7": {
            "answered": 2,
            "talk_seconds": 160,
            "wrap_seconds": 5,
            "not_ready_seconds": 0,
            "longest_not_ready_seconds": None,
        }
    }
    assert days.changed(["7"], T0 + 80) == {}  # the same figures: not handed out again
