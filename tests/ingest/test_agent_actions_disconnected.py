"""A request about an agent of a source whose link is down is refused at once with
"not connected" (by the web side when the health says so, by ingest when the link dropped
since), and is never sent later when the link comes back."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model

from tests.conftest import wait_for
from tests.ingest.action_peer import ActionPeer, action_peer, example_vendor, live_example_source
from tests.ingest.supervisor import ask, supervisor
from wallboard.models import AgentAction, SourceHealth

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["action_peer", "example_vendor", "supervisor"]


async def test_a_request_while_disconnected_is_refused_at_once(
    example_vendor: None,
    action_peer: ActionPeer,
    make_source: Any,
    runner: Any,
    supervisor: Any,
) -> None:
    source = await live_example_source(make_source, runner, action_peer)
    await action_peer.drop()
    await wait_for(
        lambda: SourceHealth.objects.filter(source=source, connected=False).aexists(),
        what="the health to say not connected",
    )

    response = await ask(supervisor, source.pk, "1001", "log_out")
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["detail"]) == ("refused", "not connected")

    await action_peer.start()  # the link comes back: the refused request stays refused
    await wait_for(lambda: action_peer.connections >= 2, timeout=15, what="the reconnect")
    await wait_for(lambda: len(action_peer.heard) >= 2, what="the new link's greeting")
    assert action_peer.sets() == []


async def test_ingest_refuses_a_request_when_the_link_dropped_after_it_was_made(
    example_vendor: None, action_peer: ActionPeer, make_source: Any, runner: Any
) -> None:
    source = await live_example_source(make_source, runner, action_peer)
    worker = runner.workers[source.pk]
    await action_peer.drop()
    await wait_for(lambda: not worker.connected, what="ingest to see the link drop")

    user = await sync_to_async(get_user_model().objects.create_user)("late")
    row = await AgentAction.objects.acreate(
        user=user,
        username="late",
        source=source,
        source_name=source.name,
        agent_id="1001",
        action="ready",
    )
    await wait_for(
        lambda: AgentAction.objects.filter(pk=row.pk, status="refused").aexists(),
        what="ingest to refuse the request",
    )
    assert (await AgentAction.objects.aget(pk=row.pk)).detail == "not connected"
    assert action_peer.sets() == []
