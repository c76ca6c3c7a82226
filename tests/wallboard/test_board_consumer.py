"""/ws/boards/<slug>/: snapshot on connect, changed tiles as updates, access rules."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import DatabaseError

from ingest import publish
from ingest.publish import BoardPublisher
from ingest.runner import build_ingest
from tests.conftest import send_bytes, wait_for
from wallboard.asgi import application
from wallboard.boards import board_snapshot
from wallboard.models import Board, Source, Threshold, Tile
from wallboard.models.boards import new_display_key

pytestmark = pytest.mark.django_db(transaction=True)

TVI1 = (Path(__file__).parents[1] / "fixtures" / "avaya_cms" / "tvi1_example.txt").read_bytes()


def make_board(source: Source, slug: str = "service") -> Board:
    board = Board.objects.create(title="Service", slug=slug)
    tile = Tile.objects.create(
        board=board,
        order=1,
        kind=Tile.BIG_NUMBER,
        source=source,
        queue_range="3",
        kpis="calls_waiting",
    )
    Threshold.objects.create(tile=tile, kpi="calls_waiting", direction="above", warning=3, alarm=10)
    Tile.objects.create(
        board=board,
        order=2,
        kind=Tile.QUEUE_TABLE,
        source=source,
        kpis="calls_waiting, service_level_pct",
    )
    return board


def socket(
    board: Board, key: str | None = None, origin: bytes = b"http://localhost"
) -> WebsocketCommunicator:
    path = f"/ws/boards/{board.slug}/" + (f"?key={key}" if key is not None else "")
    return WebsocketCommunicator(
        application, path, headers=[(b"origin", origin), (b"host", b"localhost")]
    )


async def setup(make_source: Any) -> tuple[Source, Board]:
    source = await sync_to_async(make_source)(refresh_seconds=1)
    board = await sync_to_async(make_board)(source)
    return source, board


def port_of(source: Source) -> int:
    return int(source.listen.rsplit(":", 1)[1])


async def test_a_display_key_opens_its_board_and_gets_a_snapshot_first(make_source: Any) -> None:
    _, board = await setup(make_source)
    ws = socket(board, board.display_key)
    connected, _ = await ws.connect()
    assert connected
    snapshot = await ws.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot" and snapshot["board"]["slug"] == "service"
    kinds = [t["kind"] for t in snapshot["board"]["tiles"]]
    assert kinds == ["big_number", "queue_table"]
    assert snapshot["board"]["tiles"][0]["thresholds"]["calls_waiting"]["alarm"] == 10
    await ws.disconnect()


async def test_no_key_a_wrong_key_or_another_boards_key_is_refused(make_source: Any) -> None:
    source, board = await setup(make_source)
    other = await sync_to_async(make_board)(source, slug="other")
    for key in (None, "", "nonsense", other.display_key):
        ws = socket(board, key)
        connected, code = await ws.connect()
        assert not connected and code == 4403, key
        await ws.disconnect()


async def test_a_foreign_origin_is_refused(make_source: Any, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["localhost"]
    _, board = await setup(make_source)
    ws = socket(board, board.display_key, origin=b"http://evil.example")
    connected, _ = await ws.connect()
    assert not connected
    await ws.disconnect()


async def test_a_batch_reaches_the_display_as_an_update_of_only_the_changed_tiles(
    make_source: Any, runner: Any
) -> None:
    source, board = await setup(make_source)
    await wait_for(
        lambda: board.pk in runner.publisher.boards, what="the publisher to load the board"
    )
    ws = socket(board, board.display_key)
    assert (await ws.connect())[0]
    snapshot = await ws.receive_json_from(timeout=5)
    await send_bytes(port_of(source), TVI1)
    big_number = str(snapshot["board"]["tiles"][0]["id"])
    while True:  # the source turning live may come first, as its own update
        update = await _next(ws, "update")
        assert update["seq"] > snapshot["seq"]
        tile = update["tiles"].get(big_number)
        if tile and tile["kpis"]["calls_waiting"]["v"] is not None:
            break
    kpi = tile["kpis"]["calls_waiting"]
    assert kpi == {"v": 4, "d": False, "l": "warning"}  # skill 3: 4 waiting, warning at 3
    seq = update["seq"]
    await send_bytes(port_of(source), TVI1.replace(b"F1| 12|   0|", b"F1| 12|   9|"))
    update = await _next(ws, "update")
    assert update["seq"] == seq + 1
    assert big_number not in update["tiles"]  # skill 3 did not change: its tile is not resent
    table = update["tiles"][str(snapshot["board"]["tiles"][1]["id"])]
    assert {r["number"]: r["kpis"]["calls_waiting"]["v"] for r in table["rows"]}["12"] == 9
    await ws.disconnect()


async def _next(ws: WebsocketCommunicator, kind: str, **fields: Any) -> dict[str, Any]:
    """The next message of this type (and with these fields, when given)."""
    while True:
        message = await ws.receive_json_from(timeout=10)
        if message["type"] == kind and all(message.get(k) == v for k, v in fields.items()):
            return message


async def test_a_display_that_saw_a_gap_asks_and_gets_a_fresh_snapshot(
    make_source: Any, runner: Any
) -> None:
    source, board = await setup(make_source)
    await wait_for(lambda: board.pk in runner.publisher.boards, what="the board")
    await send_bytes(port_of(source), TVI1)
    await wait_for(lambda: runner.publisher.boards[board.pk].seq > 1, what="an update")
    ws = socket(board, board.display_key)
    assert (await ws.connect())[0]
    first = await ws.receive_json_from(timeout=5)
    await ws.send_json_to({"type": "resync"})
    again = await _next(ws, "snapshot")
    assert again["seq"] >= first["seq"] and again["values"] == first["values"]
    big_number = str(first["board"]["tiles"][0]["id"])
    assert again["values"][big_number]["kpis"]["calls_waiting"]["v"] == 4
    await ws.disconnect()


async def test_a_display_that_pings_gets_a_pong_with_the_server_time(make_source: Any) -> None:
    _, board = await setup(make_source)
    ws = socket(board, board.display_key)
    assert (await ws.connect())[0]
    await ws.receive_json_from(timeout=5)  # the snapshot
    before = time.time() * 1000
    await ws.send_json_to({"type": "ping"})
    pong = await _next(ws, "pong")
    assert before - 1000 <= pong["server_time"] <= time.time() * 1000 + 1000
    await ws.disconnect()


async def test_regenerating_the_display_key_closes_displays_that_used_the_old_one(
    make_source: Any,
) -> None:
    _, board = await setup(make_source)
    ws = socket(board, board.display_key)
    assert (await ws.connect())[0]
    await ws.receive_json_from(timeout=5)
    board.display_key = new_display_key()
    await sync_to_async(board.save)()
    closed = await ws.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}
    ws = socket(board, board.display_key)
    assert (await ws.connect())[0]
    await ws.disconnect()


async def test_a_source_that_goes_quiet_is_reported_stale_and_then_recovered(
    make_source: Any, runner: Any
) -> None:
    source, board = await setup(make_source)
    await wait_for(lambda: board.pk in runner.publisher.boards, what="the board")
    ws = socket(board, board.display_key)
    assert (await ws.connect())[0]
    await ws.receive_json_from(timeout=5)
    await send_bytes(port_of(source), TVI1)
    # A source never heard from is stale: the displays may be told so first, at ingest's next
    # look at its sources, before or after the data lands.
    recovered = await _next(ws, "status", stale=False)
    assert recovered["name"] == source.name
    # Refresh 1 s: stale after 2 s of quiet. (A change may be told twice, never out of order.)
    stale = await asyncio.wait_for(_next(ws, "status", stale=True), 10)
    assert stale["last_data_at"]
    await send_bytes(port_of(source), TVI1)
    await _next(ws, "status", stale=False)
    await ws.disconnect()


async def test_a_rotation_key_opens_the_boards_it_plays_and_no_other(make_source: Any) -> None:
    from wallboard.models import Rotation, RotationEntry

    source, board = await setup(make_source)
    other = await sync_to_async(make_board)(source, slug="other")
    rotation = await sync_to_async(Rotation.objects.create)(name="Floor", slug="floor")
    await sync_to_async(RotationEntry.objects.create)(rotation=rotation, board=board, seconds=30)
    path = f"/ws/boards/{{}}/?key={rotation.display_key}&rotation=floor"
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    ws = WebsocketCommunicator(application, path.format("service"), headers=headers)
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["type"] == "snapshot"
    await ws.disconnect()
    ws = WebsocketCommunicator(application, path.format(other.slug), headers=headers)
    connected, code = await ws.connect()
    assert not connected and code == 4403
    await ws.disconnect()


AGENT_TV = (
    Path(__file__).parents[1] / "fixtures" / "avaya_cms" / "agent_tv_example.txt"
).read_bytes()


async def test_an_agent_grid_update_carries_only_the_agents_that_changed(
    make_source: Any, runner: Any
) -> None:
    source = await sync_to_async(make_source)("cms-agents", layout="agent_tv")
    board = await sync_to_async(Board.objects.create)(title="Agents", slug="agents")
    grid = await sync_to_async(Tile.objects.create)(
        board=board, kind=Tile.AGENT_GRID, source=source
    )
    await wait_for(lambda: board.pk in runner.publisher.boards, what="the board")
    ws = socket(board, board.display_key)
    assert (await ws.connect())[0]
    await ws.receive_json_from(timeout=5)
    await send_bytes(port_of(source), AGENT_TV)
    while True:  # the grid fills (as a delta from the empty grid it showed)
        update = await _next(ws, "update")
        value = update["tiles"].get(str(grid.pk))
        if value and value.get("upsert"):
            break
    assert value["delta"] and len(value["upsert"]) == 8 and value["total"] == 8
    chloe_back = AGENT_TV.replace(b"AUX    |   |  1| 7|   12:05", b"AVAIL  |   |  1|  |     :01")
    await send_bytes(
        port_of(source),
        chloe_back.replace(b"AUX    |   |  3| 7|   12:05", b"AVAIL  |   |  3|  |     :01"),
    )
    value = (await _next(ws, "update"))["tiles"][str(grid.pk)]
    assert value["delta"] and value["remove"] == []
    assert [(a["id"], a["state"]) for a in value["upsert"]] == [("10003", "available")]
    assert value["counts"]["available"] == 2
    await ws.disconnect()


async def test_board_states_left_unsaved_by_a_failed_write_are_saved_when_ingest_stops(
    make_source: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A display connecting after ingest stopped gets the figures the displays last saw."""
    source = await sync_to_async(make_source)(refresh_seconds=60)  # no stale turn meanwhile
    board = await sync_to_async(make_board)(source)
    ingest = build_ingest(reload_seconds=0.2)
    publisher = ingest.publisher
    assert isinstance(publisher, BoardPublisher)
    stop = asyncio.Event()
    task = asyncio.create_task(ingest.run(stop))
    await wait_for(lambda: board.pk in publisher.boards, what="the publisher to load the board")
    runtime = publisher.boards[board.pk]
    failures: list[int] = []
    save_states = publish.save_states

    def flaky(states: list[Any], updates: Any = ()) -> None:
        if database_down:
            failures.append(len(states) + len(updates))
            raise DatabaseError("the database went away")
        save_states(states, updates)

    def snapshot() -> dict[str, Any]:  # what a display connecting now gets
        return board_snapshot(Board.objects.get(pk=board.pk))

    async def saved_seq() -> int:
        return int((await sync_to_async(snapshot)())["seq"])

    monkeypatch.setattr(publish, "save_states", flaky)
    database_down = False
    await send_bytes(port_of(source), TVI1)
    big_number = str(runtime.tiles[0].definition["id"])

    def waiting() -> Any:
        value = runtime.values().get(big_number)
        return value and value["kpis"]["calls_waiting"]["v"]

    assert await wait_for(waiting, what="the batch to be published") == 4

    async def saved_as_published() -> bool:
        return await saved_seq() == runtime.seq

    await wait_for(saved_as_published, what="its save")
    database_down = True
    await send_bytes(port_of(source), TVI1.replace(b"F1| 12|   0|", b"F1| 12|   9|"))
    await wait_for(
        lambda: failures and publisher._saver is not None and publisher._saver.done(),
        what="a save to fail",
    )
    assert await saved_seq() < runtime.seq
    database_down = False
    stop.set()
    await asyncio.wait_for(task, 20)
    ingest.db.close()
    state = await sync_to_async(snapshot)()
    assert state["seq"] == runtime.seq
    table = state["values"][str(runtime.tiles[1].definition["id"])]
    assert {r["number"]: r["kpis"]["calls_waiting"]["v"] for r in table["rows"]}["12"] == 9
