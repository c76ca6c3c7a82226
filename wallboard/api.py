"""Read-only JSON API (/api/v1/...): a staff session or `Authorization: Bearer <token>`."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

import integrations
from integrations.base import QUEUE_FIGURES, QUEUE_KINDS
from wallboard.engine.names import NO_NAMES, Names
from wallboard.history import BadDay, day_start, parse_day, site_zone
from wallboard.lib.privacy import mask_number
from wallboard.models import (
    Agent,
    ApiToken,
    Board,
    Call,
    CallSegment,
    Queue,
    Source,
    SourceHealth,
)
from wallboard.models.calls import CALL_STATES
from wallboard.models.names import directory
from wallboard.models.recordings import recording_json, recordings_of

View = Callable[..., HttpResponseBase]


def api_access(view: View) -> View:
    """Staff sessions and enabled API tokens only; a board display key opens nothing here."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token = ApiToken.lookup(header[7:].strip())
            if token is None:
                return JsonResponse({"error": "invalid or revoked token"}, status=401)
            # Whose permissions a request by token has (caller numbers: see number_viewer).
            request.api_token = token  # type: ignore[attr-defined]
            now = timezone.now()
            if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        elif not (request.user.is_authenticated and request.user.is_staff):
            response = JsonResponse(
                {"error": "log in as staff or send Authorization: Bearer <token>"}, status=401
            )
            response["WWW-Authenticate"] = "Bearer"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _stale_sources() -> dict[int, bool]:
    return dict(SourceHealth.objects.values_list("source_id", "stale"))


def _filtered(request: HttpRequest, qs: Any) -> Any:
    source = request.GET.get("source")
    if source:
        qs = qs.filter(source__name=source)
    if request.GET.get("include_gone") not in ("1", "true", "yes"):
        qs = qs.filter(gone=False)
    return qs


def queue_json(
    queue: Queue, source_name: str, stale: bool, names: Names = NO_NAMES
) -> dict[str, Any]:
    """`name`: as displays show it (the names directory's, or the feed's own), `feed_name`:
    the feed's own."""
    data: dict[str, Any] = {
        "source": source_name,
        "kind": queue.kind,
        "number": queue.number,
        "name": names.queue(queue.source_id, queue.kind, queue.number, queue.name),
        "feed_name": queue.name,
    }
    for figure in QUEUE_FIGURES:
        data[figure] = queue.figure(figure)
    data["today"] = queue.today
    data["extra"] = queue.extra
    data["updated_at"] = _iso(queue.updated_at)
    data["stale"] = stale
    data["gone"] = queue.gone
    return data


def agent_json(
    agent: Agent, source_name: str, stale: bool, names: Names = NO_NAMES
) -> dict[str, Any]:
    """`name` as displays show it, `feed_name` the feed's own; `reason` the reason code's name
    in the names directory ("" for none)."""
    return {
        "source": source_name,
        "agent_id": agent.agent_id,
        "name": names.agent(agent.source_id, agent.agent_id, agent.name),
        "feed_name": agent.name,
        "extension": agent.extension,
        "state": agent.state,
        "vendor_state": agent.vendor_state,
        "reason_code": agent.reason_code,
        "reason": names.reason(agent.source_id, agent.reason_code),
        "state_since": _iso(agent.state_since),
        "skills": agent.skills,
        "updated_at": _iso(agent.updated_at),
        "stale": stale,
        "gone": agent.gone,
    }


@require_GET
@api_access
def queues(request: HttpRequest) -> HttpResponse:
    stale = _stale_sources()
    names = dict(Source.objects.values_list("id", "name"))
    qs = _filtered(request, Queue.objects.all())
    if request.GET.get("kind"):
        qs = qs.filter(kind=request.GET["kind"])
    shown = directory()
    rows = [queue_json(q, names[q.source_id], stale.get(q.source_id, True), shown) for q in qs]
    return JsonResponse(rows, safe=False)


@require_GET
@api_access
def agents(request: HttpRequest) -> HttpResponse:
    stale = _stale_sources()
    names = dict(Source.objects.values_list("id", "name"))
    qs = _filtered(request, Agent.objects.all())
    if request.GET.get("state"):
        qs = qs.filter(state=request.GET["state"])
    shown = directory()
    rows = [agent_json(a, names[a.source_id], stale.get(a.source_id, True), shown) for a in qs]
    return JsonResponse(rows, safe=False)


def source_json(source: Source) -> dict[str, Any]:
    health = getattr(source, "health", None)
    targets = []
    for target in source.targets.all():
        status = (health.targets if health else {}).get(str(target.pk), {})
        targets.append(
            {
                "host": target.host,
                "port": target.port,
                "enabled": target.enabled,
                "connected": bool(status.get("connected", False)),
                "bytes_sent": int(status.get("bytes_sent", 0)),
                "bytes_dropped": int(status.get("bytes_dropped", 0)),
                "last_error": status.get("last_error", ""),
            }
        )
    return {
        "name": source.name,
        "vendor": source.vendor,
        "layout": source.effective_layout,
        "enabled": source.enabled,
        "connected": bool(health and health.connected),
        "peer": health.peer if health else "",
        "last_data_at": _iso(health.last_data_at) if health else None,
        "batches": health.batches if health else 0,
        "records": health.records if health else 0,
        "parse_errors": health.parse_errors if health else 0,
        "last_error": health.last_error if health else "",
        "stale": health.stale if health else True,
        # What is wrong with the feed's data now (rows it could not read), even while live.
        "problem": str((health.diagnostics or {}).get("problem", "")) if health else "",
        # How the link works now, as its decoder says (e.g. "agent states": "polled every 5 s").
        "facts": dict((health.diagnostics or {}).get("facts") or {}) if health else {},
        "heartbeat_at": _iso(health.heartbeat_at) if health else None,
        "owner": {"process": health.owner, "since": _iso(health.owner_since)}
        if health and health.owner
        else None,
        "pass_through": targets,
        "screen_pops": _screen_pops(source),
    }


def _screen_pops(source: Source) -> dict[str, Any] | None:
    """The screen-pop receiver's counts (requests stored; refused, and the last refusal)."""
    receiver = getattr(source, "screen_pop", None)
    if receiver is None:
        return None
    return {
        "accepted": receiver.accepted,
        "rejected": receiver.rejected,
        "last_rejected": receiver.last_rejected,
        "last_rejected_at": _iso(receiver.last_rejected_at),
    }


@require_GET
@api_access
def sources(request: HttpRequest) -> HttpResponse:
    qs = Source.objects.select_related("health", "screen_pop").prefetch_related("targets")
    return JsonResponse([source_json(s) for s in qs], safe=False)


@require_GET
@api_access
def board_snapshot(request: HttpRequest, slug: str) -> HttpResponse:
    from wallboard.boards import board_snapshot as snapshot

    board = get_object_or_404(Board, slug=slug)
    return JsonResponse(snapshot(board))


@require_GET
@api_access
def live_document(request: HttpRequest, output: str, name: str) -> HttpResponse:
    """A vendor's extra live output for one of its sources (integrations.base.LiveDocument),
    e.g. an older tool's JSON document, so its consumers switch over unchanged."""
    found = integrations.live_document(output)
    if found is None:
        raise Http404("no such output")
    vendor, document_type = found
    source = get_object_or_404(Source, name=name)
    if source.vendor != vendor:
        raise Http404(f"{source.name} is not a source of {document_type.label}")
    kinds = document_type.queue_kinds
    queues = list(Queue.objects.filter(source=source, gone=False, kind__in=kinds))
    agents = list(Agent.objects.filter(source=source, gone=False))
    stamps = [q.updated_at for q in queues] + [a.updated_at for a in agents]
    last = max(stamps).timestamp() if stamps else 0.0
    document = document_type.render(
        ((q.kind, q.number, q.extra) for q in queues),
        ((a.agent_id, a.state, a.extra) for a in agents),
        last,
    )
    return JsonResponse(document)


# ---- calls (/api/v1/calls/) -------------------------------------------------------------------

CALLS_LIMIT = 500  # calls per page unless ?limit= says otherwise
CALLS_MAX_LIMIT = 5000
_CURSOR = re.compile(r"^(\d+)@(.+)$")
_OFFSET_SPACE = re.compile(r" (\d{2}:?\d{2})$")  # a "+01:00" whose "+" a URL turned into " "


class BadParameter(ValueError):
    """A query parameter the endpoint cannot read; its message says which and why."""


def number_viewer(request: HttpRequest) -> Any:
    """Whose permissions decide if caller numbers are shown whole: a token's person (a token
    made for nobody has none), else the session's user."""
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is not None:
        return token.user
    return request.user


def sees_numbers(request: HttpRequest) -> bool:
    viewer = number_viewer(request)
    return bool(viewer is not None and viewer.has_perm("wallboard.view_caller_numbers"))


def number_shower(whole: bool) -> Callable[[str], str | None]:
    """How a number is shown: whole, or masked to its last CALLER_NUMBER_VISIBLE_DIGITS
    digits; a blank one is null either way."""
    visible = -1 if whole else settings.CALLER_NUMBER_VISIBLE_DIGITS

    def show(number: str) -> str | None:
        return mask_number(number, visible) if number else None

    return show


def call_figures(call: Call, now: datetime) -> tuple[float, float | None, float]:
    """(wait, talk, hold) seconds: wait from offered to answered (to the end when never
    answered, to now while waiting); hold with an open hold up to now (or the end); talk from
    answered to the end (or now) less the hold, null when never answered."""
    end = call.ended_at or now
    hold = call.hold_seconds
    if call.held_since is not None:
        hold += max((end - call.held_since).total_seconds(), 0.0)
    wait = max(((call.answered_at or end) - call.offered_at).total_seconds(), 0.0)
    talk = None
    if call.answered_at is not None:
        talk = round(max((end - call.answered_at).total_seconds() - hold, 0.0), 3)
    return round(wait, 3), talk, round(hold, 3)


QueueNamer = Callable[[int, str, str], str]


def _queue(source_id: int, kind: str, number: str, name: QueueNamer) -> dict[str, str] | None:
    if not kind and not number:
        return None
    return {"kind": kind, "number": number, "name": name(source_id, kind, number)}


def _blank_null(value: str) -> str | None:
    return value or None


def segment_json(
    segment: CallSegment, source_id: int, name: QueueNamer, show: Callable[[str], str | None]
) -> dict[str, Any]:
    return {
        "seq": segment.seq,
        "agent_id": _blank_null(segment.agent_id),
        "extension": _blank_null(segment.extension),
        "queue": _queue(source_id, segment.queue_kind, segment.queue_number, name),
        "started_at": _iso(segment.started_at),
        "answered_at": _iso(segment.answered_at),
        "ended_at": _iso(segment.ended_at),
        "hold_seconds": segment.hold_seconds,
        "how_ended": _blank_null(segment.how_ended),
        # A transfer may go to an outside number: personal data like the caller's.
        "target": show(segment.target),
    }


def call_json(
    call: Call,
    source_name: str,
    now: datetime,
    name: QueueNamer,
    show: Callable[[str], str | None],
) -> dict[str, Any]:
    wait, talk, hold = call_figures(call, now)
    return {
        "source": source_name,
        "call_id": call.call_id,
        "ucid": _blank_null(call.ucid),
        "direction": _blank_null(call.direction),
        "vdn": _blank_null(call.vdn),
        "queue": _queue(call.source_id, call.queue_kind, call.queue_number, name),
        "calling": show(call.calling),
        "called": show(call.called),
        "agent_id": _blank_null(call.agent_id),
        "extension": _blank_null(call.extension),
        "state": call.state,
        "offered_at": _iso(call.offered_at),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
        "wait_seconds": wait,
        "talk_seconds": talk,
        "hold_seconds": hold,
        "released_by": _blank_null(call.released_by),
        "outcome": _blank_null(call.outcome),
        "segments": [segment_json(s, call.source_id, name, show) for s in call.segments.all()],
        "orphaned": call.orphaned,
        "recording": None,  # filled by calls() from the recording tags (one query a page)
    }


def parse_instant(value: str, name: str, end: bool = False) -> datetime:
    """An ISO datetime (naive: site time) or a YYYY-MM-DD reporting day: its start, or with
    `end` the start of the next day (so `to=` a day includes that day)."""
    value = _OFFSET_SPACE.sub(r"+\1", value.strip())
    if len(value) == 10:
        try:
            day = parse_day(value, name)
        except BadDay as exc:
            raise BadParameter(str(exc)) from exc
        return day_start(day + timedelta(days=1) if end else day)
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise BadParameter(
            f"{name} must be an ISO datetime (2026-12-01T08:00:00+00:00) or a date "
            f"(2026-12-01), not {value!r}"
        )
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=site_zone())
    return parsed


def _call_filters(params: Any) -> Q:
    where = Q()
    states = [s.strip() for s in params.get("state", "").split(",") if s.strip()]
    unknown = [s for s in states if s not in CALL_STATES]
    if unknown:
        raise BadParameter(f"state must be among {', '.join(CALL_STATES)}, not {unknown[0]!r}")
    if states:
        where &= Q(state__in=states)
    if params.get("from", "").strip():
        where &= Q(offered_at__gte=parse_instant(params["from"], "from"))
    if params.get("to", "").strip():
        where &= Q(offered_at__lt=parse_instant(params["to"], "to", end=True))
    if params.get("before", "").strip():
        where &= Q(offered_at__lt=parse_instant(params["before"], "before"))
    agent = params.get("agent_id", "").strip()
    if agent:
        # Every call the agent had a part in, not only those they had last.
        where &= Q(agent_id=agent) | Q(
            Exists(CallSegment.objects.filter(call=OuterRef("pk"), agent_id=agent))
        )
    queue = params.get("queue", "").strip()
    if queue:
        kind, _, number = queue.rpartition(":")
        if kind and kind not in QUEUE_KINDS:
            raise BadParameter(f"queue kind must be among {', '.join(QUEUE_KINDS)}, not {kind!r}")
        where &= Q(queue_number=number) & (Q(queue_kind=kind) if kind else Q())
    source = params.get("source", "").strip()
    if source:
        where &= Q(source__name=source)
    return where


def _cursor_filter(cursor: str) -> Q:
    """Calls after the cursor in the endpoint's order (newest offered first, then newest id)."""
    found = _CURSOR.match(cursor.strip())
    try:
        at = parse_datetime(found.group(2)) if found else None
    except ValueError:  # well formed, but no such time (a 13th month)
        at = None
    if found is None or at is None or timezone.is_naive(at):
        raise BadParameter(f"cursor must be a value the Link header gave, not {cursor!r}")
    pk = int(found.group(1))
    return Q(offered_at__lt=at) | Q(offered_at=at, pk__lt=pk)


def _limit(params: Any) -> int:
    raw = params.get("limit", "").strip()
    if not raw:
        return CALLS_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= CALLS_MAX_LIMIT:
        raise BadParameter(f"limit must be a whole number 1-{CALLS_MAX_LIMIT}, not {raw!r}")
    return int(raw)


def queue_namer(keys: set[tuple[int, str, str]]) -> QueueNamer:
    """Queue names as the queues endpoint shows them (the names directory's, else the feed's
    own), for these (source id, kind, number): the live rows' names read in one query."""
    shown = directory()
    feed: dict[tuple[int, str, str], str] = {}
    if keys:
        rows = Queue.objects.filter(
            source_id__in={k[0] for k in keys}, number__in={k[2] for k in keys}
        ).values_list("source_id", "kind", "number", "name")
        feed = {(s, k, n): name for s, k, n, name in rows if (s, k, n) in keys}
    return lambda s, k, n: shown.queue(s, k, n, feed.get((s, k, n), ""))


def _queue_keys(calls: list[Call]) -> set[tuple[int, str, str]]:
    keys = set()
    for call in calls:
        if call.queue_kind or call.queue_number:
            keys.add((call.source_id, call.queue_kind, call.queue_number))
        for segment in call.segments.all():
            if segment.queue_kind or segment.queue_number:
                keys.add((call.source_id, segment.queue_kind, segment.queue_number))
    return keys


def _next_link(request: HttpRequest, last: Call) -> tuple[str, str]:
    cursor = f"{last.pk}@{last.offered_at.isoformat()}"
    params = request.GET.copy()
    params["cursor"] = cursor
    return cursor, request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


@require_GET
@api_access
def calls(request: HttpRequest) -> HttpResponse:
    """Calls, newest offered first, a page of `limit` at a time: a fuller list goes on at the
    `Link: <...>; rel="next"` header's URL (the same filters and `cursor=`)."""
    try:
        where = _call_filters(request.GET)
        if request.GET.get("cursor", "").strip():
            where &= _cursor_filter(request.GET["cursor"])
        limit = _limit(request.GET)
    except BadParameter as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    qs = Call.objects.filter(where).order_by("-offered_at", "-pk").prefetch_related("segments")
    found = list(qs[: limit + 1])
    page, more = found[:limit], len(found) > limit
    sources = dict(Source.objects.values_list("id", "name"))
    name = queue_namer(_queue_keys(page))
    show = number_shower(sees_numbers(request))
    now = timezone.now()
    rows = [call_json(c, sources.get(c.source_id, ""), now, name, show) for c in page]
    tagged = recordings_of(page)  # (one query for the page)
    for row, call in zip(rows, page, strict=True):
        row["recording"] = recording_json(
            tagged.get((call.source_id, call.ledger_key or "")), call, row["source"]
        )
    response = JsonResponse(rows, safe=False)
    if more:
        cursor, url = _next_link(request, page[-1])
        response["Link"] = f'<{url}>; rel="next"'
        response["X-Next-Cursor"] = cursor
    return response


RECENT_ALERT_HOURS = 24  # resolved alerts listed by default: those resolved this recently
MAX_ALERTS = 500


def alert_json(alert: Any) -> dict[str, Any]:
    """One alert: what raised it, whom it notified, who acknowledged it, when it resolved."""
    user = alert.acknowledged_by
    return {
        "id": alert.pk,
        "rule": alert.rule_name,
        "kind": alert.kind,
        "severity": alert.severity,
        "subject": alert.subject,
        "about": alert.subject_label,
        "summary": alert.summary,
        "value": alert.value,
        "last_value": alert.last_value,
        "state": "open" if alert.resolved_at is None else "resolved",
        "condition_since": _iso(alert.condition_since),
        "raised_at": _iso(alert.raised_at),
        "not_notified": alert.not_notified or None,
        "acknowledged_by": user.get_username() if user else None,
        "acknowledged_at": _iso(alert.acknowledged_at),
        "resolved_at": _iso(alert.resolved_at),
        "resolution": alert.resolution or None,
        "deliveries": [
            {
                "event": d.event,
                "channel": d.channel_name,
                "to": d.target,
                "status": d.status,
                "attempts": d.attempts,
                "sent_at": _iso(d.sent_at),
                "last_error": d.last_error or None,
            }
            for d in alert.deliveries.all()
        ],
    }


@require_GET
@api_access
def alerts(request: HttpRequest) -> HttpResponse:
    """Open alerts and those resolved in the last `hours` (24), newest first; `state=open`
    or `state=resolved` for one of them."""
    from datetime import timedelta

    from django.db.models import Q

    from wallboard.models import Alert

    try:
        hours = float(request.GET.get("hours", RECENT_ALERT_HOURS))
    except ValueError:
        return JsonResponse({"error": "hours is a number"}, status=400)
    since = timezone.now() - timedelta(hours=max(0.0, hours))
    qs = Alert.objects.select_related("acknowledged_by").prefetch_related("deliveries")
    state = request.GET.get("state", "")
    if state == "open":
        qs = qs.filter(resolved_at__isnull=True)
    elif state == "resolved":
        qs = qs.filter(resolved_at__gte=since)
    elif state:
        return JsonResponse({"error": "state is open or resolved"}, status=400)
    else:
        qs = qs.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=since))
    return JsonResponse([alert_json(a) for a in qs[:MAX_ALERTS]], safe=False)
