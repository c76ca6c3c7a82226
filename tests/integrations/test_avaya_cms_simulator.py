"""The CMS simulator's report runs, read back through the decoder."""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from typing import Any

import pytest

from integrations import simulator as simulator_for
from integrations.avaya_cms import make_decoder, simulator
from integrations.base import OVERFLOW, AgentRow, Batch, Figure, QueueRow
from integrations.simnet import send_as_client


def run(options: dict[str, Any], batches: int = 1) -> list[Batch]:
    producer = simulator.make_producer({"seed": 7, **options})
    decoder = make_decoder(options.get("layout", "tvi1"), {})
    out = []
    for _ in range(batches):
        chunk = producer.next_chunk()
        assert chunk.endswith(b"F3|END_OF_RECORDS\n")
        decoder.forget()  # every agent of every run, not only those that changed
        (batch,) = decoder.feed(chunk)
        assert batch.records == producer.rows
        out.append(batch)
    assert decoder.errors == []
    return out


def test_it_plays_the_client_side_because_cms_connects_to_the_wallboard() -> None:
    assert simulator.MODE == "connect"
    assert simulator_for("avaya_cms") is simulator


def test_its_arguments_parse_to_a_working_producer_with_a_3_second_default() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=float, default=None)  # the generic command's
    simulator.add_arguments(parser)
    options = vars(parser.parse_args(["--layout", "agent_tv", "--agents", "50", "--seed", "3"]))
    producer = simulator.make_producer(options)
    assert producer.interval == 3.0
    assert make_decoder("agent_tv", {}).feed(producer.next_chunk())[0].agents
    with pytest.raises(SystemExit):
        parser.parse_args(["--malformed", "1.5"])


@pytest.mark.parametrize("layout", ["tvi1", "agent_tv", "cvdn"])
@pytest.mark.parametrize("style", ["padded", "unpadded"])
def test_every_layout_and_style_decodes_without_errors(layout: str, style: str) -> None:
    (batch,) = run({"layout": layout, "style": style})
    expected = {"tvi1": 40, "cvdn": 10}.get(layout)
    assert len(batch.queues) == (expected or 0)
    assert bool(batch.agents) == (layout == "agent_tv")


def test_a_large_site_gets_fields_wide_enough_for_its_split_numbers_and_agent_counts() -> None:
    (batch,) = run({"layout": "tvi1", "skills": 1200, "agents": 12_000})
    assert [q.number for q in batch.queues] == [str(n) for n in range(1, 1201)]
    (batch,) = run({"layout": "tvi1", "skills": 2, "agents": 3000})
    assert all(isinstance(q.agents_staffed, int) and q.agents_staffed > 999 for q in batch.queues)


def test_the_same_seed_gives_the_same_feed_and_another_seed_does_not() -> None:
    def chunks(seed: int) -> list[bytes]:
        producer = simulator.make_producer({"layout": "agent_tv", "seed": seed})
        return [producer.next_chunk() for _ in range(3)]

    assert chunks(1) == chunks(1)
    assert chunks(1) != chunks(2)


def count(figure: Figure) -> int:
    """A figure the simulator sends: always a whole number."""
    assert isinstance(figure, int)
    return figure


def test_staffed_is_the_sum_of_the_agent_states_in_every_skill_row() -> None:
    for batch in run({"layout": "tvi1"}, batches=30):
        for q in batch.queues:
            parts = (q.agents_available, q.agents_ringing, q.agents_on_call, q.agents_wrap_up,
                     q.agents_other, q.agents_not_ready)  # fmt: skip
            assert q.agents_staffed == sum(count(part) for part in parts)


def test_skill_figures_agree_with_the_agent_report_of_the_same_seed() -> None:
    options = {"agents": 300, "skills": 12}
    skills = run({**options, "layout": "tvi1"}, batches=5)
    agents = run({**options, "layout": "agent_tv"}, batches=5)
    for queue_batch, agent_batch in zip(skills, agents, strict=True):
        staffed: Counter[str] = Counter()
        available: Counter[str] = Counter()
        aux: Counter[str] = Counter()
        for agent in agent_batch.agents:
            staffed.update(agent.skills)
            if agent.state == "available":
                available.update(agent.skills)
            if agent.state == "not_ready":
                aux.update(agent.skills)
        for q in queue_batch.queues:
            assert (q.agents_staffed, q.agents_available, q.agents_not_ready) == (
                staffed[q.number], available[q.number], aux[q.number]
            )  # fmt: skip


def test_averages_are_blank_exactly_when_there_were_no_calls() -> None:
    seen_blank = seen_value = False
    for batch in run({"layout": "tvi1"}, batches=20):
        for q in batch.queues:
            assert (q.asa_seconds is None) == (q.answered == 0)
            assert (q.extra["avg_abandon_seconds"] is None) == (q.abandoned == 0)
            assert (q.service_level_pct is None) == (q.offered == 0)
            seen_blank |= q.asa_seconds is None
            seen_value |= q.asa_seconds is not None
    assert seen_blank and seen_value


def test_an_oldest_call_overflows_now_and_then() -> None:
    oldest = [q.oldest_wait_seconds for b in run({"layout": "tvi1"}, 100) for q in b.queues]
    overflows = oldest.count(OVERFLOW)
    assert 0 < overflows < len(oldest) / 20


def offered(queue: QueueRow) -> int:
    assert isinstance(queue.offered, int)
    return queue.offered


def test_interval_counters_grow_and_restart_at_each_cms_interval() -> None:
    batches = run({"layout": "tvi1", "cms_interval_batches": 4}, batches=9)
    totals = [sum(offered(q) for q in b.queues) for b in batches]
    # runs 4 and 8 start a new interval: counters drop, and grow in between
    assert totals[0] <= totals[1] <= totals[2]
    assert totals[3] < totals[2] and totals[7] < totals[6]
    assert totals[3] <= totals[4] <= totals[5] <= totals[6]


def test_about_a_fifth_of_agents_are_multi_skilled_and_listed_once_per_split() -> None:
    producer = simulator.make_producer({"layout": "agent_tv", "agents": 2000, "seed": 5})
    (batch,) = make_decoder("agent_tv", {}).feed(producer.next_chunk())
    multi = sum(len(a.skills) > 1 for a in batch.agents)
    assert 0.12 < multi / len(batch.agents) < 0.28
    assert batch.records == sum(len(a.skills) for a in batch.agents)


def by_id(batch: Batch) -> dict[str, AgentRow]:
    return {a.agent_id: a for a in batch.agents}


def test_some_agents_change_state_each_run_and_the_rest_age_by_the_interval() -> None:
    first, second = map(by_id, run({"layout": "agent_tv", "agents": 1000, "interval": 3}, 2))
    stayed = [a for a in first if a in second]
    changed = [a for a in stayed if first[a].vendor_state != second[a].vendor_state]
    assert 0.02 < len(changed) / len(stayed) < 0.15
    moved = [a for a in stayed if second[a].state_seconds != count(first[a].state_seconds) + 3]
    assert set(changed) <= set(moved)
    assert len(moved) / len(stayed) < 0.15  # only agents picked to change restart their clock


def test_work_mode_codes_give_the_same_neutral_states_as_words() -> None:
    words = run({"layout": "agent_tv", "agents": 500}, 3)
    codes = run({"layout": "agent_tv", "agents": 500, "states": "codes"}, 3)
    for w, c in zip(words, codes, strict=True):
        assert [a.state for a in w.agents] == [a.state for a in c.agents]
    assert {a.vendor_state for a in codes[-1].agents} >= {"20", "30", "40", "50"}


@pytest.mark.parametrize("layout", ["tvi1", "agent_tv", "cvdn"])
def test_garbage_lines_are_each_one_error_and_the_data_survives(layout: str) -> None:
    options: dict[str, Any] = {"layout": layout, "seed": 11, "agents": 300, "vdns": 40}
    clean = simulator.make_producer(options)
    dirty = simulator.make_producer({**options, "malformed": 0.2})
    decoder = make_decoder(layout, {})
    garbage = 0
    for _ in range(3):
        expected = make_decoder(layout, {}).feed(clean.next_chunk())
        decoder.forget()  # the whole run, as the fresh decoder gives it
        (batch,) = decoder.feed(dirty.next_chunk())
        assert batch.unread == dirty.garbage  # the run is incomplete: nothing goes by it
        batch.unread, batch.unread_excerpt = 0, ""
        assert [batch] == expected
        garbage += dirty.garbage
    assert garbage > 10
    assert len(decoder.errors) == garbage


def test_a_large_site_of_30000_agents_decodes_in_full() -> None:
    producer = simulator.make_producer(
        {"layout": "agent_tv", "agents": 30_000, "skills": 300, "seed": 2}
    )
    (batch,) = make_decoder("agent_tv", {}).feed(producer.next_chunk())
    assert 25_000 < len(batch.agents) <= 30_000  # a few are logged out
    assert batch.records > 1.15 * len(batch.agents)


def test_it_streams_to_a_listening_wallboard_over_tcp_in_fragments() -> None:
    async def scenario() -> list[Batch]:
        decoder = make_decoder("tvi1", {})
        batches: list[Batch] = []
        done = asyncio.Event()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while data := await reader.read(4096):
                batches.extend(decoder.feed(data))
            writer.close()
            done.set()

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        producer = simulator.make_producer({"seed": 1, "interval": 0})
        await send_as_client("127.0.0.1", port, producer, count=3, fragment=True, reconnect=False)
        await asyncio.wait_for(done.wait(), 10)
        server.close()
        assert decoder.errors == []
        return batches

    batches = asyncio.run(scenario())
    assert [len(b.queues) for b in batches] == [40, 40, 40]


def counts(queue: QueueRow) -> tuple[int, int, int]:
    return count(queue.offered), count(queue.answered), count(queue.abandoned)


def test_skill_counters_are_ones_a_cms_could_send() -> None:
    """Within a CMS interval: acceptable <= answered <= offered, none falls; all restart at the
    interval and only there. The service level is a whole percentage of ACCEPTABLE/CALLSOFFERED,
    so each run bounds ACCEPTABLE, and some count that never falls must fit every bound."""
    every = 25
    options = {"layout": "tvi1", "skills": 12, "cms_interval_batches": every}
    batches = run(options, batches=4 * every)
    previous: dict[str, tuple[int, int, int]] = {}
    lowest_acceptable: dict[str, int] = {}  # the most ACCEPTABLE must have been, this interval
    for n, batch in enumerate(batches, start=1):
        for q in batch.queues:
            offered, answered, abandoned = counts(q)
            assert answered + abandoned <= offered, (n, q.number)
            if n % every == 0:  # this run's counters are the new CMS interval's
                lowest_acceptable[q.number] = 0
            else:
                before = previous.get(q.number, (0, 0, 0))
                grown = zip(counts(q), before, strict=True)
                assert all(now >= then for now, then in grown), (n, q.number)
            previous[q.number] = (offered, answered, abandoned)
            sl = q.service_level_pct
            if not offered:
                assert sl is None
                continue
            assert isinstance(sl, int) and 0 <= sl <= 100
            at_least = -(-sl * offered // 100)  # ACCEPTABLE >= sl% of offered
            at_most = min(answered, -(-(sl + 1) * offered // 100) - 1)
            lowest = max(lowest_acceptable.get(q.number, 0), at_least)
            assert lowest <= at_most, (n, q.number, sl, offered, answered)
            lowest_acceptable[q.number] = lowest
