"""From the admin's agent list a supervisor with the permission logs agents out or sets them
(not) ready, with a reason code; the request reaches the phone system, and the audit log (a
read-only admin list) shows its answer. A staff user without the permission has no such action."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import wait_for
from tests.ingest.action_peer import ActionPeer, action_peer, example_vendor, live_example_source
from tests.ingest.supervisor import supervisor
from wallboard.models import Agent, AgentAction

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["action_peer", "example_vendor", "supervisor"]


def may_view(client: Any) -> None:
    """The admin's lists need their view permissions beside control_agents."""
    from django.contrib.auth.models import Permission, User

    user = User.objects.get(username="sup")
    views = Permission.objects.filter(codename__in=["view_agent", "view_agentaction"])
    user.user_permissions.add(*views)


def run_action(client: Any, action: str, agents: list[Agent], reason: str = "") -> Any:
    return client.post(
        "/admin/wallboard/agent/",
        {
            "action": action,
            "_selected_action": [str(a.pk) for a in agents],
            "reason_code": reason,
            "index": "0",
        },
        follow=True,
    )


async def test_an_admin_action_sets_agents_not_ready_and_the_audit_log_shows_the_answers(
    example_vendor: None,
    action_peer: ActionPeer,
    make_source: Any,
    runner: Any,
    supervisor: Any,
) -> None:
    await sync_to_async(may_view)(supervisor)
    source = await live_example_source(make_source, runner, action_peer)
    agents = [a async for a in Agent.objects.filter(source=source, agent_id__in=["1001", "1002"])]

    page = await sync_to_async(run_action)(supervisor, "set_not_ready", agents, "12")
    assert "2 request(s) made" in page.content.decode()
    await wait_for(lambda: len(action_peer.sets()) == 2, what="both requests on the wire")
    assert sorted(line.split("|", 2)[2] for line in action_peer.sets()) == [
        "1001|not_ready|12",
        "1002|not_ready|12",
    ]

    async def answered() -> bool:
        return not await AgentAction.objects.filter(status__in=["pending", "sent"]).aexists()

    await wait_for(answered, what="both answers")
    log = await sync_to_async(supervisor.get)("/admin/wallboard/agentaction/?status=refused")
    assert log.status_code == 200
    text = log.content.decode()
    assert "invalidAgentState" in text and "1002" in text
    assert await AgentAction.objects.filter(agent_id="1001", status="ok", via="admin").aexists()


@pytest.mark.django_db
def test_a_staff_user_without_the_permission_has_no_agent_actions(
    client: Any, django_user_model: Any
) -> None:
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_agent"))
    client.force_login(user)
    page = client.get("/admin/wallboard/agent/").content.decode()
    assert "set_not_ready" not in page and "log_out" not in page
