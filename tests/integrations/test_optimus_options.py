import math

import pytest

from integrations import integration
from integrations.optimus import (
    VENDOR,
    default_options,
    make_decoder,
    validate_options,
)
from integrations.optimus.decoder import ToolbarDecoder


def test_the_registry_finds_the_optimus_integration() -> None:
    module = integration("optimus")
    assert module.VENDOR is VENDOR
    assert VENDOR.key == "optimus"
    assert VENDOR.transport == "either"
    assert VENDOR.layouts == ("toolbar",)
    assert VENDOR.missing_batches_before_gone == 3
    assert VENDOR.default_refresh_seconds == 5
    assert VENDOR.default_port == 5501


def test_the_default_options_are_valid_and_a_fresh_copy() -> None:
    options = default_options("toolbar")
    assert options == {"batch_gap_seconds": 1.0, "screen_pop": False}
    assert validate_options("toolbar", options) == []
    options["batch_gap_seconds"] = 9
    assert default_options("toolbar")["batch_gap_seconds"] == 1.0


def test_it_accepts_missing_options_and_whole_seconds() -> None:
    assert validate_options("toolbar", {}) == []
    assert validate_options("toolbar", {"batch_gap_seconds": 2}) == []


def test_it_names_an_unknown_option() -> None:
    (problem,) = validate_options("toolbar", {"batch_gap": 1.0})
    assert "batch_gap" in problem


def test_it_names_an_unknown_layout() -> None:
    (problem,) = validate_options("tvi1", {})
    assert "tvi1" in problem


@pytest.mark.parametrize("gap", [0, -1, 61, "1.0", True, None, math.nan, math.inf, [1]])
def test_it_rejects_a_batch_gap_that_is_not_a_sensible_number_of_seconds(gap: object) -> None:
    (problem,) = validate_options("toolbar", {"batch_gap_seconds": gap})
    assert "batch_gap_seconds" in problem


def test_it_rejects_options_that_are_not_an_object() -> None:
    assert validate_options("toolbar", [])  # type: ignore[arg-type]


def test_it_makes_a_decoder_with_the_configured_gap() -> None:
    decoder = make_decoder("toolbar", {"batch_gap_seconds": 2})
    assert isinstance(decoder, ToolbarDecoder)
    assert decoder.batch_gap_seconds == 2.0
    default = make_decoder("toolbar", {})
    assert isinstance(default, ToolbarDecoder)
    assert default.batch_gap_seconds == 1.0


def test_it_makes_a_fresh_decoder_for_each_connection() -> None:
    one = make_decoder("toolbar", {})
    one.feed(b"3|100|Myynti|12|0:45|3|")
    fresh = make_decoder("toolbar", {})
    assert isinstance(fresh, ToolbarDecoder)
    assert fresh._pending == b""


def test_it_refuses_to_make_a_decoder_from_bad_options() -> None:
    with pytest.raises(ValueError, match="batch_gap_seconds"):
        make_decoder("toolbar", {"batch_gap_seconds": "soon"})
