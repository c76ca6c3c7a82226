"""The Avaya CMS listener under disruption, over real TCP on loopback.

An allowed peer's new connection no longer replaces the live CMS session until it proves
itself (a complete, valid report run); refused connections are logged a few a minute, then
counted; a run that never ends is bounded in bytes and let go of.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.avaya_cms import agents as agent_report
from integrations.avaya_cms import decoder as framing
from tests.conftest import wait_for
from wallboard.models import Agent, Queue, Source

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "avaya_cms"
TVI1 = (FIXTURES / "tvi1_example.txt").read_bytes()
AGENT_TV = (FIXTURES / "agent_tv_example.txt").read_bytes()


def port_of(source: Source) -> int:
    return int(source.listen.rsplit(":", 1)[1])


def run(waiting: int) -> bytes:
    """The skills report with skill 3's calls waiting set (each run tells apart)."""
    return TVI1.replace(b"F1|  3|   4|", f"F1|  3|{waiting:4d}|".encode())


@sync_to_async
def waiting_of(source: Source, number: str) -> Any:
    row = Queue.objects.filter(source=source, number=number).first()
    return None if row is None else row.calls_waiting


@sync_to_async
def agent_count(source: Source) -> int:
    return Agent.objects.filter(source=source, gone=False).count()


async def closed(reader: asyncio.StreamReader, within: float) -> bool:
    """Whether ingest closed the connection within `within` seconds."""
    try:
        return await asyncio.wait_for(reader.read(), within) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


@pytest.fixture(params=["c-speedup", "pure-python"])
def speedup(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "pure-python":
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(agent_report, "Heads", None)
            yield request.param
        return
    if agent_report.Heads is None:
        pytest.skip("integrations.avaya_cms._speedups is not built")
    yield request.param


async def test_idle_connections_from_an_allowed_peer_do_not_disrupt_the_live_session(
    make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)()  # no allowed peers: anyone may connect
    worker = await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(source))
    writer.write(run(1))
    await wait_for(lambda: worker.batches == 1, what="the first run")
    cms_peer = worker.peer
    idle: list[asyncio.StreamWriter] = []

    async def pester() -> None:  # a new idle connection every 0.1 s
        while True:
            _, pest = await asyncio.open_connection("127.0.0.1", port_of(source))
            idle.append(pest)
            await asyncio.sleep(0.1)

    pest_task = asyncio.create_task(pester())
    try:
        for n in range(2, 10):
            await asyncio.sleep(0.3)
            writer.write(run(n))
            await writer.drain()
            await wait_for(lambda n=n: worker.batches == n, what=f"run {n}")
    finally:
        pest_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pest_task
    assert len(idle) > 20
    assert worker.peer == cms_peer and worker.connected
    assert not await closed(reader, 0.2)  # CMS's session was never closed on it
    assert len(worker._candidates) <= 4  # newcomers on probation are bounded
    await wait_for(lambda: _waiting_is(source, "3", 9), what="the last run stored")
    for pest in idle:
        pest.close()
    writer.close()


async def test_a_newcomer_that_sends_nothing_valid_is_dropped_within_the_bound(
    make_source: Any, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ingest.worker.SILENCE_FLOOR", 1.0)  # refresh 1 s: a bound of 3 s
    source = await sync_to_async(make_source)(refresh_seconds=1)
    worker = await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    _, writer = await asyncio.open_connection("127.0.0.1", port_of(source))
    writer.write(run(1))
    await wait_for(lambda: worker.batches == 1, what="the first run")
    cms_peer = worker.peer

    pest_reader, pest = await asyncio.open_connection("127.0.0.1", port_of(source))
    pest.write(b"GET / HTTP/1.0\r\n\r\nF1|  3|not a row\nF3|END_OF_RECORDS\n")
    dropped = asyncio.create_task(closed(pest_reader, 3.0 + 1.0))  # the bound, and slack
    for n in range(2, 9):  # CMS goes on meanwhile, a run every 0.5 s
        await asyncio.sleep(0.5)
        writer.write(run(n))
    assert await dropped
    assert worker.probation_drops == 1 and worker.peer == cms_peer
    assert worker.parse_errors == 0 and worker.health()["diagnostics"]["problem"] == ""
    await wait_for(lambda: worker.batches == 8, what="every CMS run")
    pest.close()
    writer.close()


async def test_a_newcomer_replaces_the_session_once_it_sends_a_valid_run(
    make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)()
    worker = await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    old_reader, old = await asyncio.open_connection("127.0.0.1", port_of(source))
    old.write(run(1))
    await wait_for(lambda: worker.batches == 1, what="the first run")
    _, new = await asyncio.open_connection("127.0.0.1", port_of(source))
    new.write(run(2)[:50])  # half a run: not yet
    await new.drain()
    assert not await closed(old_reader, 0.3)
    new.write(run(2)[50:])
    assert await closed(old_reader, 5.0)  # now the old session is closed
    await wait_for(lambda: _waiting_is(source, "3", 2), what="the newcomer's run stored")
    new.write(run(3))
    await wait_for(lambda: _waiting_is(source, "3", 3), what="its next run")
    assert worker.connected and worker.parse_errors == 0
    old.close()
    new.close()


async def test_refused_connections_are_logged_a_few_a_minute_then_counted(
    make_source: Any, runner: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    monkeypatch.setattr("ingest.worker.LOG_WINDOW", 1.0)  # a minute, shortened
    caplog.set_level(logging.INFO, logger="ingest.worker")
    source = await sync_to_async(make_source)(allowed_peers="10.99.0.0/16")
    worker = await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    for _ in range(40):
        reader, writer = await asyncio.open_connection("127.0.0.1", port_of(source))
        assert await closed(reader, 5.0)
        writer.close()
    await wait_for(lambda: worker.refusals == 40, what="40 refusals counted")
    one_by_one = [r for r in caplog.records if "refused a connection" in r.getMessage()]
    assert len(one_by_one) <= 5
    summary = await wait_for(
        lambda: [r for r in caplog.records if "more connections refused" in r.getMessage()],
        what="the summary line",
    )
    assert len(summary) == 1 and f"{40 - len(one_by_one)} more" in summary[0].getMessage()
    assert worker.batches == 0


@pytest.mark.usefixtures("speedup")
async def test_a_run_that_never_ends_is_bounded_in_bytes_and_let_go_of(
    make_source: Any, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(framing, "MAX_RUN_BYTES", 1024 * 1024, raising=False)
    source = await sync_to_async(make_source)("cms-agents", layout="agent_tv")
    worker = await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    _, writer = await asyncio.open_connection("127.0.0.1", port_of(source))
    writer.write(AGENT_TV)
    await wait_for(lambda: worker.batches == 1, what="the first run")
    rows = AGENT_TV.splitlines(True)[:-1]
    wide = [r.rstrip(b"\n") + b" " * (4000 - len(r)) + b"\n" for r in rows]  # 4 KB rows
    held = 0
    for _ in range(100):  # 100 x 10 rows x 4 KB = 4 MB without an F3
        writer.write(b"".join(wide))
        await writer.drain()
        await asyncio.sleep(0)
        decoder = worker._decoder
        held = max(held, sum(map(len, decoder._rows)))
        report_run = getattr(getattr(decoder._parse_rows, "__self__", None), "_run", None)
        if report_run is not None:
            held = max(held, len(report_run.lines) * 4000, len(report_run.parsed) * 4000)
    await wait_for(lambda: worker.parse_errors == 1, what="one error for the run")
    assert "report run over" in worker.last_error
    assert held <= framing.MAX_RUN_BYTES + 512 * 1024  # a read at most over the bound
    writer.write(b"F3|END_OF_RECORDS\n")  # the end of the run that was dropped
    writer.write(AGENT_TV.replace(b"AVAIL  |", b"AUX    |"))
    await wait_for(lambda: worker.batches == 2, what="the next run, as usual")
    assert worker.parse_errors == 1 and len(worker.live.agents) == 8
    await wait_for(lambda: _agents_are(source, 8), what="eight agents stored")
    writer.close()


async def _waiting_is(source: Source, number: str, value: int) -> bool:
    return bool(await waiting_of(source, number) == value)


async def _agents_are(source: Source, n: int) -> bool:
    return await agent_count(source) == n
