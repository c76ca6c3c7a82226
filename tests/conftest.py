"""Shared fixtures. The suite runs on the defaults (SQLite, in-memory channel layer) and, when
DATABASE_URL / CHANNELS_URL are set, on PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.product import chromium, product  # noqa: F401  (browser fixtures)


def pytest_sessionstart(session: Any) -> None:
    """A killed run can leave the SQLite test database's WAL files behind; they would not
    match the fresh database and SQLite reports a disk I/O error."""
    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and name:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(name) + suffix).unlink(missing_ok=True)


@pytest.fixture(scope="session", autouse=True)
def close_async_test_connections(django_db_setup: Any) -> Any:
    """Async tests reach the ORM through asgiref's one thread for sync_to_async; its
    connection must close before the test database is dropped (PostgreSQL refuses)."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


@pytest.fixture(autouse=True)
def local_hosts(settings: Any) -> None:
    """Browsers and websocket clients in the tests come from localhost."""
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def listening(port: int) -> bool:
    """Whether something accepts connections on the loopback port."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


@pytest.fixture
def port() -> int:
    return free_port()


async def wait_for(
    predicate: Callable[[], Any] | Callable[[], Awaitable[Any]],
    timeout: float = 10.0,
    interval: float = 0.05,
    what: str = "condition",
) -> Any:
    """Poll until predicate() is truthy (sync or async); fail the test with `what` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(interval)


@pytest.fixture
def make_source(db: Any) -> Callable[..., Any]:
    from wallboard.models import PassThroughTarget, Source

    def make(
        name: str = "cms-skills",
        targets: Iterable[tuple[str, int]] = (),
        secrets: dict[str, str] | None = None,  # the vendor's credentials, stored sealed
        **fields: Any,
    ) -> Source:
        defaults: dict[str, Any] = {
            "vendor": "avaya_cms",
            "layout": "tvi1",
            "refresh_seconds": 3,
        }
        defaults.update(fields)
        if not defaults.get("listen") and not defaults.get("connect"):
            defaults["listen"] = f"127.0.0.1:{free_port()}"
        source = Source(name=name, **defaults)
        if secrets:
            source.set_secrets(secrets)
        source.full_clean()
        source.save()
        for host, target_port in targets:
            PassThroughTarget.objects.create(source=source, host=host, port=target_port)
        return source

    return make


@contextlib.asynccontextmanager
async def running_ingest(**options: Any) -> AsyncIterator[Any]:
    """Ingest as deployed (build_ingest: the runner and its board publisher), running until
    the block ends, then stopped cleanly. Reloads the configuration every 0.2 s so admin edits
    show up quickly in tests; `options` go to build_ingest."""
    from ingest.runner import build_ingest

    ingest = build_ingest(**{"reload_seconds": 0.2, **options})
    stop = asyncio.Event()
    task = asyncio.create_task(ingest.run(stop))
    await wait_for(ingest.started.is_set, what="ingest to start")
    try:
        yield ingest
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        ingest.db.close()


@pytest.fixture
async def runner() -> AsyncIterator[Any]:
    """A running ingest (see running_ingest), stopped cleanly after the test."""
    async with running_ingest() as ingest:
        yield ingest


async def send_bytes(port: int, *chunks: bytes, pause: float = 0.0) -> None:
    """Connect to a listening source as the phone system would, send, and close."""
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    for chunk in chunks:
        writer.write(chunk)
        await writer.drain()
        if pause:
            await asyncio.sleep(pause)
    writer.close()
    await writer.wait_closed()


@pytest.fixture
def staff_client(client: Any, django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("supervisor", password="pw", is_staff=True)
    client.force_login(user)
    return client
