"""AgentRouter: each changed agent to the tiles that show it, worked out once per agent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from integrations.base import AgentRow

from .members import Member, Route
from .names import NO_NAMES
from .records import AgentKey, ChangeSet
from .tiles import TileRuntime

REMEMBERED_AGENTS = 100_000  # per source: agents a router keeps routed after they left


class AgentRouter:
    """Sends each changed agent to the tiles that show it, rather than asking every tile about
    every agent: an agent's tiles are worked out when it is first seen or its skills change.
    Per changed agent: one lookup and its shared Member updated; then each tile takes its
    batch's agents in one call.

    Tiles are filled (load) before their router is made, as BoardPublisher does: the router
    takes their members as they are then and routes every change after that."""

    def __init__(self, tiles: Iterable[TileRuntime]) -> None:
        self.tiles = [t for t in tiles if t.spec.agents]
        # The names directory the tiles were built with (one per reload of the boards).
        self.names = next((t.names for t in self.tiles), NO_NAMES)
        self.index = {t: i for i, t in enumerate(self.tiles)}
        # Whether an agent's skills can change its tiles (some tile covers only some queues).
        self.by_skills = any(not t.queue_range.everything for t in self.tiles)
        # Tiles that select the same agents, asked as one (a board's grid and its counts).
        same: dict[tuple[Any, ...], list[TileRuntime]] = {}
        for t in self.tiles:
            same.setdefault((t.source_id, t.agent_range.text, t.queue_range.text), []).append(t)
        self.selectors = [(group[0], group) for group in same.values()]
        self.routes: dict[tuple[TileRuntime, ...], Route[TileRuntime]] = {}
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

    def _route(self, tiles: tuple[TileRuntime, ...]) -> Route[TileRuntime]:
        route = self.routes.get(tiles)
        if route is None:
            route = self.routes[tiles] = Route(tiles)
        return route

    def _tiles(self, source_id: int, agent: AgentRow) -> Route[TileRuntime]:
        found: list[TileRuntime] = []
        for first, group in self.selectors:
            if first.wants_source(source_id) and first.wants_agent(agent):
                found += group
        if len(found) > 1:
            found.sort(key=self.index.__getitem__)
        return self._route(tuple(found))

    def _arrive(self, source_id: int, agent: AgentRow, since: float, m: Member | None) -> Member:
        """An agent first seen, or back after it left the report: it joins its tiles."""
        name = self.names.agent(source_id, agent.agent_id, agent.name)
        if m is None:
            m = Member((source_id, agent.agent_id), agent, since, name)
            m.route = self._tiles(source_id, agent)
            self.placed[source_id][agent.agent_id] = m
            return m
        if m.route is None or (self.by_skills and m.agent.skills != agent.skills):
            m.route = self._tiles(source_id, agent)
        m.change(agent, since, name)
        m.was, m.away = None, False
        return m

    def _reroute(self, m: Member, agent: AgentRow, since: float, touched: set[TileRuntime]) -> None:
        """An agent's skills changed: leave the tiles that no longer show it, join new ones."""
        route = self._tiles(m.key[0], agent)
        before = m.route.tiles if m.route else ()
        for tile in before:
            if tile not in route.tiles and tile.drop_agent(m.key):
                touched.add(tile)
        m.change(agent, since, self.names.agent(m.key[0], agent.agent_id, agent.name))
        m.route = route
        for tile in route.tiles:
            if tile in before and tile.put_agents((m,)):
                touched.add(tile)
        m.was = None
        for tile in route.tiles:
            if tile not in before and tile.put_agents((m,)):
                touched.add(tile)

    def apply(self, source_id: int, changes: ChangeSet) -> set[TileRuntime]:
        """Fold one batch's agent changes into the tiles; the tiles whose value may change."""
        staged = self.stage(source_id, changes)
        for tile in self.tiles:
            staged.put(tile)
        return staged.touched

    def stage(self, source_id: int, changes: ChangeSet) -> Staged:
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
        since, by_skills, names = changes.since, self.by_skills, self.names
        named = bool(names)  # a directory with entries: a look-up per changed agent
        pending: list[Route[TileRuntime]] = []
        for agent_id, agent in changes.agents.items():
            m = placed.get(agent_id)
            if m is None or m.away:
                m = self._arrive(source_id, agent, since[agent_id], m)
            elif by_skills and m.agent.skills != agent.skills:
                self._reroute(m, agent, since[agent_id], touched)
                continue
            else:
                m.was, m.was_name = m.state, m.name
                m.agent, m.state, m.since = agent, agent.state, since[agent_id]
                m.name = names.agent(source_id, agent_id, agent.name) if named else agent.name
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
