"""BoardRuntime: a board's layout and its tiles' runtimes, recomputed tile by tile."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from wallboard import messages

from .alarms import holds
from .tiles import TileRuntime, Value


def fingerprint(definition: dict[str, Any], tiles: Iterable[TileRuntime] = ()) -> str:
    """A board's identity: its layout as a display gets it and what each tile selects from the
    feeds (source, queue kind, queue and agent ranges), which the layout does not show. A board
    whose fingerprint changed is rebuilt and its displays reloaded; a snapshot takes ingest's
    saved values only while the fingerprint they were saved with is the board's. The names
    directory the tiles show, when it has entries, is part of it: a board is rebuilt when a
    name changes."""
    tiles = list(tiles)
    identity: dict[str, Any] = {"layout": definition, "select": [t.selection() for t in tiles]}
    names = next((t.names.digest for t in tiles if t.names), "")
    if names:
        identity["names"] = names
    return hashlib.sha1(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(slots=True)
class BoardRuntime:
    board_id: int
    definition: dict[str, Any]  # the layout as a display gets it: title, theme, tiles ...
    tiles: list[TileRuntime]
    fingerprint: str
    seq: int = 0

    @classmethod
    def build(
        cls, board_id: int, definition: dict[str, Any], tiles: list[TileRuntime]
    ) -> BoardRuntime:
        return cls(board_id, definition, tiles, fingerprint(definition, tiles))

    def group(self) -> str:
        return messages.board_group(self.board_id)

    def values(self) -> dict[str, Value]:
        return {t.id: t.value for t in self.tiles if t.value is not None}

    def recompute(
        self, stale: set[int], only: Iterable[TileRuntime] | None = None
    ) -> dict[str, Value]:
        """Recompute tiles (all, or `only`); return what changed, as update messages carry it:
        a tile's whole value, or for an agent grid only its changed and departed agents."""
        changed = {}
        for tile in self.tiles if only is None else only:
            update = tile.update(stale)
            if update is not None:
                changed[tile.id] = update
        return changed

    # ---- alarms (alarms.py) ---------------------------------------------------------------

    def alarm_state(self) -> dict[str, dict[str, dict[str, float]]]:
        """Each tile's alarms, as saved with the board's state (a restart keeps "since")."""
        return {t.id: saved for t in self.tiles if (saved := t.alarms.saved())}

    def restore_alarms(self, saved: Mapping[str, Any] | None) -> None:
        """Take the alarms of an earlier run or of the runtime this one replaces; before the
        first recompute, so a figure still beyond its level keeps its "since"."""
        for tile in self.tiles:
            item = (saved or {}).get(tile.id)
            if isinstance(item, Mapping):
                tile.alarms.restore(item)

    def acknowledge(self, acks: Mapping[str, float]) -> list[TileRuntime]:
        """Set each tile's last acknowledgement (tile id -> unix seconds); the tiles whose
        acknowledgement changed, to recompute."""
        changed = []
        for tile in self.tiles:
            at = acks.get(tile.id)
            if at != tile.alarms.acked_at:
                tile.alarms.acked_at = at
                changed.append(tile)
        return changed

    def holds_ended(self, now: float) -> list[TileRuntime]:
        """The tiles with a hold that has ended by `now`: their figures enter alarm."""
        ended = []
        for tile in self.tiles:
            due = tile.alarms.next_due(holds(tile.thresholds))
            if due is not None and due <= now:
                ended.append(tile)
        return ended

    def alarms_changed(self) -> bool:
        """Whether an alarm or a hold began or ended since the last call (to save it)."""
        changed = False
        for tile in self.tiles:
            changed = tile.alarms.changed or changed
            tile.alarms.changed = False
        return changed

    def in_alarm(self) -> bool:
        return any(t.alarms.in_alarm() for t in self.tiles)
