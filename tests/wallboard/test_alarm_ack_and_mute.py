"""Acknowledging a tile's alarms and muting a board: an alarm that began before the
acknowledgement is acknowledged (its colour stays, its flashing and sound stop), a later one is
not; a muted board makes no sound until the mute ends."""

from __future__ import annotations

from wallboard.engine.alarms import AlarmBook, sounding
from wallboard.engine.maths import Threshold

THRESHOLD: Threshold = {
    "direction": "above",
    "warning": None,
    "alarm": 10,
    "clear": None,
    "hold": 0,
    "sound": "repeat",
    "repeat": 15,
}


class Clock:
    def __init__(self) -> None:
        self.t = 3_000_000.0

    def __call__(self) -> float:
        return self.t


def test_an_acknowledged_alarm_keeps_its_level_and_a_later_alarm_is_not_acknowledged() -> None:
    clock = Clock()
    book = AlarmBook(clock=clock)
    book.judge("calls_waiting", 12, THRESHOLD)
    clock.t += 10
    book.acked_at = clock.t
    acked = book.judge("calls_waiting", 13, THRESHOLD)
    assert (acked.level, acked.acked) == ("alarm", True)
    book.judge("calls_waiting", 2, THRESHOLD)
    clock.t += 10
    again = book.judge("calls_waiting", 12, THRESHOLD)
    assert (again.level, again.acked) == ("alarm", False)


def test_a_cell_in_alarm_says_since_when_its_acknowledgement_and_its_sound() -> None:
    clock = Clock()
    book = AlarmBook(clock=clock)
    cell = book.judge("calls_waiting", 12, THRESHOLD).cell(12, False, THRESHOLD)
    assert cell == {
        "v": 12,
        "d": False,
        "l": "alarm",
        "a": {"since": int(clock.t * 1000), "ack": False, "sound": "repeat", "every": 15},
    }


def test_only_unacknowledged_alarms_with_a_sound_on_an_unmuted_board_sound() -> None:
    loud = {"a": {"since": 1, "ack": False, "sound": "once", "every": 30}}
    acked = {"a": {"since": 1, "ack": True, "sound": "once", "every": 30}}
    silent = {"a": {"since": 1, "ack": False, "sound": "none", "every": 30}}
    calm = {"v": 3, "l": None}
    assert sounding([loud, acked, silent, calm], None, 5_000) == [loud["a"]]
    assert sounding([loud], 6_000, 5_000) == []  # muted until 6 s
    assert sounding([loud], 6_000, 6_000) == [loud["a"]]  # the mute has ended
