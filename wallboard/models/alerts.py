"""Alerts off the wall: rules on the figures the boards show, the channels that carry them
(e-mail, webhooks), and their history (each alert, each delivery).

runingest evaluates the rules (ingest/alerts.py); the database holds everything that must
outlive a restart: a rule's hold timer (AlertCondition), its open alert (one per rule and
subject, enforced by a unique constraint), and each delivery (one per alert, channel and
event, also unique: a delivery is never made twice).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from wallboard.engine.kpis import KPIS, QUEUE_KPIS
from wallboard.lib.alerting import DaysError, parse_days
from wallboard.lib.ranges import validate_range

from .sources import Source

SEVERITIES = [("info", "Info"), ("warning", "Warning"), ("critical", "Critical")]
RULE_KPI_CHOICES = [(k, KPIS[k].label) for k in QUEUE_KPIS]


def _check_range(value: str) -> None:
    problem = validate_range(value)
    if problem:
        raise ValidationError(f"Not a valid ID range: {problem}. Example: 1-99, 200-299, 310")


def _check_days(value: str) -> None:
    try:
        parse_days(value)
    except DaysError as exc:
        raise ValidationError(str(exc)) from exc


class AlertChannel(models.Model):
    """Where alerts go: a list of e-mail addresses, or a webhook URL in one of three formats."""

    EMAIL, WEBHOOK, TEAMS, SLACK = "email", "webhook", "teams", "slack"
    KINDS = [
        (EMAIL, "E-mail"),
        (WEBHOOK, "Webhook (signed JSON)"),
        (TEAMS, "Microsoft Teams incoming webhook"),
        (SLACK, "Slack incoming webhook"),
    ]

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=KINDS)
    enabled = models.BooleanField(default=True)
    recipients = models.TextField(
        blank=True,
        help_text="E-mail: the addresses, separated by commas or new lines. Sent through the "
        "EMAIL_* settings (see the README).",
    )
    url = models.URLField(
        max_length=1000, blank=True, help_text="Webhooks: the URL to POST each alert event to."
    )
    secret = models.CharField(
        max_length=200,
        blank=True,
        help_text="Signed JSON webhooks: the shared secret. Each body is signed with "
        "HMAC-SHA256 under it, in the X-Wallboard-Signature header (sha256=<hex>).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def addresses(self) -> list[str]:
        return [a.strip() for a in self.recipients.replace("\n", ",").split(",") if a.strip()]

    def target(self) -> str:
        """Whom it notifies, as the history says it."""
        return ", ".join(self.addresses()) if self.kind == self.EMAIL else self.url

    def clean(self) -> None:
        from django.core.validators import validate_email

        if self.kind == self.EMAIL:
            if not self.addresses():
                raise ValidationError({"recipients": "Give at least one e-mail address."})
            for address in self.addresses():
                try:
                    validate_email(address)
                except ValidationError as exc:
                    raise ValidationError({"recipients": f"Not an address: {address}"}) from exc
        elif not self.url:
            raise ValidationError({"url": "Give the webhook's URL."})
        if self.kind == self.WEBHOOK and not self.secret:
            raise ValidationError({"secret": "A signed webhook needs a secret."})


class AlertRule(models.Model):
    KPI, SOURCE_STALE, TARGET_DOWN, NO_AGENTS = "kpi", "source_stale", "target_down", "no_agents"
    KINDS = [
        (KPI, "A KPI of a queue or a set of queues crosses a level"),
        (SOURCE_STALE, "A source is stale or down"),
        (TARGET_DOWN, "A pass-through target is down"),
        (NO_AGENTS, "No agent staffed in opening hours"),
    ]
    ABOVE, BELOW = "above", "below"

    name = models.CharField(max_length=100, unique=True)
    enabled = models.BooleanField(default=True)
    kind = models.CharField(max_length=16, choices=KINDS)
    severity = models.CharField(max_length=8, choices=SEVERITIES, default="warning")
    source = models.ForeignKey(
        Source,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_rules",
        help_text="The source it watches; blank: every source.",
    )
    queue_kind = models.CharField(
        max_length=16, blank=True, help_text="KPI and staffing rules: skill, vdn, ...; blank: any."
    )
    queue_range = models.CharField(
        max_length=1000,
        blank=True,
        validators=[_check_range],
        help_text="KPI and staffing rules: the queues (IDs and ranges, e.g. 1-99, 310), "
        "counted together as one tile counts them. Blank: every queue of the source.",
    )
    kpi = models.CharField(max_length=32, choices=RULE_KPI_CHOICES, blank=True)
    direction = models.CharField(
        max_length=5, choices=[(ABOVE, "above"), (BELOW, "below")], default=ABOVE
    )
    level = models.FloatField(
        null=True,
        blank=True,
        help_text="KPI rules: alert when the figure is strictly beyond this (as a tile's alarm).",
    )
    hold_seconds = models.PositiveIntegerField(
        default=60,
        help_text="The condition must hold this long before the alert is raised (a restart of "
        "ingest does not start the count again).",
    )
    open_days = models.CharField(
        max_length=60,
        blank=True,
        validators=[_check_days],
        help_text="Staffing rules: the opening days, e.g. mon-fri or mon-fri, sat. Blank: "
        "every day.",
    )
    opens_at = models.TimeField(null=True, blank=True, help_text="Site time (TIME_ZONE).")
    closes_at = models.TimeField(null=True, blank=True, help_text="Site time (TIME_ZONE).")
    cooldown_seconds = models.PositiveIntegerField(
        default=900,
        help_text="After a notification, the same alert raised again within this time is "
        "recorded but not notified.",
    )
    quiet_from = models.TimeField(
        null=True,
        blank=True,
        help_text="Quiet hours (site time): alerts open and are recorded, nobody is notified.",
    )
    quiet_until = models.TimeField(null=True, blank=True)
    channels = models.ManyToManyField(AlertChannel, blank=True, related_name="rules")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == self.KPI:
            if not self.kpi:
                errors["kpi"] = "A KPI rule names a KPI."
            if self.level is None:
                errors["level"] = "A KPI rule needs a level."
        if self.kind == self.NO_AGENTS and (self.opens_at is None) != (self.closes_at is None):
            errors["closes_at"] = "Give both opening and closing times, or neither (all day)."
        if (self.quiet_from is None) != (self.quiet_until is None):
            errors["quiet_until"] = "Give both ends of the quiet hours, or neither."
        if errors:
            raise ValidationError(errors)


class AlertCondition(models.Model):
    """A rule's condition holding for a subject, since when: the hold timer, kept in the
    database so a restart of ingest neither starts it again nor forgets it."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="conditions")
    subject = models.CharField(max_length=100)
    since = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject"], name="unique_alert_condition")
        ]


class Alert(models.Model):
    """One alert: raised when its rule's condition held for the hold time, resolved when it
    cleared. At most one open alert per rule and subject (a database constraint)."""

    rule = models.ForeignKey(
        AlertRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    rule_name = models.CharField("rule", max_length=100)  # kept when the rule is deleted
    kind = models.CharField(max_length=16, choices=AlertRule.KINDS)
    severity = models.CharField(max_length=8, choices=SEVERITIES)
    # What the alert is about: "" (the rule's queues), "source:<id>", "target:<id>".
    subject = models.CharField(max_length=100, blank=True)
    subject_label = models.CharField("about", max_length=300)
    summary = models.CharField(max_length=500)
    value = models.JSONField(null=True, blank=True)  # the figure when raised
    last_value = models.JSONField(null=True, blank=True)  # the latest while open
    condition_since = models.DateTimeField()
    raised_at = models.DateTimeField()
    # Why nobody was notified of the raise ("quiet hours", "cooldown", "no channels"): "" when
    # deliveries were made.
    not_notified = models.CharField(max_length=100, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_alert_per_rule_subject",
            )
        ]
        indexes = [models.Index(fields=["resolved_at"], name="alert_resolved_at")]

    def __str__(self) -> str:
        return f"{self.rule_name}: {self.subject_label}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class AlertDelivery(models.Model):
    """One alert event to one channel: made once, retried with backoff until sent or out of
    attempts, and kept. Unique per alert, channel and event: nothing is sent twice."""

    PENDING, SENT, FAILED = "pending", "sent", "failed"
    STATUSES = [(PENDING, "pending"), (SENT, "sent"), (FAILED, "failed (gave up)")]
    RAISED, RESOLVED = "raised", "resolved"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(
        AlertChannel, on_delete=models.SET_NULL, null=True, related_name="deliveries"
    )
    channel_name = models.CharField(max_length=100)
    target = models.CharField(max_length=1000)  # whom: the addresses or the URL, when made
    event = models.CharField(max_length=8, choices=[(RAISED, "raised"), (RESOLVED, "resolved")])
    status = models.CharField(max_length=8, choices=STATUSES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When it is next due; a sender claims it by moving this past its own send's time limit.
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "alert deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "channel", "event"], name="one_delivery_per_alert_event"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} to {self.channel_name}: {self.status}"
