import argparse
import asyncio

import pytest

from integrations import simnet, simulator
from integrations.base import Batch, Figure
from integrations.optimus.decoder import ToolbarDecoder
from integrations.optimus.simulator import MODE, ToolbarFeed, add_arguments, make_producer


def snapshots(feed: ToolbarFeed, n: int) -> tuple[list[Batch], ToolbarDecoder]:
    decoder = ToolbarDecoder(clock=lambda: 0.0)
    batches = [b for _ in range(n) for b in decoder.feed(feed.next_chunk())]
    return batches + decoder.flush(1e9), decoder


def count(figure: Figure) -> int:
    """A queue figure the simulator sends: always a whole number."""
    assert isinstance(figure, int)
    return figure


def test_every_snapshot_holds_every_queue_and_agent() -> None:
    batches, decoder = snapshots(ToolbarFeed(queues=8, agents=40, seed=1), 30)
    assert decoder.errors == []
    assert len(batches) == 30
    for batch in batches:
        assert [q.number for q in batch.queues] == [str(100 + i) for i in range(8)]
        assert [a.agent_id for a in batch.agents] == [str(5000 + i) for i in range(40)]
        assert batch.records == 48


def test_the_queue_counters_are_plausible_and_never_go_down() -> None:
    batches, _ = snapshots(ToolbarFeed(queues=12, agents=10, seed=2), 200)
    moved = set()
    previous = None
    for batch in batches:
        for q in batch.queues:
            assert count(q.offered) >= count(q.answered) + count(q.abandoned)
            assert (q.calls_waiting == 0) == (q.oldest_wait_seconds == 0)
            if q.answered:
                assert isinstance(q.extra["avg_wait_seconds"], int)
        if previous is not None:
            for before, after in zip(previous.queues, batch.queues, strict=True):
                for figure in ("offered", "answered", "abandoned"):
                    assert getattr(after, figure) >= getattr(before, figure)
                for key in ("returned", "transferred_to_default"):
                    assert after.extra[key] >= before.extra[key]
                if after.calls_waiting != before.calls_waiting:
                    moved.add(after.number)
        previous = batch
    assert len(moved) > 6  # the waiting calls move, not a frozen picture


def test_the_agent_counters_never_go_down_and_waiting_sums_the_agents_queues() -> None:
    batches, _ = snapshots(ToolbarFeed(queues=5, agents=25, seed=3), 100)
    previous = None
    for batch in batches:
        waiting = {q.number: count(q.calls_waiting) for q in batch.queues}
        for i, agent in enumerate(batch.agents):
            mine = {str(100 + i % 5), str(100 + (i + 1) % 5)}
            assert agent.extra["calls_waiting"] == sum(waiting[n] for n in mine)
            assert agent.extra["offered"] == agent.extra["answered"] + agent.extra["returned"]
        if previous is not None:
            for before, after in zip(previous.agents, batch.agents, strict=True):
                growing = [k for k in before.extra if k != "calls_waiting"]
                assert all(after.extra[k] >= before.extra[k] for k in growing)
        previous = batch
    first, last = batches[0], batches[-1]
    assert sum(a.extra["answered"] for a in last.agents) > sum(
        a.extra["answered"] for a in first.agents
    )


def test_the_same_seed_gives_the_same_feed() -> None:
    one, two = ToolbarFeed(seed=9), ToolbarFeed(seed=9)
    assert [one.next_chunk() for _ in range(5)] == [two.next_chunk() for _ in range(5)]
    assert ToolbarFeed(seed=10).next_chunk() != ToolbarFeed(seed=9).next_chunk()


def test_minutes_and_seconds_decode_to_the_same_figures_as_plain_seconds() -> None:
    plain, _ = snapshots(ToolbarFeed(seed=4, agents=30, duration_style="seconds"), 50)
    clock, decoder = snapshots(ToolbarFeed(seed=4, agents=30, duration_style="mmss"), 50)
    assert decoder.errors == []
    assert clock == plain
    assert any(a.extra["not_ready_seconds"] >= 3600 for a in clock[-1].agents)  # h:mm:ss too


def test_it_ends_every_record_with_cr_lf() -> None:
    chunk = ToolbarFeed(seed=5, queues=2, agents=3).next_chunk()
    assert chunk.endswith(b"\r\n")
    assert chunk.count(b"\r\n") == 5
    assert chunk.count(b"\n") == 5


def test_bad_lines_are_counted_and_every_snapshot_stays_whole() -> None:
    batches, decoder = snapshots(ToolbarFeed(seed=6, malformed_rate=0.2), 20)
    reasons = {e.reason.split(":")[0] for e in decoder.errors}
    assert reasons == {"malformed record", "unknown record type"}
    assert len(batches) == 20
    assert all(len(b.queues) == 8 and len(b.agents) == 40 for b in batches)


def test_the_producer_takes_command_line_options_or_just_a_few_keys() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = vars(parser.parse_args(["--agents", "7", "--duration-style", "mmss"]))
    producer = make_producer({**options, "interval": None})
    assert producer.interval == 5.0
    assert producer.next_chunk().count(b"\r\n4|") == 7
    assert make_producer({"interval": 0.5, "seed": 1}).interval == 0.5
    assert make_producer({}).next_chunk().count(b"\r\n") == 48


@pytest.mark.parametrize(
    "options", [{"queues": 0}, {"agents": -1}, {"malformed_rate": 1.5}, {"duration_style": "x"}]
)
def test_the_producer_refuses_impossible_options(options: dict) -> None:
    with pytest.raises(ValueError):
        make_producer(options)


def test_the_registry_finds_the_simulator_and_either_side_may_connect() -> None:
    assert simulator("optimus").MODE == MODE == "either"


async def test_it_streams_snapshots_over_tcp_that_the_decoder_reads() -> None:
    producer = ToolbarFeed(seed=7, queues=3, agents=20, interval=0.01)
    stop = asyncio.Event()
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(
        simnet.serve("127.0.0.1", 0, producer, fragment=True, stop=stop, ready=ready)
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", await ready)
    decoder = ToolbarDecoder()
    batches: list[Batch] = []
    while len(batches) < 3:
        batches += decoder.feed(await asyncio.wait_for(reader.read(4096), 10))
    stop.set()
    writer.close()
    await server
    assert decoder.errors == []
    # The first batch may have started mid-cycle; the ones after are whole.
    assert all(len(b.queues) == 3 and len(b.agents) == 20 for b in batches[1:])
