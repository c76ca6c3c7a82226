"""The agent grid: its agents in display order and the window of them a display is sent.

A grid keeps, as agents come, change and go, the members not logged out in display order
(`shown`) and the first MAX_GRID_AGENTS of them as last sent (`window`), so that a batch costs
what changed in it rather than what the grid holds: thousands of changed agents on grids of
thousands. An update carries only the window's changed and departed agents.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from integrations.base import LOGGED_OUT

from .members import Member, SortKey, entry, ident, member_of, sort_key
from .records import AgentKey
from .tiles import TileRuntime, Value

MAX_GRID_AGENTS = 400


def merge_delta(base: Any, delta: Mapping[str, Any]) -> dict[str, Any] | None:
    """An agent grid's value with an update's delta applied, as a display applies it
    (static/wallboard/board/agents.js, mergeAgents): agents merged by source and ID, those
    removed dropped, ordered as the grid orders them (by name or ID, then ID, then source);
    the rest of the value is the delta's. None where there is no value to apply it to."""
    if not isinstance(base, Mapping) or not isinstance(base.get("agents"), list):
        return None
    by_ident = {f"{a['src']}:{a['id']}": a for a in base["agents"]}
    for gone in delta.get("remove") or ():
        by_ident.pop(gone, None)
    for a in delta.get("upsert") or ():
        by_ident[f"{a['src']}:{a['id']}"] = a
    rest = {k: v for k, v in delta.items() if k not in ("delta", "upsert", "remove")}
    order = sorted(by_ident.values(), key=lambda a: (a["name"] or a["id"], a["id"], a["src"]))
    return {**rest, "agents": order}


@dataclass(slots=True, eq=False)
class AgentGridTile(TileRuntime):
    """`shown` holds the members not logged out, in display order; the first MAX_GRID_AGENTS
    of them are sent (`window`, as last sent, in order). `fresh`: window agents whose entry
    changed since. `moved`: an agent was shown, hidden or moved at or before the window's
    last agent (`edge`; None while the window is not full), so the window may differ.
    `rebuilt`: the rows were reloaded, every entry is built again."""

    shown: list[SortKey] = field(default_factory=list)
    window: dict[Member, dict[str, Any]] = field(default_factory=dict)
    fresh: dict[Member, dict[str, Any]] = field(default_factory=dict)
    edge: SortKey | None = None
    moved: bool = True
    rebuilt: bool = True

    def update(self, stale_sources: set[int]) -> Value | None:
        """The window from what changed since the last update: the window agents put since,
        when no shown agent came, left or moved at or before its end; else the first agents
        of `shown`, entries kept from the last window where they did not change."""
        head = self.head(stale_sources)
        previous, old, fresh = self.value, self.window, self.fresh
        changed: list[Member] = []
        remove: list[str] = []
        if self.moved or self.rebuilt or previous is None:
            members = list(map(member_of, self.shown[:MAX_GRID_AGENTS]))
            rebuild = self.rebuilt or previous is None
            if rebuild:  # the members are new objects: compare by source and agent ID
                window = {m: entry(m, self.names) for m in members}
                sent = {m.key: e for m, e in old.items()}
                changed = [m for m in members if window[m] != sent.get(m.key)]
            else:
                # The window's entries as sent; those that came into view are put next.
                window = cast(
                    "dict[Member, dict[str, Any]]",
                    dict(zip(members, map(old.get, members), strict=True)),
                )
                for m in window.keys() - old.keys():  # came into view
                    window[m] = entry(m, self.names)
                    changed.append(m)
                for m, e in fresh.items():
                    if m in window and e != old[m]:
                        window[m] = e
                        changed.append(m)
            gone = old.keys() - window.keys()
            if gone and rebuild:
                kept = {m.key for m in window}  # still shown, as a new object
                remove = [ident(m) for m in old if m in gone and m.key not in kept]
            elif gone:
                remove = [ident(m) for m in old if m in gone]
            self.window = window
            full = len(members) >= MAX_GRID_AGENTS
            self.edge = self.shown[MAX_GRID_AGENTS - 1] if full else None
            self.moved = self.rebuilt = False
        else:
            window = old
            for m, e in fresh.items():
                if e != window[m]:
                    window[m] = e
                    changed.append(m)
        fresh.clear()
        total, counts = len(self.shown), dict(self.counts)
        if (
            previous is not None
            and not changed
            and not remove
            and total == previous["total"]
            and counts == previous["counts"]
            and head["stale"] == previous["stale"]
            and head["sources"] == previous["sources"]
        ):
            return None
        self.value = {**head, "total": total, "agents": list(window.values()), "counts": counts}
        if previous is None:
            return self.value
        if len(changed) > 1:  # in display order, as the window lists them
            changed.sort(key=lambda m: sort_key(m.name, m))
        upsert = [window[m] for m in changed]
        return {**head, "total": total, "counts": counts, "delta": True, "upsert": upsert,
                "remove": remove}  # fmt: skip

    def recount(self) -> None:
        TileRuntime.recount(self)
        self.shown = sorted(
            sort_key(m.name, m) for m in self.agents.values() if m.state != LOGGED_OUT
        )
        self.fresh.clear()
        self.edge = None  # of members no longer held
        self.rebuilt = True

    def share(self, shared: Mapping[int, Mapping[str, Member]]) -> None:
        """What the grid sent and its display order follow the members swapped."""
        swapped = self.swap(shared)
        if swapped:
            self.window = {swapped.get(m, m): e for m, e in self.window.items()}
            self.fresh = {swapped.get(m, m): e for m, e in self.fresh.items()}
            self.shown = [(*sk[:3], swapped.get(sk[3], sk[3])) for sk in self.shown]
            if self.edge is not None:
                self.edge = (*self.edge[:3], swapped.get(self.edge[3], self.edge[3]))

    def _order(self, sk: SortKey, show: bool) -> None:
        """An agent appears in or leaves the display order."""
        shown = self.shown
        if show:
            insort(shown, sk)
        else:
            del shown[bisect_left(shown, sk)]
        if not self.moved and (self.edge is None or sk <= self.edge):
            self.moved = True

    def _join(self, joined: list[Member]) -> None:
        self._count([m.state for m in joined], [])
        agents, sources, window = self.agents, self.agent_sources, self.window
        for m in joined:
            key = m.key
            agents[key] = m
            sources[key[0]] = sources.get(key[0], 0) + 1
            if m.state != LOGGED_OUT:
                self._order(sort_key(m.name, m), True)
                sent = window.get(m)  # back before the window was worked out again
                if sent is not None and entry(m, self.names) != sent:
                    self.fresh[m] = entry(m, self.names)

    def _move(self, m: Member) -> None:
        """A grid's agent was renamed, logged in or logged out."""
        if m.was != LOGGED_OUT:
            self._order(sort_key(m.was_name, m), False)
        if m.state != LOGGED_OUT:
            self._order(sort_key(m.name, m), True)
            sent = self.window.get(m)
            if sent is not None:
                e = entry(m, self.names)
                if e != sent:
                    self.fresh[m] = e
                    return
        self.fresh.pop(m, None)

    def put_agents(self, members: Iterable[Member]) -> bool:
        """Take changed agents in (Member.change; `was` None for an agent joining the tile).
        True when the tile's value may have changed as a result."""
        joined: list[Member] = []
        came: list[str] = []
        left: list[str] = []
        window, fresh = self.window, self.fresh
        changed = False
        for m in members:
            was = m.was
            if was is None:
                joined.append(m)
                continue
            state = m.state
            if was != state:
                left.append(was)
                came.append(state)
                if was == LOGGED_OUT or state == LOGGED_OUT:
                    self._move(m)
                    continue
            if m.was_name != m.name:
                self._move(m)
                changed = True
                continue
            sent = window.get(m)
            if sent is not None:  # on screen: send it again if it looks different now
                e = entry(m, self.names)
                if e != sent:
                    fresh[m] = e
                    changed = True
                elif fresh:
                    fresh.pop(m, None)
        if joined:
            self._join(joined)
        if left:
            self._count(came, left)
        return changed or bool(joined or left)

    def _drop(self, key: AgentKey, m: Member) -> None:
        TileRuntime._drop(self, key, m)
        if m.state != LOGGED_OUT:
            self._order(sort_key(m.name, m), False)
        self.fresh.pop(m, None)
