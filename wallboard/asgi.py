"""ASGI entry point: HTTP through Django, websockets through the board consumers."""

import logging
import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from wallboard.consumers import BoardConsumer  # noqa: E402
from wallboard.security import mode_line  # noqa: E402

# Which cookie mode the web server runs in (daphne, serve, the demo): a login that fails over
# plain HTTP is then explained by the first lines of the log.
logging.getLogger("wallboard").info(mode_line())


def same_origin(scope: Any) -> bool:
    """Whether a websocket's Origin is this server as the browser reached it (its Host, port
    included) or one of CSRF_TRUSTED_ORIGINS (a proxy that rewrites the Host). A page on
    another port of the same host name is another origin: not allowed."""
    headers = dict(scope.get("headers") or [])
    origin = headers.get(b"origin", b"").decode("latin-1").strip().lower()
    host = headers.get(b"host", b"").decode("latin-1").strip().lower()
    if not origin or origin == "null":
        return False
    if origin in (o.lower().rstrip("/") for o in settings.CSRF_TRUSTED_ORIGINS):
        return True
    scheme, _, netloc = origin.partition("://")
    if scheme not in ("http", "https") or not host:
        return False
    default = "80" if scheme == "http" else "443"
    return _with_port(netloc, default) == _with_port(host, default)


def _with_port(netloc: str, default: str) -> str:
    if netloc.startswith("["):  # [::1]:8000
        end = netloc.find("]")
        return netloc if netloc[end + 1 : end + 2] == ":" else f"{netloc}:{default}"
    return netloc if ":" in netloc else f"{netloc}:{default}"


def origin_checked(app: Any) -> Any:
    """AllowedHostsOriginValidator (reading ALLOWED_HOSTS per connection, not once at import),
    and then the same-origin rule above."""

    async def check(scope: Any, receive: Any, send: Any) -> Any:
        if not same_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await AllowedHostsOriginValidator(app)(scope, receive, send)

    return check


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": origin_checked(
            AuthMiddlewareStack(
                URLRouter([path("ws/boards/<slug:slug>/", BoardConsumer.as_asgi())])
            )
        ),
    }
)
