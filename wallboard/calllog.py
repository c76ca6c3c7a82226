"""The call log for staff (`/calls/`): calls by date range, queue, agent, caller number and
outcome, newest first, a page at a time; each with its segments, its recording tags and its
recording links. Numbers are masked unless the user may see them (and only such a user may
search by one). A page costs the same few queries whatever its length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from wallboard.api import BadParameter, call_figures, number_shower, parse_instant, queue_namer
from wallboard.calls_admin import NUMBERS_PERMISSION
from wallboard.history import site_zone
from wallboard.models import Call, CallSegment, RecordingTag, Source
from wallboard.models.calls import CALL_OUTCOMES
from wallboard.models.recordings import link_of, recording_json, recordings_of

PAGE_SIZE = 50


@dataclass
class SegmentRow:
    segment: CallSegment
    target: str
    tags: list[RecordingTag]


@dataclass
class CallRow:
    call: Call
    source: str
    queue: str
    calling: str
    wait: float
    talk: float | None
    offered: str
    segments: list[SegmentRow]
    untied: list[RecordingTag]  # tags of segments the ledger no longer lists (should be none)
    # The recording the feed itself named (Optimus' look-up), when no tag has one: (id, link).
    recording: tuple[str, str] | None = None


def _filters(params: Any, may_search_numbers: bool) -> Q:
    where = Q()
    if params.get("from", "").strip():
        where &= Q(offered_at__gte=parse_instant(params["from"], "from"))
    if params.get("to", "").strip():
        where &= Q(offered_at__lt=parse_instant(params["to"], "to", end=True))
    queue = params.get("queue", "").strip()
    if queue:
        kind, _, number = queue.rpartition(":")
        where &= Q(queue_number=number) & (Q(queue_kind=kind) if kind else Q())
    agent = params.get("agent", "").strip()
    if agent:
        where &= Q(agent_id=agent) | Q(
            Exists(CallSegment.objects.filter(call=OuterRef("pk"), agent_id=agent))
        )
    caller = "".join(ch for ch in params.get("caller", "") if ch.isalnum() or ch == "+")
    if caller and may_search_numbers:
        where &= Q(calling__contains=caller)
    outcome = params.get("outcome", "").strip()
    if outcome:
        if outcome not in CALL_OUTCOMES:
            raise BadParameter(f"outcome must be among {', '.join(CALL_OUTCOMES)}")
        where &= Q(outcome=outcome)
    return where


@staff_member_required
def call_log(request: HttpRequest) -> HttpResponse:
    whole = request.user.has_perm(NUMBERS_PERMISSION)
    error = ""
    try:
        where = _filters(request.GET, whole)
    except BadParameter as exc:
        where, error = Q(pk__in=[]), str(exc)
    qs = Call.objects.filter(where).order_by("-offered_at", "-pk").prefetch_related("segments")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    calls = list(page.object_list)
    show = number_shower(whole)
    keys = {(c.source_id, c.queue_kind, c.queue_number) for c in calls if c.queue_number}
    name = queue_namer(keys)
    sources = dict(Source.objects.values_list("id", "name"))
    tagged = recordings_of(calls)
    now = timezone.now()
    rows = [_row(c, sources, name, show, tagged, now) for c in calls]
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "rows": rows,
        "page": page,
        "query": params.urlencode(),
        "params": request.GET,
        "outcomes": CALL_OUTCOMES,
        "whole": whole,
        "error": error,
    }
    return render(request, "wallboard/calllog/index.html", context, status=400 if error else 200)


def _row(
    call: Call,
    sources: dict[int, str],
    name: Any,
    show: Any,
    tagged: dict[tuple[int, str], list[RecordingTag]],
    now: datetime,
) -> CallRow:
    tags = tagged.get((call.source_id, call.ledger_key or ""), [])
    by_seq: dict[int, list[RecordingTag]] = {}
    for tag in tags:
        by_seq.setdefault(tag.seq, []).append(tag)
    segments = [
        SegmentRow(s, show(s.target) or "", by_seq.pop(s.seq, [])) for s in call.segments.all()
    ]
    wait, talk, _ = call_figures(call, now)
    queue = ""
    if call.queue_number:
        queue = name(call.source_id, call.queue_kind, call.queue_number) or call.queue_number
    return CallRow(
        call=call,
        source=sources.get(call.source_id, ""),
        queue=queue,
        calling=show(call.calling) or "",
        wait=round(wait),
        talk=None if talk is None else round(talk),
        offered=call.offered_at.astimezone(site_zone()).strftime("%Y-%m-%d %H:%M:%S"),
        segments=segments,
        untied=[t for rest in by_seq.values() for t in rest],
        recording=_named_recording(call, tags),
    )


def _named_recording(call: Call, tags: list[RecordingTag]) -> tuple[str, str] | None:
    if any(t.recording_id for t in tags):
        return None  # the legs show theirs
    found = recording_json(None, call)
    return None if found is None else (found["id"], link_of(found["url_or_path"]))
