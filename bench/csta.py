"""Speed check run by hand: `./dev benchmark csta [--events N]` or `python -m bench.csta
[events] [read_size]`. Not a test: timings depend on the machine. The target is 50,000 CSTA
events/s through framing, safe XML parsing and the mapping to agent rows and call steps, on
one core (the call ledger behind it is measured apart).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from integrations.csta import make_decoder
from integrations.csta.decoder import DmccDecoder
from integrations.csta.framing import FrameReader
from integrations.csta.options import expand
from integrations.csta.simulator import AesSimulator

STATIONS = "5000-5499"
SPLITS = "301-310"
VDNS = "7001-7010"


def switch(seed: int = 1) -> AesSimulator:
    """500 agents on 10 skills behind 10 VDNs, 20 calls arriving per burst."""
    return AesSimulator(
        stations=expand(STATIONS),
        splits=expand(SPLITS),
        vdns=expand(VDNS),
        rate=20,
        activity=0.5,
        seed=seed,
        clock=lambda: 1_700_000_000.0,
    )


def up(simulator: AesSimulator) -> DmccDecoder:
    """A decoder whose session and monitors (every station, split and VDN) are up on the
    simulator, in-process."""
    decoder = make_decoder(
        "events",
        {
            "switch_name": "CM1",
            "username": "wallboard",
            "password": "secret",
            "stations": STATIONS,
            "splits": SPLITS,
            "vdns": VDNS,
            "agent_states": "events",
        },
    )
    decoder.connected()
    while decoder.outbox:
        request, decoder.outbox = b"".join(decoder.outbox), []
        decoder.feed(simulator.exchange(request))
    if decoder.state != "up":
        raise AssertionError(decoder.facts)
    return decoder


def copies(stream: bytes) -> int:
    """Event frames that repeat the one before for another monitor (read, not parsed)."""
    last, count = b"", 0
    for frame in FrameReader().feed(stream):
        body = frame.body
        start = body.find(b"<monitorCrossRefID>")
        key = body[:start] + body[body.find(b"</monitorCrossRefID>") :]
        count += key == last
        last = key
    return count


def bench(events: int = 100_000, read_size: int = 65_536, repeat: int = 3) -> dict[str, float]:
    """Events per second (best of `repeat`), and what the stream held."""
    best: dict[str, float] = {"events_per_second": 0.0}
    for _ in range(repeat):
        simulator = switch()
        decoder = up(simulator)
        stream = simulator.event_stream(events)
        records = steps = 0
        started = time.process_time()
        for offset in range(0, len(stream), read_size):
            for batch in decoder.feed(stream[offset : offset + read_size]):
                records += batch.records
                steps += len(batch.calls)
        elapsed = time.process_time() - started
        if decoder.errors:
            raise AssertionError(decoder.errors[:3])
        if records / elapsed > best["events_per_second"]:
            repeated = copies(stream)
            best = {
                "events_per_second": records / elapsed,
                "events": records,
                "parsed_per_second": (records - repeated) / elapsed,
                "copies": repeated,
                "steps": steps,
            }
    return best


def figures(events: int, out: Callable[[str], None] = print) -> None:
    found = bench(events)
    out(
        f"CSTA XML (AES DMCC): {found['events']:,.0f} events read by a client monitoring "
        "every station, split and VDN; framing + safe XML parsing + mapping, one core:"
    )
    out(f"  {found['events_per_second']:,.0f} events/s (target 50,000)")
    out(
        f"  of which {found['copies']:,.0f} were the same switch event for another monitor "
        f"(read, not parsed again); the others parse at {found['parsed_per_second']:,.0f}/s; "
        f"{found['steps']:,.0f} call steps"
    )


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 65_536
    print(f"{bench(n, size, repeat=3)['events_per_second']:,.0f} events/s ({size:,}-byte reads)")
