"""An alarm's sound on a wall display: the page's audio element starts when a tile enters
alarm, and again every repeat seconds while nobody acknowledges it (in a kiosk's Chromium,
allowed to play sound without a click); a board a supervisor muted makes no sound."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.product import Product, free_port, screenshot, send
from tests.wallboard.alarm_wall import (
    KIOSK,
    alarm_board,
    chromium_with,
    source,
    staff_page,
    tile_selector,
    waiting,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def kiosk_chromium() -> Iterator[Any]:
    yield from chromium_with(KIOSK)


def test_an_alarm_plays_its_sound_and_repeats_it_until_acknowledged(
    product: Product,
    kiosk_chromium: Any,
) -> None:
    feed_port = free_port()
    product.configure(
        {"sources": [source(feed_port)], "boards": [alarm_board("desk", "Desk", "repeat", 2)]}
    )
    product.start()
    tile = tile_selector(product, "desk")
    page = kiosk_chromium.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{product.url}/boards/desk/?key={product.display_key('desk')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(feed_port, waiting(4))
    page.wait_for_selector(f'{tile}[data-level="warning"]', timeout=15000)
    assert page.get_attribute("#wb-audio", "data-played") == "0"  # a warning makes no sound

    send(feed_port, waiting(12))
    page.wait_for_selector(f'{tile}[data-level="alarm"]', timeout=15000)
    page.wait_for_function(
        "Number(document.getElementById('wb-audio').dataset.played) >= 1", timeout=5000
    )
    assert page.evaluate("!document.getElementById('wb-audio').paused")
    assert "since" in page.inner_text(f"{tile} .tile-badge")
    assert page.is_hidden("#wb-sound")  # the kiosk's Chromium needed no click
    screenshot(page, "alarm-sound")
    page.wait_for_function(
        "Number(document.getElementById('wb-audio').dataset.played) >= 2", timeout=6000
    )

    supervisor = staff_page(product, kiosk_chromium, "/boards/desk/")
    supervisor.wait_for_selector('body[data-staff="true"][data-connection="live"]', timeout=15000)
    supervisor.click("#wb-mute")  # "mute 15 min"
    page.wait_for_selector('#wb-mute[data-muted="true"]', timeout=10000)
    assert "muted until" in page.inner_text("#wb-mute")
    played = page.get_attribute("#wb-audio", "data-played")
    # Silence cannot be awaited: two repeat periods (2 s each) go by without a sound.
    page.wait_for_timeout(4500)
    assert page.get_attribute("#wb-audio", "data-played") == played
    screenshot(page, "alarm-muted")
    page.close()
