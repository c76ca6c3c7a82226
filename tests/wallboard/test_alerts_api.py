"""/api/v1/alerts/: the open alerts and the recently resolved, with whom each notified and who
acknowledged it; the same access as the rest of the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.wallboard.alert_history import history
from wallboard.models import Alert, ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(db: Any) -> dict[str, Any]:
    return history()


def test_alerts_list_the_open_and_the_recently_resolved_newest_first(
    staff_client: Any, alerts: dict[str, Any]
) -> None:
    rows = staff_client.get("/api/v1/alerts/").json()
    assert [r["id"] for r in rows] == [alerts["open"].pk, alerts["recent"].pk]
    first = rows[0]
    assert (first["state"], first["rule"], first["severity"], first["value"]) == (
        "open",
        "Sales queue",
        "critical",
        12,
    )
    assert first["about"] == "skill 3 of cms-skills" and first["resolved_at"] is None
    assert first["deliveries"] == [
        {
            "event": "raised",
            "channel": "duty",
            "to": "duty@example.com",
            "status": "sent",
            "attempts": 2,
            "sent_at": first["deliveries"][0]["sent_at"],
            "last_error": None,
        }
    ]
    assert rows[1]["state"] == "resolved" and rows[1]["resolution"].startswith("Calls waiting")


def test_alerts_filter_by_state_and_by_hours(staff_client: Any, alerts: dict[str, Any]) -> None:
    assert [r["id"] for r in staff_client.get("/api/v1/alerts/?state=open").json()] == [
        alerts["open"].pk
    ]
    resolved = staff_client.get("/api/v1/alerts/?state=resolved&hours=72").json()
    assert [r["id"] for r in resolved] == [alerts["recent"].pk, alerts["old"].pk]
    assert staff_client.get("/api/v1/alerts/?state=maybe").status_code == 400
    assert staff_client.get("/api/v1/alerts/?hours=lots").status_code == 400


def test_an_acknowledged_alert_says_by_whom(
    staff_client: Any, alerts: dict[str, Any], django_user_model: Any
) -> None:
    user = django_user_model.objects.get(username="supervisor")
    Alert.objects.filter(pk=alerts["open"].pk).update(
        acknowledged_by=user, acknowledged_at=timezone.now()
    )
    (row,) = staff_client.get("/api/v1/alerts/?state=open").json()
    assert row["acknowledged_by"] == "supervisor" and row["acknowledged_at"]


def test_alerts_need_staff_or_a_token(client: Any, alerts: dict[str, Any]) -> None:
    assert client.get("/api/v1/alerts/").status_code == 401
    token = ApiToken(name="NOC")
    secret = token.issue()
    token.save()
    response = client.get("/api/v1/alerts/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200 and len(response.json()) == 2


def test_the_database_refuses_a_second_open_alert_for_one_rule_and_subject(
    alerts: dict[str, Any],
) -> None:
    first = alerts["open"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            rule=first.rule,
            rule_name=first.rule_name,
            kind=first.kind,
            severity=first.severity,
            subject=first.subject,
            subject_label=first.subject_label,
            summary=first.summary,
            condition_since=first.condition_since,
            raised_at=timezone.now(),
        )
