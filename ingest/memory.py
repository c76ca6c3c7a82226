"""When Python's cyclic garbage collector runs, in a process that ingests feeds.

A batch allocates tens of thousands of short-lived objects, and the rows kept between batches
make a large heap: left to its thresholds, the collector scans that heap in the middle of a
batch, on its way to the displays. Here it runs mostly in the quiet after a batch.
"""

from __future__ import annotations

import gc
import time

# Full collections (tens of milliseconds over a heap of 30,000 agents) run in the quiet after a
# batch (collect_when_idle), at most this often, rather than whenever the allocator says.
FULL_COLLECTION_SECONDS = 300.0
_last_full = 0.0


def tune_gc() -> None:
    """Each batch allocates tens of thousands of short-lived rows; the default collector
    thresholds spend more time scanning them than parsing. Freeze what start-up built (it lives
    for the process), collect the young generation less often, and leave the old one to
    collect_when_idle."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1_000_000)


def collect_when_idle() -> None:
    """After a batch has gone out: collect now what would otherwise be collected while the
    next batch is on its way to the displays (and, now and then, everything)."""
    global _last_full
    now = time.monotonic()
    if now - _last_full > FULL_COLLECTION_SECONDS:
        _last_full = now
        gc.collect()
    else:
        gc.collect(1)
