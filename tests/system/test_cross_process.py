"""Production shape: runingest and daphne as separate processes, joined by Redis and PostgreSQL.

A batch fed to the runingest process must reach a websocket client of the daphne process.
Runs when the suite runs on PostgreSQL + Redis (DATABASE_URL / CHANNELS_URL), as CI does.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.conf import settings
from websockets.typing import Origin

from tests.conftest import free_port, listening, send_bytes, wait_for
from wallboard.models import Board, Tile

ROOT = Path(__file__).resolve().parents[2]
TVI1 = (ROOT / "tests" / "fixtures" / "avaya_cms" / "tvi1_example.txt").read_bytes()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("CHANNELS_URL", "").startswith("redis")
        or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL and Redis (DATABASE_URL, CHANNELS_URL), as in CI",
    ),
]


def shared_database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def processes() -> Iterator[Any]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str, name: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DATABASE_URL": shared_database_url(),
            "SECRET_KEY": "cross-process-test",
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "INGEST_RELOAD_SECONDS": "0.5",
        }
        log = open(ROOT / "artifacts" / f"{name}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    (ROOT / "artifacts").mkdir(exist_ok=True)
    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(20)


async def test_a_batch_fed_to_runingest_reaches_a_websocket_client_of_daphne(
    make_source: Any, processes: Any
) -> None:
    feed_port, web_port = free_port(), free_port()
    source = await sync_to_async(make_source)(listen=f"127.0.0.1:{feed_port}")
    board = await sync_to_async(Board.objects.create)(title="Floor", slug="floor")
    tile = await sync_to_async(Tile.objects.create)(
        board=board, kind=Tile.BIG_NUMBER, source=source, queue_range="3", kpis="calls_waiting"
    )
    web = processes(
        sys.executable,
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        str(web_port),
        "wallboard.asgi:application",
        name="daphne",
    )
    ingest = processes(sys.executable, "manage.py", "runingest", name="runingest")

    await wait_for(lambda: listening(web_port), timeout=30, what="daphne to listen")
    url = f"ws://127.0.0.1:{web_port}/ws/boards/floor/?key={board.display_key}"
    async with websockets.connect(url, origin=Origin(f"http://127.0.0.1:{web_port}")) as ws:
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert snapshot["type"] == "snapshot"
        await wait_for(lambda: listening(feed_port), timeout=30, what="runingest to listen")
        await send_bytes(feed_port, TVI1)
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 15))
            value = message.get("tiles", {}).get(str(tile.pk))
            if message["type"] == "update" and value and value["kpis"]["calls_waiting"]["v"]:
                break
        assert value["kpis"]["calls_waiting"]["v"] == 4
    ingest.send_signal(signal.SIGTERM)
    assert ingest.wait(20) == 0  # SIGTERM stops it cleanly
    assert web.poll() is None
