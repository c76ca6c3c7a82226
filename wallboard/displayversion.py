"""The version of what a wall display runs: its page, its script's modules and its style.

A display is opened once and left on the wall for weeks; reconnecting after an upgrade brings
its websocket back, not a new script. So the page is served with the version it was built from
(and its modules and style with it in their URLs, past any cache: board.html's import map gives
every module its `?v=`), every snapshot carries the running server's version, and a display
that finds them differ reloads itself (board/connection.js).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings

PAGE_FILES = (
    "templates/wallboard/board.html",
    "static/wallboard/board.css",
)
MODULES = "static/wallboard/board"  # the display's script: native ES modules, every file here


def display_files(base: Path | None = None) -> list[str]:
    """Every file of the display, relative to the project: the page, its style, and each file
    under static/wallboard/board/ (found afresh, so a new module counts without a list)."""
    root = Path(base if base is not None else settings.BASE_DIR)
    modules = sorted(
        path.relative_to(root).as_posix() for path in (root / MODULES).rglob("*") if path.is_file()
    )
    return [*PAGE_FILES, *modules]


@cache
def display_version() -> str:
    """The display files' digest, as this process serves them (read once: an upgrade
    restarts the process). A file's name counts as well as its bytes."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for name in display_files(root):
        data = (root / name).read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:12]


@cache
def import_map() -> str:
    """The page's import map: every module of the display at its URL with `?v=` the version,
    as JSON safe inside a <script> element (found afresh: a new module needs no edit here or in
    the template)."""
    from django.templatetags.static import static

    version = display_version()
    modules = [n[len("static/") :] for n in display_files() if n.startswith(f"{MODULES}/")]
    urls = {static(m): f"{static(m)}?v={version}" for m in modules}
    text = json.dumps({"imports": urls}, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
