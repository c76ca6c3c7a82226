"""Optimus' queues and their agents (BI.GetAllQueues, BI.GetAllQueuesAgents) as the source's
queue names and agents with their queues; the guide's internal agents -2..1 left out."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import running_ingest, wait_for
from tests.ingest.optimus_db_helpers import make_poll_source, optimus_db
from wallboard.models import Agent, Queue

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["optimus_db"]


@sync_to_async
def directory(source: Any) -> tuple[dict[str, str], dict[str, list[str]]] | None:
    queues = {q.number: q.name for q in Queue.objects.filter(source=source)}
    agents = {a.agent_id: list(a.skills) for a in Agent.objects.filter(source=source)}
    return (queues, agents) if queues and agents else None


async def test_queue_names_and_membership_arrive_without_internal_agents(
    optimus_db: Any,
) -> None:
    _, database, password = optimus_db  # queues 10 Sales (7, 8, 0), 11 Support (8, -1)
    source = await sync_to_async(make_poll_source)(database, password)
    async with running_ingest():
        queues, agents = await wait_for(lambda: directory(source), what="queues and agents")
    assert queues == {"10": "Sales", "11": "Support"}
    assert agents == {"7": ["10"], "8": ["10", "11"]}
