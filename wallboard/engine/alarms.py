"""Alarm state: hysteresis, hold time, "since", acknowledgement and sound, in one place.

A threshold's level (maths.level) says where a figure is now; an alarm also remembers where it
was. A figure enters alarm only after it stayed beyond the alarm level for the threshold's hold
time, and leaves it only when it comes back to (or past) the clear level, so a figure hovering
at the limit does not flap. Ingest's publisher and the web's snapshot both judge figures here,
tile by tile (tiles.py), from the same values; the publisher saves each board's book with its
state (BoardState) so a restart of ingest keeps "since" and a hold under way.

Django-free and strictly typed, like the rest of the engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from integrations.base import OVERFLOW

from .maths import Level, Threshold, level, number

Sound = Literal["none", "once", "repeat"]
SOUNDS: tuple[Sound, ...] = ("none", "once", "repeat")
DEFAULT_REPEAT_SECONDS = 30


def clear_level(threshold: Threshold) -> float | None:
    """The level a figure in alarm must come back to: the threshold's clear level, else its
    alarm level (no hysteresis)."""
    clear = threshold.get("clear")
    return clear if clear is not None else threshold.get("alarm")


def beyond(value: object, limit: float | None, above: bool) -> bool:
    """The threshold rule (maths.level): strictly beyond the level; an overflow is beyond any
    level above and no level below; a blank is beyond nothing."""
    if limit is None:
        return False
    if value == OVERFLOW:
        return above
    n = number(value)
    return n is not None and (n > limit if above else n < limit)


@dataclass(slots=True)
class Entry:
    """One figure's alarm: a hold under way (`pending`: when the figure went beyond the alarm
    level) or an alarm (`since`: when the figure entered it). Unix seconds."""

    pending: float | None = None
    since: float | None = None

    def saved(self) -> dict[str, float]:
        return {
            k: v for k, v in (("pending", self.pending), ("since", self.since)) if v is not None
        }


@dataclass(slots=True)
class Judged:
    level: Level | None
    since: float | None = None  # in alarm since (seconds)
    acked: bool = False

    def cell(self, value: object, derived: bool, threshold: Threshold | None) -> dict[str, Any]:
        """A KPI's cell as a display gets it; an alarm carries since when (ms), whether it was
        acknowledged, and the sound the display plays for it."""
        cell: dict[str, Any] = {"v": value, "d": derived, "l": self.level}
        if self.since is not None and threshold is not None:
            cell["a"] = {
                "since": int(self.since * 1000),
                "ack": self.acked,
                "sound": threshold.get("sound", "none"),
                "every": threshold.get("repeat") or DEFAULT_REPEAT_SECONDS,
            }
        return cell


@dataclass(slots=True, eq=False)
class AlarmBook:
    """One tile's alarms by figure (a KPI, or a KPI of one row of a table) and the time of its
    last acknowledgement: an alarm that began before it is acknowledged, a later one is not."""

    entries: dict[str, Entry] = field(default_factory=dict)
    acked_at: float | None = None
    clock: Callable[[], float] = time.time
    # An alarm or a hold began or ended since the board's state was last saved: a hold under
    # way changes no figure a display sees, and must be saved all the same.
    changed: bool = False
    _seen: set[str] = field(default_factory=set)

    def judge(self, key: str, value: object, threshold: Threshold | None) -> Judged:
        """The level shown for a figure now, moving its alarm on (entered, held, cleared)."""
        self._seen.add(key)
        before = self.entries.get(key)
        judged = self._judge(key, value, threshold)
        if self.entries.get(key) != before:
            self.changed = True
        return judged

    def _judge(self, key: str, value: object, threshold: Threshold | None) -> Judged:
        raw = level(value, threshold)
        if threshold is None or threshold.get("alarm") is None:
            self.entries.pop(key, None)
            return Judged(raw)
        above = threshold["direction"] == "above"
        entry = self.entries.get(key)
        if entry is not None and entry.since is not None:
            if beyond(value, clear_level(threshold), above):
                return Judged("alarm", entry.since, self.is_acked(entry.since))
            del self.entries[key]
            return Judged(raw)
        if raw != "alarm":
            self.entries.pop(key, None)
            return Judged(raw)
        now = self.clock()
        start = entry.pending if entry is not None and entry.pending is not None else now
        hold = float(threshold.get("hold") or 0)
        if now - start >= hold:
            since = start + hold if hold else now
            self.entries[key] = Entry(since=since)
            return Judged("alarm", since, self.is_acked(since))
        self.entries[key] = Entry(pending=start)
        # Still on hold: shown as the warning it also is, if it is one.
        return Judged(level(value, {**threshold, "alarm": None}))

    def is_acked(self, since: float) -> bool:
        return self.acked_at is not None and since <= self.acked_at

    def begin(self) -> None:
        """A recompute of the tile starts: the figures it judges are the ones it still has."""
        self._seen = set()

    def end(self) -> None:
        """Forget the alarms of figures the tile no longer shows (a row gone, a KPI removed)."""
        for key in [k for k in self.entries if k not in self._seen]:
            del self.entries[key]
            self.changed = True

    def next_due(self, holds: Mapping[str, float]) -> float | None:
        """When the earliest hold under way ends (given each KPI's hold seconds), or None: the
        publisher recomputes the tile then, as a figure that stays put sends no batch."""
        ends = [
            e.pending + holds.get(k.split("|", 1)[0], 0.0)
            for k, e in self.entries.items()
            if e.pending is not None
        ]
        return min(ends) if ends else None

    def in_alarm(self) -> bool:
        return any(e.since is not None for e in self.entries.values())

    def saved(self) -> dict[str, dict[str, float]]:
        return {k: e.saved() for k, e in self.entries.items()}

    def restore(self, saved: Mapping[str, Any]) -> None:
        """Take alarms saved by an earlier run (or by the runtime a rebuild replaces)."""
        for key, item in saved.items():
            if isinstance(item, Mapping):
                pending, since = number(item.get("pending")), number(item.get("since"))
                if pending is not None or since is not None:
                    self.entries[key] = Entry(pending=pending, since=since)


def holds(thresholds: Mapping[str, Threshold]) -> dict[str, float]:
    """Each KPI's hold seconds."""
    return {k: float(t.get("hold") or 0) for k, t in thresholds.items()}


def sounding(
    cells: Iterable[Mapping[str, Any]], muted_until_ms: int | None, now_ms: int
) -> list[Mapping[str, Any]]:
    """The alarms (a cell's "a") that make a sound now: not acknowledged, with a sound, and the
    board not muted. The display applies the same rule (static/wallboard/board/alarms.js)."""
    if muted_until_ms is not None and now_ms < muted_until_ms:
        return []
    return [
        a
        for cell in cells
        if isinstance(a := cell.get("a"), Mapping)
        and not a.get("ack")
        and a.get("sound", "none") != "none"
    ]
