"""Opening and quiet hours: weekdays and a time range in site time, past midnight too."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from wallboard.lib.alerting import DaysError, in_hours, parse_days

MONDAY = datetime(2026, 12, 7, 12, 0)  # a Monday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MONDAY.replace(day=7 + day, hour=hour, minute=minute)


def test_days_are_read_as_names_and_ranges() -> None:
    assert parse_days("mon-fri") == {0, 1, 2, 3, 4}
    assert parse_days("Monday, wed, sat-sun") == {0, 2, 5, 6}
    assert parse_days("fri-mon") == {4, 5, 6, 0}
    assert parse_days("") == set(range(7))


@pytest.mark.parametrize("text", ["mon-someday", "mo", "1-5"])
def test_days_that_are_not_days_are_refused(text: str) -> None:
    with pytest.raises(DaysError):
        parse_days(text)


def test_office_hours_take_in_their_start_and_not_their_end() -> None:
    weekdays = parse_days("mon-fri")
    nine, five = time(9), time(17)
    assert in_hours(at(0, 9), weekdays, nine, five)
    assert not in_hours(at(0, 8, 59), weekdays, nine, five)
    assert not in_hours(at(0, 17), weekdays, nine, five)
    assert not in_hours(at(5, 12), weekdays, nine, five)  # Saturday


def test_night_hours_past_midnight_belong_to_the_day_they_start() -> None:
    fridays = parse_days("fri")
    ten, six = time(22), time(6)
    assert in_hours(at(4, 23), fridays, ten, six)  # Friday night
    assert in_hours(at(5, 3), fridays, ten, six)  # Saturday 03:00, Friday's night
    assert not in_hours(at(4, 3), fridays, ten, six)  # Friday 03:00 is Thursday's night
    assert not in_hours(at(5, 23), fridays, ten, six)


def test_no_times_mean_the_whole_day() -> None:
    assert in_hours(at(2, 0), parse_days("wed"), None, None)
    assert not in_hours(at(3, 0), parse_days("wed"), None, None)
