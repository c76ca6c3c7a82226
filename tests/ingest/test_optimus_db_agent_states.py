"""Optimus agents' states from AgentServices.asmx (CheckExtensionState, a real HTTP server on
loopback): the agents of the database source show a state instead of `unknown`, follow it
when it changes, and go back to `unknown` (never a stale state) while the service cannot be
asked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.optimus_db.simulator import AgentServicesSimulator
from tests.conftest import running_ingest, wait_for
from tests.ingest.optimus_db_helpers import make_poll_source, optimus_db
from wallboard.models import Agent

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["optimus_db"]


@pytest.fixture
def services() -> Iterator[AgentServicesSimulator]:
    simulator = AgentServicesSimulator()
    try:
        yield simulator
    finally:
        simulator.close()


@sync_to_async
def states(source: Any) -> dict[str, tuple[str, str]]:
    return {a.agent_id: (a.state, a.vendor_state) for a in Agent.objects.filter(source=source)}


async def test_agent_states_come_from_check_extension_state(
    optimus_db: Any, services: AgentServicesSimulator
) -> None:
    _, database, password = optimus_db  # agents 7 (queue 10) and 8 (queues 10, 11)
    services.states.update({"7": "READY", "8": "NOT READY"})
    source = await sync_to_async(make_poll_source)(
        database, password, agent_services_url=services.url
    )

    async def shown(expected: dict[str, tuple[str, str]]) -> bool:
        return await states(source) == expected

    async with running_ingest() as ingest:
        await wait_for(
            lambda: shown({"7": ("available", "READY"), "8": ("not_ready", "NOT READY")}),
            what="the agents' states from AgentServices",
        )
        services.states["7"] = "TALKING"
        await wait_for(
            lambda: shown({"7": ("on_call", "TALKING"), "8": ("not_ready", "NOT READY")}),
            what="agent 7 on a call",
        )
        worker = ingest.workers[source.pk]
        assert worker.facts["agent states"] == "AgentServices, each poll"
        services.password = "changed"  # the service now refuses us
        await wait_for(
            lambda: shown({"7": ("unknown", ""), "8": ("unknown", "")}),
            what="the states unknown while the service refuses",
        )
        assert worker.facts["agent states"].startswith("AgentServices cannot be asked: ")
        assert worker.connected  # the database is read as before
