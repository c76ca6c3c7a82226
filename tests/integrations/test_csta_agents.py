"""Agent states from CSTA agent events and from the agent's station's calls (note §8-§9)."""

from __future__ import annotations

from integrations.base import AgentRow
from integrations.csta.decoder import DmccDecoder
from tests.fixtures.csta.wire import dev, event, private, up
from tests.integrations.test_csta_calls import cleared, delivered, established


def agent_event(name: str, agent: str = "3101", station: str = "5001", extra: str = "") -> bytes:
    return event(
        name, dev("agentDevice", station) + f"<agentID>{agent}</agentID>" + extra, "m" + station
    )


def rows(decoder: DmccDecoder, *frames: bytes) -> list[AgentRow]:
    return [a for b in decoder.feed(b"".join(frames)) for a in b.agents]


def test_each_agent_event_is_its_neutral_state_at_that_moment() -> None:
    decoder = up({"agent_states": "events"})
    got = rows(
        decoder,
        agent_event("AgentLoggedOnEvent", "3102", "5002"),
        agent_event(
            "AgentNotReadyEvent",
            "3102",
            "5002",
            private("AgentNotReadyEventPrivateData", "<reasonCode>4</reasonCode>"),
        ),
        agent_event("AgentReadyEvent", "3102", "5002"),
        agent_event("AgentWorkingAfterCallEvent", "3102", "5002"),
        agent_event("AgentLoggedOffEvent", "3102", "5002"),
    )
    assert [
        (r.state, r.vendor_state, r.reason_code, r.extension, r.state_seconds) for r in got
    ] == [
        ("available", "loggedOn", "", "5002", 0),
        ("not_ready", "notReady", "4", "5002", 0),
        ("available", "ready", "", "5002", 0),
        ("wrap_up", "workingAfterCall", "", "5002", 0),
        ("logged_out", "loggedOff", "", "5002", 0),
    ]
    assert {r.agent_id for r in got} == {"3102"}


def test_an_agent_rings_and_is_on_call_from_the_calls_at_its_station() -> None:
    decoder = up()
    assert [(r.agent_id, r.state) for r in rows(decoder, delivered())] == [("3101", "ringing")]
    assert [(r.state, r.vendor_state) for r in rows(decoder, established())] == [
        ("on_call", "connected")
    ]
    assert [r.state for r in rows(decoder, cleared("0612345678"))] == ["available"]


def test_the_same_state_again_is_not_handed_on_twice() -> None:
    decoder = up()
    assert rows(decoder, agent_event("AgentReadyEvent")) == []  # the first poll said ready
    assert [r.state for r in rows(decoder, agent_event("AgentWorkingAfterCallEvent"))] == [
        "wrap_up"
    ]


def test_a_login_at_a_station_taken_by_another_agent_logs_that_agent_out() -> None:
    decoder = up()
    got = rows(decoder, agent_event("AgentLoggedOnEvent", "3199", "5001"))
    assert [(r.agent_id, r.state) for r in got] == [("3101", "logged_out"), ("3199", "available")]


def test_the_first_agent_event_stops_polling_in_auto_mode_and_the_facts_say_so() -> None:
    decoder = up()
    assert decoder.facts["agent states"] == "polled every 5 s"
    rows(decoder, agent_event("AgentReadyEvent"))
    assert decoder.facts["agent states"] == "from events"
