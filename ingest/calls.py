"""The call ledger: the calls an event feed reports, kept in memory while they are open.

A feed hands ingest each step of a call (integrations.base.CallEvent); CallLedger.apply() folds
the steps into the open calls it holds (keyed by call ID within one source) and their segments
(a delivery to an agent or extension; a transfer starts a new one at the target), and says
which calls changed. No Django here: ingest/store.py writes the changed calls in bulk, once per
persist cycle, and ingest/worker.py hands the changes to the boards.

Counting (the 15-minute queue intervals, exact rather than derived from a feed's averages):
- A call counts in the queue it was first offered or queued to (its queue, else its VDN), and
  only if the ledger saw that step: a call first seen already answered (ingest started mid-call)
  counts nowhere, so no interval ever holds an answer without its offer.
- offered at that step; answered, the wait (queued, else offered, to the first answer) and
  whether it was within the queue's service-level target at the first answer; abandoned, or the
  talk time (answered to end, less hold, over every segment), at the end.
- Each figure is booked once, at the step that decides it, into the interval that step falls in
  (never a closed one: a late step books into the open interval), and the call records it in
  `counted`, written with the call and the interval rows in one transaction: a restart (which
  loads the open calls back) or a replayed step cannot book it again.
- A step older than the call's latest step is a replay (after a reconnect, a restart) and
  changes nothing; nor does a step that repeats what the call already says (an ANSWERED for an
  answered segment, a HELD while held, an ENDED for an ended call, a transfer already made).

Outcomes: answered (answered at least once); abandoned (never answered, ended by the caller or
by nobody the feed named, after it was offered); failed (a FAILED step, or never answered and
ended by the agent's side or the system). Orphans: a call with no step for ORPHAN_CALL_MINUTES is
closed at its last step's time and marked orphaned; its outcome is "answered" if it was, else
"" (unknown); an orphan is never counted as abandoned, nor its talk time booked (its end is a
guess).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from integrations.base import (
    CALL_ANSWERED,
    CALL_CONFERENCED,
    CALL_DIVERTED,
    CALL_ENDED,
    CALL_FAILED,
    CALL_HELD,
    CALL_OFFERED,
    CALL_QUEUED,
    CALL_RETRIEVED,
    CALL_RINGING,
    CALL_TRANSFERRED,
    CallEvent,
)
from wallboard.engine.records import LiveCall

QueueKey = tuple[str, str]

QUEUED = "queued"
RINGING = "ringing"
ACTIVE = "active"
HELD = "held"
ENDED = "ended"
WAITING_STATES = frozenset((QUEUED, RINGING))

# Ended calls remembered (ID -> end time) so that a step replayed after a reconnect does not
# open a new call under an ID that has just ended.
REMEMBER_ENDED = 20_000
RECENT_ABANDONED = 200  # kept for the boards' recent-abandoned tiles

# Booking: (queue, when, figures) into the interval accounting.
Book = Callable[[QueueKey, float, dict[str, float]], object]


@dataclass(slots=True)
class Segment:
    seq: int
    started_at: float
    agent_id: str = ""
    extension: str = ""
    queue_kind: str = ""
    queue_number: str = ""
    answered_at: float | None = None
    ended_at: float | None = None
    hold_seconds: float = 0.0
    held_since: float | None = None
    how_ended: str = ""  # "ended", "transferred", "diverted"; "" while open
    target: str = ""

    def talk(self, end: float) -> float:
        if self.answered_at is None:
            return 0.0
        return max(0.0, end - self.answered_at - self.hold_seconds)


@dataclass(slots=True)
class LedgerCall:
    call_id: str
    offered_at: float
    state: str = QUEUED
    ucid: str = ""
    direction: str = ""
    media: str = "voice"
    vdn: str = ""
    queue_kind: str = ""
    queue_number: str = ""
    calling: str = ""
    called: str = ""
    agent_id: str = ""
    extension: str = ""
    queued_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    hold_seconds: float = 0.0
    held_since: float | None = None
    released_by: str = ""
    outcome: str = ""
    transfer_target: str = ""
    cause: str = ""
    orphaned: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    updated_at: float = 0.0  # the time of its latest step
    # What it has booked into the intervals: {"q": [kind, number], "offered": 1, ...}
    counted: dict[str, Any] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    # The row's identity (unique per source; a phone system reuses call IDs).
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            self.key = f"{self.call_id}@{round(self.offered_at * 1000)}"

    @property
    def queue(self) -> QueueKey | None:
        if self.queue_number:
            return (self.queue_kind or "queue", self.queue_number)
        if self.vdn:
            return ("vdn", self.vdn)
        return None

    @property
    def waiting(self) -> bool:
        return self.state in WAITING_STATES and self.answered_at is None

    @property
    def waiting_since(self) -> float:
        return self.queued_at if self.queued_at is not None else self.offered_at

    def segment(self) -> Segment | None:
        """The open segment, if any."""
        if self.segments and self.segments[-1].ended_at is None:
            return self.segments[-1]
        return None

    def view(self) -> LiveCall:
        """What the boards are told of it (a copy: the call changes on)."""
        seg = self.segment()
        return LiveCall(
            call_id=self.call_id,
            state=self.state,
            queue_kind=self.queue[0] if self.queue else "",
            queue_number=self.queue[1] if self.queue else "",
            vdn=self.vdn,
            calling=self.calling,
            agent_id=self.agent_id,
            offered_at=self.offered_at,
            waiting_since=self.waiting_since,
            answered_at=seg.answered_at if seg is not None else self.answered_at,
            ended_at=self.ended_at,
            outcome=self.outcome,
            waiting=self.waiting,
        )


# Told of each segment's connect ("connected": answered there) and end ("ended": ended,
# transferred or moved on, answered or not), with whether the call was first seen already
# answered (ingest started mid-call): ingest/recordings.py tags recordings from these.
SegmentObserver = Callable[[str, "LedgerCall", Segment, bool], None]


class CallLedger:
    """One source's open calls. `book` adds figures to a queue's interval; `target_of` gives
    a queue's service-level target in seconds."""

    def __init__(
        self,
        book: Book,
        target_of: Callable[[QueueKey], float],
        orphan_seconds: float = 240 * 60,
    ) -> None:
        self.book = book
        self.target_of = target_of
        self.orphan_seconds = orphan_seconds
        self.open: dict[str, LedgerCall] = {}
        self.waiting_calls: dict[str, LedgerCall] = {}  # the open calls waiting, by ID
        self.ended: OrderedDict[str, float] = OrderedDict()  # call ID -> its end, recent
        self.dirty: dict[int, LedgerCall] = {}  # by identity: to be written
        self.recent_abandoned: list[LiveCall] = []  # oldest first
        self.queues: set[QueueKey] = set()  # every queue a call has waited in
        self.agents: dict[str, str] = {}  # agent ID -> the call ID it is on (answered)
        self.touched_agents: set[str] = set()  # whose call changed since the last look
        self.booked: set[QueueKey] = set()  # queues whose interval figures moved
        self.ignored = 0  # steps that changed nothing (replays, steps of unknown calls)
        self.observer: SegmentObserver | None = None

    # -- restoring -----------------------------------------------------------------------
    def restore(self, calls: Iterable[LedgerCall], abandoned: Iterable[LiveCall] = ()) -> None:
        """The open calls the database held (a restart, a new owner), and the recent abandoned
        calls for the boards."""
        for call in calls:
            self.open[call.call_id] = call
            if call.waiting:
                self.waiting_calls[call.call_id] = call
            if call.queue is not None and call.waiting:
                self.queues.add(call.queue)
            if call.agent_id and call.answered_at is not None:
                self.agents[call.agent_id] = call.call_id
                self.touched_agents.add(call.agent_id)
        self.recent_abandoned = list(abandoned)[-RECENT_ABANDONED:]

    # -- steps ---------------------------------------------------------------------------
    def apply(self, events: Iterable[CallEvent]) -> list[LedgerCall]:
        """Fold steps in, in order; the calls that changed (each once)."""
        changed: dict[int, LedgerCall] = {}
        for event in events:
            call = self._step(event)
            if call is None:
                self.ignored += 1
            else:
                changed[id(call)] = call
                if call.waiting and call.ended_at is None:
                    self.waiting_calls[call.call_id] = call
                elif self.waiting_calls.get(call.call_id) is call:
                    del self.waiting_calls[call.call_id]
                if call.agent_id:  # its agent's row carries the call (held, talk time)
                    self.touched_agents.add(call.agent_id)
        self.dirty.update(changed)
        return list(changed.values())

    def _step(self, e: CallEvent) -> LedgerCall | None:
        call = self.open.get(e.call_id)
        if call is None:
            ended = self.ended.get(e.call_id)
            if ended is not None and (e.step != CALL_OFFERED or e.at <= ended):
                return None  # a step of a call that has ended (a replay)
            if e.step == CALL_ENDED:
                return None  # the end of a call never seen: nothing to tell
            call = self.open[e.call_id] = LedgerCall(e.call_id, e.at, updated_at=e.at)
            before: tuple[Any, ...] = ()  # a new call is a change whatever the step says
        elif e.at < call.updated_at:
            return None  # older than what the call already says: a replay
        else:
            before = _signature(call)
        self._fill(call, e)
        open_before = call.segment()
        answered_before = open_before is not None and open_before.answered_at is not None
        count_before = len(call.segments)
        handler = _HANDLERS.get(e.step)
        if handler is not None:
            handler(self, call, e)
        if self.observer is not None:
            self._tell(call, open_before, answered_before, count_before, before == ())
        if _signature(call) == before:
            return None
        call.updated_at = max(call.updated_at, e.at)
        return call

    def _fill(self, call: LedgerCall, e: CallEvent) -> None:
        """What a step carries that the call did not know yet (a later step may say more)."""
        if e.ucid and not call.ucid:
            call.ucid = e.ucid
        if e.direction and not call.direction:
            call.direction = e.direction
        if e.media and e.media != call.media and call.media == "voice":
            call.media = e.media
        if e.vdn and not call.vdn:
            call.vdn = e.vdn
        if e.calling and not call.calling:
            call.calling = e.calling
        if e.called and not call.called:
            call.called = e.called
        if e.queue_number and not call.queue_number:  # (counted only by _queue_to)
            call.queue_kind, call.queue_number = e.queue_kind or "queue", e.queue_number
        if e.cause:
            call.cause = e.cause
        if e.extra:
            call.extra.update(e.extra)

    def _queue_to(self, call: LedgerCall, e: CallEvent) -> None:
        if e.queue_number and (e.queue_kind, e.queue_number) != (
            call.queue_kind,
            call.queue_number,
        ):
            call.queue_kind, call.queue_number = e.queue_kind or "queue", e.queue_number
        queue = call.queue
        if queue is not None:
            self.queues.add(queue)
            if "q" not in call.counted and call.answered_at is None:
                # Offered to this queue: the step that decides it.
                call.counted["q"] = list(queue)
                call.counted["offered"] = 1
                self._book(queue, e.at, {"offered": 1})

    def _offered(self, call: LedgerCall, e: CallEvent) -> None:
        self._queue_to(call, e)

    def _queued(self, call: LedgerCall, e: CallEvent) -> None:
        if call.answered_at is None and call.queued_at is None:
            call.queued_at = e.at
        if call.state == QUEUED or (call.state == RINGING and call.answered_at is None):
            call.state = QUEUED
        self._queue_to(call, e)

    def _ringing(self, call: LedgerCall, e: CallEvent) -> None:
        if e.queue_number and call.answered_at is None:
            self._queue_to(call, e)
        seg = call.segment()
        if seg is None or not _same_party(seg, e):
            if seg is not None and seg.answered_at is not None:
                return  # talking there: another party rings (a consultation), no new leg
            if seg is not None:  # moved on unanswered
                self._close_segment(seg, e.at, CALL_DIVERTED, e.extension or e.agent_id)
            seg = self._new_segment(call, e)
        if seg.answered_at is None and call.state in (QUEUED, RINGING):
            call.state = RINGING
        if e.agent_id and not call.agent_id:
            call.agent_id = e.agent_id
        if e.extension and not call.extension:
            call.extension = e.extension

    def _answered(self, call: LedgerCall, e: CallEvent) -> None:
        seg = call.segment()
        if seg is None or not _same_party(seg, e):
            if seg is not None and seg.answered_at is not None:
                return  # answered elsewhere already: an out-of-order or foreign step
            if seg is not None:
                self._close_segment(seg, e.at, CALL_DIVERTED, e.extension or e.agent_id)
            seg = self._new_segment(call, e)
        if seg.answered_at is not None:
            return  # a replay: this segment was answered
        seg.answered_at = e.at
        seg.agent_id = seg.agent_id or e.agent_id
        seg.extension = seg.extension or e.extension
        call.agent_id, call.extension = seg.agent_id, seg.extension
        call.state = HELD if call.held_since is not None else ACTIVE
        self._on_agent(call, seg.agent_id)
        if call.answered_at is None:
            call.answered_at = e.at
            queue = self._counted_queue(call)
            if queue is not None and "answered" not in call.counted:
                wait = max(0.0, e.at - call.waiting_since)
                in_sl = 1 if wait <= self.target_of(queue) else 0
                call.counted["answered"] = 1
                self._book(
                    queue,
                    e.at,
                    {"answered": 1, "answered_in_sl": in_sl, "answer_wait_sum": round(wait)},
                )

    def _held(self, call: LedgerCall, e: CallEvent) -> None:
        seg = call.segment()
        if call.held_since is not None or call.answered_at is None:
            return
        call.held_since = e.at
        if seg is not None:
            seg.held_since = e.at
        call.state = HELD

    def _retrieved(self, call: LedgerCall, e: CallEvent) -> None:
        if call.held_since is None:
            return
        self._unhold(call, e.at)
        call.state = ACTIVE

    def _unhold(self, call: LedgerCall, at: float) -> None:
        if call.held_since is not None:
            call.hold_seconds += max(0.0, at - call.held_since)
            call.held_since = None
        seg = call.segment()
        if seg is not None and seg.held_since is not None:
            seg.hold_seconds += max(0.0, at - seg.held_since)
            seg.held_since = None

    def _transferred(self, call: LedgerCall, e: CallEvent) -> None:
        seg = call.segment()
        target = e.target
        for done in call.segments:
            if (
                done.how_ended == CALL_TRANSFERRED
                and done.target == target
                and done.ended_at == e.at
            ):
                return  # this transfer was made already
        self._unhold(call, e.at)
        if seg is not None:
            self._close_segment(seg, e.at, CALL_TRANSFERRED, target)
            if seg.agent_id and self.agents.get(seg.agent_id) == call.call_id:
                del self.agents[seg.agent_id]
                self.touched_agents.add(seg.agent_id)
        call.transfer_target = target
        nxt = Segment(
            seq=len(call.segments) + 1,
            started_at=e.at,
            extension=target,  # its agent is known when it answers
            queue_kind=call.queue_kind,
            queue_number=call.queue_number,
        )
        call.segments.append(nxt)
        call.agent_id, call.extension = nxt.agent_id, nxt.extension
        call.state = RINGING

    def _conferenced(self, call: LedgerCall, e: CallEvent) -> None:
        if e.target:
            call.extra["conferenced"] = e.target

    def _diverted(self, call: LedgerCall, e: CallEvent) -> None:
        seg = call.segment()
        if seg is not None and seg.answered_at is None:
            self._close_segment(seg, e.at, CALL_DIVERTED, e.target)
            if call.answered_at is None:
                call.state = QUEUED
        if e.queue_number and call.answered_at is None:
            self._queue_to(call, e)

    def _ended(self, call: LedgerCall, e: CallEvent) -> None:
        self._end(call, e, "")

    def _failed(self, call: LedgerCall, e: CallEvent) -> None:
        self._end(call, e, CALL_FAILED)

    def _end(self, call: LedgerCall, e: CallEvent, outcome: str) -> None:
        if call.ended_at is not None:
            return
        at = max(e.at, call.offered_at)
        self._unhold(call, at)
        seg = call.segment()
        if seg is not None:
            self._close_segment(seg, at, "ended", "")
        call.ended_at, call.state = at, ENDED
        call.released_by = e.released_by or call.released_by
        if outcome:
            call.outcome = outcome
        elif call.answered_at is not None:
            call.outcome = "answered"
        elif call.released_by in ("caller", ""):
            call.outcome = "abandoned"
        else:
            call.outcome = "failed"
        self._finish(call)
        queue = self._counted_queue(call)
        if queue is None:
            return
        if call.outcome == "abandoned" and "abandoned" not in call.counted:
            call.counted["abandoned"] = 1
            self._book(queue, at, {"abandoned": 1})
        elif "answered" in call.counted and "talk" not in call.counted:
            talk = round(sum(s.talk(s.ended_at or at) for s in call.segments))
            call.counted["talk"] = 1
            self._book(queue, at, {"talk_sum": talk})

    def _finish(self, call: LedgerCall) -> None:
        """An ended call leaves the open calls (its row is still to be written: dirty)."""
        self.open.pop(call.call_id, None)
        if self.waiting_calls.get(call.call_id) is call:
            del self.waiting_calls[call.call_id]
        self.ended[call.call_id] = call.ended_at or call.updated_at
        self.ended.move_to_end(call.call_id)
        while len(self.ended) > REMEMBER_ENDED:
            self.ended.popitem(last=False)
        if call.agent_id and self.agents.get(call.agent_id) == call.call_id:
            del self.agents[call.agent_id]
            self.touched_agents.add(call.agent_id)
        if call.outcome == "abandoned":
            self.recent_abandoned.append(call.view())
            del self.recent_abandoned[:-RECENT_ABANDONED]

    # -- helpers -------------------------------------------------------------------------
    def _tell(
        self,
        call: LedgerCall,
        open_before: Segment | None,
        answered_before: bool,
        count_before: int,
        new_call: bool,
    ) -> None:
        """The observer hears what this step did to the segments: an end, then a connect."""
        assert self.observer is not None
        if open_before is not None and open_before.ended_at is not None:
            self.observer("ended", call, open_before, False)
        if open_before is not None and not answered_before and open_before.answered_at:
            self.observer("connected", call, open_before, new_call)
        for seg in call.segments[count_before:]:
            if seg.answered_at is not None:
                self.observer("connected", call, seg, new_call)
                if seg.ended_at is not None:
                    self.observer("ended", call, seg, False)

    def _counted_queue(self, call: LedgerCall) -> QueueKey | None:
        q = call.counted.get("q")
        return (str(q[0]), str(q[1])) if q else None

    def _book(self, queue: QueueKey, at: float, figures: dict[str, float]) -> None:
        self.booked.add(queue)
        self.book(queue, at, figures)

    def _new_segment(self, call: LedgerCall, e: CallEvent) -> Segment:
        seg = Segment(
            seq=len(call.segments) + 1,
            started_at=e.at,
            agent_id=e.agent_id,
            extension=e.extension,
            queue_kind=call.queue_kind,
            queue_number=call.queue_number,
        )
        call.segments.append(seg)
        return seg

    def _close_segment(self, seg: Segment, at: float, how: str, target: str) -> None:
        if seg.held_since is not None:
            seg.hold_seconds += max(0.0, at - seg.held_since)
            seg.held_since = None
        seg.ended_at, seg.how_ended, seg.target = at, how, target

    def _on_agent(self, call: LedgerCall, agent_id: str) -> None:
        if agent_id:
            self.agents[agent_id] = call.call_id
            self.touched_agents.add(agent_id)

    # -- time passing --------------------------------------------------------------------
    def close_orphans(self, now: float) -> list[LedgerCall]:
        """Close the calls with no step for orphan_seconds (see the module's docstring)."""
        closed = []
        for call in [c for c in self.open.values() if now - c.updated_at > self.orphan_seconds]:
            at = call.updated_at
            self._unhold(call, at)
            seg = call.segment()
            if seg is not None:
                self._close_segment(seg, at, "ended", "")
            call.ended_at, call.state, call.orphaned = at, ENDED, True
            call.outcome = "answered" if call.answered_at is not None else ""
            if seg is not None and self.observer is not None:
                self.observer("ended", call, seg, False)
            self._finish(call)
            closed.append(call)
            self.dirty[id(call)] = call
        return closed

    # -- what the boards and the queue rows are told -------------------------------------
    def waiting(self, now: float) -> dict[QueueKey, tuple[int, int]]:
        """Every queue a call has waited in: (calls waiting, oldest wait in seconds)."""
        out: dict[QueueKey, tuple[int, int]] = dict.fromkeys(self.queues, (0, 0))
        # Run once per batch over every waiting call: the properties queue, waiting and
        # waiting_since spelt out, for speed.
        for call in self.waiting_calls.values():
            if call.answered_at is not None or call.state not in WAITING_STATES:
                continue
            if call.queue_number:
                queue = (call.queue_kind or "queue", call.queue_number)
            elif call.vdn:
                queue = ("vdn", call.vdn)
            else:
                continue
            since = call.queued_at if call.queued_at is not None else call.offered_at
            n, oldest = out.get(queue, (0, 0))
            out[queue] = (n + 1, max(oldest, round(max(0.0, now - since))))
        return out

    def agent_call(self, agent_id: str) -> dict[str, Any] | None:
        """The call an agent is on, as its row carries it to the grid (no personal data)."""
        call_id = self.agents.get(agent_id)
        call = self.open.get(call_id) if call_id is not None else None
        if call is None:
            return None
        seg = call.segment()
        since = seg.answered_at if seg is not None and seg.answered_at else call.answered_at
        queue = call.queue
        return {
            "id": call.call_id,
            "kind": queue[0] if queue else "",
            "number": queue[1] if queue else "",
            "since": int((since or call.offered_at) * 1000),
            "held": call.held_since is not None,
        }

    def take_dirty(self) -> list[LedgerCall]:
        dirty, self.dirty = self.dirty, {}
        return list(dirty.values())

    def requeue(self, calls: Iterable[LedgerCall]) -> None:
        for call in calls:
            self.dirty.setdefault(id(call), call)


def _same_party(seg: Segment, e: CallEvent) -> bool:
    """Whether a step is about the segment's party (or names none)."""
    if e.agent_id and seg.agent_id:
        return e.agent_id == seg.agent_id
    if e.extension and seg.extension:
        return e.extension == seg.extension
    return True


def _signature(call: LedgerCall) -> tuple[Any, ...]:
    """What a step may change: compared before and after, so a replay changes nothing."""
    seg = call.segments[-1] if call.segments else None
    return (
        call.state,
        call.queue_kind,
        call.queue_number,
        call.queued_at,
        call.answered_at,
        call.ended_at,
        call.held_since,
        call.hold_seconds,
        call.agent_id,
        call.extension,
        call.ucid,
        call.vdn,
        call.calling,
        call.called,
        call.direction,
        call.cause,
        len(call.segments),
        None if seg is None else (seg.answered_at, seg.ended_at, seg.agent_id, seg.extension),
        len(call.extra),
    )


_HANDLERS: dict[str, Callable[[CallLedger, LedgerCall, CallEvent], None]] = {
    CALL_OFFERED: CallLedger._offered,
    CALL_QUEUED: CallLedger._queued,
    CALL_RINGING: CallLedger._ringing,
    CALL_ANSWERED: CallLedger._answered,
    CALL_HELD: CallLedger._held,
    CALL_RETRIEVED: CallLedger._retrieved,
    CALL_TRANSFERRED: CallLedger._transferred,
    CALL_CONFERENCED: CallLedger._conferenced,
    CALL_DIVERTED: CallLedger._diverted,
    CALL_ENDED: CallLedger._ended,
    CALL_FAILED: CallLedger._failed,
}
