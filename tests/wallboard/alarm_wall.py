"""Shared set-up of the alarm browser tests: a board whose tile alarms above 10 calls waiting
(clear at 7), fed over real TCP by the Avaya CMS example report, and a Chromium that may play
sound without a click, as a kiosk is told to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.product import CHROMIUM, CHROMIUM_ARGS

TVI1 = (Path(__file__).parents[1] / "fixtures" / "avaya_cms" / "tvi1_example.txt").read_bytes()


def waiting(n: int) -> bytes:
    """The example report with skill 3's calls waiting set to n."""
    return TVI1.replace(b"F1|  3|   4|", f"F1|  3|{n:4d}|".encode())


def alarm_board(
    slug: str, title: str, sound: str = "none", repeat: int | None = None
) -> dict[str, Any]:
    threshold: dict[str, Any] = {
        "kpi": "calls_waiting",
        "direction": "above",
        "warning": 3,
        "alarm": 10,
        "clear": 7,
        "sound": sound,
    }
    if repeat:
        threshold["repeat_seconds"] = repeat
    return {
        "title": title,
        "slug": slug,
        "columns": 2,
        "tiles": [
            {
                "kind": "big_number",
                "title": "Waiting in skill 3",
                "source": "cms-skills",
                "queue_range": "3",
                "kpis": "calls_waiting",
                "thresholds": [threshold],
            },
            {"kind": "clock", "title": "Time"},
        ],
    }


def source(feed_port: int) -> dict[str, Any]:
    return {
        "name": "cms-skills",
        "vendor": "avaya_cms",
        "layout": "tvi1",
        "listen": f"127.0.0.1:{feed_port}",
        "refresh_seconds": 30,  # the feed sends once; its figures stay live meanwhile
    }


def chromium_with(policy: str) -> Iterator[Any]:
    """Chromium with an autoplay policy: a kiosk's (no-user-gesture-required) or a desktop's
    (document-user-activation-required: no sound before a click on the page)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--autoplay-policy={policy}"]
        )
        yield browser
        browser.close()


KIOSK = "no-user-gesture-required"  # a kiosk's: sound without a click
DESKTOP = "document-user-activation-required"  # a desktop's: no sound before a click


def tile_selector(product: Any, slug: str) -> str:
    return f'[data-tile-id="{product.tile_id(slug, "Waiting in skill 3")}"]'


def staff_page(product: Any, chromium: Any, path: str) -> Any:
    """A supervisor (a staff user made for the test) logged in, on `path`."""
    product.env["DJANGO_SUPERUSER_PASSWORD"] = "a-supervisor-pw"
    product.manage("createsuperuser", "--noinput", "--username", "boss", "--email", "b@x.test")
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{product.url}/admin/login/?next={path}")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "a-supervisor-pw")
    page.click("input[type=submit]")
    page.wait_for_url(f"**{path}", timeout=15000)
    return page
