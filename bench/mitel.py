"""Speed check run by hand: `python -m bench.mitel [events] [read_size]`.

Not a test: timings depend on the machine. The target is 300,000 events/s through framing,
parsing and per-agent state on one core.
"""

from __future__ import annotations

import sys
import time

from integrations.mitel.decoder import RteDecoder
from integrations.mitel.simulator import RteProducer, reporting_numbers


def build_stream(events: int = 100_000, agents: int = 30_000, seed: int = 1) -> bytes:
    """A shift's logins, a K/Q round, then `events` agent event records, as the PBX sends them."""
    producer = RteProducer(
        groups=reporting_numbers("100-999"),
        paths=reporting_numbers("100-299"),
        agents=agents,
        seed=seed,
        clock=lambda: 1_700_000_000.0,
    )
    return producer.next_chunk() + producer.burst(events)


def bench(n: int = 100_000, read_size: int = 65_536, repeat: int = 5) -> float:
    """Records per second decoding `n` events fed in `read_size` reads; best of `repeat`."""
    data = build_stream(n)
    best = 0.0
    for _ in range(repeat):
        decoder = RteDecoder()
        records = 0
        started = time.process_time()
        for offset in range(0, len(data), read_size):
            for batch in decoder.feed(data[offset : offset + read_size]):
                records += batch.records
        elapsed = time.process_time() - started
        if decoder.errors:
            raise AssertionError(decoder.errors[:3])
        best = max(best, records / elapsed)
    return best


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 65_536
    started = time.process_time()
    stream = build_stream(n)
    print(f"built {len(stream):,} bytes in {time.process_time() - started:.2f} s")
    print(f"{bench(n, size):,.0f} records/s ({size:,}-byte reads)")
