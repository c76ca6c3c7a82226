"""CMS wire values: counts, times, percentages; blank is null, asterisks are overflow."""

from __future__ import annotations

import pytest

from integrations.avaya_cms.values import count, percent, seconds
from integrations.base import OVERFLOW


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  :00", 0),
        ("  :18", 18),
        (" 2:18", 138),
        ("12:05", 725),
        ("1:02:03", 3723),
        ("10:00:00", 36000),
        (":07", 7),
        ("45", 45),
        ("     ", None),
        ("", None),
        ("*****", OVERFLOW),
        ("***", OVERFLOW),
        (" 2:18\r", 138),
    ],
)
def test_it_reads_cms_times_as_seconds(text: str, expected: object) -> None:
    assert seconds(text) == expected


@pytest.mark.parametrize("text", ["1:5", "1:xx", "a:00", "**1", "1:2:3:04x", "::"])
def test_it_rejects_a_garbled_time(text: str) -> None:
    with pytest.raises(ValueError):
        seconds(text)


def test_a_blank_count_is_null_never_zero() -> None:
    assert count("   ") is None
    assert count("  0") == 0
    assert count(" 17") == 17
    assert count("***") == OVERFLOW


def test_a_percentage_may_carry_decimals_but_not_nan() -> None:
    assert percent(" 86") == 86
    assert percent("86.5") == 86.5
    assert percent("   ") is None
    with pytest.raises(ValueError):
        percent("nan")
    with pytest.raises(ValueError):
        percent("1.e999")
