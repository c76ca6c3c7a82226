"""In Chromium: a supervisor in the admin's Displays switches a wall display to another board
(it navigates there and goes live) and identifies it (a banner with its name for 10 s).
Screenshots in artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.product import Product, screenshot
from tests.wallboard.screens import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    boards_config,
    clock_board,
    make_supervisor,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def admin_page(product: Product, chromium: Any) -> Any:
    page = chromium.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{product.url}/admin/login/")
    page.fill("#id_username", ADMIN_USER)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools", timeout=15000)
    return page


def open_display(product: Product, chromium: Any, slug: str) -> tuple[Any, str]:
    """A wall display of a board, live; and the id it is listed by."""
    page = chromium.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{product.url}/boards/{slug}/?key={product.display_key(slug)}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    return page, str(page.evaluate("sessionStorage.getItem('wb-display')"))


def run_action(admin: Any, ident: str, action: str) -> None:
    admin.goto(admin.url.split("/admin/")[0] + "/admin/wallboard/display/")
    row = admin.locator("#result_list tbody tr", has_text=f"display {ident[:8]}")
    row.locator("input.action-select").check()
    admin.select_option("select[name=action]", action)
    admin.click("button[name=index]")


def started(product: Product, chromium: Any) -> tuple[Any, Any, str]:
    product.configure(
        boards_config(clock_board("Service desk", "desk"), clock_board("Lobby", "lobby"))
    )
    make_supervisor(product)
    product.start()
    display, ident = open_display(product, chromium, "desk")
    admin = admin_page(product, chromium)
    admin.goto(f"{product.url}/admin/wallboard/display/")
    row = admin.locator("#result_list tbody tr", has_text=f"display {ident[:8]}")
    assert "live" in row.inner_text() and "board Service desk" in row.inner_text()
    return display, admin, ident


def test_a_display_switched_from_the_admin_opens_the_other_board(
    product: Product, chromium: Any
) -> None:
    display, admin, ident = started(product, chromium)
    screenshot(admin, "displays-admin-list")
    run_action(admin, ident, "switch")
    admin.wait_for_selector("text=Switch these displays", timeout=15000)
    admin.select_option("select[name=show]", label="Board: Lobby")
    admin.click("input[name=apply]")
    admin.wait_for_selector(".messagelist .success", timeout=15000)

    display.wait_for_url("**/boards/lobby/**", timeout=15000)
    display.wait_for_selector('body[data-connection="live"]', timeout=15000)
    assert display.get_attribute("body", "data-board") == "lobby"
    assert display.inner_text("#wb-title") == "Lobby"
    screenshot(display, "display-switched")
    # The same screen (its tab's id), now listed on the other board.
    assert display.evaluate("sessionStorage.getItem('wb-display')") == ident
    admin.goto(f"{product.url}/admin/wallboard/display/")
    row = admin.locator("#result_list tbody tr", has_text=f"display {ident[:8]}")
    assert "board Lobby" in row.inner_text() and "live" in row.inner_text()


SEEN_BANNER = """() => {
  window.bannerSeen = [];
  new MutationObserver(() => {
    const banner = document.getElementById('wb-identify');
    if (banner) window.bannerSeen.push([banner.hidden, performance.now()]);
  }).observe(document.body, { subtree: true, childList: true, attributes: true });
}"""


def test_identify_shows_the_displays_name_on_it_for_ten_seconds(
    product: Product, chromium: Any
) -> None:
    display, admin, ident = started(product, chromium)
    assert display.locator("#wb-identify").count() == 0
    # When the banner shows and hides, as the page's own clock has it (not when this process
    # next looks, which a busy machine delays): a timer only ever fires late, never early.
    display.evaluate(SEEN_BANNER)
    run_action(admin, ident, "identify")
    admin.wait_for_selector(".messagelist .success", timeout=15000)

    display.wait_for_selector("#wb-identify", state="visible", timeout=15000)
    assert f"display {ident[:8]}" in display.inner_text("#wb-identify")
    screenshot(display, "display-identify")
    display.wait_for_selector("#wb-identify", state="hidden", timeout=15000)
    seen = display.evaluate("window.bannerSeen")
    shown = next(at for hidden, at in seen if not hidden)
    gone = next(at for hidden, at in seen if hidden and at > shown)
    assert 9_900 <= gone - shown <= 12_500  # (the page reads its clock a moment after each)
    assert display.get_attribute("body", "data-connection") == "live"  # nothing else changed
