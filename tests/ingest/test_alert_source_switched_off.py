"""Switching a source off in the admin ends its KPI alert (nothing is left open about a feed
nobody wants watched), and no stale alert is raised for it."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.alert_receivers import (
    alert_settings,  # noqa: F401  (fixture)
    alerts_of,
    evaluations_pass,
    feed,
    make_rule,
    open_alert,
    resolved_alert,
)
from tests.conftest import running_ingest, wait_for
from wallboard.models import Source

pytestmark = pytest.mark.django_db(transaction=True)


async def test_switching_a_source_off_resolves_its_kpi_alert_and_raises_no_stale_one(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    source = await sync_to_async(make_source)(refresh_seconds=60)
    rule = await make_rule(
        "Sales queue", "kpi", source=source, kpi="calls_waiting", level=10, hold_seconds=0
    )
    async with running_ingest() as ingest:
        await wait_for(lambda: ingest.workers.get(source.pk), what="the source")
        await feed(source, waiting=20)
        alert = await wait_for(lambda: open_alert(rule), what="the KPI alert")

        await sync_to_async(Source.objects.filter(pk=source.pk).update)(enabled=False)
        resolved = await wait_for(lambda: resolved_alert(rule), what="the alert resolved")
        assert (resolved.pk, resolved.resolution) == (alert.pk, "The source is switched off")
        await wait_for(lambda: source.pk not in ingest.workers, what="the source stopped")
        # Made only now: the feeder's link has closed, so before the switch-off the source was
        # rightly down, and a rule made earlier could fire before the switch-off took effect.
        stale_rule = await make_rule("Feed down", "source_stale", source=source, hold_seconds=0)
        await evaluations_pass(ingest)
        assert await alerts_of(stale_rule) == []
