"""A display page and every snapshot name the version of the display files the server runs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from wallboard.asgi import application
from wallboard.displayversion import MODULES, display_files, display_version, import_map
from wallboard.models import Board

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_version() -> Any:
    display_version.cache_clear()
    import_map.cache_clear()
    yield
    display_version.cache_clear()
    import_map.cache_clear()


def test_the_version_changes_with_any_display_file(
    tmp_path: Path, settings: Any, fresh_version: None
) -> None:
    files = display_files(ROOT)
    assert any(name.startswith(f"{MODULES}/") for name in files)
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    settings.BASE_DIR = tmp_path
    seen = {display_version()}
    for name in files:
        with open(tmp_path / name, "a") as f:
            f.write("\n/* upgraded */\n")
        display_version.cache_clear()
        seen.add(display_version())
    assert len(seen) == 1 + len(files)
    # A module added (a new tile kind's) is a new version too, without a list to keep.
    (tmp_path / MODULES / "kinds").mkdir(parents=True, exist_ok=True)
    (tmp_path / MODULES / "kinds" / "added.js").write_text("export default {};\n")
    display_version.cache_clear()
    assert display_version() not in seen


@pytest.mark.django_db(transaction=True)
async def test_the_page_and_its_snapshot_name_the_same_version(
    client: Any, fresh_version: None
) -> None:
    board = await sync_to_async(Board.objects.create)(title="Desk", slug="desk")
    page = await sync_to_async(client.get)(f"/boards/desk/?key={board.display_key}")
    html = page.content.decode()
    version = display_version()
    assert f'data-version="{version}"' in html
    assert f"wallboard/board/main.js?v={version}" in html
    assert f"wallboard/board.css?v={version}" in html
    # Every module of the display, each with the version in its URL: the import map.
    found = re.search(r'<script type="importmap">(.*?)</script>', html, re.S)
    assert found is not None
    modules = [n[len("static/") :] for n in display_files() if n.startswith(f"{MODULES}/")]
    assert json.loads(found.group(1))["imports"] == {
        f"/static/{m}": f"/static/{m}?v={version}" for m in modules
    }
    ws = WebsocketCommunicator(
        application,
        f"/ws/boards/desk/?key={board.display_key}",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    assert (await ws.connect())[0]
    snapshot = await ws.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot" and snapshot["version"] == version
    await ws.disconnect()
