"""A webhook receiver that is down, then up: the delivery fails, is retried with backoff and
kept, and reaches the receiver exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.alert_receivers import (
    WebhookReceiver,
    alert_settings,  # noqa: F401  (fixture)
    deliveries_of,
    evaluations_pass,
    make_channel,
    make_rule,
    open_alert,
)
from tests.conftest import running_ingest, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


async def _delivery(alert: Any, **wanted: Any) -> Any:
    rows = await deliveries_of(alert)
    if len(rows) != 1:
        return None
    row = rows[0]
    if "attempts_at_least" in wanted and row.attempts < wanted["attempts_at_least"]:
        return None
    if "status" in wanted and row.status != wanted["status"]:
        return None
    return row


async def test_a_receiver_down_then_up_gets_the_alert_once_after_retries(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    hooks = WebhookReceiver()  # not listening yet
    try:
        await sync_to_async(make_source)(refresh_seconds=1)  # never sends: stale
        channel = await make_channel("ops", "webhook", url=hooks.url(), secret="k")
        rule = await make_rule("Feed down", "source_stale", [channel], hold_seconds=0)
        async with running_ingest() as ingest:
            alert = await wait_for(lambda: open_alert(rule), what="a stale alert")
            failing = await wait_for(
                lambda: _delivery(alert, attempts_at_least=2, status="pending"),
                what="two failed tries",
            )
            assert "refused" in failing.last_error.lower()

            hooks.start()
            sent = await wait_for(lambda: _delivery(alert, status="sent"), what="the delivery")
            assert sent.attempts >= 3 and sent.last_error == ""
            await evaluations_pass(ingest)
            assert len(hooks.posts()) == 1
            assert hooks.posts()[0].headers["X-Wallboard-Event-Id"] == f"{alert.pk}:raised"
    finally:
        hooks.stop()


async def test_a_delivery_that_never_gets_through_is_given_up_and_kept(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    alert_settings.ALERT_DELIVERY_ATTEMPTS = 3
    hooks = WebhookReceiver()  # never listening
    await sync_to_async(make_source)(refresh_seconds=1)
    channel = await make_channel("ops", "teams", url=hooks.url())
    rule = await make_rule("Feed down", "source_stale", [channel], hold_seconds=0)
    async with running_ingest() as ingest:
        alert = await wait_for(lambda: open_alert(rule), what="a stale alert")
        failed = await wait_for(lambda: _delivery(alert, status="failed"), what="giving up")
        assert failed.attempts == 3 and "refused" in failed.last_error.lower()
        await evaluations_pass(ingest)
        assert (await _delivery(alert)).attempts == 3  # no fourth try
