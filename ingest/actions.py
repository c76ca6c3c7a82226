"""Supervisor actions on agents, ingest's side: the audit log's pending rows to the link.

The web side makes an AgentAction row and tells ingest on the channel layer; that message is
only a hint. Every reload (and on each hint) the runner looks for pending rows of the sources
it runs, so a lost message or a restart loses no request. A row is claimed (pending -> sent)
by one atomic update before its bytes go out, so it is never sent twice; a row older than
EXPIRE_SECONDS is expired, never sent late; a sent row that no answer reached within
ANSWER_SECONDS is failed. The worker hands the request to its live decoder and writes each
CommandResult back to the row (SourceWorker.command, SourceWorker.answers).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from integrations.base import AgentCommand, CommandResult
from wallboard import messages
from wallboard.models import AgentAction
from wallboard.models.actions import EXPIRED, FAILED, OK, OPEN_STATUSES, PENDING, REFUSED, SENT

from . import hints

log = logging.getLogger(__name__)

EXPIRE_SECONDS = 60.0  # a request not sent within this is expired: never carried out late
ANSWER_SECONDS = 30.0  # a sent request the phone system did not answer within this has failed
NO_ANSWER = f"no answer from the phone system within {ANSWER_SECONDS:.0f} s"


@dataclass(frozen=True, slots=True)
class Request:
    id: int
    source_id: int
    agent_id: str
    action: str
    reason_code: str


# ---- the database side (run on ingest's database thread) ----------------------------------
def pending(source_ids: list[int], ids: list[int] | None = None) -> list[Request]:
    """Expire what is too old, fail what went unanswered; the pending requests of `source_ids`
    (only `ids` among them, when given), oldest first."""
    now = datetime.now(UTC)
    AgentAction.objects.filter(
        status=PENDING, created_at__lt=now - timedelta(seconds=EXPIRE_SECONDS)
    ).update(status=EXPIRED, detail=f"not sent within {EXPIRE_SECONDS:.0f} s", answered_at=now)
    AgentAction.objects.filter(
        status=SENT, sent_at__lt=now - timedelta(seconds=ANSWER_SECONDS)
    ).update(status=FAILED, detail=NO_ANSWER, answered_at=now)
    rows = AgentAction.objects.filter(status=PENDING, source_id__in=source_ids)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    fields = ("pk", "source_id", "agent_id", "action", "reason_code")
    return [Request(*row) for row in rows.order_by("created_at", "id").values_list(*fields)]


def claim(action_id: int) -> bool:
    """Take a pending, unexpired request to send it: true for exactly one caller, once."""
    now = datetime.now(UTC)
    return (
        AgentAction.objects.filter(
            pk=action_id,
            status=PENDING,
            created_at__gte=now - timedelta(seconds=EXPIRE_SECONDS),
        ).update(status=SENT, sent_at=now)
        == 1
    )


def answer(action_id: int, status: str, detail: str) -> None:
    """The outcome of a request; an answer that came after NO_ANSWER was written still wins
    (it is what the phone system did)."""
    rows = AgentAction.objects.filter(pk=action_id)
    late = rows.filter(status=FAILED, detail=NO_ANSWER)
    (rows.filter(status__in=OPEN_STATUSES) | late).update(
        status=status, detail=detail[:300], answered_at=datetime.now(UTC)
    )


def outcome(result: CommandResult) -> tuple[int, str, str] | None:
    """A decoder's CommandResult as (row id, status, detail); None for a request ID that is
    not one of ours."""
    try:
        action_id = int(result.request_id)
    except ValueError:
        return None
    return action_id, OK if result.ok else REFUSED, result.detail


def command(request: Request, extension: str) -> AgentCommand:
    return AgentCommand(
        str(request.id), request.agent_id, request.action, request.reason_code, extension
    )


# ---- the runner's side ----------------------------------------------------------------
class Controls(Protocol):
    """A source's worker, as the dispatcher sees it (ingest.worker.SourceWorker)."""

    def ready_for_commands(self) -> bool: ...

    def command(self, request: Request) -> None: ...


class Runs(Protocol):
    """The runner, as the dispatcher sees it (ingest.runner.IngestRunner)."""

    @property
    def workers(self) -> Mapping[int, Controls]: ...

    @property
    def db(self) -> Callable[..., Awaitable[Any]]: ...


class ActionDispatcher:
    """Hands the pending requests of the runner's sources to their workers."""

    def __init__(self, runner: Runs) -> None:
        self.runner = runner
        self._lock = asyncio.Lock()  # one sweep at a time (a hint during a reload's sweep)

    async def sweep(self, ids: list[int] | None = None) -> None:
        workers = self.runner.workers
        if not workers:
            return
        async with self._lock:
            requests: list[Request] = await self.runner.db(pending, list(workers), ids)
            for request in requests:
                worker = workers.get(request.source_id)
                if worker is None:
                    continue
                if not worker.ready_for_commands():
                    await self.runner.db(answer, request.id, REFUSED, "not connected")
                    continue
                if await self.runner.db(claim, request.id):
                    worker.command(request)

    async def listen(self) -> None:
        """Sweep for the requests the web side says it made, as it says so."""
        await hints.listen(
            messages.AGENT_ACTIONS_GROUP, messages.AGENT_ACTION, self._hinted, "agent actions"
        )

    async def _hinted(self, message: dict[str, Any]) -> None:
        try:
            ids = [int(message["id"])]
        except (KeyError, TypeError, ValueError):
            log.warning("agent actions: ignored a malformed hint %.80r", message)
            return
        try:
            await self.sweep(ids)
        except Exception:  # the database may be away: the next reload's sweep tries again
            log.exception("agent actions: could not pick up request %s now", ids[0])
