"""Each agent's figures of the reporting day: answered, talk, wrap-up and not-ready time (from
the 15-minute agent interval rows), and its longest not-ready stint (from its state changes).

At start a worker reads the day's stored agent rows (one query); after that each changed
agent's buckets are taken as the accounting books them, so a batch costs its changed agents
(an agent's intervals older than the last two are summed once per interval, the rest each
time). A figure the feed does not give (answered, where the agent report has no count) stays
null.

The longest not-ready stint counts the stints that ended while this process ran (a stint is
timed from the feed's own start of the state); it starts again at a restart.

Only the longest stints are kept for every source. The rest (each agent's buckets, sums and
figures last handed out: about 14 MB at 30,000 agents) is held once a board shows the source's
agents' figures of the day (a leaderboard), from when the first such board is built (`load`)
until the process stops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from integrations.base import NOT_READY, AgentRow

from .intervals import INTERVAL, AgentBucket

# The figures, and the interval row's field each comes from.
SOURCES = {
    "answered": "answered",
    "talk_seconds": "on_call_seconds",
    "wrap_seconds": "wrap_up_seconds",
    "not_ready_seconds": "not_ready_seconds",
}
FIGURES = (*SOURCES, "longest_not_ready_seconds")

Figures = dict[str, int | None]  # FIGURES by name: what is handed out
# Held per agent as tuples (a dict of them would be twice the size), in SOURCES order:
Sums = tuple[int | None, int | None, int | None, int | None]
Summed = tuple[int, int | None, int | None, int | None, int | None]  # (interval from, *Sums)
Shown = tuple[int | None, int | None, int | None, int | None, int | None]  # in FIGURES order
# An interval's figures: the accounting's bucket, as it books it, or a stored row's.
Bucket = AgentBucket | Mapping[str, Any]

NOTHING: Sums = (None, None, None, None)


def _plus(total: int | None, value: Any) -> int | None:
    if isinstance(value, int):
        return value if total is None else total + value
    return total  # a figure the row does not hold adds nothing (null stays null)


def _add(total: Sums, bucket: Bucket) -> Sums:
    answered: Any
    talk: Any
    wrap: Any
    not_ready: Any
    if isinstance(bucket, AgentBucket):
        answered, talk = bucket.answered, bucket.on_call_seconds
        wrap, not_ready = bucket.wrap_up_seconds, bucket.not_ready_seconds
    else:
        get = bucket.get
        answered, talk = get("answered"), get("on_call_seconds")
        wrap, not_ready = get("wrap_up_seconds"), get("not_ready_seconds")
    return (
        _plus(total[0], answered),
        _plus(total[1], talk),
        _plus(total[2], wrap),
        _plus(total[3], not_ready),
    )


def _recent(now: float) -> int:
    """The start of the interval before now's: the last two are summed each time."""
    return int(now // INTERVAL * INTERVAL) - INTERVAL


class AgentDays:
    """One source's agents: interval start -> bucket (the accounting's, as it books it) for
    the reporting day so far, the longest not-ready stints, and what was last handed out."""

    def __init__(self, day_start: Callable[[float], float]) -> None:
        self.day_start = day_start
        self.since = 0.0
        # Each agent's intervals not yet in its cache (the last two, or more until its figures
        # are next asked for): a day's worth per agent would hold 96 buckets of 30,000 agents.
        self.rows: dict[str, dict[int, Bucket]] = {}
        # Each agent's interval from which the last two start, and the sum of its intervals
        # older than that (final by then). (A clock set back by more than an interval sums
        # again only what is still held.)
        self.cache: dict[str, Summed] = {}
        self.longest: dict[str, int] = {}
        self.nr_since: dict[str, float] = {}  # agents in not ready: since when
        self.shown: dict[str, Shown] = {}  # the figures last handed out
        self.wanted = False  # a board shows the figures: rows, sums and shown are kept

    def load(
        self,
        rows: Iterable[tuple[str, int, Bucket]],
        now: float,
        held: Iterable[tuple[str, int, Bucket]] = (),
    ) -> None:
        """The day's stored rows (agent, interval start, figures), then the buckets the
        accounting holds (newer than a stored row of their interval): from now on the figures
        are kept (`wanted`)."""
        self.roll(now)
        self.wanted = True
        for agent_id, start, row in rows:
            self.put(agent_id, start, row)
        for agent_id, start, bucket in held:
            self.put(agent_id, start, bucket)
        recent = _recent(now)
        for agent_id in self.rows:  # each one's closed intervals summed once, and let go
            self._figures(agent_id, recent)

    def put(self, agent_id: str, start: int, bucket: Bucket) -> None:
        if start >= self.since and self.wanted:
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

    def figures(self, agent_id: str, now: float) -> Figures:
        return dict(zip(FIGURES, self._figures(agent_id, _recent(now)), strict=True))

    def _figures(self, agent_id: str, recent: int) -> Shown:
        """The figures when the last two intervals start at `recent` (one int for a batch's
        agents: 30,000 caches hold it)."""
        rows = self.rows.get(agent_id, {})
        cached = self.cache.get(agent_id)
        if cached is None or cached[0] > recent:  # summed afresh: the first time
            older = NOTHING
            for start, bucket in rows.items():
                if start < recent:
                    older = _add(older, bucket)
            cached = self.cache[agent_id] = (recent, *older)
        elif cached[0] < recent:  # time went on: the intervals that became older are added
            older = cached[1:]
            for start in range(cached[0], recent, INTERVAL):
                closed = rows.get(start)
                if closed is not None:
                    older = _add(older, closed)
            cached = self.cache[agent_id] = (recent, *older)
        if len(rows) > 2:  # the intervals summed into the cache are not needed again
            for start in [s for s in rows if s < recent]:
                del rows[start]
        total = cached[1:]
        for start in (recent, recent + INTERVAL):  # the last two intervals
            last = rows.get(start)
            if last is not None:
                total = _add(total, last)
        return (*total, self.longest.get(agent_id))

    def changed(self, agent_ids: Iterable[str], now: float) -> dict[str, Figures]:
        out: dict[str, Figures] = {}
        if not self.wanted:
            return out
        shown, recent = self.shown, _recent(now)
        for agent_id in agent_ids:
            figures = self._figures(agent_id, recent)
            if figures != shown.get(agent_id):
                shown[agent_id] = figures
                out[agent_id] = dict(zip(FIGURES, figures, strict=True))
        return out

    def everyone(self, now: float) -> dict[str, Figures]:
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
