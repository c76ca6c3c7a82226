"""ASGI entry point: HTTP through Django, websockets through the board consumers."""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from wallboard.consumers import BoardConsumer  # noqa: E402


def origin_checked(app: Any) -> Any:
    """AllowedHostsOriginValidator, reading ALLOWED_HOSTS per connection (not once at import)."""

    async def check(scope: Any, receive: Any, send: Any) -> Any:
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
