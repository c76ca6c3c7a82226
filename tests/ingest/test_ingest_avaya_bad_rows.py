"""Bad rows in an Avaya CMS run, over real TCP on loopback: the wall never says something false.

A row that cannot be read is no sign that its skill or agent left the report: a run with bad
rows updates what it could read and marks nothing gone. A run of which no row could be read
is no data at all (the source goes stale), and the source's health says what is wrong until a
clean run comes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.avaya_cms import agents as agent_report
from tests.conftest import wait_for
from wallboard.models import Agent, Queue, Source, SourceHealth

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "avaya_cms"
TVI1 = (FIXTURES / "tvi1_example.txt").read_bytes()
CVDN = (FIXTURES / "cvdn_example.txt").read_bytes()
AGENT_TV = (FIXTURES / "agent_tv_example.txt").read_bytes()

# Per layout: a clean run, the same run with one number changed (to see the run applied) and
# one row spoilt, the key of that changed row and its new figure, and the spoilt row's key.
QUEUE_CASES = {
    "tvi1": (
        TVI1,
        TVI1.replace(b"F1|  3|   4|", b"F1|  3|   9|").replace(b"F1| 12|   0|", b"F1| 12|  x0|"),
        "3",
        "12",
    ),
    "cvdn": (
        CVDN,
        CVDN.replace(b"Sales               |   3|", b"Sales               |   9|").replace(
            b"Support             |   0|", b"Support             |  x0|"
        ),
        "5001",
        "5002",
    ),
}


def port_of(source: Source) -> int:
    return int(source.listen.rsplit(":", 1)[1])


@sync_to_async
def queues(source: Source, gone: bool = False) -> dict[str, Queue]:
    return {q.number: q for q in Queue.objects.filter(source=source, gone=gone)}


@sync_to_async
def agents(source: Source, gone: bool = False) -> dict[str, Agent]:
    return {a.agent_id: a for a in Agent.objects.filter(source=source, gone=gone)}


@sync_to_async
def stored_health(source: Source) -> SourceHealth | None:
    return SourceHealth.objects.filter(source=source).first()


@pytest.fixture(params=["c-speedup", "pure-python"])
def speedup(request: pytest.FixtureRequest) -> Iterator[str]:
    """The agent report's decoder with its C speed-up, then without it."""
    if request.param == "pure-python":
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(agent_report, "Heads", None)
            yield request.param
        return
    if agent_report.Heads is None:
        pytest.skip("integrations.avaya_cms._speedups is not built")
    yield request.param


class Cms:
    """CMS's side of one RTS session: a connection that writes runs when told."""

    def __init__(self) -> None:
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self, port: int) -> Cms:
        _, self.writer = await asyncio.open_connection("127.0.0.1", port)
        return self

    async def send(self, data: bytes) -> None:
        assert self.writer is not None
        self.writer.write(data)
        await self.writer.drain()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@pytest.fixture
async def cms() -> AsyncIterator[Cms]:
    session = Cms()
    yield session
    session.close()


def problem(worker: Any) -> str:
    return str(worker.health()["diagnostics"].get("problem") or "")


@pytest.mark.parametrize("layout", ["tvi1", "cvdn"])
async def test_one_bad_queue_row_leaves_its_queue_on_the_wall_and_health_says_so(
    make_source: Any, runner: Any, cms: Cms, layout: str
) -> None:
    clean, spoilt, changed, bad = QUEUE_CASES[layout]
    source = await sync_to_async(make_source)(layout=layout)
    worker = await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    await cms.connect(port_of(source))
    await cms.send(clean)
    await wait_for(lambda: _rows(queues(source), 3), what="three queues stored")

    await cms.send(spoilt)
    await wait_for(lambda: _waiting(source, changed, 9), what="the bad run's good rows stored")
    assert await queues(source, gone=True) == {}  # the unread row's queue did not leave
    assert bad in await queues(source)
    assert worker.parse_errors == 1 and not worker.stale
    assert problem(worker).startswith("1 of 3 rows of the last run could not be read: ")
    assert "x0" in problem(worker)
    report = await wait_for(
        lambda: _health_saying(source, "1 of 3 rows"), what="the problem in the stored health"
    )
    assert report.diagnostics["problem"] == problem(worker)

    await cms.send(clean)  # a clean run: the problem is over
    await wait_for(lambda: _waiting(source, changed, 9, other=True), what="the clean run")
    assert problem(worker) == ""
    await wait_for(lambda: _health_clear(source), what="the stored health to clear")


async def test_a_run_of_which_no_row_could_be_read_is_no_data(
    make_source: Any, runner: Any, cms: Cms
) -> None:
    """A report whose columns were changed in CMS: every row has the wrong number of fields.
    The board keeps what it had (marked stale in time), and the health says why."""
    source = await sync_to_async(make_source)(refresh_seconds=1)
    worker = await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    await cms.connect(port_of(source))
    await cms.send(TVI1)
    await wait_for(lambda: _rows(queues(source), 3), what="three queues stored")
    data_at, batches = worker.last_data_at, worker.batches

    short = b"".join(b"|".join(line.split(b"|")[:12]) + b"\n" for line in TVI1.splitlines()[:3])
    await cms.send(short + b"F3|END_OF_RECORDS\n")
    await wait_for(lambda: worker.parse_errors == 3, what="three bad rows counted")
    assert problem(worker).startswith("3 of 3 rows of the last run could not be read: ")
    assert (worker.last_data_at, worker.batches) == (data_at, batches)  # not a batch of data
    await wait_for(lambda: worker.stale, what="the source to go stale")
    assert await queues(source, gone=True) == {}
    assert set(await queues(source)) == {"3", "7", "12"}
    await wait_for(
        lambda: _health_saying(source, "3 of 3 rows", stale=True),
        what="the problem, and stale, in the stored health",
    )


@pytest.mark.usefixtures("speedup")
async def test_one_bad_agent_row_leaves_its_agent_until_a_clean_run_says_otherwise(
    make_source: Any, runner: Any, cms: Cms
) -> None:
    source = await sync_to_async(make_source)("cms-agents", layout="agent_tv")
    worker = await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    await cms.connect(port_of(source))
    await cms.send(AGENT_TV)
    await wait_for(lambda: _rows(agents(source), 8), what="eight agents stored")

    spoilt = AGENT_TV.replace(b"AVAIL  |   |  1|  |     :12", b"AUX    |   |  1| 2|     :01")
    spoilt = spoilt.replace(b"ACW    |IN |  2|  |     :40", b"ACW    |IN |  2|  |   xx:40")
    await cms.send(spoilt)
    await wait_for(lambda: _state(source, "10001", "not_ready"), what="the good rows stored")
    assert await agents(source, gone=True) == {}  # 10004, whose row was bad, is still there
    assert "10004" in await agents(source)
    assert problem(worker).startswith("1 of 10 rows of the last run could not be read: ")

    # The next run is clean, and 10004 is not in it: now it has left.
    without = b"".join(line for line in AGENT_TV.splitlines(True) if b"10004" not in line)
    await cms.send(without.replace(b"AVAIL  |   |  1|  |     :12", b"ACD    |IN |  1|  |     :01"))
    await wait_for(lambda: _state(source, "10001", "on_call"), what="the clean run stored")
    assert set(await agents(source, gone=True)) == {"10004"}
    assert problem(worker) == ""

    # A run with a bad row again, then one in which the agent is back: it is on the wall.
    await cms.send(spoilt)
    await wait_for(lambda: _state(source, "10001", "not_ready"), what="the bad run")
    await cms.send(AGENT_TV)
    await wait_for(lambda: _rows(agents(source), 8), what="all eight again")


@pytest.mark.usefixtures("speedup")
async def test_an_agent_run_of_which_no_row_could_be_read_empties_nothing(
    make_source: Any, runner: Any, cms: Cms
) -> None:
    source = await sync_to_async(make_source)("cms-agents", layout="agent_tv", refresh_seconds=1)
    worker = await wait_for(lambda: runner.workers.get(source.pk), what="the source to listen")
    await cms.connect(port_of(source))
    await cms.send(AGENT_TV)
    await wait_for(lambda: _rows(agents(source), 8), what="eight agents stored")
    batches = worker.batches

    short = b"".join(b"|".join(line.split(b"|")[:5]) + b"\n" for line in AGENT_TV.splitlines()[:-1])
    await cms.send(short + b"F3|END_OF_RECORDS\n")
    await wait_for(lambda: worker.parse_errors == 10, what="ten bad rows counted")
    assert problem(worker).startswith("10 of 10 rows of the last run could not be read: ")
    assert worker.batches == batches
    await wait_for(lambda: worker.stale, what="the source to go stale")
    assert await agents(source, gone=True) == {}

    await cms.send(AGENT_TV)  # the report is put right: everyone, as they are
    await wait_for(lambda: not worker.stale and worker.batches > batches, what="data again")
    assert problem(worker) == ""
    await wait_for(lambda: _rows(agents(source), 8), what="eight agents")
    assert await agents(source, gone=True) == {}


async def _rows(coro: Any, n: int) -> Any:
    rows = await coro
    return rows if len(rows) == n else None


async def _waiting(source: Source, number: str, value: int, other: bool = False) -> bool:
    """Whether the queue's calls waiting are stored as `value` (else, if `other`, not)."""
    row = (await queues(source)).get(number)
    return row is not None and (row.calls_waiting == value) != other


async def _state(source: Source, agent_id: str, state: str) -> bool:
    row = (await agents(source)).get(agent_id)
    return row is not None and row.state == state


async def _health_saying(source: Source, text: str, stale: bool = False) -> SourceHealth | None:
    report = await stored_health(source)
    if report is None or text not in str(report.diagnostics.get("problem", "")):
        return None
    if stale and not report.stale:
        return None
    return report if text in report.last_error else None


async def _health_clear(source: Source) -> bool:
    report = await stored_health(source)
    return report is not None and not report.diagnostics.get("problem") and not report.last_error
