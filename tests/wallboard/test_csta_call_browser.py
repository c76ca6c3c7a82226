"""A call from the simulated Avaya AES, on the wall: the product (`manage.py serve`, as a site
runs it) dials the AES over TCP with the password stored as its source's secret; the switch is
scripted step by step. Offered on a VDN, the call waits on the waiting-callers tile (its skill
by name, the number masked); answered, it leaves that tile and the agent's cell shows it (the
skill and the talk time). Screenshots under artifacts/."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from integrations.csta.simulator import AesSimulator
from tests.product import Product, free_port, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

T = TypeVar("T")
PASSWORD = "browser-test-aes"


class Aes:
    """The simulated AES on a loopback port, its switch in its own thread's event loop; nothing
    happens on it unless a test step says so."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sim = AesSimulator(
            stations=["5001", "5002", "5003"],
            splits=["301"],
            vdns=["7001"],
            password=PASSWORD,
            rate=0,
            activity=0,
            interval=3600,  # one burst (the agents log in), then only the scripted steps
            seed=3,
        )
        self.loop = asyncio.new_event_loop()
        self.stop_event = asyncio.Event()
        ready: asyncio.Future[int] = self.loop.create_future()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete,
            args=(self.sim.serve("127.0.0.1", self.port, stop=self.stop_event, ready=ready),),
            daemon=True,
        )
        self.thread.start()

        async def listening() -> int:
            return await ready

        asyncio.run_coroutine_threadsafe(listening(), self.loop).result(10)

    def do(self, step: Callable[..., T], *args: Any) -> T:
        """A scenario step, run on the switch's loop (its frames go out before it returns)."""

        async def run() -> T:
            return step(*args)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(10)


def config(aes_port: int) -> dict[str, Any]:
    return {
        "sources": [
            {
                "name": "aes-1",
                "vendor": "csta",
                "connect": f"127.0.0.1:{aes_port}",
                "refresh_seconds": 10,
                "options": {
                    "switch_name": "CM1",
                    "username": "wallboard",
                    "agents": "3101-3103@5001-5003",
                    "splits": "301",
                    "vdns": "7001",
                    "agent_states": "events",
                },
            }
        ],
        "names": [
            {"kind": "skill", "number": "301", "name": "Customer care"},
            {"kind": "vdn", "number": "7001", "name": "Main number"},
            {"kind": "agent", "number": "3101", "name": "Ana Costa"},
        ],
        "boards": [
            {
                "title": "Calls",
                "slug": "calls",
                "columns": 2,
                "tiles": [
                    {"kind": "waiting_callers", "title": "Waiting", "source": "aes-1"},
                    {"kind": "agent_grid", "title": "Team", "source": "aes-1", "height": 2},
                ],
            }
        ],
    }


SET_PASSWORD = (  # credentials are never imported: typed in, as the admin stores them
    "from wallboard.models import Source; s = Source.objects.get(name='aes-1'); "
    f"s.set_secrets({{'password': {PASSWORD!r}}}); s.save(update_fields=['secrets'])"
)


def test_a_call_from_the_aes_waits_on_the_wall_then_shows_in_its_agents_cell(
    tmp_path: Path, chromium: Any
) -> None:
    aes = Aes()
    product = Product(tmp_path)
    try:
        product.configure(config(aes.port))
        product.manage("shell", "-c", SET_PASSWORD)
        product.start()
        page = chromium.new_page(viewport={"width": 1200, "height": 640})
        page.goto(f"{product.url}/boards/calls/?key={product.display_key('calls')}")
        page.wait_for_selector('body[data-connection="live"]', timeout=15000)
        agent = '[data-agent-id="3101"]'
        page.wait_for_selector(agent, timeout=30000)  # the session and its monitors are up

        call = aes.do(aes.sim.offer, "7001")
        waiting = f'[data-tile-id="{product.tile_id("calls", "Waiting")}"]'
        row = f'{waiting} li[data-call$=":{call.call_id}"]'
        page.wait_for_selector(row, timeout=15000)
        assert page.inner_text(f"{row} .c-queue") == "Customer care"
        assert page.inner_text(f"{row} .c-number") == "•" * 6 + call.caller[-4:]
        page.wait_for_function(  # the wait ticks on
            "(s) => document.querySelector(s).textContent >= '0:02'",
            arg=f"{row} .c-time",
            timeout=10000,
        )
        assert page.get_attribute(f"{waiting} .calls-total", "data-waiting") == "1"
        screenshot(page, "csta-call-waiting")

        aes.do(aes.sim.ring, call, "3101")
        aes.do(aes.sim.answer, call)
        cell = f'{agent}[data-call="talking"]'
        page.wait_for_selector(cell, timeout=15000)
        page.wait_for_selector(row, state="detached", timeout=15000)
        shown = page.inner_text(f"{cell} .a-call")
        assert shown.startswith("Customer care · talk · 0:0"), shown
        assert page.get_attribute(f"{waiting} .calls-total", "data-waiting") == "0"
        page.wait_for_function(  # the talk time ticks on
            "(s) => /0:0[2-9]$/.test(document.querySelector(s).textContent)",
            arg=f"{cell} .a-call",
            timeout=10000,
        )
        screenshot(page, "csta-call-answered")
        page.close()
    finally:
        product.stop()
        aes.close()
