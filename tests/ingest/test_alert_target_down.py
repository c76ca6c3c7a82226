"""A pass-through target that cannot be reached raises its rule's alert; once the target
listens and ingest gets through, the alert resolves."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.alert_receivers import (
    alert_settings,  # noqa: F401  (fixture)
    feed,
    make_rule,
    open_alert,
    resolved_alert,
)
from tests.conftest import free_port, running_ingest, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_pass_through_target_down_raises_and_its_return_resolves(
    make_source: Any,
    alert_settings: Any,  # noqa: F811
) -> None:
    target_port = free_port()  # nothing listens there yet
    source = await sync_to_async(make_source)(
        refresh_seconds=60, targets=[("127.0.0.1", target_port)]
    )
    rule = await make_rule("Recorder feed", "target_down", source=source, hold_seconds=0)
    received = bytearray()

    async def take(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.extend(await reader.read(65536))

    async with running_ingest():
        await feed(source)  # bytes to pass on: the target is dialled, and refuses
        alert = await wait_for(lambda: open_alert(rule), what="the target's alert")
        assert alert.subject_label == f"cms-skills to 127.0.0.1:{target_port}"
        assert alert.summary.startswith("Down: cannot connect")

        server = await asyncio.start_server(take, "127.0.0.1", target_port)
        try:
            resolved = await wait_for(
                lambda: resolved_alert(rule), timeout=15, what="the alert resolved"
            )
            assert resolved.pk == alert.pk and resolved.resolution == "Connected again"
            await wait_for(lambda: received, what="the bytes passed on")
        finally:
            server.close()
