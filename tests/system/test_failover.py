"""High availability of ingest: two runingest processes on PostgreSQL, one leads; SIGKILL it in
the middle of a feed and the standby feeds the displays within 10 s, and the interval totals
are what the feed sent (nothing lost, nothing counted twice). Runs on PostgreSQL + Redis (the
suite's second leg in CI), with daphne as a process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from typing import Any

import websockets
from asgiref.sync import sync_to_async
from django.db import connection
from websockets.typing import Origin

from ingest.leader import LOCK_NAME
from tests.conftest import free_port, listening, wait_for
from tests.system.test_cross_process import TVI1, processes  # noqa: F401  (the fixture)
from tests.system.test_cross_process import pytestmark as cross_process_marks
from wallboard.models import Board, Queue, QueueInterval, Tile

pytestmark = cross_process_marks


def run_bytes(k: int) -> bytes:
    """The tvi1 report's run k: skill 3 has k calls waiting and 66 + k offered so far."""
    lines = TVI1.decode().splitlines()
    fields = lines[0].split("|")
    fields[2] = f"{k:>4}"
    fields[-1] = f"{66 + k:>4}"
    lines[0] = "|".join(fields)
    return ("\n".join(lines) + "\n").encode()


def leader_pid() -> int | None:
    """The pid of the runingest process holding the ingest lock, from PostgreSQL's view."""
    import zlib

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objid = %s",
            [zlib.crc32(LOCK_NAME.encode()) or 1],
        )
        row = cursor.fetchone()
    return int(row[0].rsplit(":", 1)[1]) if row else None


class Feeder:
    """CMS as the test plays it: dials the listen port, sends a run every 0.3 s, and dials
    again whenever the link drops (as CMS does after its target restarts)."""

    def __init__(self, port: int) -> None:
        self.port, self.k, self.writer = port, 0, None
        self.final: int | None = None
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        writer: Any = None
        while True:
            try:
                if writer is None:
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                k = self.final if self.final is not None else self.k + 1
                writer.write(run_bytes(k))
                await writer.drain()
                self.k = k
            except OSError:
                if writer is not None:
                    writer.close()
                writer = None
            await asyncio.sleep(0.3)

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def test_a_standby_feeds_the_displays_within_10_s_of_the_leader_being_killed(
    make_source: Any,
    processes: Any,  # noqa: F811
) -> None:
    feed_port, web_port = free_port(), free_port()
    source = await sync_to_async(make_source)(listen=f"127.0.0.1:{feed_port}", refresh_seconds=1)
    board = await sync_to_async(Board.objects.create)(title="Floor", slug="floor")
    tile = await sync_to_async(Tile.objects.create)(
        board=board, kind=Tile.BIG_NUMBER, source=source, queue_range="3", kpis="calls_waiting"
    )
    processes(sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(web_port),
              "wallboard.asgi:application", name="daphne")  # fmt: skip
    first = processes(sys.executable, "manage.py", "runingest", name="runingest-1")
    second = processes(sys.executable, "manage.py", "runingest", name="runingest-2")
    await wait_for(lambda: listening(web_port), timeout=30, what="daphne to listen")
    await wait_for(lambda: listening(feed_port), timeout=30, what="the leader to listen")
    pid = await sync_to_async(leader_pid)()
    assert pid in (first.pid, second.pid)
    leader, standby = (first, second) if pid == first.pid else (second, first)

    url = f"ws://127.0.0.1:{web_port}/ws/boards/floor/?key={board.display_key}"
    async with websockets.connect(url, origin=Origin(f"http://127.0.0.1:{web_port}")) as ws:
        shown: list[tuple[float, int]] = []  # (when, calls waiting) as the display got them

        async def watch() -> None:
            while True:
                message = json.loads(await ws.recv())
                values = message.get("tiles") or message.get("values") or {}
                value = values.get(str(tile.pk))
                if value and value.get("kpis", {}).get("calls_waiting", {}).get("v"):
                    shown.append((time.monotonic(), value["kpis"]["calls_waiting"]["v"]))

        watching = asyncio.create_task(watch())
        feeder = Feeder(feed_port)
        await wait_for(lambda: len(shown) >= 5, timeout=20, what="the leader's updates")
        leader.send_signal(signal.SIGKILL)
        killed_at, sent_before = time.monotonic(), feeder.k
        await wait_for(
            lambda: any(at > killed_at and v > sent_before for at, v in shown),
            timeout=15,
            what="the standby's updates",
        )
        took = min(at for at, v in shown if at > killed_at and v > sent_before) - killed_at
        assert took < 10, f"the displays heard the standby {took:.1f} s after the kill"
        assert await sync_to_async(leader_pid)() == standby.pid

        feeder.final = feeder.k + 3  # a last run, sent until the standby has it
        final = feeder.final
        await wait_for(
            lambda: Queue.objects.filter(source=source, number="3", offered=66 + final).aexists(),
            timeout=15,
            what="the last run in the database",
        )
        await feeder.stop()
        watching.cancel()
    standby.send_signal(signal.SIGTERM)
    assert standby.wait(30) == 0

    rows = [r async for r in QueueInterval.objects.filter(source=source, number="3")]
    assert sum(r.offered or 0 for r in rows) == 66 + final  # every call once, none twice
    assert sum(r.answered or 0 for r in rows) == 57
