"""No agent staffed in opening hours: the queue's staffed figure (as its tile shows it) at 0
while open raises; agents logging in resolve it; outside the opening days nothing is raised."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

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
from wallboard.lib.alerting import DAY_NAMES

pytestmark = pytest.mark.django_db(transaction=True)


async def test_no_agent_staffed_in_opening_hours_raises_and_agents_logging_in_resolve_it(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    source = await sync_to_async(make_source)(refresh_seconds=60)
    today = DAY_NAMES[timezone.localtime().weekday()]
    rule = await make_rule(
        "Sales unstaffed",
        "no_agents",
        source=source,
        queue_kind="skill",
        queue_range="3",
        open_days=today,
        hold_seconds=0,
        severity="critical",
    )
    async with running_ingest() as ingest:
        await wait_for(lambda: ingest.workers.get(source.pk), what="the source")
        await feed(source, staffed=5)
        await wait_for(lambda: ingest.workers[source.pk].batches == 1, what="the report")
        await evaluations_pass(ingest)
        assert await alerts_of(rule) == []

        await feed(source, staffed=0)
        alert = await wait_for(lambda: open_alert(rule), what="the staffing alert")
        assert (alert.summary, alert.value) == ("No agent staffed in opening hours", 0)

        await feed(source, staffed=2)
        resolved = await wait_for(lambda: resolved_alert(rule), what="the alert resolved")
        assert (resolved.pk, resolved.resolution) == (alert.pk, "2 agents staffed")


async def test_no_agent_staffed_outside_the_opening_days_raises_nothing(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    source = await sync_to_async(make_source)(refresh_seconds=60)
    tomorrow = DAY_NAMES[(timezone.localtime().weekday() + 1) % 7]
    rule = await make_rule(
        "Sales unstaffed", "no_agents", source=source, open_days=tomorrow, hold_seconds=0
    )
    async with running_ingest() as ingest:
        await wait_for(lambda: ingest.workers.get(source.pk), what="the source")
        await feed(source, staffed=0)
        await wait_for(lambda: ingest.workers[source.pk].batches == 1, what="the report")
        await evaluations_pass(ingest)
        assert await alerts_of(rule) == []
