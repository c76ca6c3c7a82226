"""A supervisor's request about an agent goes from the web, through ingest, to the phone system
over a real TCP link; the phone system's answer (OK or its refusal) comes back into the audit
row, which the requester reads."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import wait_for
from tests.ingest.action_peer import ActionPeer, action_peer, example_vendor, live_example_source
from tests.ingest.supervisor import ask, supervisor
from wallboard.models import AgentAction

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["action_peer", "example_vendor", "supervisor"]


async def status_of(client: Any, action_id: int) -> dict[str, Any]:
    response = await sync_to_async(client.get)(f"/actions/agents/{action_id}/")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


async def test_a_request_reaches_the_phone_system_and_its_answer_comes_back(
    example_vendor: None,
    action_peer: ActionPeer,
    make_source: Any,
    runner: Any,
    supervisor: Any,
) -> None:
    source = await live_example_source(make_source, runner, action_peer)

    response = await ask(supervisor, source.pk, "1001", "not_ready", "7")
    assert response.status_code == 201
    made = response.json()
    assert made["status"] in ("pending", "sent")

    await wait_for(lambda: action_peer.sets(), what="the request on the wire")
    assert action_peer.sets() == [f"SET|{made['id']}|1001|not_ready|7"]

    async def answered() -> bool:
        return (await status_of(supervisor, made["id"]))["status"] not in ("pending", "sent")

    await wait_for(answered, what="the phone system's answer in the audit row")
    row = await AgentAction.objects.aget(pk=made["id"])
    assert (row.status, row.detail, row.username) == ("ok", "", "sup")
    assert row.answered_at is not None and row.sent_at is not None


async def test_a_refusal_by_the_phone_system_is_told_as_it_sent_it(
    example_vendor: None,
    action_peer: ActionPeer,
    make_source: Any,
    runner: Any,
    supervisor: Any,
) -> None:
    source = await live_example_source(make_source, runner, action_peer)

    made = (await ask(supervisor, source.pk, "1002", "log_out")).json()

    async def answered() -> dict[str, Any] | None:
        status = await status_of(supervisor, made["id"])
        return status if status["status"] not in ("pending", "sent") else None

    status = await wait_for(answered, what="the refusal in the audit row")
    assert (status["status"], status["detail"]) == ("refused", "invalidAgentState")
    assert action_peer.sets() == [f"SET|{made['id']}|1002|log_out|"]
