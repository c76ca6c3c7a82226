"""When Python's cyclic garbage collector runs, in a process that ingests feeds.

A batch allocates tens of thousands of short-lived objects, and the rows kept between batches
make a large heap: left to its thresholds, the collector scans that heap in the middle of a
batch, on its way to the displays. Here it runs mostly in the quiet after a batch.
"""

from __future__ import annotations

import gc
import time

# Full collections (tens of milliseconds over a heap of 30,000 agents) run at most this often,
# at a quiet moment; young garbage is collected at quiet moments once there is this much of it.
FULL_COLLECTION_SECONDS = 300.0
YOUNG_BACKLOG = 5_000
_last_full = 0.0


def tune_gc() -> None:
    """Each batch allocates tens of thousands of short-lived rows, and the rows kept between
    batches make a large heap. Freeze what start-up built (it lives for the process), and set
    the thresholds so high that the collector rarely starts by itself: collect_when_idle,
    called at quiet moments (after a batch is out, once a second), keeps the young generations
    small, so that a batch starts with nothing to collect and does not set a collection off."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(200_000, 50, 1_000_000)


def collect_when_idle(after_batch: bool = False) -> None:
    """A quiet moment: collect the young garbage, if there is enough to matter (a few ms at
    most); right after a batch (the next is seconds away), now and then everything."""
    global _last_full
    now = time.monotonic()
    if after_batch and now - _last_full > FULL_COLLECTION_SECONDS:
        _last_full = now
        gc.collect()
    elif gc.get_count()[0] > YOUNG_BACKLOG:
        gc.collect(1)
