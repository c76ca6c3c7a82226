"""`./dev benchmark push-calls`: a CSTA call step's arrival to its tile update on every display,
printed, never asserted (target: p99 <= 100 ms with 200 displays).

The product runs as `./dev benchmark push` runs it (bench/push.py: subprocesses on their own
database, configured by `importconfig`, the same lean websocket clients), with a `csta` source
that dials the simulated AES this process serves, and boards of a waiting-callers tile and an
agent grid on it, the clients spread over them. The switch is scripted (its scenario API, no
random traffic, no polling): each round a call is offered on a VDN and queues, rings at an
agent, is answered, and the caller hangs up. For each step: the time from its events written to
the AES's socket to each client's next `update` (the waiting-callers tile gaining, changing or
losing the caller; the agent's cell showing the call, then not).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from integrations.csta.simulator import AesSimulator

from .push import SHAPES, TIMEOUT, Product, Queue, _client, _collect, _settle

STATIONS = [str(5001 + i) for i in range(20)]
FIRST_AGENT = 3101
BOARDS = 10
PASSWORD = "pushbench"
SET_PASSWORD = (
    "from wallboard.models import Source; s = Source.objects.get(name='bench-aes'); "
    f"s.set_secrets({{'password': {PASSWORD!r}}}); s.save(update_fields=['secrets'])"
)


def config(feed_port: int) -> dict[str, Any]:
    source = {
        "name": "bench-aes",
        "vendor": "csta",
        "connect": f"127.0.0.1:{feed_port}",
        "refresh_seconds": 10,
        "options": {
            "switch_name": "CM1",
            "username": "wallboard",
            "agents": f"{FIRST_AGENT}-{FIRST_AGENT + len(STATIONS) - 1}"
            f"@{STATIONS[0]}-{STATIONS[-1]}",
            "splits": "301",
            "vdns": "7001",
            "agent_states": "events",  # no polls: every update comes from a scripted step
        },
    }
    tiles = [
        {"kind": "waiting_callers", "title": "Waiting", "source": "bench-aes", "height": 2},
        {"kind": "agent_grid", "title": "Agents", "source": "bench-aes", "width": 2},
    ]
    boards = [{"title": f"Calls {b}", "slug": f"calls-{b}", "tiles": tiles} for b in range(BOARDS)]
    return {"sources": [source], "boards": boards}


async def _session_up(simulator: AesSimulator, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while simulator.heard.count("MonitorStart") < len(STATIONS) + 2:  # stations, split, VDN
        if time.monotonic() > deadline:
            raise RuntimeError(f"the product never monitored the AES: {simulator.heard[-5:]}")
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)  # the first readings of every station reach the boards


async def _measure(
    product: Product, simulator: AesSimulator, clients: int, rounds: int, out: Callable[[str], None]
) -> None:
    stop = asyncio.Event()
    serving = asyncio.create_task(simulator.serve("127.0.0.1", product.feed_port, stop=stop))
    tasks: list[asyncio.Task[None]] = []
    try:
        await asyncio.to_thread(product.start)
        await _session_up(simulator)
        keys = product.display_keys()
        slugs = sorted(keys)
        queues: list[Queue] = [Queue() for _ in range(clients)]
        readies = [asyncio.Event() for _ in range(clients)]
        for i in range(clients):
            slug = slugs[i % len(slugs)]
            url = f"ws://127.0.0.1:{product.web_port}/ws/boards/{slug}/?key={keys[slug]}"
            tasks.append(asyncio.create_task(_client(url, queues[i], readies[i], [0])))
            await asyncio.sleep(0.01)
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
        await _settle(queues)
        by_step: dict[str, list[float]] = {}
        missed = 0

        async def timed(name: str, step: Callable[[], Any]) -> Any:
            nonlocal missed
            sent_at = time.perf_counter()
            done = step()  # its frames are written to the socket before it returns
            found = await _collect(queues, sent_at, TIMEOUT)
            missed += clients - len(found)
            by_step.setdefault(name, []).extend(found)
            await _settle(queues, quiet=0.5)
            return done

        for r in range(rounds):
            agent = str(FIRST_AGENT + r % len(STATIONS))
            call = await timed("offered+queued", partial(simulator.offer, "7001"))
            await timed("ringing", partial(simulator.ring, call, agent))
            await timed("answered", partial(simulator.answer, call))
            await timed("ended", partial(simulator.hang_up, call))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        stop.set()
        with contextlib.suppress(Exception):
            await serving
    latencies = [ms for found in by_step.values() for ms in found]
    if len(latencies) < 2:
        out(f"  too few updates arrived: missed {missed} (timeout {TIMEOUT:.0f} s)")
        return
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    out(f"  call step to screen: p50 {cuts[49]:.0f} ms, p99 {cuts[98]:.0f} ms, max "
        f"{max(latencies):.0f} ms over {len(latencies)} updates; missed {missed} "
        f"(timeout {TIMEOUT:.0f} s)")  # fmt: skip
    for name, found in by_step.items():
        if len(found) >= 2:
            step_cuts = statistics.quantiles(found, n=100, method="inclusive")
            out(f"    {name}: p50 {step_cuts[49]:.0f} ms, p99 {step_cuts[98]:.0f} ms")


def push_call_figures(clients: int, rounds: int, out: Callable[[str], None]) -> None:
    channels, database = (os.environ.get(k, "") for k in ("CHANNELS_URL", "DATABASE_URL"))
    production = channels.startswith("redis") and database.startswith("postgres")
    wanted = os.environ.get("PUSHBENCH_SHAPE") or ("both" if production else "one")
    if wanted not in ("one", "split", "both"):
        raise ValueError(f"PUSHBENCH_SHAPE must be one, split or both, not {wanted!r}")
    for shape in ["one", "split"] if wanted == "both" else [wanted]:
        if shape == "split" and not production:
            out("Call push latency, production shape skipped: needs Redis and PostgreSQL URLs")
            continue
        out(f"Call push latency, {SHAPES[shape]}: {clients} clients on {BOARDS} boards of "
            f"waiting callers and {len(STATIONS)} agents, {rounds} calls of 4 steps")  # fmt: skip
        logging.getLogger("integrations.csta.simulator").setLevel(logging.WARNING)
        simulator = AesSimulator(
            stations=STATIONS,
            splits=["301"],
            vdns=["7001"],
            first_agent=FIRST_AGENT,
            password=PASSWORD,
            rate=0,
            activity=0,
            interval=3600,  # one burst (the agents log in), then only the scripted steps
            seed=1,
        )
        with tempfile.TemporaryDirectory(prefix="pushbench-") as tmp:
            product = Product(shape, Path(tmp), len(STATIONS))
            product.config = config(product.feed_port)
            # Credentials are never imported: the password goes into the source's secrets.
            product.after_import.append(("shell", "-c", SET_PASSWORD))
            try:
                asyncio.run(_measure(product, simulator, clients, rounds, out))
            finally:
                product.stop()
