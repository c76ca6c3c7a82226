"""Helpers for the display registry and pairing tests: boards to show, a supervisor's admin
session over real HTTP, web servers (daphne) as separate processes, a display's websocket."""

from __future__ import annotations

import contextlib
import html
import http.cookiejar
import json
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

from tests.product import ROOT, Product, wait_until

ADMIN_USER, ADMIN_PASSWORD = "boss", "wallboard-boss"


def clock_board(title: str, slug: str, theme: str = "dark") -> dict[str, Any]:
    return {"title": title, "slug": slug, "theme": theme, "tiles": [{"kind": "clock"}]}


def boards_config(*boards: dict[str, Any], rotations: list[Any] | None = None) -> dict[str, Any]:
    return {"sources": [], "boards": list(boards), "rotations": rotations or []}


def make_supervisor(product: Product) -> None:
    product.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        f"User.objects.create_superuser('{ADMIN_USER}', 'boss@example.com', '{ADMIN_PASSWORD}')",
    )


class AdminSession:
    """A supervisor signed in to the admin of one web server, over plain HTTP."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = self.get("/admin/login/")
        self.post(
            "/admin/login/",
            {"username": ADMIN_USER, "password": ADMIN_PASSWORD, "next": "/admin/"},
            page,
        )
        assert "sessionid" in {c.name for c in self.jar}, "the supervisor could not sign in"

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=15) as response:
            return str(response.read().decode())

    def post(self, path: str, data: dict[str, Any], form_page: str) -> str:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page)
        assert token, "no CSRF token on the form's page"
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token.group(1)}, doseq=True)
        request = urllib.request.Request(
            self.base + path, data=body.encode(), headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=15) as response:
            return str(response.read().decode())

    def displays(self) -> str:
        """The admin's list of displays, as text."""
        return html.unescape(re.sub(r"<[^>]+>", " ", self.get("/admin/wallboard/display/")))

    def row_of(self, ident: str) -> str:
        """The list's row of one display (its text), or "" when it is not listed."""
        page = self.get("/admin/wallboard/display/")
        for row in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S):
            if ident in row or ident[:8] in row:
                return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)))
        return ""

    def act(self, action: str, pks: list[int], **extra: Any) -> str:
        """Run an admin action on displays of the list."""
        page = self.get("/admin/wallboard/display/")
        data = {"action": action, "_selected_action": [str(pk) for pk in pks], **extra}
        return self.post("/admin/wallboard/display/", data, page)


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@contextlib.contextmanager
def web_server(product: Product, port: int, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """A web server only (daphne, no ingest) on the product's database."""
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "wallboard.asgi:application"],
        cwd=ROOT, env={**product.env, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until(lambda: process.poll() is not None or listening(port), 30, "daphne to listen")
        assert process.poll() is None, "daphne stopped"
        yield process
    finally:
        process.terminate()
        process.wait(20)


def display_socket(
    port: int, slug: str, key: str, ident: str, version: str = "test", rotation: str = ""
) -> Any:
    """A display's websocket, as the display page opens it (its id and version in the URL)."""
    from websockets.sync.client import connect
    from websockets.typing import Origin

    fields = {"key": key, "display": ident, "v": version}
    query = urllib.parse.urlencode({**fields, **({"rotation": rotation} if rotation else {})})
    return connect(
        f"ws://localhost:{port}/ws/boards/{slug}/?{query}",
        origin=Origin(f"http://localhost:{port}"),
        open_timeout=15,
    )


def receive_type(ws: Any, kind: str, timeout: float = 15.0) -> dict[str, Any]:
    """The next message of this type (others, such as heartbeats, are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {kind} message within {timeout} s")
        message = json.loads(ws.recv(timeout=left))
        if message.get("type") == kind:
            return dict(message)
