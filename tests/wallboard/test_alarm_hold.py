"""A threshold's hold time: a figure enters alarm only after it stayed beyond the alarm level
for the hold; a figure that dips back meanwhile starts the hold again."""

from __future__ import annotations

from wallboard.engine.alarms import AlarmBook, holds
from wallboard.engine.maths import Threshold

THRESHOLD: Threshold = {"direction": "above", "warning": 5, "alarm": 10, "clear": None, "hold": 30}


class Clock:
    def __init__(self) -> None:
        self.t = 2_000_000.0

    def __call__(self) -> float:
        return self.t


def test_a_figure_enters_alarm_only_after_the_hold_and_shows_its_warning_meanwhile() -> None:
    clock = Clock()
    book = AlarmBook(clock=clock)
    started = clock.t
    assert book.judge("calls_waiting", 12, THRESHOLD).level == "warning"
    clock.t += 29.9
    assert book.judge("calls_waiting", 12, THRESHOLD).level == "warning"
    clock.t += 0.1
    judged = book.judge("calls_waiting", 12, THRESHOLD)
    assert (judged.level, judged.since) == ("alarm", started + 30)


def test_a_figure_hovering_at_the_limit_during_the_hold_never_enters_alarm() -> None:
    clock = Clock()
    book = AlarmBook(clock=clock)
    seen = set()
    for step in range(20):  # 11, 10, 11, 10 ... every 20 s: never 30 s beyond in a row
        clock.t += 20
        seen.add(book.judge("calls_waiting", 11 if step % 2 == 0 else 10, THRESHOLD).level)
    assert seen == {"warning"}


def test_the_end_of_a_hold_is_due_without_a_new_figure() -> None:
    clock = Clock()
    book = AlarmBook(clock=clock)
    book.judge("calls_waiting", 12, THRESHOLD)
    assert book.next_due(holds({"calls_waiting": THRESHOLD})) == clock.t + 30
    clock.t += 30
    book.judge("calls_waiting", 12, THRESHOLD)
    assert book.next_due(holds({"calls_waiting": THRESHOLD})) is None


def test_a_hold_under_way_and_an_alarm_survive_a_restart() -> None:
    clock = Clock()
    book = AlarmBook(clock=clock)
    book.judge("calls_waiting", 12, THRESHOLD)
    book.judge("other|1 skill 3", 12, {**THRESHOLD, "hold": 0})
    again = AlarmBook(clock=clock)
    again.restore(book.saved())
    clock.t += 30
    assert again.judge("calls_waiting", 12, THRESHOLD).since == clock.t
    assert again.judge("other|1 skill 3", 12, {**THRESHOLD, "hold": 0}).since == clock.t - 30
