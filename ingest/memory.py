"""When Python's cyclic garbage collector runs, in a process that ingests feeds.

A batch allocates tens of thousands of short-lived objects, and the rows kept between batches
make a large heap: left to its thresholds, the collector scans that heap in the middle of a
batch, on its way to the displays, and a scan of one batch's survivors (the new rows, the
decoder's predictions for the next run) takes tens of milliseconds, which in one process stalls
the web server too. So: what a batch leaves alive is frozen once the batch is done (the
collector skips frozen objects; freezing costs nothing), the little garbage made between
batches is collected at quiet moments, and everything is looked at now and then at a quiet
moment, unfrozen for that.
"""

from __future__ import annotations

import gc
import time

# A full collection (tens of milliseconds over a heap of 30,000 agents) runs at most this often,
# right after a batch. Frozen garbage (a cycle among a batch's objects) waits for it.
FULL_COLLECTION_SECONDS = 300.0
# Young objects collected at quiet moments once there are this many...
YOUNG_BACKLOG = 5_000
# ...but not this many: those are a batch's, frozen when it is done rather than scanned.
BATCH_BACKLOG = 50_000
_last_full = 0.0
_managed = False  # tune_gc() ran: this process (runingest, serve) leaves collection to us
# A feed's bytes are arriving until then (time.monotonic()): not a quiet moment.
_reading_until = 0.0
READING_SECONDS = 0.05


def tune_gc() -> None:
    """Freeze what start-up built (it lives for the process), and set the thresholds so high
    that the collector rarely starts by itself: collect_when_idle, called at quiet moments
    (after a batch is out, once a second), keeps the young generations small, so that a batch
    starts with nothing to collect and does not set a collection off."""
    global _managed
    gc.collect()
    gc.freeze()
    gc.set_threshold(200_000, 50, 1_000_000)
    _managed = True


def collect_when_idle(after_batch: bool = False) -> None:
    """A quiet moment. After a batch (the next is seconds away): freeze what it left alive,
    and now and then collect everything first. Else: collect the young garbage, if there is
    enough to matter and not so much that it is a batch's (a few ms at most)."""
    global _last_full
    if not _managed:  # a process that did not hand collection over (a test's) keeps its own
        return
    if after_batch:
        now = time.monotonic()
        if now - _last_full > FULL_COLLECTION_SECONDS:
            _last_full = now
            gc.unfreeze()
            gc.collect()
        gc.freeze()
    elif YOUNG_BACKLOG < gc.get_count()[0] < BATCH_BACKLOG and not is_reading():
        gc.collect(1)


def is_reading() -> bool:
    """Whether a feed's bytes came in the last READING_SECONDS (a batch may be arriving)."""
    return time.monotonic() < _reading_until


def reading() -> None:
    """A feed's bytes just came: a batch may be arriving, and a collection now would delay
    it on its way to the displays (the once-a-second one waits)."""
    global _reading_until
    _reading_until = time.monotonic() + READING_SECONDS
