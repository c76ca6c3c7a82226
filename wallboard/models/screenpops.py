"""Optimus web screen pop-ups received for a source: the receiver's key and the call queue.

Optimus opens a URL of ours per call offered to an agent (wallboard/screenpop.py). The web side
only stores each as a ScreenPop row (pending) and hints ingest; the ingest process that owns the
source turns pending rows into call steps of its ledger and marks them applied
(ingest/screenpops.py), so a request is never lost and never applied twice. A call pops once per
extension it is offered to: a replayed request (or the same URL configured twice) finds its row
already there. Rows are data: never exported.
"""

from __future__ import annotations

import secrets

from django.db import models

from .sources import Source

PENDING = "pending"
APPLIED = "applied"


def new_receiver_key() -> str:
    return secrets.token_urlsafe(24)


class ScreenPopReceiver(models.Model):
    """A source's receiver: the secret in the URL pasted into Optimus (regenerated in the
    admin, which revokes the old URL; never exported) and the web side's counts."""

    source = models.OneToOneField(Source, on_delete=models.CASCADE, related_name="screen_pop")
    key = models.CharField(max_length=64, unique=True, default=new_receiver_key)
    accepted = models.PositiveBigIntegerField(default=0)
    rejected = models.PositiveBigIntegerField(default=0)
    last_rejected = models.CharField(max_length=200, blank=True)
    last_rejected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "screen-pop receiver"

    def __str__(self) -> str:
        return f"screen pop of {self.source}"

    @property
    def path(self) -> str:
        return f"/screenpop/{self.key}/"


class ScreenPop(models.Model):
    """One pop-up as Optimus sent it (bounded and checked by the receiver)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="screen_pops")
    received_at = models.DateTimeField(db_index=True)
    call_id = models.CharField(max_length=20)
    extension = models.CharField(max_length=32)
    queue_code = models.CharField(max_length=32, blank=True)
    queue = models.CharField(max_length=64, blank=True)
    clid = models.CharField(max_length=32, blank=True)  # personal data (purged with calls)
    dnis = models.CharField(max_length=32, blank=True)
    attach_data = models.CharField(max_length=500, blank=True)
    waiting_seconds = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=8, default=PENDING, db_index=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "call_id", "extension"], name="screen_pop_once_per_extension"
            )
        ]

    def __str__(self) -> str:
        return f"call {self.call_id} at {self.extension}"
