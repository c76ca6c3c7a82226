"""History pages for supervisors: one reporting day of a queue's or an agent's 15-minute intervals,
as a chart and a table, and an index of what has history.

A reporting day follows settings.TIME_ZONE and settings.DAY_START_HOUR: with DAY_START_HOUR = 6
the day 2026-03-01 runs from 06:00 local on 1 March to 06:00 local on 2 March (the same rule
ingest's `day_of` uses for the "today" figures). Intervals are stored in UTC.
"""

from __future__ import annotations

import re
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from integrations.base import QUEUE_KINDS
from wallboard.engine.names import AGENT, NO_NAMES, Names
from wallboard.engine.service import DEFAULT, ServiceLevel
from wallboard.engine.windows import rates
from wallboard.models import (
    INTERVAL_SECONDS,
    Agent,
    AgentInterval,
    Queue,
    QueueInterval,
    Source,
)
from wallboard.models.intervals import QUEUE_INTERVAL_FIGURES
from wallboard.models.names import Name, directory
from wallboard.models.service import service_levels

DASH = "–"

QUEUE_FIGURES = QUEUE_INTERVAL_FIGURES
QUEUE_HEADINGS = {
    "offered": "Offered",
    "answered": "Answered",
    "abandoned": "Abandoned",
    "answered_in_sl": "Answered in SL",
    "answer_wait_sum": "Answer wait (s, sum)",
    "answer_wait_max": "Answer wait (s, max)",
    "talk_sum": "Talk (s, sum)",
}
# Worked out from the figures, per interval and for the day, as the tiles count them (the
# queue's service-level setting): wallboard.engine.windows.rates.
RATE_HEADINGS = {
    "service_level_pct": "Service level %",
    "asa_seconds": "ASA (s)",
    "abandon_pct": "Abandon %",
}
# Figures whose day total is the largest interval value, not the sum.
MAX_FIGURES = frozenset({"answer_wait_max"})

# The agent states the chart stacks, bottom to top.
AGENT_STATE_FIGURES = (
    "available_seconds",
    "ringing_seconds",
    "on_call_seconds",
    "wrap_up_seconds",
    "not_ready_seconds",
    "other_seconds",
)
AGENT_FIGURES = ("logged_in_seconds", *AGENT_STATE_FIGURES, "not_ready_by_reason", "answered")
AGENT_HEADINGS = {
    "logged_in_seconds": "Logged in (s)",
    "available_seconds": "Available (s)",
    "ringing_seconds": "Ringing (s)",
    "on_call_seconds": "On call (s)",
    "wrap_up_seconds": "Wrap-up (s)",
    "not_ready_seconds": "Not ready (s)",
    "other_seconds": "Other (s)",
    "not_ready_by_reason": "Not ready by reason (s)",
    "answered": "Answered",
}

AGENT_LIST_LIMIT = 300

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ---- reporting days ---------------------------------------------------------------------------


class BadDay(ValueError):
    """A date parameter that is not a YYYY-MM-DD calendar date."""


def site_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def parse_day(value: str, name: str = "date") -> date:
    """A YYYY-MM-DD reporting day, or BadDay with a message naming the parameter."""
    value = value.strip()
    if not _DAY.match(value):
        raise BadDay(f"{name} must be a date as YYYY-MM-DD, not {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadDay(f"{name} is not a real date: {value!r} ({exc})") from exc


def day_start(day: date) -> datetime:
    """The first instant (UTC) of a reporting day: DAY_START_HOUR local time on that date."""
    local = datetime.combine(day, time(settings.DAY_START_HOUR), tzinfo=site_zone())
    return local.astimezone(UTC)


def day_bounds(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the reporting days first..last (inclusive)."""
    return day_start(first), day_start((last or first) + timedelta(days=1))


def current_day() -> date:
    """The reporting day now is in (as ingest.store.day_of reckons it)."""
    local = timezone.now().astimezone(site_zone()) - timedelta(hours=settings.DAY_START_HOUR)
    return local.date()


def local_iso(value: datetime) -> str:
    """An instant as ISO 8601 in the site time zone, with its offset."""
    return value.astimezone(site_zone()).isoformat()


# ---- formatting -------------------------------------------------------------------------------


def shown(value: Any) -> str:
    """A figure as the table shows it: null is a dash, never 0."""
    return DASH if value is None else str(value)


def reasons_text(
    reasons: dict[str, int] | None, names: Names = NO_NAMES, source_id: int | None = None
) -> str:
    """Not-ready time per reason code, a code the names directory names as "Lunch (2)"."""
    if not reasons:
        return DASH
    return " · ".join(
        f"{_reason(code, names, source_id)} {seconds}" for code, seconds in sorted(reasons.items())
    )


def _reason(code: str, names: Names, source_id: int | None) -> str:
    if not code:
        return "(no code)"
    why = names.reason(source_id, code)
    return f"{why} ({code})" if why else code


def total(values: Iterable[Any], largest: bool = False) -> Any:
    """Sum (or max) of the figures that are known; None when none is."""
    known = [v for v in values if v is not None]
    if not known:
        return None
    return max(known) if largest else sum(known)


def merge_reasons(rows: Iterable[dict[str, int] | None]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for reasons in rows:
        for code, seconds in (reasons or {}).items():
            merged[code] = merged.get(code, 0) + int(seconds)
    return merged


def slots(start: datetime, end: datetime) -> list[datetime]:
    """Every interval start of [start, end): 96 on most days, 92 or 100 when clocks change."""
    step = timedelta(seconds=INTERVAL_SECONDS)
    out = []
    at = start
    while at < end:
        out.append(at)
        at += step
    return out


def chart_series(
    rows: Sequence[Any], figures: Sequence[str], start: datetime, end: datetime
) -> dict[str, Any]:
    """uPlot's data: x = epoch seconds of every slot; per figure the value or null (no row, or
    the feed cannot give it)."""
    by_start = {row.start.astimezone(UTC): row for row in rows}
    xs = slots(start, end)
    series = {f: [getattr(by_start[x], f) if x in by_start else None for x in xs] for f in figures}
    return {
        "tz": settings.TIME_ZONE,
        "start": int(start.timestamp()),
        "end": int(end.timestamp()),
        "x": [int(x.timestamp()) for x in xs],
        "series": series,
    }


# ---- views ------------------------------------------------------------------------------------


def _day_from(request: HttpRequest) -> date | HttpResponse:
    value = request.GET.get("date", "").strip()
    if not value:
        return current_day()
    try:
        return parse_day(value)
    except BadDay as exc:
        return HttpResponseBadRequest(f"{exc}. Pick a day with the date field.")


def _day_context(day: date) -> dict[str, Any]:
    start, end = day_bounds(day)
    zone = site_zone()
    today = current_day()
    return {
        "day": day,
        "day_iso": day.isoformat(),
        "previous_day": (day - timedelta(days=1)).isoformat(),
        "next_day": (day + timedelta(days=1)).isoformat(),
        "is_today": day == today,
        "today": today.isoformat(),
        "day_from": start.astimezone(zone),
        "day_to": end.astimezone(zone),
        "time_zone": settings.TIME_ZONE,
    }


@require_GET
@staff_member_required
def index(request: HttpRequest) -> HttpResponse:
    find = request.GET.get("find", "").strip()
    find_source = request.GET.get("source", "")
    names = directory()
    entries = []
    for source in Source.objects.all():
        queues = Queue.objects.filter(source=source).only("kind", "number", "name", "gone")
        agents = Agent.objects.filter(source=source).only("agent_id", "name", "gone")
        agent_count = agents.count()
        finding = bool(find) and find_source == source.name
        if finding:
            named = Name.objects.filter(kind=AGENT, name__icontains=find).filter(
                Q(source=source) | Q(source__isnull=True)
            )
            agents = agents.filter(
                Q(agent_id__icontains=find)
                | Q(name__icontains=find)
                | Q(agent_id__in=list(named.values_list("number", flat=True)))
            )
        entries.append(
            {
                "source": source,
                "queues": [_named_queue(q, names) for q in queues],
                "agents": [_named_agent(a, names) for a in agents[:AGENT_LIST_LIMIT]],
                "agent_count": agent_count,
                "agents_cut": agents.count() > AGENT_LIST_LIMIT,
                "finding": find if finding else "",
            }
        )
    return render(
        request,
        "wallboard/history/index.html",
        {"entries": entries, "limit": AGENT_LIST_LIMIT, "today": current_day().isoformat()},
    )


def _named_queue(queue: Queue, names: Names) -> Queue:
    """The queue with the name displays show (the names directory's or the feed's)."""
    queue.name = names.queue(queue.source_id, queue.kind, queue.number, queue.name)
    return queue


def _named_agent(agent: Agent, names: Names) -> Agent:
    agent.name = names.agent(agent.source_id, agent.agent_id, agent.name)
    return agent


@require_GET
@staff_member_required
def queue_day(request: HttpRequest, source: str, kind: str, number: str) -> HttpResponse:
    src = get_object_or_404(Source, name=source)
    day = _day_from(request)
    if isinstance(day, HttpResponse):
        return day
    queue = Queue.objects.filter(source=src, kind=kind, number=number).first()
    label = directory().queue(src.pk, kind, number, queue.name if queue else "")
    key = QueueInterval.objects.filter(source=src, kind=kind, number=number)
    if queue is None and not key.exists():
        raise Http404(f"{source} has no {kind} {number}")
    start, end = day_bounds(day)
    rows = list(key.filter(start__gte=start, start__lt=end).order_by("start"))
    setting = service_levels().of(src.pk, kind, number)
    intervals = [(row.start, {f: getattr(row, f) for f in QUEUE_FIGURES}) for row in rows]
    context = {
        "source": src,
        "source_label": src.name,
        "title": f"{kind} {number}" + (f" · {label}" if label else ""),
        "what": "queue",
        "kind": kind,
        "number": number,
        "service_level": setting.caption(),
        "csv": "/export/queue-intervals.csv",
        "csv_query": f"source={quote(src.name)}",
        **_queue_figures(intervals, setting, start, end),
        **_day_context(day),
    }
    return render(request, "wallboard/history/day.html", context)


def _queue_figures(
    intervals: Sequence[tuple[datetime, dict[str, Any]]],
    setting: ServiceLevel,
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    """Table rows, totals and chart of a queue's (or a roll-up's) intervals: figures per
    interval start, rates worked out from them and from the day's sums."""
    zone = site_zone()
    table = [
        {
            "start": at.astimezone(zone),
            "cells": [shown(figures[f]) for f in QUEUE_FIGURES] + _rates(figures, setting),
        }
        for at, figures in intervals
    ]
    day_figures = {
        f: total((figures[f] for _, figures in intervals), largest=f in MAX_FIGURES)
        for f in QUEUE_FIGURES
    }
    totals = [shown(day_figures[f]) for f in QUEUE_FIGURES] + _rates(day_figures, setting)
    by_start = {at.astimezone(UTC): figures for at, figures in intervals}
    xs = slots(start, end)
    series: dict[str, list[Any]] = {
        f: [by_start[x][f] if x in by_start else None for x in xs]
        for f in ("offered", "answered", "abandoned")
    }
    series["service_level_pct"] = [
        rates(by_start[x], setting)["service_level_pct"] if x in by_start else None for x in xs
    ]
    chart = {
        "tz": settings.TIME_ZONE,
        "start": int(start.timestamp()),
        "end": int(end.timestamp()),
        "x": [int(x.timestamp()) for x in xs],
        "series": series,
        "target": {
            "pct": setting.target_pct,
            "label": f"SL target {setting.target_pct} % (answered {setting.caption()})",
        },
    }
    return {
        "headings": [QUEUE_HEADINGS[f] for f in QUEUE_FIGURES] + list(RATE_HEADINGS.values()),
        "rows": table,
        "totals": totals,
        "chart": chart,
    }


def _rates(figures: dict[str, Any], setting: ServiceLevel) -> list[str]:
    """Service level %, ASA and abandon % of interval figures, as cells."""
    return [shown(v) for v in rates(figures, setting).values()]


@require_GET
@staff_member_required
def agent_day(request: HttpRequest, source: str, agent_id: str) -> HttpResponse:
    src = get_object_or_404(Source, name=source)
    day = _day_from(request)
    if isinstance(day, HttpResponse):
        return day
    agent = Agent.objects.filter(source=src, agent_id=agent_id).first()
    names = directory()
    label = names.agent(src.pk, agent_id, agent.name if agent else "")
    key = AgentInterval.objects.filter(source=src, agent_id=agent_id)
    if agent is None and not key.exists():
        raise Http404(f"{source} has no agent {agent_id}")
    start, end = day_bounds(day)
    rows = list(key.filter(start__gte=start, start__lt=end).order_by("start"))
    zone = site_zone()
    table = []
    for row in rows:
        cells = [
            reasons_text(row.not_ready_by_reason, names, src.pk)
            if f == "not_ready_by_reason"
            else shown(getattr(row, f))
            for f in AGENT_FIGURES
        ]
        table.append({"start": row.start.astimezone(zone), "cells": cells})
    totals = [
        reasons_text(merge_reasons(r.not_ready_by_reason for r in rows), names, src.pk)
        if f == "not_ready_by_reason"
        else shown(total(getattr(r, f) for r in rows))
        for f in AGENT_FIGURES
    ]
    context = {
        "source": src,
        "title": f"Agent {agent_id}" + (f" · {label}" if label else ""),
        "what": "agent",
        "agent_id": agent_id,
        "headings": [AGENT_HEADINGS[f] for f in AGENT_FIGURES],
        "rows": table,
        "totals": totals,
        "chart": chart_series(rows, AGENT_STATE_FIGURES, start, end),
        "csv": "/export/agent-intervals.csv",
        "source_label": src.name,
        "csv_query": f"source={quote(src.name)}",
        **_day_context(day),
    }
    return render(request, "wallboard/history/day.html", context)


# ---- roll-ups ---------------------------------------------------------------------------------


class BadSelection(ValueError):
    """A `queues` parameter that does not name queues as kind:number."""


def parse_queues(values: Iterable[str]) -> list[tuple[str, str]]:
    """(kind, number) of each `kind:number` in the values (each a comma-separated list), in
    order, once each; [] for none (= every queue)."""
    out: list[tuple[str, str]] = []
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            kind, _, number = item.partition(":")
            kind, number = kind.strip().lower(), number.strip()
            if kind not in QUEUE_KINDS or not number:
                raise BadSelection(
                    f"queues: {item!r} is not kind:number (kind one of {', '.join(QUEUE_KINDS)})"
                )
            if (kind, number) not in out:
                out.append((kind, number))
    return out


def selection_filter(queues: Sequence[tuple[str, str]]) -> Q:
    """The QueueInterval (or Queue) rows of the chosen queues; every row for none."""
    match = Q()
    for kind, number in queues:
        match |= Q(kind=kind, number=number)
    return match


def roll_up(
    rows: Iterable[tuple[datetime, dict[str, Any]]],
) -> Iterator[tuple[datetime, dict[str, Any]]]:
    """Intervals of several queues, in time order, summed per interval start: each count and
    wait sum added over the queues that know it (None when none does), the longest wait the
    largest. Rates are then worked out from these sums, never averaged."""
    group: list[dict[str, Any]] = []
    at: datetime | None = None
    for start, figures in rows:
        if at is not None and start != at:
            yield at, _summed(group)
            group = []
        at = start
        group.append(figures)
    if at is not None:
        yield at, _summed(group)


def _summed(group: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        f: total((g[f] for g in group), largest=f in MAX_FIGURES) for f in QUEUE_INTERVAL_FIGURES
    }


def rollup_setting(keys: Iterable[tuple[int, str, str]]) -> tuple[ServiceLevel, str]:
    """The service-level setting a roll-up's rates use, and how the page names it: the queues'
    one if they share it, else the one most of them have."""
    levels = service_levels()
    counts = Counter(levels.of(source_id, kind, number) for source_id, kind, number in keys)
    if not counts:
        return DEFAULT, "the default setting"
    setting, most = counts.most_common(1)[0]
    if len(counts) == 1:
        return setting, "the setting of every queue in it"
    return setting, (
        f"mixed settings: the one {most} of {sum(counts.values())} queues have; each queue's "
        "within-target count is against its own target"
    )


@require_GET
@staff_member_required
def rollup_day(request: HttpRequest) -> HttpResponse:
    """A reporting day of several queues summed: every queue of a source (`source=NAME`) or of
    every source (no source), or only the queues named by `queues=kind:number,...`."""
    day = _day_from(request)
    if isinstance(day, HttpResponse):
        return day
    name = request.GET.get("source", "").strip()
    src = get_object_or_404(Source, name=name) if name else None
    try:
        queues = parse_queues(request.GET.getlist("queues"))
    except BadSelection as exc:
        return HttpResponseBadRequest(str(exc))
    start, end = day_bounds(day)
    key = QueueInterval.objects.filter(selection_filter(queues))
    known = Queue.objects.filter(selection_filter(queues))
    if src is not None:
        key, known = key.filter(source=src), known.filter(source=src)
    ordered = key.filter(start__gte=start, start__lt=end).order_by("start")
    rows = list(ordered.values_list("source_id", "kind", "number", "start", *QUEUE_FIGURES))
    members = {(r[0], r[1], r[2]) for r in rows} | set(
        known.values_list("source_id", "kind", "number")
    )
    setting, setting_note = rollup_setting(members)
    intervals = list(roll_up((r[3], dict(zip(QUEUE_FIGURES, r[4:], strict=True))) for r in rows))
    which = ", ".join(f"{k} {n}" for k, n in queues) if queues else "All queues"
    spec = ",".join(f"{k}:{n}" for k, n in queues)
    query = "&".join(
        p
        for p in (
            f"source={quote(src.name)}" if src else "",
            f"queues={quote(spec)}" if spec else "",
            "rollup=1",
        )
        if p
    )
    context = {
        "source": src,
        "source_label": src.name if src else "every source",
        "title": f"{which} · rolled up",
        "what": "queue",
        "rollup": True,
        "rollup_queues": spec,
        "rollup_count": len(members),
        "service_level": setting.caption(),
        "setting_note": setting_note,
        "csv": "/export/queue-intervals.csv",
        "csv_query": query,
        "keep": "".join(
            f"{p}&" for p in (f"source={quote(name)}" if name else "", f"queues={quote(spec)}") if p
        )
        if spec or name
        else "",
        **_queue_figures(intervals, setting, start, end),
        **_day_context(day),
    }
    return render(request, "wallboard/history/day.html", context)
