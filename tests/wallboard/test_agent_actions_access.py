"""Only a logged-in user with the control_agents permission may ask anything of an agent: a
display key never can (not even on a page a supervisor opened with a key), nor a user without
the permission, nor an anonymous visitor; the board page loads the agent menu only for those
who may use it. A request that cannot be made is refused with why, and no row is made."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from tests.ingest.action_peer import example_vendor
from wallboard.models import Agent, AgentAction, Board, Source, SourceHealth

pytestmark = pytest.mark.django_db
__all__ = ["example_vendor"]
MENU = 'src="/static/wallboard/board/control.js'  # the script tag (the import map lists all)


@pytest.fixture
def board(example_vendor: None, make_source: Any) -> Board:
    source = make_source(
        "pbx-cti", vendor="example", layout="", connect="127.0.0.1:9999", refresh_seconds=60
    )
    Agent.objects.create(
        source=source, agent_id="1001", state="available", updated_at=timezone.now()
    )
    SourceHealth.objects.create(source=source, connected=True, heartbeat_at=timezone.now())
    return Board.objects.create(title="Floor", slug="floor")


def user(django_user_model: Any, name: str, allowed: bool) -> Any:
    from django.contrib.auth.models import Permission

    made = django_user_model.objects.create_user(name, password="pw", is_staff=True)
    if allowed:
        made.user_permissions.add(Permission.objects.get(codename="control_agents"))
    return made


def post(client: Any, path: str = "/actions/agents/", **fields: Any) -> Any:
    body = {"source": Source.objects.get().pk, "agent_id": "1001", "action": "log_out", **fields}
    return client.post(path, json.dumps(body), content_type="application/json")


def test_a_display_key_can_never_send(board: Board, client: Any) -> None:
    assert post(client, f"/actions/agents/?key={board.display_key}").status_code == 403
    page = client.get(f"/boards/floor/?key={board.display_key}").content.decode()
    assert MENU not in page and "wb-control-config" not in page
    assert not AgentAction.objects.exists()


def test_a_supervisors_page_opened_with_a_key_has_no_menu(
    board: Board, client: Any, django_user_model: Any
) -> None:
    client.force_login(user(django_user_model, "sup", allowed=True))
    page = client.get(f"/boards/floor/?key={board.display_key}").content.decode()
    assert MENU not in page


def test_a_user_without_the_permission_and_an_anonymous_visitor_cannot_send(
    board: Board, client: Any, django_user_model: Any
) -> None:
    assert post(client).status_code == 403
    client.force_login(user(django_user_model, "viewer", allowed=False))
    assert post(client).status_code == 403
    assert MENU not in client.get("/boards/floor/").content.decode()
    assert not AgentAction.objects.exists()


def test_a_permitted_user_gets_the_menu_for_the_sources_that_can_act(
    board: Board, client: Any, django_user_model: Any
) -> None:
    client.force_login(user(django_user_model, "sup", allowed=True))
    page = client.get("/boards/floor/").content.decode()
    assert MENU in page
    source = Source.objects.get()
    assert f'"{source.pk}": ["log_out", "not_ready", "ready"]' in page


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"action": "explode"}, "unknown action"),
        ({"agent_id": "4040"}, "no agent"),
        ({"action": "not_ready", "reason_code": "<script>"}, "reason code"),
        ({"action": "ready", "reason_code": "7"}, "only 'not ready'"),
    ],
)
def test_a_request_that_cannot_be_made_is_refused_with_why(
    board: Board, client: Any, django_user_model: Any, fields: dict[str, str], why: str
) -> None:
    client.force_login(user(django_user_model, "sup", allowed=True))
    response = post(client, **fields)
    assert response.status_code == 400 and why in response.json()["error"]
    assert not AgentAction.objects.exists()


def test_a_source_whose_vendor_cannot_act_refuses(
    board: Board, client: Any, django_user_model: Any, make_source: Any
) -> None:
    other = make_source("cms-agents", layout="agent_tv")
    Agent.objects.create(
        source=other, agent_id="1001", state="available", updated_at=timezone.now()
    )
    client.force_login(user(django_user_model, "sup", allowed=True))
    body = {"source": other.pk, "agent_id": "1001", "action": "log_out"}
    response = client.post("/actions/agents/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and "cannot log out" in response.json()["error"]
