"""The call ledger: every call an event feed (CTI) or a call table reports, and its segments.

Written only by ingest (from CallEvents: integrations.base); read by the API, the call log,
exports and the boards. Key = (source, call ID): a phone system reuses call IDs, so only one
*open* call (not ended) may hold an ID at a time; an ended call keeps its row.

Calling and called numbers are personal data: shown masked (wallboard.lib.privacy) and purged
with the rest of an ended call after CALL_RETENTION_DAYS.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from integrations.base import QUEUE_KINDS

from .sources import Source

CALL_STATES = ("queued", "ringing", "active", "held", "ended")
CALL_OUTCOMES = ("answered", "abandoned", "transferred", "failed")
RELEASED_BY = ("caller", "agent", "system")
DIRECTIONS = ("inbound", "outbound", "internal")


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


class Call(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="calls")
    call_id = models.CharField(max_length=64)
    ucid = models.CharField(max_length=40, blank=True, db_index=True)
    direction = models.CharField(max_length=10, choices=_choices(DIRECTIONS), blank=True)
    media = models.CharField(max_length=16, default="voice")
    vdn = models.CharField(max_length=64, blank=True)
    queue_kind = models.CharField(max_length=16, choices=_choices(QUEUE_KINDS), blank=True)
    queue_number = models.CharField(max_length=64, blank=True)
    calling = models.CharField(max_length=64, blank=True)  # personal data
    called = models.CharField(max_length=64, blank=True)  # personal data
    # The agent and extension of the call's latest segment ("" before one answers).
    agent_id = models.CharField(max_length=64, blank=True)
    extension = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=8, choices=_choices(CALL_STATES))
    offered_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)  # first answer
    ended_at = models.DateTimeField(null=True, blank=True)
    hold_seconds = models.FloatField(default=0)  # completed holds; an open one from held_since
    held_since = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=8, choices=_choices(RELEASED_BY), blank=True)
    outcome = models.CharField(max_length=12, choices=_choices(CALL_OUTCOMES), blank=True)
    transfer_target = models.CharField(max_length=64, blank=True)
    cause = models.CharField(max_length=64, blank=True)  # the feed's own end/cause code
    # Closed by ingest after ORPHAN_CALL_MINUTES without an end event: its end is a guess.
    orphaned = models.BooleanField(default=False)
    extra = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField()
    # Ingest's own: the row's identity for its bulk writes ("<call ID>@<offered, ms>": a
    # phone system reuses call IDs), and what the call has booked into the queue intervals
    # (ingest/calls.py), so that a restart or a replayed step never books it again.
    ledger_key = models.CharField(max_length=100, null=True, blank=True, editable=False)
    counted = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-offered_at"]
        permissions = [("view_caller_numbers", "Can see callers' numbers unmasked")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "call_id"],
                condition=Q(ended_at__isnull=True),
                name="one_open_call_per_id",
            ),
            models.UniqueConstraint(fields=["source", "ledger_key"], name="call_ledger_key"),
        ]
        indexes = [
            models.Index(fields=["source", "state"], name="call_source_state"),
            models.Index(fields=["offered_at"], name="call_offered_at"),
            models.Index(fields=["ended_at"], name="call_ended_at"),
            models.Index(fields=["agent_id"], name="call_agent"),
        ]

    def __str__(self) -> str:
        return f"call {self.call_id} ({self.state})"


class CallSegment(models.Model):
    """One leg of a call at one agent/extension: delivered (ringing) or answered there, until it
    ended, was transferred on (a new segment starts at the target) or moved on unanswered."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="segments")
    seq = models.PositiveSmallIntegerField()  # 1, 2, ... in the call's order
    agent_id = models.CharField(max_length=64, blank=True)
    extension = models.CharField(max_length=64, blank=True)
    queue_kind = models.CharField(max_length=16, choices=_choices(QUEUE_KINDS), blank=True)
    queue_number = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    hold_seconds = models.FloatField(default=0)
    # How it ended: "ended" (the call ended here), "transferred", "diverted" (moved on
    # unanswered), "" while open.
    how_ended = models.CharField(max_length=12, blank=True)
    target = models.CharField(max_length=64, blank=True)  # where it was transferred/diverted

    class Meta:
        ordering = ["call", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["call", "seq"], name="unique_call_segment"),
        ]

    def __str__(self) -> str:
        return f"segment {self.seq}"
