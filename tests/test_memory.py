"""runingest's garbage collection: a batch's survivors are frozen, not scanned; cycles among
them are still collected, by the periodic full collection; nothing runs while bytes arrive.
Run in a child process: freezing would reach into the test process's own objects."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import gc, weakref
    from ingest import memory

    class Node:
        pass

    memory.tune_gc()
    stray = [[i] for i in range(10_000)]  # garbage between batches: collected when quiet...
    memory.reading()
    memory.collect_when_idle()  # ...but not while a feed's bytes are arriving
    assert gc.get_count()[0] >= 10_000, gc.get_count()
    memory._reading_until = 0.0
    memory.collect_when_idle()
    assert gc.get_count()[0] < 100, gc.get_count()
    frozen = gc.get_freeze_count()
    survivors = [[i] for i in range(100_000)]  # a batch's worth of young containers
    memory.collect_when_idle()  # a tick meanwhile: too many to be stray garbage, left alone
    assert gc.get_count()[0] > memory.BATCH_BACKLOG, gc.get_count()
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle, about to be garbage
    gone = weakref.ref(a)
    del a, b
    memory.collect_when_idle(after_batch=True)  # the first one: a full collection, then freeze
    assert gone() is None, "the cycle was not collected"
    assert gc.get_freeze_count() >= frozen + len(survivors), "the survivors were not frozen"
    assert gc.get_count()[0] < 100
    c, d = Node(), Node()
    c.other, d.other = d, c
    gone = weakref.ref(c)
    memory.collect_when_idle(after_batch=True)  # frozen with the rest, not scanned...
    del c, d
    gc.collect()
    assert gone() is not None
    memory._last_full = 0.0  # ...until the next full collection, minutes later
    memory.collect_when_idle(after_batch=True)
    assert gone() is None, "the frozen cycle was not collected by the full collection"
    print("ok")
    """
)


def test_a_batchs_survivors_are_frozen_and_frozen_cycles_wait_for_the_full_collection() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_a_process_that_did_not_hand_collection_over_keeps_its_own() -> None:
    script = "import gc; from ingest import memory; memory.collect_when_idle(after_batch=True)"
    script += "; assert gc.get_freeze_count() == 0; print('ok')"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
