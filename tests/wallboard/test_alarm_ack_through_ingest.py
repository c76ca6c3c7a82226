"""A staff user acknowledges a tile's alarm from a display: the acknowledgement goes through
ingest to every display of the board (the colour stays, the alarm is marked acknowledged), and a
display connecting later gets it in its snapshot. A display key shows a board and cannot
acknowledge anything."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from tests.conftest import running_ingest, send_bytes, wait_for
from wallboard.asgi import application
from wallboard.boards import board_snapshot
from wallboard.models import Board, Source, Threshold, Tile, TileAck

pytestmark = pytest.mark.django_db(transaction=True)

TVI1 = (Path(__file__).parents[1] / "fixtures" / "avaya_cms" / "tvi1_example.txt").read_bytes()
ALARM = TVI1.replace(b"F1|  3|   4|", b"F1|  3|  12|")  # skill 3: 12 calls waiting


def make_board(source: Source) -> tuple[Board, Tile]:
    board = Board.objects.create(title="Service", slug="service")
    tile = Tile.objects.create(
        board=board, kind=Tile.BIG_NUMBER, source=source, queue_range="3", kpis="calls_waiting"
    )
    Threshold.objects.create(tile=tile, kpi="calls_waiting", direction="above", alarm=10, clear=7)
    return board, tile


def staff_cookie(django_user_model: Any) -> bytes:
    user = django_user_model.objects.create_user("supervisor", password="pw", is_staff=True)
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(board: Board, key: str = "", cookie: bytes = b"") -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie))
    path = f"/ws/boards/{board.slug}/" + (f"?key={key}" if key else "")
    return WebsocketCommunicator(application, path, headers=headers)


async def cell_of(ws: WebsocketCommunicator, tile: Tile, want: Any) -> dict[str, Any]:
    """The tile's calls_waiting cell from the first snapshot or update where `want` holds."""
    while True:
        message = await ws.receive_json_from(timeout=10)
        values = message.get("values") or message.get("tiles") or {}
        value = values.get(str(tile.pk))
        if value and "kpis" in value:
            cell: dict[str, Any] = value["kpis"]["calls_waiting"]
            if want(cell):
                return cell


async def test_a_staff_acknowledgement_reaches_every_display_through_ingest(
    make_source: Any, django_user_model: Any
) -> None:
    source = await sync_to_async(make_source)(refresh_seconds=30)
    board, tile = await sync_to_async(make_board)(source)
    cookie = await sync_to_async(staff_cookie)(django_user_model)
    async with running_ingest(reload_seconds=120):  # no reload brings the ack: it is told
        wall, staff = socket(board, key=board.display_key), socket(board, cookie=cookie)
        assert (await wall.connect())[0] and (await staff.connect())[0]
        await send_bytes(int(source.listen.rsplit(":", 1)[1]), ALARM)
        alarm = await cell_of(wall, tile, lambda c: c["l"] == "alarm")
        assert alarm["a"]["ack"] is False and alarm["a"]["since"] > 0

        await staff.send_json_to({"type": "ack", "tile": tile.pk})
        acked = await asyncio.wait_for(cell_of(wall, tile, lambda c: c.get("a", {}).get("ack")), 10)
        assert acked["l"] == "alarm" and acked["a"]["since"] == alarm["a"]["since"]

        async def saved_acknowledged() -> bool:  # the publisher saves the board behind its send
            state = await sync_to_async(board_snapshot)(board)
            cell = state["values"][str(tile.pk)]["kpis"]["calls_waiting"]
            return bool(cell.get("a", {}).get("ack"))

        await wait_for(saved_acknowledged, what="the board's state saved with the ack")
        later = socket(board, key=board.display_key)  # a display reloaded or reconnecting
        assert (await later.connect())[0]
        snapshot = await cell_of(later, tile, lambda c: True)
        assert snapshot["a"]["ack"] is True
        for ws in (wall, staff, later):
            await ws.disconnect()


async def test_a_display_key_cannot_acknowledge_or_mute(make_source: Any) -> None:
    source = await sync_to_async(make_source)()
    board, tile = await sync_to_async(make_board)(source)
    wall = socket(board, key=board.display_key)
    assert (await wall.connect())[0]
    assert (await wall.receive_json_from(timeout=5))["type"] == "snapshot"
    await wall.send_json_to({"type": "ack", "tile": tile.pk})
    await wall.send_json_to({"type": "mute", "minutes": 30})
    await wall.send_json_to({"type": "ping"})
    assert (await wall.receive_json_from(timeout=5))["type"] == "pong"  # handled in order
    assert not await TileAck.objects.filter(tile=tile).aexists()
    assert (await Board.objects.aget(pk=board.pk)).muted_until is None
    await wall.disconnect()
