"""Service-level settings per queue, per source or for all (wallboard.engine.service)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from integrations.base import QUEUE_KINDS
from wallboard.engine.service import DEFAULT, FORMULAS, ServiceLevel, ServiceLevels

from .sources import Source


class QueueSettings(models.Model):
    """A queue's service-level target and formula; blank number = the default of the source
    (or of every source, with no source). The most specific setting applies."""

    source = models.ForeignKey(
        Source,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="queue_settings",
        help_text="Blank = every source.",
    )
    kind = models.CharField(
        max_length=16,
        blank=True,
        choices=[("", "any")] + [(k, k) for k in QUEUE_KINDS],
        help_text="Queue kind (skill, VDN, group, path, queue); blank = any.",
    )
    number = models.CharField(
        max_length=64, blank=True, help_text="The queue's number or code; blank = the default."
    )
    target_seconds = models.PositiveIntegerField(
        default=DEFAULT.target_seconds,
        help_text="Answered within this many seconds counts as within service level. The "
        "within-target count is the phone system's: set its threshold here too.",
    )
    formula = models.CharField(
        max_length=24, choices=list(FORMULAS.items()), default=DEFAULT.formula
    )
    short_abandon_seconds = models.PositiveIntegerField(
        default=DEFAULT.short_abandon_seconds,
        help_text="Abandoned within this many seconds is a short abandon (the third formula).",
    )

    target_pct = models.PositiveSmallIntegerField(
        "target %",
        default=DEFAULT.target_pct,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="The service level % this queue aims for (the target line on history charts).",
    )

    class Meta:
        verbose_name = "service level setting"
        ordering = [F("source__name").asc(nulls_first=True), "kind", "number"]
        # One setting per queue, per source and for every source (source null): two partial
        # constraints, as SQLite has no "nulls not distinct".
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "number"],
                condition=Q(source__isnull=False),
                name="unique_queue_settings",
                violation_error_message="There is already a setting for this queue.",
            ),
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=Q(source__isnull=True),
                name="unique_queue_settings_every_source",
                violation_error_message="There is already a setting for this queue.",
            ),
        ]

    def __str__(self) -> str:
        where = self.source.name if self.source else "every source"
        queue = f"{self.kind or 'queue'} {self.number}" if self.number else "default"
        return f"{where}: {queue}"

    def clean(self) -> None:
        same = QueueSettings.objects.filter(
            source=self.source, kind=self.kind, number=self.number.strip()
        ).exclude(pk=self.pk)
        if same.exists():
            raise ValidationError("There is already a setting for this queue.")
        self.number = self.number.strip()

    def setting(self) -> ServiceLevel:
        return ServiceLevel(
            self.target_seconds, self.formula, self.short_abandon_seconds, self.target_pct
        )


def service_levels() -> ServiceLevels:
    """Every setting, for the board engine (one query)."""
    return ServiceLevels.of_rules(
        ((s.source_id, s.kind, s.number), s.setting()) for s in QueueSettings.objects.all()
    )
