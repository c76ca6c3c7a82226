"""The names directory on a wall display in a real browser (Chromium): an agent in AUX with a
reason code the directory names reads "Not ready · Lunch", agents and a queue tile show the
directory's names. The screenshot is saved under artifacts/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.product import Product, free_port, screenshot, send

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURES = Path(__file__).parents[1] / "fixtures" / "avaya_cms"
AGENT_TV = (FIXTURES / "agent_tv_example.txt").read_bytes()  # 10003 Chloe Costa, AUX 7
TVI1 = (FIXTURES / "tvi1_example.txt").read_bytes()  # skills 3, 12, 7


def test_the_agent_grid_reads_not_ready_lunch_and_tiles_show_directory_names(
    product: Product, chromium: Any
) -> None:
    agents_port, skills_port = free_port(), free_port()
    product.configure(
        {
            "sources": [
                {
                    "name": "cms-agents",
                    "vendor": "avaya_cms",
                    "layout": "agent_tv",
                    "listen": f"127.0.0.1:{agents_port}",
                    "refresh_seconds": 3,
                },
                {
                    "name": "cms-skills",
                    "vendor": "avaya_cms",
                    "layout": "tvi1",
                    "listen": f"127.0.0.1:{skills_port}",
                    "refresh_seconds": 3,
                },
            ],
            "boards": [
                {
                    "title": "Agents",
                    "slug": "agents",
                    "columns": 3,
                    "tiles": [
                        {"kind": "agent_grid", "title": "Team", "source": "cms-agents",
                         "width": 2},
                        {"kind": "big_number", "source": "cms-skills", "queue_range": "3",
                         "kpis": "calls_waiting"},
                    ],
                }
            ],
            "names": [
                {"kind": "reason", "number": "7", "name": "Lunch"},
                {"kind": "agent", "number": "10001", "name": "Ann (team lead)",
                 "override": True},
                {"kind": "skill", "number": "3", "name": "Sales"},
            ],
        }
    )  # fmt: skip
    product.start()
    page = chromium.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{product.url}/boards/agents/?key={product.display_key('agents')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(agents_port, AGENT_TV)
    send(skills_port, TVI1)
    lunch = '[data-agent-id="10003"][data-state="not_ready"] .a-state'
    page.wait_for_selector(lunch, timeout=15000)
    assert page.text_content(lunch) == "Not ready · Lunch"
    assert page.text_content('[data-agent-id="10001"] .a-name') == "Ann (team lead)"
    assert page.text_content('[data-agent-id="10002"] .a-name') == "Ben Brown"
    page.wait_for_function(
        "() => [...document.querySelectorAll('.tile-title')].some(e => e.textContent === 'Sales')",
        timeout=15000,
    )
    screenshot(page, "display-names")
    page.close()


def test_one_name_from_two_feeds_on_a_grid_is_told_apart(product: Product, chromium: Any) -> None:
    ports = {"cms-east": free_port(), "cms-west": free_port()}
    product.configure(
        {
            "sources": [
                {"name": name, "display_name": name.replace("cms-", "CMS ").title(),
                 "vendor": "avaya_cms", "layout": "agent_tv",
                 "listen": f"127.0.0.1:{port}", "refresh_seconds": 3}
                for name, port in ports.items()
            ],
            "boards": [
                {"title": "Both sites", "slug": "both",
                 "tiles": [{"kind": "agent_grid", "title": "Everyone", "width": 3}]},
            ],
        }
    )  # fmt: skip
    product.start()
    page = chromium.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{product.url}/boards/both/?key={product.display_key('both')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(ports["cms-east"], AGENT_TV)
    send(ports["cms-west"], AGENT_TV.replace(b"Ben Brown", b"Bea Bloom"))
    page.wait_for_function(
        "() => document.querySelectorAll('[data-agent-id]').length === 16", timeout=15000
    )
    names = page.eval_on_selector_all(
        '[data-agent-id="10001"] .a-name, [data-agent-id="10002"] .a-name',
        "els => els.map(e => e.textContent).sort()",
    )
    assert names == ["Ann Adams (Cms East)", "Ann Adams (Cms West)", "Bea Bloom", "Ben Brown"]
    page.wait_for_selector('section[data-kind="agent_grid"][data-stale="false"]', timeout=15000)
    screenshot(page, "display-names-two-feeds")
    page.close()


def test_two_agents_of_one_feed_with_one_name_are_told_apart_by_agent_id(
    product: Product, chromium: Any
) -> None:
    port = free_port()
    product.configure(
        {
            "sources": [
                {"name": "cms-agents", "vendor": "avaya_cms", "layout": "agent_tv",
                 "listen": f"127.0.0.1:{port}", "refresh_seconds": 3}
            ],
            "boards": [
                {"title": "Team", "slug": "team",
                 "tiles": [{"kind": "agent_grid", "title": "All"}]},
            ],
        }
    )  # fmt: skip
    product.start()
    page = chromium.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{product.url}/boards/team/?key={product.display_key('team')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(port, AGENT_TV.replace(b"Ben Brown ", b"Ann Adams "))  # two people called Ann Adams
    page.wait_for_selector('[data-agent-id="10002"]', timeout=15000)
    names = page.eval_on_selector_all(
        '[data-agent-id="10001"] .a-name, [data-agent-id="10002"] .a-name',
        "els => els.map(e => e.textContent).sort()",
    )
    assert names == ["Ann Adams · 10001", "Ann Adams · 10002"]
    assert page.text_content('[data-agent-id="10003"] .a-name') == "Chloe Costa"  # the rest
    page.close()


def test_one_queue_name_titling_tiles_of_two_feeds_is_told_apart(
    product: Product, chromium: Any
) -> None:
    ports = {"cms-east": free_port(), "cms-west": free_port()}
    product.configure(
        {
            "sources": [
                {"name": name, "display_name": name.replace("cms-", "CMS ").title(),
                 "vendor": "avaya_cms", "layout": "tvi1",
                 "listen": f"127.0.0.1:{port}", "refresh_seconds": 3}
                for name, port in ports.items()
            ],
            "boards": [
                {"title": "Sales", "slug": "sales",
                 "tiles": [
                     {"kind": "big_number", "source": name, "queue_range": "3",
                      "kpis": "calls_waiting"}
                     for name in ports
                 ] + [{"kind": "big_number", "source": "cms-east", "queue_range": "12",
                       "kpis": "calls_waiting"}]},
            ],
            "names": [{"kind": "skill", "number": "3", "name": "Sales"},
                      {"kind": "skill", "number": "12", "name": "Billing"}],
        }
    )  # fmt: skip
    product.start()
    page = chromium.new_page(viewport={"width": 1600, "height": 600})
    page.goto(f"{product.url}/boards/sales/?key={product.display_key('sales')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    for port in ports.values():
        send(port, TVI1)
    titles = "() => [...document.querySelectorAll('.tile-title')].map(e => e.textContent)"
    page.wait_for_function(f"({titles})().includes('Billing')", timeout=15000)
    page.wait_for_function(f"({titles})().includes('Sales (Cms West)')", timeout=15000)
    assert sorted(page.evaluate(titles)) == ["Billing", "Sales (Cms East)", "Sales (Cms West)"]
    page.wait_for_selector('section[data-kind="big_number"][data-stale="false"]', timeout=15000)
    screenshot(page, "display-names-titles")
    page.close()
