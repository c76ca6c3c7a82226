"""Every channel-layer group name and every message a board's displays get, in one place.

Two kinds of message:
- channel-layer events (`group_send` to a board's group; the fan-out hub hands each to the
  display consumers, whose handler is the type with "." as "_"): `board.update` and
  `board.heartbeat` (a message encoded once, passed to every display as it is),
  `board.status`, `board.reload`, `key.revoked`; and to one display's group `display.<id>`,
  `display.command` (reload, open another board or rotation, identify) and `key.revoked`;
- websocket messages (JSON with a `type`, DESIGN.md's contract): `snapshot` first, then
  `update` (changed tiles, with a sequence number), `status` (a source went stale or
  recovered), `heartbeat` (ingest is running: the state of each of the board's sources, every
  HEARTBEAT_SECONDS; a display that hears none for `silent_after` seconds says its figures are
  not live), `command` (the admin's reload, open or identify), and `pong` for a display's
  `ping`; a display may send `resync` and `ping`.

Django-free: ingest (the publisher), the consumers, the fan-out hub and the admin's signals
build their messages here, so a new field or a renamed group is one edit.
"""

from __future__ import annotations

import json
from typing import Any, Final

# Channel-layer event types.
BOARD_UPDATE: Final = "board.update"
BOARD_HEARTBEAT: Final = "board.heartbeat"
# Events that carry a ready-encoded websocket message in "text", the same for every display.
TEXT_EVENTS: Final = frozenset({BOARD_UPDATE, BOARD_HEARTBEAT})
BOARD_STATUS: Final = "board.status"
BOARD_RELOAD: Final = "board.reload"
KEY_REVOKED: Final = "key.revoked"
# To one display's own group (the registry's commands from the admin).
DISPLAY_COMMAND: Final = "display.command"

# Websocket message types, server to display.
SNAPSHOT: Final = "snapshot"
UPDATE: Final = "update"
STATUS: Final = "status"
HEARTBEAT: Final = "heartbeat"
PONG: Final = "pong"
COMMAND: Final = "command"  # reload, open (a URL), identify (a banner with its name)
# ... and display to server.
RESYNC: Final = "resync"
PING: Final = "ping"


def board_group(board_id: int) -> str:
    """The channel-layer group of one board's displays."""
    return f"board.{board_id}"


def display_group(ident: str) -> str:
    """The channel-layer group of one display (commands from the admin's display registry)."""
    return f"display.{ident}"


# The commands a display obeys; anything else it ignores.
RELOAD: Final = "reload"
OPEN: Final = "open"
IDENTIFY: Final = "identify"
IDENTIFY_SECONDS: Final = 10


def display_command(command: str, **fields: Any) -> dict[str, Any]:
    """The channel-layer event of one admin command to a display."""
    return {"type": DISPLAY_COMMAND, "command": command, **fields}


def command_message(event: dict[str, Any]) -> dict[str, Any]:
    """The websocket `command` a display gets for a `display.command` event."""
    fields = {k: v for k, v in event.items() if k != "type"}
    return {"type": COMMAND, **fields}


def update_text(seq: int, tiles: dict[str, Any]) -> str:
    """An `update` as the displays get it, encoded once for all of them."""
    return json.dumps({"type": UPDATE, "seq": seq, "tiles": tiles}, separators=(",", ":"))


def board_update(seq: int, tiles: dict[str, Any]) -> dict[str, Any]:
    """The channel-layer event carrying an update's text (consumers pass it on unparsed)."""
    return {"type": BOARD_UPDATE, "text": update_text(seq, tiles)}


# How often ingest tells each board's displays it is running, and how long a display waits
# for the next before it says its figures are not live (a missed beat is no alarm; two are).
HEARTBEAT_SECONDS: Final = 2.0
SILENT_AFTER_SECONDS: Final = 2.5 * HEARTBEAT_SECONDS + 1.0


def board_heartbeat(at_ms: int, sources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The channel-layer event carrying one board's heartbeat, encoded once: the time and the
    state of each source the board shows (as `snapshot` lists them)."""
    text = json.dumps(
        {
            "type": HEARTBEAT,
            "at": at_ms,
            "every": HEARTBEAT_SECONDS,
            "silent_after": SILENT_AFTER_SECONDS,
            "sources": sources,
        },
        separators=(",", ":"),
    )
    return {"type": BOARD_HEARTBEAT, "text": text}


def board_status(
    source: int,
    name: str,
    stale: bool,
    last_data_at_ms: int | None,
    enabled: bool = True,
    problem: str = "",
) -> dict[str, Any]:
    return {
        "type": BOARD_STATUS,
        "source": str(source),
        "name": name,
        "stale": stale,
        "last_data_at": last_data_at_ms,
        "enabled": enabled,
        "problem": problem,
    }


def status_message(event: dict[str, Any]) -> dict[str, Any]:
    """The websocket `status` a display gets for a `board.status` event."""
    return {
        "type": STATUS,
        "source": event["source"],
        "name": event["name"],
        "stale": event["stale"],
        "last_data_at": event["last_data_at"],
        "enabled": event.get("enabled", True),
        "problem": event.get("problem", ""),
    }


def board_reload(seq: int) -> dict[str, Any]:
    return {"type": BOARD_RELOAD, "seq": seq}


def key_revoked(key: str) -> dict[str, Any]:
    return {"type": KEY_REVOKED, "key": key}


def pong(server_time_ms: int) -> dict[str, Any]:
    return {"type": PONG, "server_time": server_time_ms}
