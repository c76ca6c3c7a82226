"""Supervisor actions on agents, the web side: who may, the request endpoint, the board's menu.

A logged-in user with the `wallboard.control_agents` permission (never a display key: a key
opens a display, it is no user) asks to log an agent out, or set it not ready (with a reason
code) or ready, on a source whose vendor lists the action (VendorInfo.agent_actions). The
request is a row of the audit log (AgentAction); ingest is told on the channel layer and
carries it out (ingest/actions.py); the requester polls the row for the phone system's answer.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from integrations import VENDORS, vendor_info
from integrations.base import AGENT_ACTIONS, AGENT_NOT_READY
from wallboard import messages
from wallboard.models import Agent, AgentAction, Source, SourceHealth
from wallboard.models.actions import ACTION_LABELS, REFUSED

log = logging.getLogger(__name__)

PERMISSION = "wallboard.control_agents"
# A source whose ingest has not reported for this long is taken as not connected.
HEALTH_FRESH_SECONDS = 30
REASON_CODE = re.compile(r"[A-Za-z0-9_.-]{0,32}")
MAX_BODY = 4096


class ActionError(ValueError):
    pass


def may_control(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.has_perm(PERMISSION))


def controllable_sources() -> dict[str, list[str]]:
    """Source ID -> the actions its vendor can carry out (only sources with some)."""
    found: dict[str, list[str]] = {}
    for source_id, vendor in Source.objects.filter(enabled=True).values_list("id", "vendor"):
        if vendor in VENDORS and vendor_info(vendor).agent_actions:
            found[str(source_id)] = list(vendor_info(vendor).agent_actions)
    return found


def control_context(request: HttpRequest) -> dict[str, Any] | None:
    """What the board page's agent menu (board/control.js) needs; None for anyone else."""
    if not may_control(request):
        return None
    return {
        "url": reverse("agent-action-create"),
        "csrf": get_token(request),
        "sources": controllable_sources(),
        "labels": ACTION_LABELS,
    }


def request_action(
    user: Any, source: Source, agent_id: str, action: str, reason_code: str = "", via: str = "board"
) -> AgentAction:
    """Make the audit row of a request and tell ingest; refused at once when the link is down.
    ActionError for a request that cannot be made."""
    if action not in AGENT_ACTIONS:
        raise ActionError(f"unknown action {action!r}")
    info = vendor_info(source.vendor)
    if action not in info.agent_actions:
        raise ActionError(f"{info.label} sources cannot {ACTION_LABELS[action].lower()} agents")
    if not REASON_CODE.fullmatch(reason_code):
        raise ActionError("a reason code is up to 32 letters, digits, '.', '_' or '-'")
    if reason_code and action != AGENT_NOT_READY:
        raise ActionError("only 'not ready' takes a reason code")
    if not Agent.objects.filter(source=source, agent_id=agent_id).exists():
        raise ActionError(f"source {source.name} has no agent {agent_id!r}")
    row = AgentAction.objects.create(
        user=user,
        username=user.get_username(),
        source=source,
        source_name=source.name,
        agent_id=agent_id,
        action=action,
        reason_code=reason_code,
        via=via,
    )
    if not _connected(source):
        row.status, row.detail, row.answered_at = REFUSED, "not connected", timezone.now()
        row.save(update_fields=["status", "detail", "answered_at"])
    else:
        transaction.on_commit(lambda: _tell_ingest(row.pk))
    return row


def _connected(source: Source) -> bool:
    fresh = timezone.now() - timedelta(seconds=HEALTH_FRESH_SECONDS)
    return SourceHealth.objects.filter(
        source=source, connected=True, heartbeat_at__gte=fresh
    ).exists()


def _tell_ingest(action_id: int) -> None:
    # Only a hint: ingest's sweep finds the row anyway within a reload.
    try:
        async_to_sync(get_channel_layer().group_send)(
            messages.AGENT_ACTIONS_GROUP, messages.agent_action(action_id)
        )
    except Exception as exc:
        log.warning(
            "agent action %d: ingest not told at once (%s); it will find it", action_id, exc
        )


def _refused(status: int, error: str) -> JsonResponse:
    return JsonResponse({"error": error}, status=status)


@require_POST
@never_cache
def create(request: HttpRequest) -> HttpResponse:
    if not may_control(request):
        return _refused(403, "only supervisors with the control agents permission may do this")
    if len(request.body) > MAX_BODY:
        return _refused(413, "request too large")
    try:
        body = json.loads(request.body)
        source = Source.objects.get(pk=int(body["source"]))
        agent_id, action = str(body["agent_id"])[:64], str(body["action"])
        reason = str(body.get("reason_code", "")).strip()
    except (ValueError, KeyError, TypeError, Source.DoesNotExist):
        return _refused(400, "expected JSON: source, agent_id, action[, reason_code]")
    try:
        row = request_action(request.user, source, agent_id, action, reason)
    except ActionError as exc:
        return _refused(400, str(exc))
    return JsonResponse(row.as_json(), status=201)


@require_GET
@never_cache
def status(request: HttpRequest, action_id: int) -> HttpResponse:
    if not may_control(request):
        return _refused(403, "only supervisors with the control agents permission may do this")
    row = AgentAction.objects.filter(pk=action_id).first()
    if row is None:
        return _refused(404, "no such request")
    return JsonResponse(row.as_json())


urlpatterns = [
    path("agents/", create, name="agent-action-create"),
    path("agents/<int:action_id>/", status, name="agent-action-status"),
]
