"""The Mitel integration's registry face: vendor info, options, decoder factory."""

from __future__ import annotations

import pytest

from integrations import integration
from integrations.mitel import VENDOR, default_options, make_decoder, validate_options
from integrations.mitel.decoder import RteDecoder


def test_it_is_registered_under_its_key() -> None:
    assert integration("mitel").VENDOR is VENDOR


def test_the_wallboard_connects_to_the_pbx_on_15373() -> None:
    assert (VENDOR.key, VENDOR.transport, VENDOR.default_port) == ("mitel", "connect", 15373)
    assert VENDOR.layouts == ("rte",)
    assert (VENDOR.missing_batches_before_gone, VENDOR.default_refresh_seconds) == (1, 15)


def test_the_default_options_are_valid() -> None:
    assert validate_options("rte", default_options("rte")) == []


def test_it_rejects_unknown_options_and_layouts() -> None:
    assert validate_options("rte", {"width": 2}) == ["Unknown option 'width'."]
    assert len(validate_options("cdr", {})) == 1
    assert validate_options("rte", []) == ["Options must be a JSON object."]  # type: ignore[arg-type]


def test_it_makes_a_fresh_decoder_per_connection() -> None:
    first, second = make_decoder("rte", {}), make_decoder("rte", {})
    assert isinstance(first, RteDecoder)
    assert first is not second


def test_it_will_not_make_a_decoder_from_bad_options() -> None:
    with pytest.raises(ValueError, match="width"):
        make_decoder("rte", {"width": 2})
