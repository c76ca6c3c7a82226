"""What one alert event says in each format; the signature a receiver checks."""

from __future__ import annotations

import hashlib
import hmac
import json

from wallboard.lib.alerting import (
    AlertEvent,
    email_message,
    generic_body,
    retry_delay,
    sign,
    signature_valid,
    slack_body,
)

EVENT = AlertEvent(
    id="7:resolved",
    event="resolved",
    alert_id=7,
    rule="Sales <queue> & co",
    rule_kind="kpi",
    severity="warning",
    subject="skill 3 of cms-skills",
    summary="Resolved: Calls waiting is 3, back within 10",
    value=3.0,
    raised_at="2026-12-07T09:00:00+00:00",
    resolved_at="2026-12-07T09:05:00+00:00",
    acknowledged_by="boss",
)


def test_the_generic_body_is_signed_with_hmac_sha256_of_its_bytes() -> None:
    body = generic_body(EVENT)
    expected = "sha256=" + hmac.new(b"k3y", body, hashlib.sha256).hexdigest()
    assert sign("k3y", body) == expected
    assert signature_valid("k3y", body, expected)
    assert not signature_valid("k3y", body + b" ", expected)
    assert not signature_valid("other", body, expected)
    data = json.loads(body)
    assert (data["type"], data["id"], data["acknowledged_by"]) == (
        "alert.resolved",
        "7:resolved",
        "boss",
    )


def test_an_email_says_it_resolved_and_who_acknowledged_it() -> None:
    subject, body = email_message(EVENT)
    assert subject == "[Resolved] Sales <queue> & co: skill 3 of cms-skills"
    assert "Acknowledged by: boss" in body and "Value: 3" in body
    assert "Resolved: 2026-12-07T09:05:00+00:00" in body


def test_slack_text_has_its_markup_characters_escaped() -> None:
    blocks = json.loads(slack_body(EVENT))["blocks"]
    assert "Sales &lt;queue&gt; &amp; co" in blocks[2]["text"]["text"]


def test_retries_wait_longer_each_time_up_to_the_cap() -> None:
    assert [retry_delay(n, 10, 60) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
