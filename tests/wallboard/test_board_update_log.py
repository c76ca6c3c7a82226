"""A board's whole state is written now and then, its updates in between: a display connecting at
any point gets what the other displays were sent, and the updates that follow it in sequence."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from ingest import publish
from ingest.publish import BoardPublisher, load_seqs
from tests.conftest import send_bytes, wait_for
from wallboard.asgi import application
from wallboard.boards import apply_update, board_snapshot, load_boards
from wallboard.models import Board, BoardState, BoardUpdate, Tile

pytestmark = pytest.mark.django_db(transaction=True)

STATES = ["AVAIL", "ACD", "ACW", "AUX", "OTHER"]


def agent_report(agents: dict[int, str]) -> bytes:
    """An Avaya CMS agent report (agent_tv) of the agents in `agents` (ID -> state word)."""
    lines = []
    for agent_id, state in sorted(agents.items()):
        name = f"Agent {agent_id % 1000:03d}"
        direction = "IN " if state in ("ACD", "ACW") else "   "
        reason = " 7" if state == "AUX" else "  "
        head = f"F1| {agent_id}|{name:<20}| {agent_id + 30000}|{state:<7}|{direction}|"
        lines.append(f"{head}  1|{reason}|     :01")
    return ("\n".join(lines) + "\nF3|END_OF_RECORDS\n").encode()


def as_sent(value: Any) -> Any:
    return json.loads(json.dumps(value))


async def settled(publisher: BoardPublisher) -> bool:
    saver = publisher._saver
    return not publisher._unsaved and (saver is None or saver.done())


def snapshot_of(board: Board) -> dict[str, Any]:
    return board_snapshot(Board.objects.get(pk=board.pk))


async def test_a_display_connecting_between_whole_states_gets_the_figures_the_others_were_sent(
    make_source: Any, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish, "STATE_EVERY", 3)
    source = await sync_to_async(make_source)("cms-agents", layout="agent_tv", refresh_seconds=60)
    board = await sync_to_async(Board.objects.create)(title="Agents", slug="agents")
    await sync_to_async(Tile.objects.create)(board=board, kind=Tile.AGENT_GRID, source=source)
    await sync_to_async(Tile.objects.create)(
        board=board, kind=Tile.BIG_NUMBER, source=source, kpis="agents_available", order=2
    )
    publisher = runner.publisher
    await wait_for(lambda: board.pk in publisher.boards, what="the board")
    runtime = publisher.boards[board.pk]
    port = int(source.listen.rsplit(":", 1)[1])
    rng = random.Random(7)
    agents = {10001 + i: rng.choice(STATES) for i in range(30)}
    whole_seqs, logged_most = set(), 0
    for _ in range(12):
        for agent_id in rng.sample(sorted(agents), 6):  # some change state, one leaves, one comes
            agents[agent_id] = rng.choice(STATES)
        del agents[rng.choice(sorted(agents))]
        agents[max(agents) + rng.randint(1, 3)] = rng.choice(STATES)
        before = runtime.seq
        await send_bytes(port, agent_report(agents))
        await wait_for(lambda: runtime.seq > before, what="the batch published")  # noqa: B023
        await wait_for(lambda: settled(publisher), what="its save")

        snapshot = await sync_to_async(snapshot_of)(board)
        assert snapshot["seq"] == runtime.seq
        assert snapshot["values"] == as_sent(runtime.values())
        state = await BoardState.objects.aget(board=board)
        whole_seqs.add(state.seq)
        logged = [
            s async for s in BoardUpdate.objects.filter(board=board).values_list("seq", flat=True)
        ]
        assert all(seq > state.seq for seq in logged)  # those before the state are deleted
        assert len(logged) <= publish.STATE_EVERY
        logged_most = max(logged_most, len(logged))
    assert logged_most > 0  # the snapshot was read through logged updates
    assert len(whole_seqs) < 12  # the whole state was not written after every batch

    # A display connecting now, whatever was last written whole, follows on in sequence.
    ws = WebsocketCommunicator(
        application,
        f"/ws/boards/agents/?key={board.display_key}",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    assert (await ws.connect())[0]
    snapshot = await ws.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot" and snapshot["seq"] == runtime.seq
    agents[min(agents)] = "ACD" if agents[min(agents)] != "ACD" else "AVAIL"
    await send_bytes(port, agent_report(agents))
    while (message := await ws.receive_json_from(timeout=10))["type"] != "update":
        pass
    assert message["seq"] == snapshot["seq"] + 1  # no gap: no asking again
    values = apply_update(snapshot["values"], message["tiles"])
    await wait_for(lambda: settled(publisher), what="its save")
    assert values == as_sent(runtime.values())
    await ws.disconnect()


def test_ingest_starting_again_numbers_on_from_the_last_logged_update(db: Any) -> None:
    board = Board.objects.create(title="Agents", slug="agents")
    BoardState.objects.create(board=board, seq=5, tiles={})
    for seq in (6, 7):
        BoardUpdate.objects.create(board=board, seq=seq, text='{"type":"update","tiles":{}}')
    other = Board.objects.create(title="Queues", slug="queues")
    BoardState.objects.create(board=other, seq=9, tiles={})
    assert load_seqs() == {board.pk: 7, other.pk: 9}


def test_a_snapshot_reads_the_logged_updates_up_to_the_first_missing_one(db: Any) -> None:
    board = Board.objects.create(title="Service", slug="service")
    tile = Tile.objects.create(board=board, kind=Tile.BIG_NUMBER, kpis="calls_waiting")
    key = str(tile.pk)
    (layout,) = load_boards()  # as ingest builds it
    BoardState.objects.create(
        board=board, seq=3, tiles={"fingerprint": layout.fingerprint, "values": {key: {"n": 3}}}
    )
    for seq in (4, 5, 7):  # 6 was never written
        text = json.dumps({"type": "update", "seq": seq, "tiles": {key: {"n": seq}}})
        BoardUpdate.objects.create(board=board, seq=seq, text=text)
    snapshot = board_snapshot(board)
    assert snapshot["seq"] == 5 and snapshot["values"][key] == {"n": 5}
