"""In Chromium, end to end: a TV opens /pair/ and shows a short code and a QR code; a
supervisor approves the code in the admin (name, board); the TV opens its board with a key of
its own, is listed by its name, and stops when it is unpaired. Screenshots in artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.product import Product, screenshot
from tests.wallboard.screens import boards_config, clock_board, make_supervisor
from tests.wallboard.test_display_commands_browser import admin_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_tv_paired_by_its_code_opens_its_board_with_a_key_of_its_own(
    product: Product, chromium: Any
) -> None:
    product.configure(
        boards_config(clock_board("Service desk", "desk"), clock_board("Lobby", "lobby"))
    )
    make_supervisor(product)
    product.start()

    tv = chromium.new_page(viewport={"width": 1920, "height": 1080})
    tv.goto(f"{product.url}/pair/")
    code = tv.inner_text("#pair-code")
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code), code
    assert tv.locator(".pair-qr svg path").count() == 1
    # Large: the code's letters are at least a tenth of the screen's height.
    size = tv.eval_on_selector("#pair-code", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 1080 / 10
    secret = tv.get_attribute("body", "data-secret")
    screenshot(tv, "pair-code")

    admin = admin_page(product, chromium)
    # As the QR code opens it on a phone: the code filled in, typed as read (no dash, any case).
    admin.goto(f"{product.url}/admin/wallboard/display/add/?code={code.replace('-', '').lower()}")
    admin.fill("#id_name", "Reception TV")
    admin.select_option("#id_show", label="Board: Lobby")
    screenshot(admin, "pair-approve")
    admin.click("input[name=_save]")
    admin.wait_for_selector(".messagelist .success", timeout=15000)

    tv.wait_for_url("**/screens/**", timeout=15000)
    tv.wait_for_selector('body[data-connection="live"]', timeout=15000)
    assert tv.get_attribute("body", "data-board") == "lobby"
    assert "key=" in tv.url and product.display_key("lobby") not in tv.url  # its own key
    screenshot(tv, "pair-landed")

    # Single use: the code's secret opens nothing a second time.
    again = tv.request.post(f"{product.url}/pair/state", form={"secret": secret}).json()
    assert again == {"state": "used"}

    admin.goto(f"{product.url}/admin/wallboard/display/")
    row = admin.locator("#result_list tbody tr", has_text="Reception TV")
    text = row.inner_text()
    assert "live" in text and "board Lobby" in text

    # Unpaired: its key is revoked and the screen stops (its page is refused).
    row.locator("input.action-select").check()
    admin.select_option("select[name=action]", "unpair")
    admin.click("button[name=index]")
    admin.wait_for_selector(".messagelist .success", timeout=15000)
    tv.wait_for_function("document.body.innerText.includes('not valid')", timeout=15000)
