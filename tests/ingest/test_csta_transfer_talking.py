"""After a consultative transfer on the AES the caller talks to the agent the call was
transferred to: the ledger has the call active at that agent (the agent's cell shows it), never
ringing there, so it is no waiting caller and no queue counts it waiting; nothing is counted
twice, and the caller's hang-up under the consulting call's ID ends it."""

from __future__ import annotations

from typing import Any

from ingest.calls import CallLedger
from integrations.csta import make_decoder
from integrations.csta.decoder import DmccDecoder
from integrations.csta.simulator import AesSimulator


def connected(sim: AesSimulator) -> DmccDecoder:
    decoder = make_decoder(
        "events",
        {
            "switch_name": "CM1",
            "username": "wallboard",
            "password": "secret",
            "agents": "3101-3102@5001-5002",
            "splits": "301",
            "vdns": "7001",
            "agent_states": "events",
        },
    )
    decoder.connected()
    while decoder.outbox:
        request, decoder.outbox = b"".join(decoder.outbox), []
        decoder.feed(sim.exchange(request))
    sim.tick()  # the agents log in
    return decoder


def test_a_transferred_call_talks_at_its_new_agent_and_waits_nowhere() -> None:
    sim = AesSimulator(
        stations=["5001", "5002"], splits=["301"], vdns=["7001"], rate=0, activity=0, seed=1
    )
    decoder = connected(sim)
    booked: list[dict[str, Any]] = []
    ledger = CallLedger(lambda queue, at, figures: booked.append(figures), lambda queue: 20.0)

    def read() -> None:
        for batch in decoder.feed(sim.exchange(b"")):
            ledger.apply(batch.calls)

    call = sim.offer("7001")
    sim.ring(call, "3101")
    sim.answer(call)
    read()
    first = call.call_id
    sim._transfer(call, sim._agent("3102"))  # hold, consult 3102, who answers, transfer
    read()

    [(key, open_call)] = ledger.open.items()
    assert key == first and (open_call.state, open_call.agent_id) == ("active", "3102")
    assert ledger.agent_call("3101") is None
    assert (ledger.agent_call("3102") or {}).get("id") == first
    assert all(waiting == (0, 0) for waiting in ledger.waiting(sim.clock()).values())
    assert sum(f.get("answered", 0) for f in booked) == 1

    sim.hang_up(call)  # under the consulting call's ID now
    read()
    assert not ledger.open
    assert sum(f.get("offered", 0) for f in booked) == 1
