"""A rotation that jumps to alarms: its display goes to the board in alarm as soon as ingest's
heartbeat names it, stays there while the alarm lasts (long past the board's turn would have
ended), and turns again once the alarm has cleared."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.product import Product, free_port, screenshot, send
from tests.wallboard.alarm_wall import alarm_board, source, waiting

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def rotation_key(product: Product, slug: str) -> str:
    with sqlite3.connect(product.db) as db:
        row = db.execute("SELECT display_key FROM wallboard_rotation WHERE slug = ?", (slug,))
        return str(row.fetchone()[0])


def test_a_rotation_jumps_to_the_board_in_alarm_and_stays_while_it_lasts(
    product: Product, chromium: Any
) -> None:
    feed_port = free_port()
    calm = {"title": "Welcome", "slug": "welcome", "tiles": [{"kind": "clock", "title": "Time"}]}
    product.configure(
        {
            "sources": [source(feed_port)],
            "boards": [calm, alarm_board("desk", "Desk")],
            "rotations": [
                {
                    "name": "Floor",
                    "slug": "floor",
                    "jump_to_alarm": True,
                    "boards": [
                        {"board": "welcome", "seconds": 3},
                        {"board": "desk", "seconds": 3},
                    ],
                }
            ],
        }
    )
    product.start()
    page = chromium.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{product.url}/rotations/floor/?key={rotation_key(product, 'floor')}")
    page.wait_for_selector('body[data-board="welcome"][data-connection="live"]', timeout=15000)

    send(feed_port, waiting(12))
    page.wait_for_selector('body[data-board="desk"][data-rotation-held="true"]', timeout=15000)
    page.wait_for_selector('[data-kind="big_number"][data-level="alarm"]', timeout=15000)
    screenshot(page, "alarm-rotation-held")
    # Held: two of the board's 3-second turns go by and the display is still on it.
    page.wait_for_timeout(6500)
    assert page.get_attribute("body", "data-board") == "desk"

    send(feed_port, waiting(2))  # back under the clear level (7): the alarm is over
    page.wait_for_selector('body[data-rotation-held="false"]', timeout=15000)
    page.wait_for_selector('body[data-board="welcome"]', timeout=15000)  # turning again
