"""Every channel-layer group name and every message a board's displays get, in one place.

Two kinds of message:
- channel-layer events (`group_send` to a board's group; the fan-out hub hands each to the
  display consumers, whose handler is the type with "." as "_"): `board.update` and
  `board.heartbeat` (a message encoded once, passed to every display as it is),
  `board.status`, `board.reload`, `key.revoked`; `agent.action` to ingest's group (a
  supervisor's request about an agent is waiting); and to one display's group
  `display.<id>`, `display.command` (reload, open another board or rotation, identify) and
  `key.revoked`;
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

from typing import Any, Final

from wallboard.jsontext import compact

# Channel-layer event types.
BOARD_UPDATE: Final = "board.update"
BOARD_HEARTBEAT: Final = "board.heartbeat"
# Events that carry a ready-encoded websocket message in "text", the same for every display.
TEXT_EVENTS: Final = frozenset({BOARD_UPDATE, BOARD_HEARTBEAT})
BOARD_STATUS: Final = "board.status"
BOARD_RELOAD: Final = "board.reload"
KEY_REVOKED: Final = "key.revoked"
BOARD_MUTE: Final = "board.mute"  # a board was muted (or unmuted) until a time
BOARD_PRIORITY: Final = "board.priority"  # the priority messages of a board's screens changed
# Ingest's own group: a staff user acknowledged an alarm (read the acknowledgements now).
INGEST_GROUP: Final = "wallboard.ingest"
ALARMS_ACK: Final = "alarms.ack"
# To one display's own group (the registry's commands from the admin).
DISPLAY_COMMAND: Final = "display.command"

# Websocket message types, server to display.
SNAPSHOT: Final = "snapshot"
UPDATE: Final = "update"
STATUS: Final = "status"
HEARTBEAT: Final = "heartbeat"
PONG: Final = "pong"
MUTE: Final = "mute"  # also display to server (a staff user mutes the board)
PRIORITY: Final = "priority"
COMMAND: Final = "command"  # reload, open (a URL), identify (a banner with its name)
# ... and display to server.
RESYNC: Final = "resync"
PING: Final = "ping"
ACK: Final = "ack"  # a staff user acknowledges a tile's alarms


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
    return compact({"type": UPDATE, "seq": seq, "tiles": tiles})


def board_update(seq: int, tiles: dict[str, Any]) -> dict[str, Any]:
    """The channel-layer event carrying an update's text (consumers pass it on unparsed)."""
    return {"type": BOARD_UPDATE, "text": update_text(seq, tiles)}


# How often ingest tells each board's displays it is running, and how long a display waits
# for the next before it says its figures are not live (a missed beat is no alarm; two are).
HEARTBEAT_SECONDS: Final = 2.0
SILENT_AFTER_SECONDS: Final = 2.5 * HEARTBEAT_SECONDS + 1.0


def board_heartbeat(
    at_ms: int, sources: dict[str, dict[str, Any]], alarms: list[str] | None = None
) -> dict[str, Any]:
    """The channel-layer event carrying one board's heartbeat, encoded once: the time, the
    state of each source the board shows (as `snapshot` lists them) and the slugs of every
    board in alarm (a rotation jumps to one)."""
    text = compact(
        {
            "type": HEARTBEAT,
            "at": at_ms,
            "every": HEARTBEAT_SECONDS,
            "silent_after": SILENT_AFTER_SECONDS,
            "sources": sources,
            "alarms": alarms or [],
        }
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


# Supervisor actions on agents: the web side tells ingest a request is waiting (its row in the
# audit log, wallboard.models.AgentAction). Only a hint: ingest also picks up pending rows it
# missed, so a lost message or an ingest restart loses no request.
AGENT_ACTIONS_GROUP: Final = "ingest.agent_actions"
AGENT_ACTION: Final = "agent.action"


def agent_action(action_id: int) -> dict[str, Any]:
    return {"type": AGENT_ACTION, "id": action_id}


# ingest's group for the screen pop-ups the web side stored (ScreenPop rows): only a hint,
# ingest also sweeps for pending rows at each reload (ingest/screenpops.py).
SCREEN_POPS_GROUP: Final = "ingest.screen_pops"
SCREEN_POP: Final = "screen.pop"


def screen_pop(source_id: int) -> dict[str, Any]:
    return {"type": SCREEN_POP, "source": source_id}


def alarms_ack() -> dict[str, Any]:
    return {"type": ALARMS_ACK}


def board_mute(until_ms: int | None) -> dict[str, Any]:
    return {"type": BOARD_MUTE, "until": until_ms}


def mute_message(until_ms: int | None) -> dict[str, Any]:
    """The websocket `mute`: no alarm sound on this board until then (ms; None: not muted)."""
    return {"type": MUTE, "until": until_ms}


def board_priority(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The channel-layer event carrying the priority messages for a board's screens."""
    return {"type": BOARD_PRIORITY, "messages": items}


def priority_message(items: list[dict[str, Any]], rotation: str) -> dict[str, Any]:
    """The websocket `priority`: the messages that take over this screen, each with its start
    and expiry (ms), which the display honours by itself (offline too). A message for a
    rotation's screens reaches the rotation's displays only; one for a board, every display
    showing the board."""
    return {
        "type": PRIORITY,
        "messages": [
            m for m in items if m.get("board") or (rotation and rotation in m.get("rotations", []))
        ],
    }
