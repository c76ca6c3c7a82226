"""The Mitel simulator's bytes, through the decoder: what a wallboard reading it would see."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
from collections import Counter

import pytest

from integrations.base import AGENT_STATES, LOGGED_OUT, AgentRow, Batch
from integrations.mitel.decoder import RteDecoder
from integrations.mitel.simulator import (
    MODE,
    RteProducer,
    add_arguments,
    make_producer,
    reporting_numbers,
)
from integrations.simnet import serve, split_for_wire

NOON = dt.datetime(2024, 1, 15, 12, 0).timestamp()


def run(producer: RteProducer, chunks: int, seed: int = 7) -> tuple[RteDecoder, list[Batch]]:
    """Each chunk cut into TCP-sized pieces, as the wallboard's reads would see it."""
    decoder, batches, rng = RteDecoder(), [], random.Random(seed)
    for _ in range(chunks):
        for piece in split_for_wire(producer.next_chunk(), rng, fragment=True):
            batches += decoder.feed(piece)
    return decoder, batches


def test_the_simulator_plays_the_pbx_that_the_wallboard_connects_to() -> None:
    assert MODE == "listen"


def test_the_options_it_adds_parse_into_a_working_producer() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = vars(parser.parse_args(["--agents", "12", "--groups", "600-603", "--seed", "3"]))
    producer = make_producer({**options, "interval": None, "clock": lambda: NOON})
    assert producer.interval == 1.0
    assert producer.groups == ["600", "601", "602", "603"]
    assert len(producer.agent_ids) == 12


def test_it_is_deterministic_for_a_seed() -> None:
    def chunks(seed: int) -> list[bytes]:
        producer = make_producer({"seed": seed, "clock": lambda: NOON})
        return [producer.next_chunk() for _ in range(30)]

    assert chunks(5) == chunks(5)
    assert chunks(5) != chunks(6)


def test_its_stream_decodes_without_errors_or_gaps_and_only_its_agents_appear() -> None:
    producer = make_producer({"agents": 40, "seed": 11, "clock": lambda: NOON})
    decoder, batches = run(producer, 200)
    assert decoder.errors == []
    assert decoder.sequence_gaps == 0
    assert decoder.pbx_date == dt.date(2024, 1, 15)
    agents = [a for b in batches for a in b.agents]
    assert {a.agent_id for a in agents} <= set(producer.agent_ids)
    assert all(a.state in AGENT_STATES and a.extension for a in agents)
    assert {a.vendor_state for a in agents} == set("ABCDEFGHIJLMNOPTU")
    assert not any(a.extra.get("implied") for a in agents)  # it logs out before a new login
    kinds = Counter((q.kind, q.number) for b in batches for q in b.queues)
    assert set(kinds) == {("group", g) for g in ("610", "611", "612")} | {
        ("path", "860"),
        ("path", "861"),
    }


def test_group_and_path_figures_match_the_agents_it_logged_in() -> None:
    producer = make_producer(
        {"agents": 50, "groups": "610-614", "seed": 2, "stats_every": 1, "clock": lambda: NOON}
    )
    decoder, logged_in, checked = RteDecoder(), {}, 0
    for _ in range(60):
        for batch in decoder.feed(producer.next_chunk()):
            for agent in batch.agents:
                logged_in[agent.agent_id] = agent.state != LOGGED_OUT
            per_group = Counter(
                producer.groups[(int(a) - 6101) % 5] for a, on in logged_in.items() if on
            )
            for row in batch.queues:
                if row.kind == "group":
                    assert row.agents_staffed == per_group[row.number]
                    checked += 1
                else:  # path 860 serves groups 610, 612, 614; 861 the others
                    members = producer.groups[0 if row.number == "860" else 1 :: 2]
                    assert row.agents_staffed == sum(per_group[g] for g in members)
    assert checked == 60 * 5


def test_refresh_and_statistics_come_at_their_intervals() -> None:
    producer = make_producer(
        {"refresh_every": 10, "stats_every": 5, "seed": 1, "clock": lambda: NOON}
    )
    chunks = [producer.next_chunk() for _ in range(20)]
    assert [i for i, c in enumerate(chunks) if b"R120000" in c] == [0, 9, 19]
    assert [i for i, c in enumerate(chunks) if b"K120000610" in c] == [0, 4, 9, 14, 19]


def test_its_clock_crossing_midnight_rolls_the_decoders_date() -> None:
    ticks = iter(dt.datetime(2024, 2, 29, 23, 59, 50).timestamp() + s for s in range(40))
    producer = make_producer({"seed": 4, "refresh_every": 600, "clock": lambda: next(ticks)})
    decoder, _ = run(producer, 30)
    assert decoder.errors == []
    assert decoder.pbx_date == dt.date(2024, 3, 1)


def test_with_noise_the_decoder_counts_errors_but_never_invents_an_agent() -> None:
    producer = make_producer({"agents": 40, "noise": 0.2, "seed": 9, "clock": lambda: NOON})
    decoder, batches = run(producer, 100)
    reasons = {e.reason for e in decoder.errors}
    assert any(r.startswith("unknown function code") for r in reasons)
    assert reasons & {"record cut short", "bad time", "bad record number"}
    assert {a.agent_id for b in batches for a in b.agents} <= set(producer.agent_ids)


def test_thirty_thousand_agents_fit_in_one_burst() -> None:
    producer = make_producer({"agents": 30_000, "groups": "100-999", "paths": "100-299", "seed": 1})
    first = producer.next_chunk()
    decoder = RteDecoder()
    batches = decoder.feed(first + producer.burst(10_000))
    assert decoder.errors == []
    # R, the shift's logins, a burst's 3,000 events, K and Q rounds, then the 10,000.
    assert sum(b.records for b in batches) == 1 + 24_000 + 3_000 + 900 + 200 + 10_000


@pytest.mark.parametrize("text", ["1000", "", "610,abc"])
def test_it_refuses_reporting_numbers_the_record_cannot_hold(text: str) -> None:
    with pytest.raises(ValueError):
        reporting_numbers(text)


async def test_a_wallboard_connecting_to_the_simulated_pbx_reads_its_records() -> None:
    producer = make_producer({"seed": 3, "interval": 0.01, "clock": lambda: NOON})
    stop, ready = asyncio.Event(), asyncio.get_running_loop().create_future()
    server = asyncio.create_task(serve("127.0.0.1", 0, producer, stop=stop, ready=ready))
    reader, writer = await asyncio.open_connection("127.0.0.1", await ready)
    decoder = RteDecoder()
    agents: list[AgentRow] = []
    while len(agents) < 100:
        data = await reader.read(4096)
        assert data, "the simulator closed the connection"
        agents += [a for b in decoder.feed(data) for a in b.agents]
    writer.close()
    stop.set()
    await server
    assert decoder.errors == []
    assert {a.agent_id for a in agents} <= set(producer.agent_ids)
