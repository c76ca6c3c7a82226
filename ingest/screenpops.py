"""Screen pops, ingest's side: the web side's pending ScreenPop rows into the sources' ledgers.

The web side (wallboard/screenpop.py) stores each pop-up Optimus sent as a pending row and
hints ingest on the channel layer; the hint is only a hint: every reload the runner sweeps for
pending rows of the sources it runs, so a lost message or a restart loses none. Each row becomes
the call's steps (offered to its queue when the caller started waiting, ringing at the agent's
extension when the pop-up came) in the owning worker's ledger; the row is marked applied in the
same transaction as the calls it changed (store.write_calls), so a restart applies none twice
and loses none; a worker skips the rows it holds but has not written yet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from integrations.base import CALL_OFFERED, CALL_RINGING, CallEvent
from wallboard import messages
from wallboard.models.screenpops import PENDING, ScreenPop

from . import hints

log = logging.getLogger(__name__)

SWEEP_LIMIT = 1000  # rows per sweep (the next sweep takes the rest)


@dataclass(frozen=True, slots=True)
class PendingPop:
    id: int
    source_id: int
    received_at: datetime
    call_id: str
    extension: str
    queue_code: str
    queue: str
    clid: str
    dnis: str
    attach_data: str
    waiting_seconds: int | None


_FIELDS = (
    "pk",
    "source_id",
    "received_at",
    "call_id",
    "extension",
    "queue_code",
    "queue",
    "clid",
    "dnis",
    "attach_data",
    "waiting_seconds",
)


def pending(source_ids: list[int]) -> list[PendingPop]:
    """The pending pops of `source_ids`, oldest first (run on ingest's database thread)."""
    rows = ScreenPop.objects.filter(status=PENDING, source_id__in=source_ids)
    return [PendingPop(*row) for row in rows.order_by("id").values_list(*_FIELDS)[:SWEEP_LIMIT]]


def steps(pop: PendingPop) -> list[CallEvent]:
    """The call steps a pop-up tells: offered to its queue when the caller began waiting (the
    pop-up's time less WAITING TIME), then ringing at the agent's extension."""
    at = pop.received_at.timestamp()
    queue = pop.queue_code or pop.queue
    extra: dict[str, Any] = {"screen_pop": True}
    if pop.attach_data:
        extra["attach_data"] = pop.attach_data
    if pop.queue and pop.queue_code:
        extra["queue_name"] = pop.queue
    offered = CallEvent(
        call_id=pop.call_id,
        step=CALL_OFFERED,
        at=at - (pop.waiting_seconds or 0),
        direction="inbound",
        queue_kind="queue" if queue else "",
        queue_number=queue,
        calling=pop.clid,
        called=pop.dnis,
        extra=extra,
    )
    ringing = CallEvent(
        call_id=pop.call_id,
        step=CALL_RINGING,
        at=at,
        queue_kind="queue" if queue else "",
        queue_number=queue,
        extension=pop.extension,
    )
    return [offered, ringing]


class Takes(Protocol):
    """A source's worker, as the sweeper sees it (ingest.worker.SourceWorker)."""

    screen_pops_held: set[int]

    def take_calls(self, events: list[CallEvent], pop_ids: list[int]) -> None: ...


class Runs(Protocol):
    @property
    def workers(self) -> Mapping[int, Takes]: ...

    @property
    def db(self) -> Callable[..., Awaitable[Any]]: ...


class ScreenPopSweeper:
    """Hands the pending pops of the runner's sources to their workers."""

    def __init__(self, runner: Runs) -> None:
        self.runner = runner
        self._lock = asyncio.Lock()

    async def sweep(self) -> None:
        workers = self.runner.workers
        if not workers:
            return
        async with self._lock:
            found: list[PendingPop] = await self.runner.db(pending, list(workers))
            by_source: dict[int, list[PendingPop]] = {}
            for pop in found:
                worker = workers.get(pop.source_id)
                if worker is not None and pop.id not in worker.screen_pops_held:
                    by_source.setdefault(pop.source_id, []).append(pop)
            for source_id, pops in by_source.items():
                worker = workers.get(source_id)
                if worker is None:  # stopped meanwhile: its next owner takes them
                    continue
                events = [event for pop in pops for event in steps(pop)]
                worker.take_calls(events, [pop.id for pop in pops])

    async def listen(self) -> None:
        """Sweep as the web side says it stored a pop-up."""
        await hints.listen(
            messages.SCREEN_POPS_GROUP, messages.SCREEN_POP, self._hinted, "screen pops"
        )

    async def _hinted(self, message: dict[str, Any]) -> None:
        try:
            await self.sweep()
        except Exception:  # the database may be away: the reload sweeps
            log.exception("screen pops: could not pick them up now")
