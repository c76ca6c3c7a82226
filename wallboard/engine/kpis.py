"""The KPI catalogue: every figure a tile can show, its label and unit, in one place.

The admin's choices and checks, the engine and the wall displays read it from here: a
display gets it in its snapshot (`display_catalogue()`), rather than keeping a copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, Literal

from integrations.base import (
    AVAILABLE,
    LOGGED_OUT,
    NOT_READY,
    ON_CALL,
    OTHER,
    RINGING,
    UNKNOWN,
    WRAP_UP,
)

# How a display writes a value: "count" as a whole number, "seconds" as m:ss (h:mm:ss),
# "pct" with a % sign.
Unit = Literal["count", "seconds", "pct"]


# The most a feed's field holds, per unit: an overflowed value (the feed's `*****`, "more
# than this field can show") is at least this, and a display writes it "≥ 999", "≥ 99:59".
# Mitel's counts are three digits and its longest wait MMSS (at most 99:59); Avaya CMS stars a
# value too wide for its report column (`***` in a three-wide count, `*****` in an mm:ss time)
# but does not say how wide the column is, and the decoder keeps only the overflow; Optimus's
# numbers hold nine digits. So the smallest: what the wall can say for sure of every feed.
OVERFLOW_LIMITS: Final[Mapping[Unit, int]] = {"count": 999, "seconds": 99 * 60 + 59, "pct": 999}


@dataclass(frozen=True, slots=True)
class Kpi:
    key: str
    label: str
    unit: Unit

    @property
    def limit(self) -> int:
        """The most the feeds' field of this KPI holds (an overflowed value is at least it)."""
        return OVERFLOW_LIMITS[self.unit]


@dataclass(frozen=True, slots=True)
class TimeInState:
    """An agent grid's threshold: seconds an agent has been in `state`."""

    key: str
    label: str
    state: str


def _catalogue(*kpis: Kpi) -> dict[str, Kpi]:
    return {k.key: k for k in kpis}


# In the order the admin lists them.
KPIS: Final[Mapping[str, Kpi]] = _catalogue(
    Kpi("calls_waiting", "Calls waiting", "count"),
    Kpi("oldest_wait_seconds", "Longest wait", "seconds"),
    Kpi("service_level_pct", "Service level", "pct"),
    Kpi("asa_seconds", "ASA", "seconds"),
    Kpi("abandoned", "Abandoned", "count"),
    Kpi("abandon_pct", "Abandon %", "pct"),
    Kpi("offered", "Offered", "count"),
    Kpi("answered", "Answered", "count"),
    Kpi("offered_today", "Offered today", "count"),
    Kpi("answered_today", "Answered today", "count"),
    Kpi("abandoned_today", "Abandoned today", "count"),
    # From the interval rows (wallboard/engine/windows.py): the reporting day, the last hour.
    Kpi("service_level_today", "Service level today", "pct"),
    Kpi("asa_today", "ASA today", "seconds"),
    Kpi("abandon_pct_today", "Abandon % today", "pct"),
    Kpi("offered_60m", "Offered, last 60 min", "count"),
    Kpi("answered_60m", "Answered, last 60 min", "count"),
    Kpi("abandoned_60m", "Abandoned, last 60 min", "count"),
    Kpi("service_level_60m", "Service level, last 60 min", "pct"),
    Kpi("asa_60m", "ASA, last 60 min", "seconds"),
    Kpi("abandon_pct_60m", "Abandon %, last 60 min", "pct"),
    # An agent's day, for a leaderboard (wallboard/engine/leaderboard.py).
    Kpi("agent_answered_today", "Answered today (agent)", "count"),
    Kpi("agent_talk_today", "Talk time today (agent)", "seconds"),
    Kpi("agent_wrap_today", "Wrap-up time today (agent)", "seconds"),
    Kpi("agent_not_ready_today", "Not-ready time today (agent)", "seconds"),
    Kpi("agent_longest_not_ready_today", "Longest not ready today (agent)", "seconds"),
    # A feed's other figures, where the vendor sends them (the row's `extra`): EXTRA_KPIS.
    Kpi("ewt_high_seconds", "EWT (high)", "seconds"),
    Kpi("ewt_medium_seconds", "EWT (medium)", "seconds"),
    Kpi("ewt_low_seconds", "EWT (low)", "seconds"),
    Kpi("returned", "Returned", "count"),
    Kpi("transferred_to_default", "Overflowed to default", "count"),
    Kpi("agents_staffed", "Agents staffed", "count"),
    Kpi("agents_available", "Available", "count"),
    Kpi("agents_ringing", "Ringing", "count"),
    Kpi("agents_on_call", "On call", "count"),
    Kpi("agents_wrap_up", "Wrap-up", "count"),
    Kpi("agents_not_ready", "Not ready", "count"),
    Kpi("agents_other", "Other", "count"),
)
# The figures of an agent's day: a leaderboard's, not a queue's.
AGENT_DAY_KPI_KEYS: Final = tuple(
    k for k in KPIS if k.startswith("agent_") and k.endswith("_today")
)
QUEUE_KPIS: Final = tuple(k for k in KPIS if k not in AGENT_DAY_KPI_KEYS)

AGENT_TIME_KPIS: Final[Mapping[str, TimeInState]] = {
    t.key: t
    for t in (
        TimeInState("time_in_not_ready", "Agent time in not ready", NOT_READY),
        TimeInState("time_in_wrap_up", "Agent time in wrap-up", WRAP_UP),
        TimeInState("time_in_ringing", "Agent time ringing", RINGING),
        TimeInState("time_in_on_call", "Agent time on call", ON_CALL),
    )
}

# The agent-count KPIs and the state each counts; "agents_staffed" counts all but logged out.
AGENT_COUNT_KPIS: Final[Mapping[str, str]] = {
    "agents_available": "available",
    "agents_ringing": "ringing",
    "agents_on_call": "on_call",
    "agents_wrap_up": "wrap_up",
    "agents_not_ready": "not_ready",
    "agents_other": "other",
}
SUM_KPIS: Final = ("calls_waiting", "abandoned", "offered", "answered")
# KPIs a feed sends among its other figures (a queue row's `extra`, same name), and how several
# queues' combine: the longest expected wait, the sum of counts. Blank where no queue sends it.
EXTRA_KPIS: Final[Mapping[str, Literal["max", "sum"]]] = {
    "ewt_high_seconds": "max",  # Avaya CMS: expected wait time per priority
    "ewt_medium_seconds": "max",
    "ewt_low_seconds": "max",
    "returned": "sum",  # Optimus: calls returned to the queue (not answered by the agent)
    "transferred_to_default": "sum",  # Optimus: calls overflowed to the default destination
}
# A queue that sends no ASA but its average wait before answer (Optimus) shows that as ASA.
ASA_FALLBACK: Final = "avg_wait_seconds"
# The service-level KPIs: a tile showing one says which target and formula (`sl`).
SERVICE_LEVEL_KPIS: Final = frozenset(
    {"service_level_pct", "service_level_today", "service_level_60m"}
)
DEFAULT_KPIS: Final = (
    "calls_waiting",
    "oldest_wait_seconds",
    "service_level_pct",
    "agents_available",
)

# The neutral agent states as a display names them: in full, and in a compact cell. In the
# order a grid lists its counts.
AGENT_STATE_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    AVAILABLE: ("Available", "Avail"),
    RINGING: ("Ringing", "Ring"),
    ON_CALL: ("On call", "Call"),
    WRAP_UP: ("Wrap-up", "Wrap"),
    NOT_READY: ("Not ready", "NR"),
    OTHER: ("Other", "Other"),
    UNKNOWN: ("Unknown", "Unk"),
    LOGGED_OUT: ("Logged out", "Out"),
}


@cache
def display_catalogue() -> dict[str, Any]:
    """What a display needs of the catalogue, as its snapshot carries it (`catalogue`): each
    KPI's label, unit and overflow limit, each agent state's labels."""
    return {
        "kpis": {
            k.key: {"label": k.label, "unit": k.unit, "limit": k.limit}
            # a service-level KPI: the tile says its target and formula (its value's `sl`)
            | ({"sl": True} if k.key in SERVICE_LEVEL_KPIS else {})
            for k in KPIS.values()
        },
        "states": {
            state: {"label": label, "short": short}
            for state, (label, short) in AGENT_STATE_LABELS.items()
        },
    }
