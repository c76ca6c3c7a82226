"""The leaderboard: a tile's agents ranked by one figure of their day (answered, talk,
wrap-up, not-ready time, longest not ready), the top or the bottom N.

Ingest hands each changed agent's figures of the day out with a batch (`agent_today`, from the
agent interval rows: ingest/agentdays.py); the tile keeps those of its agents and ranks them
when one of its agents' figures changed or an agent joined or left, never on a mere state
change. N is five rows per unit of the tile's height.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Final

from .maths import level, number
from .members import Member
from .records import AgentDay, AgentKey, ChangeSet
from .tiles import TileRuntime, Value

ROWS_PER_HEIGHT: Final = 5

# KPI -> the figure of the agent's day it ranks by
AGENT_DAY_KPIS: Final[Mapping[str, str]] = {
    "agent_answered_today": "answered",
    "agent_talk_today": "talk_seconds",
    "agent_wrap_today": "wrap_seconds",
    "agent_not_ready_today": "not_ready_seconds",
    "agent_longest_not_ready_today": "longest_not_ready_seconds",
}
DEFAULT_KPI: Final = "agent_answered_today"


@dataclass(slots=True, eq=False)
class LeaderboardTile(TileRuntime):
    """The top N, highest first."""

    lowest_first: ClassVar[bool] = False
    day: dict[AgentKey, AgentDay] = field(default_factory=dict)  # agents' figures of the day

    def take_day(self, source_id: int, figures: Mapping[str, AgentDay]) -> bool:
        """Agents' figures of the day (a batch's changed ones, or every one at a build); True
        when one of the tile's agents' changed."""
        if not self.wants_source(source_id):
            return False
        day, agents = self.day, self.agents
        touched = False
        for agent_id, sums in figures.items():
            key = (source_id, agent_id)
            day[key] = sums
            touched = touched or key in agents
        return touched

    def apply(self, source_id: int, changes: ChangeSet) -> bool:
        touched = TileRuntime.apply(self, source_id, changes)
        if changes.agent_today:
            touched = self.take_day(source_id, changes.agent_today) or touched
        return touched

    def put_agents(self, members: Iterable[Member]) -> bool:
        members = list(members)
        TileRuntime.put_agents(self, members)
        return any(m.was is None for m in members)  # joined: a state change ranks nothing

    def figures(self, value: Value) -> None:
        definition = self.definition
        kpis = definition.get("kpis") or [DEFAULT_KPI]
        kpi = kpis[0] if kpis[0] in AGENT_DAY_KPIS else DEFAULT_KPI
        name = AGENT_DAY_KPIS[kpi]
        rows_wanted = ROWS_PER_HEIGHT * max(1, int(definition.get("height", 1)))
        day = self.day
        ranked = []
        for key, member in self.agents.items():
            figures = day.get(key)
            v = number(figures.get(name)) if figures else None
            if v is not None:
                ranked.append((v, member.name or key[1], key))
        if self.lowest_first:
            shown = heapq.nsmallest(rows_wanted, ranked, key=lambda r: (r[0], r[1]))
        else:
            shown = heapq.nlargest(rows_wanted, ranked, key=lambda r: (r[0], _neg(r[1])))
        threshold = self.thresholds.get(kpi)
        value["kpi"] = kpi
        value["agents"] = len(ranked)
        value["rows"] = [
            {"agent": key[1], "name": shown_name, "v": v, "l": level(v, threshold)}
            for v, shown_name, key in shown
        ]


def _neg(text: str) -> tuple[int, ...]:
    """Sorts names A to Z among equal figures when the figures sort high to low."""
    return tuple(-ord(c) for c in text)


@dataclass(slots=True, eq=False)
class LowLeaderboardTile(LeaderboardTile):
    """The bottom N, lowest first."""

    lowest_first: ClassVar[bool] = True
