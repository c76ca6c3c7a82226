"""Which runingest process runs the sources: one at a time, the others wait as standbys.

Several runingest processes (on one host or several) may run against one database. Exactly one
of them, the leader, runs every enabled source and publishes every board (so each board has one
sequence of updates, and no source is read twice); the others wait for the leader's lock and
take over within seconds when it goes, resuming from what the database holds (live rows, open
intervals, board states).

- **PostgreSQL**: a session advisory lock, held on a connection of its own (not Django's,
  which comes and goes). PostgreSQL frees it the moment the leader's session ends: at once
  when the process dies (kill -9: the kernel closes the socket), and within about
  SERVER_KEEPALIVE seconds when the leader's host is lost or cut off (the server's TCP
  keepalives on that session find it gone). The leader checks its lock connection every
  CHECK_SECONDS; a check that fails or takes longer than CHECK_TIMEOUT (the database is out
  of reach) stops every source at once, well before a standby can take over, so two
  processes never read one feed.
- **SQLite** (one host): an exclusive lock on a file beside the database, freed by the
  kernel when the process ends, however it ends.

A listen source (Avaya CMS connects to us) follows the leader only if CMS can reach it: on one
host that is automatic; across hosts the address CMS dials must move with the leader (a
floating IP, e.g. keepalived). The README's deployment section says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

LOCK_NAME = "wallboard runingest"  # one leader per database
CHECK_SECONDS = 1.0  # how often the leader checks that it still holds the lock
CHECK_TIMEOUT = 3.0  # a check slower than this: the database is out of reach, stop at once
RETRY_SECONDS = 1.0  # how often a standby tries for the lock
# The server's keepalives on the lock session (seconds): idle, interval, count. A leader whose
# host vanished loses the lock after about idle + interval * count seconds.
SERVER_KEEPALIVE = (2, 1, 3)
SERVER_USER_TIMEOUT_MS = 5000


def node_name() -> str:
    """This process, as /healthz and the sources API name the owner of the sources."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Lock(Protocol):
    def try_acquire(self) -> bool: ...

    def check(self) -> bool: ...

    def release(self) -> None: ...

    def describe(self) -> str: ...


class PostgresLock:
    """The advisory lock on a connection of its own. Its methods run in threads (Leadership's),
    one query at a time: closing a libpq connection while another thread's query waits on it
    is undefined (a crash, or that thread waiting for ever on a socket whose number a new
    connection has taken), and a check given up on by its watcher may still be running when
    release() comes. So release() waits for it; the server's statement timeout and the
    connection's keepalives bound that wait."""

    def __init__(self, settings: dict[str, Any], key: int) -> None:
        self.settings, self.key = settings, key
        self.conn: Any = None
        self._querying = threading.Lock()

    def _connect(self) -> Any:
        import psycopg

        options = self.settings.get("OPTIONS", {})
        idle, interval, count = SERVER_KEEPALIVE
        conn = psycopg.connect(
            dbname=self.settings.get("NAME") or None,
            user=self.settings.get("USER") or None,
            password=self.settings.get("PASSWORD") or None,
            host=self.settings.get("HOST") or None,
            port=self.settings.get("PORT") or None,
            sslmode=options.get("sslmode"),
            application_name=f"runingest lock {node_name()}"[:63],
            autocommit=True,
            connect_timeout=5,
            keepalives=1,
            keepalives_idle=idle,
            keepalives_interval=interval,
            keepalives_count=count,
            tcp_user_timeout=SERVER_USER_TIMEOUT_MS,
        )
        conn.execute(f"SET tcp_keepalives_idle = {idle}")
        conn.execute(f"SET tcp_keepalives_interval = {interval}")
        conn.execute(f"SET tcp_keepalives_count = {count}")
        # Data the server sent that the leader's host never acknowledges (a check's answer to
        # a host that vanished mid-check): the session ends after this long, not the kernel's
        # retransmission timeout of many minutes.
        conn.execute(f"SET tcp_user_timeout = {SERVER_USER_TIMEOUT_MS}")
        conn.execute("SET statement_timeout = '5s'")
        return conn

    def try_acquire(self) -> bool:
        with self._querying:
            if self.conn is None or self.conn.closed:
                self.conn = self._connect()
            row = self.conn.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone()
            return bool(row and row[0])

    def check(self) -> bool:
        with self._querying:
            if self.conn is None:
                return False  # released
            try:
                row = self.conn.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND objid = %s",
                    [self.key & 0xFFFFFFFF],
                ).fetchone()
            except Exception as exc:
                log.error("ingest lock: the database did not answer (%s)", exc)
                return False
            return bool(row and row[0])

    def release(self) -> None:
        with self._querying:
            if self.conn is not None:
                with contextlib.suppress(Exception):
                    self.conn.close()  # ends the session: the lock goes with it
                self.conn = None

    def describe(self) -> str:
        return "PostgreSQL advisory lock"


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: Any = None

    def try_acquire(self) -> bool:
        import fcntl

        handle = open(self.path, "a+")  # noqa: SIM115 (held open while leading)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(node_name())
        handle.flush()
        self.handle = handle
        return True

    def check(self) -> bool:
        return self.handle is not None and not self.handle.closed

    def release(self) -> None:
        if self.handle is not None:
            with contextlib.suppress(OSError):
                self.handle.close()  # closing it frees the lock
            self.handle = None

    def describe(self) -> str:
        return f"lock file {self.path}"


def lock_for(database: dict[str, Any]) -> Lock:
    """The lock that makes one runingest the leader on this database."""
    engine = database["ENGINE"]
    if engine.endswith("postgresql"):
        # A stable 63-bit key from the name (Python's hash() differs between processes).
        key = zlib.crc32(LOCK_NAME.encode()) or 1
        return PostgresLock(database, key)
    if engine.endswith("sqlite3"):
        name = str(database["NAME"])
        if name in ("", ":memory:") or name.startswith("file::memory:"):
            raise ValueError("runingest needs a database other processes can see, not :memory:")
        return FileLock(Path(f"{name}.ingest-lock"))
    raise ValueError(f"runingest cannot elect a leader on {engine}: use PostgreSQL or SQLite")


class Leadership:
    """Wait to lead; while leading, watch the lock. `lost` is set when the lock is gone."""

    def __init__(self, lock: Lock, run_in_thread: Callable[..., Any] | None = None) -> None:
        self.lock = lock
        self.name = node_name()
        self.since: datetime | None = None
        self.lost = asyncio.Event()
        self._thread = run_in_thread or asyncio.to_thread
        self._watch: asyncio.Task[None] | None = None

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Become the leader; False if `stop` came first. A standby logs once that it waits."""
        said = False
        while not stop.is_set():
            try:
                if await self._thread(self.lock.try_acquire):
                    self.since = datetime.now(UTC)
                    self.lost = asyncio.Event()
                    self._watch = asyncio.create_task(self._watch_lock(), name="ingest lock")
                    log.info("ingest: %s leads (%s)", self.name, self.lock.describe())
                    return True
            except Exception as exc:
                log.error("ingest lock: cannot ask for it (%s); trying again", exc)
            if not said:
                log.info("ingest: standby; another runingest leads (%s)", self.lock.describe())
                said = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETRY_SECONDS)
        return False

    async def _watch_lock(self) -> None:
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            try:
                held = await asyncio.wait_for(self._thread(self.lock.check), CHECK_TIMEOUT)
            except TimeoutError:
                held = False
                log.error("ingest lock: no answer within %.0f s", CHECK_TIMEOUT)
            if not held:
                log.error("ingest: %s lost the lead; stopping every source", self.name)
                self.lost.set()
                return

    async def release(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        # A connection stuck on a dead network may not close at once: not worth waiting for
        # (the server frees the lock when its keepalives find the session gone).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._thread(self.lock.release), CHECK_TIMEOUT)
        self.since = None
