"""What a link's decoder says about how it works now (Decoder.facts) reaches the source's
health: the admin's source page and /api/v1/sources/ show it."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import wait_for
from tests.ingest.action_peer import ActionPeer, action_peer, example_vendor, live_example_source
from wallboard.models import SourceHealth

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["action_peer", "example_vendor"]

FACT = ("requests", "SET lines, answered OK or ERR")  # what the example decoder says


async def test_a_decoders_facts_show_on_the_health_page_and_in_the_api(
    example_vendor: None,
    action_peer: ActionPeer,
    make_source: Any,
    runner: Any,
    admin_client: Any,
) -> None:
    source = await live_example_source(make_source, runner, action_peer)

    async def facts() -> Any:
        health = await SourceHealth.objects.aget(source=source)
        return health.diagnostics.get("facts")

    assert await wait_for(facts, what="the facts in the health report") == dict([FACT])
    api = (await sync_to_async(admin_client.get)("/api/v1/sources/")).json()
    assert [s["facts"] for s in api if s["name"] == "pbx-cti"] == [dict([FACT])]
    page = await sync_to_async(admin_client.get)(f"/admin/wallboard/source/{source.pk}/change/")
    assert f"<tr><th>{FACT[0]}</th><td>{FACT[1]}</td></tr>" in page.content.decode()
