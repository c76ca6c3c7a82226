"""Everything ingest reads from or writes to the database, as plain sync functions.

The async side calls these through one dedicated thread (see runner.DbThread), so each unit of
work gets a healthy connection (close_old_connections) and SQLite sees a single writer.
"""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter, itemgetter
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery

from integrations.base import OVERFLOW, QUEUE_FIGURES, QueueRow
from wallboard.engine.records import LiveCall
from wallboard.models import (
    Agent,
    AgentInterval,
    Call,
    CallSegment,
    Queue,
    QueueInterval,
    Source,
    SourceHealth,
    SourcePosition,
)
from wallboard.models.intervals import AGENT_INTERVAL_FIGURES, AGENT_INTERVAL_SECONDS
from wallboard.models.live import stored_live_rows
from wallboard.models.screenpops import APPLIED, PENDING, ScreenPop
from wallboard.sourcesecrets import UnreadableSecrets

from .calls import RECENT_ABANDONED, LedgerCall, Segment
from .intervals import INTERVAL, StoredIntervals
from .live import Changes
from .upsert import bulk_upsert, epoch_to_db, json_small, json_text

CHUNK = 1000
QUEUE_UPDATE_FIELDS = [
    "name",
    *QUEUE_FIGURES,
    "overflow",
    "today",
    "counter_state",
    "extra",
    "updated_at",
    "gone",
]
AGENT_UPDATE_FIELDS = [
    "name",
    "extension",
    "state",
    "vendor_state",
    "reason_code",
    "state_since",
    "skills",
    "extra",
    "updated_at",
    "gone",
]


@dataclass(frozen=True, slots=True)
class TargetConfig:
    id: int
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """What a worker needs to know of a Source; compared to see what an admin edit changed."""

    id: int
    name: str
    vendor: str
    display_name: str
    layout: str
    listen: str
    connect: str
    allowed_peers: str
    refresh_seconds: int
    queue_range: str
    agent_range: str
    options_json: str
    compat_file: str
    targets: tuple[TargetConfig, ...]
    tls: bool = False
    tls_ca_file: str = ""
    tls_cert_file: str = ""
    tls_key_file: str = ""
    # The vendor's credential options, merged into the options only when a decoder is made;
    # kept out of repr() so no log line or traceback of a config ever shows them.
    secrets_json: str = field(default="{}", repr=False)
    secrets_problem: str = ""  # why the stored credentials cannot be read, if so
    # Another source whose agent states fill this one's unknown ones (a neutral option).
    agent_states_from: str = ""

    def restart_key(self) -> tuple[Any, ...]:
        """Fields whose change needs a new connection (the rest apply on the fly)."""
        return (
            self.vendor,
            self.layout,
            self.listen,
            self.connect,
            self.options_json,
            self.tls,
            self.tls_ca_file,
            self.tls_cert_file,
            self.tls_key_file,
            self.secrets_json,
        )

    def decoder_options(self) -> dict[str, Any]:
        """The vendor options with the credentials merged in, for make_decoder only."""
        import json

        return {**json.loads(self.options_json), **json.loads(self.secrets_json)}


def load_configs(names: list[str] | None = None) -> list[SourceConfig]:
    import json

    qs = Source.objects.filter(enabled=True).prefetch_related("targets")
    if names:
        qs = qs.filter(name__in=names)
    configs = []
    for source in qs:
        try:
            secrets, secrets_problem = source.secret_values(), ""
        except UnreadableSecrets as exc:
            secrets, secrets_problem = {}, str(exc)
        configs.append(
            SourceConfig(
                id=source.pk,
                name=source.name,
                vendor=source.vendor,
                display_name=source.shown_name,
                layout=source.effective_layout,
                listen=source.listen,
                connect=source.connect,
                allowed_peers=source.allowed_peers,
                refresh_seconds=source.refresh_seconds,
                queue_range=source.queue_range,
                agent_range=source.agent_range,
                options_json=json.dumps(source.effective_options(), sort_keys=True),
                compat_file=source.compat_file,
                targets=tuple(
                    TargetConfig(t.pk, t.host, t.port) for t in source.targets.all() if t.enabled
                ),
                tls=source.tls,
                tls_ca_file=source.tls_ca_file,
                tls_cert_file=source.tls_cert_file,
                tls_key_file=source.tls_key_file,
                secrets_json=json.dumps(secrets, sort_keys=True),
                secrets_problem=secrets_problem,
                agent_states_from=source.agent_states_from,
            )
        )
    return configs


def day_of(now: float) -> str:
    """The reporting day (site time zone, DAY_START_HOUR) an epoch instant belongs to."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = datetime.fromtimestamp(now, tz) - timedelta(hours=settings.DAY_START_HOUR)
    return local.date().isoformat()


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# The rows a source had before a restart, as LiveState.restore() takes them (the web side
# reads them too, for a display's snapshot when ingest has published none).
restore = stored_live_rows


QUEUE_FIELDS = ["source", "kind", "number", *QUEUE_UPDATE_FIELDS]
AGENT_FIELDS = ["source", "agent_id", *AGENT_UPDATE_FIELDS]
_queue_figures: Callable[[QueueRow], tuple[Any, ...]] = attrgetter(*QUEUE_FIGURES)


def queue_tuple(
    source_id: int,
    row: QueueRow,
    today: dict[str, Any] | None,
    counter_state: dict[str, Any],
    at: Any,
) -> tuple[Any, ...]:
    """A Queue row in QUEUE_FIELDS order; an overflowed figure is null and listed in overflow."""
    figures = _queue_figures(row)
    overflow = "[]"
    if OVERFLOW in figures:  # (rare: the figures are taken as they are otherwise)
        named = zip(QUEUE_FIGURES, figures, strict=True)
        overflowed = [name for name, value in named if value == OVERFLOW]
        figures = tuple(None if value == OVERFLOW else value for value in figures)
        overflow = json_text(overflowed)
    return (
        source_id,
        row.kind,
        row.number,
        row.name,
        *figures,
        overflow,
        json_text(today or {}),
        json_text(counter_state),
        json_text(row.extra),
        at,
        False,
    )


def write_changes(
    source_id: int, changes: Changes, counter_states: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """Upsert changed rows in bulk and mark departed ones gone, in one transaction."""
    when = epoch_to_db()
    at_dt = _dt(changes.at)  # for ORM updates
    at = when(changes.at)
    # (generators: bulk_upsert makes the rows as it writes them)
    queues = (
        queue_tuple(
            source_id,
            row,
            changes.today.get(key),
            {**counter_states.get(key, {}), "counters": row.counters},
            at,
        )
        for key, row in changes.queues.items()
    )
    # A queue whose today's totals moved but whose row did not (rare) still gets them written.
    today_only = [key for key in changes.today if key not in changes.queues]
    since = changes.since
    agents = (
        (
            source_id,
            a.agent_id,
            a.name,
            a.extension,
            a.state,
            a.vendor_state,
            a.reason_code,
            when(since[a.agent_id]),
            json_small(a.skills),
            json_small(a.extra),
            at,
            False,
        )
        for a in changes.agents.values()
    )
    with transaction.atomic():
        bulk_upsert(Queue, QUEUE_FIELDS, ["source", "kind", "number"], queues)
        if today_only:
            _write_today_only(source_id, today_only, changes.today, counter_states)
        bulk_upsert(Agent, AGENT_FIELDS, ["source", "agent_id"], agents)
        by_kind: dict[str, list[str]] = {}
        for kind, number in changes.gone_queues:
            by_kind.setdefault(kind, []).append(number)
        for kind, numbers in by_kind.items():
            for i in range(0, len(numbers), CHUNK):
                Queue.objects.filter(
                    source_id=source_id, kind=kind, number__in=numbers[i : i + CHUNK]
                ).update(gone=True, updated_at=at_dt)
        gone_agents = list(changes.gone_agents)
        for i in range(0, len(gone_agents), CHUNK):
            Agent.objects.filter(
                source_id=source_id, agent_id__in=gone_agents[i : i + CHUNK]
            ).update(gone=True, updated_at=at_dt)


def _write_today_only(
    source_id: int,
    keys: list[tuple[str, str]],
    today: dict[tuple[str, str], dict[str, Any]],
    counter_states: dict[tuple[str, str], dict[str, Any]],
) -> None:
    """Today's totals (and counter state) of queues whose row did not change: all of a new
    day's queues at once, a call-fed source's booked queues each batch. In bulk (a read and an
    update per CHUNK of them), never a query per queue; a queue with no row is left out."""
    by_kind: dict[str, list[str]] = {}
    for kind, number in keys:
        by_kind.setdefault(kind, []).append(number)
    rows: list[Queue] = []
    for kind, numbers in by_kind.items():
        for i in range(0, len(numbers), CHUNK):
            rows.extend(
                Queue.objects.filter(
                    source_id=source_id, kind=kind, number__in=numbers[i : i + CHUNK]
                ).only("id", "kind", "number")
            )
    for row in rows:
        key = (row.kind, row.number)
        row.today = today[key]
        row.counter_state = counter_states.get(key, {})
    Queue.objects.bulk_update(rows, ["today", "counter_state"], batch_size=CHUNK)


QUEUE_INTERVAL_FIELDS = [
    "source",
    "kind",
    "number",
    "start",
    "offered",
    "answered",
    "abandoned",
    "answered_in_sl",
    "answer_wait_sum",
    "answer_wait_max",
    "talk_sum",
    "extra",
    "accounting",
    "updated_at",
]
AGENT_INTERVAL_FIELDS = [
    "source",
    "agent_id",
    "start",
    *AGENT_INTERVAL_FIGURES,
    "extra",
    "accounting",
    "updated_at",
]
AGENT_SECONDS = AGENT_INTERVAL_SECONDS
_agent_seconds: Callable[[dict[str, Any]], tuple[Any, ...]] = itemgetter(*AGENT_SECONDS)


def write_intervals(
    source_id: int,
    queues: list[tuple[tuple[str, str], int, dict[str, Any]]],
    agents: list[tuple[str, int, dict[str, Any]]],
    position: Position | None = None,
) -> None:
    """Upsert interval rows with their whole values so far, each with ingest's bookkeeping
    (`accounting`) in the same statement: a crash never leaves the two out of step. A polled
    source's position, when given, is stored in the same transaction."""
    with transaction.atomic():
        _write_interval_rows(source_id, queues, agents)
        if position is not None:
            _write_position(source_id, position)


@dataclass(frozen=True, slots=True)
class Position:
    """A poller's position (JSON-serialisable), to store with what was saved up to it."""

    value: Any


def _write_position(source_id: int, position: Position) -> None:
    SourcePosition.objects.update_or_create(
        source_id=source_id, defaults={"position": position.value}
    )


def write_position(source_id: int, position: Position) -> None:
    with transaction.atomic():
        _write_position(source_id, position)


def read_position(source_id: int) -> Any:
    """A polled source's stored position, or None (never polled: from the start of today)."""
    row = SourcePosition.objects.filter(source_id=source_id).first()
    return None if row is None else row.position


def _write_interval_rows(
    source_id: int,
    queues: list[tuple[tuple[str, str], int, dict[str, Any]]],
    agents: list[tuple[str, int, dict[str, Any]]],
) -> None:
    when = epoch_to_db()
    at = when(time.time())
    # Made as they are written (bulk_upsert takes iterators): a quarter hour's close hands
    # over a row of every agent.
    queue_rows = (
        (
            source_id,
            kind,
            number,
            when(start),
            b["offered"],
            b["answered"],
            b["abandoned"],
            b["answered_in_sl"],
            b["answer_wait_sum"],
            b.get("answer_wait_max"),
            b["talk_sum"],
            json_text(b.get("extra") or {}),
            json_text(b.get("accounting") or {}),
            at,
        )
        for (kind, number), start, b in queues
    )
    agent_rows = (
        (
            source_id,
            agent_id,
            when(start),
            *_agent_seconds(b),
            json_text(b["not_ready_by_reason"]),
            b["answered"],
            json_text(b.get("extra") or {}),
            json_text(b.get("accounting") or {}),
            at,
        )
        for agent_id, start, b in agents
    )
    bulk_upsert(
        QueueInterval, QUEUE_INTERVAL_FIELDS, ["source", "kind", "number", "start"], queue_rows
    )
    bulk_upsert(AgentInterval, AGENT_INTERVAL_FIELDS, ["source", "agent_id", "start"], agent_rows)


# -- the call ledger (ingest/calls.py) ------------------------------------------------------
CALL_FIELDS = [
    "source",
    "ledger_key",
    "call_id",
    "ucid",
    "direction",
    "media",
    "vdn",
    "queue_kind",
    "queue_number",
    "calling",
    "called",
    "agent_id",
    "extension",
    "state",
    "offered_at",
    "queued_at",
    "answered_at",
    "ended_at",
    "hold_seconds",
    "held_since",
    "released_by",
    "outcome",
    "transfer_target",
    "cause",
    "orphaned",
    "extra",
    "counted",
    "updated_at",
]
SEGMENT_FIELDS = [
    "call",
    "seq",
    "agent_id",
    "extension",
    "queue_kind",
    "queue_number",
    "started_at",
    "answered_at",
    "ended_at",
    "hold_seconds",
    "how_ended",
    "target",
]

CallRows = tuple[list[tuple[Any, ...]], list[tuple[str, tuple[Any, ...]]]]


def call_rows(source_id: int, calls: list[LedgerCall]) -> CallRows:
    """Changed calls as rows (CALL_FIELDS order) and their segments (ledger key, the rest of
    SEGMENT_FIELDS): taken on the event loop, as the calls are at that instant, since the
    ledger goes on changing them while the rows are written. Ended calls first: one whose ID
    a new call took must be closed before the new one's row goes in."""
    when = epoch_to_db()

    def opt(t: float | None) -> Any:
        return None if t is None else when(t)

    rows, segments = [], []
    for c in sorted(calls, key=lambda c: c.ended_at is None):
        key = c.key
        rows.append(
            (
                source_id,
                key,
                c.call_id,
                c.ucid[:40],
                c.direction,
                c.media[:16],
                c.vdn[:64],
                c.queue_kind,
                c.queue_number[:64],
                c.calling[:64],
                c.called[:64],
                c.agent_id[:64],
                c.extension[:64],
                c.state,
                when(c.offered_at),
                opt(c.queued_at),
                opt(c.answered_at),
                opt(c.ended_at),
                c.hold_seconds,
                opt(c.held_since),
                c.released_by,
                c.outcome,
                c.transfer_target[:64],
                c.cause[:64],
                c.orphaned,
                json_text(c.extra),
                json_text(c.counted),
                when(c.updated_at),
            )
        )
        for s in c.segments:
            segments.append(
                (
                    key,
                    (
                        s.seq,
                        s.agent_id[:64],
                        s.extension[:64],
                        s.queue_kind,
                        s.queue_number[:64],
                        when(s.started_at),
                        opt(s.answered_at),
                        opt(s.ended_at),
                        s.hold_seconds,
                        s.how_ended,
                        s.target[:64],
                    ),
                )
            )
    return rows, segments


def write_calls(
    source_id: int,
    calls: CallRows,
    queues: list[tuple[tuple[str, str], int, dict[str, Any]]],
    agents: list[tuple[str, int, dict[str, Any]]],
    position: Position | None = None,
    screen_pops: list[int] | None = None,
) -> None:
    """The changed calls, their segments and the interval rows they were booked into, in one
    transaction: a call's `counted` and the figures it counted land together or not at all
    (and a polled source's position with them: a restart reads no saved call again; and the
    screen pops they came from are marked applied: a restart applies none of them again)."""
    rows, segments = calls
    ids: dict[str, int] = {}
    with transaction.atomic():
        bulk_upsert(Call, CALL_FIELDS, ["source", "ledger_key"], rows)
        keys = [row[1] for row in rows]
        for i in range(0, len(keys), CHUNK):
            found = Call.objects.filter(
                source_id=source_id, ledger_key__in=keys[i : i + CHUNK]
            ).values_list("ledger_key", "id")
            ids.update((str(key), pk) for key, pk in found)
        bulk_upsert(
            CallSegment,
            SEGMENT_FIELDS,
            ["call", "seq"],
            [(ids[key], *segment) for key, segment in segments],
        )
        _write_interval_rows(source_id, queues, agents)
        if position is not None:
            _write_position(source_id, position)
        if screen_pops:
            mark_screen_pops_applied(screen_pops)


def _epoch(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def restore_calls(source_id: int, window: float) -> tuple[list[LedgerCall], list[LiveCall]]:
    """The source's open calls, as the ledger holds them, and its abandoned calls of the last
    `window` seconds (for the boards)."""
    open_calls = []
    for c in Call.objects.filter(source_id=source_id, ended_at__isnull=True).prefetch_related(
        "segments"
    ):
        call = LedgerCall(
            call_id=c.call_id,
            offered_at=c.offered_at.timestamp(),
            state=c.state,
            ucid=c.ucid,
            direction=c.direction,
            media=c.media,
            vdn=c.vdn,
            queue_kind=c.queue_kind,
            queue_number=c.queue_number,
            calling=c.calling,
            called=c.called,
            agent_id=c.agent_id,
            extension=c.extension,
            queued_at=_epoch(c.queued_at),
            answered_at=_epoch(c.answered_at),
            hold_seconds=c.hold_seconds,
            held_since=_epoch(c.held_since),
            released_by=c.released_by,
            outcome=c.outcome,
            transfer_target=c.transfer_target,
            cause=c.cause,
            extra=dict(c.extra or {}),
            updated_at=c.updated_at.timestamp(),
            counted=dict(c.counted or {}),
            key=c.ledger_key or "",
        )
        for s in c.segments.all():
            call.segments.append(
                Segment(
                    seq=s.seq,
                    started_at=s.started_at.timestamp(),
                    agent_id=s.agent_id,
                    extension=s.extension,
                    queue_kind=s.queue_kind,
                    queue_number=s.queue_number,
                    answered_at=_epoch(s.answered_at),
                    ended_at=_epoch(s.ended_at),
                    hold_seconds=s.hold_seconds,
                    # An open hold of the open segment is the call's own.
                    held_since=_epoch(c.held_since) if s.ended_at is None else None,
                    how_ended=s.how_ended,
                    target=s.target,
                )
            )
        open_calls.append(call)
    since = datetime.fromtimestamp(time.time() - window, UTC)
    abandoned = Call.objects.filter(
        source_id=source_id, outcome="abandoned", ended_at__gte=since
    ).order_by("-ended_at")[:RECENT_ABANDONED]
    recent = [
        LiveCall(
            call_id=c.call_id,
            state=c.state,
            queue_kind=c.queue_kind or ("vdn" if c.vdn else ""),
            queue_number=c.queue_number or c.vdn,
            vdn=c.vdn,
            calling=c.calling,
            agent_id=c.agent_id,
            offered_at=c.offered_at.timestamp(),
            waiting_since=(c.queued_at or c.offered_at).timestamp(),
            answered_at=None,
            ended_at=_epoch(c.ended_at),
            outcome=c.outcome,
            waiting=False,
        )
        for c in reversed(abandoned)
    ]
    return open_calls, recent


def restore_intervals(source_id: int, start: float) -> StoredIntervals:
    """The stored rows of the open interval, as IntervalAccounting buckets, and the bookkeeping
    of each queue's latest row and of each agent's latest row of this interval or the one
    before."""
    when = _dt(start)
    key_start = int(start)
    stored = StoredIntervals()
    recent = {"source_id": source_id, "start__gte": _dt(start - INTERVAL), "start__lte": when}
    # Each queue's latest row, however old: its counters as booked. A quiet queue's last row
    # may be hours old, and a crash right after its first change since then must not make the
    # new process take the live row's counters (ahead of what was booked) as its start.
    latest = (
        QueueInterval.objects.filter(
            source_id=OuterRef("source_id"), kind=OuterRef("kind"), number=OuterRef("number")
        )
        .order_by("-start")
        .values("start")[:1]
    )
    for q in QueueInterval.objects.filter(source_id=source_id, start=Subquery(latest)):
        stored.queue_marks[(q.kind, q.number)] = q.accounting or {}
    for q in QueueInterval.objects.filter(source_id=source_id, start=when):
        stored.queue_buckets[((q.kind, q.number), key_start)] = {
            "offered": q.offered,
            "answered": q.answered,
            "abandoned": q.abandoned,
            "answered_in_sl": q.answered_in_sl,
            "answer_wait_sum": q.answer_wait_sum,
            "answer_wait_max": q.answer_wait_max,
            "talk_sum": q.talk_sum,
            "extra": q.extra or {},
        }
    for a in AgentInterval.objects.filter(**recent).order_by("start"):
        stored.agent_marks[a.agent_id] = a.accounting or {}
        if a.start == when:
            bucket = {name: getattr(a, name) for name in AGENT_SECONDS}
            bucket["not_ready_by_reason"] = dict(a.not_ready_by_reason)
            bucket["answered"] = a.answered
            bucket["extra"] = a.extra or {}
            stored.agent_buckets[(a.agent_id, key_start)] = bucket
    return stored


def write_health(reports: list[dict[str, Any]]) -> None:
    """Each worker's feed health; one row per source."""
    now = datetime.now(UTC)
    with transaction.atomic():
        for report in reports:
            source_id = report.pop("source_id")
            if not Source.objects.filter(pk=source_id).exists():
                continue
            SourceHealth.objects.update_or_create(
                source_id=source_id, defaults={**report, "heartbeat_at": now}
            )


def mark_disconnected(source_ids: list[int]) -> None:
    SourceHealth.objects.filter(source_id__in=source_ids).update(
        connected=False, peer="", stale=True
    )


def mark_screen_pops_applied(ids: list[int]) -> None:
    now = datetime.now(UTC)
    for i in range(0, len(ids), CHUNK):
        ScreenPop.objects.filter(pk__in=ids[i : i + CHUNK], status=PENDING).update(
            status=APPLIED, applied_at=now
        )
