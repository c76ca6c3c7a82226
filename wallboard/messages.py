"""Every channel-layer group name and every message a board's displays get, in one place.

Two kinds of message:
- channel-layer events (`group_send` to a board's group; the fan-out hub hands each to the
  display consumers, whose handler is the type with "." as "_"): `board.update`,
  `board.status`, `board.reload`, `key.revoked`;
- websocket messages (JSON with a `type`, DESIGN.md's contract): `snapshot` first, then
  `update` (changed tiles, with a sequence number), `status` (a source went stale or
  recovered), and `pong` for a display's `ping`; a display may send `resync` and `ping`.

Django-free: ingest (the publisher), the consumers, the fan-out hub and the admin's signals
build their messages here, so a new field or a renamed group is one edit.
"""

from __future__ import annotations

import json
from typing import Any, Final

# Channel-layer event types.
BOARD_UPDATE: Final = "board.update"
BOARD_STATUS: Final = "board.status"
BOARD_RELOAD: Final = "board.reload"
KEY_REVOKED: Final = "key.revoked"

# Websocket message types, server to display.
SNAPSHOT: Final = "snapshot"
UPDATE: Final = "update"
STATUS: Final = "status"
PONG: Final = "pong"
# ... and display to server.
RESYNC: Final = "resync"
PING: Final = "ping"


def board_group(board_id: int) -> str:
    """The channel-layer group of one board's displays."""
    return f"board.{board_id}"


def update_text(seq: int, tiles: dict[str, Any]) -> str:
    """An `update` as the displays get it, encoded once for all of them."""
    return json.dumps({"type": UPDATE, "seq": seq, "tiles": tiles}, separators=(",", ":"))


def board_update(seq: int, tiles: dict[str, Any]) -> dict[str, Any]:
    """The channel-layer event carrying an update's text (consumers pass it on unparsed)."""
    return {"type": BOARD_UPDATE, "text": update_text(seq, tiles)}


def board_status(
    source: int, name: str, stale: bool, last_data_at_ms: int | None
) -> dict[str, Any]:
    return {
        "type": BOARD_STATUS,
        "source": str(source),
        "name": name,
        "stale": stale,
        "last_data_at": last_data_at_ms,
    }


def status_message(event: dict[str, Any]) -> dict[str, Any]:
    """The websocket `status` a display gets for a `board.status` event."""
    return {
        "type": STATUS,
        "source": event["source"],
        "name": event["name"],
        "stale": event["stale"],
        "last_data_at": event["last_data_at"],
    }


def board_reload(seq: int) -> dict[str, Any]:
    return {"type": BOARD_RELOAD, "seq": seq}


def key_revoked(key: str) -> dict[str, Any]:
    return {"type": KEY_REVOKED, "key": key}


def pong(server_time_ms: int) -> dict[str, Any]:
    return {"type": PONG, "server_time": server_time_ms}
