"""The README's run command: `manage.py demo` runs the whole product with every simulated feed
in one process, says where and how to log in, and stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


FEEDS = 6  # the simulated feeds: three CMS reports, Mitel, Optimus, the AES (CSTA)
SOURCES = FEEDS + 1  # and the Optimus database source, polling its simulated database
PORTS = FEEDS + 2  # the feeds' ports, the simulated recorder's and AgentServices' (7, 8)


def free_base() -> int:
    """A feed port base whose eight ports (base+1..base+8) are free."""
    for _ in range(50):
        base = free_port() - 1
        try:
            for port in range(base + 1, base + 1 + PORTS):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no eight free ports in a row")


def manage(tmp_path: Path, *args: str, **settings: str) -> subprocess.Popen[str]:
    """manage.py in a child process, on its own SQLite file, output and errors together."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHANNELS_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        SECRET_KEY="demo-test",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        **settings,
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def start_demo(tmp_path: Path, port: int, base: int, **settings: str) -> subprocess.Popen[str]:
    return manage(tmp_path, "demo", "--port", str(port), "--feed-port-base", str(base), **settings)


def wait_ready(demo: subprocess.Popen[str]) -> str:
    """What the demo said up to its "Press Ctrl-C to stop."."""
    assert demo.stdout is not None
    said = ""
    while "Press Ctrl-C to stop." not in said:
        line = demo.stdout.readline()
        assert line, f"the demo ended before it was ready:\n{said}"
        said += line
    return said


def health(port: int) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return dict(json.load(answer))
    except OSError:
        return {}


def test_the_demo_runs_every_feed_says_where_to_log_in_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    port, base = free_port(), free_base()
    demo = start_demo(tmp_path, port, base)
    try:
        said = wait_ready(demo)
        assert f"http://localhost:{port}/" in said
        assert "demo / wallboard-demo" in said
        deadline = time.monotonic() + 30
        while True:  # every simulated feed delivers: seven sources, none stale
            state = health(port)
            if state.get("sources") == SOURCES and state.get("stale_sources") == 0:
                break
            assert time.monotonic() < deadline, f"the feeds did not all come up: {state}"
            time.sleep(0.5)
        assert state["ingest"] == "running"
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 0
    assert rest.rstrip().endswith("Stopped.")


def test_the_demo_names_a_port_in_use_and_how_to_choose_others(tmp_path: Path) -> None:
    port, base = free_port(), free_base()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 4))
        taken.listen()
        demo = start_demo(tmp_path, port, base)
        said, _ = demo.communicate(timeout=60)
    assert demo.returncode != 0
    assert f"127.0.0.1:{base + 4} already in use" in said
    assert "--feed-port-base" in said and "Traceback" not in said


def test_serve_on_a_port_in_use_says_so_and_fails(tmp_path: Path) -> None:
    """A small site's one-process server that cannot listen must not look like a clean stop
    (systemd restarts it, and its journal names the port)."""
    assert manage(tmp_path, "migrate", "-v0").wait(120) == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        serve = manage(tmp_path, "serve", "--port", str(port))
        said, _ = serve.communicate(timeout=60)
    assert serve.returncode != 0
    assert f"could not listen on 127.0.0.1:{port}" in said
