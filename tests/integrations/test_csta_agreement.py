"""After a busy hour on the simulated switch (logins, AUX, calls queued, answered, held,
transferred, abandoned, dropped), what the decoder says agrees with the switch: every agent's
state, and which calls are still open; with agent events, and polling without them."""

from __future__ import annotations

import pytest

from integrations.csta import make_decoder
from integrations.csta.decoder import DmccDecoder
from integrations.csta.simulator import AesSimulator

NEUTRAL = {
    "out": "logged_out",
    "ready": "available",
    "notReady": "not_ready",
    "acw": "wrap_up",
    "ringing": "ringing",
    "talking": "on_call",
    "held": "on_call",
}


def session(sim: AesSimulator) -> tuple[DmccDecoder, dict[str, str]]:
    decoder = make_decoder(
        "events",
        {
            "switch_name": "CM1",
            "username": "wallboard",
            "password": "secret",
            "stations": "5001-5020",
            "splits": "301,302",
            "vdns": "7001,7002",
        },
    )
    shown: dict[str, str] = {}
    decoder.connected()
    talk(decoder, sim, shown)
    return decoder, shown


def talk(decoder: DmccDecoder, sim: AesSimulator, shown: dict[str, str]) -> None:
    while decoder.outbox:
        request, decoder.outbox = b"".join(decoder.outbox), []
        for batch in decoder.feed(sim.exchange(request)):
            shown.update((a.agent_id, a.state) for a in batch.agents)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("agent_events", [True, False], ids=["events", "polled"])
def test_the_decoder_agrees_with_the_switch(seed: int, agent_events: bool) -> None:
    sim = AesSimulator(
        stations=[str(5001 + i) for i in range(20)],
        splits=["301", "302"],
        vdns=["7001", "7002"],
        rate=1,
        activity=0.5,
        seed=seed,
        agent_events=agent_events,
        clock=lambda: 1_700_000_000.0,
    )
    decoder, shown = session(sim)
    ended: set[str] = set()
    for batch in decoder.feed(sim.event_stream(3000)):
        shown.update((a.agent_id, a.state) for a in batch.agents)
        ended.update(c.ucid for c in batch.calls if c.step == "ended")
    if not agent_events:
        decoder.flush(1e9)  # a poll round: what no event said
        talk(decoder, sim, shown)
    assert not decoder.errors
    # An agent that logged out before the link first saw it has no row (nothing was known).
    expected = {a.agent_id: NEUTRAL[a.state] for a in sim.agents if a.agent_id in shown}
    assert {a: shown[a] for a in expected} == expected
    assert len(expected) >= 18
    assert {c.ucid for c in decoder.tracker.calls.values()} == {c.ucid for c in sim.calls.values()}
    assert len(ended) > 100 and not ended & {c.ucid for c in sim.calls.values()}
