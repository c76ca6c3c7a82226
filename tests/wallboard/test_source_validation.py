"""Source.full_clean(): what a supervisor gets told when a source is configured wrongly."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from wallboard.models import Source

pytestmark = pytest.mark.django_db


def problems(**fields: Any) -> dict[str, list[str]]:
    """The validation messages per field of an unsaved source ({} when it is valid)."""
    fields.setdefault("name", "src")
    fields.setdefault("vendor", "avaya_cms")
    source = Source(**fields)
    try:
        source.full_clean()
    except ValidationError as exc:
        return exc.message_dict
    return {}


def saved(**fields: Any) -> Source:
    fields.setdefault("vendor", "avaya_cms")
    source = Source(**fields)
    source.full_clean()
    source.save()
    return source


def test_a_well_formed_listening_avaya_source_is_valid() -> None:
    assert problems(listen="0.0.0.0:7001", queue_range="1-99, 200-299, 310") == {}


@pytest.mark.parametrize("field", ["queue_range", "agent_range"])
def test_a_malformed_range_names_the_problem_and_shows_an_example(field: str) -> None:
    messages = problems(listen="0.0.0.0:7001", **{field: "1-99, 300-200"})
    assert list(messages) == [field]
    text = " ".join(messages[field])
    assert "Not a valid ID range" in text
    assert "'300-200'" in text
    assert "backwards" in text
    assert "Example: 1-99" in text


@pytest.mark.parametrize("field", ["queue_range", "agent_range"])
@pytest.mark.parametrize(
    ("text", "bad"), [("all", "'all'"), ("1-9, abc", "'abc'"), ("1..5", "'1..5'")]
)
def test_a_word_in_a_range_is_refused_naming_it(field: str, text: str, bad: str) -> None:
    messages = problems(listen="0.0.0.0:7001", **{field: text})
    assert list(messages) == [field]
    assert bad in " ".join(messages[field])


def test_an_optimus_code_that_is_not_a_number_is_written_in_quotes() -> None:
    fields = {"vendor": "optimus", "connect": "10.0.0.8:5501"}
    assert problems(**fields, queue_range="'SALES', 'SUPPORT-2', 100-199") == {}
    assert problems(**fields, agent_range="'AG01'") == {}
    text = " ".join(problems(**fields, queue_range="SALES")["queue_range"])
    assert "'SALES'" in text and '"SALES"' in text  # the bare word, and how to write it


def test_a_range_with_junk_characters_names_the_junk() -> None:
    text = " ".join(problems(listen="0.0.0.0:7001", agent_range="5000-5999, 6000?")["agent_range"])
    assert "'6000?'" in text


def test_avaya_cms_must_listen_because_cms_connects_in() -> None:
    messages = problems(connect="10.0.0.7:7001")
    assert "Use listen" in " ".join(messages["connect"])
    assert "listen" not in messages


def test_mitel_must_connect_because_the_pbx_is_the_server() -> None:
    messages = problems(vendor="mitel", listen="0.0.0.0:15373")
    assert "Use connect" in " ".join(messages["listen"])
    assert problems(vendor="mitel", connect="10.0.0.7:15373") == {}


@pytest.mark.parametrize("address", [{"listen": "0.0.0.0:5501"}, {"connect": "10.0.0.8:5501"}])
def test_optimus_may_either_listen_or_connect(address: dict[str, str]) -> None:
    assert problems(vendor="optimus", **address) == {}


@pytest.mark.parametrize("vendor", ["avaya_cms", "mitel", "optimus"])
def test_a_source_with_both_listen_and_connect_is_refused(vendor: str) -> None:
    messages = problems(vendor=vendor, listen="0.0.0.0:7001", connect="10.0.0.7:7001")
    assert "not both" in " ".join(messages["connect"])


def test_an_avaya_source_with_no_address_asks_for_the_address_to_listen_on() -> None:
    messages = problems()
    assert "listen on" in " ".join(messages["listen"])


def test_a_mitel_source_with_no_address_asks_for_the_pbx_address_with_its_port() -> None:
    messages = problems(vendor="mitel")
    assert "15373" in " ".join(messages["connect"])


def test_an_optimus_source_with_no_address_is_refused() -> None:
    assert problems(vendor="optimus")


def test_a_malformed_connect_address_is_reported_on_its_field() -> None:
    messages = problems(vendor="mitel", connect="10.0.0.7")
    assert "host:port" in " ".join(messages["connect"])


@pytest.mark.parametrize("listen", ["7001x", "10.0.0.1", "10.0.0.1:99999", "::1:7001"])
def test_a_malformed_listen_address_is_reported_on_its_field(listen: str) -> None:
    saved(name="other", listen="0.0.0.0:7001")  # a clash check must not trip over it either
    messages = problems(listen=listen)
    assert list(messages) == ["listen"]
    assert f"'{listen}'" in " ".join(messages["listen"])


def test_malformed_allowed_peers_name_the_bad_entry() -> None:
    messages = problems(listen="0.0.0.0:7001", allowed_peers="10.0.0.5, 10.0.0.300")
    assert "'10.0.0.300'" in " ".join(messages["allowed_peers"])


def test_two_enabled_sources_cannot_listen_on_the_same_port() -> None:
    saved(name="cms-skills", listen="0.0.0.0:7001")
    messages = problems(name="cms-agents", listen="0.0.0.0:7001")
    text = " ".join(messages["listen"])
    assert "7001" in text
    assert "'cms-skills'" in text


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("0.0.0.0:7001", "10.0.0.1:7001"),
        ("10.0.0.1:7001", "0.0.0.0:7001"),
        ("10.0.0.1:7001", ":7001"),
        ("10.0.0.1:7001", "7001"),
        ("[::]:7001", "10.0.0.1:7001"),
        ("10.0.0.1:7001", "10.0.0.1:7001"),
    ],
)
def test_a_wildcard_or_the_same_host_on_the_same_port_is_a_clash(first: str, second: str) -> None:
    saved(name="first", listen=first)
    assert "'first'" in " ".join(problems(name="second", listen=second)["listen"])


def test_different_hosts_on_the_same_port_do_not_clash() -> None:
    saved(name="first", listen="10.0.0.1:7001")
    assert problems(name="second", listen="10.0.0.2:7001") == {}


def test_different_ports_do_not_clash() -> None:
    saved(name="first", listen="0.0.0.0:7001")
    assert problems(name="second", listen="0.0.0.0:7002") == {}


def test_a_disabled_source_does_not_hold_its_port() -> None:
    saved(name="first", listen="0.0.0.0:7001", enabled=False)
    assert problems(name="second", listen="0.0.0.0:7001") == {}


def test_a_disabled_source_may_share_a_port_with_an_enabled_one() -> None:
    saved(name="first", listen="0.0.0.0:7001")
    assert problems(name="second", listen="0.0.0.0:7001", enabled=False) == {}


def test_a_connecting_source_holds_no_listening_port() -> None:
    saved(name="pbx-1", vendor="optimus", connect="10.0.0.7:7001")
    assert problems(name="second", listen="0.0.0.0:7001") == {}


def test_a_saved_source_does_not_clash_with_itself() -> None:
    source = saved(name="first", listen="0.0.0.0:7001")
    source.queue_range = "1-5"
    source.full_clean()


def test_an_unknown_layout_lists_the_vendors_layouts() -> None:
    messages = problems(listen="0.0.0.0:7001", layout="tvi9")
    text = " ".join(messages["layout"])
    assert "tvi1" in text
    assert "agent_tv" in text
    assert "cvdn" in text
    assert "options" not in messages


def test_a_layout_of_another_vendor_is_refused() -> None:
    assert "layout" in problems(vendor="mitel", connect="10.0.0.7:15373", layout="tvi1")


def test_a_blank_layout_takes_the_vendors_default() -> None:
    source = Source(name="s", vendor="avaya_cms", listen="0.0.0.0:7001")
    assert source.effective_layout == "tvi1"
    assert Source(name="m", vendor="mitel").effective_layout == "rte"


def test_an_unknown_vendor_is_refused() -> None:
    assert "vendor" in problems(vendor="nortel", listen="0.0.0.0:7001")


def test_avaya_agent_columns_without_logid_are_refused() -> None:
    messages = problems(
        listen="0.0.0.0:7001",
        layout="agent_tv",
        options={"columns": ["NAME", "EXTN", "STATE"]},
    )
    assert "columns must include LOGID" in " ".join(messages["options"])


def test_an_avaya_state_map_to_a_state_that_is_not_neutral_is_refused() -> None:
    messages = problems(
        listen="0.0.0.0:7001", layout="agent_tv", options={"state_map": {"AUX": "on_break"}}
    )
    text = " ".join(messages["options"])
    assert "'AUX'" in text
    assert "'on_break'" in text
    assert "not a neutral state" in text


def test_a_valid_avaya_agent_option_set_is_accepted() -> None:
    options = {"columns": ["LOGID", "STATE", "NAME"], "state_map": {"LUNCH": "not_ready"}}
    assert problems(listen="0.0.0.0:7001", layout="agent_tv", options=options) == {}


def test_an_option_a_layout_does_not_take_is_refused_by_name() -> None:
    messages = problems(listen="0.0.0.0:7001", layout="tvi1", options={"columns": ["LOGID"]})
    assert "'columns'" in " ".join(messages["options"])


def test_an_unknown_mitel_option_is_refused_by_name() -> None:
    messages = problems(vendor="mitel", connect="10.0.0.7:15373", options={"speed": 2})
    assert "'speed'" in " ".join(messages["options"])


def test_an_out_of_range_optimus_batch_gap_is_refused() -> None:
    messages = problems(
        vendor="optimus", connect="10.0.0.7:5501", options={"batch_gap_seconds": 600}
    )
    assert "batch_gap_seconds" in " ".join(messages["options"])


def test_options_that_are_not_an_object_are_refused() -> None:
    messages = problems(listen="0.0.0.0:7001", options=["columns"])
    assert "JSON object" in " ".join(messages["options"])


def test_only_a_mitel_source_may_write_a_compat_file() -> None:
    messages = problems(listen="0.0.0.0:7001", compat_file="/tmp/acd.json")
    assert "Mitel" in " ".join(messages["compat_file"])
    assert problems(vendor="mitel", connect="10.0.0.7:15373", compat_file="/tmp/acd.json") == {}


def test_a_refresh_interval_below_one_second_is_refused() -> None:
    assert "refresh_seconds" in problems(listen="0.0.0.0:7001", refresh_seconds=0)


def test_a_source_name_must_be_a_slug() -> None:
    assert "name" in problems(name="cms skills!", listen="0.0.0.0:7001")


def _broken_source() -> Source:
    # objects.create skips clean(): what a hand-edited database or an old import might hold.
    return Source.objects.create(
        name="broken", vendor="avaya_cms", listen="0.0.0.0:7001", queue_range="9-1"
    )


def test_the_system_check_reports_a_broken_source_saved_without_validation() -> None:
    _broken_source()
    errors = [e for e in run_checks(tags=["wallboard"]) if e.id == "wallboard.E001"]
    assert len(errors) == 1
    assert "'broken'" in errors[0].msg
    assert "queue_range" in errors[0].msg
    assert "backwards" in errors[0].msg
    assert errors[0].hint


def test_manage_py_check_fails_on_a_broken_source() -> None:
    _broken_source()
    with pytest.raises(SystemCheckError, match=r"wallboard\.E001"):
        call_command("check")


def test_the_system_check_is_quiet_about_valid_and_disabled_sources() -> None:
    saved(name="good", listen="0.0.0.0:7001")
    Source.objects.create(
        name="parked", vendor="avaya_cms", listen="0.0.0.0:7002", queue_range="9-1", enabled=False
    )
    assert [e for e in run_checks(tags=["wallboard"]) if e.id == "wallboard.E001"] == []


def test_the_system_check_reports_a_saved_source_with_a_malformed_listen_address() -> None:
    Source.objects.create(name="typo", vendor="avaya_cms", listen="0.0.0.0:70o1")
    errors = [e for e in run_checks(tags=["wallboard"]) if e.id == "wallboard.E001"]
    assert any("'typo'" in e.msg and "listen" in e.msg for e in errors)
