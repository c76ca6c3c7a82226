"""Alert history rows as runingest writes them, for the API and admin tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from wallboard.models import Alert, AlertChannel, AlertDelivery, AlertRule


def history() -> dict[str, Any]:
    """An open alert notified by e-mail, one resolved an hour ago, one resolved two days ago."""
    now = timezone.now()
    channel = AlertChannel.objects.create(name="duty", kind="email", recipients="duty@example.com")
    rule = AlertRule.objects.create(
        name="Sales queue", kind="kpi", kpi="calls_waiting", level=10, queue_range="3"
    )
    rule.channels.set([channel])

    def alert(hours_ago: float, resolved_hours_ago: float | None, subject: str) -> Alert:
        return Alert.objects.create(
            rule=rule,
            rule_name=rule.name,
            kind="kpi",
            severity="critical",
            subject=subject,
            subject_label="skill 3 of cms-skills",
            summary="Calls waiting is 12, above 10",
            value=12,
            last_value=12,
            condition_since=now - timedelta(hours=hours_ago, seconds=60),
            raised_at=now - timedelta(hours=hours_ago),
            resolved_at=None
            if resolved_hours_ago is None
            else now - timedelta(hours=resolved_hours_ago),
            resolution="" if resolved_hours_ago is None else "Calls waiting is 3, back within 10",
        )

    # Subjects differ: at most one open alert per rule and subject (the old ones are closed).
    open_alert = alert(0.5, None, "")
    recent = alert(3, 1, "a")
    old = alert(60, 48, "b")
    AlertDelivery.objects.create(
        alert=open_alert,
        channel=channel,
        channel_name="duty",
        target="duty@example.com",
        event="raised",
        status="sent",
        attempts=2,
        next_attempt_at=now,
        created_at=now,
        sent_at=now,
    )
    return {"open": open_alert, "recent": recent, "old": old, "rule": rule}
