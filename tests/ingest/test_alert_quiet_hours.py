"""Quiet hours: the alert opens and is recorded, nobody is notified (nor of its resolve)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from tests.alert_receivers import (
    WebhookReceiver,
    alert_settings,  # noqa: F401  (fixture)
    deliveries_of,
    evaluations_pass,
    feed,
    make_channel,
    make_rule,
    open_alert,
    resolved_alert,
)
from tests.conftest import running_ingest, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_an_alert_in_quiet_hours_is_recorded_and_nobody_is_notified(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    hooks = WebhookReceiver().start()
    try:
        source = await sync_to_async(make_source)(refresh_seconds=1)
        channel = await make_channel("ops", "slack", url=hooks.url())
        now = timezone.localtime()
        rule = await make_rule(
            "Feed down",
            "source_stale",
            [channel],
            hold_seconds=0,
            quiet_from=(now - timedelta(hours=1)).time(),
            quiet_until=(now + timedelta(hours=1)).time(),
        )
        async with running_ingest() as ingest:
            alert = await wait_for(lambda: open_alert(rule), what="the alert opened")
            assert alert.not_notified == "quiet hours"
            await evaluations_pass(ingest)
            await feed(source)
            resolved = await wait_for(lambda: resolved_alert(rule), what="the alert resolved")
            await evaluations_pass(ingest)
            assert await deliveries_of(resolved) == []
            assert hooks.posts() == []
    finally:
        hooks.stop()
