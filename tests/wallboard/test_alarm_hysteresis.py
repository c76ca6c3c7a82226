"""A threshold's clear level: once in alarm, a figure must come back to the clear level (or
past it) to leave the alarm, so a figure hovering at the limit does not flap."""

from __future__ import annotations

from integrations.base import OVERFLOW
from wallboard.engine.alarms import AlarmBook
from wallboard.engine.maths import Threshold


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


def waiting_above(clear: float | None) -> Threshold:
    return {"direction": "above", "warning": 5, "alarm": 10, "clear": clear, "hold": 0}


def levels(book: AlarmBook, threshold: Threshold, values: list[object]) -> list[str | None]:
    return [book.judge("calls_waiting", v, threshold).level for v in values]


def test_a_figure_hovering_at_the_alarm_level_stays_in_alarm_until_it_clears() -> None:
    book = AlarmBook(clock=Clock())
    shown = levels(book, waiting_above(clear=7), [11, 10, 11, 9, 11, 8, 7, 8, 11])
    assert shown == [
        "alarm",
        "alarm",
        "alarm",
        "alarm",
        "alarm",
        "alarm",
        "warning",
        "warning",
        "alarm",
    ]


def test_without_a_clear_level_the_alarm_level_is_the_clear_level() -> None:
    book = AlarmBook(clock=Clock())
    assert levels(book, waiting_above(clear=None), [11, 10, 11]) == ["alarm", "warning", "alarm"]


def test_a_below_threshold_clears_upwards() -> None:
    book = AlarmBook(clock=Clock())
    threshold: Threshold = {
        "direction": "below",
        "warning": 80,
        "alarm": 60,
        "clear": 70,
        "hold": 0,
    }
    shown = [book.judge("service_level_pct", v, threshold).level for v in (59, 65, 69.9, 70, 65)]
    assert shown == ["alarm", "alarm", "alarm", "warning", "warning"]


def test_since_is_kept_while_the_alarm_lasts_and_starts_again_after_it_cleared() -> None:
    clock = Clock()
    book = AlarmBook(clock=clock)
    threshold = waiting_above(clear=7)
    first = book.judge("calls_waiting", 12, threshold).since
    clock.t += 60
    assert book.judge("calls_waiting", 9, threshold).since == first
    book.judge("calls_waiting", 3, threshold)
    clock.t += 5
    assert book.judge("calls_waiting", 12, threshold).since == clock.t


def test_a_blank_figure_ends_the_alarm_and_an_overflow_is_beyond_any_level_above() -> None:
    book = AlarmBook(clock=Clock())
    threshold = waiting_above(clear=7)
    assert levels(book, threshold, [OVERFLOW, 9, None, 9]) == ["alarm", "alarm", None, "warning"]
