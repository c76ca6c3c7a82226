"""When ingest does the work nobody is waiting for: one seam for every latency decision.

A batch on its way to the wall displays must not wait behind work that could run a little
later: writing rows, interval accounting, a decoder preparing its next run, the configuration
reload, or a scan by Python's cyclic garbage collector. Ingest asks one Pacing object (the
runner makes it and hands it to every source worker), so these rules read in one place and are
tested with a fake clock:

- **Busy.** Right after a batch its publish is under way (in one process, its displays' copies
  too); while bytes come in, a batch may be arriving (this feed's or another's: the reading
  window is shared); a report that comes every `refresh` seconds is due again at the end of
  that time. Other work then, tens of ms of it, would delay a batch on its way to the screens.
- **After a publish** a batch's write and interval accounting wait `persist_after` seconds, so
  the displays' updates go out first.
- **The reload** (sources, health, board edits) waits for a quiet moment, at most `quiet_wait`.
- **Garbage collection** (only once `take_over_gc()` ran, as runingest and the one-process
  server do; a test process keeps its own): what a batch leaves alive is frozen when the batch
  is done (the collector skips frozen objects), the little garbage made between batches is
  collected at quiet moments, and everything is looked at every `full_collection` seconds.
- **Memory.** After each batch's write the C allocator hands the pages freed since back to the
  system (glibc's `malloc_trim`, where there is one): a run's text, its rows and their
  database rows come and go every few seconds, in three threads, and without it the process
  keeps the high-water mark of every arena resident.
- **Priority.** The background database thread yields the processor (`lower_thread_priority`).

Nothing here runs at import: a process opts in by calling `take_over_gc()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import gc
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

BACKGROUND_NICE = 10  # the background database thread's nice value, over the process's own


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None (another C library, another system)."""
    if sys.platform != "linux":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_TRIM = _malloc_trim()


class Busy(Protocol):
    def busy(self) -> bool: ...


class Pacing:
    # A full collection (tens of milliseconds over a heap of 30,000 agents) runs at most this
    # often, right after a batch. Frozen garbage (a cycle among a batch's objects) waits for it.
    full_collection = 300.0
    # Young objects collected at quiet moments once there are this many...
    young_backlog = 5_000
    # ...but not this many: those are a batch's, frozen when it is done rather than scanned.
    batch_backlog = 50_000
    reading_window = 0.05  # a feed's bytes came this recently: a batch may be arriving
    persist_after = 0.2  # a batch's write waits this long after its publish
    due_margin = 0.3  # before a periodic report is due, no other work starts
    quiet_wait = 1.0  # the longest the reload waits for a quiet moment
    quiet_poll = 0.05

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.managing_gc = False
        self._reading_until = 0.0
        self._last_full = 0.0

    # -- the moments ---------------------------------------------------------------------
    def reading(self) -> None:
        """A feed's bytes just came: a batch may be arriving."""
        self._reading_until = self.clock() + self.reading_window

    def is_reading(self) -> bool:
        return self.clock() < self._reading_until

    def busy(self, last_batch: float, refresh_seconds: float, publishing: bool) -> bool:
        """Whether a source whose last batch came at `last_batch` (this clock) and whose
        report comes every `refresh_seconds` is in a moment other work must keep out of."""
        since = self.clock() - last_batch
        refresh = max(1.0, refresh_seconds)
        return (
            since < self.persist_after
            or refresh - self.due_margin < since < 2 * refresh
            or self.is_reading()
            or publishing
        )

    async def after_publish(self) -> None:
        """Let a batch's publish go out, and the displays' copies of it, before its write."""
        await self.sleep(self.persist_after)

    async def quiet_moment(self, workers: Iterable[Busy]) -> None:
        """Wait, `quiet_wait` at most, while any worker is busy (a feed that never pauses
        still has its edits picked up)."""
        listed = list(workers)
        deadline = self.clock() + self.quiet_wait
        while any(w.busy() for w in listed) and self.clock() < deadline:
            await self.sleep(self.quiet_poll)

    # -- garbage collection --------------------------------------------------------------
    def take_over_gc(self) -> None:
        """Freeze what start-up built (it lives for the process), and set the thresholds so
        high that the collector rarely starts by itself: idle(), called at quiet moments,
        keeps the young generations small, so a batch starts with nothing to collect."""
        gc.collect()
        gc.freeze()
        gc.set_threshold(200_000, 50, 1_000_000)
        self.managing_gc = True

    def after_batch(self) -> None:
        """A batch is out (the next is seconds away): freeze what it left alive, and now and
        then collect everything first."""
        if not self.managing_gc:
            return
        now = self.clock()
        if now - self._last_full > self.full_collection:
            self._last_full = now
            gc.unfreeze()
            gc.collect()
        gc.freeze()

    def release_memory(self) -> None:
        """After a batch's write: the pages the allocator holds free go back to the system
        (a few ms at most; only where ingest manages its memory, as take_over_gc() says)."""
        if self.managing_gc and _TRIM is not None:
            _TRIM(0)

    def idle(self) -> None:
        """A quiet moment: collect the young garbage, if there is enough to matter and not so
        much that it is a batch's (a few ms at most), and not while bytes arrive."""
        if not self.managing_gc:
            return
        if self.young_backlog < gc.get_count()[0] < self.batch_backlog and not self.is_reading():
            gc.collect(1)


def lower_thread_priority() -> None:
    """The calling thread yields the processor to the rest (Linux: a thread has a nice value
    of its own): the batch being published, and the web processes writing it to displays."""
    if sys.platform == "linux":
        thread = threading.get_native_id()
        with contextlib.suppress(OSError):
            nice = os.getpriority(os.PRIO_PROCESS, thread) + BACKGROUND_NICE
            os.setpriority(os.PRIO_PROCESS, thread, min(19, nice))
