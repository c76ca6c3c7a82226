"""Live state: every queue and agent a source reports, as of its latest batch.

Written only by ingest (bulk, changed rows only); read by the API, the admin and the boards.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from integrations.base import (
    AGENT_STATES,
    OVERFLOW,
    QUEUE_FIGURES,
    QUEUE_KINDS,
    AgentRow,
    QueueRow,
)

from .fields import RowJSONField
from .sources import Source


class Queue(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="queues")
    kind = models.CharField(max_length=16, choices=[(k, k) for k in QUEUE_KINDS])
    number = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    calls_waiting = models.IntegerField(null=True, blank=True)
    oldest_wait_seconds = models.IntegerField(null=True, blank=True)
    agents_staffed = models.IntegerField(null=True, blank=True)
    agents_available = models.IntegerField(null=True, blank=True)
    agents_ringing = models.IntegerField(null=True, blank=True)
    agents_on_call = models.IntegerField(null=True, blank=True)
    agents_wrap_up = models.IntegerField(null=True, blank=True)
    agents_not_ready = models.IntegerField(null=True, blank=True)
    agents_other = models.IntegerField(null=True, blank=True)
    offered = models.IntegerField(null=True, blank=True)
    answered = models.IntegerField(null=True, blank=True)
    abandoned = models.IntegerField(null=True, blank=True)
    asa_seconds = models.IntegerField(null=True, blank=True)
    service_level_pct = models.FloatField(null=True, blank=True)
    # Figures the feed sent as overflow (their column is null): ["oldest_wait_seconds", ...]
    overflow = RowJSONField(default=list, blank=True)
    today = RowJSONField(default=dict, blank=True)  # {"offered": n, "answered": n, ...}
    # Ingest's bookkeeping for today's totals across the feed's interval resets.
    counter_state = RowJSONField(default=dict, blank=True)
    extra = RowJSONField(default=dict, blank=True)
    updated_at = models.DateTimeField()
    gone = models.BooleanField(default=False)

    class Meta:
        ordering = ["source", "kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "number"], name="unique_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}" + (f" {self.name}" if self.name else "")

    def figure(self, name: str) -> int | float | str | None:
        """A figure as the API shows it: a number, None (blank) or "overflow"."""
        if name in self.overflow:
            return OVERFLOW
        value: Any = getattr(self, name)
        return value


class Agent(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="agents")
    agent_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    extension = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=[(s, s) for s in AGENT_STATES])
    vendor_state = models.CharField(max_length=64, blank=True)
    reason_code = models.CharField(max_length=64, blank=True)
    state_since = models.DateTimeField(null=True, blank=True)
    skills = RowJSONField(default=list, blank=True)
    extra = RowJSONField(default=dict, blank=True)
    updated_at = models.DateTimeField()
    gone = models.BooleanField(default=False)

    class Meta:
        ordering = ["source", "agent_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "agent_id"], name="unique_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.name}".strip()


__all__ = ["QUEUE_FIGURES", "Agent", "Queue"]


def stored_live_rows(
    source_id: int,
) -> tuple[list[tuple[QueueRow, dict[str, Any], dict[str, Any]]], list[tuple[AgentRow, float]]]:
    """A source's stored queues (row, today, counter state) and agents (row, state since),
    as ingest's LiveState.restore() takes them after a restart."""
    queues = []
    for q in Queue.objects.filter(source_id=source_id, gone=False):
        row = QueueRow(kind=q.kind, number=q.number, name=q.name, extra=q.extra)
        for figure in QUEUE_FIGURES:
            setattr(row, figure, OVERFLOW if figure in q.overflow else getattr(q, figure))
        row.counters = q.counter_state.get("counters")
        queues.append((row, q.today, q.counter_state))
    agents = []
    for a in Agent.objects.filter(source_id=source_id, gone=False):
        agent = AgentRow(
            agent_id=a.agent_id,
            state=a.state,
            vendor_state=a.vendor_state,
            name=a.name,
            extension=a.extension,
            reason_code=a.reason_code,
            skills=tuple(a.skills),
            extra=a.extra,
        )
        since = a.state_since.timestamp() if a.state_since else a.updated_at.timestamp()
        agents.append((agent, since))
    return queues, agents
