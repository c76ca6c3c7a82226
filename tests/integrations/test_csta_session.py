"""The DMCC session's life cycle on the wire: StartApplicationSession with the AES user, a
device ID and a monitor per station, split and VDN, the agents read once, keep-alives from
flush(); a refused session or monitor is said in the facts, and no batch claims a live feed
before the monitors are up."""

from __future__ import annotations

from integrations.csta import make_decoder
from integrations.csta.decoder import KEEPALIVE_SECONDS
from integrations.csta.messages import Message
from tests.fixtures.csta.wire import APPL, OPTIONS, answer, exchange, frame, requests, up


def test_the_session_starts_with_the_aes_user_then_monitors_every_device() -> None:
    decoder = make_decoder("events", OPTIONS)
    decoder.connected()
    [(invoke_id, start)] = requests(decoder)
    assert start.name == "StartApplicationSession" and 0 <= invoke_id <= 9998
    assert (start.get("userName"), start.get("password")) == ("wallboard", "s3cret-Pa55")
    assert start.get("protocolVersion").endswith("/csta/ed3/priv7")
    assert decoder.feed(frame(answer(start) or "", invoke_id)) == []  # not live yet
    names, batches = exchange(decoder)
    assert names[:4] == [
        "GetDeviceId",
        "GetDeviceId",
        "GetThirdPartyDeviceId",
        "GetThirdPartyDeviceId",
    ]
    assert names.count("MonitorStart") == 4 and names.count("GetAgentState") == 2
    assert decoder.state == "up"
    assert decoder.facts["session"] == "up (protocol priv7)"
    assert decoder.facts["monitors"] == "4 of 4 started"
    assert batches and batches[0].records >= 1  # up: a sign of life


def test_stations_are_device_monitors_and_vdns_and_splits_call_monitors() -> None:
    decoder = make_decoder("events", OPTIONS)
    decoder.connected()
    kinds: dict[str, str] = {}

    def respond(message: Message) -> str | None:
        if message.name == "MonitorStart":
            kinds[message.get("deviceObject")] = message.get("monitorType")
            assert message.get("invertFilter") == "true" and message.get("agentLoggedOn") == "true"
        return answer(message)

    exchange(decoder, respond)
    assert kinds == {
        "5001:CM1::0": "device",
        "5002:CM1::0": "device",
        "301:CM1::0": "call",
        "7000:CM1::0": "call",
    }


def test_keep_alives_go_out_from_flush_and_their_answers_are_signs_of_life() -> None:
    decoder = up()
    assert decoder.flush(100.0) == []
    [(invoke_id, keepalive)] = [r for r in requests(decoder) if r[1].name != "GetAgentState"]
    assert keepalive.name == "ResetApplicationSessionTimer"
    assert keepalive.get("sessionID") == "S-1"
    batches = decoder.feed(
        frame(f'<ResetApplicationSessionTimerPosResponse xmlns="{APPL}"/>', invoke_id)
    )
    assert [(b.records, b.agents, b.calls) for b in batches] == [(1, [], [])]
    decoder.flush(100.0 + KEEPALIVE_SECONDS / 2)
    assert not [r for r in requests(decoder) if r[1].name == "ResetApplicationSessionTimer"]
    decoder.flush(100.0 + KEEPALIVE_SECONDS)
    assert [r for r in requests(decoder) if r[1].name == "ResetApplicationSessionTimer"]


def test_a_wrong_password_is_said_in_the_facts_without_the_password() -> None:
    decoder = make_decoder("events", {**OPTIONS, "password": "wrong-Secret-9"})
    decoder.connected()
    [(invoke_id, _)] = requests(decoder)
    refused = (
        f'<StartApplicationSessionNegResponse xmlns="{APPL}"><errorCode>'
        "<definedError>invalidApplicationInfo</definedError></errorCode>"
        "</StartApplicationSessionNegResponse>"
    )
    assert decoder.feed(frame(refused, invoke_id)) == []
    assert decoder.state == "refused"
    assert decoder.facts["session"] == "refused: invalidApplicationInfo"
    assert [e.reason for e in decoder.errors] == ["the AES refused the session"]
    said = repr(decoder) + repr(decoder.settings) + repr(decoder.facts) + repr(decoder.errors)
    assert "wrong-Secret-9" not in said and "s3cret" not in said


def test_a_refused_monitor_is_counted_in_the_facts_and_the_rest_go_up() -> None:
    def respond(message: Message) -> str | None:
        if message.name == "GetThirdPartyDeviceId" and message.get("extension") == "7000":
            return '<CSTAErrorCode xmlns="x"><operation>invalidDeviceID</operation></CSTAErrorCode>'
        return answer(message)

    decoder = up(respond=respond)
    assert decoder.facts["monitors"] == "3 of 4 started; 1 refused (first: 7000: invalidDeviceID)"


def test_a_monitor_the_server_stops_is_answered_and_started_again() -> None:
    decoder = up()
    decoder.feed(
        frame(
            '<MonitorStop xmlns="x"><monitorCrossRefID>m5001</monitorCrossRefID></MonitorStop>', 77
        )
    )
    sent = requests(decoder)
    assert (sent[0][0], sent[0][1].name) == (77, "MonitorStopResponse")
    assert [m.get("deviceObject") for _, m in sent if m.name == "MonitorStart"] == ["5001:CM1::0"]


def test_requests_wait_in_a_window_so_thousands_of_devices_do_not_flood_the_aes() -> None:
    decoder = make_decoder("events", {**OPTIONS, "stations": "1000-1999", "agents": ""})
    decoder.connected()
    [(invoke_id, start)] = requests(decoder)
    decoder.feed(frame(answer(start) or "", invoke_id))
    assert len(requests(decoder)) == 64


def test_a_session_the_aes_ends_is_started_again_with_its_monitors() -> None:
    decoder = up()
    ended = (
        f'<ApplicationSessionTerminated xmlns="{APPL}"><sessionID>S-1</sessionID>'
        "<applicationSessionTerminatedReason>sessionTimerExpired"
        "</applicationSessionTerminatedReason></ApplicationSessionTerminated>"
    )
    decoder.feed(frame(ended, 9999))
    assert decoder.state == "starting"
    assert [e.reason for e in decoder.errors] == ["the AES ended the session"]
    names, _ = exchange(decoder)
    assert names[0] == "StartApplicationSession" and names.count("MonitorStart") == 4
    assert decoder.state == "up" and decoder.facts["monitors"] == "4 of 4 started"
