"""Wall displays in a real browser (Debian's Chromium via Playwright) against the running product.

Screenshots are saved under artifacts/ for a person to look at.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.product import Product, free_port, screenshot, send

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TVI1 = (Path(__file__).parents[1] / "fixtures" / "avaya_cms" / "tvi1_example.txt").read_bytes()


def avaya_config(feed_port: int) -> dict[str, Any]:
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
        "boards": [
            {
                "title": "Service desk",
                "slug": "desk",
                "columns": 3,
                "tiles": [
                    {
                        "kind": "big_number",
                        "title": "Waiting in skill 3",
                        "source": "cms-skills",
                        "queue_range": "3",
                        "kpis": "calls_waiting",
                        "thresholds": [
                            {
                                "kpi": "calls_waiting",
                                "direction": "above",
                                "warning": 3,
                                "alarm": 10,
                            }
                        ],
                    },
                    {
                        "kind": "queue_table",
                        "title": "Skills",
                        "source": "cms-skills",
                        "width": 2,
                        "kpis": "calls_waiting, oldest_wait_seconds, service_level_pct",
                    },
                    {"kind": "clock", "title": "Time"},
                ],
            }
        ],
    }


def test_a_display_shows_live_figures_thresholds_staleness_and_recovery(
    product: Product, chromium: Any
) -> None:
    feed_port = free_port()
    product.configure(avaya_config(feed_port))
    product.start()
    key = product.display_key("desk")
    tile = f'[data-tile-id="{product.tile_id("desk", "Waiting in skill 3")}"]'
    page = chromium.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{product.url}/boards/desk/?key={key}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)

    send(feed_port, TVI1)
    page.wait_for_function(
        f"document.querySelector('{tile} [data-kpi=calls_waiting]')?.textContent === '4'",
        timeout=15000,
    )
    assert page.get_attribute(tile, "data-level") == "warning"
    assert "WARNING" in page.inner_text(tile).upper()  # not colour alone
    assert page.inner_text('[data-row-key="skill 7"] [data-kpi="oldest_wait_seconds"]') == "≥ 99:59"
    screenshot(page, "display-warning")

    send(feed_port, TVI1.replace(b"F1|  3|   4|", b"F1|  3|  12|"))
    page.wait_for_function(
        f"document.querySelector('{tile} [data-kpi=calls_waiting]')?.textContent === '12'",
        timeout=15000,
    )
    assert page.get_attribute(tile, "data-level") == "alarm"
    screenshot(page, "display-alarm")

    # The feed stops: refresh 1 s, so stale after 3 s. Nothing may look live.
    page.wait_for_selector(f'{tile}[data-stale="true"]', timeout=15000)
    page.wait_for_function(
        f"document.querySelector('{tile}').innerText.toLowerCase().includes('no data since')",
        timeout=5000,
    )
    assert "cms-skills" in page.inner_text("#wb-banner")
    screenshot(page, "display-stale")

    send(feed_port, TVI1)
    page.wait_for_selector(f'{tile}[data-stale="false"]', timeout=15000)
    page.wait_for_function(
        f"document.querySelector('{tile} [data-kpi=calls_waiting]')?.textContent === '4'",
        timeout=15000,
    )
    assert not page.is_visible("#wb-banner") or "cms-skills" not in page.inner_text("#wb-banner")
    screenshot(page, "display-recovered")
    page.close()


def k_record(seq: int, group: str, waiting: int, agents: int, longest: str) -> bytes:
    clock = time.strftime("%H%M%S")
    return f"\x02{seq:02d}K{clock}{group}{waiting:03d}{agents:03d}{longest}0000\r\n".encode()


def test_a_mitel_group_on_a_board_changes_when_the_pbx_changes_it(
    product: Product, chromium: Any
) -> None:
    import socket
    import threading

    pbx = socket.create_server(("127.0.0.1", 0))
    pbx_port = pbx.getsockname()[1]
    connections: list[socket.socket] = []
    threading.Thread(target=lambda: connections.append(pbx.accept()[0]), daemon=True).start()
    product.configure(
        {
            "sources": [{"name": "pbx-1", "vendor": "mitel", "connect": f"127.0.0.1:{pbx_port}"}],
            "boards": [
                {
                    "title": "Mitel",
                    "slug": "mitel",
                    "tiles": [
                        {
                            "kind": "queue_kpi",
                            "title": "Group 610",
                            "source": "pbx-1",
                            "queue_kind": "group",
                            "queue_range": "610",
                            "kpis": "calls_waiting, oldest_wait_seconds, agents_staffed",
                        }
                    ],
                }
            ],
        }
    )
    product.start()
    page = chromium.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{product.url}/boards/mitel/?key={product.display_key('mitel')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    deadline = time.monotonic() + 20
    while not connections and time.monotonic() < deadline:
        time.sleep(0.1)
    assert connections, "runingest never connected to the PBX"
    tile = f'[data-tile-id="{product.tile_id("mitel", "Group 610")}"]'
    connections[0].sendall(k_record(1, "610", 5, 7, "0115"))
    page.wait_for_function(
        f"document.querySelector('{tile} [data-kpi=calls_waiting]')?.textContent === '5'",
        timeout=15000,
    )
    assert page.inner_text(f"{tile} [data-kpi=oldest_wait_seconds]") == "1:15"
    assert page.inner_text(f"{tile} [data-kpi=agents_staffed]") == "7"
    connections[0].sendall(k_record(2, "610", 9, 6, "0203"))
    page.wait_for_function(
        f"document.querySelector('{tile} [data-kpi=calls_waiting]')?.textContent === '9'",
        timeout=15000,
    )
    assert page.inner_text(f"{tile} [data-kpi=oldest_wait_seconds]") == "2:03"
    screenshot(page, "display-mitel-group")
    page.close()
    connections[0].close()
    pbx.close()


def test_a_display_whose_link_goes_silent_drops_it_and_reconnects(
    product: Product, chromium: Any
) -> None:
    """A network drop can leave a half-open connection that never closes: the display hears
    nothing, not even its pings' pongs, and must not show the last figures as live."""
    product.configure(avaya_config(free_port()))
    product.start()
    page = chromium.new_page(viewport={"width": 1280, "height": 720})
    page.add_init_script("window.WALLBOARD_HEARTBEAT = { every: 300, silent: 2000 };")
    links: list[dict[str, Any]] = []

    def route(ws: Any) -> None:  # between the page and the server: the first link goes deaf
        server = ws.connect_to_server()
        link = {"pings": 0, "deaf": not links}
        links.append(link)

        def up(message: Any) -> None:
            link["pings"] += '"ping"' in str(message)
            server.send(message)

        def down(message: Any) -> None:
            if not (link["deaf"] and link["pings"] >= 2):
                ws.send(message)

        ws.on_message(up)
        server.on_message(down)

    page.route_web_socket("**/ws/boards/**", route)
    page.goto(f"{product.url}/boards/desk/?key={product.display_key('desk')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    page.wait_for_selector('body[data-connection="reconnecting"]', timeout=15000)
    assert links[0]["pings"] >= 2  # the server answered pings until the link went deaf
    assert "not live" in page.inner_text("#wb-banner")
    screenshot(page, "display-silent-link")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    assert len(links) == 2
    page.close()


# Loads of the page are counted in the tab's session; the first `older` are made to look as if
# they had been served by an older version (before the page's script reads the version).
OLDER = """
const loads = Number(sessionStorage.getItem('test-loads') || 0) + 1;
sessionStorage.setItem('test-loads', String(loads));
if (loads <= OLDER_LOADS) {
  new MutationObserver((_, observer) => {
    if (!document.body) return;
    document.body.dataset.version = 'older-' + document.body.dataset.version;
    observer.disconnect();
  }).observe(document, { childList: true, subtree: true });
}
"""


def reloaded_display(product: Product, chromium: Any, older_loads: int) -> Any:
    """A display whose first `older_loads` page loads look older than the server, once it is
    live after its first reload."""
    product.configure(avaya_config(free_port()))
    product.start()
    page = chromium.new_page(viewport={"width": 1280, "height": 720})
    page.add_init_script("window.WALLBOARD_UPGRADE = { spread: 200, again: 300000 };")
    page.add_init_script(OLDER.replace("OLDER_LOADS", str(older_loads)))
    page.goto(f"{product.url}/boards/desk/?key={product.display_key('desk')}")
    page.wait_for_function("sessionStorage.getItem('test-loads') === '2'", timeout=15000)
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    return page


def test_a_display_left_on_an_older_version_reloads_itself_once(
    product: Product, chromium: Any
) -> None:
    """After an upgrade a display reconnects to a server of another version: it loads the new
    page rather than run its old script for weeks."""
    page = reloaded_display(product, chromium, older_loads=1)
    version = page.get_attribute("body", "data-version")
    assert version and not version.startswith("older-")
    assert f"board/main.js?v={version}" in page.content()  # past any cached older script
    page.wait_for_timeout(1500)  # the page it reloaded into is the server's: no more reloads
    assert page.evaluate("sessionStorage.getItem('test-loads')") == "2"
    page.close()


def test_a_display_that_keeps_meeting_another_version_reloads_once_not_in_a_loop(
    product: Product, chromium: Any
) -> None:
    """A rolling upgrade behind a load balancer can answer with either version for a while."""
    page = reloaded_display(product, chromium, older_loads=1000)
    page.wait_for_timeout(2000)
    assert page.evaluate("sessionStorage.getItem('test-loads')") == "2"
    page.close()


def test_a_wrong_display_key_opens_nothing(product: Product, chromium: Any) -> None:
    product.configure(avaya_config(free_port()))
    product.start()
    page = chromium.new_page()
    response = page.goto(f"{product.url}/boards/desk/?key=not-the-key")
    assert response is not None and response.status == 403
    response = page.goto(f"{product.url}/api/v1/queues/?key={product.display_key('desk')}")
    assert response is not None and response.status == 401
    page.close()


AGENT_TV = (
    Path(__file__).parents[1] / "fixtures" / "avaya_cms" / "agent_tv_example.txt"
).read_bytes()


# Two names that Python and JavaScript order apart unless the display takes care: halfwidth
# katakana (U+FF71) comes before 𠮷 (U+20BB7, a surrogate pair in JavaScript) by code point.
NAMED_AGENT_TV = AGENT_TV.replace(b"Ann Adams", "ｱﾝ Adams".encode()).replace(
    b"Ben Brown", "𠮷田 Ben".encode()
)
IN_NAME_ORDER = ["10003", "10004", "10005", "10006", "10007", "10008", "10001", "10002"]


def test_an_agent_grid_follows_state_changes_and_keeps_every_agent(
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
                    "tiles": [
                        {
                            "kind": "agent_grid",
                            "title": "Team",
                            "source": "cms-agents",
                            "thresholds": [
                                {"kpi": "time_in_not_ready", "warning": 300, "alarm": 600}
                            ],
                        }
                    ],
                }
            ],
        }
    )
    product.start()
    page = chromium.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{product.url}/boards/agents/?key={product.display_key('agents')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(feed_port, NAMED_AGENT_TV)
    page.wait_for_selector('[data-agent-id="10003"][data-state="not_ready"]', timeout=15000)
    assert page.get_attribute('[data-agent-id="10003"]', "data-level") == "alarm"  # 12 min in AUX
    assert page.locator("[data-agent-id]").count() == 8
    screenshot(page, "display-agents")
    back = NAMED_AGENT_TV.replace(b"AUX    |   |  1| 7|   12:05", b"AVAIL  |   |  1|  |     :01")
    send(feed_port, back.replace(b"AUX    |   |  3| 7|   12:05", b"AVAIL  |   |  3|  |     :01"))
    page.wait_for_selector('[data-agent-id="10003"][data-state="available"]', timeout=15000)
    assert page.locator("[data-agent-id]").count() == 8  # merged, not replaced by the change
    assert page.get_attribute('[data-agent-id="10002"]', "data-state") == "on_call"
    shown = page.eval_on_selector_all("[data-agent-id]", "els => els.map(e => e.dataset.agentId)")
    assert shown == IN_NAME_ORDER  # merged on the display, in the server's order
    screenshot(page, "display-agents-changed")
    page.close()


def admin_login(product: Product, page: Any) -> None:
    """A supervisor signed in to the admin, in this page's browser context."""
    product.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "User.objects.create_superuser('boss', 'boss@example.com', 'wallboard-boss')",
    )
    page.goto(f"{product.url}/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "wallboard-boss")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools", timeout=15000)


def test_a_tiles_range_edited_in_the_admin_reaches_the_open_display(
    product: Product, chromium: Any
) -> None:
    """Only the range changes (the title and the layout stay): the display must still follow."""
    feed_port = free_port()
    config = avaya_config(feed_port)
    config["sources"][0]["refresh_seconds"] = 60  # live all along: the edit is what changes
    table = config["boards"][0]["tiles"][1]
    table["queue_range"] = "3, 12"
    product.configure(config)
    product.start()
    table_id = product.tile_id("desk", "Skills")
    rows = f'[data-tile-id="{table_id}"] [data-row-key]'
    display = chromium.new_page(viewport={"width": 1600, "height": 900})
    display.goto(f"{product.url}/boards/desk/?key={product.display_key('desk')}")
    display.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(feed_port, TVI1)
    display.wait_for_selector(f'{rows}[data-row-key="skill 3"]', timeout=15000)
    shown = display.eval_on_selector_all(rows, "els => els.map(e => e.dataset.rowKey)")
    assert shown == ["skill 3", "skill 12"]
    screenshot(display, "tile-range-before")

    admin = chromium.new_page(viewport={"width": 1280, "height": 900})
    admin_login(product, admin)
    admin.goto(f"{product.url}/admin/wallboard/tile/{table_id}/change/")
    admin.fill("#id_queue_range", "7, 12")
    admin.click("input[name=_save]")
    admin.wait_for_selector(".messagelist .success", timeout=15000)
    admin.close()

    display.wait_for_selector(f'{rows}[data-row-key="skill 7"]', timeout=15000)
    shown = display.eval_on_selector_all(rows, "els => els.map(e => e.dataset.rowKey)")
    assert shown == ["skill 7", "skill 12"]
    assert display.inner_text(f'{rows}[data-row-key="skill 7"] [data-kpi="calls_waiting"]') == "31"
    screenshot(display, "tile-range-after")
    # A display opened (or reloaded) after the edit shows the new selection too.
    display.reload()
    display.wait_for_selector('body[data-connection="live"]', timeout=15000)
    display.wait_for_selector(f'{rows}[data-row-key="skill 7"]', timeout=15000)
    assert display.locator(f'{rows}[data-row-key="skill 3"]').count() == 0
    display.close()


def test_a_value_at_its_threshold_is_not_flagged_and_a_level_reads_the_same_everywhere(
    product: Product, chromium: Any
) -> None:
    """Skill 3 has 4 calls waiting and an 86 % service level. "Alarm below 86" does not flag
    86 and "warning above 4" does not flag 4; a warning below 90 reads the same in the tile's
    header and on the value, as in a table row."""
    feed_port = free_port()
    source = avaya_config(feed_port)["sources"][0]
    source["refresh_seconds"] = 60

    def threshold(kpi: str, direction: str, warning: float, alarm: float) -> dict[str, Any]:
        return {"kpi": kpi, "direction": direction, "warning": warning, "alarm": alarm}

    product.configure(
        {
            "sources": [source],
            "boards": [
                {
                    "title": "Edges",
                    "slug": "edges",
                    "tiles": [
                        {
                            "kind": "queue_kpi",
                            "title": "At the limits",
                            "source": "cms-skills",
                            "queue_range": "3",
                            "kpis": ["service_level_pct", "calls_waiting"],
                            "thresholds": [
                                threshold("service_level_pct", "below", 86, 50),
                                threshold("calls_waiting", "above", 4, 10),
                            ],
                        },
                        {
                            "kind": "big_number",
                            "title": "Service level",
                            "source": "cms-skills",
                            "queue_range": "3",
                            "kpis": ["service_level_pct"],
                            "thresholds": [threshold("service_level_pct", "below", 90, 50)],
                        },
                        {
                            "kind": "queue_table",
                            "title": "Skills",
                            "source": "cms-skills",
                            "queue_range": "3",
                            "kpis": ["service_level_pct"],
                            "thresholds": [threshold("service_level_pct", "below", 90, 50)],
                        },
                    ],
                }
            ],
        }
    )
    product.start()
    page = chromium.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{product.url}/boards/edges/?key={product.display_key('edges')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(feed_port, TVI1)
    limits = f'[data-tile-id="{product.tile_id("edges", "At the limits")}"]'
    page.wait_for_function(
        f"document.querySelector('{limits} [data-kpi=calls_waiting]')?.textContent === '4'",
        timeout=15000,
    )
    assert page.inner_text(f"{limits} [data-kpi=service_level_pct]") == "86%"
    assert page.get_attribute(limits, "data-level") == "none"
    for kpi in ("service_level_pct", "calls_waiting"):
        assert page.get_attribute(f'{limits} [data-kpi-cell="{kpi}"]', "data-level") == "none"

    big = f'[data-tile-id="{product.tile_id("edges", "Service level")}"]'
    assert page.get_attribute(big, "data-level") == "warning"
    header = page.inner_text(f"{big} .tile-badge")
    assert "WARNING" in header.upper()
    assert page.inner_text(f"{big} .kpi-badge") == header
    table = f'[data-tile-id="{product.tile_id("edges", "Skills")}"]'
    assert page.inner_text(f"{table} .tile-badge") == header
    mark = page.inner_text(f'{table} td[data-level="warning"] .cell-icon')
    assert mark and header.startswith(mark)
    screenshot(page, "display-threshold-edges")
    page.close()


def test_an_overflowed_value_shows_the_fields_limit_with_the_overflow_mark(
    product: Product, chromium: Any
) -> None:
    """Skill 7's oldest call is `*****` on the wire: more than its mm:ss field holds."""
    feed_port = free_port()
    source = avaya_config(feed_port)["sources"][0]
    source["refresh_seconds"] = 60
    product.configure(
        {
            "sources": [source],
            "boards": [
                {
                    "title": "Overflow",
                    "slug": "overflow",
                    "tiles": [
                        {
                            "kind": "big_number",
                            "title": "Oldest call, skill 7",
                            "source": "cms-skills",
                            "queue_range": "7",
                            "kpis": ["oldest_wait_seconds"],
                            "thresholds": [
                                {"kpi": "oldest_wait_seconds", "warning": 60, "alarm": 300}
                            ],
                        },
                        {
                            "kind": "queue_kpi",
                            "title": "Skill 7",
                            "source": "cms-skills",
                            "queue_range": "7",
                            "kpis": ["calls_waiting", "oldest_wait_seconds"],
                        },
                        {
                            "kind": "queue_table",
                            "title": "Skills",
                            "source": "cms-skills",
                            "kpis": ["calls_waiting", "oldest_wait_seconds"],
                        },
                    ],
                }
            ],
        }
    )
    product.start()
    page = chromium.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{product.url}/boards/overflow/?key={product.display_key('overflow')}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(feed_port, TVI1)
    big = f'[data-tile-id="{product.tile_id("overflow", "Oldest call, skill 7")}"]'
    page.wait_for_function(
        f"document.querySelector('{big} [data-kpi=oldest_wait_seconds]')?.textContent"
        " === '≥ 99:59'",
        timeout=15000,
    )
    assert page.get_attribute(big, "data-level") == "alarm"  # at least 99:59: beyond 300 s
    kpi = f'[data-tile-id="{product.tile_id("overflow", "Skill 7")}"]'
    assert page.inner_text(f"{kpi} [data-kpi=oldest_wait_seconds]") == "≥ 99:59"
    assert page.inner_text(f"{kpi} [data-kpi=calls_waiting]") == "31"
    cell = '[data-row-key="skill 7"] [data-kpi="oldest_wait_seconds"]'
    assert page.inner_text(cell) == "≥ 99:59"
    screenshot(page, "display-overflow")
    page.close()
