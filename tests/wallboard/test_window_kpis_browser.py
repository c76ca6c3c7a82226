"""A display shows today's service level from the interval rows, with the target and formula
it is counted by. The screenshot is saved under artifacts/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.product import Product, free_port, screenshot, send

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TVI1 = (Path(__file__).parents[1] / "fixtures" / "avaya_cms" / "tvi1_example.txt").read_bytes()


def config(feed_port: int) -> dict[str, Any]:
    return {
        "sources": [
            {
                "name": "cms-skills",
                "vendor": "avaya_cms",
                "layout": "tvi1",
                "listen": f"127.0.0.1:{feed_port}",
                "refresh_seconds": 1,
            }
        ],
        "service_levels": [
            {"source": "cms-skills", "kind": "skill", "number": "3", "formula": "answered"}
        ],
        "boards": [
            {
                "title": "Service today",
                "slug": "today",
                "columns": 3,
                "tiles": [
                    {
                        "kind": "big_number",
                        "title": "Skill 3 today",
                        "source": "cms-skills",
                        "queue_range": "3",
                        "kpis": "service_level_today",
                        "thresholds": [
                            {"kpi": "service_level_today", "direction": "below", "warning": 90}
                        ],
                    },
                    {
                        "kind": "queue_kpi",
                        "title": "All skills",
                        "source": "cms-skills",
                        "width": 2,
                        "kpis": "service_level_pct, service_level_today, asa_today, "
                        "abandon_pct_today, offered_60m, service_level_60m",
                    },
                    {
                        "kind": "queue_table",
                        "title": "Skills today",
                        "source": "cms-skills",
                        "width": 3,
                        "kpis": "calls_waiting, service_level_today, asa_today, answered_60m",
                    },
                ],
            }
        ],
    }


def test_a_board_shows_todays_service_level_and_which_one_it_is(
    product: Product, chromium: Any
) -> None:
    feed_port = free_port()
    product.configure(config(feed_port))
    product.start()
    key = product.display_key("today")
    big = f'[data-tile-id="{product.tile_id("today", "Skill 3 today")}"]'
    page = chromium.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{product.url}/boards/today/?key={key}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(feed_port, TVI1)
    page.wait_for_function(
        f"document.querySelector('{big} [data-kpi=service_level_today]')?.textContent === '100%'",
        timeout=15000,
    )
    # Skill 3's own setting: within target over answered, the target the feed counts by.
    caption = page.inner_text(f"{big} [data-sl=service_level_today]")
    assert "of answered" in caption and caption.startswith("≤ ")
    all_skills = f'[data-tile-id="{product.tile_id("today", "All skills")}"]'
    assert page.inner_text(f"{all_skills} [data-kpi=offered_60m]") not in ("", "–")
    assert "≈" in page.inner_text(f'{all_skills} [data-kpi-cell="service_level_today"]')
    screenshot(page, "display-service-level-today")
