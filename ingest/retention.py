"""Call retention: ended calls (and their segments) older than CALL_RETENTION_DAYS are deleted.

Caller numbers are personal data; a site keeps them no longer than it says. `manage.py
purgecalls` and runingest (at start and every hour: `keep_purging`) call the same `purge_calls`.

The purge deletes in bounded batches, each its own short transaction, so a table of millions
of calls is never locked by one long delete, and ingest's writes slip in between. Open calls
(no end yet) are never touched. Two purges at once (a command beside runingest) are harmless:
their batches take turns and each deletes what is still there; a purge with nothing to do costs
one indexed query.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db import DatabaseError, InterfaceError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from wallboard.models import Call, CallSegment, ScreenPop
from wallboard.models.screenpops import APPLIED

from .db import DbThread
from .pacing import Pacing
from .worker import SourceWorker

log = logging.getLogger(__name__)

BATCH_CALLS = 500  # calls deleted per transaction
PURGE_EVERY_SECONDS = 3600.0
# A stable advisory-lock key (hash() differs between processes); ingest.leader's lock is
# another.
PURGE_LOCK_KEY = zlib.crc32(b"wallboard.call-retention")


@dataclass(frozen=True, slots=True)
class Purged:
    calls: int
    segments: int
    before: datetime  # calls that ended before this instant were purged


def cutoff(days: int | None = None, now: datetime | None = None) -> datetime:
    """The instant before which an ended call is past retention."""
    kept = settings.CALL_RETENTION_DAYS if days is None else days
    if kept < 1:
        raise ValueError(f"calls must be kept at least 1 day, not {kept}")
    return (now or timezone.now()) - timedelta(days=kept)


def expired(before: datetime) -> QuerySet[Call]:
    """Ended calls whose end is before `before` (walks the index on ended_at)."""
    return Call.objects.filter(state="ended", ended_at__lt=before)


def purge_batch(before: datetime, size: int = BATCH_CALLS) -> tuple[int, int] | None:
    """Delete up to `size` expired calls and their segments: (calls, segments) deleted, None
    when there was none left to delete (found by one indexed query, without a transaction)."""
    if not expired(before).exists():
        return None
    with transaction.atomic():
        _one_purger_at_a_time()
        # Read under the lock: a purge beside this one has deleted what it took.
        ids = list(expired(before).order_by("ended_at").values_list("pk", flat=True)[:size])
        segments, _ = CallSegment.objects.filter(call_id__in=ids).delete()
        calls, _ = Call.objects.filter(pk__in=ids).delete()
    return calls, segments


def _one_purger_at_a_time() -> None:
    """Two purges' batches take turns, so they never wait on each other's rows (PostgreSQL
    could otherwise pick one as a deadlock's victim): on PostgreSQL a lock held to the end of
    the transaction; SQLite's write transactions take turns already (IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PURGE_LOCK_KEY])


def count_expired(days: int | None = None, now: datetime | None = None) -> Purged:
    """What a purge would delete now (a dry run)."""
    before = cutoff(days, now)
    calls = expired(before)
    segments = CallSegment.objects.filter(call__in=calls).count()
    return Purged(calls.count(), segments, before)


def purge_calls(
    days: int | None = None, now: datetime | None = None, size: int = BATCH_CALLS
) -> Purged:
    """Delete every ended call past retention, a batch at a time (see the module's note)."""
    before = cutoff(days, now)
    calls = segments = 0
    while (done := purge_batch(before, size)) is not None:
        calls += done[0]
        segments += done[1]
    return Purged(calls, segments, before)


def purge_screen_pops(before: datetime) -> int:
    """Applied screen pops received before `before`: they hold caller numbers too (a pending
    one is kept: its call is not in the ledger yet)."""
    deleted, _ = ScreenPop.objects.filter(status=APPLIED, received_at__lt=before).delete()
    return deleted


class Runner(Protocol):
    """What keep_purging needs of ingest's runner (ingest.runner.IngestRunner)."""

    started: asyncio.Event
    background_db: DbThread
    pacing: Pacing
    workers: dict[int, SourceWorker]


async def purge_in_background(runner: Runner) -> Purged:
    """One purge on ingest's low-priority database thread, a batch per quiet moment, so it
    never holds up a feed's batch."""
    before = cutoff()
    calls = segments = 0
    await runner.pacing.quiet_moment(runner.workers.values())
    await runner.background_db(purge_screen_pops, before)  # (one statement)
    while True:
        await runner.pacing.quiet_moment(runner.workers.values())
        done = await runner.background_db(purge_batch, before)
        if done is None:
            return Purged(calls, segments, before)
        calls += done[0]
        segments += done[1]


async def keep_purging(runner: Runner, every: float | None = None) -> None:
    """Purge once the sources have started, then every `every` seconds (an hour), until
    cancelled."""
    every = PURGE_EVERY_SECONDS if every is None else every
    await runner.started.wait()
    while True:
        try:
            purged = await purge_in_background(runner)
        except (DatabaseError, InterfaceError) as exc:
            log.error("call retention: database unavailable (%s); will try again", exc)
        except Exception:  # a purge that fails must never stop the feeds
            log.exception("call retention: the purge failed; will try again")
        else:
            report(purged)
        await asyncio.sleep(every)


def report(purged: Purged) -> None:
    level = logging.INFO if purged.calls else logging.DEBUG
    log.log(
        level,
        "call retention: purged %d ended calls and %d segments (ended before %s)",
        purged.calls,
        purged.segments,
        purged.before.isoformat(timespec="seconds"),
    )
