"""A restart of ingest with an open alert: the alert is not raised (nor notified) again, and
resolves later; a hold time started before the restart goes on from where it started."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.alert_receivers import (
    WebhookReceiver,
    alert_settings,  # noqa: F401  (fixture)
    alerts_of,
    condition_of,
    evaluations_pass,
    feed,
    make_channel,
    make_rule,
    open_alert,
    resolved_alert,
)
from tests.conftest import running_ingest, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_an_open_alert_is_not_raised_again_after_a_restart_and_resolves_later(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    hooks = WebhookReceiver().start()
    try:
        source = await sync_to_async(make_source)(refresh_seconds=1)
        channel = await make_channel("ops", "webhook", url=hooks.url(), secret="k")
        rule = await make_rule("Feed down", "source_stale", [channel], hold_seconds=0)
        async with running_ingest():
            alert = await wait_for(lambda: open_alert(rule), what="a stale alert")
            await wait_for(lambda: len(hooks.posts()) == 1, what="the raise posted")

        async with running_ingest() as again:
            await wait_for(lambda: again.workers.get(source.pk), what="the source")
            await evaluations_pass(again)
            assert [(a.pk, a.resolved_at) for a in await alerts_of(rule)] == [(alert.pk, None)]
            assert len(hooks.posts()) == 1

            await feed(source)
            resolved = await wait_for(lambda: resolved_alert(rule), what="the alert resolved")
            assert resolved.pk == alert.pk
            await wait_for(lambda: len(hooks.posts()) == 2, what="the resolve posted")
            assert [p.json()["type"] for p in hooks.posts()] == ["alert.raised", "alert.resolved"]
    finally:
        hooks.stop()


async def test_a_hold_time_started_before_a_restart_goes_on_from_its_start(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    await sync_to_async(make_source)(refresh_seconds=1)
    rule = await make_rule("Feed down", "source_stale", hold_seconds=3600)
    async with running_ingest():
        started = await wait_for(lambda: condition_of(rule), what="the hold timer")
    async with running_ingest() as again:
        await evaluations_pass(again)
        kept = await condition_of(rule)
        assert kept is not None and kept.since == started.since
        assert await alerts_of(rule) == []
