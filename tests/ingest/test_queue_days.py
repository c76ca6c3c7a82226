"""Today's and the last hour's figures of each queue, from the interval rows: booked as each
batch arrives and sent with it, across Avaya's interval resets, restarts and the day's end."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.intervals import INTERVAL
from ingest.queuedays import QueueDays
from integrations.base import Batch, QueueRow
from tests.ingest.test_interval_restart import (  # clock, workers: fixtures
    Clock,
    clock,  # noqa: F401
    crash,
    workers,  # noqa: F401
)

KEY = ("skill", "1")


def report(offered: int, answered: int, abandoned: int, sl: float, asa: int) -> Batch:
    row = QueueRow(
        kind="skill", number="1", offered=offered, answered=answered, abandoned=abandoned,
        service_level_pct=sl, asa_seconds=asa, counters="interval",
    )  # fmt: skip
    return Batch(queues=[row], snapshot=True)


def figures(offered: Any, answered: Any, abandoned: Any, in_sl: Any, waits: Any) -> dict[str, Any]:
    return {
        "offered": offered,
        "answered": answered,
        "abandoned": abandoned,
        "answered_in_sl": in_sl,
        "answer_wait_sum": waits,
    }


def test_the_day_sums_every_interval_the_hour_the_last_four() -> None:
    days = QueueDays(lambda now: 0.0)
    days.load([], 0.0)
    for i in range(6):
        days.put(KEY, i * INTERVAL, figures(10, 8, 1, 6, 40))
    days.put(KEY, 6 * INTERVAL, figures(1, None, 0, None, None))
    now = 6 * INTERVAL + 100
    got = days.figures(KEY, now)
    assert got["day"] == figures(61, 48, 6, 36, 240)
    assert got["h1"] == figures(31, 24, 3, 18, 120)  # 06:00's and the three before
    assert days.figures(("skill", "2"), now)["day"] == figures(None, None, None, None, None)


def test_a_new_day_starts_from_nothing_and_the_hour_moves_on() -> None:
    day = 96 * INTERVAL
    days = QueueDays(lambda now: day if now >= day else 0.0)
    days.load([(KEY, day - INTERVAL, figures(5, 5, 0, 5, 10))], day - 10)
    assert days.changed([KEY], day - 10)[KEY]["day"]["offered"] == 5
    rolled = days.roll(day + 1)
    assert rolled[KEY] == {"day": figures(None, None, None, None, None)} | {
        "h1": figures(None, None, None, None, None)
    }
    assert days.roll(day + 2) == {}  # nothing changed since


@pytest.mark.django_db(transaction=True)
async def test_each_batch_carries_its_queues_day_and_hour_across_resets_and_a_crash(
    workers: Any,  # noqa: F811
    clock: Clock,  # noqa: F811
) -> None:
    first = await workers(layout="tvi1")
    changes = first.process(report(10, 8, 1, 50, 10))
    assert changes.today[KEY]["day"] == figures(10, 8, 1, 5, 80)
    assert changes.today[KEY]["h1"] == figures(10, 8, 1, 5, 80)
    assert changes.today[KEY]["offered"] == 10  # the live counters' total, as before

    clock.now += INTERVAL  # CMS's next interval: its counters start again
    changes = first.process(report(3, 3, 0, 100, 5))
    assert changes.today[KEY]["day"] == figures(13, 11, 1, 8, 95)
    assert first.process(report(3, 3, 0, 100, 5)).today == {}  # nothing new: nothing sent

    await first._write_intervals()
    await crash(first)
    clock.now += 10
    second = await workers()
    changes = second.process(report(4, 4, 0, 100, 5))
    assert changes.today[KEY]["day"] == figures(14, 12, 1, 9, 100)  # the stored rows, and one more

    clock.now += 4 * INTERVAL  # an hour on: the last hour holds none of those calls
    await second._tick_intervals()
    assert second.live.today[KEY]["h1"] == figures(None, None, None, None, None)
    assert second.live.today[KEY]["day"]["offered"] == 14
    await second.stop()


def test_a_batch_adds_only_the_open_interval_and_a_closed_one_is_added_once() -> None:
    days = QueueDays(lambda now: 0.0)
    days.load([(KEY, i * INTERVAL, figures(1, 1, 0, 1, 1)) for i in range(90)], 0.0)
    now = 90 * INTERVAL + 5
    days.put(KEY, 90 * INTERVAL, figures(2, 2, 0, 2, 2))
    assert days.figures(KEY, now)["day"]["offered"] == 92
    days.rows[KEY][0] = (1000, 0, 0, 0, 0)  # a closed interval is not summed again per batch
    days.put(KEY, 90 * INTERVAL, figures(3, 3, 0, 3, 3))
    assert days.figures(KEY, now)["day"]["offered"] == 93
    assert days.figures(KEY, now)["h1"]["offered"] == 6  # 87:45-90:00's three, and the open one
    later = 91 * INTERVAL + 5  # the next interval: only the one that closed is added
    assert days.figures(KEY, later)["day"]["offered"] == 93
    assert days.figures(KEY, later)["h1"]["offered"] == 5


def waiting(calls: int) -> Batch:
    """The report of the test's first batch again, with calls waiting: no count moved."""
    batch = report(10, 8, 1, 50, 10)
    batch.queues[0].calls_waiting = calls
    return batch


@pytest.mark.django_db(transaction=True)
async def test_a_queue_whose_counts_did_not_move_keeps_its_figures_until_its_hour_moves_on(
    workers: Any,  # noqa: F811
    clock: Clock,  # noqa: F811
) -> None:
    worker = await workers(layout="tvi1")
    worker.process(report(10, 8, 1, 50, 10))
    changes = worker.process(waiting(4))
    assert KEY in changes.queues
    assert changes.today[KEY]["day"] == figures(10, 8, 1, 5, 80)
    assert changes.today[KEY]["h1"] == figures(10, 8, 1, 5, 80)

    # An hour on, before the interval tick: the next batch, with the same counts, carries the
    # hour that no longer holds those calls.
    clock.now += 4 * INTERVAL
    changes = worker.process(waiting(5))
    assert changes.today[KEY]["h1"] == figures(None, None, None, None, None)
    assert changes.today[KEY]["day"] == figures(10, 8, 1, 5, 80)
    await worker.stop()
