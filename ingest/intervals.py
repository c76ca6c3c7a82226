"""15-minute interval statistics, derived honestly from what each feed sends.

Queues: the feed's counters (offered, answered, abandoned; Avaya's per-interval counters or
Optimus's day counters) become deltas across their resets, booked to the interval in which they
were observed. Answered within service level, the sum of answer waits and of talk time are
derived where the feed sends the averages they come from (service level %, ASA, average talk);
what a feed cannot give (Mitel's group statistics carry no counters) stays null, never 0.
- A reset is a fall of one of the feed's own counters (offered, answered, abandoned): all of
  the row's figures then start again from zero. A derived figure is a rounded average or
  percentage times a count, so it can dip while nothing was reset (79% of 151 is less than
  80% of 150): it is booked by how far it rises above the highest value it had since the
  reset, and a dip books nothing.
- Every row holds answered_in_sl <= answered <= offered, whatever a feed sends: what would
  break it (more answered than offered in the interval, a derived figure rounded above its
  bound) is held back and booked in a later interval as soon as the bound allows. Held answered
  calls wait across the feed's resets (they were counted by the feed); a held answered-in-SL
  figure is dropped at a reset (it is rounding, or a feed out of step with itself).

Agents: time in each state from the observed state changes (a change's start is the feed's own
time in state where it gives one), split at interval boundaries, in whole seconds; not-ready
time per reason code. Time before this process first saw an agent is not invented, and an
agent's time is never booked twice: each agent has a mark, the instant up to which its time is
accounted, and no booking starts before it (an agent who leaves the report and comes back with
a time in state from before it left goes on from the mark). Open stints are booked at each
state change, at each interval boundary and when ingest stops.

Restarts: each row written carries ingest's bookkeeping (`accounting`): for an agent its mark
and the state it was in from then on, for a queue the counters booked so far and what is held
back, written in the same statement as the figures. A restart (graceful or a crash) restores
the open interval's rows and goes on from those marks, so it neither books anything twice nor
loses what the stored rows and live rows can tell:
- an agent whose live row is newer than its mark (it changed state after the last interval
  write) gets the stored state booked up to the change, and the new state from then;
- an open stint restored from the database is booked again only once the feed has spoken
  after the restart (a batch came, and did not change or drop the agent); time the restart
  spends across an interval boundary before that is not booked;
- a queue goes on from the counters its last stored row was booked to, not the live row's.

Calls: an event feed's calls are counted by the call ledger (ingest/calls.py), exactly, into
the same queue buckets (book_calls); there a call offered in one interval and answered in the
next counts its offer in the first and its answer in the second, so an interval may hold more
answers than offers. A feed that sends call events should not also send the queue's counters.

A statistics feed (a database's quarter-hour tables) sends each interval's figures itself
(IntervalRow): they are stored as sent (take_feed), replacing what was booked there, and from
then on this accounting books nothing for that source's queues of that kind (or, for agent
rows, its agents): the feed's rows are the truth and would otherwise be counted twice.

Only intervals with activity get rows (a logged-in agent's row appears when its stint begins).
No Django here; ingest.store writes the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
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
    IntervalRow,
    QueueRow,
)
from wallboard.engine.kpis import ASA_FALLBACK

from .live import SINCE_TOLERANCE, Changes, QueueKey

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
FEED_COUNTERS = 3  # the first three of QUEUE_COUNTERS are the feed's own; the rest derived

QueueRows = list[tuple[QueueKey, int, dict[str, Any]]]
AgentRows = list[tuple[str, int, dict[str, Any]]]


def interval_start(t: float) -> int:
    return int(t // INTERVAL * INTERVAL)


def _n(value: Any) -> float | None:
    if type(value) is int or type(value) is float:  # (nearly every figure: the rest as below)
        return value
    if value is None or value == OVERFLOW or isinstance(value, bool):
        return None
    return value if isinstance(value, int | float) else None


def queue_counters(row: QueueRow) -> tuple[float | None, ...]:
    """The cumulative figures of a queue row that deltas are taken of, in QUEUE_COUNTERS order."""
    offered, answered, abandoned = _n(row.offered), _n(row.answered), _n(row.abandoned)
    sl, asa = _n(row.service_level_pct), _n(row.asa_seconds)
    if asa is None and row.extra:  # a feed's average wait before answer (Optimus) as ASA
        asa = _n(row.extra.get(ASA_FALLBACK))
    talk = _n(row.extra.get("avg_talk_seconds")) if row.extra else None
    in_sl = round(sl * offered / 100) if sl is not None and offered is not None else None
    wait_sum = round(asa * answered) if asa is not None and answered is not None else None
    talk_sum = round(talk * answered) if talk is not None and answered is not None else None
    return (offered, answered, abandoned, in_sl, wait_sum, talk_sum)


AGENT_SECONDS = ("logged_in_seconds", *STATE_FIELDS.values())
AGENT_FIGURES = (*AGENT_SECONDS, "answered")  # what a statistics feed's agent row may set


class AgentBucket:
    """An agent's figures of one interval as booked so far: whole seconds logged in and in
    each state, not-ready seconds per reason code (None until there are any), answered calls
    (None where the feed gives no count: unknown, never 0) and, for a statistics feed's own
    row, what else it sent. A row dict is made of it only where a row is written (as_row):
    30,000 agents' buckets are held, each 112 bytes where a dict of the row's figures was 272
    and its empty dict of reasons 64 more."""

    __slots__ = (*AGENT_SECONDS, "not_ready_by_reason", "answered", "extra")

    def __init__(self) -> None:
        self.logged_in_seconds = self.available_seconds = self.ringing_seconds = 0
        self.on_call_seconds = self.wrap_up_seconds = self.not_ready_seconds = 0
        self.other_seconds = 0
        self.not_ready_by_reason: dict[str, int] | None = None
        self.answered: int | None = None
        self.extra: dict[str, Any] | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> AgentBucket:
        """A bucket of a row's figures (a stored row, or one that could not be written)."""
        bucket = cls()
        for name in AGENT_SECONDS:
            setattr(bucket, name, row[name])
        bucket.not_ready_by_reason = dict(row["not_ready_by_reason"]) or None
        bucket.answered = row["answered"]
        if "extra" in row:
            bucket.extra = row["extra"]
        return bucket

    def as_row(self, accounting: dict[str, Any]) -> dict[str, Any]:
        """The figures as a row to write (a copy: booking goes on while it is written), with
        the bookkeeping to restart from."""
        row: dict[str, Any] = dict(zip(AGENT_SECONDS, _seconds_of(self), strict=True))
        reasons = self.not_ready_by_reason
        row["not_ready_by_reason"] = {} if reasons is None else reasons.copy()
        row["answered"] = self.answered
        if self.extra is not None:
            row["extra"] = self.extra
        row["accounting"] = accounting
        return row


_seconds_of: Callable[[AgentBucket], tuple[int, ...]] = attrgetter(*AGENT_SECONDS)


@dataclass(slots=True)
class StoredIntervals:
    """What the database holds of a source's intervals, for a restart to go on from."""

    # The open interval's rows (agent rows as row dicts: restore makes them AgentBuckets).
    queue_buckets: dict[tuple[QueueKey, int], dict[str, Any]] = field(default_factory=dict)
    agent_buckets: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    # The accounting of each queue's latest row, and of each agent's of this and the last
    # interval; {} for a row written before rows carried one.
    queue_marks: dict[QueueKey, dict[str, Any]] = field(default_factory=dict)
    agent_marks: dict[str, dict[str, Any]] = field(default_factory=dict)


class IntervalAccounting:
    """One source's interval figures: open buckets in memory, dirty ones handed to storage."""

    def __init__(self, started_at: float) -> None:
        self.started_at = started_at
        # The feed's counters as accounted: its own as last seen, the derived ones the highest
        # since its last reset.
        self.queue_last: dict[QueueKey, tuple[float | None, ...]] = {}
        self.queue_held: dict[QueueKey, list[int]] = {}  # [answered, answered_in_sl] held back
        self.queue_buckets: dict[tuple[QueueKey, int], dict[str, Any]] = {}
        # agent_id -> (state, reason, accounted until): the open stint
        self.stints: dict[str, tuple[str, str, float]] = {}
        # agent_id -> whole second up to which its time is accounted (kept after it leaves)
        self.marks: dict[str, int] = {}
        # Stints restored from the database, not yet confirmed by the feed (see heard()).
        self.provisional: set[str] = set()
        self.agent_answered: dict[str, float] = {}
        self.agent_buckets: dict[tuple[str, int], AgentBucket] = {}
        self.dirty_queues: set[tuple[QueueKey, int]] = set()
        self.dirty_agents: set[tuple[str, int]] = set()
        self.current = interval_start(started_at)
        self._kept_from = self.current  # no bucket before this interval is kept in memory
        self._requeued = False
        # What a statistics feed sends its own interval rows for (take_feed): not booked here.
        self.fed_queue_kinds: set[str] = set()
        self.fed_agents = False

    # -- restoring after a restart ----------------------------------------------------
    def restore(
        self,
        queues: list[QueueRow],
        agents: list[tuple[AgentRow, float]],
        stored: StoredIntervals,
    ) -> None:
        """Go on from the database: the open interval's rows as stored, each queue's counters
        as booked, each agent's open stint from its mark (see the module's docstring), so a
        restart neither counts anything twice nor overwrites what the interval already holds.
        `queues` and `agents` are the live rows (agents with their state's start)."""
        self.queue_buckets.update(stored.queue_buckets)
        for agent_key, figures in stored.agent_buckets.items():
            self.agent_buckets[agent_key] = AgentBucket.from_row(figures)
        for key, mark in stored.queue_marks.items():  # gone queues too: they may come back
            if mark.get("feed"):  # a statistics feed's own rows: still not booked here
                self.fed_queue_kinds.add(key[0])
            if len(mark.get("last") or ()) == len(QUEUE_COUNTERS):
                self.queue_last[key] = tuple(mark["last"])
                self.queue_held[key] = [int(n) for n in mark.get("held", (0, 0))]
        for row in queues:
            key = (row.kind, row.number)
            if key not in self.queue_last and key in stored.queue_marks:
                # Rows from before rows carried their counters: the live row, as seen then.
                self.queue_last[key] = queue_counters(row)
            # No row at all: nothing of it was booked (a process that saw it died before its
            # first write), so its next batch counts as the first sight of it.
        for agent_id, mark in stored.agent_marks.items():
            if mark.get("feed"):
                self.fed_agents = True
            if mark.get("until") is not None:
                self.marks[agent_id] = int(mark["until"])
            if mark.get("answered") is not None:
                self.agent_answered[agent_id] = mark["answered"]
        for agent, since in agents:
            self._restore_stint(agent, since, stored.agent_marks.get(agent.agent_id))

    def _restore_stint(self, agent: AgentRow, since: float, mark: dict[str, Any] | None) -> None:
        agent_id, state, reason = agent.agent_id, agent.state, agent.reason_code
        if mark is None:  # no row in this interval or the last: nothing of it booked here yet
            start = since
        elif mark.get("until") is None:  # a row from before marks: booked up to some instant
            start = max(since, self.started_at)
        else:
            until = float(mark["until"])
            stored = (mark.get("state") or "", mark.get("reason") or "")
            if stored == (state, reason):
                start = until if since <= until + SINCE_TOLERANCE else since
            elif since >= until or not stored[0]:
                # The live row is newer: the stored stint went on until this state began.
                self._book(agent_id, stored[0], stored[1], until, since)
                start = since
            else:  # the stored stint is newer than the live row
                state, reason, start = stored[0], stored[1], until
            start = max(start, until)
        self.stints[agent_id] = (state, reason, max(start, self.current))
        self.provisional.add(agent_id)

    def heard(self, at: float | None) -> None:
        """The feed has sent a batch at `at`: once one came after the restore (and has been
        observed), the restored stints it neither changed nor dropped stand confirmed."""
        if self.provisional and at is not None and at >= self.started_at:
            self.provisional.clear()

    # -- the per-batch path ------------------------------------------------------------
    def observe(self, changes: Changes, now: float, queues: bool = True) -> None:
        """Book a batch's changes; `queues=False` when its queues were booked already, before
        its publish (observe_queues: the day's figures go out with it)."""
        if queues:
            self.observe_queues(changes, now)
        since = changes.since
        for agent_id, agent in changes.agents.items():
            self._agent(agent_id, agent, since[agent_id], now)
        for agent_id in changes.gone_agents:
            if agent_id in self.provisional:  # gone before the feed confirmed it: since when?
                self.provisional.discard(agent_id)
            else:
                self._close(agent_id, now)
            self.stints.pop(agent_id, None)

    def observe_queues(self, changes: Changes, now: float) -> list[QueueKey]:
        """Book a batch's queue changes (cheap: a batch's changed queues); the queues whose
        bucket took something."""
        queue = self._queue
        return [key for key, row in changes.queues.items() if queue(key, row, now)]

    def _queue(self, key: QueueKey, row: QueueRow, now: float) -> bool:
        if row.counters is None or key[0] in self.fed_queue_kinds:
            return False
        current = queue_counters(row)
        last = self.queue_last.get(key)
        if current == last:  # (most rows, most batches: a waiting call's wait moved, no count)
            return False
        if last is None:
            if row.counters == "day":  # first seen mid-day: its history is not this interval's
                self.queue_last[key] = current
                return False
            # The first sight of a feed interval's counters: they hold what it counted so far.
            deltas: list[float | None] = list(current)
            self.queue_last[key] = tuple(0 if c is None else c for c in current)
        elif any(
            c is not None and p is not None and c < p
            for c, p in zip(current[:FEED_COUNTERS], last[:FEED_COUNTERS], strict=True)
        ):  # the feed's counters restarted (its interval, its day): all figures from zero
            deltas = list(current)
            self.queue_last[key] = tuple(0 if c is None else c for c in current)
            held = self.queue_held.get(key)
            if held:
                held[1] = 0
        else:
            deltas, accounted = [], []
            for i, (value, previous) in enumerate(zip(current, last, strict=True)):
                if value is None:
                    deltas.append(None)
                    accounted.append(previous)
                elif previous is None:  # not sent until now: counted since when is unknown
                    deltas.append(None)
                    accounted.append(value)
                elif i < FEED_COUNTERS:
                    deltas.append(value - previous)
                    accounted.append(value)
                else:  # derived: a dip is rounding, only a rise above the highest counts
                    deltas.append(max(0, value - previous))
                    accounted.append(max(value, previous))
            self.queue_last[key] = tuple(accounted)
        if not any(deltas):  # (what is held back needs room that only new counts make)
            return False
        bucket_key = (key, interval_start(now))
        bucket = self.queue_buckets.get(bucket_key)
        if bucket is None:
            bucket = self.queue_buckets[bucket_key] = dict.fromkeys(QUEUE_COUNTERS)
        held = self.queue_held.get(key)
        if held is None:
            held = self.queue_held[key] = [0, 0]
        offered, answered, abandoned, in_sl, wait_sum, talk_sum = (
            None if d is None else round(d) for d in deltas
        )
        _add(bucket, "offered", offered)
        # The bounds: none where the feed sends no offered figure; 0 until this interval has one.
        bound = bucket["offered"]
        if bound is None and self.queue_last[key][0] is not None:
            bound = 0
        held[0] = _add_within(bucket, "answered", answered, held[0], bound)
        if bucket["answered"] is not None:
            bound = bucket["answered"]
        held[1] = _add_within(bucket, "answered_in_sl", in_sl, held[1], bound)
        _add(bucket, "abandoned", abandoned)
        _add(bucket, "answer_wait_sum", wait_sum)
        _add(bucket, "talk_sum", talk_sum)
        self.dirty_queues.add(bucket_key)
        return True

    def book_calls(self, key: QueueKey, at: float, figures: dict[str, float]) -> int:
        """Add a call's figures (the call ledger's, exact: ingest/calls.py) to a queue's
        interval: the one `at` falls in, or the open one for a step older than it (a closed
        interval is written and never booked into again). The interval's start."""
        start = interval_start(max(at, self.current))
        if key[0] in self.fed_queue_kinds:  # the feed's own rows count this queue
            return start
        bucket_key = (key, start)
        bucket = self.queue_buckets.get(bucket_key)
        if bucket is None:
            bucket = self.queue_buckets[bucket_key] = dict.fromkeys(QUEUE_COUNTERS)
        for name, value in figures.items():
            bucket[name] = (bucket[name] or 0) + round(value)
        self.dirty_queues.add(bucket_key)
        return start

    def _agent(self, agent_id: str, agent: AgentRow, since: float, now: float) -> None:
        # Straight-line code: this runs for every changed agent of every batch.
        if self.fed_agents:  # the feed's own agent rows hold their time
            return
        if self.provisional:
            self.provisional.discard(agent_id)  # the feed has spoken of it since the restore
        # Never into an interval already closed (and written), never before the agent's mark:
        # from the later of the feed's own start of the state, the open stint's end (else this
        # process's start and the agent's mark) and the open interval's start; not after now.
        stint = self.stints.get(agent_id)
        if stint is None:
            floor = max(self.started_at, self.marks.get(agent_id, 0), self.current)
            self._open(agent_id, agent.state, agent.reason_code, min(max(since, floor), now))
        elif stint[0] != agent.state or stint[1] != agent.reason_code:
            floor = max(stint[2], self.current)
            end = max(min(max(since, floor), now), stint[2])
            self._book(agent_id, stint[0], stint[1], stint[2], end)
            self._open(agent_id, agent.state, agent.reason_code, end)
        answered = _n(agent.extra.get("answered")) if agent.extra else None
        if answered is not None:
            previous = self.agent_answered.get(agent_id)
            self.agent_answered[agent_id] = answered
            if previous is not None and answered != previous:
                delta = answered - previous if answered > previous else answered
                bucket_key = (agent_id, interval_start(now))
                bucket = self._agent_bucket(bucket_key)
                bucket.answered = (bucket.answered or 0) + round(delta)
                self.dirty_agents.add(bucket_key)

    def _open(self, agent_id: str, state: str, reason: str, at: float) -> None:
        """A new stint. One that books time has its start in the next interval write (a row
        with the agent's mark), so a crash before its first booking does not lose it."""
        self.stints[agent_id] = (state, reason, at)
        if state in STATE_FIELDS:
            key = (agent_id, interval_start(max(at, self.current)))
            self._agent_bucket(key)
            self.dirty_agents.add(key)

    def _close(self, agent_id: str, until: float) -> None:
        if self.fed_agents:
            return
        stint = self.stints.get(agent_id)
        if stint is not None and until > stint[2] and agent_id not in self.provisional:
            self._book(agent_id, stint[0], stint[1], stint[2], until)
            self.stints[agent_id] = (stint[0], stint[1], until)

    def _agent_bucket(self, key: tuple[str, int]) -> AgentBucket:
        bucket = self.agent_buckets.get(key)
        if bucket is None:
            bucket = self.agent_buckets[key] = AgentBucket()
        return bucket

    def _book(self, agent_id: str, state: str, reason: str, start: float, end: float) -> None:
        """Add [start, end) in `state` to the agent's buckets, in whole seconds split at
        interval boundaries; never before the agent's mark nor the open interval."""
        t = max(round(start), self.marks.get(agent_id, 0), self.current)
        stop = round(end)
        if stop <= t:
            return
        self.marks[agent_id] = stop  # accounted, booked or (logged out) not
        field = STATE_FIELDS.get(state)
        if field is None:
            return  # logged out / unknown: not logged-in time, nothing to book
        while t < stop:
            boundary = interval_start(t) + INTERVAL
            piece = min(stop, boundary) - t
            key = (agent_id, interval_start(t))
            bucket = self._agent_bucket(key)
            setattr(bucket, field, getattr(bucket, field) + piece)
            bucket.logged_in_seconds += piece
            if state == NOT_READY:
                reasons = bucket.not_ready_by_reason
                if reasons is None:
                    bucket.not_ready_by_reason = {reason: piece}
                else:
                    reasons[reason] = reasons.get(reason, 0) + piece
            self.dirty_agents.add(key)
            t = min(stop, boundary)

    # -- time passing ------------------------------------------------------------------
    # -- a statistics feed's own rows ----------------------------------------------------
    def take_feed(self, row: IntervalRow, target_seconds: float | None) -> tuple[Any, int]:
        """Store an interval row as the feed sent it (replacing whatever was booked there);
        its key (a queue key or an agent ID) and start. A queue's answered within service
        level, unless sent, comes from the row's answer-wait histogram at the queue's target."""
        start = interval_start(row.start)
        if row.kind == "agent":
            self.fed_agents = True
            agent = AgentBucket()
            for name, value in row.figures.items():
                number = _n(value)
                if name in AGENT_FIGURES and number is not None:
                    setattr(agent, name, round(number))
            agent.not_ready_by_reason = dict(row.extra.get("not_ready_by_reason") or {}) or None
            agent.extra = {k: v for k, v in row.extra.items() if k != "not_ready_by_reason"}
            self.agent_buckets[(row.number, start)] = agent
            self.dirty_agents.add((row.number, start))
            return row.number, start
        self.fed_queue_kinds.add(row.kind)
        bucket: dict[str, Any] = {}
        for name in (*QUEUE_COUNTERS, "answer_wait_max"):
            number = _n(row.figures.get(name))
            bucket[name] = None if number is None else round(number)
        waits = row.extra.get("answer_wait_histogram")
        if bucket["answered_in_sl"] is None and waits is not None and target_seconds is not None:
            bucket["answered_in_sl"] = answered_within(waits, target_seconds)
        bucket["extra"] = dict(row.extra)
        key = (row.kind, row.number)
        self.queue_buckets[(key, start)] = bucket
        self.dirty_queues.add((key, start))
        return key, start

    def tick(self, now: float) -> bool:
        """At an interval boundary, book every open stint up to it. True when one passed."""
        start = interval_start(now)
        if start == self.current:
            return False
        for agent_id, stint in self.stints.items():
            if agent_id in self.provisional:  # unconfirmed: the closing interval does without
                if stint[2] < start:
                    self.stints[agent_id] = (stint[0], stint[1], start)
            else:
                self._close(agent_id, start)
        self.current = start
        return True

    def close_all(self, now: float) -> None:
        """Book every open stint up to now (before stopping)."""
        for agent_id in self.stints:
            self._close(agent_id, now)

    def _queue_mark(self, key: QueueKey) -> dict[str, Any]:
        if key[0] in self.fed_queue_kinds:  # the feed's own row: a restart books none either
            return {"feed": True}
        if key not in self.queue_last:  # booked from calls only: no feed counters to go on from
            return {}
        return {"last": list(self.queue_last[key]), "held": list(self.queue_held.get(key, (0, 0)))}

    def _agent_mark(self, agent_id: str) -> dict[str, Any]:
        if self.fed_agents:
            return {"feed": True}
        stint = self.stints.get(agent_id)
        if stint is not None:
            until: float | None = max(stint[2], self.marks.get(agent_id, 0))
            state, reason = stint[0], stint[1]
        else:
            until, state, reason = self.marks.get(agent_id), "", ""
        return {
            "until": None if until is None else round(until),
            "state": state,
            "reason": reason,
            "answered": self.agent_answered.get(agent_id),
        }

    def take_dirty(self) -> tuple[QueueRows, AgentRows]:
        """The buckets changed since the last call, as rows to upsert (whole values, with the
        bookkeeping to restart from: `accounting`); closed intervals are then dropped from
        memory."""
        requeued, self._requeued = self._requeued, False
        mark = self._agent_mark
        queues = [
            (key, start, {**self.queue_buckets[(key, start)], "accounting": self._queue_mark(key)})
            for key, start in self.dirty_queues
        ]
        agents = [
            (agent_id, start, self.agent_buckets[(agent_id, start)].as_row(mark(agent_id)))
            for agent_id, start in self.dirty_agents
        ]
        self.dirty_queues.clear()
        self.dirty_agents.clear()
        if self._kept_from != self.current or requeued:  # once per interval, not per batch
            for key in [k for k in self.queue_buckets if k[1] < self.current]:
                del self.queue_buckets[key]
            for agent_key in [k for k in self.agent_buckets if k[1] < self.current]:
                del self.agent_buckets[agent_key]
            self._kept_from = self.current
        return queues, agents

    def requeue(self, queues: QueueRows, agents: AgentRows) -> None:
        """Rows that could not be written: mark them dirty again (values are still held; the
        bookkeeping is taken afresh with the next write)."""
        self._requeued = True
        for key, start, row in queues:
            self.queue_buckets.setdefault((key, start), _figures(row))
            self.dirty_queues.add((key, start))
        for agent_id, start, row in agents:
            if (agent_id, start) not in self.agent_buckets:
                self.agent_buckets[(agent_id, start)] = AgentBucket.from_row(row)
            self.dirty_agents.add((agent_id, start))


def answered_within(histogram: list[list[int]], target_seconds: float) -> int:
    """Calls answered within the target from a histogram of [up to seconds, calls]: a
    bucket counts only if all of it is within (a two-second bucket that straddles an odd
    target is left out: the figure is never more than the truth)."""
    return sum(int(calls) for upper, calls in histogram if upper <= target_seconds)


def _add(bucket: dict[str, Any], name: str, delta: int | None) -> None:
    if delta is not None:
        bucket[name] = (bucket[name] or 0) + delta


def _add_within(
    bucket: dict[str, Any], name: str, delta: int | None, held: int, bound: int | None
) -> int:
    """Add delta and what was held back of the figure, as far as `bound` allows in this
    bucket; returns what is held back now."""
    if delta is None and not held:
        return held
    wanted = (delta or 0) + held
    have = bucket[name] or 0
    booked = wanted if bound is None else max(0, min(wanted, bound - have))
    bucket[name] = have + booked
    return wanted - booked


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "accounting"}
