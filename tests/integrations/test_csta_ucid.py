"""The UCID in its 20-digit CTI form (note §11), whatever form the link sends it in."""

from __future__ import annotations

from integrations.csta.records import ucid


def test_the_20_digit_form_is_kept_as_sent() -> None:
    assert ucid("00001001791428242051") == "00001001791428242051"


def test_the_8_byte_binary_form_in_hex_is_node_sequence_and_seconds() -> None:
    assert ucid("0019001038F725B3") == "00025000160955721139"
    assert ucid("0019001038f725b3") == "00025000160955721139"


def test_the_sip_uui_form_drops_its_tag_and_length() -> None:
    assert ucid("FA080019001038F725B3") == "00025000160955721139"


def test_anything_else_is_kept_as_sent_and_bounded() -> None:
    assert ucid("not-a-ucid") == "not-a-ucid"
    assert ucid("Z" * 16) == "Z" * 16
    assert len(ucid("9" * 500)) == 64
