"""A KPI rule over every source counts the queues of the live ones: another source being stale
does not keep it from raising (its rows are not in the figure), while a stale source whose
queues are in the figure does."""

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
)
from tests.conftest import running_ingest, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_rule_of_every_source_raises_though_another_source_is_stale(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    live = await sync_to_async(make_source)("cms-live", refresh_seconds=60)
    await sync_to_async(make_source)("cms-silent", refresh_seconds=1)  # never sends: stale
    rule = await make_rule(
        "Skill 3 anywhere", "kpi", queue_range="3", kpi="calls_waiting", level=10, hold_seconds=0
    )
    async with running_ingest() as ingest:
        await wait_for(lambda: len(ingest.workers) == 2, what="both sources")
        await feed(live, waiting=15)
        alert = await wait_for(lambda: open_alert(rule), what="the alert")
        assert alert.value == 15 and alert.subject_label == "queues 3 of every source"


async def test_a_rule_whose_queues_are_stale_decides_nothing(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    source = await sync_to_async(make_source)(refresh_seconds=1)
    async with running_ingest() as ingest:
        await wait_for(lambda: ingest.workers.get(source.pk), what="the source")
        worker = ingest.workers[source.pk]
        await feed(source, waiting=15)
        await wait_for(lambda: worker.batches == 1, what="the report")
        await wait_for(lambda: worker.stale, timeout=15, what="the source stale")
        assert worker.live.queues[("skill", "3")].calls_waiting == 15  # still held, not live
        rule = await make_rule(
            "Skill 3", "kpi", queue_range="3", kpi="calls_waiting", level=10, hold_seconds=0
        )
        await evaluations_pass(ingest)
        assert await alerts_of(rule) == []  # a stale 15 is not a live one
