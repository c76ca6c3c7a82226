"""A logged-in supervisor allowed to control agents, and their requests through the web side."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async


@pytest.fixture
def supervisor(client: Any, django_user_model: Any) -> Any:
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("sup", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="control_agents"))
    client.force_login(user)
    return client


async def ask(client: Any, source_id: int, agent_id: str, action: str, reason: str = "") -> Any:
    """POST a request as the board's menu does; the response."""
    body = {"source": source_id, "agent_id": agent_id, "action": action, "reason_code": reason}
    return await sync_to_async(client.post)(
        "/actions/agents/", json.dumps(body), content_type="application/json"
    )
