"""Interval export for BI tools: CSV (/export/...) and JSON (/api/v1/intervals/...), streamed.

`from` and `to` are reporting days (site time zone, DAY_START_HOUR; see wallboard.history), `to`
inclusive, at most MAX_DAYS. Rows come in time order (then source, queue or agent), so the
database walks the index on `start` instead of sorting a month of every agent first; they are
read in chunks and written out as they come, never held all at once.

Under ASGI (daphne) the body is an async iterator that fetches each chunk in the request's own
thread; Django would otherwise read a sync iterator to the end before sending a byte.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_GET

from wallboard.api import api_access, call_figures, number_shower, sees_numbers
from wallboard.engine.windows import rates
from wallboard.history import (
    BadDay,
    BadSelection,
    day_bounds,
    local_iso,
    parse_day,
    parse_queues,
    roll_up,
    rollup_setting,
    selection_filter,
)
from wallboard.models import Agent, AgentInterval, Call, Queue, QueueInterval, Source
from wallboard.models.intervals import AGENT_INTERVAL_FIGURES, QUEUE_INTERVAL_FIGURES
from wallboard.models.names import directory
from wallboard.models.service import service_levels

MAX_DAYS = 92
CHUNK_ROWS = 2000  # rows fetched from the database at a time
ROWS_PER_WRITE = 500  # rows per piece of the response body

QUEUE_FIGURES = QUEUE_INTERVAL_FIGURES
AGENT_FIGURES = AGENT_INTERVAL_FIGURES
QUEUE_KEY = ("kind", "number")
AGENT_KEY = ("agent_id",)
# `name`: as displays show it (the names directory's, else the feed's own), "" for none.
# Then the interval's service level %, ASA and abandon %, as the tiles count them (the queue's
# service-level setting; wallboard.engine.windows.rates).
RATE_COLUMNS = ("service_level_pct", "asa_seconds", "abandon_pct")
QUEUE_COLUMNS = ("source", *QUEUE_KEY, "name", "interval_start", *QUEUE_FIGURES, *RATE_COLUMNS)
AGENT_COLUMNS = ("source", *AGENT_KEY, "name", "interval_start", *AGENT_FIGURES)


class BadRequest(ValueError):
    pass


def date_range(request: HttpRequest) -> tuple[date, date]:
    params = request.GET
    missing = [name for name in ("from", "to") if not params.get(name, "").strip()]
    if missing:
        raise BadRequest(
            f"missing {' and '.join(missing)}: give from=YYYY-MM-DD&to=YYYY-MM-DD "
            "(reporting days, to inclusive)"
        )
    try:
        first = parse_day(params["from"], "from")
        last = parse_day(params["to"], "to")
    except BadDay as exc:
        raise BadRequest(str(exc)) from exc
    if last < first:
        raise BadRequest(f"to ({last}) is before from ({first})")
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise BadRequest(f"the range is {days} days; at most {MAX_DAYS} at a time")
    return first, last


def _source_names(request: HttpRequest) -> dict[int, str]:
    """{id: name} of the sources to export: all, or the one named by ?source=."""
    name = request.GET.get("source", "").strip()
    sources = Source.objects.all()
    if name:
        sources = sources.filter(name=name)
    names = dict(sources.values_list("id", "name"))
    if name and not names:
        raise BadRequest(f"there is no source named {name!r}")
    return names


def _ranged(model: type[Any], request: HttpRequest) -> tuple[QuerySet[Any], dict[int, str]]:
    first, last = date_range(request)
    names = _source_names(request)
    start, end = day_bounds(first, last)
    qs = model.objects.filter(start__gte=start, start__lt=end)
    if request.GET.get("source", "").strip():
        qs = qs.filter(source_id__in=list(names))
    if model is QueueInterval:
        try:
            qs = qs.filter(selection_filter(parse_queues(request.GET.getlist("queues"))))
        except BadSelection as exc:
            raise BadRequest(str(exc)) from exc
    return qs, names


def _rollup(request: HttpRequest) -> bool:
    return request.GET.get("rollup", "").strip().lower() in {"1", "true", "yes"}


def _rolled_rows(request: HttpRequest, qs: QuerySet[Any]) -> Iterator[tuple[Any, ...]]:
    """One row per interval: the chosen queues (`queues=`, else all) of the source (`source=`,
    else every source) summed, rates worked out from the sums (wallboard.history.roll_up)."""
    members = set(qs.values_list("source_id", "kind", "number").distinct())
    setting, _ = rollup_setting(members)
    source = request.GET.get("source", "").strip() or "all"
    spec = ",".join(f"{k}:{n}" for k, n in parse_queues(request.GET.getlist("queues"))) or "all"
    name = f"{len(members)} queues rolled up"
    fields = ("start", *QUEUE_FIGURES)
    rows = qs.order_by("start").values_list(*fields).iterator(chunk_size=CHUNK_ROWS)
    summed = roll_up((r[0], dict(zip(QUEUE_FIGURES, r[1:], strict=True))) for r in rows)
    for at, figures in summed:
        values = [figures[f] for f in QUEUE_FIGURES]
        yield (
            source,
            "rollup",
            spec,
            name,
            local_iso(at),
            *values,
            *rates(figures, setting).values(),
        )


def _rows(
    qs: QuerySet[Any], names: dict[int, str], key: Sequence[str], figures: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """(source, *key, name, interval_start, *figures) per interval, as stored (None for
    null)."""
    name_of = _namer(agents=key == AGENT_KEY)
    levels = service_levels() if key == QUEUE_KEY else None
    fields = ("source_id", *key, "start", *figures)
    ordered = qs.order_by("start", "source_id", *key).values_list(*fields)
    for row in ordered.iterator(chunk_size=CHUNK_ROWS):
        source_id = row[0]
        if source_id not in names:  # a source added since the names were read
            names[source_id] = Source.objects.filter(pk=source_id).values_list(
                "name", flat=True
            ).first() or str(source_id)
        n = len(key)
        ident = row[1 : 1 + n]
        named = name_of(source_id, ident)
        values = row[2 + n :]
        if levels is not None:
            setting = levels.of(source_id, ident[0], ident[1])
            values = (*values, *rates(dict(zip(figures, values, strict=True)), setting).values())
        yield (names[source_id], *ident, named, local_iso(row[1 + n]), *values)


def _namer(agents: bool) -> Callable[[int, Sequence[Any]], str]:
    """A row's name as displays show it: the names directory's, else the feed's own (the live
    row's); both read once per export."""
    names = directory()
    if agents:
        feed = {
            (s, a): name
            for s, a, name in Agent.objects.exclude(name="").values_list(
                "source_id", "agent_id", "name"
            )
        }
        return lambda s, key: names.agent(s, key[0], feed.get((s, key[0]), ""))
    queues = {
        (s, k, number): name
        for s, k, number, name in Queue.objects.exclude(name="").values_list(
            "source_id", "kind", "number", "name"
        )
    }
    return lambda s, key: names.queue(s, key[0], key[1], queues.get((s, key[0], key[1]), ""))


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return value


def _csv_pieces(columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    pending = 1
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
        pending += 1
        if pending >= ROWS_PER_WRITE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def _json_pieces(columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    yield "["
    batch: list[str] = []
    first = True
    for row in rows:
        batch.append(json.dumps(dict(zip(columns, row, strict=True))))
        if len(batch) >= ROWS_PER_WRITE:
            yield ("" if first else ",") + ",".join(batch)
            first = False
            batch = []
    if batch:
        yield ("" if first else ",") + ",".join(batch)
    yield "]"


async def _async_pieces(pieces: Iterator[str]) -> AsyncIterator[str]:
    """Each next piece fetched in the request's sync thread (its database connection)."""
    step = sync_to_async(lambda: next(pieces, None), thread_sensitive=True)
    try:
        while (piece := await step()) is not None:
            yield piece
    finally:
        close = getattr(pieces, "close", None)
        if close:
            await sync_to_async(close, thread_sensitive=True)()


def streamed(
    request: HttpRequest, pieces: Iterator[str], content_type: str, filename: str = ""
) -> StreamingHttpResponse:
    body: Iterator[str] | AsyncIterator[str] = pieces
    if isinstance(request, ASGIRequest):
        body = _async_pieces(pieces)
    response = StreamingHttpResponse(body, content_type=content_type)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def csv_response(
    request: HttpRequest, qs: QuerySet[Any], names: dict[int, str], agents: bool, filename: str
) -> StreamingHttpResponse:
    key, figures, columns = (
        (AGENT_KEY, AGENT_FIGURES, AGENT_COLUMNS)
        if agents
        else (QUEUE_KEY, QUEUE_FIGURES, QUEUE_COLUMNS)
    )
    rows = (
        _rolled_rows(request, qs)
        if not agents and _rollup(request)
        else _rows(qs, names, key, figures)
    )
    pieces = _csv_pieces(columns, rows)
    return streamed(request, pieces, "text/csv; charset=utf-8", filename)


def _filename(request: HttpRequest, what: str) -> str:
    source = request.GET.get("source", "").strip()
    return (
        "-".join(
            p for p in (what, source, request.GET["from"].strip(), request.GET["to"].strip()) if p
        )
        + ".csv"
    )


def _csv_view(request: HttpRequest, agents: bool) -> HttpResponseBase:
    model = AgentInterval if agents else QueueInterval
    try:
        qs, names = _ranged(model, request)
    except BadRequest as exc:
        return HttpResponse(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")
    what = "agent-intervals" if agents else "queue-intervals"
    return csv_response(request, qs, names, agents, _filename(request, what))


def _json_view(request: HttpRequest, agents: bool) -> HttpResponseBase:
    model = AgentInterval if agents else QueueInterval
    try:
        qs, names = _ranged(model, request)
    except BadRequest as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    key, figures, columns = (
        (AGENT_KEY, AGENT_FIGURES, AGENT_COLUMNS)
        if agents
        else (QUEUE_KEY, QUEUE_FIGURES, QUEUE_COLUMNS)
    )
    rows = (
        _rolled_rows(request, qs)
        if not agents and _rollup(request)
        else _rows(qs, names, key, figures)
    )
    pieces = _json_pieces(columns, rows)
    return streamed(request, pieces, "application/json")


@require_GET
@api_access
def queue_intervals_csv(request: HttpRequest) -> HttpResponseBase:
    return _csv_view(request, agents=False)


@require_GET
@api_access
def agent_intervals_csv(request: HttpRequest) -> HttpResponseBase:
    return _csv_view(request, agents=True)


@require_GET
@api_access
def queue_intervals_json(request: HttpRequest) -> HttpResponseBase:
    return _json_view(request, agents=False)


@require_GET
@api_access
def agent_intervals_json(request: HttpRequest) -> HttpResponseBase:
    return _json_view(request, agents=True)


# ---- calls (/export/calls.csv) ----------------------------------------------------------------

# One row per ended call. Times in the site time zone with their offset (as the interval
# export); numbers masked unless the reader may see them (wallboard.api.sees_numbers); blank
# is empty. `segments`: how many legs the call had; `agents`: their agent IDs in order, ";"
# between them.
CALL_COLUMNS = (
    "source",
    "call_id",
    "ucid",
    "direction",
    "media",
    "vdn",
    "queue_kind",
    "queue_number",
    "queue_name",
    "calling",
    "called",
    "agent_id",
    "extension",
    "offered_at",
    "queued_at",
    "answered_at",
    "ended_at",
    "wait_seconds",
    "talk_seconds",
    "hold_seconds",
    "released_by",
    "outcome",
    "transfer_target",
    "cause",
    "orphaned",
    "segments",
    "agents",
)


def _local(value: datetime | None) -> str | None:
    return local_iso(value) if value is not None else None


def _call_rows(qs: QuerySet[Call], names: dict[int, str], whole: bool) -> Iterator[tuple[Any, ...]]:
    """The calls in the order they ended, read in chunks with their segments (one query for
    each chunk's segments, whatever the number of calls)."""
    name_of = _namer(agents=False)
    show = number_shower(whole)
    ordered = qs.order_by("ended_at", "pk").prefetch_related("segments")
    for call in ordered.iterator(chunk_size=CHUNK_ROWS):
        wait, talk, hold = call_figures(call, call.ended_at or timezone.now())
        segments = list(call.segments.all())
        queue = (call.queue_kind, call.queue_number)
        yield (
            names.get(call.source_id, str(call.source_id)),
            call.call_id,
            call.ucid,
            call.direction,
            call.media,
            call.vdn,
            *queue,
            name_of(call.source_id, queue) if any(queue) else "",
            show(call.calling),
            show(call.called),
            call.agent_id,
            call.extension,
            _local(call.offered_at),
            _local(call.queued_at),
            _local(call.answered_at),
            _local(call.ended_at),
            wait,
            talk,
            hold,
            call.released_by,
            call.outcome,
            show(call.transfer_target),
            call.cause,
            "true" if call.orphaned else "false",
            len(segments),
            ";".join(s.agent_id for s in segments if s.agent_id),
        )


@require_GET
@api_access
def calls_csv(request: HttpRequest) -> HttpResponseBase:
    """Ended calls whose end falls in the reporting days from..to: each call is in exactly one
    day's file, however late it ends, so consecutive days' files miss none and repeat none."""
    try:
        first, last = date_range(request)
        names = _source_names(request)
    except BadRequest as exc:
        return HttpResponse(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")
    start, end = day_bounds(first, last)
    qs = Call.objects.filter(state="ended", ended_at__gte=start, ended_at__lt=end)
    if request.GET.get("source", "").strip():
        qs = qs.filter(source_id__in=list(names))
    rows = _call_rows(qs, names, sees_numbers(request))
    pieces = _csv_pieces(CALL_COLUMNS, rows)
    return streamed(request, pieces, "text/csv; charset=utf-8", _filename(request, "calls"))
