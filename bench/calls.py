"""Speed check run by hand (not a test): `./dev benchmark calls [--events N]` or
`python -m bench.calls [events]`.

The issue's figure: CSTA events through framing, safe XML parsing, the mapping to call steps
and the call ledger, on one core. The byte stream is the simulated AES's (bench/csta.py: 500
agents at their stations on 10 skills behind 10 VDNs, a client monitoring every station, split
and VDN, so one switch event reaches it once per monitor it concerns, as on a real AES), read in
64 KiB reads as ingest reads a socket; each batch goes to the ledger as the source worker hands
it on, with its queues' waiting figures worked out (ingest/calls.py, booking into the interval
accounting; no database). Target: 50,000 events/s or more.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from ingest.calls import CallLedger
from ingest.intervals import IntervalAccounting

from .csta import switch, up

READ = 65_536


def bench(events: int = 100_000, repeat: int = 3) -> dict[str, float]:
    """Events per second through framing + parse + ledger (best of `repeat`: other processes
    only ever slow a run down), and what the run held."""
    best: dict[str, float] = {"events_per_second": 0.0}
    for _ in range(repeat):
        simulator = switch()
        decoder = up(simulator)
        stream = simulator.event_stream(events)
        now = time.time()
        intervals = IntervalAccounting(now)
        target: Callable[[tuple[str, str]], float] = lambda queue: 20.0  # noqa: E731
        ledger = CallLedger(intervals.book_calls, target)
        records = steps = changed = 0
        started = time.process_time()
        for offset in range(0, len(stream), READ):
            for batch in decoder.feed(stream[offset : offset + READ]):
                records += batch.records
                steps += len(batch.calls)
                ledger.apply(batch.calls)
                ledger.waiting(now)
                changed += len(ledger.take_dirty())
        elapsed = time.process_time() - started
        if decoder.errors:
            raise AssertionError(decoder.errors[:3])
        if records / elapsed > best["events_per_second"]:
            best = {
                "events_per_second": records / elapsed,
                "events": records,
                "steps": steps,
                "changed": changed,
                "open": len(ledger.open),
                "megabytes": len(stream) / 1e6,
            }
    return best


def figures(events: int, out: Callable[[str], None] = print) -> dict[str, Any]:
    found = bench(events)
    out(
        f"CSTA call events (simulated AES, 500 agents, every station, split and VDN "
        f"monitored): {found['events']:,.0f} events, {found['megabytes']:.1f} MB, "
        f"{found['steps']:,.0f} call steps"
    )
    out(
        f"  framing + safe XML parse + mapping + call ledger, one core: "
        f"{found['events_per_second']:,.0f} events/s (target 50,000); "
        f"{found['open']:,.0f} calls still open at the end"
    )
    return found


if __name__ == "__main__":
    figures(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
