"""The demo's Optimus database source and call recorder: the simulated Optimus database's
calls reach the call log with their recording files, the AES's calls get recordings tagged on
the simulated recorder, and the Optimus board has a dialer campaigns tile with both
campaigns; the toolbar feed's agents show the states AgentServices gives the database
source."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.system.test_demo import free_base, start_demo, wait_ready

pytestmark = pytest.mark.slow


def query(db: Path, sql: str) -> list[Any]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def optimus_recordings(db: Path) -> list[str]:
    rows = query(
        db,
        "select c.extra from wallboard_call c join wallboard_source s on c.source_id = s.id"
        " where s.name = 'optimus-db'",
    )
    found = [json.loads(extra).get("recording") for (extra,) in rows]
    return [r["url_or_path"] for r in found if r]


def tagged_aes_recordings(db: Path) -> list[str]:
    rows = query(
        db,
        "select t.recording_id from wallboard_recordingtag t join wallboard_source s"
        " on t.source_id = s.id where s.name = 'aes-1' and t.recording_id != ''",
    )
    return [r for (r,) in rows]


def test_the_demo_shows_optimus_recordings_recorder_tags_and_the_dialer(tmp_path: Path) -> None:
    port, base = free_port(), free_base()
    demo = start_demo(tmp_path, port, base)
    db = tmp_path / "demo.sqlite3"
    try:
        said = wait_ready(demo)
        assert str(tmp_path / "optimus-demo.sqlite3") in said
        deadline = time.monotonic() + 60
        while not (optimus_recordings(db) and tagged_aes_recordings(db)):
            assert demo.poll() is None, demo.communicate()[0]
            assert time.monotonic() < deadline, "no recordings in the demo's call log"
            time.sleep(0.5)
        assert all(p.startswith("\\\\optimus\\Recordings\\") for p in optimus_recordings(db))
        tiles = query(
            db,
            "select t.kind from wallboard_tile t join wallboard_board b on t.board_id = b.id"
            " where b.slug = 'optimus'",
        )
        assert ("dialer_campaigns",) in tiles
        deadline = time.monotonic() + 30
        campaigns = "select number from wallboard_queue where number like 'dialer-%'"
        while len(query(db, campaigns)) < 2:
            assert time.monotonic() < deadline, "the dialer campaigns did not come up"
            time.sleep(0.5)
        toolbar_states = (
            "select distinct a.state from wallboard_agent a join wallboard_source s"
            " on a.source_id = s.id where s.name = 'optimus-1'"
        )
        while {"available", "on_call"} - {state for (state,) in query(db, toolbar_states)}:
            assert time.monotonic() < deadline, "the toolbar's agents stayed unknown"
            time.sleep(0.5)
        demo.send_signal(signal.SIGINT)
        demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 0
