"""15-minute interval statistics, derived honestly from what each feed sends.

Queues: the feed's counters (offered, answered, abandoned; Avaya's per-interval counters or
Optimus's day counters) become deltas across their resets, booked to the interval in which they
were observed. Answered within service level, the sum of answer waits and of talk time are
derived where the feed sends the averages they come from (service level %, ASA, average talk);
what a feed cannot give (Mitel's group statistics carry no counters) stays null, never 0.

Agents: time in each state from the observed state changes (a change's start is the feed's own
time in state where it gives one), split at interval boundaries; not-ready time per reason
code. Time before this process first saw an agent is not invented.

Only intervals with activity get rows. No Django here; ingest.store writes the rows.
"""

from __future__ import annotations

from typing import Any

from integrations.base import (
    AVAILABLE,
    NOT_READY,
    ON_CALL,
    OTHER,
    OVERFLOW,
    RINGING,
    WRAP_UP,
    AgentRow,
    QueueRow,
)

from .live import Changes, QueueKey

INTERVAL = 900
STATE_FIELDS = {
    AVAILABLE: "available_seconds",
    RINGING: "ringing_seconds",
    ON_CALL: "on_call_seconds",
    WRAP_UP: "wrap_up_seconds",
    NOT_READY: "not_ready_seconds",
    OTHER: "other_seconds",
}
QUEUE_COUNTERS = (
    "offered",
    "answered",
    "abandoned",
    "answered_in_sl",
    "answer_wait_sum",
    "talk_sum",
)


def interval_start(t: float) -> int:
    return int(t // INTERVAL * INTERVAL)


def _n(value: Any) -> float | None:
    if value is None or value == OVERFLOW or isinstance(value, bool):
        return None
    return value if isinstance(value, int | float) else None


def queue_counters(row: QueueRow) -> tuple[float | None, ...]:
    """The cumulative figures of a queue row that deltas are taken of, in QUEUE_COUNTERS order."""
    offered, answered, abandoned = _n(row.offered), _n(row.answered), _n(row.abandoned)
    sl, asa = _n(row.service_level_pct), _n(row.asa_seconds)
    talk = _n(row.extra.get("avg_talk_seconds")) if row.extra else None
    in_sl = round(sl * offered / 100) if sl is not None and offered is not None else None
    wait_sum = round(asa * answered) if asa is not None and answered is not None else None
    talk_sum = round(talk * answered) if talk is not None and answered is not None else None
    return (offered, answered, abandoned, in_sl, wait_sum, talk_sum)


def empty_agent_bucket() -> dict[str, Any]:
    bucket: dict[str, Any] = dict.fromkeys(STATE_FIELDS.values(), 0)
    bucket["logged_in_seconds"] = 0
    bucket["not_ready_by_reason"] = {}
    bucket["answered"] = None
    return bucket


class IntervalAccounting:
    """One source's interval figures: open buckets in memory, dirty ones handed to storage."""

    def __init__(self, started_at: float) -> None:
        self.started_at = started_at
        self.queue_last: dict[QueueKey, tuple[float | None, ...]] = {}
        self.queue_buckets: dict[tuple[QueueKey, int], dict[str, Any]] = {}
        # agent_id -> (state, reason, accounted until)
        self.stints: dict[str, tuple[str, str, float]] = {}
        self.agent_answered: dict[str, float] = {}
        self.agent_buckets: dict[tuple[str, int], dict[str, Any]] = {}
        self.dirty_queues: set[tuple[QueueKey, int]] = set()
        self.dirty_agents: set[tuple[str, int]] = set()
        self.current = interval_start(started_at)

    # -- restoring after a restart ----------------------------------------------------
    def restore(
        self,
        queues: list[QueueRow],
        queue_buckets: dict[tuple[QueueKey, int], dict[str, Any]],
        agent_buckets: dict[tuple[str, int], dict[str, Any]],
    ) -> None:
        """The last counters seen, and the current interval's rows as stored, so a restart
        neither counts a counter twice nor overwrites what the interval already holds."""
        for row in queues:
            self.queue_last[(row.kind, row.number)] = queue_counters(row)
        self.queue_buckets.update(queue_buckets)
        self.agent_buckets.update(agent_buckets)

    # -- the per-batch path ------------------------------------------------------------
    def observe(self, changes: Changes, now: float) -> None:
        for key, row in changes.queues.items():
            self._queue(key, row, now)
        since = changes.since
        for agent_id, agent in changes.agents.items():
            self._agent(agent_id, agent, since[agent_id], now)
        for agent_id in changes.gone_agents:
            self._close(agent_id, now)
            self.stints.pop(agent_id, None)

    def _queue(self, key: QueueKey, row: QueueRow, now: float) -> None:
        if row.counters is None:
            return
        current = queue_counters(row)
        last = self.queue_last.get(key)
        self.queue_last[key] = tuple(
            c if c is not None else (last[i] if last else None) for i, c in enumerate(current)
        )
        if last is None and row.counters == "day":
            return  # a day counter first seen mid-day: its history is not this interval's
        deltas: list[float | None] = []
        for i, value in enumerate(current):
            previous = last[i] if last else None
            if value is None:
                deltas.append(None)
            elif previous is None:
                deltas.append(value if last is None else None)
            else:
                deltas.append(value - previous if value >= previous else value)  # a reset
        if not any(d for d in deltas if d):
            return
        bucket_key = (key, interval_start(now))
        bucket = self.queue_buckets.get(bucket_key)
        if bucket is None:
            bucket = self.queue_buckets[bucket_key] = dict.fromkeys(QUEUE_COUNTERS)
        for name, delta in zip(QUEUE_COUNTERS, deltas, strict=True):
            if delta is not None:
                bucket[name] = (bucket[name] or 0) + round(delta)
        self.dirty_queues.add(bucket_key)

    def _agent(self, agent_id: str, agent: AgentRow, since: float, now: float) -> None:
        stint = self.stints.get(agent_id)
        # Never into an interval already closed (and written): from the later of the feed's
        # own start of the state, this process's start, and the open interval's start.
        begun = min(max(since, self.started_at, self.current), now)
        if stint is None:
            self.stints[agent_id] = (agent.state, agent.reason_code, begun)
        elif (stint[0], stint[1]) != (agent.state, agent.reason_code):
            end = max(begun, stint[2])
            self._book(agent_id, stint[0], stint[1], stint[2], end)
            self.stints[agent_id] = (agent.state, agent.reason_code, end)
        answered = _n(agent.extra.get("answered")) if agent.extra else None
        if answered is not None:
            previous = self.agent_answered.get(agent_id)
            self.agent_answered[agent_id] = answered
            if previous is not None and answered != previous:
                delta = answered - previous if answered > previous else answered
                bucket_key = (agent_id, interval_start(now))
                bucket = self._agent_bucket(bucket_key)
                bucket["answered"] = (bucket["answered"] or 0) + round(delta)
                self.dirty_agents.add(bucket_key)

    def _close(self, agent_id: str, until: float) -> None:
        stint = self.stints.get(agent_id)
        if stint is not None and until > stint[2]:
            self._book(agent_id, stint[0], stint[1], stint[2], until)
            self.stints[agent_id] = (stint[0], stint[1], until)

    def _agent_bucket(self, key: tuple[str, int]) -> dict[str, Any]:
        bucket = self.agent_buckets.get(key)
        if bucket is None:
            bucket = self.agent_buckets[key] = empty_agent_bucket()
        return bucket

    def _book(self, agent_id: str, state: str, reason: str, start: float, end: float) -> None:
        """Add [start, end) in `state` to the agent's buckets, split at interval boundaries."""
        field = STATE_FIELDS.get(state)
        if field is None or end <= start:
            return  # logged out / unknown: not logged-in time, nothing to book
        t = start
        while t < end:
            boundary = interval_start(t) + INTERVAL
            piece = min(end, boundary) - t
            key = (agent_id, interval_start(t))
            bucket = self._agent_bucket(key)
            bucket[field] += piece
            bucket["logged_in_seconds"] += piece
            if state == NOT_READY:
                reasons = bucket["not_ready_by_reason"]
                reasons[reason] = reasons.get(reason, 0) + piece
            self.dirty_agents.add(key)
            t = min(end, boundary)

    # -- time passing ------------------------------------------------------------------
    def tick(self, now: float) -> bool:
        """At an interval boundary, book every open stint up to it. True when one passed."""
        start = interval_start(now)
        if start == self.current:
            return False
        for agent_id in self.stints:
            self._close(agent_id, start)
        self.current = start
        return True

    def close_all(self, now: float) -> None:
        """Book every open stint up to now (before stopping)."""
        for agent_id in self.stints:
            self._close(agent_id, now)

    def take_dirty(
        self,
    ) -> tuple[list[tuple[QueueKey, int, dict[str, Any]]], list[tuple[str, int, dict[str, Any]]]]:
        """The buckets changed since the last call, as rows to upsert (whole values); closed
        intervals are then dropped from memory."""
        queues = [
            (key, start, dict(self.queue_buckets[(key, start)])) for key, start in self.dirty_queues
        ]
        agents = [
            (agent_id, start, _rounded(self.agent_buckets[(agent_id, start)]))
            for agent_id, start in self.dirty_agents
        ]
        self.dirty_queues.clear()
        self.dirty_agents.clear()
        for key in [k for k in self.queue_buckets if k[1] < self.current]:
            del self.queue_buckets[key]
        for agent_key in [k for k in self.agent_buckets if k[1] < self.current]:
            del self.agent_buckets[agent_key]
        return queues, agents

    def requeue(
        self,
        queues: list[tuple[QueueKey, int, dict[str, Any]]],
        agents: list[tuple[str, int, dict[str, Any]]],
    ) -> None:
        """Rows that could not be written: mark them dirty again (values are still held)."""
        for key, start, row in queues:
            self.queue_buckets.setdefault((key, start), row)
            self.dirty_queues.add((key, start))
        for agent_id, start, row in agents:
            self.agent_buckets.setdefault((agent_id, start), row)
            self.dirty_agents.add((agent_id, start))


def _rounded(bucket: dict[str, Any]) -> dict[str, Any]:
    row = {k: (round(v) if isinstance(v, float) else v) for k, v in bucket.items()}
    row["not_ready_by_reason"] = {k: round(v) for k, v in bucket["not_ready_by_reason"].items()}
    return row
