"""Avaya CMS over real TCP on loopback: the phone system's bytes -> runingest -> database."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.avaya_cms import make_decoder, simulator
from integrations.simnet import send_as_client
from tests.conftest import send_bytes, wait_for
from wallboard.models import Agent, Queue, Source, SourceHealth

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "avaya_cms"
TVI1 = (FIXTURES / "tvi1_example.txt").read_bytes()
AGENT_TV = (FIXTURES / "agent_tv_example.txt").read_bytes()


async def closed_by_peer(reader: asyncio.StreamReader) -> bool:
    """The far end closed (EOF), or reset because it closed with our bytes unread."""
    try:
        return await asyncio.wait_for(reader.read(), 5) == b""
    except ConnectionResetError:
        return True


def port_of(source: Source) -> int:
    return int(source.listen.rsplit(":", 1)[1])


@sync_to_async
def queues(source: Source, gone: bool = False) -> dict[str, Queue]:
    return {q.number: q for q in Queue.objects.filter(source=source, gone=gone)}


@sync_to_async
def agents(source: Source) -> dict[str, Agent]:
    return {a.agent_id: a for a in Agent.objects.filter(source=source, gone=False)}


@sync_to_async
def health(source: Source) -> SourceHealth | None:
    return SourceHealth.objects.filter(source=source).first()


async def test_a_split_report_sent_over_tcp_lands_in_the_database(
    make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)()
    await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    await send_bytes(port_of(source), TVI1)
    rows = await wait_for(lambda: _three(queues(source)), what="three skills stored")
    skill3 = rows["3"]
    assert (skill3.calls_waiting, skill3.agents_available, skill3.oldest_wait_seconds) == (
        4,
        2,
        102,
    )
    assert (skill3.asa_seconds, skill3.service_level_pct, skill3.offered) == (18, 86, 66)
    assert rows["7"].oldest_wait_seconds is None and rows["7"].overflow == ["oldest_wait_seconds"]
    assert rows["7"].asa_seconds is None  # blank average = not applicable, never 0
    today = rows["3"].today
    assert {k: today[k] for k in ("offered", "answered", "abandoned")} == {
        "offered": 66,
        "answered": 57,
        "abandoned": 1,
    }
    assert today["day"]["offered"] == 66 and today["day"]["answered_in_sl"] == 57  # ≤ answered


async def _three(coro: Any) -> Any:
    rows = await coro
    return rows if len(rows) == 3 else None


async def test_rows_outside_the_queue_range_are_not_stored(make_source: Any, runner: Any) -> None:
    source = await sync_to_async(make_source)(queue_range="1-5, 12")
    await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    await send_bytes(port_of(source), TVI1)
    rows = await wait_for(lambda: _count(queues(source), 2), what="two skills stored")
    assert set(rows) == {"3", "12"}


async def _count(coro: Any, n: int) -> Any:
    rows = await coro
    return rows if len(rows) == n else None


async def test_a_peer_outside_the_allow_list_is_refused(make_source: Any, runner: Any) -> None:
    source = await sync_to_async(make_source)(allowed_peers="10.99.0.0/16")
    await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(source))
    writer.write(TVI1)
    assert await closed_by_peer(reader)  # closed on us, nothing said
    writer.close()
    worker = runner.workers[source.pk]
    assert "refused" in worker.last_error and worker.batches == 0
    assert await queues(source) == {}


async def test_a_new_connection_replaces_the_old_one_mid_stream(
    make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)()
    await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    old_reader, old_writer = await asyncio.open_connection("127.0.0.1", port_of(source))
    old_writer.write(TVI1[:70])  # half a batch, then CMS reconnects
    await old_writer.drain()
    await wait_for(lambda: runner.workers[source.pk].connected, what="the first connection")
    await send_bytes(port_of(source), TVI1)
    assert await closed_by_peer(old_reader)  # the old session was closed
    rows = await wait_for(lambda: _three(queues(source)), what="the new session's batch")
    assert rows["3"].calls_waiting == 4
    assert runner.workers[source.pk].parse_errors == 0  # the half line died with its session
    old_writer.close()


async def test_a_skill_that_leaves_the_report_is_marked_gone(make_source: Any, runner: Any) -> None:
    source = await sync_to_async(make_source)()
    await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    without_12 = b"".join(line for line in TVI1.splitlines(True) if not line.startswith(b"F1| 12|"))
    await send_bytes(port_of(source), TVI1, without_12, pause=0.2)
    gone = await wait_for(lambda: _count(queues(source, gone=True), 1), what="skill 12 gone")
    assert set(gone) == {"12"}
    assert set(await queues(source)) == {"3", "7"}


async def test_agents_listed_once_per_split_belong_to_every_split(
    make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)("cms-agents", layout="agent_tv")
    await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    await send_bytes(port_of(source), AGENT_TV)
    rows = await wait_for(lambda: _count(agents(source), 8), what="eight agents stored")
    assert rows["10002"].skills == ["1", "2"] and rows["10002"].state == "on_call"
    assert rows["10003"].state == "not_ready" and rows["10003"].reason_code == "7"
    assert rows["10005"].state == "ringing"
    assert rows["10008"].state == "unknown" and rows["10008"].vendor_state == "UNKNOWN"
    assert rows["10007"].state_since is not None and rows["10007"].name == "Grace Garcia"


async def test_bad_lines_are_counted_and_skipped_and_the_batch_survives(
    make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)()
    await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    junk = b"F1|abc|1|2\n\x00\xff garbage \xfe\nF1|  9\n"
    await send_bytes(port_of(source), junk + TVI1)
    await wait_for(lambda: _three(queues(source)), what="the good rows")
    worker = runner.workers[source.pk]
    assert worker.parse_errors >= 2
    report = await wait_for(lambda: _health_with_errors(source), what="health written")
    assert report.parse_errors == worker.parse_errors and report.records >= 3


async def test_a_flood_of_bad_lines_is_counted_in_full_but_logged_twenty_a_minute(
    make_source: Any, runner: Any, caplog: pytest.LogCaptureFixture
) -> None:
    source = await sync_to_async(make_source)()
    await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    with caplog.at_level(logging.WARNING, logger="ingest.worker"):
        await send_bytes(port_of(source), b"garbage line\n" * 50 + TVI1)
        await wait_for(lambda: runner.workers[source.pk].parse_errors >= 50, what="the count")
    logged = [r for r in caplog.records if "skipped bad input" in r.getMessage()]
    assert len(logged) == 20  # the rest only counted (a summary follows the minute)


async def _health_with_errors(source: Source) -> Any:
    report = await health(source)
    return report if report and report.parse_errors else None


async def test_a_narrowed_range_edited_in_the_admin_applies_without_restart(
    make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)()
    await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    worker = runner.workers[source.pk]
    await send_bytes(port_of(source), TVI1)
    await wait_for(lambda: _three(queues(source)), what="three skills")
    source.queue_range = "3"
    await sync_to_async(source.save)()
    gone = await wait_for(lambda: _count(queues(source, gone=True), 2), what="7 and 12 gone")
    assert set(gone) == {"7", "12"}
    assert runner.workers[source.pk] is worker  # same worker, same listener: not restarted


async def test_sources_added_or_disabled_in_the_admin_start_and_stop_while_others_run(
    make_source: Any, runner: Any
) -> None:
    first = await sync_to_async(make_source)("first")
    await wait_for(lambda: runner.workers.get(first.pk), what="the first source")
    first_worker = runner.workers[first.pk]
    second = await sync_to_async(make_source)("second")
    await wait_for(lambda: runner.workers.get(second.pk), what="the new source")
    await send_bytes(port_of(second), TVI1)
    await wait_for(lambda: _three(queues(second)), what="the new source's rows")
    second.enabled = False
    await sync_to_async(second.save)()
    await wait_for(lambda: second.pk not in runner.workers, what="the disabled source to stop")
    with pytest.raises(OSError):
        await send_bytes(port_of(second), TVI1)
    assert runner.workers[first.pk] is first_worker


async def test_the_simulator_feeds_runingest_with_consistent_figures(
    make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)()
    await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    producer = simulator.make_producer({"layout": "tvi1", "skills": 25, "agents": 150, "seed": 7})
    producer.interval = 0.05
    await send_as_client("127.0.0.1", port_of(source), producer, count=3, reconnect=False)
    rows = await wait_for(lambda: _count(queues(source), 25), what="25 skills")
    for q in rows.values():
        parts = [
            q.agents_available,
            q.agents_ringing,
            q.agents_on_call,
            q.agents_wrap_up,
            q.agents_other,
            q.agents_not_ready,
        ]
        assert q.agents_staffed == sum(parts)
    await wait_for(lambda: runner.workers[source.pk].batches == 3, what="three batches")


async def _worker_after_a_batch(make_source: Any, runner: Any) -> Any:
    """A listening source's worker, right after it processed a skills report."""
    source = await sync_to_async(make_source)()
    worker = await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    report = simulator.make_producer({"layout": "tvi1", "skills": 3}).next_chunk()
    (batch,) = make_decoder("tvi1", {}).feed(report)
    worker.process(batch)
    return worker


async def test_interval_work_waits_a_tick_after_a_batch_but_never_two_in_a_row(
    make_source: Any, runner: Any
) -> None:
    worker = await _worker_after_a_batch(make_source, runner)
    # Its publish is under way: the interval accounting would cut in between boards' sends.
    assert worker._intervals_may_tick() is False
    assert worker._intervals_may_tick() is True  # a feed that never pauses still ticks
    worker._batch_seen -= 1.0  # a second later, nothing is under way
    await wait_for(lambda: not worker.busy(), what="the batch to be out")
    assert worker._intervals_may_tick() is True


async def test_no_other_work_starts_in_the_moments_before_a_periodic_report_is_due(
    make_source: Any, runner: Any
) -> None:
    worker = await _worker_after_a_batch(make_source, runner)
    await wait_for(lambda: not worker._spawned, what="its publish")
    refresh = worker.config.refresh_seconds
    worker._batch_seen = time.monotonic() - refresh / 2  # between two reports
    assert not worker.busy()
    worker._batch_seen = time.monotonic() - (refresh - 0.1)  # the next is due in 0.1 s
    assert worker.busy()
    worker._batch_seen = time.monotonic() - 3 * refresh  # the feed stopped: nothing is due
    assert not worker.busy()
