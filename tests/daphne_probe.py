"""A daphne server for test_board_fanout, run in a child process (daphne picks the process's
Twisted reactor on import). Its one websocket consumer sits behind the middleware the board
consumer sits behind in wallboard.asgi (origin check, auth, session, cookies, URL routing),
and joins a group through the fan-out hub. On connect it tells the client what the hub found
to write frames to, then publishes an update to the group, which the hub hands to every
display of the group. A client may ask it for a burst of updates (see Probe.receive).

Usage: python tests/daphne_probe.py PORT
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")

import django

django.setup()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from daphne.server import Server  # noqa: E402
from django.urls import path  # noqa: E402

from wallboard import fanout, messages  # noqa: E402
from wallboard.asgi import origin_checked  # noqa: E402

GROUP = "board.probe"
joined = 0


class Probe(AsyncWebsocketConsumer):
    membership: fanout.Membership | None = None

    async def connect(self) -> None:
        global joined
        self.membership = await fanout.join(get_channel_layer(), GROUP, self)
        await self.accept()
        connection = self.membership.connection
        await self.send(text_data=json.dumps({"connection": type(connection).__name__}))
        await self.membership.release()
        joined += 1
        text = json.dumps({"type": "update", "seq": joined, "note": "Zoë joined"})
        await get_channel_layer().group_send(GROUP, {"type": messages.BOARD_UPDATE, "text": text})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """{"burst": n, "size": bytes}: publish n updates of about that size at once, numbered
        from 1 in "n", more than a client that stops reading leaves room for in its sockets."""
        asked = json.loads(text_data or "{}")
        pad = "x" * int(asked["size"])
        for n in range(1, int(asked["burst"]) + 1):
            text = json.dumps({"type": "update", "n": n, "pad": pad})
            await get_channel_layer().group_send(
                GROUP, {"type": messages.BOARD_UPDATE, "text": text}
            )

    async def disconnect(self, code: int) -> None:
        if self.membership is not None:
            await self.membership.leave()


application: Any = ProtocolTypeRouter(
    {"websocket": origin_checked(AuthMiddlewareStack(URLRouter([path("probe/", Probe.as_asgi())])))}
)

if __name__ == "__main__":
    endpoint = f"tcp:port={int(sys.argv[1])}:interface=127.0.0.1"
    Server(application, endpoints=[endpoint], verbosity=0).run()
