"""Sending alert deliveries: e-mail through Django's e-mail backend, webhooks over HTTP(S).

Each delivery row (one per alert, channel and event) is sent until it succeeds or runs out of
attempts (ALERT_DELIVERY_ATTEMPTS), waiting ALERT_RETRY_FIRST_SECONDS, then twice as long each
time up to ALERT_RETRY_MAX_SECONDS. A sender claims a due row by moving its next attempt past
its own time limit (a conditional update: one claimant), sends, and marks it sent.

The only way one event reaches a channel twice: the process dies after the send and before the
mark. The claim then lapses and the row is sent again. Receivers can drop such a repeat by the
event's id (the X-Wallboard-Event-Id header, the body's `id`, an e-mail's header of the same
name).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from wallboard.alerting.send import Outgoing, send
from wallboard.lib.alerting import AlertEvent, retry_delay

log = logging.getLogger(__name__)

CLAIM_MARGIN = 30.0  # a claim outlives the send's time limit by this much
MAX_PER_ROUND = 50  # deliveries claimed at once


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def alert_event(alert: Any, event: str) -> AlertEvent:
    """One event of an alert, as every channel says it."""
    base = str(getattr(settings, "ALERT_LINK_BASE", "") or "").rstrip("/")
    resolved = event == "resolved"
    summary = f"Resolved: {alert.resolution}" if resolved and alert.resolution else alert.summary
    user = alert.acknowledged_by
    return AlertEvent(
        id=f"{alert.pk}:{event}",
        event="resolved" if resolved else "raised",
        alert_id=alert.pk,
        rule=alert.rule_name,
        rule_kind=alert.kind,
        severity=alert.severity,
        subject=alert.subject_label,
        summary=summary,
        value=alert.last_value if resolved else alert.value,
        raised_at=_iso(alert.raised_at) or "",
        resolved_at=_iso(alert.resolved_at) if resolved else None,
        acknowledged_by=(user.get_username() if user else None),
        link=f"{base}/admin/wallboard/alert/{alert.pk}/change/" if base else None,
    )


def claim_due(now: datetime, hold: float) -> list[Outgoing]:
    """The deliveries due now, each claimed for `hold` seconds."""
    from wallboard.models import AlertDelivery

    due = list(
        AlertDelivery.objects.filter(status=AlertDelivery.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:MAX_PER_ROUND]
    )
    claimed = []
    until = now + timedelta(seconds=hold)
    for pk in due:
        taken = AlertDelivery.objects.filter(
            pk=pk, status=AlertDelivery.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=until)
        if not taken:
            continue  # another sender has it
        row = AlertDelivery.objects.select_related(
            "alert", "alert__acknowledged_by", "channel"
        ).get(pk=pk)
        channel = row.channel
        claimed.append(
            Outgoing(
                delivery_id=pk,
                kind=channel.kind if channel else "",
                recipients=tuple(channel.addresses()) if channel else (),
                url=channel.url if channel else "",
                secret=channel.secret if channel else "",
                event=alert_event(row.alert, row.event),
                enabled=bool(channel and channel.enabled),
            )
        )
    return claimed


def mark(delivery_id: int, error: str, now: datetime) -> str:
    """Record a try: sent (no error), else failed and due again after the backoff, or given up
    after the last attempt. Returns the new status."""
    from wallboard.models import AlertDelivery

    row = AlertDelivery.objects.get(pk=delivery_id)
    row.attempts += 1
    if not error:
        row.status, row.sent_at, row.last_error = AlertDelivery.SENT, now, ""
    else:
        row.last_error = error[:500]
        if row.attempts >= settings.ALERT_DELIVERY_ATTEMPTS:
            row.status = AlertDelivery.FAILED
        else:
            delay = retry_delay(
                row.attempts, settings.ALERT_RETRY_FIRST_SECONDS, settings.ALERT_RETRY_MAX_SECONDS
            )
            row.next_attempt_at = now + timedelta(seconds=delay)
    row.save(update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"])
    return row.status


class Sender:
    """Sends due deliveries: when woken (an evaluation made some) and every `every` seconds
    (retries come due)."""

    def __init__(self, db: Any, every: float) -> None:
        self.db = db
        self.every = every
        self._wake = asyncio.Event()
        self._round: asyncio.Future[None] | None = None
        self.stopping = False  # finish() waits for the round under way
        self.sent = 0
        self.failures = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.every)
            self._wake.clear()
            # Shielded: a stop lets the round under way mark what it sent (finish()).
            self._round = asyncio.ensure_future(self._send_round())
            await asyncio.shield(self._round)

    async def _send_round(self) -> None:
        try:
            await self.send_due()
        except Exception as exc:  # the database: the rows wait for the next round
            log.error("alerts: cannot send deliveries now (%s)", exc)

    async def finish(self) -> None:
        """Ingest stops: wait for the round under way, so what it sent is marked sent and not
        sent again by the next runingest (bounded by the sends' own time limits)."""
        self.stopping = True
        if self._round is not None and not self._round.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._round), self._hold() + CLAIM_MARGIN)

    def _hold(self) -> float:
        """The longest one send may take: the webhook's time limit and SMTP's."""
        return float(settings.ALERT_SEND_TIMEOUT) + float(
            getattr(settings, "EMAIL_TIMEOUT", None) or 0
        )

    async def send_due(self) -> None:
        hold = self._hold() + CLAIM_MARGIN
        claimed: list[Outgoing] = await self.db(claim_due, timezone.now(), hold)
        if not claimed:
            return
        errors = await asyncio.gather(*(asyncio.to_thread(send, o) for o in claimed))
        for outgoing, error in zip(claimed, errors, strict=True):
            status = await self.db(mark, outgoing.delivery_id, error, timezone.now())
            if error:
                self.failures += 1
                log.warning(
                    "alerts: %s of alert %s to %s failed (%s): %s",
                    outgoing.event.event,
                    outgoing.event.alert_id,
                    outgoing.kind,
                    "gave up" if status == "failed" else "will retry",
                    error,
                )
            else:
                self.sent += 1
