"""The admin of alerts off the wall: channels, rules, and the history (raised, notified whom,
acknowledged by, resolved). Alerts and deliveries are written by runingest: read-only here,
but for acknowledging."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html_join

from wallboard.alerting.send import Outgoing, send
from wallboard.lib.alerting import AlertEvent
from wallboard.models import Alert, AlertChannel, AlertDelivery, AlertRule


def trial_message(channel: AlertChannel, who: str) -> Outgoing:
    """A test event for a channel: marked as a test in its rule, severity info."""
    now = timezone.localtime().isoformat(timespec="seconds")
    event = AlertEvent(
        id=f"test:{uuid.uuid4()}",
        event="raised",
        alert_id=0,
        rule="Test message",
        rule_kind="test",
        severity="info",
        subject=f"the channel {channel.name}",
        summary=f"A test message sent by {who} from the wallboard admin. Nothing is wrong.",
        value=None,
        raised_at=now,
        resolved_at=None,
        acknowledged_by=None,
    )
    return Outgoing(
        delivery_id=0,
        kind=channel.kind,
        recipients=tuple(channel.addresses()),
        url=channel.url,
        secret=channel.secret,
        event=event,
        enabled=True,
    )


@admin.register(AlertChannel)
class AlertChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "enabled", "target"]
    list_filter = ["kind", "enabled"]
    fields = ["name", "kind", "enabled", "recipients", "url", "secret"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["send_test"]

    @admin.action(description="Send a test message")
    def send_test(self, request: HttpRequest, queryset: QuerySet[AlertChannel]) -> None:
        """Each channel gets a test event now, from the web process (as runingest would send
        it): what goes wrong (a refused login, a wrong URL) shows here at once."""
        for channel in queryset:
            error = send(trial_message(channel, request.user.get_username()))
            if error:
                messages.error(request, f"{channel.name}: not sent: {error}")
            else:
                messages.success(
                    request, f"{channel.name}: test message sent to {channel.target()}"
                )


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "severity", "source", "condition", "hold_seconds", "enabled"]
    list_filter = ["kind", "severity", "enabled"]
    filter_horizontal = ["channels"]
    fieldsets = [
        (None, {"fields": ["name", "enabled", "kind", "severity", "channels"]}),
        (
            "What it watches",
            {
                "fields": ["source", "queue_kind", "queue_range", "kpi", "direction", "level"],
                "description": "KPI and staffing rules count the queues as one tile of them "
                "would. Source and target rules watch the source, or every source.",
            },
        ),
        ("Opening hours (staffing rules)", {"fields": ["open_days", "opens_at", "closes_at"]}),
        (
            "Timing",
            {"fields": ["hold_seconds", "cooldown_seconds", "quiet_from", "quiet_until"]},
        ),
    ]

    @admin.display(description="condition")
    def condition(self, obj: AlertRule) -> str:
        if obj.kind == AlertRule.KPI and obj.level is not None:
            which = obj.queue_range or "all queues"
            return f"{obj.kpi} {obj.direction} {obj.level:g} ({which})"
        return obj.get_kind_display()


class DeliveryInline(admin.TabularInline):
    model = AlertDelivery
    extra = 0
    can_delete = False
    fields = ("event", "channel_name", "target", "status", "attempts", "sent_at", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "open"), ("resolved", "resolved")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Alert]) -> QuerySet[Alert]:
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = [
        "raised_at",
        "severity",
        "rule_name",
        "subject_label",
        "summary",
        "notified",
        "acknowledged",
        "resolved_at",
    ]
    list_filter = [OpenFilter, "severity", "kind"]
    search_fields = ["rule_name", "subject_label"]
    date_hierarchy = "raised_at"
    inlines = [DeliveryInline]
    actions = ["acknowledge"]
    readonly_fields = [
        "rule",
        "rule_name",
        "kind",
        "severity",
        "subject",
        "subject_label",
        "summary",
        "value",
        "last_value",
        "condition_since",
        "raised_at",
        "not_notified",
        "acknowledged_by",
        "acknowledged_at",
        "resolved_at",
        "resolution",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Alert]:
        return (
            super()
            .get_queryset(request)
            .select_related("acknowledged_by")
            .prefetch_related("deliveries")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # runingest writes alerts; people acknowledge them (the action)

    @admin.display(description="notified")
    def notified(self, obj: Alert) -> str:
        if obj.not_notified:
            return f"nobody ({obj.not_notified})"
        rows = [d for d in obj.deliveries.all() if d.event == AlertDelivery.RAISED]
        if not rows:
            return "–"
        return format_html_join(
            ", ", "{} ({})", ((d.channel_name, d.get_status_display()) for d in rows)
        )

    @admin.display(description="acknowledged by")
    def acknowledged(self, obj: Alert) -> str:
        if obj.acknowledged_by is None:
            return "–"
        when = timezone.localtime(obj.acknowledged_at).strftime("%Y-%m-%d %H:%M")
        return f"{obj.acknowledged_by.get_username()} at {when}"

    def has_acknowledge_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("wallboard.change_alert"))

    @admin.action(description="Acknowledge the selected alerts", permissions=["acknowledge"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        count = queryset.filter(acknowledged_by__isnull=True).update(
            acknowledged_by=request.user, acknowledged_at=timezone.now()
        )
        messages.success(request, f"{count} alert(s) acknowledged.")
