"""runingest's main loop: one worker per enabled source, kept in step with the admin.

Every few seconds the runner reads the enabled sources; a new or re-enabled source starts, a
disabled or deleted one stops, an edit that needs a new connection restarts only that source,
and any other edit (ranges, targets, peers) applies in place. Nothing else is disturbed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import DatabaseError, InterfaceError, close_old_connections

from . import store
from .memory import tune_gc
from .store import SourceConfig
from .worker import Publisher, SourceWorker

log = logging.getLogger(__name__)
QUIET_WAIT_SECONDS = 1.0  # the longest a reload waits for a batch to be out
QUIET_POLL_SECONDS = 0.05
BACKGROUND_NICE = 10  # the background database thread's nice value, over the process's own


def _unit(fn: Any, args: tuple[Any, ...]) -> Any:
    """One unit of database work: drop a connection that died or aged out first."""
    close_old_connections()
    return fn(*args)


def _lower_priority() -> None:
    """This thread yields the processor to the rest (Linux: a thread has a nice value of its
    own): the batch being published, and the web processes writing it to the displays."""
    if sys.platform == "linux":
        thread = threading.get_native_id()
        with contextlib.suppress(OSError):
            nice = os.getpriority(os.PRIO_PROCESS, thread) + BACKGROUND_NICE
            os.setpriority(os.PRIO_PROCESS, thread, min(19, nice))


class DbThread:
    """All of ingest's database work, on one thread: a healthy connection per unit of work and
    a single writer (SQLite needs no more; PostgreSQL's bulk statements are quick).

    A background one (the writes of batches, intervals and board states, which nobody waits
    for) runs at a lower priority."""

    def __init__(self, background: bool = False) -> None:
        self.executor = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="ingest-background-db" if background else "ingest-db",
            initializer=_lower_priority if background else None,
        )

    async def __call__(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, _unit, fn, args)

    def close(self) -> None:
        from django.db import connections

        def close_all() -> None:
            connections.close_all()

        self.executor.submit(close_all).result(timeout=10)
        self.executor.shutdown(wait=True)


class IngestRunner:
    def __init__(
        self,
        names: list[str] | None = None,
        publisher: Publisher | None = None,
        reload_seconds: float = 3.0,
        pass_through_bytes: int = 4 * 1024 * 1024,
        db: DbThread | None = None,
    ) -> None:
        self.names = names
        self.publisher = publisher
        self.reload_seconds = reload_seconds
        self.pass_through_bytes = pass_through_bytes
        self.db = db or DbThread()
        self.background_db = DbThread(background=True)
        if publisher is not None and hasattr(publisher, "background_db"):
            publisher.background_db = self.background_db
        self.workers: dict[int, SourceWorker] = {}
        self.failed: dict[int, str] = {}  # source id -> why it could not start
        self.started = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self._quiet_moment()
                try:
                    await self.reconcile()
                    await self.background_db(store.write_health, self._health())
                    if self.publisher is not None:
                        await self.publisher.refresh()
                except (DatabaseError, InterfaceError) as exc:
                    log.error("database unavailable (%s); sources keep running", exc)
                self.started.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.reload_seconds)
        finally:
            await self.shutdown()

    async def _quiet_moment(self) -> None:
        """Wait, a second at most, while a batch arrives or is published: the reload's queries
        and rows are Python in a thread, which takes the interpreter from the batch (a feed that
        never pauses still has its edits picked up)."""
        deadline = time.monotonic() + QUIET_WAIT_SECONDS
        while any(w.busy() for w in self.workers.values()) and time.monotonic() < deadline:
            await asyncio.sleep(QUIET_POLL_SECONDS)

    async def shutdown(self) -> None:
        workers = list(self.workers.values())
        self.workers.clear()
        for worker in workers:
            await worker.stop()
        if workers:
            with contextlib.suppress(DatabaseError, InterfaceError):
                await self.db(store.write_health, [w.health() for w in workers])
                await self.db(store.mark_disconnected, [w.config.id for w in workers])
        if self.publisher is not None:
            await self.publisher.flush()
        self.background_db.close()
        log.info("ingest stopped")

    async def reconcile(self) -> None:
        configs: list[SourceConfig] = await self.db(store.load_configs, self.names)
        wanted = {c.id: c for c in configs}
        self.failed = {k: v for k, v in self.failed.items() if k in wanted}
        for source_id in [s for s in self.workers if s not in wanted]:
            worker = self.workers.pop(source_id)
            log.info("source %s: disabled or removed; stopping", worker.name)
            await worker.stop()
            await self.db(store.mark_disconnected, [source_id])
        for source_id, config in wanted.items():
            worker = self.workers.get(source_id)
            if worker is None:
                await self._start(config)
            elif worker.config.restart_key() != config.restart_key():
                log.info("source %s: connection settings changed; restarting it", config.name)
                await worker.stop()
                del self.workers[source_id]
                await self._start(config, previous=worker)
            elif worker.config != config:
                worker.reconfigure(config)

    async def _start(self, config: SourceConfig, previous: SourceWorker | None = None) -> None:
        worker = SourceWorker(
            config, self.db, self.publisher, self.pass_through_bytes, self.background_db
        )
        if previous is not None and previous.config.vendor == config.vendor:
            worker.live, worker.restored = previous.live, True
            worker.intervals = previous.intervals
        try:
            await worker.start()
        except OSError as exc:
            message = f"cannot start: {exc}"
            if self.failed.get(config.id) != message:
                log.error("source %s: %s (will retry)", config.name, message)
            self.failed[config.id] = message
            await worker.stop()
            return
        self.failed.pop(config.id, None)
        self.workers[config.id] = worker

    def _health(self) -> list[dict[str, Any]]:
        reports = [w.health() for w in self.workers.values()]
        for source_id, message in self.failed.items():
            reports.append(
                {"source_id": source_id, "connected": False, "stale": True, "last_error": message}
            )
        return reports


async def run_until(stop: asyncio.Event, names: list[str] | None = None) -> IngestRunner:
    """Run ingest with the board publisher, as configured in settings, until `stop` is set."""
    from django.conf import settings

    from .publish import BoardPublisher

    tune_gc()
    publisher = BoardPublisher()
    runner = IngestRunner(
        names,
        publisher=publisher,
        reload_seconds=settings.INGEST_RELOAD_SECONDS,
        pass_through_bytes=settings.PASS_THROUGH_BUFFER_BYTES,
        db=publisher.db,
    )
    publisher.runner = runner
    await runner.run(stop)
    return runner
