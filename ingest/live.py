"""Live state of one source, in memory: each batch is diffed against the last.

apply() returns only what changed (new or changed rows, rows that left the report), so the
database and the boards see a few hundred rows per batch, not thirty thousand. No Django here,
so it is cheap to test and to benchmark.

A snapshot some of whose records could not be read (`Batch.unread`) marks nothing gone: a row
absent from it may be one of those. The agents it would have let go of are remembered, and the
next complete snapshot lets go of those it does not hand on (a decoder that hands on only
changed agents hands on every one it had let go of and sees again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from integrations.base import AgentRow, Batch, QueueRow
from wallboard.engine.records import LiveCall

QueueKey = tuple[str, str]  # (kind, number)

# A time-in-state that moved by no more than this is the same stint (feeds round to seconds,
# batches arrive with jitter); more means the agent left the state and came back in between.
SINCE_TOLERANCE = 3.0


@dataclass(slots=True)
class Changes:
    at: float = 0.0  # epoch seconds of the batch that produced them
    queues: dict[QueueKey, QueueRow] = field(default_factory=dict)
    agents: dict[str, AgentRow] = field(default_factory=dict)
    since: dict[str, float] = field(default_factory=dict)  # agent_id -> state_since epoch
    today: dict[QueueKey, dict[str, Any]] = field(default_factory=dict)
    gone_queues: set[QueueKey] = field(default_factory=set)
    gone_agents: set[str] = field(default_factory=set)
    # Agents' figures of the day, from the interval rows (ingest/agentdays.py): sent to the
    # displays with the batch, not written with it (the interval rows hold them).
    agent_today: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Calls that changed (the call ledger's, ingest/calls.py), for the boards only: the
    # ledger writes the calls itself, so merge() leaves them out.
    calls: dict[str, LiveCall] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(
            self.queues or self.agents or self.gone_queues or self.gone_agents or self.calls
        )

    def merge(self, later: Changes) -> None:
        """Fold a later batch's changes into these (the later state wins)."""
        self.at = later.at
        for key, row in later.queues.items():
            self.queues[key] = row
            self.gone_queues.discard(key)
        self.today.update(later.today)
        self.agent_today.update(later.agent_today)
        for agent_id, agent in later.agents.items():
            self.agents[agent_id] = agent
            self.since[agent_id] = later.since[agent_id]
            self.gone_agents.discard(agent_id)
        # A row that came and went before it was written is still written, and marked gone:
        # it was reported (the gone marks are applied after the rows).
        self.gone_queues.update(later.gone_queues)
        self.gone_agents.update(later.gone_agents)


class TodayCounters:
    """Today's offered/answered/abandoned of one queue, across the feed's interval resets.

    Avaya CMS counters restart at each CMS interval: when a counter drops, the interval ended
    and its last values are banked. At the site's day start the bank is emptied. Which comes
    first, CMS's reset or our clock's new day, varies by a few seconds; a reset seen shortly
    before the new day is taken as the new day's start, otherwise the new day counts from now.
    """

    __slots__ = ("base", "day", "last", "reset_at")

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        state = state or {}
        self.day: str = state.get("day", "")
        self.base: list[int] = list(state.get("base", [0, 0, 0]))
        self.last: list[int | None] = list(state.get("last", [None, None, None]))
        self.reset_at: float = float(state.get("reset_at", 0.0))

    def state(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "base": list(self.base),
            "last": list(self.last),
            "reset_at": self.reset_at,
        }

    def update(self, row: QueueRow, day: str, now: float) -> dict[str, Any]:
        # Straight-line over the three counters: this runs for every queue of every batch.
        o, a, b = _count(row.offered), _count(row.answered), _count(row.abandoned)
        if row.counters == "day":
            self.day, self.last = day, [o, a, b]
            return {"offered": o, "answered": a, "abandoned": b}
        last = self.last
        lo, la, lb = last
        if (
            (o is not None and lo is not None and o < lo)
            or (a is not None and la is not None and a < la)
            or (b is not None and lb is not None and b < lb)
        ):
            base = self.base
            for i, previous in enumerate(last):
                if previous is not None:
                    base[i] += previous
            self.reset_at = now
            reset = True
        else:
            reset = False
        if day != self.day:
            # The first sight of a queue counts what its current interval holds.
            fresh_reset = reset or not self.day or now - self.reset_at < 120
            self.base = [0, 0, 0] if fresh_reset else [-(o or 0), -(a or 0), -(b or 0)]
            self.day = day
        lo = o if o is not None else lo
        la = a if a is not None else la
        lb = b if b is not None else lb
        self.last = [lo, la, lb]
        base = self.base
        return {
            "offered": None if lo is None else base[0] + lo,
            "answered": None if la is None else base[1] + la,
            "abandoned": None if lb is None else base[2] + lb,
        }


def _count(value: object) -> int | None:
    return value if type(value) is int else None  # None, OVERFLOW and floats are no count


class LiveState:
    """Everything one source currently reports, and the diff of each new batch."""

    def __init__(
        self,
        missing_before_gone: int = 1,
        day_of: Callable[[float], str] | None = None,
    ) -> None:
        self.queues: dict[QueueKey, QueueRow] = {}
        self.agents: dict[str, AgentRow] = {}
        self.since: dict[str, float] = {}
        self.today: dict[QueueKey, dict[str, Any]] = {}
        self.counters: dict[QueueKey, TodayCounters] = {}
        self.missing: dict[QueueKey | str, int] = {}
        # Agents an incomplete snapshot did not show (its departures, or those it did not
        # list): the next complete one decides about them.
        self.doubtful: set[str] = set()
        self.missing_before_gone = max(1, missing_before_gone)
        self.day_of = day_of or (lambda now: "")

    def restore(
        self,
        queues: Iterable[tuple[QueueRow, dict[str, Any], dict[str, Any]]],
        agents: Iterable[tuple[AgentRow, float]],
    ) -> None:
        """Load what the database held (after a restart), so the first batch diffs properly
        and today's totals go on from where they were."""
        for row, today, counter_state in queues:
            key = (row.kind, row.number)
            self.queues[key] = row
            self.today[key] = today
            self.counters[key] = TodayCounters(counter_state)
        for agent, since in agents:
            self.agents[agent.agent_id] = agent
            self.since[agent.agent_id] = since

    def apply(self, batch: Batch, now: float) -> Changes:
        changes = Changes(at=now)
        day = self.day_of(now)
        queues = self.queues
        for row in batch.queues:
            key = (row.kind, row.number)
            old = queues.get(key)
            if row.counters is not None:
                counters = self.counters.get(key)
                if counters is None:
                    counters = self.counters[key] = TodayCounters()
                today = counters.update(row, day, now)
                old_today = self.today.get(key)
                if old_today is None:
                    self.today[key] = changes.today[key] = today
                elif any(old_today.get(k) != v for k, v in today.items()):
                    # (the interval sums that ingest adds, `day` and `h1`, are kept)
                    self.today[key] = changes.today[key] = {**old_today, **today}
            if old is None or old != row:
                queues[key] = changes.queues[key] = row
                if key not in changes.today and key in self.today:
                    changes.today[key] = self.today[key]
        agents, since = self.agents, self.since
        snapshot = batch.snapshot
        for agent in batch.agents:
            agent_id = agent.agent_id
            old_agent = agents.get(agent_id)
            seconds = agent.state_seconds
            # An event that is the state change (0 s) starts at `now` itself: no float made.
            reported = now if seconds == 0 else None if seconds is None else now - seconds
            if old_agent is agent:
                # The decoder handed back last batch's row: only its time in state moved.
                if (
                    not snapshot
                    or reported is None
                    or abs(reported - since[agent_id]) <= SINCE_TOLERANCE
                ):
                    continue
                changes.agents[agent_id] = agent  # left the state and came back meanwhile
                since[agent_id] = changes.since[agent_id] = reported
                continue
            if (
                old_agent is None
                or old_agent.state != agent.state
                or old_agent.reason_code != agent.reason_code
            ):
                started = reported if reported is not None else now
            else:
                started = since[agent_id]
                if snapshot and reported is not None and abs(reported - started) > SINCE_TOLERANCE:
                    started = reported  # left the state and came back between two batches
                elif (
                    not snapshot
                    and agent.state_seconds == 0
                    and reported is not None
                    and reported != started
                ):
                    # An event feed's row that *is* a state change (into the state it was in:
                    # a second call, the same reason again): a new stint, however soon.
                    started = reported
                elif (  # state and reason are equal already; the rest, cheapest first
                    old_agent.vendor_state == agent.vendor_state
                    and old_agent.extension == agent.extension
                    and old_agent.name == agent.name
                    and old_agent.skills == agent.skills
                    and old_agent.extra == agent.extra
                ):
                    agents[agent_id] = agent
                    continue
            agents[agent_id] = changes.agents[agent_id] = agent
            since[agent_id] = changes.since[agent_id] = started
        if batch.snapshot:
            self._mark_missing(batch, changes)
        return changes

    def _mark_missing(self, batch: Batch, changes: Changes) -> None:
        if batch.unread:
            self._incomplete(batch)
            return
        seen_queues = {(q.kind, q.number) for q in batch.queues}
        listed, departed = batch.listed, batch.departed
        if departed is not None:  # the decoder has told who left: no need to look
            if self.doubtful:  # not shown by the last, incomplete, snapshot, nor by this one
                departed = departed | (self.doubtful - {a.agent_id for a in batch.agents})
                self.doubtful = set()
            for agent_id in departed & self.agents.keys():
                self._drop_agent(agent_id, changes)
            return
        self.doubtful = set()  # this snapshot shows everyone: the rules below decide
        seen_agents = {a.agent_id for a in batch.agents} if listed is None else listed
        missing = self.missing
        # A report carries queues or agents; absence only counts for the kind it carries.
        if batch.queues or not (batch.agents or listed):
            kinds = {q.kind for q in batch.queues}
            for key in [k for k in self.queues if k not in seen_queues]:
                if kinds and key[0] not in kinds:
                    continue
                missing[key] = missing.get(key, 0) + 1
                if missing[key] >= self.missing_before_gone:
                    self._drop_queue(key, changes)
        if batch.agents or listed or not batch.queues:
            for agent_id in self.agents.keys() - seen_agents:  # set operations, in C
                missing[agent_id] = missing.get(agent_id, 0) + 1
                if missing[agent_id] >= self.missing_before_gone:
                    self._drop_agent(agent_id, changes)
        if missing:
            for back in missing.keys() & (seen_queues | seen_agents):  # a queue or an agent
                del missing[back]

    def _incomplete(self, batch: Batch) -> None:
        """A snapshot with records that could not be read: nothing is marked gone (the rows it
        has were applied); the agents it did not show are left to the next complete one."""
        listed, departed = batch.listed, batch.departed
        if departed is not None:
            self.doubtful |= departed & self.agents.keys()
        elif batch.agents or listed is not None:
            shown = {a.agent_id for a in batch.agents} if listed is None else listed
            self.doubtful |= self.agents.keys() - shown
        if self.missing:  # rows seen again are no longer missing
            seen: set[QueueKey | str] = {(q.kind, q.number) for q in batch.queues}
            seen.update(a.agent_id for a in batch.agents)
            for back in self.missing.keys() & seen:
                del self.missing[back]

    def _drop_queue(self, key: QueueKey, changes: Changes) -> None:
        del self.queues[key]
        self.missing.pop(key, None)
        changes.gone_queues.add(key)

    def _drop_agent(self, agent_id: str, changes: Changes) -> None:
        del self.agents[agent_id]
        self.since.pop(agent_id, None)
        self.missing.pop(agent_id, None)
        changes.gone_agents.add(agent_id)

    def retain(
        self,
        keep_queue: Callable[[QueueRow], bool],
        keep_agent: Callable[[AgentRow], bool],
        now: float,
    ) -> Changes:
        """Drop rows a narrowed range no longer admits (a supervisor edited the source)."""
        changes = Changes(at=now)
        for key, row in list(self.queues.items()):
            if not keep_queue(row):
                self._drop_queue(key, changes)
        for agent_id, agent in list(self.agents.items()):
            if not keep_agent(agent):
                self._drop_agent(agent_id, changes)
        return changes
