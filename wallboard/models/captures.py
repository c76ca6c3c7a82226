"""Raw captures of a source's bytes, asked for in the admin and taken by the ingest process that
runs the source (ingest/capture.py). The file format: docs/capture-format.md."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from .sources import Source


class SourceCapture(models.Model):
    REQUESTED = "requested"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    STATUSES = [
        (REQUESTED, "requested (ingest takes it up within seconds)"),
        (RUNNING, "running"),
        (DONE, "done"),
        (FAILED, "failed"),
    ]

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="captures")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    limit_seconds = models.PositiveIntegerField(
        default=60, help_text="Stop after this many seconds (counted from when ingest starts)."
    )
    limit_batches = models.PositiveIntegerField(
        null=True, blank=True, help_text="Or after this many complete batches (blank: no limit)."
    )
    limit_bytes = models.PositiveIntegerField(
        default=16 * 1024 * 1024,
        help_text="Or after this many bytes (never more than the CAPTURE_MAX_BYTES setting).",
    )
    status = models.CharField(max_length=16, choices=STATUSES, default=REQUESTED)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_why = models.CharField(max_length=200, blank=True)
    bytes = models.BigIntegerField(default=0)
    reads = models.PositiveIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    file_path = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "raw capture"
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["source", "status"])]

    def __str__(self) -> str:
        return f"{self.source} capture {self.pk} ({self.status})"

    def clean(self) -> None:
        if self.limit_seconds < 1 or self.limit_bytes < 1:
            raise ValidationError("A capture needs at least one second and one byte.")
        if self.limit_batches == 0:
            raise ValidationError("Leave the batch limit blank for none, or give at least 1.")


@receiver(post_delete, sender=SourceCapture)
def _delete_file(sender: type[SourceCapture], instance: SourceCapture, **kwargs: object) -> None:
    """A capture deleted (by hand, by retention, with its source) takes its file along."""
    if instance.file_path:
        with contextlib.suppress(OSError):
            Path(instance.file_path).unlink(missing_ok=True)


def purge_expired(source_id: int | None = None) -> int:
    """Delete the captures (rows, and files with them) asked for more than
    CAPTURE_RETENTION_DAYS ago, of one source or of all; how many."""
    before = timezone.now() - timedelta(days=settings.CAPTURE_RETENTION_DAYS)
    old = SourceCapture.objects.filter(requested_at__lt=before)
    if source_id is not None:
        old = old.filter(source_id=source_id)
    return old.delete()[1].get(SourceCapture._meta.label, 0)
