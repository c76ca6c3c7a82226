"""A KPI rule over the real ingest path: CMS's report over TCP -> runingest -> the rule's
queue figure beyond its level for its hold time -> an alert, e-mailed through a real SMTP
server and posted to real webhook receivers (signed JSON, Teams, Slack); resolved the same
way when the figure comes back."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.alert_receivers import (
    SmtpServer,
    WebhookReceiver,
    alert_settings,  # noqa: F401  (fixture)
    alerts_of,
    deliveries_of,
    feed,
    make_channel,
    make_rule,
    open_alert,
    resolved_alert,
)
from tests.conftest import running_ingest, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def signed_by(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def test_a_kpi_rule_raises_after_its_hold_time_and_resolves_by_mail_and_webhooks(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    hooks = WebhookReceiver().start()
    with SmtpServer() as smtp:
        alert_settings.EMAIL_PORT = smtp.port
        try:
            source = await sync_to_async(make_source)(refresh_seconds=60)
            channels = [
                await make_channel(
                    "duty", "email", recipients="duty@example.com, lead@example.com"
                ),
                await make_channel("ops", "webhook", url=hooks.url("/generic"), secret="s3cret"),
                await make_channel("teams", "teams", url=hooks.url("/teams")),
                await make_channel("slack", "slack", url=hooks.url("/slack")),
            ]
            rule = await make_rule(
                "Sales queue",
                "kpi",
                channels,
                source=source,
                queue_kind="skill",
                queue_range="3",
                kpi="calls_waiting",
                direction="above",
                level=10,
                hold_seconds=1,
                severity="critical",
            )
            async with running_ingest() as ingest:
                await wait_for(lambda: ingest.workers.get(source.pk), what="the source")
                await feed(source, waiting=10)  # at the level, not beyond it
                worker = ingest.workers[source.pk]
                await wait_for(lambda: worker.batches == 1, what="the first report")
                seen = ingest.alerts.evaluations
                await wait_for(lambda: ingest.alerts.evaluations > seen + 2, what="evaluations")
                assert await alerts_of(rule) == []

                await feed(source, waiting=12)
                alert = await wait_for(lambda: open_alert(rule), what="the alert raised")
                assert (alert.raised_at - alert.condition_since).total_seconds() >= 1
                assert (alert.value, alert.severity, alert.not_notified) == (12, "critical", "")
                assert alert.summary == "Calls waiting is 12, above 10"

                await wait_for(
                    lambda: len(smtp.messages) == 1 and len(hooks.posts()) == 3,
                    what="the raise e-mailed and posted",
                )
                mail = smtp.messages[0]
                assert str(mail["Subject"]) == "[CRITICAL] Sales queue: skill 3 of cms-skills"
                assert str(mail["From"]) == "wallboard@example.com"
                assert mail["X-Envelope-To"] == "duty@example.com, lead@example.com"
                assert mail["X-Wallboard-Event-Id"] == f"{alert.pk}:raised"
                assert "Calls waiting is 12, above 10" in mail.get_content()

                generic = hooks.posts("/generic")[0]
                assert generic.headers["X-Wallboard-Signature"] == signed_by("s3cret", generic.body)
                assert generic.headers["X-Wallboard-Event"] == "raised"
                body = generic.json()
                assert (body["type"], body["id"], body["value"]) == (
                    "alert.raised",
                    f"{alert.pk}:raised",
                    12,
                )
                assert (body["rule"], body["severity"], body["resolved_at"]) == (
                    "Sales queue",
                    "critical",
                    None,
                )

                teams = hooks.posts("/teams")[0].json()
                assert teams["type"] == "message"
                (attachment,) = teams["attachments"]
                assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
                card = attachment["content"]
                assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
                assert card["body"][0]["text"] == "[CRITICAL] Sales queue: skill 3 of cms-skills"
                assert card["body"][0]["color"] == "attention"
                facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
                assert facts["Value"] == "12" and facts["Severity"] == "critical"

                slack = hooks.posts("/slack")[0].json()
                assert slack["text"].startswith("[CRITICAL] Sales queue: skill 3 of cms-skills")
                assert [b["type"] for b in slack["blocks"]] == ["header", "section", "section"]
                assert "*Value:* 12" in slack["blocks"][2]["text"]["text"]

                await feed(source, waiting=3)
                resolved = await wait_for(lambda: resolved_alert(rule), what="the alert resolved")
                assert resolved.pk == alert.pk and resolved.last_value == 3
                await wait_for(
                    lambda: len(smtp.messages) == 2 and len(hooks.posts()) == 6,
                    what="the resolve e-mailed and posted",
                )
                assert str(smtp.messages[1]["Subject"]).startswith("[Resolved] Sales queue")
                cleared = hooks.posts("/generic")[1]
                assert cleared.headers["X-Wallboard-Signature"] == signed_by("s3cret", cleared.body)
                assert cleared.json()["type"] == "alert.resolved"
                assert cleared.json()["summary"] == "Resolved: Calls waiting is 3, back within 10"
                rows = await wait_for(
                    lambda: _all_marked(alert, 8), what="every delivery marked sent"
                )
                assert sorted((d.event, d.channel_name, d.status, d.attempts) for d in rows) == [
                    (event, name, "sent", 1)
                    for event in ("raised", "resolved")
                    for name in ("duty", "ops", "slack", "teams")
                ]
                assert len(await alerts_of(rule)) == 1
        finally:
            hooks.stop()


async def _all_marked(alert: Any, count: int) -> Any:
    rows = await deliveries_of(alert)
    return rows if len(rows) == count and all(d.status != "pending" for d in rows) else None
