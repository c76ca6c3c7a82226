"""runingest as a real process, restarted gracefully (SIGTERM) while a CMS agent report goes
on: an agent who stays in one state has the time booked with no gap beyond the restart itself,
and none of it twice. SQLite (a file) by default, PostgreSQL when DATABASE_URL names it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.conftest import free_port
from wallboard.models import AgentInterval

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    """The test database, for the runingest process to share."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    )


class Feed(threading.Thread):
    """A CMS sending its agent report every half second, reconnecting while nobody listens:
    agent 10001 available since `since`, by the report's own time in state."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.since = time.time()
        self.done = threading.Event()
        self.sent = 0

    def run(self) -> None:
        while not self.done.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    while not self.done.is_set():
                        seconds = int(time.time() - self.since)
                        in_state = f"{seconds // 60}:{seconds % 60:02}"
                        row = f"F1|10001|Ann Adams|40001|AVAIL||1||{in_state}"
                        s.sendall(f"{row}\nF3|END_OF_RECORDS\n".encode())
                        self.sent += 1
                        self.done.wait(0.5)
            except OSError:
                self.done.wait(0.2)


@pytest.fixture
def runingest(tmp_path: Path) -> Iterator[Any]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "CHANNELS_URL"},
        "DATABASE_URL": database_url(),
        "SECRET_KEY": "interval-restart-test",
        "INGEST_RELOAD_SECONDS": "0.5",
    }
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runingest"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(20)


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "runingest exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return time.time()
        except OSError:
            time.sleep(0.1)
    raise AssertionError("runingest did not listen")


def stop(process: subprocess.Popen[bytes]) -> tuple[float, float]:
    """SIGTERM; when it was sent and when the process had exited (cleanly)."""
    sent = time.time()
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    return sent, time.time()


def available_seconds() -> int:
    rows = list(AgentInterval.objects.filter(agent_id="10001"))
    assert all(r.logged_in_seconds <= 900 for r in rows)
    assert all(r.logged_in_seconds == r.available_seconds for r in rows)
    return sum(r.available_seconds for r in rows)


def test_a_graceful_restart_of_runingest_neither_loses_nor_double_counts_state_time(
    make_source: Any, runingest: Any
) -> None:
    port = free_port()
    make_source("cms-agents", layout="agent_tv", listen=f"127.0.0.1:{port}", refresh_seconds=1)
    first = runingest("runingest-1")
    wait_listening(port, first)
    feed = Feed(port)
    feed.start()
    try:
        time.sleep(4)
        term1, exited1 = stop(first)
        before = available_seconds()
        assert term1 - feed.since - 2 <= before <= exited1 - feed.since + 1

        time.sleep(1)
        second = runingest("runingest-2")
        listening2 = wait_listening(port, second)
        sent = feed.sent
        deadline = time.monotonic() + 15
        while feed.sent < sent + 8 and time.monotonic() < deadline:  # the report flows again
            time.sleep(0.1)
        term2, exited2 = stop(second)
    finally:
        feed.done.set()
        feed.join(5)
    total = available_seconds()
    restart = listening2 - term1  # the restart itself: from SIGTERM to listening again
    assert total <= exited2 - feed.since + 1  # never more than the time there was
    assert total >= term2 - feed.since - restart - 2  # no gap beyond the restart
