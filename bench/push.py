"""`./dev benchmark push`: feed-to-screen latency of the real product, printed, never asserted.

The product runs in subprocesses on its own database, configured by `importconfig`: an Avaya CMS
agent report and boards of an agent grid + a big number over 3,000 agent IDs each. For each
simulator batch: time from its last byte written to the feed socket to each websocket client's
next `update`. PUSHBENCH_SHAPE=one|split|both (default both with Redis CHANNELS_URL and
PostgreSQL DATABASE_URL, else one): `one` = `manage.py serve` on SQLite and the in-memory layer;
`split` = `daphne` + `manage.py runingest` on Redis db 15 (as CHANNELS_URL names the layer:
`redis://` or `redis+pubsub://`) and a PostgreSQL database made for the run (wallboard_pushbench).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from integrations.avaya_cms.simulator import make_producer

ROOT = Path(__file__).resolve().parent.parent
PG_NAME = "wallboard_pushbench"
AGENTS_PER_BOARD = 3000
TIMEOUT = 10.0
UPDATES = (b'"type":"update"', b'"type": "update"')  # however the server spaces its JSON
Queue = asyncio.Queue[float]
SHAPES = {
    "one": "one process (manage.py serve, in-memory layer, SQLite)",
    "split": "production (daphne + runingest, Redis, PostgreSQL)",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _config(feed_port: int, agents: int) -> dict[str, Any]:
    boards = max(1, -(-agents // AGENTS_PER_BOARD))
    source: dict[str, Any] = {"name": "bench-agents", "vendor": "avaya_cms", "layout": "agent_tv"}
    source.update(listen=f"127.0.0.1:{feed_port}", refresh_seconds=3)
    config: dict[str, Any] = {"sources": [source], "boards": []}
    for b in range(boards):  # the simulator's agent IDs run from 10001
        first, last = 10001 + b * AGENTS_PER_BOARD, 10000 + min(agents, (b + 1) * AGENTS_PER_BOARD)
        ids = f"{first}-{last}"
        tiles = [
            {"kind": "agent_grid", "source": "bench-agents", "agent_range": ids, "width": 2},
            {"kind": "big_number", "source": "bench-agents", "agent_range": ids,
             "kpis": "agents_available"},
        ]  # fmt: skip
        config["boards"].append({"title": f"Floor {b}", "slug": f"floor-{b}", "tiles": tiles})
    return config


def pg_admin(admin_url: str, sql: str) -> None:
    """One statement (CREATE or DROP DATABASE) on the PostgreSQL server of `admin_url`."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute(sql)


class Product:
    """The product's processes for one shape, on their own database."""

    def __init__(
        self, shape: str, workdir: Path, agents: int, config: dict[str, Any] | None = None
    ) -> None:
        self.shape, self.workdir, self.agents = shape, workdir, agents
        self.config = config  # None: the Avaya CMS agent boards (_config)
        self.after_import: list[tuple[str, ...]] = []  # manage.py commands run before start
        self.web_port, self.feed_port = _free_port(), _free_port()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHANNELS_URL")}
        env.update(SECRET_KEY="pushbench", ALLOWED_HOSTS="localhost,127.0.0.1")
        env.update(LOG_LEVEL="WARNING")  # the rest as deployed (boards are in before it starts)
        if shape == "one":
            self.db_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        else:
            self.admin_url = os.environ["DATABASE_URL"]
            self.db_url = urlunsplit(urlsplit(self.admin_url)._replace(path=f"/{PG_NAME}"))
            # Redis database 15 keeps board groups apart from tests running on the same server.
            redis = urlsplit(os.environ["CHANNELS_URL"])._replace(path="/15")
            env["CHANNELS_URL"] = os.environ.get("PUSHBENCH_CHANNELS_URL") or urlunsplit(redis)
        env["DATABASE_URL"] = self.db_url
        self.env = env

    def _pg(self, sql: str) -> None:
        pg_admin(self.admin_url, sql)

    def _manage(self, *args: str) -> None:
        cmd = [sys.executable, "manage.py", *args]
        done = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed: {done.stderr[-2000:]}")

    def _start(self, name: str, *args: str) -> None:
        with open(self.workdir / f"{name}.log", "wb") as log:  # the child keeps its own copy
            self.processes[name] = subprocess.Popen(
                [sys.executable, *args], cwd=ROOT, env=self.env, stdout=log, stderr=log
            )

    def start(self) -> None:
        if self.shape == "split":
            self._pg(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            self._pg(f"CREATE DATABASE {PG_NAME}")
        config = self.workdir / "config.json"
        config.write_text(json.dumps(self.config or _config(self.feed_port, self.agents)))
        self._manage("migrate", "-v0")
        self._manage("importconfig", str(config))
        for command in self.after_import:
            self._manage(*command)
        port = str(self.web_port)
        if self.shape == "one":
            self._start("serve", "manage.py", "serve", "--port", port)
        else:
            self._start("daphne", "-m", "daphne", "-b", "127.0.0.1", "-p", port,
                        "wallboard.asgi:application")  # fmt: skip
            self._start("runingest", "manage.py", "runingest")
        deadline = time.monotonic() + 60
        for port_number in (self.web_port, self.feed_port):  # the feed port opens last
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port_number), timeout=1).close()
                    break
                except OSError:
                    pass
                down = any(p.poll() is not None for p in self.processes.values())
                if down or time.monotonic() > deadline:
                    logs = [f.read_text()[-1500:] for f in self.workdir.glob("*.log")]
                    raise RuntimeError("the product did not start:\n" + "\n".join(logs))
                time.sleep(0.2)

    def display_keys(self) -> dict[str, str]:
        sql = "SELECT slug, display_key FROM wallboard_board ORDER BY slug"
        if self.shape == "one":
            with contextlib.closing(sqlite3.connect(self.workdir / "bench.sqlite3")) as db:
                return dict(db.execute(sql).fetchall())
        import psycopg

        with psycopg.connect(self.db_url) as db:
            return dict(db.execute(sql).fetchall())

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()  # SIGTERM: both commands stop cleanly on it
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.shape == "split":
            self._pg(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            import redis

            url = self.env["CHANNELS_URL"].replace("+pubsub://", "://", 1)  # as redis-py names it
            layer = redis.Redis.from_url(url)
            for key in layer.scan_iter("asgi:group:board.*"):  # our groups outlive us otherwise
                layer.delete(key)
            layer.close()


class Display(asyncio.Protocol):
    """One wall display, as lean as a websocket client can be: 200 of them share this process,
    where a full client library's per-message work (a task wake-up, a queue, the frame parsed
    in Python) would queue each update behind the others' and time it late. This one notes
    the time in data_received, as the bytes of an update frame have all arrived, and does no
    more with it. It answers the server's keepalive pings; it never sends otherwise."""

    def __init__(self, path: str, host: str, arrivals: Queue, sizes: list[int]) -> None:
        self.path, self.host, self.arrivals, self.sizes = path, host, arrivals, sizes
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.buffer = bytearray()
        self.upgraded = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://{self.host}\r\n\r\n".encode()  # the page's origin: this server
        )

    def data_received(self, data: bytes) -> None:
        at = time.perf_counter()
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self._fail(f"not upgraded: {bytes(buffer[:80])!r}")
                return
            del buffer[: end + 4]
            self.upgraded = True
        while len(buffer) >= 2:  # frames from the server: unmasked, unfragmented
            opcode, size, head = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if size == 126:
                size, head = int.from_bytes(buffer[2:4]), 4
            elif size == 127:
                size, head = int.from_bytes(buffer[2:10]), 10
            if len(buffer) < head + size:
                return
            start = bytes(buffer[head : head + min(size, 40)])
            if opcode == 0x1:
                if any(u in start for u in UPDATES):
                    self.arrivals.put_nowait(at)
                    self.sizes.append(size)
                elif not self.ready.done():
                    if b'"snapshot"' not in start:
                        self._fail(f"expected a snapshot, got {start!r}")
                        return
                    self.ready.set_result(None)
            elif opcode == 0x9:  # ping: a pong, masked as a client's frames are
                self._send(0xA, bytes(buffer[head : head + size]))
            elif opcode == 0x8:
                self._fail("closed by the server")
                return
            del buffer[: head + size]

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert self.transport is not None and len(payload) < 126
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def _fail(self, why: str) -> None:
        for future in (self.ready, self.closed):
            if not future.done():
                future.set_exception(RuntimeError(why))
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(f"connection lost: {exc}")


async def _client(url: str, arrivals: Queue, ready: asyncio.Event, sizes: list[int]) -> None:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    loop = asyncio.get_running_loop()
    path = f"{parts.path}?{parts.query}"
    host = f"{parts.hostname}:{parts.port}"
    transport, display = await loop.create_connection(
        lambda: Display(path, host, arrivals, sizes), parts.hostname, parts.port
    )
    try:
        await display.ready
        ready.set()
        await display.closed
    finally:
        transport.close()


async def _collect(queues: list[Queue], t0: float, timeout: float) -> list[float]:
    """Each client's first update arrival after t0, in ms (missing ones left out)."""

    async def one(queue: Queue) -> float | None:
        arrival = 0.0
        with contextlib.suppress(TimeoutError):
            while arrival < t0:  # older arrivals belong to an earlier batch
                arrival = await asyncio.wait_for(queue.get(), t0 + timeout - time.perf_counter())
        return (arrival - t0) * 1000 if arrival >= t0 else None

    found = await asyncio.gather(*(one(q) for q in queues))
    return [f for f in found if f is not None]


async def _settle(queues: list[Queue], quiet: float = 1.0) -> None:
    """Wait until no update has arrived for `quiet` seconds (a batch may cause several)."""
    for _ in range(60):
        await asyncio.sleep(quiet)
        if all(q.empty() for q in queues):
            return
        for q in queues:
            while not q.empty():
                q.get_nowait()


async def _measure(product: Product, clients: int, rounds: int, out: Callable[[str], None]) -> None:
    producer = make_producer(
        {"layout": "agent_tv", "agents": product.agents, "skills": 300, "seed": 1}
    )
    batches = [producer.next_chunk() for _ in range(rounds + 1)]  # ~10% of agents change each
    keys = product.display_keys()
    slugs = sorted(keys)
    queues: list[Queue] = [Queue() for _ in range(clients)]
    readies = [asyncio.Event() for _ in range(clients)]
    tasks, sizes = [], [0]
    for i in range(clients):
        slug = slugs[i % len(slugs)]
        url = f"ws://127.0.0.1:{product.web_port}/ws/boards/{slug}/?key={keys[slug]}"
        tasks.append(asyncio.create_task(_client(url, queues[i], readies[i], sizes)))
        await asyncio.sleep(0.01)  # a wall of displays coming up, not a stampede
    try:
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
        _, writer = await asyncio.open_connection("127.0.0.1", product.feed_port)
        writer.transport.set_write_buffer_limits(0)  # drain() returns once all is in the kernel
        writer.write(batches[0])
        await writer.drain()
        sent_at = time.perf_counter()
        first = await _collect(queues, sent_at, 120)
        top = max(first or [0])
        out(f"  first full batch: an update reached {len(first)}/{clients} clients in {top:.0f} ms")
        await _settle(queues)
        latencies: list[float] = []
        worst: list[float] = []
        cpu_before = {n: _cpu_seconds(p.pid) for n, p in product.processes.items()}
        for batch in batches[1:]:
            # At the report's own pace, as CMS sends it: each run's times in state are one
            # refresh on from the last run's.
            sent_at += producer.secs
            await asyncio.sleep(max(0.0, sent_at - time.perf_counter()))
            writer.write(batch)
            await writer.drain()
            found = await _collect(queues, time.perf_counter(), TIMEOUT)
            latencies += found
            worst.append(max(found or [TIMEOUT * 1000]))
            await _settle(queues, quiet=0.5)
        cpu = {n: _cpu_seconds(p.pid) - cpu_before[n] for n, p in product.processes.items()}
        writer.close()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    missed = clients * rounds - len(latencies)
    if len(latencies) < 2:
        out(f"  too few updates arrived: missed {missed} (timeout {TIMEOUT:.0f} s)")
        return
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    out(f"  feed to screen: p50 {cuts[49]:.0f} ms, p99 {cuts[98]:.0f} ms, max "
        f"{max(latencies):.0f} ms (first client {min(latencies):.0f} ms) over "
        f"{len(latencies)} updates; missed {missed} (timeout {TIMEOUT:.0f} s)")  # fmt: skip
    size = statistics.median(sizes[1:] or [0]) / 1024
    out(f"  slowest client per round: {', '.join(f'{w:.0f}' for w in worst)} ms; "
        f"update message {size:.0f} KiB median")  # fmt: skip
    cpu_text = ", ".join(f"{n} {s / rounds * 1000:.0f} ms" for n, s in cpu.items())
    out(f"  server CPU per batch (/proc/<pid>/stat): {cpu_text}")


def push_figures(clients: int, agents: int, rounds: int, out: Callable[[str], None]) -> None:
    channels, database = (os.environ.get(k, "") for k in ("CHANNELS_URL", "DATABASE_URL"))
    production = channels.startswith("redis") and database.startswith("postgres")
    wanted = os.environ.get("PUSHBENCH_SHAPE") or ("both" if production else "one")
    if wanted not in ("one", "split", "both"):
        raise ValueError(f"PUSHBENCH_SHAPE must be one, split or both, not {wanted!r}")
    for shape in ["one", "split"] if wanted == "both" else [wanted]:
        if shape == "split" and not production:
            out("Push latency, production shape skipped: needs Redis and PostgreSQL URLs")
            continue
        boards = max(1, -(-agents // AGENTS_PER_BOARD))
        out(f"Push latency, {SHAPES[shape]}: {clients} clients, {agents} agents, "
            f"{boards} boards, {rounds} rounds")  # fmt: skip
        with tempfile.TemporaryDirectory(prefix="pushbench-") as tmp:
            product = Product(shape, Path(tmp), agents)
            try:
                product.start()
                asyncio.run(_measure(product, clients, rounds, out))
            finally:
                product.stop()
