"""The version of what a wall display runs: its page, script and style.

A display is opened once and left on the wall for weeks; reconnecting after an upgrade brings
its websocket back, not a new script. So the page is served with the version it was built from
(and its script and style with it in their URLs, past any cache), every snapshot carries the
running server's version, and a display that finds them differ reloads itself (board.js).
"""

from __future__ import annotations

import hashlib
from functools import cache

from django.conf import settings

DISPLAY_FILES = (
    "templates/wallboard/board.html",
    "static/wallboard/board.js",
    "static/wallboard/board.css",
)


@cache
def display_version() -> str:
    """The display files' digest, as this process serves them (read once: an upgrade
    restarts the process)."""
    digest = hashlib.sha256()
    for name in DISPLAY_FILES:
        digest.update((settings.BASE_DIR / name).read_bytes())
    return digest.hexdigest()[:12]
