"""The JSON document of the old Python "Mitel ACD Listener" (anthonyeden/Mitel-ACD-Realtime-
Listener), so boards and scripts built on its mitel_data.json can switch over unchanged:

    {"paths": {"860": {"waiting": "000", "agents": "000", "longestwait": "0000"}},
     "agents": {"6186": "out"}, "groups": {...}, "lastUpdate": 1383899857.435}

Queue figures are the wire strings as sent; agent values are in/out/busy/idle/timer.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable
from typing import Any, Final

from integrations.base import (
    AVAILABLE,
    LOGGED_OUT,
    NOT_READY,
    ON_CALL,
    OTHER,
    RINGING,
    WRAP_UP,
)

LISTENER_STATES: Final = frozenset({"in", "out", "busy", "idle", "timer"})
# For rows the decoder did not make (no listener_state): the listener's simple mapping.
# UNKNOWN has no listener word, so such agents are left out rather than guessed.
FROM_NEUTRAL: Final = {
    AVAILABLE: "idle",
    RINGING: "idle",
    ON_CALL: "busy",
    NOT_READY: "busy",
    OTHER: "busy",
    WRAP_UP: "timer",
    LOGGED_OUT: "out",
}
QUEUE_FIELDS: Final = ("waiting", "agents", "longestwait")


def compat_document(
    queues: Iterable[tuple[str, str, dict[str, Any]]],
    agents: Iterable[tuple[str, str, dict[str, Any]]],
    last_update: float,
) -> dict[str, Any]:
    """queues: (kind "group"/"path", number, extra); agents: (agent_id, neutral state, extra).

    A queue whose extra lacks the wire strings (not made by this decoder) is left out: the
    document holds what the PBX sent, never a made-up "000"."""
    paths: dict[str, dict[str, str]] = {}
    groups: dict[str, dict[str, str]] = {}
    for kind, number, extra in queues:
        section = groups if kind == "group" else paths if kind == "path" else None
        if section is None or not all(isinstance(extra.get(f), str) for f in QUEUE_FIELDS):
            continue
        section[number] = {field: extra[field] for field in QUEUE_FIELDS}
    listed: dict[str, str] = {}
    for agent_id, state, extra in agents:
        value = extra.get("listener_state")
        if value not in LISTENER_STATES:
            value = FROM_NEUTRAL.get(state)
        if value is not None:
            listed[agent_id] = value
    # The listener's key order, which diffs of the file make visible.
    return {"paths": paths, "agents": listed, "groups": groups, "lastUpdate": float(last_update)}


def write_atomically(path: str, document: dict[str, Any]) -> None:
    """Replace the file at path in one step, so a reader never sees half a document."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".mitel-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(document, file)  # the listener's json.dump: default separators
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600; the file is for other programs
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
