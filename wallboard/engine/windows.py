"""Today's and the last 60 minutes' KPIs, from each queue's interval sums (its `today`'s
`day` and `h1`, which ingest keeps from the 15-minute interval rows: ingest/queuedays.py).

- offered, answered, abandoned: the sums of the feed's counts (exact);
- abandon %: abandoned / offered (exact: of counts);
- service level %: answered within target over the queue's formula's denominator
  (wallboard.engine.service), summed over the queues, each with its own setting; derived (the
  within-target count comes from the feed's rounded service level % times offered);
- ASA: the sum of answer waits / answered; derived (the feed's average wait times answered).
A figure no queue's rows give is null, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from integrations.base import Figure

from .service import ServiceLevel

# KPI -> (window, figure)
WINDOW_KPIS: Final[Mapping[str, tuple[str, str]]] = {
    "service_level_today": ("day", "service_level"),
    "asa_today": ("day", "asa"),
    "abandon_pct_today": ("day", "abandon_pct"),
    "offered_60m": ("h1", "offered"),
    "answered_60m": ("h1", "answered"),
    "abandoned_60m": ("h1", "abandoned"),
    "service_level_60m": ("h1", "service_level"),
    "asa_60m": ("h1", "asa"),
    "abandon_pct_60m": ("h1", "abandon_pct"),
}


def _total(values: Sequence[Any]) -> float | None:
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return sum(numbers) if numbers else None


def window_value(
    kpi: str, queues: Sequence[tuple[Mapping[str, Any], ServiceLevel]]
) -> tuple[Figure, bool]:
    """(value, derived) of a window KPI over queues given as (their `today`, their setting)."""
    window, figure = WINDOW_KPIS[kpi]
    sums: list[Mapping[str, Any]] = []
    for today, _ in queues:
        found = today.get(window)
        sums.append(found if isinstance(found, Mapping) else {})
    if figure in ("offered", "answered", "abandoned"):
        total = _total([s.get(figure) for s in sums])
        return (None if total is None else int(total)), False
    if figure == "abandon_pct":
        pairs = [
            (s["abandoned"], s["offered"])
            for s in sums
            if s.get("abandoned") is not None and s.get("offered") is not None
        ]
        offered = sum(o for _, o in pairs)
        return (round(100.0 * sum(a for a, _ in pairs) / offered, 1) if offered else None), False
    if figure == "asa":
        pairs = [
            (s["answer_wait_sum"], s["answered"])
            for s in sums
            if s.get("answer_wait_sum") is not None and s.get("answered")
        ]
        answered = sum(a for _, a in pairs)
        return (round(sum(w for w, _ in pairs) / answered) if answered else None), True
    # service level: each queue's within-target count over its own formula's denominator
    within = base = 0.0
    for s, (_, setting) in zip(sums, queues, strict=True):
        in_sl = s.get("answered_in_sl")
        denominator = setting.denominator(s.get("answered"), s.get("offered"))
        if in_sl is not None and denominator and denominator > 0:
            within += in_sl
            base += denominator
    if not base:
        return None, True
    return round(min(100.0, 100.0 * within / base), 1), True


def rates(figures: Mapping[str, Any], setting: ServiceLevel) -> dict[str, Figure]:
    """Service level %, ASA and abandon % of one set of interval figures (an interval's, a
    day's): as the tiles count them (history pages and exports)."""
    today = {"day": figures}
    return {
        "service_level_pct": window_value("service_level_today", [(today, setting)])[0],
        "asa_seconds": window_value("asa_today", [(today, setting)])[0],
        "abandon_pct": window_value("abandon_pct_today", [(today, setting)])[0],
    }
