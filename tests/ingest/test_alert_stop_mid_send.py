"""Ingest stopping while a webhook is being sent: the send is let finish and marked sent, so
the next runingest does not send it again."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from ingest.runner import build_ingest
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


async def test_a_send_under_way_when_ingest_stops_is_marked_sent_and_not_sent_again(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    hooks = WebhookReceiver(answer=threading.Event()).start()
    try:
        await sync_to_async(make_source)(refresh_seconds=1)  # never sends: stale
        channel = await make_channel("ops", "webhook", url=hooks.url(), secret="k")
        rule = await make_rule("Feed down", "source_stale", [channel], hold_seconds=0)
        ingest = build_ingest(reload_seconds=0.2)
        stop = asyncio.Event()
        running = asyncio.create_task(ingest.run(stop))
        alert = await wait_for(lambda: open_alert(rule), what="a stale alert")
        await wait_for(lambda: hooks.posts(), what="the post under way")

        stop.set()  # while the receiver has not answered
        assert ingest.alerts is not None
        sender = ingest.alerts.sender
        await wait_for(lambda: sender.stopping, what="ingest stopping, the post unanswered")
        assert hooks.answer is not None
        hooks.answer.set()
        await asyncio.wait_for(running, 20)
        ingest.db.close()
        (row,) = await deliveries_of(alert)
        assert (row.status, row.attempts) == ("sent", 1)

        async with running_ingest() as again:
            await evaluations_pass(again)
        assert len(hooks.posts()) == 1
    finally:
        if hooks.answer is not None:
            hooks.answer.set()
        hooks.stop()
