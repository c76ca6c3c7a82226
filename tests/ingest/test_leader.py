"""One runingest leads at a time; a standby takes over when the leader goes, however it goes.

The file lock (SQLite, one host) is tested here always; the PostgreSQL advisory lock when the
suite runs on PostgreSQL (DATABASE_URL), as CI's second leg does."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from ingest import leader
from ingest.leader import FileLock, Leadership, PostgresLock, lock_for
from tests.conftest import wait_for
from tests.product import wait_until

ROOT = Path(__file__).resolve().parents[2]


async def test_a_standby_waits_while_another_leads_and_takes_over_when_it_lets_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(leader, "RETRY_SECONDS", 0.05)
    path = tmp_path / "db.sqlite3.ingest-lock"

    class Counted(FileLock):
        asked = 0

        def try_acquire(self) -> bool:
            self.asked += 1
            return super().try_acquire()

    asking = Counted(path)
    first, second = Leadership(FileLock(path)), Leadership(asking)
    stop = asyncio.Event()
    assert await first.acquire(stop)
    standby = asyncio.create_task(second.acquire(stop))
    await wait_for(lambda: asking.asked >= 3, what="the standby to ask again and again")
    assert not standby.done()  # refused each time: one leader
    await first.release()
    assert await asyncio.wait_for(standby, 5)
    assert second.since is not None and path.read_text() == leader.node_name()
    await second.release()


def test_a_leader_killed_with_sigkill_frees_the_lock_file_at_once(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3.ingest-lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from ingest.leader import FileLock
            held = FileLock({str(path)!r})
            assert held.try_acquire()
            print("held", flush=True)
            time.sleep(600)
        """)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert FileLock(path).try_acquire() is False  # it leads
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        standby = FileLock(path)
        assert standby.try_acquire() is True  # no stale lock left behind
        standby.release()
    finally:
        if holder.poll() is None:
            holder.kill()


def test_a_database_only_this_process_sees_cannot_elect_a_leader() -> None:
    with pytest.raises(ValueError, match="memory"):
        lock_for({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})
    with pytest.raises(ValueError, match="PostgreSQL or SQLite"):
        lock_for({"ENGINE": "django.db.backends.mysql", "NAME": "x"})


on_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (DATABASE_URL), as in CI",
)


def lock_database() -> dict[str, Any]:
    database = dict(settings.DATABASES["default"])
    if database["NAME"].startswith("test_"):  # the lock needs no table: any database will do
        database["NAME"] = database["NAME"][len("test_") :]
    return database


def postgres_lock(key: int) -> PostgresLock:
    return PostgresLock(lock_database(), key)


@on_postgres
def test_on_postgresql_one_session_holds_the_lock_and_its_end_frees_it() -> None:
    key = 910_000 + os.getpid() % 1000
    first, second = postgres_lock(key), postgres_lock(key)
    try:
        assert first.try_acquire() is True
        assert first.check() is True
        assert second.try_acquire() is False
        first.release()  # the session ends (as when its process dies)
        # The server ends the session a moment after the client has closed it.
        wait_until(second.try_acquire, 5, "the lock freed with the session that held it")
    finally:
        first.release()
        second.release()


@on_postgres
async def test_on_postgresql_a_leader_whose_session_is_killed_stops_within_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(leader, "CHECK_SECONDS", 0.1)
    key = 920_000 + os.getpid() % 1000
    lock, admin = postgres_lock(key), postgres_lock(key + 1)
    leadership = Leadership(lock)
    assert await leadership.acquire(asyncio.Event())
    admin.try_acquire()  # a session of its own to act as the database administrator
    pid = lock.conn.info.backend_pid
    admin.conn.execute("SELECT pg_terminate_backend(%s)", [pid])  # the link to it is cut
    await asyncio.wait_for(leadership.lost.wait(), leader.CHECK_TIMEOUT + 2)  # or it fails
    await leadership.release()
    admin.release()


@on_postgres
def test_on_postgresql_a_release_waits_for_the_check_still_on_the_connection() -> None:
    """At shutdown the lock's watcher is cancelled, but its check may still be running in a
    thread when release() comes. Closing the connection under that query crashed the process,
    or left the check waiting for ever on a socket number a new connection had taken (and
    the process never exited). Run in a process of its own, as a crash would take the suite
    with it: the check must get its answer and the lock go only after."""
    database = lock_database()
    key = 930_000 + os.getpid() % 1000
    script = textwrap.dedent(f"""
        import socket, threading, time
        from ingest.leader import PostgresLock
        from tests.product import wait_until
        lock, other, admin = (PostgresLock({database!r}, {key} + n) for n in (0, 0, 1))
        assert lock.try_acquire() and admin.try_acquire()
        pid = lock.conn.info.backend_pid
        admin.conn.autocommit = False  # holds the view's lock until its rollback
        admin.conn.execute("LOCK TABLE pg_catalog.pg_locks IN ACCESS EXCLUSIVE MODE")
        answers = []
        checking = threading.Thread(target=lambda: answers.append(lock.check()))
        checking.start()
        while not admin.conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
            [pid],
        ).fetchone()[0]:
            time.sleep(0.05)  # until the check waits on the server
        releasing = threading.Thread(target=lock.release)
        releasing.start()
        releasing.join(0.5)
        taken = socket.socket()  # a socket opened now takes the lowest free number
        admin.conn.rollback()
        checking.join()
        releasing.join()
        freed = wait_until(other.try_acquire, 5, "the lock freed with its session")
        print("check", answers, "then free", freed, flush=True)
        taken.close(); other.release(); admin.release()
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "check [True] then free True"


def test_lock_for_names_the_lock_of_each_engine(tmp_path: Path) -> None:
    sqlite_lock: Any = lock_for({"ENGINE": "django.db.backends.sqlite3", "NAME": tmp_path / "x"})
    assert isinstance(sqlite_lock, FileLock) and sqlite_lock.path == Path(
        f"{tmp_path / 'x'}.ingest-lock"
    )
    pg_lock: Any = lock_for({"ENGINE": "django.db.backends.postgresql", "NAME": "wallboard"})
    assert isinstance(pg_lock, PostgresLock) and 0 < pg_lock.key < 2**32
