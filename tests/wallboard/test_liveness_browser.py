"""In Chromium: a display never shows figures as live when they are not. It says so when
ingest goes silent (a web server whose ingest is gone: no heartbeat reaches the display), and
when a source is disabled, whose agent timers then stop counting. Screenshots in artifacts/."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest

from tests.conftest import free_port
from tests.product import ROOT, Product, screenshot, send
from tests.wallboard.test_display_browser import AGENT_TV, avaya_config

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the web server stopped"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the web server did not listen")


def test_a_display_says_its_figures_are_not_live_when_ingest_goes_silent(
    product: Product, chromium: Any
) -> None:
    product.configure(avaya_config(free_port()))
    # The source was live a moment ago, by its health row; now only the web server runs.
    product.manage(
        "shell",
        "-c",
        "from django.utils import timezone; from wallboard.models import Source, SourceHealth; "
        "SourceHealth.objects.create(source=Source.objects.get(name='cms-skills'), "
        "connected=True, stale=False, last_data_at=timezone.now(), heartbeat_at=timezone.now())",
    )
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "wallboard.asgi:application"],
        cwd=ROOT, env=product.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_listening(port, web)
        tile = f'[data-tile-id="{product.tile_id("desk", "Waiting in skill 3")}"]'
        page = chromium.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"http://localhost:{port}/boards/desk/?key={product.display_key('desk')}")
        page.wait_for_selector('body[data-connection="live"]', timeout=15000)
        assert page.get_attribute(tile, "data-stale") == "false"  # live, as far as it knows
        # Within the heartbeat's silence (6 s) and a tick, not a feed's window: 10 s at most.
        page.wait_for_selector(f'{tile}[data-stale="true"]', timeout=10000)
        banner = page.inner_text("#wb-banner")
        assert "No word from the wallboard's ingest since" in banner
        assert "not live" in banner
        assert page.get_attribute("body", "data-connection") == "live"  # the link itself is up
        assert page.inner_text("#wb-conn") == "not live"
        screenshot(page, "display-ingest-silent")
        page.close()
    finally:
        web.terminate()
        web.wait(20)


def test_a_disabled_source_is_shown_disabled_and_its_agent_timers_stop(
    product: Product, chromium: Any
) -> None:
    feed_port = free_port()
    product.configure(
        {
            "sources": [
                {
                    "name": "cms-agents",
                    "vendor": "avaya_cms",
                    "layout": "agent_tv",
                    "listen": f"127.0.0.1:{feed_port}",
                    "refresh_seconds": 3,
                }
            ],
            "boards": [
                {
                    "title": "Agents",
                    "slug": "agents",
                    "tiles": [{"kind": "agent_grid", "title": "Team", "source": "cms-agents"}],
                }
            ],
        }
    )
    product.start()
    page = chromium.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{product.url}/boards/agents/?key={product.display_key('agents')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(feed_port, AGENT_TV)
    cell = '[data-agent-id="10002"]'
    page.wait_for_selector(f'{cell}[data-state="on_call"]', timeout=15000)
    before = page.inner_text(cell)
    page.wait_for_function(f"document.querySelector('{cell}').innerText !== {before!r}")
    screenshot(page, "display-before-disabling")  # counting: the feed is live

    product.manage(
        "shell", "-c", "from wallboard.models import Source; "
        "Source.objects.filter(name='cms-agents').update(enabled=False)",
    )  # fmt: skip
    tile = '[data-kind="agent_grid"]'
    page.wait_for_selector(f'{tile}[data-stale="true"]', timeout=2 * 3 * 1000)
    assert "cms-agents is disabled" in page.inner_text("#wb-banner")
    assert "feed disabled" in page.inner_text(tile)
    frozen = page.inner_text(cell)
    time.sleep(2.5)  # two ticks of the display's clock: a timer that counted would show it
    assert page.inner_text(cell) == frozen
    screenshot(page, "display-source-disabled")
    page.close()
