"""Recording tagging (the QMS Gateway's job, for any recorder): each call segment at an
extension gets its recording's flags written once, or is marked "not tagged" with the reason.

How it goes, per segment and per recorder serving its source (wallboard.models.Recorder):
- The call ledger (ingest/calls.py) tells `observer` of each segment's connect and end; the
  news waits in a bounded queue for the tagger (one asyncio task in runingest).
- Connect: a RecordingTag row "looking"; the recorder is asked for the recording's ID (by the
  extension and the time since connect, else by UCID), again and again within the recorder's
  look-up window (the ID is only given for a short time after connect). Found: "found".
  Window missed, or the call was already in progress when ingest first saw it: "not tagged"
  with the reason, never a guess.
- End (or transfer, which ends this segment and starts the next): the flags are made from
  what the call says then (agent ID and name, caller name, the call ID as CTICallRef, the
  UCID as InteractionGuid, queue name, wrap-up and query data where the feed gives them) and
  the tag is "queued"; the writer sends it, and retries a failure with backoff. The row is the
  queue: a restart loses nothing, and a written tag is never written again (nor are its flags
  recomputed: a later rename does not touch them).
- Users: each recorder's user list is read at start and daily (and from the admin action);
  the matched user (Recorder.match_key) is written with the flags.

HTTP runs in worker threads with timeouts, the database on the tagger's own DbThread: the
ingest event loop never waits for either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError, InterfaceError
from django.utils import timezone

from integrations import recorder
from wallboard.models import Agent, Call, Recorder, RecordingTag
from wallboard.models.names import directory
from wallboard.models.recordings import (
    FOUND,
    LOOKING,
    NOT_TAGGED,
    QUEUED,
    WRITTEN,
    match_user,
)

from .calls import LedgerCall, Segment, SegmentObserver
from .db import DbThread

log = logging.getLogger(__name__)

MAX_NEWS = 50_000  # segment news waiting for the tagger; beyond it news is counted, not kept
RETRY_LOOKUP_SECONDS = 0.5  # how often the recorder is asked again within the window
CLOCK_SLACK_SECONDS = 5.0  # a recording may start this much before the feed's connect time
RETRY_FIRST_SECONDS = 5.0  # a failed write is tried again after this, doubling up to the cap
RETRY_MAX_SECONDS = 300.0
PURGE_EVERY_SECONDS = 3600.0  # finished tags older than CALL_RETENTION_DAYS go (as calls do)
USERS_EVERY_SECONDS = 24 * 3600.0
USERS_RETRY_SECONDS = 300.0  # a user list that could not be read is asked for again after
WRITES_PER_ROUND = 50
MAX_LOOKUPS = 32  # look-ups running at once
HTTP_TIMEOUT = 5.0
# What of a call's `extra` (the feed's fields) the flags use: CallerName, CTIWrapup, CTIQueryData.
NEWS_EXTRA = ("caller_name", "wrapup", "query_data")


@dataclass(frozen=True, slots=True)
class SegmentNews:
    what: str  # "connected" or "ended"
    source_id: int
    call_key: str
    call_id: str
    seq: int
    extension: str
    agent_id: str
    at: float  # the connect (answer) time, or the end
    answered: bool
    first_seen: bool  # the call was first seen already answered
    ucid: str = ""
    queue_kind: str = ""
    queue_number: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Hub:
    """Where the ledgers' news waits for the tagger (bounded)."""

    def __init__(self) -> None:
        self.news: deque[SegmentNews] = deque()
        self.dropped = 0
        self.wake: asyncio.Event | None = None

    def observer(self, source_id: int) -> SegmentObserver:
        def tell(what: str, call: LedgerCall, seg: Segment, first_seen: bool) -> None:
            if len(self.news) >= MAX_NEWS:
                self.dropped += 1
                if self.dropped in (1, 1000) or self.dropped % 100_000 == 0:
                    log.error(
                        "recordings: %d segment news dropped (the tagger is behind)", self.dropped
                    )
                return
            self.news.append(_news(source_id, what, call, seg, first_seen))
            if self.wake is not None:
                self.wake.set()

        return tell


HUB = Hub()


def observer(source_id: int) -> SegmentObserver:
    """The ledger observer for a source's worker."""
    return HUB.observer(source_id)


def _news(
    source_id: int, what: str, call: LedgerCall, seg: Segment, first_seen: bool
) -> SegmentNews:
    wanted: dict[str, Any] = {k: call.extra[k] for k in NEWS_EXTRA if k in call.extra}
    at = seg.answered_at if what == "connected" else seg.ended_at
    return SegmentNews(
        what=what,
        source_id=source_id,
        call_key=call.key,
        call_id=call.call_id,
        seq=seg.seq,
        extension=seg.extension,
        agent_id=seg.agent_id,
        at=at if at is not None else call.updated_at,
        answered=seg.answered_at is not None,
        first_seen=first_seen,
        ucid=call.ucid,
        queue_kind=seg.queue_kind or call.queue_kind,
        queue_number=seg.queue_number or call.queue_number,
        extra=wanted,
    )


@dataclass(slots=True)
class RecorderConf:
    id: int
    name: str
    kind: str
    base_url: str
    token: str
    match_key: str
    window: float
    source_ids: frozenset[int]
    users: list[dict[str, str]]
    users_loaded_at: float | None


@dataclass(frozen=True, slots=True)
class Lookup:
    tag_id: int
    recorder_id: int
    extension: str
    ucid: str
    connected_at: float


class Runner(Protocol):
    started: asyncio.Event
    reload_seconds: float


async def keep_tagging(runner: Runner) -> None:
    """runingest's tagger, until cancelled."""
    await runner.started.wait()
    tagger = Tagger(runner.reload_seconds)
    try:
        await tagger.run()
    finally:
        await tagger.close()


class Tagger:
    def __init__(self, reload_seconds: float = 3.0) -> None:
        self.reload_seconds = reload_seconds
        self.db = DbThread(background=True)
        self.recorders: dict[int, RecorderConf] = {}
        self.clients: dict[int, Any] = {}
        self.lookups: set[asyncio.Task[None]] = set()
        self.slots = asyncio.Semaphore(MAX_LOOKUPS)
        self.users_tried: dict[int, float] = {}
        self.wake = asyncio.Event()
        HUB.wake = self.wake

    async def close(self) -> None:
        for task in list(self.lookups):
            task.cancel()
        for task in list(self.lookups):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        HUB.wake = None
        self.db.close()

    async def run(self) -> None:
        loaded = -self.reload_seconds
        purged = -PURGE_EVERY_SECONDS
        resumed = False
        while True:
            try:
                if time.monotonic() - purged >= PURGE_EVERY_SECONDS:
                    purged = time.monotonic()
                    await self.db(purge_tags, settings.CALL_RETENTION_DAYS)
                if time.monotonic() - loaded >= self.reload_seconds:
                    await self._load()
                    loaded = time.monotonic()
                    if not resumed:
                        for lookup in await self.db(resume_lookups, time.time()):
                            self._look(lookup)
                        await self.db(resume_ended, list(self.recorders.values()))
                        resumed = True
                    await self._refresh_users()
                await self._take_news()
                await self._write_due()
            except (DatabaseError, InterfaceError) as exc:
                log.error("recordings: database unavailable (%s); retrying", exc)
            except Exception:  # a bug must not end tagging for good: its rows wait in the table
                log.exception("recordings: the tagger failed; going on")
                await asyncio.sleep(1.0)
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), 0.5)

    async def _load(self) -> None:
        self.recorders = {r.id: r for r in await self.db(load_recorders)}
        for recorder_id, conf in self.recorders.items():
            client = self.clients.get(recorder_id)
            key = (conf.kind, conf.base_url, conf.token)
            if client is None or getattr(client, "_key", None) != key:
                client = recorder(conf.kind).make_client(conf.base_url, conf.token, HTTP_TIMEOUT)
                client._key = key
                self.clients[recorder_id] = client

    async def _refresh_users(self) -> None:
        now = time.time()
        for conf in self.recorders.values():
            fresh = (
                conf.users_loaded_at is not None
                and now - conf.users_loaded_at < USERS_EVERY_SECONDS
            )
            if (
                fresh
                or now - self.users_tried.get(conf.id, -USERS_RETRY_SECONDS) < USERS_RETRY_SECONDS
            ):
                continue
            self.users_tried[conf.id] = now
            module = recorder(conf.kind)
            try:
                users = await asyncio.to_thread(self.clients[conf.id].users)
            except module.RecorderError as exc:
                log.warning("recorder %s: users not read (%s)", conf.name, exc)
                await self.db(save_users_error, conf.id, str(exc))
                continue
            conf.users = [_user_json(u) for u in users]
            conf.users_loaded_at = now
            await self.db(save_users, conf.id, conf.users)
            log.info("recorder %s: %d users read", conf.name, len(users))

    async def _take_news(self) -> None:
        if not HUB.news or not self.recorders:
            if not self.recorders:
                # No recorder: nothing to tag (one added later tags calls from then on).
                HUB.news.clear()
            return
        batch = [HUB.news.popleft() for _ in range(min(len(HUB.news), 500))]
        try:
            lookups = await self.db(apply_news, batch, list(self.recorders.values()))
        except (DatabaseError, InterfaceError):
            HUB.news.extendleft(reversed(batch))  # kept for the next round
            raise
        for lookup in lookups:
            self._look(lookup)
        if HUB.news:
            self.wake.set()

    def _look(self, lookup: Lookup) -> None:
        task = asyncio.create_task(self._lookup(lookup), name=f"recording look-up {lookup.tag_id}")
        self.lookups.add(task)
        task.add_done_callback(self.lookups.discard)

    async def _lookup(self, lookup: Lookup) -> None:
        """Ask for the recording until found or the window is over."""
        conf = self.recorders.get(lookup.recorder_id)
        client = self.clients.get(lookup.recorder_id)
        if conf is None or client is None:
            return
        module = recorder(conf.kind)
        deadline = lookup.connected_at + conf.window
        trouble = ""
        async with self.slots:
            while True:
                now = time.time()
                try:
                    if lookup.extension:
                        found = await asyncio.to_thread(
                            client.find,
                            lookup.extension,
                            lookup.connected_at - CLOCK_SLACK_SECONDS,
                            now + CLOCK_SLACK_SECONDS,
                        )
                    else:
                        found = await asyncio.to_thread(client.find_by_ucid, lookup.ucid)
                except module.RecorderError as exc:
                    found, trouble = [], str(exc)
                if found and await self._db_retrying(mark_found, lookup, found):
                    self.wake.set()
                    return
                if time.time() >= deadline:
                    reason = f"no recording found within {conf.window:g} s of connect"
                    if trouble:
                        reason += f" (last answer: {trouble})"
                    await self._db_retrying(mark_not_tagged, lookup.tag_id, reason)
                    return
                await asyncio.sleep(max(0.0, min(RETRY_LOOKUP_SECONDS, deadline - time.time())))

    async def _db_retrying(self, fn: Any, *args: Any) -> Any:
        while True:
            try:
                return await self.db(fn, *args)
            except (DatabaseError, InterfaceError) as exc:
                log.error("recordings: database unavailable (%s); retrying", exc)
                await asyncio.sleep(1.0)

    async def _write_due(self) -> None:
        due = await self.db(due_writes, list(self.recorders), time.time())
        down: set[int] = set()  # recorders that failed this round: not waited on again
        for tag_id, recorder_id, recording_id, flags, user_id, attempts in due:
            if recorder_id in down:
                continue
            conf = self.recorders[recorder_id]
            module = recorder(conf.kind)
            try:
                await asyncio.to_thread(
                    self.clients[recorder_id].write_flags, recording_id, flags, user_id
                )
            except module.FlagsRefused as exc:
                await self.db(mark_refused, tag_id, str(exc))
            except module.RecorderError as exc:
                down.add(recorder_id)
                delay = min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2**attempts)
                await self.db(mark_retry, tag_id, str(exc), time.time() + delay)
                if attempts == 0:
                    log.warning("recorder %s: flags not written (%s); queued", conf.name, exc)
            else:
                await self.db(mark_written, tag_id)


def _user_json(user: Any) -> dict[str, str]:
    return {
        "id": user.user_id,
        "login": user.login,
        "extension": user.extension,
        "email": user.email,
        "name": user.name,
    }


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


# -- database work (on the tagger's DbThread) ---------------------------------------------
def load_recorders() -> list[RecorderConf]:
    out = []
    for r in Recorder.objects.filter(enabled=True).prefetch_related("sources"):
        try:
            token = r.token()
        except ValueError as exc:  # sealed under another SECRET_KEY
            log.error("recorder %s: credential unreadable (%s); skipped", r.name, exc)
            continue
        out.append(
            RecorderConf(
                id=r.pk,
                name=r.name,
                kind=r.kind,
                base_url=r.base_url,
                token=token,
                match_key=r.match_key,
                window=float(r.lookup_window_seconds),
                source_ids=frozenset(s.pk for s in r.sources.all()),
                users=list(r.users),
                users_loaded_at=r.users_loaded_at.timestamp() if r.users_loaded_at else None,
            )
        )
    return out


def purge_tags(days: int) -> int:
    """Finished tags of calls past retention (their flags may name the caller)."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = RecordingTag.objects.filter(
        status__in=(WRITTEN, NOT_TAGGED), connected_at__lt=cutoff
    ).delete()
    if deleted:
        log.info("recordings: %d tags past retention deleted", deleted)
    return deleted


def save_users(recorder_id: int, users: list[dict[str, str]]) -> None:
    Recorder.objects.filter(pk=recorder_id).update(
        users=users, users_loaded_at=timezone.now(), users_error=""
    )


def save_users_error(recorder_id: int, error: str) -> None:
    Recorder.objects.filter(pk=recorder_id).update(users_error=error[:300])


def resume_lookups(now: float) -> list[Lookup]:
    """After a restart: look-ups still inside their window go on; the rest missed it."""
    out = []
    for tag in RecordingTag.objects.filter(status=LOOKING).select_related("recorder"):
        connected = tag.connected_at.timestamp()
        if now < connected + tag.recorder.lookup_window_seconds:
            out.append(Lookup(tag.pk, tag.recorder_id, tag.extension, "", connected))
        else:
            tag.status = NOT_TAGGED
            tag.reason = "ingest was stopped during the look-up window"
            tag.save(update_fields=["status", "reason"])
    return out


def resume_ended(recorders: list[RecorderConf]) -> None:
    """After a restart: a leg whose end was stored with its call but not yet heard by the
    tagger (ingest stopped in between) gets its flags from the stored call."""
    confs = {c.id: c for c in recorders}
    names = None
    for tag in RecordingTag.objects.filter(
        status__in=(LOOKING, FOUND), ended_at__isnull=True, recorder_id__in=list(confs)
    ):
        call = Call.objects.filter(source_id=tag.source_id, ledger_key=tag.call_key).first()
        segment = call.segments.filter(seq=tag.seq).first() if call is not None else None
        if call is None or segment is None or segment.ended_at is None:
            continue
        if names is None:
            names = directory()
        item = SegmentNews(
            what="ended",
            source_id=tag.source_id,
            call_key=tag.call_key,
            call_id=call.call_id,
            seq=segment.seq,
            extension=segment.extension,
            agent_id=segment.agent_id,
            at=segment.ended_at.timestamp(),
            answered=True,
            first_seen=False,
            ucid=call.ucid,
            queue_kind=segment.queue_kind or call.queue_kind,
            queue_number=segment.queue_number or call.queue_number,
            extra={k: call.extra[k] for k in NEWS_EXTRA if k in (call.extra or {})},
        )
        _ended(item, confs[tag.recorder_id], names)


def apply_news(news: list[SegmentNews], recorders: list[RecorderConf]) -> list[Lookup]:
    lookups: list[Lookup] = []
    names = None
    for item in news:
        for conf in recorders:
            if item.source_id not in conf.source_ids:
                continue
            if item.what == "connected":
                lookup = _connected(item, conf)
                if lookup is not None:
                    lookups.append(lookup)
            elif item.answered:
                if names is None:
                    names = directory()
                _ended(item, conf, names)
    return lookups


def _key(item: SegmentNews, conf: RecorderConf) -> dict[str, Any]:
    return {
        "recorder_id": conf.id,
        "source_id": item.source_id,
        "call_key": item.call_key,
        "seq": item.seq,
    }


def _connected(item: SegmentNews, conf: RecorderConf) -> Lookup | None:
    reason = ""
    if item.first_seen:
        reason = (
            "the call was already connected when ingest first saw it: its recording's ID "
            "could not be asked for in time"
        )
    elif not item.extension and not item.ucid:
        reason = "no extension or UCID to look the recording up by"
    tag, created = RecordingTag.objects.get_or_create(
        **_key(item, conf),
        defaults={
            "call_id": item.call_id,
            "extension": item.extension,
            "agent_id": item.agent_id,
            "connected_at": _when(item.at),
            "status": NOT_TAGGED if reason else LOOKING,
            "reason": reason,
        },
    )
    if not created or reason:
        return None
    return Lookup(tag.pk, conf.id, item.extension, item.ucid, item.at)


def _ended(item: SegmentNews, conf: RecorderConf, names: Any) -> None:
    tag = RecordingTag.objects.filter(**_key(item, conf)).first()
    if tag is None:
        RecordingTag.objects.create(
            **_key(item, conf),
            call_id=item.call_id,
            extension=item.extension,
            agent_id=item.agent_id,
            connected_at=_when(item.at),
            ended_at=_when(item.at),
            status=NOT_TAGGED,
            reason="the tagger did not see this leg connect (the recorder was added or "
            "enabled mid-call, or ingest stopped before the look-up began)",
        )
        return
    if tag.ended_at is not None:
        return  # flags are made once: a later rename never touches them
    user = match_user(conf.users, conf.match_key, *_agent(item))
    tag.flags = flags_for(item, names)
    tag.user_id = user["id"] if user else ""
    tag.ended_at = _when(item.at)
    tag.agent_id = tag.agent_id or item.agent_id
    if tag.status == FOUND:
        tag.status, tag.next_try = QUEUED, timezone.now()
    tag.save()


def _agent(item: SegmentNews) -> tuple[str, str, str]:
    """The agent as the match keys see it: login, extension, e-mail (the feed's `email`)."""
    row = None
    if item.agent_id:
        row = Agent.objects.filter(source_id=item.source_id, agent_id=item.agent_id).first()
    extra: dict[str, Any] = (row.extra or {}) if row is not None else {}
    extension = item.extension or (row.extension if row is not None else "")
    return item.agent_id, extension, str(extra.get("email", ""))


def flags_for(item: SegmentNews, names: Any) -> dict[str, str]:
    """The QMS flags for a segment, from what the call says now (absent ones left out)."""
    feed_name = ""
    if item.agent_id:
        feed_name = (
            Agent.objects.filter(source_id=item.source_id, agent_id=item.agent_id)
            .values_list("name", flat=True)
            .first()
            or ""
        )
    flags = {
        "AgentId": item.agent_id,
        "AgentName": names.agent(item.source_id, item.agent_id, feed_name) if item.agent_id else "",
        "CallerName": str(item.extra.get("caller_name", "")),
        "CTICallRef": item.call_id,
        "InteractionGuid": item.ucid,
        "QueueName": (
            names.queue(item.source_id, item.queue_kind, item.queue_number) or item.queue_number
        )
        if item.queue_number
        else "",
        "CTIWrapup": str(item.extra.get("wrapup", "")),
        "CTIQueryData": str(item.extra.get("query_data", "")),
    }
    return {k: v for k, v in flags.items() if v}


def mark_found(lookup: Lookup, found: list[Any]) -> bool:
    """The recording nearest the connect that no other segment has; False if none is left."""
    taken = set(
        RecordingTag.objects.filter(
            recorder_id=lookup.recorder_id, recording_id__in=[r.recording_id for r in found]
        ).values_list("recording_id", flat=True)
    )
    free = [r for r in found if r.recording_id not in taken]
    if not free:
        return False
    best = min(free, key=lambda r: abs(r.started_at - lookup.connected_at))
    tag = RecordingTag.objects.get(pk=lookup.tag_id)
    if tag.status != LOOKING:
        return True
    tag.recording_id, tag.recording_url = best.recording_id, best.url[:500]
    if tag.ended_at is not None:
        tag.status, tag.next_try = QUEUED, timezone.now()
    else:
        tag.status = FOUND
    tag.save()
    return True


def mark_not_tagged(tag_id: int, reason: str) -> None:
    RecordingTag.objects.filter(pk=tag_id, status=LOOKING).update(
        status=NOT_TAGGED, reason=reason[:300]
    )


def due_writes(
    recorder_ids: list[int], now: float
) -> list[tuple[int, int, str, dict[str, str], str, int]]:
    return list(
        RecordingTag.objects.filter(
            recorder_id__in=recorder_ids, status=QUEUED, next_try__lte=_when(now)
        )
        .order_by("next_try")
        .values_list("pk", "recorder_id", "recording_id", "flags", "user_id", "attempts")[
            :WRITES_PER_ROUND
        ]
    )


def mark_written(tag_id: int) -> None:
    RecordingTag.objects.filter(pk=tag_id).update(
        status=WRITTEN, written_at=timezone.now(), reason="", next_try=None
    )


def mark_refused(tag_id: int, why: str) -> None:
    RecordingTag.objects.filter(pk=tag_id).update(
        status=NOT_TAGGED, reason=f"the recorder refused the flags: {why}"[:300], next_try=None
    )


def mark_retry(tag_id: int, why: str, at: float) -> None:
    tag = RecordingTag.objects.get(pk=tag_id)
    tag.attempts += 1
    tag.reason = why[:300]
    tag.next_try = _when(at)
    tag.save(update_fields=["attempts", "reason", "next_try"])
