"""Supervisor actions: an AgentCommand becomes SetAgentState for the agent's station, with its
own invoke ID; the AES's answer (or refusal, with its error value) becomes a CommandResult."""

from __future__ import annotations

from integrations.base import AgentCommand, CommandResult
from integrations.csta import VENDOR, make_decoder
from tests.fixtures.csta.wire import ED3, OPTIONS, frame, requests, up


def test_the_vendor_offers_the_three_actions_and_keeps_the_password_secret() -> None:
    assert VENDOR.agent_actions == ("log_out", "not_ready", "ready")
    assert VENDOR.secret_options == ("password",)


def test_not_ready_with_a_reason_is_set_agent_state_with_avaya_private_data() -> None:
    decoder = up()
    decoder.command(AgentCommand("r1", "3101", "not_ready", reason_code="7"))
    [(invoke_id, request)] = requests(decoder)
    assert request.name == "SetAgentState"
    assert request.get("device") == "5001:CM1::0"
    assert request.get("requestedAgentState") == "notReady"
    assert request.get("SetAgentStatePrivateData/reasonCode") == "7"
    decoder.feed(frame(f'<SetAgentStateResponse xmlns="{ED3}"/>', invoke_id))
    assert decoder.results == [CommandResult("r1", True, "")]


def test_log_out_names_the_agent_and_ready_only_the_state() -> None:
    decoder = up()
    decoder.command(AgentCommand("r1", "3101", "log_out"))
    decoder.command(AgentCommand("r2", "3101", "ready"))
    [(first, out), (second, ready)] = requests(decoder)
    assert first != second
    assert (out.get("requestedAgentState"), out.get("agentID")) == ("loggedOff", "3101")
    assert (ready.get("requestedAgentState"), ready.get("agentID")) == ("ready", "")


def test_a_refusal_is_a_failed_result_with_the_error_value() -> None:
    decoder = up()
    decoder.command(AgentCommand("r9", "3101", "ready"))
    [(invoke_id, _)] = requests(decoder)
    refusal = (
        f'<CSTAErrorCode xmlns="{ED3}"><operation>invalidAgentState</operation></CSTAErrorCode>'
    )
    decoder.feed(frame(refusal, invoke_id))
    assert decoder.results == [CommandResult("r9", False, "invalidAgentState")]


def test_the_commands_extension_is_used_and_its_device_id_asked_first_if_unknown() -> None:
    decoder = up()
    decoder.command(AgentCommand("r1", "3999", "ready", extension="5077"))
    [(invoke_id, ask)] = requests(decoder)
    assert (ask.name, ask.get("extension")) == ("GetDeviceId", "5077")
    decoder.feed(
        frame(
            '<GetDeviceIdResponse xmlns="x"><device>5077:CM1::0</device></GetDeviceIdResponse>',
            invoke_id,
        )
    )
    [(_, request)] = requests(decoder)
    assert (request.name, request.get("device")) == ("SetAgentState", "5077:CM1::0")


def test_before_the_session_is_up_the_answer_is_link_not_ready() -> None:
    decoder = make_decoder("events", OPTIONS)
    decoder.connected()
    requests(decoder)
    decoder.command(AgentCommand("r1", "3101", "ready"))
    assert decoder.results == [CommandResult("r1", False, "link not ready")]
    assert decoder.outbox == []


def test_an_agent_with_no_known_station_cannot_be_acted_on() -> None:
    decoder = up()
    decoder.command(AgentCommand("r1", "4444", "ready"))
    assert decoder.results == [CommandResult("r1", False, "no station known for the agent")]


def test_an_unanswered_command_fails_after_its_deadline() -> None:
    import time

    decoder = up()
    decoder.command(AgentCommand("r1", "3101", "ready"))
    requests(decoder)
    decoder.flush(time.monotonic() + 11)
    assert decoder.results == [CommandResult("r1", False, "no answer in 10 s")]


def test_a_command_in_flight_when_the_link_drops_fails_on_the_next_link() -> None:
    decoder = up()
    decoder.command(AgentCommand("r1", "3101", "ready"))
    requests(decoder)
    after = make_decoder("events", OPTIONS)
    after.resume(decoder)
    assert after.results == [CommandResult("r1", False, "link lost before the answer")]
