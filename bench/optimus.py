"""A speed check to run by hand: `python -m bench.optimus [agents]`."""

from __future__ import annotations

import sys
import time

from integrations.optimus.decoder import ToolbarDecoder
from integrations.optimus.simulator import ToolbarFeed


def bench(n: int = 30_000, queues: int = 3_000, rounds: int = 5) -> float:
    """Records per second decoding one snapshot of n agents and `queues` queues (best round)."""
    feed = ToolbarFeed(queues=queues, agents=n, seed=1)
    chunk = feed.next_chunk()
    best = float("inf")
    for _ in range(rounds):
        decoder = ToolbarDecoder()
        start = time.perf_counter()
        decoder.feed(chunk)
        (batch,) = decoder.flush(float("inf"))
        best = min(best, time.perf_counter() - start)
    assert batch.records == n + queues and not decoder.errors
    return (n + queues) / best


if __name__ == "__main__":
    agents = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    started = time.perf_counter()
    ToolbarFeed(queues=3_000, agents=agents, seed=1).next_chunk()
    print(f"simulator: one snapshot in {time.perf_counter() - started:.3f} s")
    print(f"decoder: {bench(agents):,.0f} records/s")
