"""A priority message a supervisor posts in the admin takes over the screens of the boards it
is for (not the others) at once, leaves them at once when removed, and leaves at its expiry on
a display that cannot reach the server by then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.product import Product, free_port, screenshot
from tests.wallboard.alarm_wall import source, staff_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DRILL = "Fire drill at 14:00 — leave by the east stairs"


def post(admin: Any, product: Product, text: str, board: str, seconds: int) -> None:
    """Post a message in the admin as a supervisor does, expiring in `seconds`."""
    ends = datetime.now(UTC) + timedelta(seconds=seconds)
    admin.goto(f"{product.url}/admin/wallboard/prioritymessage/add/")
    admin.fill("#id_text", text)
    admin.select_option("#id_boards_from", label=board)
    admin.click("#id_boards_add")
    admin.fill("#id_expires_at_0", ends.strftime("%Y-%m-%d"))
    admin.fill("#id_expires_at_1", ends.strftime("%H:%M:%S"))
    admin.click("input[name=_save]")
    admin.wait_for_selector(".messagelist .success", timeout=10000)


def display(product: Product, chromium: Any, slug: str) -> Any:
    page = chromium.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.goto(f"{product.url}/boards/{slug}/?key={product.display_key(slug)}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    return page


def test_a_priority_message_takes_over_its_screens_until_removed_or_expired(
    product: Product, chromium: Any
) -> None:
    clock = [{"kind": "clock", "title": "Time"}]
    product.configure(
        {
            "sources": [source(free_port())],
            "boards": [
                {"title": "Desk", "slug": "desk", "tiles": clock},
                {"title": "Sales", "slug": "sales", "tiles": clock},
            ],
        }
    )
    product.start()
    desk, sales = display(product, chromium, "desk"), display(product, chromium, "sales")
    admin = staff_page(product, chromium, "/admin/")

    post(admin, product, "Systems are down: use the paper forms", "Desk", 3600)
    desk.wait_for_selector("#wb-priority:not([hidden])", timeout=10000)
    assert "paper forms" in desk.inner_text("#wb-priority")
    assert sales.is_hidden("#wb-priority")  # not one of its screens
    admin.goto(f"{product.url}/admin/wallboard/prioritymessage/")
    admin.click("text=Systems are down: use the paper forms")
    admin.click("a.deletelink")
    admin.click("input[type=submit]")  # "Yes, I'm sure"
    desk.wait_for_selector("#wb-priority", state="hidden", timeout=10000)

    post(admin, product, DRILL, "Desk", 12)
    desk.wait_for_selector("#wb-priority:not([hidden])", timeout=10000)
    assert desk.inner_text("#wb-priority-text") == DRILL
    assert desk.inner_text("#wb-priority-until").startswith("until ")
    screenshot(desk, "priority-message")
    product.stop()  # the display loses the server before the message expires
    desk.wait_for_selector('body:not([data-connection="live"])', timeout=15000)
    desk.wait_for_selector("#wb-priority", state="hidden", timeout=20000)
    assert desk.get_attribute("body", "data-connection") in ("reconnecting", "offline")
    screenshot(desk, "priority-message-expired-offline")
