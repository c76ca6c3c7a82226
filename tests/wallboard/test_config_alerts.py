"""exportconfig/importconfig carry alert rules and alert channels as configuration; a channel's
credentials (a signed webhook's secret, a Teams or Slack webhook's URL) never leave the
installation: an import keeps the stored ones, and a new channel without its credential comes
in switched off, named by the command."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from wallboard.configio import ConfigError, export_config, import_config
from wallboard.models import AlertChannel, AlertRule, Source

pytestmark = pytest.mark.django_db

SIGNING_SECRET = "whsec-do-not-leak-9f3a"
SLACK_URL = "https://hooks.slack.com/services/T000/B000/do-not-leak-XXXX"


def site() -> None:
    source = Source.objects.create(name="pbx-1", vendor="mitel", connect="10.0.0.5:15373")
    mail = AlertChannel.objects.create(
        name="Floor managers", kind="email", recipients="a@example.com\nb@example.com"
    )
    signed = AlertChannel.objects.create(
        name="Ops webhook",
        kind="webhook",
        url="https://ops.example.com/hook",
        secret=SIGNING_SECRET,
    )
    slack = AlertChannel.objects.create(name="Slack", kind="slack", url=SLACK_URL, enabled=False)
    waiting = AlertRule.objects.create(
        name="Too many waiting",
        kind="kpi",
        severity="critical",
        source=source,
        queue_kind="skill",
        queue_range="301-302",
        kpi="calls_waiting",
        direction="above",
        level=6,
        hold_seconds=30,
        cooldown_seconds=600,
        quiet_from=dt.time(22, 0),
        quiet_until=dt.time(6, 30),
    )
    waiting.channels.set([mail, signed])
    staffed = AlertRule.objects.create(
        name="Nobody staffed",
        kind="no_agents",
        source=source,
        open_days="mon-fri, sat",
        opens_at=dt.time(8, 0),
        closes_at=dt.time(18, 0, 30),
    )
    staffed.channels.set([slack])
    AlertRule.objects.create(name="Any feed down", kind="source_stale", enabled=False)


def without(config: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k not in keys}


def test_alert_rules_and_channels_go_out_and_come_back_without_their_secrets(
    tmp_path: Path,
) -> None:
    site()
    exported = export_config()
    text = json.dumps(exported)
    assert SIGNING_SECRET not in text and SLACK_URL not in text
    assert {c["name"] for c in exported["alert_channels"]} == {
        "Floor managers",
        "Ops webhook",
        "Slack",
    }
    rule = next(r for r in exported["alert_rules"] if r["name"] == "Too many waiting")
    assert rule["channels"] == ["Floor managers", "Ops webhook"]
    assert (rule["quiet_from"], rule["quiet_until"], rule["level"]) == ("22:00", "06:30", 6)

    AlertRule.objects.all().delete()  # a fresh installation's alerts
    AlertChannel.objects.all().delete()
    path = tmp_path / "wallboard.json"
    path.write_text(text)
    said = io.StringIO()
    call_command("importconfig", str(path), stdout=said)
    assert "Imported 3 alert channels, 3 alert rules." in said.getvalue()
    assert "typed in the admin (Alert channels): Ops webhook, Slack" in said.getvalue()

    again = export_config()
    assert without(again, "alert_channels") == without(exported, "alert_channels")
    ops = AlertChannel.objects.get(name="Ops webhook")
    assert (ops.enabled, ops.secret, ops.url) == (False, "", "https://ops.example.com/hook")
    assert AlertChannel.objects.get(name="Floor managers").enabled
    staffed = AlertRule.objects.get(name="Nobody staffed")
    assert (staffed.opens_at, staffed.closes_at) == (dt.time(8, 0), dt.time(18, 0, 30))


def test_an_import_keeps_the_credentials_a_channel_has() -> None:
    site()
    exported = export_config()
    import_config(exported)
    import_config(exported)  # idempotent
    ops = AlertChannel.objects.get(name="Ops webhook")
    assert (ops.enabled, ops.secret) == (True, SIGNING_SECRET)
    assert AlertChannel.objects.get(name="Slack").url == SLACK_URL
    assert AlertRule.objects.count() == 3 and AlertChannel.objects.count() == 3
    assert export_config() == exported


def test_a_credential_in_the_file_is_refused_and_nothing_is_imported() -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        import_config(
            {
                "alert_channels": [
                    {"name": "w", "kind": "webhook", "url": "https://x/", "secret": "s"}
                ]
            }
        )
    with pytest.raises(ConfigError, match="a credential is never imported"):
        import_config({"alert_channels": [{"name": "s", "kind": "slack", "url": SLACK_URL}]})
    assert not AlertChannel.objects.exists()


def test_a_rule_naming_an_unknown_channel_imports_nothing() -> None:
    config = {
        "alert_channels": [{"name": "Mail", "kind": "email", "recipients": ["a@example.com"]}],
        "alert_rules": [{"name": "Stale", "kind": "source_stale", "channels": ["Mail", "Pager"]}],
    }
    with pytest.raises(ConfigError, match="no alert channel 'Pager'"):
        import_config(config)
    assert not AlertChannel.objects.exists() and not AlertRule.objects.exists()


def test_a_kpi_rule_without_its_level_is_refused() -> None:
    config = {"alert_rules": [{"name": "Waiting", "kind": "kpi", "kpi": "calls_waiting"}]}
    with pytest.raises(ConfigError, match="level"):
        import_config(config)
