"""Call tiles: the callers waiting now, and the calls abandoned lately (an event feed's calls,
ingest's call ledger: ingest/calls.py).

A tile holds the calls of its source and queue selection that it shows, as ingest handed them
on (LiveCall copies), and sends rows: the queue's name (the names directory's, else kind and
number), the caller's number masked (mask_number, the definition's `visible_digits`, which the
board's builder takes from CALLER_NUMBER_VISIBLE_DIGITS: a wall is no place for personal
data), and times as epoch milliseconds, which the display ticks on from (as the agent grid's
time in state). A stale source's tile is dimmed and its times stop, as every tile's do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from wallboard.lib.privacy import mask_number

from .records import ChangeSet, LiveCall
from .tiles import TileRuntime, Value

ROWS_PER_HEIGHT: Final = 6  # rows a tile sends per unit of its height
RECENT_WINDOW_SECONDS: Final = 3600  # how far back the recent-abandoned tile looks
DEFAULT_VISIBLE_DIGITS: Final = 4

CallKey = tuple[int, str]  # (source id, call ID)


@dataclass(slots=True, eq=False)
class CallTile(TileRuntime):
    """What both call tiles share: their calls, selected by source and queue."""

    calls: dict[CallKey, LiveCall] = field(default_factory=dict)
    call_sources: set[int] = field(default_factory=set)  # sources it has had calls from

    def wants_call(self, call: LiveCall) -> bool:
        if self.queue_kind and call.queue_kind != self.queue_kind:
            return False
        if self.queue_range.everything:
            return True
        return bool(call.queue_number) and call.queue_number in self.queue_range

    def keeps(self, call: LiveCall) -> bool:
        """Whether the tile shows this call as it now is."""
        raise NotImplementedError

    def sources(self) -> list[int]:
        found = set(TileRuntime.sources(self)) | self.call_sources
        return sorted(found)

    def load_calls(self, source_id: int, calls: Iterable[LiveCall]) -> None:
        """Take a source's calls afresh (a build)."""
        for key in [k for k in self.calls if k[0] == source_id]:
            del self.calls[key]
        if not self.wants_source(source_id):
            return
        self.call_sources.add(source_id)
        for call in calls:
            if self.keeps(call) and self.wants_call(call):
                self.calls[(source_id, call.call_id)] = call

    def apply(self, source_id: int, changes: ChangeSet) -> bool:
        touched = TileRuntime.apply(self, source_id, changes)
        if not changes.calls or not self.wants_source(source_id):
            return touched
        if source_id not in self.call_sources:
            self.call_sources.add(source_id)
            touched = True
        calls = self.calls
        for call in changes.calls.values():
            key = (source_id, call.call_id)
            if self.keeps(call) and self.wants_call(call):
                calls[key] = call
                touched = True
            elif calls.pop(key, None) is not None:
                touched = True
        return touched

    def limit(self) -> int:
        return ROWS_PER_HEIGHT * max(1, int(self.definition.get("height") or 1))

    def row(self, source_id: int, call: LiveCall) -> dict[str, Any]:
        digits = self.definition.get("visible_digits", DEFAULT_VISIBLE_DIGITS)
        kind, number = call.queue_kind, call.queue_number
        name = self.names.queue(source_id, kind, number) if number else ""
        return {
            "id": f"{source_id}:{call.call_id}",
            "queue": name or (f"{kind} {number}" if number else ""),
            "calling": mask_number(call.calling, int(digits)),
        }


@dataclass(slots=True, eq=False)
class WaitingCallersTile(CallTile):
    """Each call waiting (queued or ringing, not yet answered), longest first: `since` is when
    it began to wait."""

    def keeps(self, call: LiveCall) -> bool:
        return call.waiting

    def figures(self, value: Value) -> None:
        order = sorted(self.calls.items(), key=lambda kv: (kv[1].waiting_since, kv[0]))
        value["total"] = len(order)
        value["rows"] = [
            {
                **self.row(key[0], call),
                "since": int(call.waiting_since * 1000),
                "state": call.state,
            }
            for key, call in order[: self.limit()]
        ]


@dataclass(slots=True, eq=False)
class RecentAbandonedTile(CallTile):
    """The last abandoned calls, newest first: when the caller gave up, after how long. The
    display leaves out those older than `window` seconds as time goes on."""

    def keeps(self, call: LiveCall) -> bool:
        return call.outcome == "abandoned" and call.ended_at is not None

    def figures(self, value: Value) -> None:
        order = sorted(self.calls.items(), key=lambda kv: (-(kv[1].ended_at or 0), kv[0]))
        limit = self.limit()
        for key, _ in order[limit * 2 :]:  # beyond what can be shown: forgotten
            del self.calls[key]
        value["window"] = RECENT_WINDOW_SECONDS
        value["rows"] = [
            {
                **self.row(key[0], call),
                "at": int((call.ended_at or 0) * 1000),
                "waited": round((call.ended_at or 0) - call.waiting_since),
            }
            for key, call in order[:limit]
        ]
