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
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from wallboard import displays
from wallboard.actions import control_context
from wallboard.displayversion import display_version, import_map
from wallboard.models import Board, Display, Rotation, SourceHealth
from wallboard.models.displays import pretty_code


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


def display_page(
    request: HttpRequest, board: Board, key: str, rotation: Rotation | None, display: str = ""
) -> HttpResponse:
    """The display page of a board, or of a rotation starting at its first board. `display`:
    a paired display's id (its key opens only with it); other pages make their own."""
    context: dict[str, Any] = {
        "board": board,
        "key": key,
        "rotation": rotation,
        "display": display,
        "ping_seconds": displays.ping_seconds(),
        "version": display_version(),
        "import_map": import_map(),
        "look": {"theme": "", "palette": ""},
        # A supervisor's agent menu: only for a user allowed to, never on a keyed display.
        "control": None if key else control_context(request),
    }
    if rotation is not None:
        entries = list(rotation.entries.select_related("board"))
        context["playlist"] = [
            {"slug": e.board.slug, "seconds": e.seconds, "title": e.board.title} for e in entries
        ]
        # One look for the whole rotation unless it says each board its own (see Rotation).
        if rotation.theme != "each":
            context["look"] = {"theme": rotation.theme or board.theme, "palette": board.palette}
    return render(request, "wallboard/board.html", context)


@require_GET
@never_cache
def board_display(request: HttpRequest, slug: str) -> HttpResponse:
    board = get_object_or_404(Board, slug=slug)
    refused = refusal(request, board.display_key)
    if refused is not None:
        return refused
    return display_page(request, board, request.GET.get("key", ""), None)


@require_GET
@never_cache
def rotation_display(request: HttpRequest, slug: str) -> HttpResponse:
    rotation = get_object_or_404(Rotation, slug=slug)
    refused = refusal(request, rotation.display_key)
    if refused is not None:
        return refused
    first = rotation.entries.select_related("board").first()
    if first is None:
        return HttpResponse("This rotation has no boards yet.", status=404)
    return display_page(request, first.board, request.GET.get("key", ""), rotation)


@require_GET
@never_cache
def screen_display(request: HttpRequest, ident: str) -> HttpResponse:
    """A paired display's own page: whatever board or rotation it is set to show now."""
    display = Display.objects.select_related("board", "rotation").filter(ident=ident).first()
    key = request.GET.get("key", "")
    if (
        display is None
        or not display.paired
        or not secrets.compare_digest(key, display.display_key)
    ):
        return HttpResponse(
            "This screen's key is not valid (unpaired?). Open /pair/ on it to pair it again.",
            status=403,
        )
    if display.rotation is not None:
        first = display.rotation.entries.select_related("board").first()
        if first is not None:
            return display_page(request, first.board, key, display.rotation, display.ident)
    if display.board is not None:
        return display_page(request, display.board, key, None, display.ident)
    return HttpResponse(
        "This screen is paired but has nothing to show: choose a board in the admin.", status=404
    )


# ---- pairing a screen -------------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


@require_GET
@never_cache
def pair(request: HttpRequest) -> HttpResponse:
    """An unpaired screen: a short code (and a QR code of the admin's page for it) to approve
    in the admin; the page asks until it is approved, then opens its own display URL."""
    try:
        code = displays.new_pairing(client_address(request))
    except displays.PairingRefused as refused:
        return HttpResponse(str(refused), status=429, headers={"Retry-After": "60"})
    approve_url = request.build_absolute_uri(f"/admin/wallboard/display/add/?code={code.code}")
    return render(
        request,
        "wallboard/pair.html",
        {
            "code": pretty_code(code.code),
            "secret": code.secret,
            "approve_url": approve_url,
            "qr_svg": qr_svg(approve_url),
            "minutes": int(displays.PAIRING_LIFETIME.total_seconds() // 60),
        },
    )


@csrf_exempt  # no session: the secret, which only the waiting screen has, is the credential
@require_POST
def pair_state(request: HttpRequest) -> JsonResponse:
    """The waiting screen asks with its secret (POST: never in a log's URL)."""
    secret = request.POST.get("secret", "")[:100]
    return JsonResponse(displays.pairing_state(secret))


def qr_svg(text: str) -> str:
    """A QR code as inline SVG, made here (no network, no image library)."""
    import io

    import qrcode  # type: ignore[import-untyped]
    from qrcode.image.svg import SvgPathImage  # type: ignore[import-untyped]

    image = qrcode.make(text, image_factory=SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


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
