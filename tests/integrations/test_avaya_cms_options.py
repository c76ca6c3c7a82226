"""The package's contract: vendor info, per-layout options and their validation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations import integration
from integrations.avaya_cms import (
    VENDOR,
    default_options,
    make_decoder,
    validate_options,
)
from integrations.base import AGENT_STATES, Decoder


def test_it_is_registered_as_a_listening_vendor_with_three_layouts() -> None:
    assert integration("avaya_cms").VENDOR is VENDOR
    assert (VENDOR.key, VENDOR.transport, VENDOR.default_port) == ("avaya_cms", "listen", 7001)
    assert VENDOR.layouts == ("tvi1", "agent_tv", "cvdn")
    assert (VENDOR.missing_batches_before_gone, VENDOR.default_refresh_seconds) == (1, 3)


@pytest.mark.parametrize("layout", ["tvi1", "agent_tv", "cvdn"])
def test_every_layouts_defaults_are_valid_json_and_make_a_decoder(layout: str) -> None:
    options = json.loads(json.dumps(default_options(layout)))
    assert validate_options(layout, options) == []
    assert isinstance(make_decoder(layout, options), Decoder)


def test_agent_tv_defaults_spell_out_columns_and_every_work_mode() -> None:
    options = default_options("agent_tv")
    assert options["columns"] == [
        "LOGID", "NAME", "EXTN", "STATE", "DIRECTION", "SPLIT", "AUXREASON", "TIME_IN_STATE"
    ]  # fmt: skip
    state_map = options["state_map"]
    assert set(state_map.values()) <= set(AGENT_STATES)
    assert state_map["AVAIL"] == "available" and state_map["UNSTAFF"] == "logged_out"
    assert [state_map[str(c)] for c in (10, 20, 31, 42, 52, 65, 79, 80)] == [
        "logged_out", "available", "on_call", "wrap_up", "not_ready", "on_call", "wrap_up",
        "ringing",
    ]  # fmt: skip


def test_editing_the_returned_defaults_does_not_change_the_next_defaults() -> None:
    default_options("agent_tv")["state_map"]["AVAIL"] = "other"
    default_options("agent_tv")["columns"].append("X")
    assert default_options("agent_tv")["state_map"]["AVAIL"] == "available"
    assert "X" not in default_options("agent_tv")["columns"]


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"colums": []}, "unknown option"),
        ({"columns": "LOGID,STATE"}, "list"),
        ({"columns": ["LOGID", ""]}, "non-empty"),
        ({"columns": ["LOGID", 7]}, "non-empty"),
        ({"columns": ["LOGID", "NAME"]}, "STATE"),
        ({"columns": ["NAME", "STATE"]}, "LOGID"),
        ({"columns": ["LOGID", "STATE", "name", "NAME"]}, "repeat"),
        ({"state_map": {"AVAIL": "ready"}}, "neutral"),
        ({"state_map": {"": "available"}}, "empty"),
        ({"state_map": {"Avail": "available", "AVAIL": "other"}}, "two states"),
        ({"state_map": ["AVAIL"]}, "state_map"),
    ],
)
def test_it_explains_bad_agent_tv_options(options: dict[str, Any], complaint: str) -> None:
    problems = validate_options("agent_tv", options)
    assert problems and any(complaint in p or complaint in p.lower() for p in problems), problems
    with pytest.raises(ValueError):
        make_decoder("agent_tv", options)


@pytest.mark.parametrize("layout", ["tvi1", "cvdn"])
def test_queue_layouts_take_no_options(layout: str) -> None:
    assert validate_options(layout, {"columns": ["LOGID"]}) != []
    with pytest.raises(ValueError):
        make_decoder(layout, {"x": 1})


def test_an_unknown_layout_is_explained_not_crashed_on() -> None:
    assert "unknown layout" in validate_options("hagent", {})[0]
    with pytest.raises(ValueError):
        default_options("hagent")
    with pytest.raises(ValueError):
        make_decoder("hagent", {})


def test_options_that_are_not_an_object_are_explained() -> None:
    assert validate_options("agent_tv", ["LOGID"]) != []  # type: ignore[arg-type]
