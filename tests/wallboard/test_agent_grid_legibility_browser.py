"""In Chromium: the agent grid reads the same from across the room on a 4K wall as on a 1080p
one (its text relative to the screen's height within a few %), and the colour-blind safe
palette keeps available, wrap-up and not ready apart under deuteranopia, by colour and by
mark. Screenshots in artifacts/."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.product import Product, free_port, screenshot, send

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STATES = ["AVAIL  |   ", "ACW    |IN ", "AUX    |   ", "ACD    |IN "]


def team(size: int) -> bytes:
    """An Avaya CMS agent report of `size` agents, in turn available, wrap-up, not ready and
    on a call."""
    rows = [
        f"F1| {10001 + i}|{f'Agent {i:02d} Longname':<20}| {40001 + i}|{STATES[i % 4]}|  1|"
        f"{' 7' if i % 4 == 2 else '  '}|    1:{i % 60:02d}"
        for i in range(size)
    ]
    return ("\n".join([*rows, "F3|END_OF_RECORDS", ""])).encode()


def config(feed_port: int) -> dict[str, Any]:
    # One tile of a busy board (three columns, two rows): 30 agents there is where the grid
    # read smaller on a 4K wall (compact cells there, full-size ones at 1080p).
    grid = {"kind": "agent_grid", "title": "Team", "source": "cms-agents"}
    side = [{"kind": "clock", "title": f"Time {i}"} for i in range(5)]
    return {
        "sources": [
            {
                "name": "cms-agents",
                "vendor": "avaya_cms",
                "layout": "agent_tv",
                "listen": f"127.0.0.1:{feed_port}",
                "refresh_seconds": 30,
            }
        ],
        "boards": [
            {"title": "Floor", "slug": "floor", "columns": 3, "tiles": [grid, *side]},
            {
                "title": "Floor (colour-blind safe)",
                "slug": "floor-cb",
                "columns": 3,
                "palette": "deuteranopia",
                "tiles": [grid, *side],
            },
        ],
    }


def open_grid(product: Product, chromium: Any, slug: str, width: int, height: int) -> Any:
    page = chromium.new_page(viewport={"width": width, "height": height})
    page.goto(f"{product.url}/boards/{slug}/?key={product.display_key(slug)}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    page.wait_for_selector('[data-agent-id="10001"]', timeout=15000)
    return page


# Measured after two frames: the grid fits itself again when its resize observer reports the
# tile's laid-out size, which it does in the next frame's rendering steps.
MEASURE = """async () => {
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const px = (sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize);
  const shown = document.querySelectorAll('[data-agent-id]').length;
  return { name: px('.a-name'), state: px('.a-state'), shown, height: innerHeight };
}"""


def test_the_agent_grid_text_is_as_large_relative_to_a_4k_screen_as_to_a_1080p_one(
    product: Product, chromium: Any
) -> None:
    feed_port = free_port()
    product.configure(config(feed_port))
    product.start()
    page = open_grid_fed(product, chromium, "floor", feed_port, 30)
    hd = page.evaluate(MEASURE)
    screenshot(page, "grid-1080p")
    uhd_page = open_grid(product, chromium, "floor", 3840, 2160)
    uhd = uhd_page.evaluate(MEASURE)
    screenshot(uhd_page, "grid-4k")

    for part in ("name", "state"):
        relative_hd, relative_uhd = hd[part] / hd["height"], uhd[part] / uhd["height"]
        assert relative_uhd == pytest.approx(relative_hd, rel=0.05), (part, hd, uhd)
    assert uhd["shown"] == hd["shown"]  # the same agents fit, not more and smaller


# Machado et al. (2009), deuteranopia at full severity, on linear RGB.
DEUTERANOPIA = [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.011820, 0.042940, 0.968881],
]


def seen_by_deuteranope(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """CIELAB of a colour as a deuteranope sees it."""

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    lin = [linear(c) for c in rgb]
    r, g, b = (
        max(0.0, min(1.0, sum(m * v for m, v in zip(row, lin, strict=True))))
        for row in DEUTERANOPIA
    )
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


def closest_pair(page: Any) -> float:
    """The smallest colour difference (CIE76 ΔE, as a deuteranope sees them) between the
    available, wrap-up and not ready cells' state colours."""
    colours = page.evaluate(
        """() => Object.fromEntries(['available', 'wrap_up', 'not_ready'].map((s) => [s,
             getComputedStyle(document.querySelector(`.agent[data-state="${s}"]`)).borderLeftColor
               .match(/\\d+/g).slice(0, 3).map(Number)]))"""
    )
    labs = [seen_by_deuteranope(tuple(c)) for c in colours.values()]
    return min(
        sum((p - q) ** 2 for p, q in zip(a, b, strict=True)) ** 0.5
        for a, b in itertools.combinations(labs, 2)
    )


def marks(page: Any) -> list[str]:
    return list(
        page.evaluate(
            """() => ['available', 'wrap_up', 'not_ready'].map((s) => getComputedStyle(
                 document.querySelector(`.agent[data-state="${s}"] .a-state`), '::before')
                 .content)"""
        )
    )


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_colour_blind_palette_keeps_available_wrap_up_and_not_ready_apart(
    product: Product, chromium: Any, theme: str
) -> None:
    feed_port = free_port()
    board_config = config(feed_port)
    for board in board_config["boards"]:
        board["theme"] = theme
    product.configure(board_config)
    product.start()
    standard = open_grid_fed(product, chromium, "floor", feed_port, 12)
    safe = open_grid(product, chromium, "floor-cb", 1920, 1080)
    assert safe.get_attribute("body", "data-palette") == "deuteranopia"
    # As the issue found: under deuteranopia two of the three look alike in the standard one.
    assert closest_pair(standard) < 15
    assert closest_pair(safe) >= 30
    # And not by colour alone: a mark of its own for each.
    assert len(set(marks(safe))) == 3 and "none" not in marks(safe)
    screenshot(safe, f"grid-colour-blind-{theme}")


def open_grid_fed(product: Product, chromium: Any, slug: str, feed_port: int, size: int) -> Any:
    """A 1080p display of the board, then the team sent to the feed."""
    page = chromium.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{product.url}/boards/{slug}/?key={product.display_key(slug)}")
    page.wait_for_selector('body[data-connection="live"]', timeout=15000)
    send(feed_port, team(size))
    page.wait_for_selector('[data-agent-id="10001"]', timeout=15000)
    return page
