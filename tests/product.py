"""The whole product as a user runs it, for browser tests: `manage.py serve` in a subprocess on
its own SQLite file, configured through `importconfig`, fed over real TCP by the test."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Product:
    def __init__(self, workdir: Path) -> None:
        self.db = workdir / "wallboard.sqlite3"
        self.port = free_port()
        self.env = {
            k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHANNELS_URL")
        }
        self.env.update(
            {
                "DATABASE_URL": f"sqlite:///{self.db}",
                "SECRET_KEY": "browser-test-secret",
                "ALLOWED_HOSTS": "localhost,127.0.0.1",
                "INGEST_RELOAD_SECONDS": "0.5",
                "SECURE_COOKIES": "false",
            }
        )
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def configure(self, config: dict[str, Any]) -> None:
        path = self.workdir / "config.json"
        path.write_text(json.dumps(config))
        self.manage("migrate", "-v0")
        self.manage("importconfig", str(path))

    def start(self) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        log = open(self.workdir / "serve.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(self.port)],
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

    def display_key(self, slug: str) -> str:
        with sqlite3.connect(self.db) as db:
            return str(
                db.execute(
                    "SELECT display_key FROM wallboard_board WHERE slug = ?", (slug,)
                ).fetchone()[0]
            )

    def tile_id(self, slug: str, title: str) -> int:
        with sqlite3.connect(self.db) as db:
            return int(
                db.execute(
                    "SELECT t.id FROM wallboard_tile t JOIN wallboard_board b ON b.id = t.board_id "
                    "WHERE b.slug = ? AND t.title = ?",
                    (slug, title),
                ).fetchone()[0]
            )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            stop_or_explain(self.process, self.workdir / "serve.log")


def wait_until(
    predicate: Any, timeout: float = 15.0, what: str = "condition", interval: float = 0.1
) -> Any:
    """Ask again every `interval` seconds until predicate() is truthy, and return it; fail the
    test, saying `what` it waited for, after `timeout` seconds (the sync twin of
    tests.conftest.wait_for: another process, a browser page)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def stop_or_explain(process: subprocess.Popen[Any], log: Path) -> None:
    """SIGTERM a server. One whose stop deadline ended it, or still running 20 s later, is
    reported (a warning with its log and what each of its threads was doing); one still
    running after 60 s (a service manager would have killed it by then) fails the test with
    the same, and is killed."""
    process.terminate()
    try:
        process.wait(20)
        said = log.read_text(errors="replace")
        if "did not stop within" in said:  # its stop deadline (wallboard.lib.stopping) ended it
            warnings.warn(
                f"the server's stop hung; its deadline ended it:\n{said[-6000:]}", stacklevel=2
            )
        return
    except subprocess.TimeoutExpired:
        stacks = stacks_of(process.pid)
    said = f"{log.read_text(errors='replace')[-3000:]}\n{stacks}"
    try:
        process.wait(40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"the server did not stop within 60 s of SIGTERM:\n{said}") from None
    warnings.warn(f"the server took over 20 s to stop after SIGTERM:\n{said}", stacklevel=2)


def stacks_of(pid: int) -> str:
    """The threads' stacks of a live process, by py-spy (the dev extra), if it can."""
    spy = Path(sys.executable).parent / "py-spy"
    try:
        done = subprocess.run(
            [str(spy), "dump", "--pid", str(pid)], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"(no stacks: {exc})"
    return done.stdout[-6000:] or done.stderr[-2000:]


@pytest.fixture
def product(tmp_path: Path) -> Iterator[Product]:
    running = Product(tmp_path)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API holds an event loop on the main thread while it runs,
    which later asyncio tests must not inherit."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("WALLBOARD_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def send(port: int, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
