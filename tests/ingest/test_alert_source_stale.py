"""A source going stale (no report for two refreshes) raises its rule's alert; the next report
resolves it. Both go to a real webhook receiver."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.alert_receivers import (
    WebhookReceiver,
    alert_settings,  # noqa: F401  (fixture)
    feed,
    make_channel,
    make_rule,
    open_alert,
    resolved_alert,
)
from tests.conftest import running_ingest, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_source_going_stale_raises_an_alert_and_its_next_report_resolves_it(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    hooks = WebhookReceiver().start()
    try:
        source = await sync_to_async(make_source)(refresh_seconds=1, display_name="Avaya skills")
        channel = await make_channel("ops", "webhook", url=hooks.url(), secret="k")
        async with running_ingest() as ingest:
            await wait_for(lambda: ingest.workers.get(source.pk), what="the source")
            worker = ingest.workers[source.pk]
            await feed(source)
            await wait_for(lambda: not worker.stale, what="the source live")
            rule = await make_rule("Feed down", "source_stale", [channel], hold_seconds=1)

            alert = await wait_for(lambda: open_alert(rule), timeout=15, what="a stale alert")
            assert worker.stale
            assert (alert.subject, alert.subject_label) == (f"source:{source.pk}", "Avaya skills")
            assert alert.summary.startswith("Down: not connected")  # CMS hung up
            raised = (await wait_for(lambda: hooks.posts(), what="the raise posted"))[0].json()
            assert (raised["type"], raised["subject"]) == ("alert.raised", "Avaya skills")

            await feed(source)
            resolved = await wait_for(lambda: resolved_alert(rule), what="the alert resolved")
            assert (resolved.pk, resolved.resolution) == (alert.pk, "Live again")
            posts = await wait_for(lambda: len(hooks.posts()) == 2 and hooks.posts())
            assert posts[1].json()["type"] == "alert.resolved"
    finally:
        hooks.stop()
