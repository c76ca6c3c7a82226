"""Cooldown: an alert raised again within the rule's cooldown after a notified one is opened
and recorded, but not notified."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.alert_receivers import (
    WebhookReceiver,
    alert_settings,  # noqa: F401  (fixture)
    alerts_of,
    evaluations_pass,
    feed,
    make_channel,
    make_rule,
    open_alert,
    resolved_alert,
)
from tests.conftest import running_ingest, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


async def _two(rule: Any) -> Any:
    found = await alerts_of(rule)
    return found if len(found) == 2 else None


async def test_an_alert_raised_again_within_the_cooldown_is_recorded_not_notified(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    hooks = WebhookReceiver().start()
    try:
        source = await sync_to_async(make_source)(refresh_seconds=1)
        channel = await make_channel("ops", "webhook", url=hooks.url(), secret="k")
        rule = await make_rule(
            "Feed down", "source_stale", [channel], hold_seconds=0, cooldown_seconds=3600
        )
        async with running_ingest() as ingest:
            first = await wait_for(lambda: open_alert(rule), what="the first alert")
            assert first.not_notified == ""
            await feed(source)
            await wait_for(lambda: resolved_alert(rule), what="the first alert resolved")
            await wait_for(lambda: len(hooks.posts()) == 2, what="its raise and resolve posted")

            first_again, second = await wait_for(lambda: _two(rule), timeout=15, what="again")
            assert first_again.pk == first.pk
            assert second.resolved_at is None and second.not_notified == "cooldown"
            await evaluations_pass(ingest)
            assert [p.json()["type"] for p in hooks.posts()] == ["alert.raised", "alert.resolved"]
    finally:
        hooks.stop()
