"""runingest's main loop: one worker per enabled source, kept in step with the admin.

Every few seconds the runner reads the enabled sources; a new or re-enabled source starts, a
disabled or deleted one stops, an edit that needs a new connection restarts only that source,
and any other edit (ranges, targets, peers) applies in place. Nothing else is disturbed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import DatabaseError, InterfaceError

from wallboard import messages

from . import recordings, retention, store
from .actions import ActionDispatcher
from .alert_delivery import Sender
from .alerts import AlertEvaluator
from .db import DbThread
from .leader import node_name
from .pacing import Pacing
from .publish import BoardPublisher
from .screenpops import ScreenPopSweeper
from .store import SourceConfig
from .worker import Publisher, SourceWorker

log = logging.getLogger(__name__)


class IngestRunner:
    def __init__(
        self,
        names: list[str] | None = None,
        publisher: Publisher | None = None,
        reload_seconds: float = 3.0,
        pass_through_bytes: int = 4 * 1024 * 1024,
        db: DbThread | None = None,
        pacing: Pacing | None = None,
    ) -> None:
        self.names = names
        self.pacing = pacing or Pacing()
        self.publisher = publisher
        self.reload_seconds = reload_seconds
        self.pass_through_bytes = pass_through_bytes
        self.db = db or DbThread()
        self.background_db = DbThread(background=True)
        self.workers: dict[int, SourceWorker] = {}
        self.failed: dict[int, str] = {}  # source id -> why it could not start
        self.started = asyncio.Event()
        # The process running the sources and since when (the leader: see ingest.leader).
        self.owner: tuple[str, datetime | None] = (node_name(), None)
        self.actions = ActionDispatcher(self)  # supervisors' requests about agents
        self.screen_pops = ScreenPopSweeper(self)  # Optimus' pop-ups, stored by the web side
        self.alerts: AlertEvaluator | None = None  # the alert rules (build_ingest sets it)

    async def run(self, stop: asyncio.Event, fenced: Callable[[], bool] = lambda: False) -> None:
        """Run until `stop`. `fenced()` true at the end: this process lost the lead, another
        may have taken over, so it writes nothing more on its way out."""
        beats = asyncio.create_task(self._heartbeats(), name="heartbeats")
        purges = asyncio.create_task(retention.keep_purging(self), name="call-retention")
        hints = asyncio.create_task(self.actions.listen(), name="agent action hints")
        pops = asyncio.create_task(self.screen_pops.listen(), name="screen pop hints")
        tagging = asyncio.create_task(recordings.keep_tagging(self), name="recording tagging")
        alerts = asyncio.create_task(self.alerts.run(), name="alerts") if self.alerts else None
        try:
            while not stop.is_set():
                await self._quiet_moment()
                try:
                    await self.reconcile()
                    await self.actions.sweep()  # requests whose hint was lost, or came early
                    await self.screen_pops.sweep()  # likewise the screen pops
                    await self.background_db(store.write_health, self._health())
                    if self.publisher is not None:
                        await self.publisher.refresh()
                except (DatabaseError, InterfaceError) as exc:
                    log.error("database unavailable (%s); sources keep running", exc)
                self.started.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.reload_seconds)
        finally:
            for task in (beats, purges, hints, pops, alerts, tagging):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await self.shutdown(write=not fenced())

    async def _heartbeats(self) -> None:
        """Every HEARTBEAT_SECONDS, each board's displays hear that ingest runs (see
        BoardPublisher.heartbeat), at a quiet moment (a second late at most)."""
        publisher = self.publisher
        if not isinstance(publisher, BoardPublisher):
            return
        await self.started.wait()
        while True:
            await self.pacing.quiet_moment(self.workers.values())
            await publisher.heartbeat()
            await asyncio.sleep(messages.HEARTBEAT_SECONDS)

    async def _quiet_moment(self) -> None:
        """The reload's queries and rows are Python in a thread, which takes the interpreter
        from a batch: wait for a quiet moment (see Pacing.quiet_moment)."""
        await self.pacing.quiet_moment(self.workers.values())

    async def shutdown(self, write: bool = True) -> None:
        workers = list(self.workers.values())
        self.workers.clear()
        for worker in workers:
            await worker.stop(write=write)
        if workers and write:
            with contextlib.suppress(DatabaseError, InterfaceError):
                await self.db(store.write_health, [w.health() for w in workers])
                await self.db(store.mark_disconnected, [w.config.id for w in workers])
        if isinstance(self.publisher, BoardPublisher):
            self.publisher.close()  # its listener stops with this run (a new one may follow)
        if self.publisher is not None and write:
            await self.publisher.flush()
        self.background_db.close()
        log.info("ingest stopped")

    async def reconcile(self) -> None:
        configs: list[SourceConfig] = await self.db(store.load_configs, self.names)
        wanted = {c.id: c for c in configs}
        self.failed = {k: v for k, v in self.failed.items() if k in wanted}
        for source_id in [s for s in self.workers if s not in wanted]:
            removed = self.workers.pop(source_id)
            log.info("source %s: disabled or removed; stopping", removed.name)
            await removed.stop()
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
            config,
            self.db,
            self.publisher,
            self.pass_through_bytes,
            self.background_db,
            self.pacing,
        )
        worker.worker_named = self._worker_named
        worker.followers = lambda: self._followers(config.name)
        if previous is not None and previous.config.vendor == config.vendor:
            worker.live, worker.restored = previous.live, True
            worker.intervals = previous.intervals
            worker.agent_days = previous.agent_days
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

    def _worker_named(self, name: str) -> SourceWorker | None:
        return next((w for w in self.workers.values() if w.config.name == name), None)

    def _followers(self, name: str) -> list[SourceWorker]:
        """The sources that take their agents' states from `name` (agent_states_from)."""
        return [w for w in self.workers.values() if w.config.agent_states_from == name]

    def _health(self) -> list[dict[str, Any]]:
        reports = [w.health() for w in self.workers.values()]
        for source_id, message in self.failed.items():
            reports.append(
                {"source_id": source_id, "connected": False, "stale": True, "last_error": message}
            )
        owner, since = self.owner
        for report in reports:
            report.update(owner=owner, owner_since=since)
        return reports


def build_ingest(
    names: list[str] | None = None,
    *,
    reload_seconds: float | None = None,
    pass_through_bytes: int | None = None,
    pacing: Pacing | None = None,
) -> IngestRunner:
    """Ingest as deployed: the runner and its board publisher, sharing its database threads
    (settings give what is not passed)."""
    from django.conf import settings

    runner = IngestRunner(
        names,
        reload_seconds=settings.INGEST_RELOAD_SECONDS if reload_seconds is None else reload_seconds,
        pass_through_bytes=settings.PASS_THROUGH_BUFFER_BYTES
        if pass_through_bytes is None
        else pass_through_bytes,
        pacing=pacing,
    )
    runner.publisher = BoardPublisher(runner.db, runner.background_db, sources=runner)
    every = settings.ALERT_EVALUATE_SECONDS
    runner.alerts = AlertEvaluator(runner, every, Sender(runner.background_db, every))
    return runner


async def run_until(stop: asyncio.Event, names: list[str] | None = None) -> IngestRunner | None:
    """Run ingest, as configured in settings, until `stop` is set: lead (run every source and
    publish every board) while this process holds the ingest lock, wait as a standby while
    another does (see ingest.leader). This process's garbage collection is paced by ingest."""
    from django.conf import settings

    from .leader import Leadership, lock_for

    leadership = Leadership(lock_for(settings.DATABASES["default"]))
    pacing = Pacing()
    pacing.take_over_gc()
    runner = None
    while not stop.is_set():
        if not await leadership.acquire(stop):
            break
        runner = build_ingest(names, pacing=pacing)
        runner.owner = (leadership.name, leadership.since)
        leading = asyncio.Event()
        watchers = [
            asyncio.create_task(_set_when(stop, leading)),
            asyncio.create_task(_set_when(leadership.lost, leading)),
        ]
        try:
            await runner.run(leading, fenced=leadership.lost.is_set)
        finally:
            for watcher in watchers:
                watcher.cancel()
            await leadership.release()
    return runner


async def _set_when(event: asyncio.Event, then: asyncio.Event) -> None:
    await event.wait()
    then.set()
