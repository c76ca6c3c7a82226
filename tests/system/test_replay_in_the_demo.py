"""`manage.py demo --replay SOURCE=FILE` feeds a demo source from a raw capture (looped) instead
of its simulator: a site's own traffic on the demo's boards."""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.system.test_demo import free_base, health, manage
from tests.system.test_replay_to_a_running_ingest import a_capture

pytestmark = pytest.mark.slow


def skills(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select q.number from wallboard_queue q join wallboard_source s on q.source_id = s.id"
            " where s.name = 'cms-skills'"
        ).fetchall()
    return {number for (number,) in rows}


def test_the_demo_plays_a_capture_instead_of_a_simulator(tmp_path: Path) -> None:
    capture = a_capture(tmp_path / "site.wbcap", "avaya_cms", "tvi1", 4)  # 3 skills; demo: 12
    port, base = free_port(), free_base()
    demo = manage(
        tmp_path,
        "demo",
        "--port",
        str(port),
        "--feed-port-base",
        str(base),
        "--replay",
        f"cms-skills={capture}",
    )
    try:
        deadline = time.monotonic() + 60
        while health(port).get("stale_sources") != 0 or not skills(tmp_path / "demo.sqlite3"):
            assert demo.poll() is None, demo.communicate()[0]
            assert time.monotonic() < deadline, "the demo's feeds did not come up"
            time.sleep(0.5)
        assert skills(tmp_path / "demo.sqlite3") == {"1", "2", "3"}
        demo.send_signal(signal.SIGINT)
        demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 0


def test_a_capture_of_another_vendor_is_refused(tmp_path: Path) -> None:
    capture = a_capture(tmp_path / "site.wbcap", "optimus", "toolbar", 2)
    demo = manage(tmp_path, "demo", "--port", str(free_port()), "--replay", f"pbx-1={capture}")
    said, _ = demo.communicate(timeout=60)
    assert demo.returncode != 0
    assert "a capture of optimus; pbx-1 is mitel" in said
