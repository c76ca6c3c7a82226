"""A display shows a call as it happens: offered, it waits on the waiting-callers tile (its
wait ticking, the number masked); answered, it leaves that tile and the agent's cell shows it
(queue and talk time, then "held"); a caller who gives up shows on the recently abandoned.
The screenshots are saved under artifacts/."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.product import ARTIFACTS, ROOT, Product, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


class EventProduct(Product):
    """The product run with the example vendor registered (tests/system/with_example_vendor)."""

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "tests.system.with_example_vendor", *args]

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            self.command(*args), cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def start(self) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        log = open(self.workdir / "serve.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command("serve", "--port", str(self.port)),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(
            "the product did not start: " + (self.workdir / "serve.log").read_text()
        )


class PhoneSystem:
    """The example feed's server end, which the product's ingest dials."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.link: socket.socket | None = None
        self.ready = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.link, _ = self.listener.accept()
        self.link.recv(1024)  # ingest's HELLO
        self.ready.set()

    def send(self, *lines: str) -> None:
        assert self.ready.wait(30), "ingest never dialled the phone system"
        assert self.link is not None
        self.link.sendall("".join(f"{line}\n" for line in (*lines, "END")).encode())

    def close(self) -> None:
        if self.link is not None:
            self.link.close()
        self.listener.close()


def config(feed_port: int) -> dict[str, Any]:
    return {
        "sources": [
            {
                "name": "pbx",
                "vendor": "example",
                "connect": f"127.0.0.1:{feed_port}",
                "refresh_seconds": 60,
            }
        ],
        "names": [{"kind": "queue", "number": "5", "name": "Sales"}],
        "boards": [
            {
                "title": "Calls",
                "slug": "calls",
                "columns": 2,
                "tiles": [
                    {"kind": "waiting_callers", "title": "Waiting", "source": "pbx"},
                    {"kind": "agent_grid", "title": "Team", "source": "pbx", "height": 2},
                    {"kind": "recent_abandoned", "title": "Abandoned", "source": "pbx"},
                ],
            }
        ],
    }


def test_a_call_waits_on_the_wall_then_shows_in_its_agents_cell(
    tmp_path: Path, chromium: Any
) -> None:
    phone = PhoneSystem()
    product = EventProduct(tmp_path)
    try:
        product.configure(config(phone.port))
        product.start()
        waiting = f'[data-tile-id="{product.tile_id("calls", "Waiting")}"]'
        page = chromium.new_page(viewport={"width": 1400, "height": 700})
        page.goto(f"{product.url}/boards/calls/?key={product.display_key('calls')}")
        page.wait_for_selector('body[data-connection="live"]', timeout=15000)
        offered = time.time() - 65  # it has waited a minute already
        phone.send(
            "A|a1|available",
            "A|a2|available",
            f"C|k1|offered|q=5;calling=01632960123;at={offered}",
            f"C|k1|queued|q=5;at={offered}",
        )
        row = f'{waiting} li[data-call$=":k1"]'
        page.wait_for_selector(row, timeout=15000)
        assert page.inner_text(f"{row} .c-queue") == "Sales"
        assert page.inner_text(f"{row} .c-number") == "•••••••0123"
        assert page.inner_text(f"{row} .c-time").startswith("1:0")  # waited 1:05 and on
        page.wait_for_function(  # the wait ticks on from the server's timestamp
            "(s) => document.querySelector(s).textContent >= '1:07'",
            arg=f"{row} .c-time",
            timeout=10000,
        )
        screenshot(page, "display-call-waiting")
        phone.send(f"C|k1|answered|agent=a1;ext=201;at={time.time() - 3}", "A|a1|on_call")
        cell = '[data-agent-id="a1"][data-call="talking"]'
        page.wait_for_selector(cell, timeout=15000)
        page.wait_for_selector(row, state="detached", timeout=15000)
        call = page.inner_text(f"{cell} .a-call")
        assert call.startswith("Sales · talk · 0:0"), call
        assert page.get_attribute(f"{waiting} .calls-total", "data-waiting") == "0"
        phone.send(f"C|k1|held|at={time.time()}")
        page.wait_for_selector('[data-agent-id="a1"][data-call="held"]', timeout=15000)
        now = time.time()
        phone.send(
            f"C|k2|queued|q=5;calling=07700900456;at={now - 30}",
            f"C|k2|ended|by=caller;at={now}",
        )
        abandoned = f'[data-tile-id="{product.tile_id("calls", "Abandoned")}"] li[data-call$=":k2"]'
        page.wait_for_selector(abandoned, timeout=15000)
        assert page.inner_text(f"{abandoned} .c-time") == "0:30"
        assert page.inner_text(f"{abandoned} .c-number") == "•••••••0456"
        screenshot(page, "display-call-answered")
        page.close()
    finally:
        product.stop()
        phone.close()
