"""A stop always ends: once SIGTERM or Ctrl-C has started it, a process that something holds
exits within the deadline, saying what held it (not waiting for the service manager's kill)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from tests.conftest import free_port, wait_for
from wallboard.lib import stopping
from wallboard.lib.stopping import Deadline, what_runs

ROOT = Path(__file__).resolve().parents[2]


def a_thread_that_waits(release: threading.Event) -> None:
    release.wait()


async def a_task_that_waits(forever: asyncio.Event) -> None:
    await forever.wait()


async def test_what_runs_names_each_threads_and_each_tasks_place() -> None:
    release, forever = threading.Event(), asyncio.Event()
    thread = threading.Thread(target=a_thread_that_waits, args=(release,), name="stuck thread")
    thread.start()
    task = asyncio.create_task(a_task_that_waits(forever), name="stuck task")
    await asyncio.sleep(0)  # the task runs to its await
    try:
        said = what_runs(asyncio.get_running_loop())
    finally:
        release.set()
        task.cancel()
        thread.join()
    assert "thread stuck thread:" in said and "in a_thread_that_waits" in said
    task_said = said.split("task stuck task:")[1]
    assert "in a_task_that_waits" in task_said
    assert "locks.py" in task_said.split("task ")[0]  # its innermost await: in Event.wait


async def test_a_deadline_started_and_not_met_logs_what_runs_and_exits_with_1(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(stopping, "STOP_SECONDS", 0.05)
    exits: list[int] = []
    deadline = Deadline(asyncio.get_running_loop(), exit=exits.append)
    deadline.start()
    deadline.start()  # a second signal does not start a second deadline
    await wait_for(lambda: exits, what="the deadline to pass")
    await asyncio.sleep(0.2)
    assert exits == [1]
    assert "did not stop within 0 s of being told to" in caplog.text
    assert "test_a_deadline_started_and_not_met" in caplog.text  # this test's task held it


def test_a_one_process_server_whose_stop_hangs_still_exits_and_says_what_held_it(
    tmp_path: Path,
) -> None:
    """Before the deadline, a background job (or a connection's handler, or a thread) that did
    not end on the stop kept `manage.py serve` running until it was killed."""
    port = free_port()
    script = textwrap.dedent(f"""
        import asyncio, django
        django.setup()
        from wallboard import oneprocess
        from wallboard.lib import stopping
        stopping.STOP_SECONDS = 1.0

        async def a_job_that_ignores_the_stop(stop):
            await stop.wait()
            await asyncio.Event().wait()

        oneprocess.serve("127.0.0.1", {port}, [a_job_that_ignores_the_stop],
                         lambda: print("ready", flush=True))
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHANNELS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="wallboard.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SECRET_KEY="stop-test",
    )
    server = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:  # the log's start-up lines, then ready
            if line.strip() == "ready":
                break
        server.send_signal(signal.SIGTERM)
        said, _ = server.communicate(timeout=30)  # the deadline is 1 s
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 1
    assert "did not stop within 1 s of being told to; exiting. What held the stop:" in said
    assert "in a_job_that_ignores_the_stop" in said
