"""The ingest runner's reload (sources, health, board edits) keeps out of a batch's way."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import pytest

from ingest import runner as runner_module
from ingest.runner import DbThread, IngestRunner


class Worker:
    """A source worker as far as the runner asks: busy for its first `busy_answers` asks."""

    def __init__(self, busy_answers: int) -> None:
        self.left, self.asked = busy_answers, 0

    def busy(self) -> bool:
        self.asked += 1
        self.left -= 1
        return self.left >= 0


async def test_a_reload_waits_while_a_batch_arrives_or_is_published(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runner_module, "QUIET_POLL_SECONDS", 0.001)
    ingest = IngestRunner()
    quiet, arriving = Worker(0), Worker(3)
    workers: dict[int, Any] = {1: quiet, 2: arriving}
    ingest.workers = workers
    await ingest._quiet_moment()
    assert arriving.asked == 4  # asked until it was no longer busy
    ingest.db.close()
    ingest.background_db.close()


async def test_a_feed_that_never_pauses_still_has_its_reloads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runner_module, "QUIET_POLL_SECONDS", 0.001)
    monkeypatch.setattr(runner_module, "QUIET_WAIT_SECONDS", 0.05)
    ingest = IngestRunner()
    never = Worker(10**9)
    workers: dict[int, Any] = {1: never}
    ingest.workers = workers
    await ingest._quiet_moment()  # returns: the wait has a limit
    assert 1 < never.asked < 10**9
    ingest.db.close()
    ingest.background_db.close()


def _own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(sys.platform != "linux", reason="a thread has a nice value of its own on Linux")
async def test_the_background_database_thread_yields_the_processor_to_the_rest() -> None:
    front, back = DbThread(), DbThread(background=True)
    try:
        ours = _own_nice()
        assert await front(_own_nice) == ours  # queries someone waits for: as the process
        assert await back(_own_nice) == min(19, ours + runner_module.BACKGROUND_NICE)
    finally:
        front.close()
        back.close()
