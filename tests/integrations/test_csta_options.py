"""A CSTA source's options: devices as range text with a hard cap on monitors, the agent
states mode and poll interval; errors never quote the password."""

from __future__ import annotations

import pytest

from integrations.csta import default_options, make_decoder, validate_options
from integrations.csta.options import MAX_MONITORS, agent_seats, expand
from tests.fixtures.csta.wire import OPTIONS


def test_ranges_expand_in_order_once_each_keeping_leading_zeros() -> None:
    assert expand("1000-1002, 2000,1001") == ["1000", "1001", "1002", "2000"]
    assert expand("098-100") == ["098", "099", "100"]
    assert expand("") == []


def test_agents_pair_with_their_stations() -> None:
    assert agent_seats("3101-3102@5001-5002, 3150@5090") == {
        "3101": "5001",
        "3102": "5002",
        "3150": "5090",
    }


def test_the_defaults_are_valid_once_the_switch_is_named() -> None:
    assert validate_options("events", {**default_options("events"), "switch_name": "CM1"}) == []
    assert validate_options("events", default_options("events")) == [
        "switch_name is required: the switch connection name set up on the AES."
    ]


def test_more_devices_than_the_cap_is_a_clear_error() -> None:
    problems = validate_options(
        "events", {**OPTIONS, "stations": f"1-{MAX_MONITORS}", "agents": ""}
    )  # and a split and a VDN
    assert problems == [f"{MAX_MONITORS + 2} devices to monitor: at most {MAX_MONITORS} in all."]
    problems = validate_options("events", {**OPTIONS, "vdns": "1-999999999"})
    assert problems == [
        f"vdns: more than {MAX_MONITORS} devices (at most {MAX_MONITORS} monitors in all)."
    ]


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"agent_states": "sometimes"}, "agent_states must be one of events, poll, auto."),
        ({"poll_seconds": 0}, "poll_seconds must be between 1 and 300 s."),
        ({"poll_seconds": True}, "poll_seconds must be between 1 and 300 s."),
        (
            {"splits": "301-x"},
            "splits: '301-x' is not an extension or a range of them",
        ),
        (
            {"agents": "3101"},
            "agents: '3101' has no @station: write agent@station, e.g. 3101@5001.",
        ),
        ({"colour": "red"}, "Unknown option 'colour'"),
    ],
)
def test_bad_options_are_explained(options: dict[str, object], problem: str) -> None:
    assert any(p.startswith(problem) for p in validate_options("events", {**OPTIONS, **options}))


def test_a_bad_option_error_never_quotes_the_password() -> None:
    with pytest.raises(ValueError) as caught:
        make_decoder("events", {**OPTIONS, "password": "hunter2-XYZ", "stations": "x"})
    assert "hunter2" not in str(caught.value)
    decoder = make_decoder("events", {**OPTIONS, "password": "hunter2-XYZ"})
    assert "hunter2" not in repr(decoder) + repr(decoder.settings)
