"""A display's dialer campaigns tile, fed by the Optimus database source polling the fixture
database: each campaign's targets by status, its dials and the last dial, updated when the
dialer moves on. The screenshot is saved under artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from integrations.optimus_db.simulator import OptimusFixture
from tests.product import Product, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def config(database: str) -> dict[str, Any]:
    return {
        "sources": [
            {
                "name": "optimus-db",
                "vendor": "optimus_db",
                "layout": "stat",
                "refresh_seconds": 1,
                "options": {
                    "database": database,
                    "dialer_campaigns": {"3": "Renewals", "4": "Win-back"},
                    "dialer_statuses": {"1": "new", "2": "dialled", "9": "done"},
                    "dialer_seconds": 10,
                },
            }
        ],
        "boards": [
            {
                "title": "Outbound",
                "slug": "outbound",
                "columns": 1,
                "tiles": [{"kind": "dialer_campaigns", "title": "Dialer", "source": "optimus-db"}],
            }
        ],
    }


def test_the_dialer_tile_shows_each_campaigns_progress(tmp_path: Path, chromium: Any) -> None:
    path = tmp_path / "optimus.db"
    fixture = OptimusFixture(f"sqlite:///{path}")
    last = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(minutes=2)
    for target, campaign, status, dials in (
        (1, 3, 1, (0, 0, 0)),
        (2, 3, 2, (2, 1, 0)),
        (3, 3, 9, (1, 0, 0)),
        (4, 4, 1, (0, 0, 0)),
        (5, 4, 1, (0, 0, 0)),
    ):
        fixture.dialer_target(target, campaign, status, last if any(dials) else None, dials)
    product = Product(tmp_path)
    try:
        product.configure(config(f"sqlite:///file:{path}?mode=ro&uri=true"))
        product.start()
        page = product_page(product, chromium)
        row = '[data-campaign$="dialer-3"]'
        page.wait_for_selector(row, timeout=20000)
        page.wait_for_selector('[data-stale="false"]', timeout=15000)  # live, not stale
        cells = page.locator(f"{row} > *").all_inner_texts()
        assert cells[:5] == ["Renewals", "1", "1", "1", "4"], cells
        headers = page.locator(".dialer-campaigns thead th").all_inner_texts()
        assert headers == ["Campaign", "new", "dialled", "done", "Dials", "Last dial"]
        win_back = page.locator('[data-campaign$="dialer-4"] > *').all_inner_texts()
        assert win_back[:5] == ["Win-back", "2", "0", "0", "0"], win_back
        screenshot(page, "display-dialer-campaigns")
    finally:
        product.stop()
        fixture.close()


def product_page(product: Product, chromium: Any) -> Any:
    page = chromium.new_page(viewport={"width": 1000, "height": 500})
    page.goto(f"{product.url}/boards/outbound/?key={product.display_key('outbound')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    return page
