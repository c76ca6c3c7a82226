"""Optimus' Stat.* rows to the neutral records: a Stat.CallsStat row to the steps of its call
(CallEvents), the quarter-hour rows to IntervalRows.

Timestamps in Optimus' tables are the server's local time without a zone: `Clock` turns them
into epoch seconds with the zone the source is configured with.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final, Literal

from integrations.base import (
    CALL_ANSWERED,
    CALL_ENDED,
    CALL_OFFERED,
    CALL_QUEUED,
    CALL_TRANSFERRED,
    CallEvent,
    Figure,
    IntervalRow,
)

Row = Mapping[str, Any]

DIRECTIONS: Final[dict[int, Literal["inbound", "outbound", "internal"]]] = {
    1: "inbound",  # call-centre call
    2: "outbound",  # outgoing external
    3: "internal",  # outgoing internal
    4: "inbound",  # incoming external
    5: "internal",  # incoming internal
}

# EndType (the guide's table) -> (what the code says, who released the call, the end time's
# column). Who hung up after a talk (101) is not recorded: left unknown, never guessed.
END_TYPES: Final[dict[int, tuple[str, Literal["caller", "agent", "system", ""], str]]] = {
    101: ("talked and ended", "", "EndedTS"),
    102: ("abandoned", "caller", "AbandonedTS"),
    103: ("abandoned while ringing", "caller", "AbandonedTS"),
    104: ("transferred to external", "system", "Transferred2ExtTS"),
    107: ("outbound call unanswered", "agent", "EndedTS"),
    108: ("ended in IVR (callback)", "system", "EndedTS"),
    109: ("off/on hook with no action", "agent", "EndedTS"),
}
INTERNAL_AGENTS: Final = frozenset({-2, -1, 0, 1})  # the guide: management agents, disregarded


class Clock:
    """Optimus' local, zone-less DATETIMEs as epoch seconds, and back."""

    def __init__(self, time_zone: str) -> None:
        self.zone = zoneinfo.ZoneInfo(time_zone)

    def epoch(self, value: datetime | None) -> float | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.zone)
        return value.timestamp()

    def local(self, epoch: float) -> datetime:
        return datetime.fromtimestamp(epoch, self.zone).replace(tzinfo=None)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _agent(value: Any, include_internal: bool) -> str:
    if value is None or (not include_internal and value in INTERNAL_AGENTS):
        return ""
    return str(value)


def ended(row: Row) -> bool:
    """A row that will not change any more: Optimus has set how the call ended."""
    return row.get("EndType") is not None


def call_events(
    row: Row, clock: Clock, include_internal: bool = False
) -> list[tuple[str, CallEvent]]:
    """Every step a Stat.CallsStat row tells so far, oldest first, each with a key saying
    which step it is (the poller hands each key on once)."""
    call_id = str(row["CallID"])
    found = DIRECTIONS.get(row.get("CallType") or 0)
    direction: Literal["inbound", "outbound", "internal", ""] = found if found else ""
    initial = _text(row.get("InitialQueue"))
    handled = _text(row.get("HandledOnQueue")) or initial
    extra: dict[str, Any] = {
        k: v
        for k, v in (
            ("adata1", _text(row.get("Adata1"))),
            ("adata2", _text(row.get("Adata2"))),
            ("queue_hops", row.get("QueueHops")),
            ("agent_hops", row.get("AgentHops")),
            ("router", row.get("Router")),
            ("handled_on_queue", handled if handled != initial else ""),
        )
        if v not in (None, "", 0)
    }
    steps: list[tuple[str, CallEvent]] = []
    offered = clock.epoch(row.get("OfferedTS"))
    if offered is None:
        return steps
    kind = "queue" if initial else ""
    first = CallEvent(
        call_id,
        CALL_OFFERED,
        offered,
        direction=direction,
        queue_kind=kind,
        queue_number=initial,
        calling=_text(row.get("CLID")),
        called=_text(row.get("DNIS")),
        extra=extra,
    )
    steps.append(("offered", first))
    queued = clock.epoch(row.get("FirstQueuedTS"))
    if queued is not None and initial:
        steps.append(
            (
                "queued",
                CallEvent(call_id, CALL_QUEUED, queued, queue_kind=kind, queue_number=initial),
            )
        )
    answered = clock.epoch(row.get("AnsweredTS"))
    agent = _agent(row.get("Agent"), include_internal)
    extension = _text(row.get("AgentExtension"))
    if answered is not None:
        steps.append(
            (
                "answered",
                CallEvent(call_id, CALL_ANSWERED, answered, agent_id=agent, extension=extension),
            )
        )
    if ended(row):
        steps.extend(_end(row, clock, call_id, [offered, queued, answered]))
    return steps


def _end(
    row: Row, clock: Clock, call_id: str, earlier: list[float | None]
) -> list[tuple[str, CallEvent]]:
    code = int(row["EndType"])
    text, released_by, column = END_TYPES.get(code, (f"end type {code}", "", "EndedTS"))
    # The end's own column, else the latest time the row has (an unanswered outbound dial
    # has no EndedTS): an end is never placed before what the call did.
    stamps = [clock.epoch(row.get(name)) for name in (column, "EndedTS", "AbandonedTS")]
    at = next((s for s in stamps if s is not None), None)
    at = max([t for t in [at, *earlier] if t is not None])
    extra = {"end_type": code, "end_type_text": text}
    steps: list[tuple[str, CallEvent]] = []
    if code == 104:
        target = _text(row.get("TransferDestination"))
        steps.append(("transferred", CallEvent(call_id, CALL_TRANSFERRED, at, target=target)))
    steps.append(
        (
            "ended",
            CallEvent(
                call_id, CALL_ENDED, at, released_by=released_by, cause=str(code), extra=extra
            ),
        )
    )
    return steps


def histogram(rows: Iterable[Row]) -> list[list[int]]:
    """Stat.DeviceTimes rows of one device and time type as [[up to seconds, calls], ...]:
    the guide's time frames are two seconds wide, named by their upper end (4 = 3 and 4 s)."""
    counts: dict[int, int] = {}
    for r in rows:
        frame, amount = r.get("TimeFrame"), r.get("Amount")
        if frame is not None and amount:
            counts[int(frame)] = counts.get(int(frame), 0) + int(amount)
    return [[frame, counts[frame]] for frame in sorted(counts)]


def _n(value: Any) -> Figure:
    return None if value is None else int(value)


def _sum(*values: Any) -> Figure:
    given = [int(v) for v in values if v is not None]
    return sum(given) if given else None


QUEUE_EXTRA: Final = {
    "Abandoned": "abandoned_in_queue",
    "ABDRinging": "abandoned_ringing",
    "OverflowedQueue": "overflowed_position",
    "OverflowedTime": "overflowed_time",
    "OverflowedLogin": "overflowed_no_agents",
    "Backflowed": "backflowed",
    "Inflowed": "inflowed",
    "Tran2Def": "transferred_to_default",
    "RetFromAgent": "returned_from_agent",
    "OfferedCB": "callback_offered",
    "EndedInIVR": "ended_in_ivr",
    "SumAbdTime": "abandon_wait_sum",
    "MaxAbdTime": "abandon_wait_max",
    "HoldCount": "hold_count",
    "SumHoldTime": "hold_sum",
    "SumACWTime": "wrap_up_sum",
    "SumRingTime": "ring_sum",
}


def queue_interval(
    row: Row, clock: Clock, answered_waits: list[list[int]], abandoned_waits: list[list[int]]
) -> IntervalRow | None:
    """A Stat.DeviceStat queue row (with its Stat.DeviceTimes histograms) as sent. Abandoned
    counts both the calls abandoned in queue and those abandoned ringing at an agent, as the
    call log counts them; each is also kept apart in extra."""
    start = clock.epoch(row.get("TheDate"))
    if start is None or row.get("DeviceCode") is None:
        return None
    figures: dict[str, Figure] = {
        "offered": _n(row.get("Offered")),
        "answered": _n(row.get("Answered")),
        "abandoned": _sum(row.get("Abandoned"), row.get("ABDRinging")),
        "answer_wait_sum": _n(row.get("SumAnswerTime")),
        "answer_wait_max": _n(row.get("MaxAnswerTime")),
        "talk_sum": _n(row.get("SumTalkTime")),
    }
    extra: dict[str, Any] = {
        name: int(row[column])
        for column, name in QUEUE_EXTRA.items()
        if row.get(column) is not None
    }
    if answered_waits:
        extra["answer_wait_histogram"] = answered_waits
    if abandoned_waits:
        extra["abandon_wait_histogram"] = abandoned_waits
    return IntervalRow(
        kind="queue",
        number=str(row["DeviceCode"]),
        start=start,
        figures={k: v for k, v in figures.items() if v is not None},
        extra=extra,
    )


def agent_interval(row: Row, clock: Clock, activities: dict[str, int]) -> IntervalRow | None:
    """A Stat.AgentStat row (with its Stat.AgentActivityStat rows: not-ready time per
    activity code) as sent. On-call time is the talk time of every kind of call the row
    gives; available is Optimus' idle time (ready, not on a call-centre call)."""
    start = clock.epoch(row.get("TheDate"))
    if start is None or row.get("UserCode") is None:
        return None
    talk = _sum(
        row.get("SumACDCallsTalkTime"),
        row.get("SumInIntCallsTalkTime"),
        row.get("SumInExtCallsTalkTime"),
        row.get("SumOutIntCallsTalkTime"),
        row.get("SumOutExtCallsTalkTime"),
    )
    figures: dict[str, Figure] = {
        "logged_in_seconds": _n(row.get("LoginTime")),
        "available_seconds": _n(row.get("IdleTime")),
        "ringing_seconds": _n(row.get("SumRingTime")),
        "on_call_seconds": talk,
        "wrap_up_seconds": _n(row.get("SumACWTime")),
        "not_ready_seconds": _n(row.get("NotReadyTime")),
        "answered": _n(row.get("ACDAnswered")),
    }
    extra: dict[str, Any] = {"not_ready_by_reason": dict(activities)}
    for column, name in (
        ("ACDOffered", "offered"),
        ("ACDRecalled", "recalled"),
        ("ACDAbdRinging", "abandoned_ringing"),
        ("ReadyTime", "ready_seconds"),
        ("HoldCount", "hold_count"),
        ("SumHoldTime", "hold_sum"),
        ("ExtDialed", "external_dialled"),
        ("IntDialed", "internal_dialled"),
    ):
        if row.get(column) is not None:
            extra[name] = int(row[column])
    return IntervalRow(
        kind="agent",
        number=str(row["UserCode"]),
        start=start,
        figures={k: v for k, v in figures.items() if v is not None},
        extra=extra,
    )
