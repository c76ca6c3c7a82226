"""A paired display's own key opens what it is set to show and nothing else, only with its id,
and unpairing it closes its open screen at once."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from wallboard import displays
from wallboard.asgi import application
from wallboard.models import Board, Display, Rotation, RotationEntry

pytestmark = pytest.mark.django_db(transaction=True)


def socket(slug: str, query: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application,
        f"/ws/boards/{slug}/?{query}",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )


def paired(**shows: object) -> Display:
    display = Display(name="Reception TV", **shows)
    display.pair()
    display.save()
    return display


async def opens(slug: str, query: str) -> bool:
    ws = socket(slug, query)
    connected, _ = await ws.connect()
    if connected:
        await ws.disconnect()
    return bool(connected)


async def test_its_key_opens_its_board_only_and_only_with_its_id() -> None:
    lobby = await sync_to_async(Board.objects.create)(title="Lobby", slug="lobby")
    await sync_to_async(Board.objects.create)(title="Desk", slug="desk")
    tv = await sync_to_async(paired)(board=lobby)
    assert await opens("lobby", f"key={tv.display_key}&display={tv.ident}")
    assert not await opens("desk", f"key={tv.display_key}&display={tv.ident}")
    assert not await opens("lobby", f"key={tv.display_key}")
    assert not await opens("lobby", f"key={tv.display_key}&display=someone0else0123")


async def test_its_key_opens_each_board_of_its_rotation() -> None:
    lobby = await sync_to_async(Board.objects.create)(title="Lobby", slug="lobby")
    desk = await sync_to_async(Board.objects.create)(title="Desk", slug="desk")
    await sync_to_async(Board.objects.create)(title="Back office", slug="back")
    loop = await sync_to_async(Rotation.objects.create)(name="Loop", slug="loop")
    for board in (lobby, desk):
        await sync_to_async(RotationEntry.objects.create)(rotation=loop, board=board)
    tv = await sync_to_async(paired)(rotation=loop)
    query = f"key={tv.display_key}&display={tv.ident}&rotation=loop"
    assert await opens("lobby", query) and await opens("desk", query)
    assert not await opens("back", query)


async def test_unpairing_closes_its_open_screen() -> None:
    lobby = await sync_to_async(Board.objects.create)(title="Lobby", slug="lobby")
    tv = await sync_to_async(paired)(board=lobby)
    ws = socket("lobby", f"key={tv.display_key}&display={tv.ident}")
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from(timeout=5))["type"] == "snapshot"
    # Its connect (registry row, its own group) is done once it answers a later message.
    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_json_from(timeout=5))["type"] == "pong"
    assert (await sync_to_async(Display.objects.get)(pk=tv.pk)).connection
    assert await sync_to_async(displays.unpair)(tv)
    closed = await ws.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}


async def test_a_paired_display_switched_is_set_to_the_new_board_and_told_to_open_its_page() -> (
    None
):
    lobby = await sync_to_async(Board.objects.create)(title="Lobby", slug="lobby")
    desk = await sync_to_async(Board.objects.create)(title="Desk", slug="desk")
    tv = await sync_to_async(paired)(board=lobby)
    ws = socket("lobby", f"key={tv.display_key}&display={tv.ident}")
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["type"] == "snapshot"
    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_json_from(timeout=5))["type"] == "pong"
    assert await sync_to_async(displays.switch)(tv, desk)
    command = await ws.receive_json_from(timeout=5)
    assert command == {"type": "command", "command": "open", "url": tv.display_path()}
    assert (await sync_to_async(Display.objects.get)(pk=tv.pk)).board_id == desk.pk
    # Its own key now opens the new board (its page, reloaded, shows it), not the old one.
    assert await opens("desk", f"key={tv.display_key}&display={tv.ident}")
    assert not await opens("lobby", f"key={tv.display_key}&display={tv.ident}")
    await ws.disconnect()
