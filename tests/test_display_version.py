"""A display page and every snapshot name the version of the display files the server runs."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from wallboard.asgi import application
from wallboard.displayversion import DISPLAY_FILES, display_version
from wallboard.models import Board

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh_version() -> Any:
    display_version.cache_clear()
    yield
    display_version.cache_clear()


def test_the_version_changes_with_any_display_file(
    tmp_path: Path, settings: Any, fresh_version: None
) -> None:
    for name in DISPLAY_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    settings.BASE_DIR = tmp_path
    seen = {display_version()}
    for name in DISPLAY_FILES:
        with open(tmp_path / name, "a") as f:
            f.write("\n/* upgraded */\n")
        display_version.cache_clear()
        seen.add(display_version())
    assert len(seen) == 1 + len(DISPLAY_FILES)


@pytest.mark.django_db(transaction=True)
async def test_the_page_and_its_snapshot_name_the_same_version(
    client: Any, fresh_version: None
) -> None:
    board = await sync_to_async(Board.objects.create)(title="Desk", slug="desk")
    page = await sync_to_async(client.get)(f"/boards/desk/?key={board.display_key}")
    html = page.content.decode()
    version = display_version()
    assert f'data-version="{version}"' in html
    assert f"wallboard/board.js?v={version}" in html and f"wallboard/board.css?v={version}" in html
    ws = WebsocketCommunicator(
        application,
        f"/ws/boards/desk/?key={board.display_key}",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    assert (await ws.connect())[0]
    snapshot = await ws.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot" and snapshot["version"] == version
    await ws.disconnect()
