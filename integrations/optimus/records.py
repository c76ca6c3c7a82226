"""The Optimus toolbar records, field by field: a list of wire fields in, one neutral row out.

Only the vendor's integration guide describes these records, and it leaves the time unit of the
wait and not-ready fields open, so durations accept integer seconds, m:ss, mm:ss and h:mm:ss.
Parsers raise ValueError with a short reason; the decoder turns that into a counted error.
"""

from __future__ import annotations

from integrations.base import OVERFLOW, UNKNOWN, AgentRow, Figure, QueueRow

# 3|QueueCode|QueueName|AvgWait|MaxWait|Waiting|Offered|Answered|Returned|Abandoned|
#   TransferredToDefault|
QUEUE_FIELDS = 11
# 4|AgentCode|Offered|Returned|Answered|DirectIncoming|ExternalOutgoing|InternalOutgoing|
#   Waiting|NotReadyTime
AGENT_FIELDS = 10

# Figures are stored in integer columns: a value this wide is "more than we can hold", which is
# what OVERFLOW means, rather than a number that would break the database later.
LIMIT = 10**9


def count(value: str) -> Figure:
    if value.isdecimal() and len(value) < 10:  # the common case, kept cheap
        return int(value)
    return _unusual(value, allow_time=False)


def duration(value: str) -> Figure:
    """Seconds from integer seconds, m:ss, mm:ss or h:mm:ss (decimal seconds are rounded)."""
    if value.isdecimal() and len(value) < 10:
        return int(value)
    return _unusual(value, allow_time=True)


def _unusual(value: str, *, allow_time: bool) -> Figure:
    value = value.strip()
    if not value:
        return None
    if value.isdecimal():
        n = int(value)
        return n if n < LIMIT else OVERFLOW
    if value.strip("*") == "":
        return OVERFLOW
    if allow_time:
        if ":" in value:
            return _clock_time(value)
        if "." in value:
            # An average wait may plausibly come as decimal seconds; round half up.
            whole, _, fraction = value.partition(".")
            if (whole == "" or whole.isdecimal()) and fraction.isdecimal() and len(whole) < 10:
                return int(whole or "0") + (fraction[0] >= "5")
    raise ValueError(f"not a {'duration' if allow_time else 'count'}: {value[:20]!r}")


def _clock_time(value: str) -> int | str:
    parts = value.split(":")
    if len(parts) > 3:
        raise ValueError(f"not a duration: {value[:20]!r}")
    head = parts[0]
    if not (head.isdecimal() and len(head) < 10):
        raise ValueError(f"not a duration: {value[:20]!r}")
    total = int(head)
    for part in parts[1:]:
        # Minutes and seconds after a colon are always two digits below 60 (m:ss, h:mm:ss).
        if len(part) != 2 or not part.isdecimal() or part[0] > "5":
            raise ValueError(f"not a duration: {value[:20]!r}")
        total = total * 60 + int(part)
    return total if total < LIMIT else OVERFLOW


def _check_length(fields: list[str], expected: int, what: str) -> None:
    n = len(fields)
    # The guide shows a trailing "|" on queue records only; tolerate one on either.
    if n != expected and (n != expected + 1 or fields[expected].strip()):
        raise ValueError(f"{what} record has {n} fields, expected {expected}")


def parse_queue(fields: list[str]) -> QueueRow:
    if len(fields) != QUEUE_FIELDS + 1 or fields[QUEUE_FIELDS]:  # usual: a trailing "|"
        _check_length(fields, QUEUE_FIELDS, "queue")
    code = fields[1].strip()
    if not code:
        raise ValueError("queue record without a queue code")
    return QueueRow(
        kind="queue",
        number=code,
        name=fields[2].strip(),
        calls_waiting=count(fields[5]),
        oldest_wait_seconds=duration(fields[4]),
        offered=count(fields[6]),
        answered=count(fields[7]),
        abandoned=count(fields[9]),
        counters="day",
        extra={
            "avg_wait_seconds": duration(fields[3]),
            "returned": count(fields[8]),
            "transferred_to_default": count(fields[10]),
        },
    )


def parse_agent(fields: list[str]) -> AgentRow:
    if len(fields) != AGENT_FIELDS:
        _check_length(fields, AGENT_FIELDS, "agent")
    code = fields[1].strip()
    if not code:
        raise ValueError("agent record without an agent code")
    # The record carries counters only, no state: the state stays unknown.
    return AgentRow(
        agent_id=code,
        state=UNKNOWN,
        extra={
            "offered": count(fields[2]),
            "returned": count(fields[3]),
            "answered": count(fields[4]),
            "direct_incoming": count(fields[5]),
            "external_outgoing": count(fields[6]),
            "internal_outgoing": count(fields[7]),
            "calls_waiting": count(fields[8]),
            "not_ready_seconds": duration(fields[9]),
        },
    )
