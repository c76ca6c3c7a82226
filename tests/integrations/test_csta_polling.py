"""Where the AES sends no agent-state events, flush() polls GetAgentState per station every
poll_seconds, and a change in (state, reason) becomes the agent's row."""

from __future__ import annotations

from integrations.csta.decoder import DmccDecoder
from tests.fixtures.csta.wire import AVAYA, ED3, frame, requests, up


def polled(agent: str, state: str, reason: str = "0") -> str:
    return (
        f'<GetAgentStateResponse xmlns="{ED3}"><agentStateList><agentStateEntry>'
        f"<agentID>{agent}</agentID><loggedOnState>true</loggedOnState><agentInfo>"
        f"<agentInfoItem><agentState>{state}</agentState></agentInfoItem></agentInfo>"
        "</agentStateEntry></agentStateList><extensions><privateData><private>"
        f'<GetAgentStateResponsePrivateData xmlns="{AVAYA}"><workMode>auxWork</workMode>'
        f"<talkState>idle</talkState><reasonCode>{reason}</reasonCode>"
        "</GetAgentStateResponsePrivateData></private></privateData></extensions>"
        "</GetAgentStateResponse>"
    )


def polls(decoder: DmccDecoder, now: float) -> dict[str, int]:
    decoder.flush(now)
    return {m.get("device"): i for i, m in requests(decoder) if m.name == "GetAgentState"}


def test_flush_polls_every_station_every_poll_seconds() -> None:
    decoder = up({"agent_states": "poll", "poll_seconds": 5})
    assert decoder.facts["agent states"] == "polled every 5 s"
    assert set(polls(decoder, 10.0)) == {"5001:CM1::0", "5002:CM1::0"}
    assert polls(decoder, 12.0) == {}  # pending answers are not asked again, nor early
    assert polls(decoder, 14.9) == {}


def test_a_polled_change_of_state_or_reason_is_a_row_and_no_change_an_empty_batch() -> None:
    decoder = up({"agent_states": "poll"})
    asked = polls(decoder, 10.0)
    batches = decoder.feed(frame(polled("3101", "agentNotReady", "7"), asked["5001:CM1::0"]))
    [row] = [a for b in batches for a in b.agents]
    assert (row.agent_id, row.state, row.reason_code, row.vendor_state) == (
        "3101",
        "not_ready",
        "7",
        "agentNotReady",
    )
    assert row.state_seconds is None  # a poll cannot tell when within the interval it changed
    asked = polls(decoder, 20.0)
    batches = decoder.feed(frame(polled("3101", "agentNotReady", "7"), asked["5001:CM1::0"]))
    assert [(b.agents, b.records) for b in batches] == [([], 1)]
    asked = polls(decoder, 30.0)
    batches = decoder.feed(frame(polled("3101", "agentNotReady", "2"), asked["5001:CM1::0"]))
    assert [a.reason_code for b in batches for a in b.agents] == ["2"]


def test_a_station_with_nobody_logged_on_logs_its_agent_out() -> None:
    decoder = up({"agent_states": "poll"})
    asked = polls(decoder, 10.0)
    nobody = (
        f'<GetAgentStateResponse xmlns="{ED3}"><agentStateList><agentStateEntry>'
        "<loggedOnState>false</loggedOnState></agentStateEntry></agentStateList>"
        "</GetAgentStateResponse>"
    )
    batches = decoder.feed(frame(nobody, asked["5001:CM1::0"]))
    assert [(a.agent_id, a.state) for b in batches for a in b.agents] == [("3101", "logged_out")]


def test_events_mode_never_polls_after_the_first_reading() -> None:
    decoder = up({"agent_states": "events"})
    assert decoder.facts["agent states"] == "from events (none seen yet)"
    assert polls(decoder, 10.0) == {} and polls(decoder, 100.0) == {}
