"""Pacing: ingest's work that nobody waits for keeps out of a batch's way, on a fake clock.

The garbage-collection part runs in a child process: freezing would reach into the test
process's own objects."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest

from ingest.db import DbThread
from ingest.pacing import BACKGROUND_NICE, Pacing

SCRIPT = textwrap.dedent(
    """
    import gc, weakref
    from ingest.pacing import Pacing

    class Node:
        pass

    now = [1000.0]
    memory = Pacing(clock=lambda: now[0])
    memory.take_over_gc()
    stray = [[i] for i in range(10_000)]  # garbage between batches: collected when quiet...
    memory.reading()
    memory.idle()  # ...but not while a feed's bytes are arriving
    assert gc.get_count()[0] >= 10_000, gc.get_count()
    now[0] += memory.reading_window
    memory.idle()
    assert gc.get_count()[0] < 100, gc.get_count()
    frozen = gc.get_freeze_count()
    survivors = [[i] for i in range(100_000)]  # a batch's worth of young containers
    memory.idle()  # a tick meanwhile: too many to be stray garbage, left alone
    assert gc.get_count()[0] > memory.batch_backlog, gc.get_count()
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle, about to be garbage
    gone = weakref.ref(a)
    del a, b
    memory.after_batch()  # the first one: a full collection, then freeze
    assert gone() is None, "the cycle was not collected"
    assert gc.get_freeze_count() >= frozen + len(survivors), "the survivors were not frozen"
    assert gc.get_count()[0] < 100
    c, d = Node(), Node()
    c.other, d.other = d, c
    gone = weakref.ref(c)
    now[0] += 1
    memory.after_batch()  # frozen with the rest, not scanned...
    del c, d
    gc.collect()
    assert gone() is not None
    now[0] += memory.full_collection  # ...until the next full collection, minutes later
    memory.after_batch()
    assert gone() is None, "the frozen cycle was not collected by the full collection"
    print("ok")
    """
)


def test_a_batchs_survivors_are_frozen_and_frozen_cycles_wait_for_the_full_collection() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_a_process_that_did_not_hand_collection_over_keeps_its_own() -> None:
    script = "import gc; from ingest.pacing import Pacing; Pacing().after_batch(); Pacing().idle()"
    script += "; assert gc.get_freeze_count() == 0; print('ok')"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_importing_ingest_and_the_web_side_changes_no_collector_setting() -> None:
    script = (
        "import gc, django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'wallboard.settings'; "
        "django.setup(); before = gc.get_threshold(); "
        "import ingest.runner, ingest.worker, wallboard.asgi, wallboard.fanout; "
        "assert gc.get_freeze_count() == 0, gc.get_freeze_count(); "
        "assert gc.get_threshold() == before; print('ok')"
    )
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY", "test")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


class Clock:
    """A fake monotonic clock whose sleep moves time on instead of waiting."""

    def __init__(self) -> None:
        self.now = 5000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_source_is_busy_right_after_a_batch_and_when_its_next_report_is_due() -> None:
    clock = Clock()
    pacing = Pacing(clock=clock)
    batch_at = clock.now
    assert pacing.busy(batch_at, refresh_seconds=3, publishing=False)  # its publish under way
    clock.now = batch_at + pacing.persist_after + 0.01
    assert not pacing.busy(batch_at, refresh_seconds=3, publishing=False)  # quiet
    assert pacing.busy(batch_at, refresh_seconds=3, publishing=True)  # still sending
    clock.now = batch_at + 3 - pacing.due_margin + 0.01
    assert pacing.busy(batch_at, refresh_seconds=3, publishing=False)  # the next one is due
    clock.now = batch_at + 6 + 0.01
    assert not pacing.busy(batch_at, refresh_seconds=3, publishing=False)  # overdue: not held


def test_bytes_arriving_on_any_feed_make_every_source_busy_for_a_moment() -> None:
    clock = Clock()
    pacing = Pacing(clock=clock)
    long_ago = clock.now - 1.0
    pacing.reading()
    assert pacing.busy(long_ago, refresh_seconds=15, publishing=False)
    clock.now += pacing.reading_window
    assert not pacing.busy(long_ago, refresh_seconds=15, publishing=False)


class Worker:
    """A source worker as far as the reload asks: busy for its first `busy_answers` asks."""

    def __init__(self, busy_answers: int) -> None:
        self.left, self.asked = busy_answers, 0

    def busy(self) -> bool:
        self.asked += 1
        self.left -= 1
        return self.left >= 0


async def test_a_reload_waits_while_a_batch_arrives_or_is_published() -> None:
    clock = Clock()
    pacing = Pacing(clock=clock, sleep=clock.sleep)
    quiet, arriving = Worker(0), Worker(3)
    await pacing.quiet_moment([quiet, arriving])
    assert arriving.asked == 4  # asked until it was no longer busy
    assert clock.slept == [pacing.quiet_poll] * 3


async def test_a_feed_that_never_pauses_still_has_its_reloads() -> None:
    clock = Clock()
    pacing = Pacing(clock=clock, sleep=clock.sleep)
    never = Worker(10**9)
    await pacing.quiet_moment([never])  # returns: the wait has a limit
    assert sum(clock.slept) == pytest.approx(pacing.quiet_wait, abs=pacing.quiet_poll)


async def test_a_batchs_write_waits_for_its_publish_on_the_pacing_clock() -> None:
    clock = Clock()
    pacing = Pacing(clock=clock, sleep=clock.sleep)
    await pacing.after_publish()
    assert clock.slept == [pacing.persist_after]


def _own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(sys.platform != "linux", reason="a thread has a nice value of its own on Linux")
async def test_the_background_database_thread_yields_the_processor_to_the_rest() -> None:
    front, back = DbThread(), DbThread(background=True)
    try:
        ours = _own_nice()
        assert await front(_own_nice) == ours  # queries someone waits for: as the process
        assert await back(_own_nice) == min(19, ours + BACKGROUND_NICE)
    finally:
        front.close()
        back.close()


TRIM_SCRIPT = textwrap.dedent(
    """
    import sys
    from ingest.pacing import Pacing

    def rss_mb():
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    memory = Pacing()
    if sys.argv[1] == "managed":
        memory.take_over_gc()
    blocks = [bytes(2000) for _ in range(100_000)]  # a run's rows, outside Python's own pools
    kept = blocks[::1000]  # a few survivors pin the heap's top: free() alone returns nothing
    del blocks
    before = rss_mb()
    memory.release_memory()
    print(round(before - rss_mb()))
    """
)


def test_after_a_batch_the_pages_its_rows_freed_go_back_to_the_system() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc and glibc's malloc_trim")
    released = {}
    for mode in ("managed", "own"):
        done = subprocess.run(
            [sys.executable, "-c", TRIM_SCRIPT, mode], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-2000:]
        released[mode] = int(done.stdout.strip())
    assert released["managed"] > 100, released  # of about 200 MB freed
    assert released["own"] < 20, released  # a process that did not hand memory over: as it was
