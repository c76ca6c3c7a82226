"""Supervisor actions on agents (log out, not ready with a reason, ready): the audit log.

A row is made by the web side (the board's agent menu, the admin) for a user with the
`wallboard.control_agents` permission, and carried out by the ingest process that owns the
source (ingest/actions.py): pending -> sent -> ok / refused / failed, or expired (never sent
late), or refused at once when the link is down. It is data, not configuration: never
exported by exportconfig.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from integrations.base import AGENT_ACTIONS

from .sources import Source

PENDING = "pending"
SENT = "sent"
OK = "ok"
REFUSED = "refused"
FAILED = "failed"
EXPIRED = "expired"
STATUSES = (PENDING, SENT, OK, REFUSED, FAILED, EXPIRED)
OPEN_STATUSES = (PENDING, SENT)  # not answered yet
ACTION_LABELS = {"log_out": "Log out", "not_ready": "Not ready", "ready": "Ready"}


class AgentAction(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)  # kept when the user is deleted
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # An audit log outlives the source it was about: its name stays when the source goes.
    source = models.ForeignKey(
        Source, null=True, on_delete=models.SET_NULL, related_name="agent_actions"
    )
    source_name = models.CharField(max_length=64)
    agent_id = models.CharField(max_length=64)
    action = models.CharField(max_length=16, choices=[(a, ACTION_LABELS[a]) for a in AGENT_ACTIONS])
    reason_code = models.CharField(max_length=32, blank=True)
    status = models.CharField(
        max_length=16, choices=[(s, s) for s in STATUSES], default=PENDING, db_index=True
    )
    detail = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    via = models.CharField(max_length=16, default="board")  # board or admin

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("control_agents", "Can log agents out and set them ready or not ready"),
        ]

    def __str__(self) -> str:
        reason = f" ({self.reason_code})" if self.reason_code else ""
        return f"{ACTION_LABELS.get(self.action, self.action)}{reason} agent {self.agent_id}"

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.pk,
            "source": self.source_id,
            "source_name": self.source_name,
            "agent_id": self.agent_id,
            "action": self.action,
            "reason_code": self.reason_code,
            "status": self.status,
            "detail": self.detail,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
        }
