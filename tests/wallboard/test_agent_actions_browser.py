"""A supervisor's agent menu in a real browser (Debian's Chromium via Playwright) against the
running product and the example phone system over real TCP: clicking an agent's cell opens the
menu; Not ready with a reason code is accepted, Log out of a busy agent is refused, each as the
phone system said. A wall display opened with its key has no menu. Screenshots in artifacts/."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.action_peer import ActionPeer
from tests.product import ROOT, Product, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MANAGE = str(Path(__file__).with_name("example_manage.py"))


class ExampleProduct(Product):
    """The product with the example vendor registered (tests/wallboard/example_manage.py)."""

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, MANAGE, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def start(self) -> None:
        log = open(self.workdir / "serve.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, MANAGE, "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        import socket

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


@pytest.fixture
def peer() -> Iterator[ActionPeer]:
    """The example phone system, on its own event loop in a thread."""
    loop = asyncio.new_event_loop()
    server = ActionPeer()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def running(tmp_path: Path, peer: ActionPeer) -> Iterator[ExampleProduct]:
    product = ExampleProduct(tmp_path)
    product.configure(
        {
            "sources": [
                {
                    "name": "pbx-cti",
                    "vendor": "example",
                    "connect": f"127.0.0.1:{peer.port}",
                    "refresh_seconds": 60,
                }
            ],
            "boards": [
                {
                    "title": "Floor",
                    "slug": "floor",
                    "columns": 2,
                    "tiles": [
                        {"kind": "agent_grid", "title": "Agents", "source": "pbx-cti", "width": 2}
                    ],
                }
            ],
        }
    )
    product.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import Permission, User;"
        "u = User.objects.create_user('sup', password='pw-for-tests', is_staff=True);"
        "u.user_permissions.add(Permission.objects.get(codename='control_agents'))",
    )
    product.start()
    yield product
    product.stop()


def log_in(page: Any, product: Product) -> None:
    page.goto(f"{product.url}/admin/login/?next=/boards/floor/")
    page.fill("#id_username", "sup")
    page.fill("#id_password", "pw-for-tests")
    page.click("input[type=submit]")
    page.wait_for_url(f"{product.url}/boards/floor/")


def test_a_supervisor_sets_an_agent_not_ready_from_the_board_and_sees_the_answer(
    running: ExampleProduct, peer: ActionPeer, chromium: Any
) -> None:
    page = chromium.new_page(viewport={"width": 1100, "height": 650})
    log_in(page, running)
    cell = page.locator('.agent[data-agent-id="1001"][data-controllable]')
    cell.wait_for(timeout=20000)
    cell.click()
    menu = page.locator("#wb-control")
    menu.wait_for()
    assert menu.get_attribute("role") == "dialog"
    page.fill("[data-control-reason]", "7")
    page.click('[data-control-action="not_ready"]')
    status = page.locator('[data-control-status][data-outcome="ok"]')
    status.wait_for(timeout=15000)
    assert "accepted" in status.inner_text()
    assert [line.split("|", 2)[2] for line in peer.sets()] == ["1001|not_ready|7"]
    screenshot(page, "agent-actions-accepted")

    page.keyboard.press("Escape")
    busy = page.locator('.agent[data-agent-id="1002"]')
    busy.focus()
    page.keyboard.press("Enter")  # the keyboard opens it too
    page.click('[data-control-action="log_out"]')
    refused = page.locator('[data-control-status][data-outcome="refused"]')
    refused.wait_for(timeout=15000)
    assert "invalidAgentState" in refused.inner_text()
    screenshot(page, "agent-actions-refused")
    page.close()


def test_a_wall_display_opened_with_its_key_has_no_menu(
    running: ExampleProduct, chromium: Any
) -> None:
    page = chromium.new_page(viewport={"width": 1100, "height": 650})
    page.goto(f"{running.url}/boards/floor/?key={running.display_key('floor')}")
    page.locator('.agent[data-agent-id="1001"]').wait_for(timeout=20000)
    page.click('.agent[data-agent-id="1001"]')
    assert page.locator("#wb-control").count() == 0
    assert page.locator(".agent[data-controllable]").count() == 0
    page.close()
