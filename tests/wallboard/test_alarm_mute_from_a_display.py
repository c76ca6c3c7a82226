"""A staff user mutes a board from a display ("mute 15 min"): every display of the board is
told at once until when it is muted, and plays no alarm sound until then (alarms.js)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import wait_for
from tests.wallboard.test_alarm_ack_through_ingest import make_board, socket, staff_cookie
from wallboard.models import Board

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_staff_mute_reaches_the_boards_displays(
    make_source: Any, django_user_model: Any
) -> None:
    source = await sync_to_async(make_source)()
    board, _ = await sync_to_async(make_board)(source)
    cookie = await sync_to_async(staff_cookie)(django_user_model)
    wall, staff = socket(board, key=board.display_key), socket(board, cookie=cookie)
    assert (await wall.connect())[0] and (await staff.connect())[0]
    snapshot = await wall.receive_json_from(timeout=5)
    assert snapshot["muted_until"] is None
    await staff.send_json_to({"type": "mute", "minutes": 15})

    async def muted() -> dict[str, Any] | None:
        message: dict[str, Any] = await wall.receive_json_from(timeout=5)
        return message if message["type"] == "mute" else None

    message = await wait_for(muted, what="the mute to reach the display")
    stored = (await Board.objects.aget(pk=board.pk)).muted_until
    assert stored is not None and message["until"] == int(stored.timestamp() * 1000)
    for ws in (wall, staff):
        await ws.disconnect()
