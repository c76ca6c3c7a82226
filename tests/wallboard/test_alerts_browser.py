"""The deployed product (`manage.py serve`, one process) raises an alert from a CMS report sent
over TCP, posts it to a real webhook receiver, and a supervisor sees it in the admin's history
in Chromium and acknowledges it there. Screenshots are saved under artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.alert_receivers import WebhookReceiver, skill_report
from tests.product import Product, free_port, screenshot, send, wait_until
from tests.wallboard.test_display_browser import admin_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_alert_raised_by_the_product_is_posted_listed_and_acknowledged(
    product: Product, chromium: Any
) -> None:
    feed_port = free_port()
    product.configure(
        {
            "sources": [
                {
                    "name": "cms-skills",
                    "vendor": "avaya_cms",
                    "layout": "tvi1",
                    "listen": f"127.0.0.1:{feed_port}",
                    "refresh_seconds": 60,
                }
            ],
            "boards": [],
        }
    )
    hooks = WebhookReceiver().start()
    try:
        product.manage(
            "shell",
            "-c",
            "from wallboard.models import AlertChannel, AlertRule, Source; "
            f"c = AlertChannel.objects.create(name='ops', kind='webhook', url='{hooks.url()}', "
            "secret='k'); "
            "r = AlertRule.objects.create(name='Sales queue', kind='kpi', severity='critical', "
            "source=Source.objects.get(name='cms-skills'), queue_kind='skill', queue_range='3', "
            "kpi='calls_waiting', level=10, hold_seconds=1); r.channels.set([c])",
        )
        product.env["ALERT_EVALUATE_SECONDS"] = "0.5"
        product.start()
        wait_until(lambda: _sent(feed_port, skill_report(waiting=14)), 20, "the feed's port")
        (post,) = wait_until(hooks.posts, 20, "the alert posted")
        assert post.json()["summary"] == "Calls waiting is 14, above 10"

        page = chromium.new_page(viewport={"width": 1500, "height": 700})
        admin_login(product, page)
        page.goto(f"{product.url}/admin/wallboard/alert/?state=open")
        row = page.locator("#result_list tbody tr").first
        assert "Sales queue" in row.inner_text() and "ops (sent)" in row.inner_text()
        screenshot(page, "alerts-admin-history")

        row.locator("input.action-select").check()
        page.select_option("select[name=action]", "acknowledge")
        page.click("button[name=index]")
        page.wait_for_selector("text=1 alert(s) acknowledged.", timeout=15000)
        assert "boss at" in page.locator("#result_list tbody tr").first.inner_text()
        screenshot(page, "alerts-admin-acknowledged")
        page.close()
    finally:
        hooks.stop()


def _sent(port: int, data: bytes) -> bool:
    try:
        send(port, data)
    except OSError:
        return False
    return True
