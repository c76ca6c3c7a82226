"""Sending one alert event to one channel: e-mail through Django's e-mail backend, webhooks
(signed JSON, Teams, Slack) over HTTP(S). Used by runingest's sender (ingest/alert_delivery.py)
and by the admin's "Send a test message"."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from wallboard.lib.alerting import (
    EVENT_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    AlertEvent,
    email_message,
    generic_body,
    sign,
    slack_body,
    teams_body,
)

RESPONSE_EXCERPT = 200  # characters of a receiver's error answer kept


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed delivery, with all it needs to be sent outside the database thread."""

    delivery_id: int
    kind: str
    recipients: tuple[str, ...]
    url: str
    secret: str
    event: AlertEvent
    enabled: bool


def send(outgoing: Outgoing) -> str:
    """Send one delivery (blocking: run in a thread). "" when sent, else what went wrong."""
    if not outgoing.enabled:
        return "the channel is switched off or deleted"
    try:
        if outgoing.kind == "email":
            _send_email(outgoing)
        elif outgoing.kind in ("webhook", "teams", "slack"):
            _post(outgoing)
        else:
            return f"unknown channel kind {outgoing.kind!r}"
    except Exception as exc:  # any failure is the delivery's, kept on its row and retried
        return f"{type(exc).__name__}: {exc}"[:500]
    return ""


def _send_email(outgoing: Outgoing) -> None:
    from django.core.mail import EmailMessage, get_connection

    subject, body = email_message(outgoing.event)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(outgoing.recipients),
        headers={EVENT_ID_HEADER: outgoing.event.id},
        connection=get_connection(fail_silently=False),
    )
    message.send()


def _post(outgoing: Outgoing) -> None:
    event = outgoing.event
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "wallboard-alerts",
        EVENT_HEADER: event.event,
        EVENT_ID_HEADER: event.id,
    }
    if outgoing.kind == "webhook":
        body = generic_body(event)
        headers[SIGNATURE_HEADER] = sign(outgoing.secret, body)
    elif outgoing.kind == "teams":
        body = teams_body(event)
    else:
        body = slack_body(event)
    request = urllib.request.Request(outgoing.url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.ALERT_SEND_TIMEOUT) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        answer = exc.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
        raise RuntimeError(f"HTTP {exc.code} {exc.reason}: {answer}") from None
