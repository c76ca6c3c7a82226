"""Alerts off the wall, the Django-free parts: when a rule's hours apply (opening hours, quiet
hours), what one alert event says in each channel's format (e-mail, a signed JSON webhook,
Microsoft Teams, Slack), the signature of a webhook body, and the retry delays.

An event is built once from the database (ingest/alerts.py) and rendered here; a retry sends
the same bytes again, so a receiver can tell a retry by the event's `id`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, time
from typing import Final, Literal

Severity = Literal["info", "warning", "critical"]
EventKind = Literal["raised", "resolved"]

SIGNATURE_HEADER: Final = "X-Wallboard-Signature"  # "sha256=" + hex HMAC-SHA256 of the body
EVENT_HEADER: Final = "X-Wallboard-Event"  # "raised" or "resolved"
EVENT_ID_HEADER: Final = "X-Wallboard-Event-Id"  # the same on every retry of one event

DAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Teams' Adaptive Card colours for a text block, by severity.
TEAMS_COLOURS: Final[dict[str, str]] = {
    "info": "accent",
    "warning": "warning",
    "critical": "attention",
}


class DaysError(ValueError):
    """A weekday list that cannot be read."""


def parse_days(text: str) -> frozenset[int]:
    """Weekdays (0 = Monday) of text such as "mon-fri", "mon, wed, sat-sun"; blank: every day.
    A range may wrap ("fri-mon")."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        start, end = _day(first), _day(last or first)
        day = start
        days.add(day)
        while day != end:
            day = (day + 1) % 7
            days.add(day)
    return frozenset(days) if days else frozenset(range(7))


def _day(name: str) -> int:
    key = name[:3]
    if len(name) < 3 or key not in DAY_NAMES:
        raise DaysError(f"{name!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
    return DAY_NAMES.index(key)


def in_hours(local: datetime, days: Iterable[int], start: time | None, end: time | None) -> bool:
    """Whether a local time falls in the hours from `start` to `end` on `days`. No start and
    no end: the whole of those days. End before start: the hours run past midnight, and the
    hours after midnight belong to the day they started on ("fri 22:00-06:00" takes in
    Saturday 03:00)."""
    allowed = set(days)
    if start is None and end is None:
        return local.weekday() in allowed
    begin = start or time(0, 0)
    now = local.time().replace(tzinfo=None)
    if end is None or begin < end:
        return local.weekday() in allowed and begin <= now and (end is None or now < end)
    if begin == end:  # from a time to the same time: the whole day
        return local.weekday() in allowed
    if now >= begin:
        return local.weekday() in allowed
    return now < end and (local.weekday() - 1) % 7 in allowed


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One event of one alert (raised or resolved), as every channel says it."""

    id: str  # "<alert id>:<event>": unique per alert event, the same on every retry
    event: EventKind
    alert_id: int
    rule: str
    rule_kind: str
    severity: Severity
    subject: str  # what the alert is about, as a person reads it ("skill 3 (Sales)")
    summary: str  # one line: what is wrong, or that it cleared
    value: float | str | None  # the figure when it was raised (or resolved), if any
    raised_at: str  # ISO 8601 with the offset
    resolved_at: str | None
    acknowledged_by: str | None
    link: str | None = None  # the alert in the admin, where the site's address is known

    def title(self) -> str:
        mark = "Resolved" if self.event == "resolved" else self.severity.upper()
        return f"[{mark}] {self.rule}: {self.subject}"

    def lines(self) -> list[tuple[str, str]]:
        """The facts every format lists, in order."""
        facts = [
            ("Rule", self.rule),
            ("Severity", self.severity),
            ("About", self.subject),
            ("Raised", self.raised_at),
        ]
        if self.value is not None:
            facts.append(("Value", _value_text(self.value)))
        if self.resolved_at:
            facts.append(("Resolved", self.resolved_at))
        if self.acknowledged_by:
            facts.append(("Acknowledged by", self.acknowledged_by))
        if self.link:
            facts.append(("Link", self.link))
        return facts


def _value_text(value: float | str) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def email_message(event: AlertEvent) -> tuple[str, str]:
    """(subject, plain-text body) of an alert e-mail."""
    body = [event.summary, ""]
    body += [f"{name}: {value}" for name, value in event.lines()]
    body += ["", f"Event: {event.id}"]
    return event.title(), "\n".join(body) + "\n"


def generic_body(event: AlertEvent) -> bytes:
    """The generic webhook's JSON body: every field of the event, keys sorted, compact (the
    bytes that are signed are the bytes that are sent)."""
    data = {"type": f"alert.{event.event}", **asdict(event)}
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: "sha256=" and the hex HMAC-SHA256 of the body under the
    channel's secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_valid(secret: str, body: bytes, header: str) -> bool:
    """How a receiver checks a body (constant-time)."""
    return hmac.compare_digest(sign(secret, body), header)


def teams_body(event: AlertEvent) -> bytes:
    """A Microsoft Teams incoming webhook (a Workflows "post to a channel when a webhook
    request is received" URL): a message carrying one Adaptive Card."""
    colour = "good" if event.event == "resolved" else TEAMS_COLOURS[event.severity]
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": event.title(),
                "weight": "Bolder",
                "size": "Medium",
                "color": colour,
                "wrap": True,
            },
            {"type": "TextBlock", "text": event.summary, "wrap": True},
            {
                "type": "FactSet",
                "facts": [{"title": name, "value": value} for name, value in event.lines()],
            },
        ],
    }
    message = {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }
    return json.dumps(message).encode()


def slack_body(event: AlertEvent) -> bytes:
    """A Slack incoming webhook: `text` (the notification's line) and the same as blocks."""
    facts = "\n".join(f"*{name}:* {_slack_escape(value)}" for name, value in event.lines())
    message = {
        "text": f"{event.title()}: {event.summary}",
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": event.title()[:150]},
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(event.summary)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": facts}},
        ],
    }
    return json.dumps(message).encode()


def _slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def retry_delay(failures: int, first: float, cap: float) -> float:
    """Seconds before the next try after `failures` failed ones: first, doubling, capped."""
    return float(min(cap, first * 2 ** max(0, failures - 1)))
