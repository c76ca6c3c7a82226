"""Each agent's figures of the reporting day: answered, talk, wrap-up and not-ready time (from
the 15-minute agent interval rows), and its longest not-ready stint (from its state changes).

At start a worker reads the day's stored agent rows (one query); after that each changed
agent's buckets are taken as the accounting books them, so a batch costs its changed agents
(an agent's intervals older than the last two are summed once per interval, the rest each
time). A figure the feed does not give (answered, where the agent report has no count) stays
null.

The longest not-ready stint counts the stints that ended while this process ran (a stint is
timed from the feed's own start of the state); it starts again at a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from integrations.base import NOT_READY, AgentRow

from .intervals import INTERVAL

# The figures, and the interval row's field each comes from.
SOURCES = {
    "answered": "answered",
    "talk_seconds": "on_call_seconds",
    "wrap_seconds": "wrap_up_seconds",
    "not_ready_seconds": "not_ready_seconds",
}
FIGURES = (*SOURCES, "longest_not_ready_seconds")

Sums = dict[str, int | None]


def _add(total: Sums, bucket: Mapping[str, Any]) -> None:
    for name, field in SOURCES.items():
        value = bucket.get(field)
        if isinstance(value, int):
            previous = total.get(name)
            total[name] = value if previous is None else previous + value


class AgentDays:
    """One source's agents: interval start -> bucket (the accounting's, as it books it) for
    the reporting day so far, the longest not-ready stints, and what was last handed out."""

    def __init__(self, day_start: Callable[[float], float]) -> None:
        self.day_start = day_start
        self.since = 0.0
        # Each agent's intervals not yet in its cache (the last two, or more until its figures
        # are next asked for): a day's worth per agent would hold 96 buckets of 30,000 agents.
        self.rows: dict[str, dict[int, Mapping[str, Any]]] = {}
        # Each agent's sum of its intervals older than the last two (final by then), and the
        # interval from which the last two start. (A clock set back by more than an interval
        # sums again only what is still held.)
        self.cache: dict[str, tuple[int, Sums]] = {}
        self.longest: dict[str, int] = {}
        self.nr_since: dict[str, float] = {}  # agents in not ready: since when
        self.shown: dict[str, Sums] = {}

    def load(self, rows: Iterable[tuple[str, int, dict[str, Any]]], now: float) -> None:
        """The day's stored rows (agent, interval start, figures)."""
        self.since = self.day_start(now)
        for agent_id, start, row in rows:
            self.put(agent_id, start, row)
        for agent_id in self.rows:  # each one's closed intervals summed once, and let go
            self.figures(agent_id, now)

    def put(self, agent_id: str, start: int, bucket: Mapping[str, Any]) -> None:
        if start >= self.since:
            self.rows.setdefault(agent_id, {})[start] = bucket

    def state(self, agent: AgentRow, since: float | None, now: float) -> None:
        """An agent's new state (its stints of not ready are timed)."""
        agent_id = agent.agent_id
        began = self.nr_since.get(agent_id)
        if agent.state == NOT_READY:
            if began is None:
                self.nr_since[agent_id] = since if since is not None else now
            return
        if began is not None:
            self._ended(agent_id, began, since if since is not None else now)

    def gone(self, agent_id: str, now: float) -> None:
        began = self.nr_since.get(agent_id)
        if began is not None:
            self._ended(agent_id, began, now)

    def _ended(self, agent_id: str, began: float, end: float) -> None:
        del self.nr_since[agent_id]
        if began >= self.since and end > began:
            length = round(end - began)
            if length > self.longest.get(agent_id, 0):
                self.longest[agent_id] = length

    def roll(self, now: float) -> None:
        """Time passed: a new reporting day starts from nothing."""
        since = self.day_start(now)
        if since != self.since:
            self.since = since
            self.rows.clear()
            self.cache.clear()
            self.longest.clear()

    def figures(self, agent_id: str, now: float) -> Sums:
        rows = self.rows.get(agent_id, {})
        recent = int(now // INTERVAL * INTERVAL) - INTERVAL
        cached = self.cache.get(agent_id)
        if cached is None or cached[0] > recent:  # summed afresh: the first time
            older: Sums = dict.fromkeys(SOURCES)
            for start, bucket in rows.items():
                if start < recent:
                    _add(older, bucket)
            cached = self.cache[agent_id] = (recent, older)
        elif cached[0] < recent:  # time went on: the intervals that became older are added
            older = dict(cached[1])
            for start in range(cached[0], recent, INTERVAL):
                closed = rows.get(start)
                if closed is not None:
                    _add(older, closed)
            cached = self.cache[agent_id] = (recent, older)
        if len(rows) > 2:  # the intervals summed into the cache are not needed again
            for start in [s for s in rows if s < recent]:
                del rows[start]
        total = dict(cached[1])
        for start in (recent, recent + INTERVAL):  # the last two intervals
            last = rows.get(start)
            if last is not None:
                _add(total, last)
        total["longest_not_ready_seconds"] = self.longest.get(agent_id)
        return total

    def changed(self, agent_ids: Iterable[str], now: float) -> dict[str, Sums]:
        out = {}
        for agent_id in agent_ids:
            figures = self.figures(agent_id, now)
            if figures != self.shown.get(agent_id):
                self.shown[agent_id] = out[agent_id] = figures
        return out

    def everyone(self, now: float) -> dict[str, Sums]:
        """Every agent's figures (a board built afresh)."""
        return {a: self.figures(a, now) for a in self.rows.keys() | self.longest.keys()}


def stored_agent_day(source_id: int, since: float) -> list[tuple[str, int, dict[str, Any]]]:
    """The source's agent interval rows from `since` on (one query)."""
    from datetime import UTC, datetime

    from wallboard.models import AgentInterval

    fields = tuple(SOURCES.values())
    rows = (
        AgentInterval.objects.filter(
            source_id=source_id, start__gte=datetime.fromtimestamp(since, UTC)
        )
        .order_by("start")
        .values_list("agent_id", "start", *fields)
    )  # (figures() counts on it)
    return [
        (agent_id, int(start.timestamp()), dict(zip(fields, figures, strict=True)))
        for agent_id, start, *figures in rows
    ]
