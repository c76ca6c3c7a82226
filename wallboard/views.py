"""Pages: the display of a board or rotation, the landing page, and /healthz."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wallboard.actions import control_context
from wallboard.displayversion import display_version, import_map
from wallboard.models import Board, Rotation, SourceHealth


def key_opens(request: HttpRequest, display_key: str) -> bool:
    """A staff session opens every board; a display key only its own board."""
    if request.user.is_authenticated and request.user.is_staff:
        return True
    key = request.GET.get("key", "")
    return bool(key) and secrets.compare_digest(key, display_key)


def refusal(request: HttpRequest, display_key: str) -> HttpResponse | None:
    """None when the request may open the display; else a 403 (bad key) or the login page."""
    if key_opens(request, display_key):
        return None
    if request.GET.get("key"):
        return HttpResponse("This display key is not valid (revoked?).", status=403)
    return login_required(lambda r: HttpResponse(status=403))(request)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_authenticated and request.user.is_staff):
        return redirect("/admin/")
    boards = Board.objects.all()
    rotations = Rotation.objects.all()
    return render(request, "wallboard/home.html", {"boards": boards, "rotations": rotations})


@require_GET
@never_cache
def board_display(request: HttpRequest, slug: str) -> HttpResponse:
    board = get_object_or_404(Board, slug=slug)
    refused = refusal(request, board.display_key)
    if refused is not None:
        return refused
    return render(
        request,
        "wallboard/board.html",
        {
            "board": board,
            "key": request.GET.get("key", ""),
            # A supervisor's agent menu: only for a user allowed to, never on a keyed display.
            "control": None if request.GET.get("key") else control_context(request),
            "rotation": None,
            "version": display_version(),
            "import_map": import_map(),
        },
    )


@require_GET
@never_cache
def rotation_display(request: HttpRequest, slug: str) -> HttpResponse:
    rotation = get_object_or_404(Rotation, slug=slug)
    refused = refusal(request, rotation.display_key)
    if refused is not None:
        return refused
    entries = list(rotation.entries.select_related("board"))
    if not entries:
        return HttpResponse("This rotation has no boards yet.", status=404)
    return render(
        request,
        "wallboard/board.html",
        {
            "board": entries[0].board,
            "key": request.GET.get("key", ""),
            "rotation": rotation,
            "version": display_version(),
            "import_map": import_map(),
            "playlist": [
                {"slug": e.board.slug, "seconds": e.seconds, "title": e.board.title}
                for e in entries
            ],
        },
    )


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 while the database answers. Says nothing secret."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        sources = list(
            SourceHealth.objects.values_list("stale", "heartbeat_at", "owner", "owner_since")
        )
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    now = timezone.now()
    owners: dict[str, dict[str, Any]] = {}
    for _, beat, owner, since in sources:
        if beat is not None and (now - beat).total_seconds() < 30 and owner:
            entry = owners.setdefault(
                owner, {"since": since.isoformat() if since else None, "sources": 0}
            )
            entry["sources"] += 1
    ingest_alive = any(
        hb is not None and (now - hb).total_seconds() < 30 for _, hb, _, _ in sources
    )
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "ingest": "running" if ingest_alive else "not running",
            "sources": len(sources),
            "stale_sources": sum(1 for stale, *_ in sources if stale),
            # The runingest process leading (host:pid), since when, and how many sources it runs.
            "owners": owners,
        }
    )
