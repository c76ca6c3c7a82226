"""A supervisor's action on an Optimus agent goes through ingest to AgentServices.asmx (a
real HTTP server): log out, and not ready with an activity code; the answer lands in the
audit row, and the agent's state follows. A not-ready without an activity code is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.optimus_db.simulator import AgentServicesSimulator
from tests.conftest import running_ingest, wait_for
from tests.ingest.optimus_db_helpers import make_poll_source, optimus_db
from tests.ingest.supervisor import ask, supervisor
from wallboard.models import Agent, AgentAction, SourceHealth

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["optimus_db", "supervisor"]


@pytest.fixture
def services() -> Iterator[AgentServicesSimulator]:
    simulator = AgentServicesSimulator()
    try:
        yield simulator
    finally:
        simulator.close()


async def state_of(source: Any, agent_id: str) -> str | None:
    agent = await Agent.objects.filter(source=source, agent_id=agent_id).afirst()
    return None if agent is None else agent.state


async def answered(action_id: int) -> AgentAction | None:
    row = await AgentAction.objects.aget(pk=action_id)
    return row if row.status not in ("pending", "sent") else None


async def test_log_out_and_not_ready_reach_agent_services(
    optimus_db: Any, services: AgentServicesSimulator, supervisor: Any
) -> None:
    _, database, password = optimus_db
    services.states.update({"7": "READY", "8": "READY"})
    source = await sync_to_async(make_poll_source)(
        database, password, agent_services_url=services.url
    )
    async with running_ingest():
        await wait_for(lambda: _is(source, "8", "available"), what="agent 8 available", timeout=15)
        # The web side refuses a request while the source's health does not say connected.
        await wait_for(lambda: _connected(source), what="the health page to say connected")
        made = (await ask(supervisor, source.pk, "8", "not_ready", "4")).json()
        row = await wait_for(lambda: answered(made["id"]), what="the not-ready answered")
        assert (row.status, row.detail) == ("ok", "")
        assert services.states["8"] == "NOT READY"
        await wait_for(lambda: _is(source, "8", "not_ready"), what="agent 8 not ready")

        made = (await ask(supervisor, source.pk, "7", "log_out")).json()
        row = await wait_for(lambda: answered(made["id"]), what="the log-out answered")
        assert row.status == "ok"
        await wait_for(lambda: _is(source, "7", "logged_out"), what="agent 7 logged out")

        made = (await ask(supervisor, source.pk, "8", "not_ready")).json()
        row = await wait_for(lambda: answered(made["id"]), what="the refusal")
        assert row.status != "ok" and row.detail == "Optimus needs an activity code"


async def _is(source: Any, agent_id: str, state: str) -> bool:
    return await state_of(source, agent_id) == state


async def _connected(source: Any) -> bool:
    return await SourceHealth.objects.filter(source=source, connected=True).aexists()
