"""The alert history in the admin: raised, notified whom, acknowledged by (an action),
resolved; and the rule and channel forms."""

from __future__ import annotations

from typing import Any

import pytest

from tests.wallboard.alert_history import history
from wallboard.models import Alert, AlertChannel, AlertRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(client: Any, django_user_model: Any) -> Any:
    user = django_user_model.objects.create_superuser("boss", password="pw")
    client.force_login(user)
    return client


def test_the_history_lists_each_alert_with_whom_it_notified(supervisor: Any) -> None:
    alerts = history()
    page = supervisor.get("/admin/wallboard/alert/").content.decode()
    assert "Sales queue" in page and "skill 3 of cms-skills" in page
    assert "duty (sent)" in page  # notified whom
    page = supervisor.get(f"/admin/wallboard/alert/{alerts['open'].pk}/change/").content.decode()
    assert "duty@example.com" in page and "Calls waiting is 12, above 10" in page


def test_a_supervisor_acknowledges_alerts_with_the_admin_action(supervisor: Any) -> None:
    alerts = history()
    response = supervisor.post(
        "/admin/wallboard/alert/",
        {"action": "acknowledge", "_selected_action": [alerts["open"].pk]},
        follow=True,
    )
    assert "1 alert(s) acknowledged." in response.content.decode()
    alert = Alert.objects.get(pk=alerts["open"].pk)
    assert alert.acknowledged_by is not None and alert.acknowledged_by.username == "boss"
    assert alert.acknowledged_at is not None
    page = supervisor.get("/admin/wallboard/alert/?state=open").content.decode()
    assert "boss at" in page


def test_a_kpi_rule_without_a_level_is_refused(supervisor: Any) -> None:
    response = supervisor.post(
        "/admin/wallboard/alertrule/add/",
        {
            "name": "Sales",
            "enabled": "on",
            "kind": "kpi",
            "severity": "warning",
            "kpi": "calls_waiting",
            "direction": "above",
            "hold_seconds": "60",
            "cooldown_seconds": "900",
        },
    )
    assert response.status_code == 200 and "A KPI rule needs a level." in response.content.decode()
    assert not AlertRule.objects.exists()


def test_a_rule_with_opening_days_that_are_not_days_is_refused(supervisor: Any) -> None:
    response = supervisor.post(
        "/admin/wallboard/alertrule/add/",
        {
            "name": "Unstaffed",
            "kind": "no_agents",
            "severity": "warning",
            "direction": "above",
            "open_days": "mon-fri, someday",
            "hold_seconds": "60",
            "cooldown_seconds": "900",
        },
    )
    assert "is not a weekday" in response.content.decode()


def test_a_signed_webhook_channel_needs_a_secret(supervisor: Any) -> None:
    response = supervisor.post(
        "/admin/wallboard/alertchannel/add/",
        {"name": "ops", "kind": "webhook", "enabled": "on", "url": "https://example.com/hook"},
    )
    assert "A signed webhook needs a secret." in response.content.decode()
    assert not AlertChannel.objects.exists()
    for path in ("/admin/wallboard/alertrule/add/", "/admin/wallboard/alertchannel/"):
        assert supervisor.get(path).status_code == 200


def test_the_rule_list_says_each_rules_condition(supervisor: Any) -> None:
    history()
    page = supervisor.get("/admin/wallboard/alertrule/").content.decode()
    assert "calls_waiting above 10 (3)" in page
