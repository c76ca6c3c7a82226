"""A display draws a leaderboard of the agents' day: the longest not-ready stints at the top,
and the least not-ready time at the bottom. The screenshot is saved under artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.product import Product, free_port, screenshot, send

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AGENT_TV = (
    Path(__file__).parents[1] / "fixtures" / "avaya_cms" / "agent_tv_example.txt"
).read_bytes()


def config(feed_port: int) -> dict[str, Any]:
    return {
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
                "title": "Agents today",
                "slug": "leaders",
                "columns": 2,
                "tiles": [
                    {
                        "kind": "leaderboard",
                        "title": "Longest not ready",
                        "source": "cms-agents",
                        "height": 2,
                        "kpis": "agent_longest_not_ready_today",
                        "thresholds": [
                            {
                                "kpi": "agent_longest_not_ready_today",
                                "direction": "above",
                                "warning": 300,
                                "alarm": 600,
                            }
                        ],
                    },
                    {
                        "kind": "leaderboard_low",
                        "title": "Least talk time",
                        "source": "cms-agents",
                        "height": 2,
                        "kpis": "agent_talk_today",
                    },
                    {"kind": "agent_grid", "title": "Team", "source": "cms-agents", "width": 2},
                ],
            }
        ],
    }


def test_a_leaderboard_ranks_the_agents_day(product: Product, chromium: Any) -> None:
    feed_port = free_port()
    product.configure(config(feed_port))
    product.start()
    top = f'[data-tile-id="{product.tile_id("leaders", "Longest not ready")}"]'
    low = f'[data-tile-id="{product.tile_id("leaders", "Least talk time")}"]'
    page = chromium.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{product.url}/boards/leaders/?key={product.display_key('leaders')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(feed_port, AGENT_TV)
    page.wait_for_selector('[data-agent-id="10003"][data-state="not_ready"]', timeout=15000)
    back = AGENT_TV.replace(b"AUX    |   |  1| 7|   12:05", b"AVAIL  |   |  1|  |     :01")
    send(feed_port, back.replace(b"AUX    |   |  3| 7|   12:05", b"AVAIL  |   |  3|  |     :01"))
    # Their stints of 12:05 ended: they lead, flagged (above 10 minutes).
    page.wait_for_selector(f'{top} li[data-agent="10003"]', timeout=15000)
    first = page.inner_text(f"{top} li:first-child [data-kpi]")
    assert first.startswith("12:0"), first
    assert page.get_attribute(f"{top} li:first-child", "data-level") == "alarm"
    page.wait_for_selector(f"{low} li", timeout=15000)
    screenshot(page, "display-leaderboard")
    page.close()
