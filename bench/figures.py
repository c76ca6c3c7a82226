"""Benchmarks that print figures (never assertions): `./dev benchmark ingest|mitel|intervals`."""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from ingest.live import LiveState
from ingest.pacing import Pacing
from integrations import integration, simulator
from integrations.base import Batch, ChangedRows


def _batches(vendor: str, layout: str, options: dict[str, Any], count: int) -> list[bytes]:
    producer = simulator(vendor).make_producer({"layout": layout, "seed": 1, **options})
    return [producer.next_chunk() for _ in range(count)]


def decode_and_diff(
    vendor: str,
    layout: str,
    chunks: list[bytes],
    read_size: int = 256 * 1024,
    pacing: Pacing | None = None,
) -> tuple[int, float, int, float]:
    """(rows, CPU seconds, changed rows, CPU seconds of the first run) to frame, parse and
    diff `chunks`, read as TCP would, the decoder's work between runs (Decoder.idle_steps,
    which runingest runs after a batch's publish) included. The first run (a full load) is
    timed apart: the rows and seconds are those of the runs after it. With `pacing` (that has
    taken the collector over), each run ends as in runingest: its survivors frozen."""
    module = integration(vendor)
    decoder = module.make_decoder(layout, module.default_options(layout))
    live = LiveState(module.VENDOR.missing_batches_before_gone)
    rows = changed = 0
    now = time.time()
    decoder.clock = lambda: now  # the runs come every 3 s of this clock, not of the real one
    elapsed = first = 0.0
    for number, chunk in enumerate(chunks):
        start = time.process_time()  # CPU time: another process's work is not this run's
        run_rows = run_changed = 0
        for i in range(0, len(chunk), read_size):
            for batch in decoder.feed(chunk[i : i + read_size]):
                run_rows += batch.records  # rows on the wire (an agent may have one per split)
                changes = live.apply(batch, now)
                run_changed += len(changes.queues) + len(changes.agents)
        if isinstance(decoder, ChangedRows):
            deque(decoder.idle_steps(), maxlen=0)
        if pacing is not None:
            pacing.after_batch()
        if number == 0:
            first = time.process_time() - start
        else:
            elapsed += time.process_time() - start
            rows, changed = rows + run_rows, changed + run_changed
        now += 3
    return rows, elapsed, changed, first


def ingest_figures(skills: int, agents: int, rounds: int, out: Callable[[str], None]) -> None:
    pacing = Pacing()
    pacing.take_over_gc()  # the collector as runingest runs it
    out(
        f"Avaya CMS: {skills} skills (tvi1) and {agents} agents (agent_tv), a first run and"
        f" {rounds} after it each; CPU time of everything a run costs (framing, parsing, diff,"
        " the decoder's work between runs)"
    )
    skill_chunks = _batches("avaya_cms", "tvi1", {"skills": skills, "agents": agents}, rounds + 1)
    agent_chunks = _batches(
        "avaya_cms", "agent_tv", {"skills": skills, "agents": agents}, rounds + 1
    )
    total_rows = total_time = 0.0
    for layout, chunks in (("tvi1", skill_chunks), ("agent_tv", agent_chunks)):
        # Best of three: this machine's other work only ever adds time.
        rows, seconds, changed, first = min(
            (decode_and_diff("avaya_cms", layout, chunks, pacing=pacing) for _ in range(3)),
            key=lambda r: r[1],
        )
        total_rows += rows
        total_time += seconds
        out(
            f"  {layout:9} {seconds / rounds * 1000:6.1f} ms CPU a run"
            f" ({rows // rounds:,} rows, {changed / rows:.0%} changed)"
            f" = {rows / seconds:>9,.0f} rows per CPU-second; the first run {first * 1000:.0f} ms"
        )
    out(
        f"  both reports: {total_time / rounds * 1000:.0f} ms CPU a run ="
        f" {total_time / rounds / 3:.1%} of one core at a 3 s refresh;"
        f" {total_rows / total_time:,.0f} rows per CPU-second (target 300,000)"
    )


def persist_figures(
    agents: int, changed_share: float, repeats: int, out: Callable[[str], None]
) -> None:
    """Time write_changes() for a batch in which `changed_share` of the agents changed."""
    from django.db import connection

    from ingest import store
    from wallboard.models import Source

    vendor_db = connection.vendor
    source = Source.objects.create(
        name=f"benchmark-{int(time.time())}",
        vendor="avaya_cms",
        layout="agent_tv",
        listen="127.0.0.1:1",
    )
    try:
        chunks = _batches(
            "avaya_cms", "agent_tv", {"agents": agents, "skills": max(1, agents // 10)}, 1
        )
        module = integration("avaya_cms")
        decoder = module.make_decoder("agent_tv", module.default_options("agent_tv"))
        batch: Batch = decoder.feed(chunks[0])[0]
        live = LiveState()
        now = time.time()
        first = live.apply(batch, now)
        start = time.perf_counter()
        store.write_changes(source.pk, first, {})
        out(
            f"Persist on {vendor_db}: first load of {len(first.agents)} agents "
            f"{(time.perf_counter() - start) * 1000:.0f} ms"
        )
        timings = []
        states = ["available", "on_call", "wrap_up", "not_ready"]
        for r in range(repeats):
            step = max(1, int(1 / changed_share))
            for i, agent in enumerate(batch.agents):
                if agent.state_seconds is not None:
                    agent.state_seconds += 3  # CMS's time in state grows between batches
                if i % step == r % step:  # a changed row is a new row, as the decoder makes
                    state = agent.state
                    following = (
                        states[(states.index(state) + 1) % 4] if state in states else "available"
                    )
                    batch.agents[i] = dataclasses.replace(agent, state=following, state_seconds=0)
            now += 3
            changes = live.apply(Batch(agents=batch.agents, snapshot=True), now)
            start = time.perf_counter()
            store.write_changes(source.pk, changes, {})
            timings.append(time.perf_counter() - start)
        out(
            f"  a batch with {len(changes.agents)} of {len(batch.agents)} agents changed: "
            f"median {statistics.median(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms"
            " (target 250 ms on PostgreSQL)"
        )
    finally:
        source.delete()


def mitel_figures(events: int, agents: int, out: Callable[[str], None]) -> None:
    from bench.mitel import build_stream

    stream = build_stream(events=events, agents=agents, seed=1)
    Pacing().take_over_gc()  # the collector as runingest runs it
    module = integration("mitel")
    best = 0.0
    for _ in range(3):
        decoder = module.make_decoder("rte", {})
        live = LiveState()
        start = time.perf_counter()
        records = 0
        now = time.time()
        for i in range(0, len(stream), 64 * 1024):
            for batch in decoder.feed(stream[i : i + 64 * 1024]):
                records += batch.records
                live.apply(batch, now)
        seconds = time.perf_counter() - start
        best = max(best, records / seconds)
    out(f"Mitel RTE: {events} events from {agents} agents, framing + parsing + state, one core:")
    out(f"  {best:,.0f} events/s (target 300,000)")


def interval_figures(agents: int, rounds: int, out: Callable[[str], None]) -> None:
    """The cost of interval accounting per batch at `agents` agents (10% changing per batch)."""
    from ingest.intervals import IntervalAccounting

    module = integration("avaya_cms")
    producer = simulator("avaya_cms").make_producer(
        {"layout": "agent_tv", "agents": agents, "skills": max(1, agents // 10), "seed": 1}
    )
    decoder = module.make_decoder("agent_tv", module.default_options("agent_tv"))
    batches = [decoder.feed(producer.next_chunk())[0] for _ in range(rounds + 1)]
    now = time.time()
    live, accounting = LiveState(), IntervalAccounting(now)
    accounting.observe(live.apply(batches[0], now), now)
    timings, changed = [], []
    for batch in batches[1:]:
        now += 3
        changes = live.apply(batch, now)
        start = time.perf_counter()
        accounting.observe(changes, now)
        accounting.take_dirty()
        timings.append(time.perf_counter() - start)
        changed.append(len(changes.agents))
    start = time.perf_counter()
    accounting.tick(now + 900)
    _, rows = accounting.take_dirty()
    boundary = time.perf_counter() - start
    out(f"Interval accounting at {len(live.agents)} agents:")
    out(
        f"  per batch ({statistics.median(changed):.0f} agents changed): "
        f"median {statistics.median(timings) * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms"
    )
    out(
        f"  at a 15-minute boundary (every open stint booked): {boundary * 1000:.0f} ms,"
        f" {len(rows)} rows"
    )
    held = interval_memory(batches, (now // 900 + 2) * 900)
    out(
        f"  held after a boundary (tracemalloc): buckets and marks {held[0] / 1e6:.1f} MB,"
        f" the agents' day figures {held[1] / 1e6:.1f} MB"
    )


def interval_memory(batches: list[Any], boundary: float) -> tuple[int, int]:
    """What the accounting and the agents' day figures hold (bytes allocated in
    ingest/intervals.py and ingest/agentdays.py) once a boundary has passed and its rows were
    taken: the batches booked as the worker hands them on, their figures handed out."""
    import gc
    import tracemalloc

    from ingest.agentdays import AgentDays
    from ingest.intervals import IntervalAccounting, interval_start

    tracemalloc.start()
    try:
        now = boundary - len(batches) * 3
        live, accounting = LiveState(), IntervalAccounting(now)
        days = AgentDays(lambda now: now // 86400 * 86400)
        days.load([], now)
        for batch in [*batches, batches[0]]:  # the last one after the boundary, 3 s on
            now += 3
            if accounting.tick(now):
                days.roll(now)
                for (agent_id, start), closed in accounting.agent_buckets.items():
                    days.put(agent_id, start, closed)
                days.changed(list(days.rows), now)
                accounting.take_dirty()
            changes = live.apply(batch, now)
            accounting.observe(changes, now)
            for agent_id in changes.agents:
                for start in {accounting.current, interval_start(now)}:
                    bucket = accounting.agent_buckets.get((agent_id, start))
                    if bucket is not None:
                        days.put(agent_id, start, bucket)
            days.changed(changes.agents, now)
            accounting.take_dirty()
        gc.collect()
        sizes = {
            stat.traceback[0].filename: stat.size
            for stat in tracemalloc.take_snapshot().statistics("filename")
        }
    finally:
        tracemalloc.stop()
    held = [sum(n for name, n in sizes.items() if name.endswith(f)) for f in FILES]
    return held[0], held[1]


FILES = ("ingest/intervals.py", "ingest/agentdays.py")
