"""KPI maths: a tile's figures from its queues and agents, and their warning/alarm level."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, NotRequired, TypedDict

from integrations.base import LOGGED_OUT, OVERFLOW, Figure, QueueRow

from .kpis import AGENT_COUNT_KPIS, ASA_FALLBACK, EXTRA_KPIS, SUM_KPIS

Level = Literal["warning", "alarm"]


class Threshold(TypedDict):
    """A tile's threshold on one KPI, as its definition carries it."""

    direction: str  # "above" or "below"
    warning: float | None
    alarm: float | None
    # Alarms (wallboard.engine.alarms): the level a figure in alarm must come back to, the
    # seconds it must stay beyond the alarm level first, and the display's sound for it.
    clear: NotRequired[float | None]
    hold: NotRequired[float]
    sound: NotRequired[str]  # "none", "once" or "repeat"
    repeat: NotRequired[int]  # seconds between repeats


def number(value: object) -> float | None:
    """The value if it is a number (a count or seconds), else None (blank, overflow, text)."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def level(value: object, threshold: Threshold | None) -> Level | None:
    """ "warning", "alarm" or None for a value against a tile's threshold.

    The rule, as a supervisor reads the words: a value is flagged when it is strictly beyond
    the level. "Alarm below 80" flags 79.9, never 80; "alarm above 10" flags 11, never 10. The
    alarm is checked first, so a value beyond both levels is an alarm. An overflowed value
    (more than the feed's field can hold) is beyond any level above and never below one. The
    display flags agents' time in a state by the same rule (static/wallboard/board/levels.js).
    """
    if threshold is None:
        return None
    above = threshold["direction"] == "above"
    if value == OVERFLOW:
        return (
            "alarm"
            if above and threshold.get("alarm") is not None
            else ("warning" if above and threshold.get("warning") is not None else None)
        )
    n = number(value)
    if n is None:
        return None
    name: Level
    for name in ("alarm", "warning"):
        limit = threshold.get(name)
        if limit is not None and (n > limit if above else n < limit):
            return name
    return None


def _weighted(queues: Sequence[QueueRow], figure: str, weight: str) -> float | None:
    total = weighted = 0.0
    for q in queues:
        value, w = number(getattr(q, figure)), number(getattr(q, weight))
        if value is not None and w:
            weighted += value * w
            total += w
    return round(weighted / total, 1) if total else None


def _weighted_extra(queues: Sequence[QueueRow], name: str, weight: str) -> float | None:
    total = weighted = 0.0
    for q in queues:
        value = number(q.extra.get(name)) if q.extra else None
        w = number(getattr(q, weight))
        if value is not None and w:
            weighted += value * w
            total += w
    return round(weighted / total, 1) if total else None


def _sum(values: Iterable[object]) -> Figure:
    total: float = 0
    seen = False
    for value in values:
        if value == OVERFLOW:
            return OVERFLOW
        n = number(value)
        if n is not None:
            total += n
            seen = True
    return total if seen else None


def _figure(row: QueueRow, kpi: str) -> Figure:
    value: Figure = getattr(row, kpi, None)
    if value is None and kpi == "asa_seconds" and row.extra:  # average wait before answer
        fallback: Figure = row.extra.get(ASA_FALLBACK)
        return fallback
    return value


def _extra(kpi: str, how: str, queues: Sequence[QueueRow]) -> tuple[Figure, bool]:
    values = [q.extra.get(kpi) for q in queues if q.extra]
    if OVERFLOW in values:
        return OVERFLOW, len(queues) > 1
    numbers = [n for n in map(number, values) if n is not None]
    if not numbers:
        return None, False
    return (max(numbers) if how == "max" else sum(numbers)), len(queues) > 1


def kpi_value(
    kpi: str,
    queues: Sequence[QueueRow],
    today: Sequence[Mapping[str, Any]],
    agents: Mapping[str, int],
) -> tuple[Figure, bool]:
    """(value, derived): the feed's own figure where one queue sends it, else derived.

    `agents` counts the tile's distinct agents by state (a multi-skilled agent counts once in
    totals); empty when the tile holds no agents.
    """
    single = len(queues) == 1
    if not queues:
        return None, False
    if kpi.endswith("_today"):
        return _sum(t.get(kpi[: -len("_today")]) for t in today), not single
    how = EXTRA_KPIS.get(kpi)
    if how is not None:
        return _extra(kpi, how, queues)
    if kpi == "abandon_pct":
        offered, abandoned = _sum(q.offered for q in queues), _sum(q.abandoned for q in queues)
        offered_n, abandoned_n = number(offered), number(abandoned)
        if offered_n and abandoned_n is not None:
            return round(100.0 * abandoned_n / offered_n, 1), True
        return None, True
    if single:
        own = _figure(queues[0], kpi)
        if (
            own is not None
            or not agents
            or (kpi not in AGENT_COUNT_KPIS and kpi != "agents_staffed")
        ):
            return own, False
    if kpi in SUM_KPIS:
        return _sum(_figure(q, kpi) for q in queues), True
    if kpi == "oldest_wait_seconds":
        values = [q.oldest_wait_seconds for q in queues]
        if OVERFLOW in values:
            return OVERFLOW, True
        numbers = [n for n in map(number, values) if n is not None]
        return (max(numbers) if numbers else None), not single
    if kpi == "service_level_pct":
        return _weighted(queues, "service_level_pct", "offered"), True
    if kpi == "asa_seconds":
        value = _weighted(queues, "asa_seconds", "answered")
        if value is None:
            value = _weighted_extra(queues, ASA_FALLBACK, "answered")
        return (round(value) if value is not None else None), True
    if kpi in AGENT_COUNT_KPIS or kpi == "agents_staffed":
        if agents:
            if kpi == "agents_staffed":
                return sum(agents.values()) - agents.get(LOGGED_OUT, 0), True
            return agents.get(AGENT_COUNT_KPIS[kpi], 0), True
        if single:
            return _figure(queues[0], kpi), False
        return _sum(_figure(q, kpi) for q in queues), True
    return None, True
