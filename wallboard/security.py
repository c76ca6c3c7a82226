"""Which cookie mode a site runs in (secure behind TLS, or a plain-HTTP LAN), said at start-up,
and a refused login that says why instead of a bare "CSRF verification failed"."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def mode_line() -> str:
    """One line for the start-up log: the cookie mode in force and what it means."""
    if settings.SESSION_COOKIE_SECURE:
        return (
            "security: secure cookies (HTTPS): the admin login works only over HTTPS (or "
            "http://localhost); a plain-HTTP LAN site sets SECURE_COOKIES=false"
        )
    return (
        "security: plain-HTTP LAN mode (SECURE_COOKIES=false): session and CSRF cookies also go "
        "over plain HTTP; behind TLS set SECURE_COOKIES=true"
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF_FAILURE_VIEW: a 403 that names the cause a site can act on."""
    plain_http_refused = settings.CSRF_COOKIE_SECURE and not request.is_secure()
    origin = request.headers.get("Origin", "")
    context = {
        "reason": reason,
        "plain_http_refused": plain_http_refused,
        "origin_refused": "origin" in reason.lower() or "referer" in reason.lower(),
        "origin": origin,
        "trusted": settings.CSRF_TRUSTED_ORIGINS,
    }
    return HttpResponse(
        render_to_string("wallboard/csrf_failure.html", context, request=request), status=403
    )
