"""Read-only JSON API (/api/v1/...): a staff session or `Authorization: Bearer <token>`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

import integrations
from integrations.base import QUEUE_FIGURES
from wallboard.engine.names import NO_NAMES, Names
from wallboard.models import Agent, ApiToken, Board, Queue, Source, SourceHealth
from wallboard.models.names import directory

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
        "heartbeat_at": _iso(health.heartbeat_at) if health else None,
        "owner": {"process": health.owner, "since": _iso(health.owner_since)}
        if health and health.owner
        else None,
        "pass_through": targets,
    }


@require_GET
@api_access
def sources(request: HttpRequest) -> HttpResponse:
    qs = Source.objects.select_related("health").prefetch_related("targets")
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
