"""A browser that does not let a page play sound without a click (Chromium's default) shows a
banner to click once; the click starts the alarm's sound.

Headless Chromium plays sound whatever its --autoplay-policy (tried: the desktop policies play
without a click there), so this test gives the page the desktop's refusal itself: play() is
refused with NotAllowedError, as Chromium refuses it, until a real (trusted) click on the page.
(navigator.userActivation cannot tell: headless Chromium reports the page active at once.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.product import Product, free_port, screenshot, send
from tests.wallboard.alarm_wall import (
    DESKTOP,
    alarm_board,
    chromium_with,
    source,
    tile_selector,
    waiting,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REFUSE_BEFORE_A_CLICK = """
const play = HTMLMediaElement.prototype.play;
let clicked = false;
addEventListener('click', (e) => { if (e.isTrusted) clicked = true; }, true);
HTMLMediaElement.prototype.play = function () {
  if (!clicked) {
    return Promise.reject(new DOMException('play() needs a user gesture', 'NotAllowedError'));
  }
  return play.call(this);
};
"""


@pytest.fixture(scope="module")
def desktop_chromium() -> Iterator[Any]:
    yield from chromium_with(DESKTOP)


def test_a_browser_that_blocks_sound_asks_for_one_click(
    product: Product, desktop_chromium: Any
) -> None:
    feed_port = free_port()
    product.configure(
        {"sources": [source(feed_port)], "boards": [alarm_board("desk", "Desk", "once")]}
    )
    product.start()
    page = desktop_chromium.new_page(viewport={"width": 1280, "height": 720})
    page.add_init_script(REFUSE_BEFORE_A_CLICK)
    page.goto(f"{product.url}/boards/desk/?key={product.display_key('desk')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(feed_port, waiting(12))
    page.wait_for_selector(f'{tile_selector(product, "desk")}[data-level="alarm"]', timeout=15000)
    page.wait_for_selector("#wb-sound:not([hidden])", timeout=5000)
    screenshot(page, "alarm-sound-blocked")
    page.click("#wb-sound")
    page.wait_for_selector("#wb-sound[hidden]", state="attached", timeout=5000)
    assert page.evaluate("!document.getElementById('wb-audio').paused")
    page.close()
