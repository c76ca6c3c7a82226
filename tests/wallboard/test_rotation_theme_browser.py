"""In Chromium: a rotation of a dark board and a light one keeps one theme (its first board's)
as it turns, unless the rotation says each board its own. Screenshots in artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.product import Product, screenshot
from tests.wallboard.screens import boards_config, clock_board

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def rotation(theme: str) -> dict[str, Any]:
    entry = {
        "name": "Lobby loop",
        "slug": "loop",
        "boards": [{"board": "dark", "seconds": 2}, {"board": "light", "seconds": 2}],
    }
    return {**entry, "theme": theme} if theme else entry


def themes_seen(product: Product, chromium: Any, theme: str) -> dict[str, str]:
    """The page's theme on each board of the rotation, as it turns to the light one."""
    product.configure(
        boards_config(
            clock_board("Dark board", "dark", "dark"),
            clock_board("Light board", "light", "light"),
            rotations=[rotation(theme)],
        )
    )
    key = product.manage(
        "shell",
        "-c",
        "from wallboard.models import Rotation; print(Rotation.objects.get().display_key)",
    ).split()[-1]  # (after the shell's own notes)
    product.start()
    page = chromium.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{product.url}/rotations/loop/?key={key}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    seen = {page.inner_text("#wb-title"): str(page.get_attribute("body", "data-theme"))}
    page.wait_for_function(
        "document.getElementById('wb-title').textContent === 'Light board'", timeout=15000
    )
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    seen["Light board"] = str(page.get_attribute("body", "data-theme"))
    screenshot(page, f"rotation-theme-{theme or 'kept'}")
    page.close()
    return seen


def test_a_rotation_keeps_its_first_boards_theme_by_default(
    product: Product, chromium: Any
) -> None:
    assert themes_seen(product, chromium, "") == {"Dark board": "dark", "Light board": "dark"}


def test_a_rotation_told_so_gives_each_board_its_own_theme(product: Product, chromium: Any) -> None:
    assert themes_seen(product, chromium, "each") == {"Dark board": "dark", "Light board": "light"}
