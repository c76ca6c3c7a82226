"""What each tile shows, computed from the neutral live rows.

A BoardRuntime holds a board's tile definitions and, per tile, the queues and agents it
covers, kept up to date incrementally from each batch's changes; a tile's value is recomputed
only when one of its members changed. Agent tiles keep their figures as agents change (counts
by state; an agent grid's display order and what it sent), so a batch costs what changed in
it rather than what the tiles hold: thousands of changed agents on grids of thousands. The
same code builds a display's snapshot from the database when no ingest has published one yet.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from integrations.base import (
    LOGGED_OUT,
    NOT_READY,
    ON_CALL,
    OVERFLOW,
    RINGING,
    WRAP_UP,
    AgentRow,
    QueueRow,
)
from wallboard import messages
from wallboard.lib.ranges import IdRange

Key = tuple[int, str, str]  # (source id, kind, number)

# Agent-grid thresholds: seconds in a state (the display ticks them and sorts alarmed first).
AGENT_TIME_KPIS = {
    "time_in_not_ready": NOT_READY,
    "time_in_wrap_up": WRAP_UP,
    "time_in_ringing": RINGING,
    "time_in_on_call": ON_CALL,
}
DEFAULT_KPIS = ["calls_waiting", "oldest_wait_seconds", "service_level_pct", "agents_available"]
AGENT_COUNT_KPIS = {
    "agents_available": "available",
    "agents_ringing": "ringing",
    "agents_on_call": "on_call",
    "agents_wrap_up": "wrap_up",
    "agents_not_ready": "not_ready",
    "agents_other": "other",
}
SUM_KPIS = ("calls_waiting", "abandoned", "offered", "answered")
MAX_GRID_AGENTS = 400
REMEMBERED_AGENTS = 100_000  # per source: agents a router keeps routed after they left
AGENT_TILES = frozenset({"agent_grid", "queue_kpi", "big_number"})


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def level(value: Any, threshold: dict[str, Any] | None) -> str | None:
    """ "warning", "alarm" or None for a value against a tile's threshold."""
    if threshold is None:
        return None
    above = threshold["direction"] == "above"
    if value == OVERFLOW:
        return (
            "alarm"
            if above and threshold.get("alarm") is not None
            else ("warning" if above and threshold.get("warning") is not None else None)
        )
    number = _number(value)
    if number is None:
        return None
    for name in ("alarm", "warning"):
        limit = threshold.get(name)
        if limit is not None and (number >= limit if above else number <= limit):
            return name
    return None


def _weighted(queues: list[QueueRow], figure: str, weight: str) -> float | None:
    total = weighted = 0.0
    for q in queues:
        value, w = _number(getattr(q, figure)), _number(getattr(q, weight))
        if value is not None and w:
            weighted += value * w
            total += w
    return round(weighted / total, 1) if total else None


def _sum(values: Iterable[Any]) -> Any:
    total, seen = 0, False
    for value in values:
        if value == OVERFLOW:
            return OVERFLOW
        if _number(value) is not None:
            total += value
            seen = True
    return total if seen else None


def queue_kpi(
    kpi: str,
    queues: list[QueueRow],
    today: list[dict[str, Any]],
    agents: Mapping[str, int],
) -> tuple[Any, bool]:
    """(value, derived): the feed's own figure where one queue sends it, else derived.

    `agents` counts the tile's distinct agents by state (a multi-skilled agent counts once in
    totals); empty when the tile holds no agents.
    """
    single = len(queues) == 1
    if not queues:
        return None, False
    if kpi.endswith("_today"):
        return _sum(t.get(kpi[: -len("_today")]) for t in today), not single
    if kpi == "abandon_pct":
        offered, abandoned = _sum(q.offered for q in queues), _sum(q.abandoned for q in queues)
        if _number(offered) and _number(abandoned) is not None:
            return round(100.0 * abandoned / offered, 1), True
        return None, True
    if single:
        own = getattr(queues[0], kpi, None)
        if (
            own is not None
            or not agents
            or (kpi not in AGENT_COUNT_KPIS and kpi != "agents_staffed")
        ):
            return own, False
    if kpi in SUM_KPIS:
        return _sum(getattr(q, kpi) for q in queues), True
    if kpi == "oldest_wait_seconds":
        values = [q.oldest_wait_seconds for q in queues]
        if OVERFLOW in values:
            return OVERFLOW, True
        numbers = [v for v in values if _number(v) is not None]
        return (max(numbers) if numbers else None), not single
    if kpi == "service_level_pct":
        return _weighted(queues, "service_level_pct", "offered"), True
    if kpi == "asa_seconds":
        value = _weighted(queues, "asa_seconds", "answered")
        return (round(value) if value is not None else None), True
    if kpi in AGENT_COUNT_KPIS or kpi == "agents_staffed":
        if agents:
            if kpi == "agents_staffed":
                return sum(agents.values()) - agents.get(LOGGED_OUT, 0), True
            return agents.get(AGENT_COUNT_KPIS[kpi], 0), True
        if single:
            return getattr(queues[0], kpi), False
        return _sum(getattr(q, kpi) for q in queues), True
    return None, True


AgentKey = tuple[int, str]  # (source id, agent ID)
# An agent grid's display order: name (or agent ID), agent ID, then source id; the member
# last, never compared (the first three are unique), so that the order gives the agents back.
SortKey = tuple[str, str, int, "Member"]


_member_of = itemgetter(3)  # of a SortKey


def _sort_key(name: str, m: Member) -> SortKey:
    key = m.key
    return (name or key[1], key[1], key[0], m)


class Member:
    """An agent as the tiles showing it hold it. The tiles of one AgentRouter share one Member
    per agent and the router updates it once per change, so a tile touches only its own
    figures, not a copy of the row. The state and name that tiles sort and count by are kept
    here, with those the change replaced (`was`, `was_name`; meaningful while the router hands
    the change on; `was` None: the agent joins the tile), so that a tile compares them
    without reaching into either row. Compared and hashed by identity: an agent grid keys
    what it sent by member."""

    __slots__ = ("agent", "away", "key", "name", "route", "since", "state", "was", "was_name")

    def __init__(self, key: AgentKey, agent: AgentRow, since: float | None) -> None:
        self.key = key
        self.agent = agent
        self.state = agent.state
        self.name = agent.name
        self.since = since  # when the agent entered its state (epoch seconds), if known
        self.was: str | None = None
        self.was_name = ""
        self.route: _Route | None = None  # the router's tiles for it
        self.away = False  # left the report; its router remembers it and its tiles

    def change(self, agent: AgentRow, since: float | None) -> None:
        """The agent's new row (the router's inner loop does the same inline)."""
        self.was, self.was_name = self.state, self.name
        self.agent, self.state, self.name, self.since = agent, agent.state, agent.name, since


def _ident(member: Member) -> str:
    """An agent grid's name for an agent on the wire ("<source>:<agent ID>"): a grid may show
    two feeds whose agent IDs overlap (two ACDs), so an agent ID alone is not enough."""
    return f"{member.key[0]}:{member.key[1]}"


def _entry(member: Member) -> dict[str, Any]:
    """An agent as an agent grid sends it: `id` is the agent ID, `src` its source's id."""
    agent, started = member.agent, member.since
    return {
        "id": agent.agent_id,
        "src": member.key[0],
        "name": agent.name,
        "ext": agent.extension,
        "state": agent.state,
        "vs": agent.vendor_state,
        "reason": agent.reason_code,
        "since": int(started * 1000) if started is not None else None,
    }


@dataclass(slots=True, eq=False)  # compared and hashed by identity
class TileRuntime:
    """One tile's members and value. Agent figures are kept up to date as agents come, change
    and go (counts by state; for an agent grid its display order and the agents it sent), so a
    batch costs what changed in it, not what the tile holds."""

    definition: dict[str, Any]
    source_id: int | None
    queue_kind: str
    queue_range: IdRange
    agent_range: IdRange
    thresholds: dict[str, dict[str, Any]]
    queues: dict[Key, QueueRow] = field(default_factory=dict)
    today: dict[Key, dict[str, Any]] = field(default_factory=dict)
    agents: dict[AgentKey, Member] = field(default_factory=dict)
    value: dict[str, Any] | None = None
    counts: dict[str, int] = field(default_factory=dict)  # members by state; no zeros
    agent_sources: dict[int, int] = field(default_factory=dict)  # members by source
    # Agent grids only. `shown` holds the members not logged out, in display order; the first
    # MAX_GRID_AGENTS of them are sent (`window`, as last sent, in order). `fresh`: window
    # agents whose entry changed since. `moved`: an agent was shown, hidden or moved at or
    # before the window's last agent (`edge`; None while the window is not full), so the
    # window may differ. `rebuilt`: the rows were reloaded, every entry is built again.
    shown: list[SortKey] = field(default_factory=list)
    window: dict[Member, dict[str, Any]] = field(default_factory=dict)
    fresh: dict[Member, dict[str, Any]] = field(default_factory=dict)
    edge: SortKey | None = None
    moved: bool = True
    rebuilt: bool = True
    grid: bool = False

    def __post_init__(self) -> None:
        self.grid = self.definition["kind"] == "agent_grid"

    @property
    def id(self) -> str:
        return str(self.definition["id"])

    @property
    def kind(self) -> str:
        return str(self.definition["kind"])

    def wants_source(self, source_id: int) -> bool:
        return self.source_id is None or self.source_id == source_id

    def wants_queue(self, row: QueueRow) -> bool:
        return (
            not self.queue_kind or row.kind == self.queue_kind
        ) and row.number in self.queue_range

    def wants_agent(self, row: AgentRow) -> bool:
        if self.definition["kind"] not in AGENT_TILES or row.agent_id not in self.agent_range:
            return False
        queue_range = self.queue_range
        return queue_range.everything or any(skill in queue_range for skill in row.skills)

    def sources(self) -> list[int]:
        found = set(self.agent_sources)
        if self.queues:
            found.update(k[0] for k in self.queues)
        if self.source_id is not None:
            found.add(self.source_id)
        return sorted(found)

    def _head(self, stale_sources: set[int]) -> dict[str, Any]:
        sources = self.sources()
        return {
            "sources": sources,
            "stale": bool(sources) and all(s in stale_sources for s in sources),
        }

    def update(self, stale_sources: set[int]) -> dict[str, Any] | None:
        """Bring `value` up to date. What an update message carries for the tile: its whole
        value, or for an agent grid already sent only its changed and departed agents; None
        when the value did not change."""
        if self.grid:
            return self._update_grid(stale_sources)
        value = self._head(stale_sources)
        kind = self.kind
        if kind in ("queue_kpi", "big_number"):
            queues = list(self.queues.values())
            today = [self.today.get(k, {}) for k in self.queues]
            value["queues"] = len(queues)
            value["kpis"] = {}
            for kpi in self.definition["kpis"]:
                v, derived = queue_kpi(kpi, queues, today, self.counts)
                value["kpis"][kpi] = {"v": v, "d": derived, "l": level(v, self.thresholds.get(kpi))}
        elif kind == "queue_table":
            rows = []
            for key in sorted(self.queues, key=_queue_order):
                q = self.queues[key]
                today = [self.today.get(key, {})]
                cells = {}
                for kpi in self.definition["kpis"]:
                    v, derived = queue_kpi(kpi, [q], today, {})
                    cells[kpi] = {"v": v, "d": derived, "l": level(v, self.thresholds.get(kpi))}
                rows.append(
                    {"key": f"{key[1]} {key[2]}", "number": q.number, "name": q.name, "kpis": cells}
                )
            value["rows"] = rows
        if value == self.value:
            return None
        self.value = value
        return value

    def _update_grid(self, stale_sources: set[int]) -> dict[str, Any] | None:
        """The window from what changed since the last update: the window agents put since,
        when no shown agent came, left or moved at or before its end; else the first agents
        of `shown`, entries kept from the last window where they did not change."""
        head = self._head(stale_sources)
        previous, old, fresh = self.value, self.window, self.fresh
        changed: list[Member] = []
        remove: list[str] = []
        if self.moved or self.rebuilt or previous is None:
            members = list(map(_member_of, self.shown[:MAX_GRID_AGENTS]))
            rebuild = self.rebuilt or previous is None
            if rebuild:  # the members are new objects: compare by source and agent ID
                window = {m: _entry(m) for m in members}
                sent = {m.key: entry for m, entry in old.items()}
                changed = [m for m in members if window[m] != sent.get(m.key)]
            else:
                window = dict(zip(members, map(old.get, members), strict=True))
                for m in window.keys() - old.keys():  # came into view
                    window[m] = _entry(m)
                    changed.append(m)
                for m, entry in fresh.items():
                    if m in window and entry != old[m]:
                        window[m] = entry
                        changed.append(m)
            gone = old.keys() - window.keys()
            if gone and rebuild:
                kept = {m.key for m in window}  # still shown, as a new object
                remove = [_ident(m) for m in old if m in gone and m.key not in kept]
            elif gone:
                remove = [_ident(m) for m in old if m in gone]
            self.window = window
            full = len(members) >= MAX_GRID_AGENTS
            self.edge = self.shown[MAX_GRID_AGENTS - 1] if full else None
            self.moved = self.rebuilt = False
        else:
            window = old
            for m, entry in fresh.items():
                if entry != window[m]:
                    window[m] = entry
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
            changed.sort(key=lambda m: _sort_key(m.name, m))
        upsert = [window[m] for m in changed]
        return {**head, "total": total, "counts": counts, "delta": True, "upsert": upsert,
                "remove": remove}  # fmt: skip

    def _recount(self) -> None:
        """Derive the agent figures from the members afresh (after a load)."""
        members = self.agents
        self.counts = dict(Counter(m.state for m in members.values()))
        self.agent_sources = dict(Counter(k[0] for k in members))
        if self.grid:
            self.shown = sorted(
                _sort_key(m.name, m) for m in members.values() if m.state != LOGGED_OUT
            )
            self.fresh.clear()
            self.edge = None  # of members no longer held
            self.rebuilt = True

    def _clear(self, source_id: int) -> None:
        for k in [k for k in self.queues if k[0] == source_id]:
            del self.queues[k]
            self.today.pop(k, None)
        for k in [k for k in self.agents if k[0] == source_id]:
            del self.agents[k]

    def clear_source(self, source_id: int) -> None:
        self._clear(source_id)
        self._recount()

    def load(
        self,
        source_id: int,
        queues: Iterable[tuple[QueueRow, dict[str, Any]]],
        agents: Iterable[tuple[AgentRow, float | None]],
    ) -> None:
        """Take every row of a source (a full build)."""
        self._clear(source_id)
        if self.wants_source(source_id):
            if self.kind in ("queue_kpi", "big_number", "queue_table"):
                for row, today in queues:
                    if self.wants_queue(row):
                        key = (source_id, row.kind, row.number)
                        self.queues[key] = row
                        self.today[key] = today
            for agent, since in agents:
                if self.wants_agent(agent):
                    key = (source_id, agent.agent_id)
                    self.agents[key] = Member(key, agent, since)
        self._recount()

    def share(self, shared: Mapping[int, Mapping[str, Member]]) -> None:
        """Hold the given Member of each agent (a router's, one per agent for all its tiles)
        in place of an equal one of the tile's own: the same agent, loaded from the same
        rows. What the tile sent and its display order follow."""
        agents = self.agents
        swapped: dict[Member, Member] = {}
        for key, m in agents.items():
            other = shared[key[0]][key[1]]
            if other is not m:
                agents[key] = swapped[m] = other
        if swapped and self.grid:
            self.window = {swapped.get(m, m): e for m, e in self.window.items()}
            self.fresh = {swapped.get(m, m): e for m, e in self.fresh.items()}
            self.shown = [(*sk[:3], swapped.get(sk[3], sk[3])) for sk in self.shown]
            if self.edge is not None:
                self.edge = (*self.edge[:3], swapped.get(self.edge[3], self.edge[3]))

    def _count(self, came: list[str], left: list[str]) -> None:
        """Agents entered states `came` and left states `left` (one item per agent)."""
        counts = self.counts
        for state, n in Counter(came).items():
            counts[state] = counts.get(state, 0) + n
        for state, n in Counter(left).items():
            n = counts[state] - n
            if n:
                counts[state] = n
            else:
                del counts[state]

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
            if self.grid and m.state != LOGGED_OUT:
                self._order(_sort_key(m.name, m), True)
                sent = window.get(m)  # back before the window was worked out again
                if sent is not None and _entry(m) != sent:
                    self.fresh[m] = _entry(m)

    def _move(self, m: Member) -> None:
        """A grid's agent was renamed, logged in or logged out."""
        if m.was != LOGGED_OUT:
            self._order(_sort_key(m.was_name, m), False)
        if m.state != LOGGED_OUT:
            self._order(_sort_key(m.name, m), True)
            sent = self.window.get(m)
            if sent is not None:
                entry = _entry(m)
                if entry != sent:
                    self.fresh[m] = entry
                    return
        self.fresh.pop(m, None)

    def put_agents(self, members: Iterable[Member]) -> bool:
        """Take changed agents in (Member.change; `was` None for an agent joining the tile).
        True when the tile's value may have changed as a result."""
        joined: list[Member] = []
        came: list[str] = []
        left: list[str] = []
        if not self.grid:  # only membership and states count here
            for m in members:
                was = m.was
                if was is None:
                    joined.append(m)
                elif was != m.state:
                    left.append(was)
                    came.append(m.state)
            if joined:
                self._join(joined)
            if left:
                self._count(came, left)
            return bool(joined or left)
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
                entry = _entry(m)
                if entry != sent:
                    fresh[m] = entry
                    changed = True
                elif fresh:
                    fresh.pop(m, None)
        if joined:
            self._join(joined)
        if left:
            self._count(came, left)
        return changed or bool(joined or left)

    def drop_agent(self, key: AgentKey) -> bool:
        """An agent leaves the tile; True when it was a member."""
        m = self.agents.pop(key, None)
        if m is None:
            return False
        state = m.state
        self._count([], [state])
        sources = self.agent_sources
        n = sources[key[0]] - 1
        if n:
            sources[key[0]] = n
        else:
            del sources[key[0]]
        if self.grid:
            if state != LOGGED_OUT:
                self._order(_sort_key(m.name, m), False)
            self.fresh.pop(m, None)
        return True

    def apply(self, source_id: int, changes: Any) -> bool:
        """Fold one batch's queue changes in; True when a member changed (agents go through
        AgentRouter)."""
        if not self.wants_source(source_id):
            return False
        touched = False
        if self.kind in ("queue_kpi", "big_number", "queue_table"):
            for (kind, number), row in changes.queues.items():
                key = (source_id, kind, number)
                if self.wants_queue(row):
                    self.queues[key] = row
                    touched = True
                elif self.queues.pop(key, None) is not None:
                    touched = True
            for (kind, number), today in changes.today.items():
                key = (source_id, kind, number)
                if key in self.queues:
                    self.today[key] = today
                    touched = True
            for kind, number in changes.gone_queues:
                if self.queues.pop((source_id, kind, number), None) is not None:
                    touched = True
        return touched


class _Route:
    """The tiles that show an agent, shared by every agent with the same tiles; `members`
    holds a batch's changed agents for them."""

    __slots__ = ("members", "tiles")

    def __init__(self, tiles: tuple[TileRuntime, ...]) -> None:
        self.tiles = tiles
        self.members: list[Member] = []


class AgentRouter:
    """Sends each changed agent to the tiles that show it, rather than asking every tile about
    every agent: an agent's tiles are worked out when it is first seen or its skills change.
    Per changed agent: one lookup and its shared Member updated; then each tile takes its
    batch's agents in one call.

    Tiles are filled (load) before their router is made, as BoardPublisher does: the router
    takes their members as they are then and routes every change after that."""

    def __init__(self, tiles: Iterable[TileRuntime]) -> None:
        self.tiles = [t for t in tiles if t.definition["kind"] in AGENT_TILES]
        self.index = {t: i for i, t in enumerate(self.tiles)}
        # Whether an agent's skills can change its tiles (some tile covers only some queues).
        self.by_skills = any(not t.queue_range.everything for t in self.tiles)
        # Tiles that select the same agents, asked as one (a board's grid and its counts).
        same: dict[tuple[Any, ...], list[TileRuntime]] = {}
        for t in self.tiles:
            same.setdefault((t.source_id, t.agent_range.text, t.queue_range.text), []).append(t)
        self.selectors = [(group[0], group) for group in same.values()]
        self.routes: dict[tuple[TileRuntime, ...], _Route] = {}
        self.placed: dict[int, dict[str, Member]] = {}  # source id -> agent ID -> member
        # Share one Member per agent among the tiles holding it (preferring those of tiles
        # already shown, which then keep theirs), and place it now rather than agent by agent
        # in the batches that follow.
        holding: dict[AgentKey, list[TileRuntime]] = {}
        for tile in sorted(self.tiles, key=lambda t: t.value is None):
            for key, m in tile.agents.items():
                source = self.placed.get(key[0])
                if source is None:
                    source = self.placed[key[0]] = {}
                if key[1] not in source:
                    source[key[1]] = m
                    holding[key] = []
        for tile in self.tiles:  # in the order of self.tiles, as routes list them
            tile.share(self.placed)
            for key in tile.agents:
                holding[key].append(tile)
        for key, holders in holding.items():
            self.placed[key[0]][key[1]].route = self._route(tuple(holders))

    def _route(self, tiles: tuple[TileRuntime, ...]) -> _Route:
        route = self.routes.get(tiles)
        if route is None:
            route = self.routes[tiles] = _Route(tiles)
        return route

    def _tiles(self, source_id: int, agent: AgentRow) -> _Route:
        found: list[TileRuntime] = []
        for first, group in self.selectors:
            if first.wants_source(source_id) and first.wants_agent(agent):
                found += group
        if len(found) > 1:
            found.sort(key=self.index.__getitem__)
        return self._route(tuple(found))

    def _arrive(self, source_id: int, agent: AgentRow, since: float, m: Member | None) -> Member:
        """An agent first seen, or back after it left the report: it joins its tiles."""
        if m is None:
            m = Member((source_id, agent.agent_id), agent, since)
            m.route = self._tiles(source_id, agent)
            self.placed[source_id][agent.agent_id] = m
            return m
        if m.route is None or (self.by_skills and m.agent.skills != agent.skills):
            m.route = self._tiles(source_id, agent)
        m.change(agent, since)
        m.was, m.away = None, False
        return m

    def _reroute(self, m: Member, agent: AgentRow, since: float, touched: set[TileRuntime]) -> None:
        """An agent's skills changed: leave the tiles that no longer show it, join new ones."""
        route = self._tiles(m.key[0], agent)
        before = m.route.tiles if m.route else ()
        for tile in before:
            if tile not in route.tiles and tile.drop_agent(m.key):
                touched.add(tile)
        m.change(agent, since)
        m.route = route
        for tile in route.tiles:
            if tile in before and tile.put_agents((m,)):
                touched.add(tile)
        m.was = None
        for tile in route.tiles:
            if tile not in before and tile.put_agents((m,)):
                touched.add(tile)

    def apply(self, source_id: int, changes: Any) -> set[TileRuntime]:
        """Fold one batch's agent changes into the tiles; the tiles whose value may change."""
        staged = self.stage(source_id, changes)
        for tile in self.tiles:
            staged.put(tile)
        return staged.touched

    def stage(self, source_id: int, changes: Any) -> Staged:
        """apply() in two parts: the agents' Members now, and each tile's share when it is
        asked for (Staged.put), so a publisher can finish one board and send it before the
        next board's tiles take their agents."""
        staged = Staged()
        touched = staged.touched
        if not self.tiles:
            return staged
        placed = self.placed.get(source_id)
        if placed is None:
            placed = self.placed[source_id] = {}
        since, by_skills = changes.since, self.by_skills
        pending: list[_Route] = []
        for agent_id, agent in changes.agents.items():
            m = placed.get(agent_id)
            if m is None or m.away:
                m = self._arrive(source_id, agent, since[agent_id], m)
            elif by_skills and m.agent.skills != agent.skills:
                self._reroute(m, agent, since[agent_id], touched)
                continue
            else:
                m.was, m.was_name = m.state, m.name
                m.agent, m.state, m.name, m.since = agent, agent.state, agent.name, since[agent_id]
            route = m.route
            if route is not None and route.tiles:
                if not route.members:
                    pending.append(route)
                route.members.append(m)
        waiting = staged.waiting
        for route in pending:
            for tile in route.tiles:
                shares = waiting.get(tile)
                if shares is None:
                    waiting[tile] = [route.members]
                else:
                    shares.append(route.members)
            route.members = []  # the staged list is the tiles' now
        for agent_id in changes.gone_agents:
            m = placed.get(agent_id)
            if m is None or m.away:
                continue
            for tile in m.route.tiles if m.route else ():
                if tile.drop_agent(m.key):
                    touched.add(tile)
            if len(placed) < REMEMBERED_AGENTS:  # most come back (log in again)
                m.away = True
            else:
                del placed[agent_id]
        return staged


class Staged:
    """A batch's agent changes routed, each tile's share not yet taken (AgentRouter.stage).
    The shares are of different agents than the changes already applied (agents that left,
    or changed skills), so when a tile takes its share does not matter."""

    __slots__ = ("touched", "waiting")

    def __init__(self) -> None:
        self.touched: set[TileRuntime] = set()  # tiles whose value may change
        self.waiting: dict[TileRuntime, list[list[Member]]] = {}

    def put(self, tile: TileRuntime) -> bool:
        """The tile takes its share; True when its value may change."""
        shares = self.waiting.pop(tile, None)
        if shares is not None:
            for members in shares:
                if tile.put_agents(members):
                    self.touched.add(tile)
        return tile in self.touched


def _queue_order(key: Key) -> tuple[Any, ...]:
    number = key[2]
    return (key[0], key[1], int(number) if number.isdigit() else 0, number)


@dataclass(slots=True)
class BoardRuntime:
    board_id: int
    definition: dict[str, Any]
    tiles: list[TileRuntime]
    fingerprint: str
    seq: int = 0

    def group(self) -> str:
        return messages.board_group(self.board_id)

    def values(self) -> dict[str, Any]:
        return {t.id: t.value for t in self.tiles if t.value is not None}

    def recompute(
        self, stale: set[int], only: Iterable[TileRuntime] | None = None
    ) -> dict[str, Any]:
        """Recompute tiles (all, or `only`); return what changed, as update messages carry it:
        a tile's whole value, or for an agent grid only its changed and departed agents."""
        changed = {}
        for tile in self.tiles if only is None else only:
            update = tile.update(stale)
            if update is not None:
                changed[tile.id] = update
        return changed


def build_board(board: Any) -> BoardRuntime:
    """The runtime of a Board model instance (tiles, thresholds, ticker messages loaded)."""
    tiles = []
    defs = []
    for tile in board.tiles.all():
        thresholds = {
            t.kpi: {"direction": t.direction, "warning": t.warning, "alarm": t.alarm}
            for t in tile.thresholds.all()
        }
        kpis = tile.kpi_list() or (
            DEFAULT_KPIS if tile.kind in ("queue_kpi", "queue_table") else []
        )
        definition: dict[str, Any] = {
            "id": tile.pk,
            "kind": tile.kind,
            "title": tile.title or tile.get_kind_display(),
            "width": tile.width,
            "height": tile.height,
            "kpis": [k for k in kpis if k not in AGENT_TIME_KPIS],
            "thresholds": thresholds,
            "compact": tile.compact,
        }
        if tile.kind == "agent_grid":
            definition["agent_alarms"] = {
                AGENT_TIME_KPIS[k]: v for k, v in thresholds.items() if k in AGENT_TIME_KPIS
            }
        if tile.kind == "ticker":
            definition["messages"] = [
                {
                    "text": m.text,
                    "start": int(m.starts_at.timestamp() * 1000) if m.starts_at else None,
                    "end": int(m.ends_at.timestamp() * 1000) if m.ends_at else None,
                }
                for m in _messages(board)
            ]
        defs.append(definition)
        tiles.append(
            TileRuntime(
                definition=definition,
                source_id=tile.source_id,
                queue_kind=tile.queue_kind,
                queue_range=IdRange(tile.queue_range),
                agent_range=IdRange(tile.agent_range),
                thresholds=thresholds,
            )
        )
    definition = {
        "id": board.pk,
        "title": board.title,
        "slug": board.slug,
        "theme": board.theme,
        "columns": board.columns,
        "tiles": defs,
    }
    fingerprint = hashlib.sha1(
        json.dumps(definition, sort_keys=True, default=str).encode()
    ).hexdigest()
    return BoardRuntime(board.pk, definition, tiles, fingerprint)


def _messages(board: Any) -> list[Any]:
    from django.db.models import Q

    from wallboard.models import TickerMessage

    return list(TickerMessage.objects.filter(Q(board=board) | Q(board__isnull=True)))


def load_boards() -> list[BoardRuntime]:
    from wallboard.models import Board

    boards = Board.objects.prefetch_related("tiles__thresholds")
    return [build_board(b) for b in boards]


def sources_status() -> dict[str, dict[str, Any]]:
    from wallboard.models import Source

    status = {}
    for s in Source.objects.select_related("health"):
        health = getattr(s, "health", None)
        last = health.last_data_at if health else None
        status[str(s.pk)] = {
            "name": s.name,
            "stale": health.stale if health else True,
            "last_data_at": int(last.timestamp() * 1000) if last else None,
            "connected": bool(health and health.connected),
            "enabled": s.enabled,
        }
    return status


def board_snapshot(board: Any) -> dict[str, Any]:
    """A display's first message: the layout, every tile's value, the sources' status, and
    the version of the display's page the server serves (see wallboard.displayversion).

    Values come from what ingest last published (BoardState) when it matches the current
    layout; otherwise they are computed here from the database rows.
    """
    from wallboard.displayversion import display_version
    from wallboard.models import Board, BoardState
    from wallboard.models.live import stored_live_rows

    board = Board.objects.prefetch_related("tiles__thresholds").get(pk=board.pk)
    runtime = build_board(board)
    state = BoardState.objects.filter(board_id=board.pk).first()
    status = sources_status()
    if state:  # ingest's own view of its sources is fresher than the health table
        for source_id, live in state.tiles.get("sources", {}).items():
            if source_id in status:
                status[source_id].update(live)
    if state and state.tiles.get("fingerprint") == runtime.fingerprint:
        values, seq = state.tiles.get("values", {}), state.seq
    else:
        stale = {int(k) for k, v in status.items() if v["stale"]}
        wanted = {t.source_id for t in runtime.tiles if t.kind not in ("clock", "ticker")}
        source_ids = [int(k) for k in status] if None in wanted else [s for s in wanted if s]
        for source_id in source_ids:
            queues, agents = stored_live_rows(source_id)
            queue_rows = [(row, today) for row, today, _ in queues]
            for tile in runtime.tiles:
                tile.load(source_id, queue_rows, agents)
        runtime.recompute(stale)
        values, seq = runtime.values(), state.seq if state else 0
    return {
        "type": messages.SNAPSHOT,
        "seq": seq,
        "board": runtime.definition,
        "values": values,
        "sources": status,
        "server_time": int(datetime.now(UTC).timestamp() * 1000),
        "version": display_version(),
    }
