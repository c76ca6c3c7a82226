"""An acknowledged alarm on two displays of the same board: a supervisor acknowledges it on a
third screen, and both displays stop flashing the tile while keeping its alarm colour; a
display reloaded afterwards shows it acknowledged too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.product import Product, free_port, screenshot, send
from tests.wallboard.alarm_wall import alarm_board, source, staff_page, tile_selector, waiting

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANIMATION = "(s) => getComputedStyle(document.querySelector(s)).animationName"


def test_an_acknowledged_alarm_stops_flashing_on_every_display_of_the_board(
    product: Product, chromium: Any
) -> None:
    feed_port = free_port()
    product.configure({"sources": [source(feed_port)], "boards": [alarm_board("desk", "Desk")]})
    product.start()
    tile = tile_selector(product, "desk")
    cell = f"{tile} .kpi"
    url = f"{product.url}/boards/desk/?key={product.display_key('desk')}"
    walls = []
    for _ in range(2):  # two screens, each its own browser context
        page = chromium.new_context(viewport={"width": 1280, "height": 720}).new_page()
        page.goto(url)
        page.wait_for_selector('body[data-connection="live"]', timeout=15000)
        walls.append(page)
    supervisor = staff_page(product, chromium, "/boards/desk/")
    supervisor.wait_for_selector('body[data-staff="true"][data-connection="live"]', timeout=15000)

    send(feed_port, waiting(12))
    for page in [*walls, supervisor]:
        page.wait_for_selector(f'{tile}[data-level="alarm"][data-ack="false"]', timeout=15000)
    assert walls[0].evaluate(ANIMATION, cell) == "wb-flash"
    assert walls[0].is_hidden(f"{tile} .tile-ack")  # a display key cannot acknowledge
    screenshot(walls[0], "alarm-before-ack")

    screenshot(supervisor, "alarm-ack-button")
    supervisor.click(f"{tile} .tile-ack")
    for page in walls:
        page.wait_for_selector(f'{tile}[data-ack="true"]', timeout=15000)
        assert page.get_attribute(tile, "data-level") == "alarm"  # the colour stays
        assert page.evaluate(ANIMATION, cell) == "none"
        assert "acknowledged" in page.inner_text(f"{tile} .tile-badge")
    screenshot(walls[1], "alarm-acknowledged")

    walls[1].reload()
    walls[1].wait_for_selector(f'{tile}[data-level="alarm"][data-ack="true"]', timeout=15000)
