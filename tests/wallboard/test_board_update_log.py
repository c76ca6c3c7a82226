"""A board's whole state is written now and then, its updates in between: a display connecting at
any point gets what the other displays were sent, and the updates that follow it in sequence."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import DatabaseError

from ingest import publish
from ingest.publish import BoardPublisher, load_seqs, save_states
from tests.conftest import running_ingest, send_bytes, wait_for
from tests.wallboard.test_board_consumer import port_of, socket
from wallboard import boards as boards_module
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
    port = port_of(source)
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
    ws = socket(board, board.display_key)
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


def _board_with_state(seq: int) -> tuple[Board, str]:
    """A board of one big number, its state saved at `seq` as ingest saves it; the tile's id."""
    board = Board.objects.create(title="Service", slug="service")
    tile = Tile.objects.create(board=board, kind=Tile.BIG_NUMBER, kpis="calls_waiting")
    (layout,) = load_boards()
    key = str(tile.pk)
    save_states([(board.pk, seq, {"fingerprint": layout.fingerprint, "values": {key: {"n": seq}}})])
    return board, layout.fingerprint


def _log(board: Board, *seqs: int) -> None:
    key = str(Tile.objects.get(board=board).pk)
    texts = [json.dumps({"type": "update", "seq": s, "tiles": {key: {"n": s}}}) for s in seqs]
    save_states([], [(board.pk, s, text) for s, text in zip(seqs, texts, strict=True)])


def test_a_whole_state_written_while_a_snapshot_reads_the_log_is_read_again(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    board, fingerprint = _board_with_state(3)
    key = str(Tile.objects.get(board=board).pk)
    _log(board, 4, 5, 6)
    read = boards_module.logged_since

    def ingest_writes_meanwhile(*args: Any) -> Any:  # between the state's read and the log's
        monkeypatch.setattr(boards_module, "logged_since", read)
        whole = {"fingerprint": fingerprint, "values": {key: {"n": 5}}}
        save_states([(board.pk, 5, whole)])  # (deletes the updates up to 5)
        return read(*args)

    monkeypatch.setattr(boards_module, "logged_since", ingest_writes_meanwhile)
    snapshot = board_snapshot(board)
    assert snapshot["seq"] == 6 and snapshot["values"][key] == {"n": 6}


def test_a_late_state_from_a_run_that_lost_the_lead_does_not_replace_a_later_one(db: Any) -> None:
    board, fingerprint = _board_with_state(1005)
    key = str(Tile.objects.get(board=board).pk)
    _log(board, 1006)
    save_states([(board.pk, 7, {"fingerprint": fingerprint, "values": {key: {"n": 7}}})])
    snapshot = board_snapshot(board)
    assert snapshot["seq"] == 1006 and snapshot["values"][key] == {"n": 1006}


def test_a_snapshot_of_a_layout_ingest_has_not_built_yet_is_numbered_as_its_last_update(
    db: Any,
) -> None:
    board, _ = _board_with_state(3)
    _log(board, 4, 5)
    Tile.objects.create(board=board, kind=Tile.BIG_NUMBER, kpis="calls_waiting", order=2)
    snapshot = board_snapshot(board)  # values worked out here, from the stored rows
    assert len(snapshot["values"]) == 2
    assert snapshot["seq"] == 5  # the next update (6) follows it, no asking again


async def test_updates_written_late_by_the_run_before_never_reach_a_snapshot(db: Any) -> None:
    """A run that lost the lead may still write an update or two after the next run started:
    the next run numbers its boards far past them, so a display never gets them."""
    board, _ = await sync_to_async(_board_with_state)(3)
    await sync_to_async(_log)(board, 4, 5)
    async with running_ingest() as ingest:
        await wait_for(lambda: board.pk in ingest.publisher.boards, what="the board")
        runtime = ingest.publisher.boards[board.pk]
        assert runtime.seq == 5 + publish.RUN_SEQ_GAP + 1
        await sync_to_async(_log)(board, 6)  # the run before, late
        snapshot = await sync_to_async(snapshot_of)(board)
        assert snapshot["seq"] == runtime.seq
        assert snapshot["values"] == as_sent(runtime.values())


async def test_a_rebuilt_board_whose_state_could_not_be_written_is_reloaded_and_written_next(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    board, _ = await sync_to_async(_board_with_state)(3)
    async with running_ingest() as ingest:
        publisher = ingest.publisher
        await wait_for(lambda: board.pk in publisher.boards, what="the board")
        ws = socket(board, board.display_key)
        assert (await ws.connect())[0]
        assert (await ws.receive_json_from(timeout=5))["type"] == "snapshot"
        write = publish.save_states
        failed: list[int] = []

        def down_once(states: Any, updates: Any = ()) -> None:
            if states and not failed:
                failed.append(len(states))
                raise DatabaseError("the database went away")
            write(states, updates)

        monkeypatch.setattr(publish, "save_states", down_once)
        before = publisher.boards[board.pk]
        await sync_to_async(Tile.objects.create)(
            board=board, kind=Tile.BIG_NUMBER, kpis="calls_offered", order=2
        )  # a layout edit: ingest rebuilds the board and writes its state
        await wait_for(lambda: publisher.boards[board.pk] is not before, what="the rebuild")

        async def written_whole() -> bool:
            state = await BoardState.objects.aget(board=board)
            return bool(state.tiles["fingerprint"] == publisher.boards[board.pk].fingerprint)

        await wait_for(written_whole, what="the rebuilt board's state written")
        assert failed
        snapshot = await sync_to_async(snapshot_of)(board)
        assert snapshot["seq"] == publisher.boards[board.pk].seq

        # The display was told to reload, and shows the new layout.
        async def reloaded() -> dict[str, Any]:
            while (message := await ws.receive_json_from(timeout=10))["type"] != "snapshot":
                pass  # (heartbeats)
            return message

        message = await asyncio.wait_for(reloaded(), 15)
        assert len(message["board"]["tiles"]) == 2
        await ws.disconnect()
