"""Which screens a priority message takes over: those of its boards, and those of its
rotations only (a board's own display is not a rotation's screen); a message saved in the
admin reaches them at once over the channel layer; an expired one is no longer sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from wallboard import alarms, messages
from wallboard.asgi import application
from wallboard.models import Board, PriorityMessage, Rotation, RotationEntry

pytestmark = pytest.mark.django_db(transaction=True)


def floor() -> tuple[Board, Board, Rotation]:
    desk = Board.objects.create(title="Desk", slug="desk")
    sales = Board.objects.create(title="Sales", slug="sales")
    rotation = Rotation.objects.create(name="Floor", slug="floor")
    RotationEntry.objects.create(rotation=rotation, board=sales)
    return desk, sales, rotation


def post(
    text: str, seconds: int, boards: Sequence[Board] = (), rotations: Sequence[Rotation] = ()
) -> None:
    message = PriorityMessage.objects.create(
        text=text, expires_at=datetime.now(UTC) + timedelta(seconds=seconds)
    )
    message.boards.set(boards)
    message.rotations.set(rotations)


def test_a_message_for_a_rotation_reaches_its_screens_and_not_the_boards_own() -> None:
    desk, sales, rotation = floor()
    post("Rotation news", 600, rotations=[rotation])
    post("Desk news", 600, boards=[desk])
    post("Gone already", -1, boards=[sales], rotations=[rotation])
    items = alarms.priority_items(sales.pk)
    assert [m["text"] for m in items] == ["Rotation news"]
    on_rotation = messages.priority_message(items, "floor")["messages"]
    on_board = messages.priority_message(items, "")["messages"]
    assert [m["text"] for m in on_rotation] == ["Rotation news"] and on_board == []
    desk_items = messages.priority_message(alarms.priority_items(desk.pk), "")["messages"]
    assert [m["text"] for m in desk_items] == ["Desk news"]


def socket(board: Board, key: str, rotation: str = "") -> WebsocketCommunicator:
    path = f"/ws/boards/{board.slug}/?key={key}" + (f"&rotation={rotation}" if rotation else "")
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    return WebsocketCommunicator(application, path, headers=headers)


async def test_a_message_saved_in_the_admin_reaches_its_screens_at_once(
    django_user_model: Any,
) -> None:
    _, sales, rotation = await sync_to_async(floor)()
    boss = await sync_to_async(django_user_model.objects.create_superuser)("boss", "b@x.test", "pw")
    client = Client()
    await sync_to_async(client.force_login)(boss)
    screen = socket(sales, rotation.display_key, "floor")
    assert (await screen.connect())[0]
    snapshot = await screen.receive_json_from(timeout=5)
    assert snapshot["priority"] == []
    ends = datetime.now(UTC) + timedelta(minutes=5)
    response = await sync_to_async(client.post)(
        "/admin/wallboard/prioritymessage/add/",
        {
            "text": "Storm: expect a surge",
            "rotations": [rotation.pk],
            "expires_at_0": ends.strftime("%Y-%m-%d"),
            "expires_at_1": ends.strftime("%H:%M:%S"),
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    told = await screen.receive_json_from(timeout=5)
    assert told["type"] == "priority"
    assert [m["text"] for m in told["messages"]] == ["Storm: expect a surge"]
    assert told["messages"][0]["end"] == int(ends.replace(microsecond=0).timestamp() * 1000)
    await screen.disconnect()
