"""A display registry write that fails (the database refusing it) fails no display: the screen
gets its board and its pongs all the same, and the failure is logged."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import DatabaseError

from wallboard import displays
from wallboard.asgi import application
from wallboard.models import Board, Display

pytestmark = pytest.mark.django_db(transaction=True)


def refuse(*args: Any) -> None:
    raise DatabaseError("database is locked")


async def test_a_display_whose_registry_write_fails_still_shows_its_board(
    monkeypatch: Any, caplog: Any
) -> None:
    board = await sync_to_async(Board.objects.create)(title="Desk", slug="desk")
    monkeypatch.setattr(displays, "connected", refuse)
    ws = WebsocketCommunicator(
        application,
        f"/ws/boards/desk/?key={board.display_key}&display=abcdef0123456789",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from(timeout=5))["type"] == "snapshot"
    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_json_from(timeout=5))["type"] == "pong"
    assert "display registry: refuse failed: database is locked" in caplog.text
    assert not await sync_to_async(Display.objects.exists)()
    await ws.disconnect()
