"""Revocation is watertight: a display key regenerated while a screen reconnects in a tight
loop leaves no socket on the old key; a channel layer that is down neither fails the admin's
regenerate nor keeps old screens open; API tokens stop with their person's staff rights; and a
websocket's origin must be this very server, port included."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.test import Client

from tests.wallboard.test_board_consumer import make_board, socket
from wallboard import consumers
from wallboard.models import ApiToken, Board
from wallboard.models.boards import new_display_key

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_key_regenerated_while_a_display_connects_closes_it_all_the_same(
    make_source: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: the display reads its (still valid) key, then the admin's save commits and its
    revocation goes out, then the display would join its board's group and miss it."""
    source = await sync_to_async(make_source)()
    board = await sync_to_async(make_board)(source)
    old = board.display_key
    real_authorise = consumers._authorise.func  # the function database_sync_to_async wraps

    def authorise_then_regenerate(*args: Any) -> Any:
        found = real_authorise(*args)  # the old key opens the board: it is still the key
        fresh = Board.objects.get(pk=board.pk)
        fresh.display_key = new_display_key()
        fresh.save()  # committed, and its revocation sent, before the display goes on
        return found

    monkeypatch.setattr(
        consumers, "_authorise", consumers.database_sync_to_async(authorise_then_regenerate)
    )
    ws = socket(board, old)
    connected, _ = await ws.connect()
    if connected:  # accepted on the old key: the revocation must still reach it
        assert (await ws.receive_json_from(timeout=5))["type"] == "snapshot"
        assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}


async def test_with_the_channel_layer_down_a_new_key_is_saved_and_old_screens_close_on_their_ping(
    make_source: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    source = await sync_to_async(make_source)()
    board = await sync_to_async(make_board)(source)
    ws = socket(board, board.display_key)
    assert (await ws.connect())[0]
    await ws.receive_json_from(timeout=5)
    assert (await ws.send_json_to({"type": "ping"})) is None
    assert (await ws.receive_json_from(timeout=5))["type"] == "pong"  # the key still opens

    async def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(get_channel_layer(), "group_send", down)
    board.display_key = new_display_key()
    with caplog.at_level(logging.ERROR):
        await sync_to_async(board.save)()  # no exception: the key is changed all the same
    assert "cannot tell the displays" in caplog.text
    monkeypatch.setattr(consumers, "KEY_RECHECK_SECONDS", 0.0)
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}


def test_the_admins_regenerate_works_with_the_channel_layer_down(
    make_source: Any, client: Client, django_user_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = make_board(make_source())
    old = board.display_key
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))

    async def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(get_channel_layer(), "group_send", down)
    response = client.post(
        "/admin/wallboard/board/", {"action": "regenerate_key", "_selected_action": [board.pk]}
    )
    assert response.status_code == 302
    board.refresh_from_db()
    assert board.display_key != old


def test_an_api_token_stops_when_its_person_is_deactivated_or_loses_staff(
    client: Client, django_user_model: Any
) -> None:
    person = django_user_model.objects.create_user("wfm", "wfm@example.com", "pw", is_staff=True)
    token = ApiToken(name="WFM export", user=person)
    secret = token.issue()
    token.save()
    machine = ApiToken(name="BI tool")
    machine_secret = machine.issue()
    machine.save()

    def status(key: str) -> int:
        return client.get("/api/v1/queues/", headers={"Authorization": f"Bearer {key}"}).status_code

    assert status(secret) == 200
    person.is_staff = False
    person.save()
    assert status(secret) == 401
    person.is_staff, person.is_active = True, False
    person.save()
    assert status(secret) == 401
    assert status(machine_secret) == 200  # a token of nobody in particular goes on


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        (b"http://localhost:8000", b"localhost:8000", True),
        (b"http://localhost", b"localhost", True),
        (b"https://wallboard.example.com", b"wallboard.example.com", True),
        (b"http://localhost:9999", b"localhost:8000", False),  # another port: another origin
        (b"http://localhost", b"localhost:8000", False),
        (b"null", b"localhost", False),
    ],
)
async def test_a_websocket_origin_must_be_this_server_port_included(
    make_source: Any, settings: Any, origin: bytes, host: bytes, allowed: bool
) -> None:
    from channels.testing import WebsocketCommunicator

    from wallboard.asgi import application

    settings.ALLOWED_HOSTS = ["localhost", "wallboard.example.com"]
    board = await sync_to_async(make_board)(await sync_to_async(make_source)())
    ws = WebsocketCommunicator(
        application,
        f"/ws/boards/{board.slug}/?key={board.display_key}",
        headers=[(b"origin", origin), (b"host", host)],
    )
    connected, _ = await ws.connect()
    assert connected is allowed
    await ws.disconnect()


async def test_an_origin_named_in_csrf_trusted_origins_is_allowed(
    make_source: Any, settings: Any
) -> None:
    from channels.testing import WebsocketCommunicator

    from wallboard.asgi import application

    settings.CSRF_TRUSTED_ORIGINS = ["https://wall.example.com"]
    settings.ALLOWED_HOSTS = ["localhost", "wall.example.com"]
    board = await sync_to_async(make_board)(await sync_to_async(make_source)())
    ws = WebsocketCommunicator(
        application,
        f"/ws/boards/{board.slug}/?key={board.display_key}",
        headers=[(b"origin", b"https://wall.example.com"), (b"host", b"localhost:8000")],
    )
    assert (await ws.connect())[0]
    await ws.disconnect()
