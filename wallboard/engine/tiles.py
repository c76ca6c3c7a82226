"""Tile runtimes: one tile's members (queues, agents) and value, kept up to date from each
batch's changes; a tile's value is recomputed only when one of its members changed.

TileRuntime holds what every kind has: the queues and agents its ranges select, its agents
counted by state. A kind's runtime class (its registry entry names it, wallboard.engine.kinds)
adds the value it shows: the KPI tiles here, the agent grid in agent_grid.py; a kind that shows
no figures (a clock, a ticker) runs TileRuntime itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from integrations.base import AgentRow, QueueRow
from wallboard.lib.ranges import IdRange

from .alarms import AlarmBook
from .kpis import SERVICE_LEVEL_KPIS
from .maths import Threshold, kpi_value
from .members import Member
from .names import NO_NAMES, Names
from .records import (
    AgentDay,
    AgentKey,
    AgentRows,
    ChangeSet,
    Key,
    LiveCall,
    QueueRows,
    Today,
)
from .service import ServiceLevel, ServiceLevels
from .windows import WINDOW_KPIS, window_value

TileDef = dict[str, Any]  # a tile's definition, as a display gets it in the board's layout
Value = dict[str, Any]  # a tile's value, as a display gets it


class KindTraits(Protocol):
    """What a tile's runtime and its users ask of its kind (its kinds.TileKind entry)."""

    @property
    def key(self) -> str: ...

    @property
    def queues(self) -> bool: ...  # takes queues

    @property
    def agents(self) -> bool: ...  # takes agents

    @property
    def uses_feed(self) -> bool: ...  # takes either

    @property
    def agent_days(self) -> bool: ...  # takes agents' figures of the day (take_day)

    @property
    def calls(self) -> bool: ...  # takes an event feed's calls (load_calls)


@dataclass(slots=True, eq=False)  # compared and hashed by identity
class TileRuntime:
    """One tile's members and value. Agent figures are kept up to date as agents come, change
    and go (counts by state), so a batch costs what changed in it, not what the tile holds.
    Made by kinds.new_tile(), which picks the runtime class of the definition's kind."""

    definition: TileDef
    source_id: int | None
    queue_kind: str
    queue_range: IdRange
    agent_range: IdRange
    thresholds: dict[str, Threshold]
    queues: dict[Key, QueueRow] = field(default_factory=dict)
    today: dict[Key, Today] = field(default_factory=dict)
    agents: dict[AgentKey, Member] = field(default_factory=dict)
    value: Value | None = None
    counts: dict[str, int] = field(default_factory=dict)  # members by state; no zeros
    agent_sources: dict[int, int] = field(default_factory=dict)  # members by source
    spec: KindTraits = field(kw_only=True)  # the tile's kind: its registry entry
    # The names directory (queue, agent and reason names as shown), one per reload.
    names: Names = field(default=NO_NAMES, kw_only=True)
    # The site's service-level settings (target, formula per queue).
    levels: ServiceLevels = field(default_factory=ServiceLevels, kw_only=True)
    # Its figures' alarms (hysteresis, hold, since, acknowledgement): see alarms.py.
    alarms: AlarmBook = field(default_factory=AlarmBook, kw_only=True)

    @property
    def id(self) -> str:
        return str(self.definition["id"])

    @property
    def kind(self) -> str:
        return str(self.definition["kind"])

    def selection(self) -> dict[str, Any]:
        """What the tile takes from the feeds; a board is rebuilt when one of its tiles' changes
        (board.fingerprint), as when its layout does."""
        return {
            "id": self.id,
            "source": self.source_id,
            "queue_kind": self.queue_kind,
            "queue_range": self.queue_range.text,
            "agent_range": self.agent_range.text,
        } | ({"service_levels": self.levels.fingerprint()} if self.levels.rules else {})

    def wants_source(self, source_id: int) -> bool:
        return self.source_id is None or self.source_id == source_id

    def wants_queue(self, row: QueueRow) -> bool:
        return (
            (not self.queue_kind or row.kind == self.queue_kind)
            and row.number in self.queue_range
            and not (row.extra and "dialer" in row.extra)  # a dialer campaign (dialer.py)
        )

    def wants_agent(self, row: AgentRow) -> bool:
        if not self.spec.agents or row.agent_id not in self.agent_range:
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

    def head(self, stale_sources: set[int]) -> Value:
        """What every tile's value starts with: its sources, and whether all are stale."""
        sources = self.sources()
        return {
            "sources": sources,
            "stale": bool(sources) and all(s in stale_sources for s in sources),
        }

    def update(self, stale_sources: set[int]) -> Value | None:
        """Bring `value` up to date. What an update message carries for the tile (its whole
        value here; an agent grid already sent sends only its changed and departed agents);
        None when the value did not change."""
        value = self.head(stale_sources)
        self.alarms.begin()
        self.figures(value)
        self.alarms.end()
        if value == self.value:
            return None
        self.value = value
        return value

    def figures(self, value: Value) -> None:
        """Add the kind's figures to a value (none here: a clock, a ticker)."""

    def queue_names(self, keys: list[Key]) -> list[str]:
        """The names shown for these of the tile's queues: the directory's or the feed's, a
        name two of them share told apart ("Sales (pbx-1)")."""
        names, queues = self.names, self.queues
        return names.told_apart(
            (k[0], k[1], k[2], names.queue(k[0], k[1], k[2], queues[k].name)) for k in keys
        )

    def windowed(self, keys: Iterable[Key]) -> list[tuple[Today, ServiceLevel]]:
        """These queues' interval sums (their `today`) with their service-level settings."""
        today, levels = self.today, self.levels
        return [(today.get(k, {}), levels.of(*k)) for k in keys]

    def sl_caption(self) -> str:
        """Which service level the tile's queues show (target and formula): one caption, the
        two joined, or beyond two the most queues' and how many others ("+2 other")."""
        levels = self.levels
        counted = Counter(
            levels.of(*key).caption(_feed_target(q)) for key, q in self.queues.items()
        )
        if not counted:
            return levels.of(self.source_id, self.queue_kind, "").caption()
        if len(counted) > 2:
            most = min(counted, key=lambda c: (-counted[c], c))
            return f"{most} · +{len(counted) - 1} other"
        return " · ".join(sorted(counted))

    # ---- members ------------------------------------------------------------------------

    def recount(self) -> None:
        """Derive the agent figures from the members afresh (after a load)."""
        members = self.agents
        self.counts = dict(Counter(m.state for m in members.values()))
        self.agent_sources = dict(Counter(k[0] for k in members))

    def _clear(self, source_id: int) -> None:
        for k in [k for k in self.queues if k[0] == source_id]:
            del self.queues[k]
            self.today.pop(k, None)
        for a in [a for a in self.agents if a[0] == source_id]:
            del self.agents[a]

    def clear_source(self, source_id: int) -> None:
        self._clear(source_id)
        self.recount()

    def load(self, source_id: int, queues: QueueRows, agents: AgentRows) -> None:
        """Take every row of a source (a full build)."""
        self._clear(source_id)
        if self.wants_source(source_id):
            if self.spec.queues:
                for row, today in queues:
                    if self.wants_queue(row):
                        key = (source_id, row.kind, row.number)
                        self.queues[key] = row
                        self.today[key] = today
            for agent, since in agents:
                if self.wants_agent(agent):
                    akey = (source_id, agent.agent_id)
                    name = self.names.agent(source_id, agent.agent_id, agent.name)
                    self.agents[akey] = Member(akey, agent, since, name)
        self.recount()

    def share(self, shared: Mapping[int, Mapping[str, Member]]) -> None:
        """Hold the given Member of each agent (a router's, one per agent for all its tiles)
        in place of an equal one of the tile's own: the same agent, loaded from the same
        rows."""
        self.swap(shared)

    def swap(self, shared: Mapping[int, Mapping[str, Member]]) -> dict[Member, Member]:
        """share(): the members swapped, old to new."""
        agents = self.agents
        swapped: dict[Member, Member] = {}
        for key, m in agents.items():
            other = shared[key[0]][key[1]]
            if other is not m:
                agents[key] = swapped[m] = other
        return swapped

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

    def _join(self, joined: list[Member]) -> None:
        self._count([m.state for m in joined], [])
        agents, sources = self.agents, self.agent_sources
        for m in joined:
            key = m.key
            agents[key] = m
            sources[key[0]] = sources.get(key[0], 0) + 1

    def put_agents(self, members: Iterable[Member]) -> bool:
        """Take changed agents in (Member.change; `was` None for an agent joining the tile).
        True when the tile's value may have changed as a result. Only membership and states
        count here."""
        joined: list[Member] = []
        came: list[str] = []
        left: list[str] = []
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

    def drop_agent(self, key: AgentKey) -> bool:
        """An agent leaves the tile; True when it was a member."""
        m = self.agents.pop(key, None)
        if m is None:
            return False
        self._drop(key, m)
        return True

    def _drop(self, key: AgentKey, m: Member) -> None:
        self._count([], [m.state])
        sources = self.agent_sources
        n = sources[key[0]] - 1
        if n:
            sources[key[0]] = n
        else:
            del sources[key[0]]

    def load_calls(self, source_id: int, calls: Iterable[LiveCall]) -> None:
        """Take a source's calls (a build), for a kind whose registry entry says `calls`
        (wallboard/engine/calls.py). None here."""

    def take_day(self, source_id: int, figures: Mapping[str, AgentDay]) -> bool:
        """Agents' figures of the day, for a kind whose registry entry says `agent_days`
        (the leaderboard); True when one of the tile's agents' changed. None here."""
        return False

    def apply(self, source_id: int, changes: ChangeSet) -> bool:
        """Fold one batch's queue changes in; True when a member changed (agents go through
        AgentRouter)."""
        if not self.wants_source(source_id):
            return False
        touched = False
        if self.spec.queues:
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


def _feed_target(row: QueueRow) -> object:
    """The feed's own service-level threshold, where it sends one (Avaya's)."""
    return row.extra.get("service_level_seconds") if row.extra else None


def _queue_order(key: Key) -> tuple[Any, ...]:
    number = key[2]
    return (key[0], key[1], int(number) if number.isdigit() else 0, number)


@dataclass(slots=True, eq=False)
class QueueKpiTile(TileRuntime):
    """Queue KPIs (and a big number): each KPI over all the tile's queues, aggregated, the
    agent counts from the tile's distinct agents."""

    def figures(self, value: Value) -> None:
        if not SERVICE_LEVEL_KPIS.isdisjoint(self.definition["kpis"]):
            value["sl"] = self.sl_caption()
        queues = list(self.queues.values())
        today = [self.today.get(k, {}) for k in self.queues]
        value["queues"] = len(queues)
        if self.definition.get("auto_title") and 0 < len(queues) <= 3:  # the queues' names
            shown = self.queue_names(sorted(self.queues, key=_queue_order))
            if all(shown):
                value["title"] = " · ".join(shown)
        kpis: Value = {}
        value["kpis"] = kpis
        for kpi in self.definition["kpis"]:
            if kpi in WINDOW_KPIS:  # today's, the last hour's: from the interval sums
                v, derived = window_value(kpi, self.windowed(self.queues))
            else:
                v, derived = kpi_value(kpi, queues, today, self.counts)
            threshold = self.thresholds.get(kpi)
            kpis[kpi] = self.alarms.judge(kpi, v, threshold).cell(v, derived, threshold)


@dataclass(slots=True, eq=False)
class QueueTableTile(TileRuntime):
    """A row per queue, in queue order; each KPI the queue's own (agent counts included)."""

    def figures(self, value: Value) -> None:
        rows = []
        shows_sl = not SERVICE_LEVEL_KPIS.isdisjoint(self.definition["kpis"])
        order = sorted(self.queues, key=_queue_order)
        shown = dict(zip(order, self.queue_names(order), strict=True))
        for key in order:
            q = self.queues[key]
            today = [self.today.get(key, {})]
            cells = {}
            for kpi in self.definition["kpis"]:
                if kpi in WINDOW_KPIS:
                    v, derived = window_value(kpi, self.windowed([key]))
                else:
                    v, derived = kpi_value(kpi, [q], today, {})
                threshold = self.thresholds.get(kpi)
                judged = self.alarms.judge(f"{kpi}|{key[0]} {key[1]} {key[2]}", v, threshold)
                cells[kpi] = judged.cell(v, derived, threshold)
            rows.append(
                {"key": f"{key[1]} {key[2]}", "number": q.number, "name": shown[key], "kpis": cells}
            )
            if shows_sl:
                rows[-1]["sl"] = self.levels.of(*key).caption(_feed_target(q))
        value["rows"] = rows
