"""Board events reach the displays of a process through one fan-out hub (wallboard.fanout):
one channel-layer subscription per board, however many screens show it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import websockets
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from websockets.typing import Origin

from tests.conftest import free_port, listening, wait_for
from wallboard import consumers, fanout
from wallboard.asgi import application
from wallboard.models import Board, Rotation, RotationEntry
from wallboard.models.boards import new_display_key

displays_db = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


# -- helpers ------------------------------------------------------------------------------------
def update(seq: int) -> dict[str, Any]:
    """A board update as ingest publishes it: the frame already encoded."""
    text = json.dumps({"type": "update", "seq": seq, "tiles": {}}, separators=(",", ":"))
    return {"type": "board.update", "text": text}


def status(stale: bool) -> dict[str, Any]:
    return {
        "type": "board.status",
        "source": "1",
        "name": "cms",
        "stale": stale,
        "last_data_at": None,
    }


async def make_board(slug: str = "service") -> Board:
    return await sync_to_async(Board.objects.create)(title=slug.title(), slug=slug)


async def open_display(
    board: Board, key: str | None = None, rotation: str | None = None
) -> WebsocketCommunicator:
    """A connected display that has had its snapshot."""
    path = f"/ws/boards/{board.slug}/?key={key or board.display_key}"
    if rotation:
        path += f"&rotation={rotation}"
    ws = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )
    connected, _ = await ws.connect(timeout=5)
    assert connected
    assert (await ws.receive_json_from(timeout=5))["type"] == "snapshot"
    return ws


def snapshot_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, the boards whose snapshot is read from the database, one entry a read."""
    reads: list[int] = []
    snapshot = consumers.board_snapshot

    def counted(board: Board) -> dict[str, Any]:
        reads.append(board.pk)
        return snapshot(board)

    monkeypatch.setattr(consumers, "board_snapshot", counted)
    return reads


def group_of(board: Board) -> str:
    return f"board.{board.pk}"


def entry_of(layer: Any, board: Board) -> fanout.GroupChannel | None:
    return fanout.hub().groups.get((layer, group_of(board)))


def held_events(layer: Any, board: Board) -> int:
    """Events the hub holds for the board's displays that are still being given a snapshot."""
    entry = entry_of(layer, board)
    return sum(len(m.held or ()) for m in entry.members) if entry else 0


def joined_entry(layer: Any, board: Board) -> fanout.GroupChannel:
    entry = entry_of(layer, board)
    assert entry is not None, "the board has no subscription in this process"
    return entry


async def assert_nothing_more(ws: WebsocketCommunicator) -> None:
    assert await ws.receive_nothing(timeout=0.2)


@pytest.fixture
def layer() -> Any:
    """The configured channel layer (in memory by default, Redis when CHANNELS_URL says)."""
    return get_channel_layer()


@pytest.fixture
def memory_layer(settings: Any) -> Any:
    """A fresh in-memory channel layer, to look inside its groups."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return get_channel_layer()


class FakeDisplay:
    """Stands in for a consumer where no websocket is needed: records what it is sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.statuses: list[dict[str, Any]] = []

    async def send(self, text_data: str | None = None, **kwargs: Any) -> None:
        assert text_data is not None
        self.sent.append(text_data)

    async def board_status(self, event: dict[str, Any]) -> None:
        self.statuses.append(event)


class GatedLayer(InMemoryChannelLayer):
    """An in-memory layer whose group_add waits for the test to open the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.new_channels = 0
        self.waiting = 0  # group_adds waiting at the gate

    async def new_channel(self, prefix: str = "specific.") -> str:
        self.new_channels += 1
        return await super().new_channel(prefix)

    async def group_add(self, group: str, channel: str) -> None:
        self.waiting += 1
        try:
            await self.gate.wait()
        finally:
            self.waiting -= 1
        await super().group_add(group, channel)


@pytest.fixture
async def gated() -> AsyncIterator[GatedLayer]:
    yield GatedLayer()


# -- delivery ---------------------------------------------------------------------------------
@displays_db
async def test_two_displays_of_a_board_both_receive_one_group_send(layer: Any) -> None:
    board = await make_board()
    first, second = await open_display(board), await open_display(board)
    await layer.group_send(group_of(board), update(1))
    for ws in (first, second):
        assert await ws.receive_json_from(timeout=5) == {"type": "update", "seq": 1, "tiles": {}}
        await assert_nothing_more(ws)
    await first.disconnect()
    await second.disconnect()


@displays_db
async def test_an_update_is_passed_on_as_the_publisher_encoded_it(layer: Any) -> None:
    board = await make_board()
    ws = await open_display(board)
    text = '{"type":"update","seq":7,  "tiles":{"3":{"v":1}}}'  # not as json.dumps would write it
    await layer.group_send(group_of(board), {"type": "board.update", "text": text})
    assert await ws.receive_output(timeout=5) == {"type": "websocket.send", "text": text}
    await ws.disconnect()


@displays_db
async def test_a_boards_events_reach_only_that_boards_displays(layer: Any) -> None:
    service, sales = await make_board("service"), await make_board("sales")
    on_service, on_sales = await open_display(service), await open_display(sales)
    await layer.group_send(group_of(sales), update(5))
    assert (await on_sales.receive_json_from(timeout=5))["seq"] == 5
    await assert_nothing_more(on_service)
    await on_service.disconnect()
    await on_sales.disconnect()


@displays_db
async def test_events_reach_every_display_in_the_order_they_were_sent(layer: Any) -> None:
    board = await make_board()
    displays = [await open_display(board) for _ in range(3)]
    sent = []
    for seq in range(1, 41):  # updates with a status change now and then, as ingest sends them
        await layer.group_send(group_of(board), update(seq))
        sent.append(("update", seq))
        if seq % 10 == 0:
            await layer.group_send(group_of(board), status(stale=seq % 20 == 0))
            sent.append(("status", seq % 20 == 0))
    for ws in displays:
        got = []
        for _ in sent:
            message = await ws.receive_json_from(timeout=5)
            got.append((message["type"], message["seq"] if "seq" in message else message["stale"]))
        assert got == sent
        await ws.disconnect()


@displays_db
async def test_a_display_that_fails_does_not_stop_the_others(
    layer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    board = await make_board()
    displays = [await open_display(board) for _ in range(3)]
    members = list(joined_entry(layer, board).members)  # in join order: the middle one breaks
    broken = members[1].consumer

    async def gone(*args: Any, **kwargs: Any) -> None:
        raise ConnectionResetError("the socket is gone")

    broken.send = gone
    broken.board_status = gone
    await layer.group_send(group_of(board), update(1))
    await layer.group_send(group_of(board), status(stale=True))
    for ws in (displays[0], displays[2]):
        assert (await ws.receive_json_from(timeout=5))["seq"] == 1
        assert (await ws.receive_json_from(timeout=5))["stale"] is True
    await assert_nothing_more(displays[1])
    assert "the socket is gone" in caplog.text
    for ws in displays:
        await ws.disconnect()


@displays_db
async def test_updates_published_while_a_display_takes_its_snapshot_follow_the_snapshot(
    layer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = await make_board()
    real_snapshot = consumers._snapshot

    async def snapshot_overtaken(board: Board) -> dict[str, Any]:
        content = await real_snapshot(board)  # seq 0
        await layer.group_send(group_of(board), update(1))  # ingest publishes meanwhile
        await wait_for(lambda: held_events(layer, board) == 1, what="the update to be held")
        return content

    monkeypatch.setattr(consumers, "_snapshot", snapshot_overtaken)
    ws = await open_display(board)  # the snapshot came first
    assert (await ws.receive_json_from(timeout=5))["seq"] == 1  # and the update right after
    await ws.disconnect()


@displays_db
async def test_a_resync_holds_updates_until_the_fresh_snapshot_is_sent(
    layer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = await make_board()
    ws = await open_display(board)
    real_snapshot = consumers._snapshot

    async def snapshot_overtaken(board: Board) -> dict[str, Any]:
        content = await real_snapshot(board)
        await layer.group_send(group_of(board), update(2))
        await layer.group_send(group_of(board), update(3))
        await wait_for(lambda: held_events(layer, board) == 2, what="the updates to be held")
        return content

    monkeypatch.setattr(consumers, "_snapshot", snapshot_overtaken)
    await ws.send_json_to({"type": "resync"})
    assert (await ws.receive_json_from(timeout=5))["type"] == "snapshot"
    assert (await ws.receive_json_from(timeout=5))["seq"] == 2
    assert (await ws.receive_json_from(timeout=5))["seq"] == 3
    await ws.disconnect()


@displays_db
async def test_a_key_revocation_still_closes_only_the_displays_that_used_the_old_key(
    layer: Any,
) -> None:
    board = await make_board()
    rotation = await sync_to_async(Rotation.objects.create)(name="Floor", slug="floor")
    await sync_to_async(RotationEntry.objects.create)(rotation=rotation, board=board)
    old_key = [await open_display(board), await open_display(board)]
    by_rotation = await open_display(board, rotation.display_key, rotation="floor")
    board.display_key = new_display_key()
    await sync_to_async(board.save)()
    for ws in old_key:
        assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    await layer.group_send(group_of(board), update(1))
    assert (await by_rotation.receive_json_from(timeout=5))["seq"] == 1
    for ws in [*old_key, by_rotation]:
        await ws.disconnect()


# -- one subscription per board ---------------------------------------------------------------
@displays_db
async def test_a_boards_group_holds_one_hub_channel_however_many_displays_are_connected(
    memory_layer: InMemoryChannelLayer,
) -> None:
    board = await make_board()
    displays = list(await asyncio.gather(*(open_display(board) for _ in range(5))))
    entry = entry_of(memory_layer, board)
    assert entry is not None and len(entry.members) == 5
    assert list(memory_layer.groups[group_of(board)]) == [entry.channel]
    await memory_layer.group_send(group_of(board), update(1))
    for ws in displays:
        assert (await ws.receive_json_from(timeout=5))["seq"] == 1
        await ws.disconnect()


@displays_db
async def test_the_last_display_leaving_removes_the_hubs_channel_and_stops_its_tasks(
    memory_layer: InMemoryChannelLayer,
) -> None:
    board = await make_board()
    first, second = await open_display(board), await open_display(board)
    entry = entry_of(memory_layer, board)
    assert entry is not None
    await first.disconnect()
    assert list(memory_layer.groups[group_of(board)]) == [entry.channel]  # one display left
    await memory_layer.group_send(group_of(board), update(1))
    assert (await second.receive_json_from(timeout=5))["seq"] == 1
    await second.disconnect()
    assert group_of(board) not in memory_layer.groups
    assert entry_of(memory_layer, board) is None
    assert entry.tasks and all(task.done() for task in entry.tasks)


@displays_db
async def test_a_display_whose_task_is_cancelled_still_leaves_the_hub(
    memory_layer: InMemoryChannelLayer,
) -> None:
    board = await make_board()
    ws = await open_display(board)
    entry = joined_entry(memory_layer, board)
    ws.future.cancel()  # the server gave up on the application, disconnect() never ran
    await asyncio.wait([ws.future])
    await wait_for(lambda: all(task.done() for task in entry.tasks), what="the hub to stop")
    assert group_of(board) not in memory_layer.groups


@displays_db
async def test_a_display_reconnecting_to_a_board_gets_a_fresh_subscription(
    memory_layer: InMemoryChannelLayer,
) -> None:
    board = await make_board()
    ws = await open_display(board)
    await ws.disconnect()
    ws = await open_display(board)
    await memory_layer.group_send(group_of(board), update(1))
    assert (await ws.receive_json_from(timeout=5))["seq"] == 1
    await ws.disconnect()


async def test_displays_joining_at_once_share_one_channel(gated: GatedLayer) -> None:
    hub, displays = fanout.hub(), [FakeDisplay(), FakeDisplay()]
    joining = [asyncio.ensure_future(hub.join(gated, "board.1", d)) for d in displays]
    await wait_for(
        lambda: gated.waiting == 1 and len(hub.groups[gated, "board.1"].members) == 2,
        what="both to wait for the one group_add",
    )
    gated.gate.set()
    members = await asyncio.gather(*joining)
    assert gated.new_channels == 1
    assert list(gated.groups["board.1"]) == [members[0].group.channel]
    assert members[0].group is members[1].group
    for member in members:
        await member.release()
        await member.leave()
    assert "board.1" not in gated.groups


async def test_a_display_giving_up_while_the_subscription_starts_leaves_nothing_behind(
    gated: GatedLayer,
) -> None:
    hub, display = fanout.hub(), FakeDisplay()
    joining = asyncio.ensure_future(hub.join(gated, "board.1", display))
    await wait_for(lambda: gated.waiting == 1, what="the subscription to start")
    joining.cancel()  # the screen went away during connect
    await wait_for(lambda: hub.groups == {}, what="the display to leave")  # a new one: afresh
    later = asyncio.ensure_future(hub.join(gated, "board.1", FakeDisplay()))
    await wait_for(lambda: gated.waiting == 2, what="the second subscription to start")
    gated.gate.set()
    with pytest.raises(asyncio.CancelledError):
        await joining
    member = await later
    assert list(gated.groups["board.1"]) == [member.group.channel]  # the first one is gone
    await member.leave()
    assert "board.1" not in gated.groups and hub.groups == {}


async def test_a_display_is_held_until_released_then_gets_what_it_missed_in_order() -> None:
    layer, display = InMemoryChannelLayer(), FakeDisplay()
    member = await fanout.join(layer, "board.1", display)
    for seq in (1, 2):
        await layer.group_send("board.1", update(seq))
    await layer.group_send("board.1", status(stale=True))
    await wait_for(lambda: member.held is not None and len(member.held) == 3, what="held events")
    assert display.sent == [] and display.statuses == []
    await member.release()
    await layer.group_send("board.1", update(3))
    await wait_for(lambda: len(display.sent) == 3, what="the live update")
    assert [json.loads(text)["seq"] for text in display.sent] == [1, 2, 3]
    assert [s["stale"] for s in display.statuses] == [True]
    await member.leave()


# -- staying subscribed, and recovering --------------------------------------------------------
def test_the_hub_refreshes_its_groups_well_within_the_layers_group_expiry() -> None:
    assert fanout.refresh_seconds(InMemoryChannelLayer()) <= 86400 / 4
    assert fanout.refresh_seconds(InMemoryChannelLayer(group_expiry=100)) == 25


async def test_a_hub_channel_dropped_from_its_group_is_added_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fanout, "REFRESH_SECONDS", 0.05)
    layer, display = InMemoryChannelLayer(), FakeDisplay()
    member = await fanout.join(layer, "board.1", display)
    await member.release()
    layer.groups.pop("board.1")  # as the layer does once group_expiry has passed
    await wait_for(lambda: "board.1" in layer.groups, what="the hub to re-add its channel")
    await layer.group_send("board.1", update(1))
    await wait_for(lambda: display.sent, what="the update")
    await member.leave()


async def test_the_hub_goes_on_receiving_after_the_layer_failed_a_receive(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fanout, "RETRY_SECONDS", 0.05)
    layer, display = InMemoryChannelLayer(), FakeDisplay()
    real_receive, failures = layer.receive, [ConnectionError("Redis restarting")]

    async def flaky_receive(channel: str) -> dict[str, Any]:
        if failures:
            raise failures.pop()
        return await real_receive(channel)

    monkeypatch.setattr(layer, "receive", flaky_receive)
    member = await fanout.join(layer, "board.1", display)
    await member.release()
    await wait_for(lambda: not failures, what="the failed receive")
    await layer.group_send("board.1", update(1))
    await wait_for(lambda: display.sent, what="the update")
    assert "Redis restarting" in caplog.text
    await member.leave()


@displays_db
async def test_a_layout_change_is_read_once_for_all_of_a_boards_displays(
    layer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = await make_board()
    displays = [await open_display(board) for _ in range(3)]
    reads = snapshot_reads(monkeypatch)
    await layer.group_send(group_of(board), {"type": "board.reload", "seq": 7})
    firsts = [await ws.receive_json_from(timeout=5) for ws in displays]
    assert all(m["type"] == "snapshot" for m in firsts) and reads == [board.pk]
    await layer.group_send(group_of(board), {"type": "board.reload", "seq": 8})
    for ws in displays:
        assert (await ws.receive_json_from(timeout=5))["type"] == "snapshot"
    assert reads == [board.pk, board.pk]  # the next layout change is read afresh, once
    for ws in displays:
        await ws.disconnect()


@displays_db
async def test_displays_that_come_up_together_share_their_boards_snapshot_reads(
    layer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = await make_board()
    reads = snapshot_reads(monkeypatch)
    displays = await asyncio.gather(*(open_display(board) for _ in range(12)))
    # Each display asks after its access check, which waits for the same database thread:
    # most ask while one read waits for that thread, and share it.
    assert 1 <= len(reads) <= 3
    await layer.group_send(group_of(board), update(1))
    for ws in displays:
        assert (await ws.receive_json_from(timeout=5))["seq"] == 1
        await ws.disconnect()


@displays_db
async def test_a_display_never_shares_a_snapshot_read_that_started_before_it_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    board = await make_board()
    reads: list[int] = []
    reading, go_on = threading.Event(), threading.Event()

    def held(board: Board) -> dict[str, Any]:
        reads.append(board.pk)
        if len(reads) == 1:
            reading.set()
            go_on.wait(5)
        return {"type": "snapshot", "read": len(reads)}

    monkeypatch.setattr(consumers, "board_snapshot", held)
    first = asyncio.ensure_future(consumers._snapshot_text(board))
    assert await asyncio.to_thread(reading.wait, 5)  # the first read is under way
    late = [asyncio.ensure_future(consumers._snapshot_text(board)) for _ in range(3)]
    loop = asyncio.get_running_loop()

    def late_askers_share_the_next_read() -> bool:
        shared = consumers._waiting[loop].get(board.pk)
        return shared is not None and not shared.started

    await wait_for(late_askers_share_the_next_read, what="the late askers to wait")
    go_on.set()
    assert json.loads(await first)["read"] == 1
    assert [json.loads(await text)["read"] for text in late] == [2, 2, 2]  # one read after it
    assert len(reads) == 2


# -- the hub's write to daphne's connections ----------------------------------------------------
class Reactor:
    """Stands in for Twisted's event loop: records the connections that ask to be called back
    to write (each such ask is a later turn of the loop and two epoll_ctl calls)."""

    def __init__(self) -> None:
        self.writers: list[Any] = []

    def addReader(self, reader: Any) -> None:
        pass

    def removeReader(self, reader: Any) -> None:
        pass

    def addWriter(self, writer: Any) -> None:
        if writer not in self.writers:  # as Twisted's reactors: once until removed
            self.writers.append(writer)

    def removeWriter(self, writer: Any) -> None:
        if writer in self.writers:
            self.writers.remove(writer)


class Connection:
    """Stands in for daphne's websocket connection (an autobahn protocol), as far as the hub
    uses it; its frames are the payload behind a marker, and its send is autobahn's: a write
    to the transport."""

    STATE_OPEN = 3
    state = STATE_OPEN
    _perMessageCompress = None

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.factory = self
        self.send_queue: deque[Any] = deque()

    def prepareMessage(self, payload: bytes) -> Any:
        return SimpleNamespace(payloadHybi=b"frame:" + payload)

    def sendPreparedMessage(self, prepared: Any) -> None:
        self.transport.write(prepared.payloadHybi)


@pytest.fixture
def twisted_link() -> Iterator[tuple[Any, socket.socket, Reactor]]:
    """A Twisted TCP server connection on one end of a socket pair (read the other end)."""
    from twisted.internet import tcp

    ours, theirs = socket.socketpair()
    theirs.setblocking(False)
    reactor = Reactor()
    transport = tcp.Server(ours, object(), ("127.0.0.1", 1), None, 1, reactor)  # type: ignore[arg-type]
    yield transport, theirs, reactor
    ours.close()
    theirs.close()


def received(sock: socket.socket) -> bytes:
    """What has arrived at this end of the socket pair so far."""
    got = b""
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            return got
        if not chunk:
            return got
        got += chunk


def update_frame(text: str) -> Any:
    return fanout._Frame({"type": "board.update", "text": text})


def test_an_update_to_a_connection_with_nothing_buffered_goes_to_its_socket_at_once(
    twisted_link: tuple[Any, socket.socket, Reactor],
) -> None:
    transport, theirs, reactor = twisted_link
    update_frame("Zoë").send(Connection(transport))
    assert received(theirs) == "frame:Zoë".encode()
    assert reactor.writers == []  # no turn of the loop, no write buffered


def test_an_update_to_a_connection_with_bytes_still_buffered_waits_behind_them(
    twisted_link: tuple[Any, socket.socket, Reactor],
) -> None:
    transport, theirs, reactor = twisted_link
    transport.write(b"earlier;")  # buffered: Twisted sends it on the loop's next turn
    update_frame("later").send(Connection(transport))
    assert received(theirs) == b""
    assert reactor.writers == [transport]
    transport.doWrite()
    assert received(theirs) == b"earlier;frame:later"


def test_an_update_larger_than_the_socket_takes_is_buffered_for_the_rest_in_order(
    twisted_link: tuple[Any, socket.socket, Reactor],
) -> None:
    transport, theirs, reactor = twisted_link
    transport.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    big, after = "x" * (4 << 20), "after"
    connection = Connection(transport)
    update_frame(big).send(connection)
    got = received(theirs)
    assert 0 < len(got) < len(big)  # the socket took a part
    assert reactor.writers == [transport]  # Twisted has the rest
    update_frame(after).send(connection)
    while transport.dataBuffer or transport._tempDataBuffer:
        transport.doWrite()
        got += received(theirs)
    assert got == f"frame:{big}frame:{after}".encode()


# -- under daphne -------------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def daphne_probe(tmp_path: Path) -> AsyncIterator[int]:
    """tests/daphne_probe.py served by daphne in a child process: its port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHANNELS_URL")}
    env.update(SECRET_KEY="daphne-probe", DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}")
    env.update(ALLOWED_HOSTS="localhost,127.0.0.1")
    probe = ROOT / "tests" / "daphne_probe.py"
    with open(tmp_path / "probe.log", "wb") as log:
        child = subprocess.Popen([sys.executable, str(probe), str(port)], env=env, stderr=log)
    try:
        await wait_for(lambda: listening(port), timeout=30, what="daphne to listen")
        yield port
    finally:
        child.terminate()
        child.wait(10)
    assert "Traceback" not in (tmp_path / "probe.log").read_text()


@pytest.mark.slow
async def test_under_daphne_an_update_is_framed_once_and_reaches_every_display_as_sent(
    tmp_path: Path,
) -> None:
    """The hub writes board updates straight to daphne's connections (one frame for all);
    the bytes a display gets are the publisher's text, in order with the consumer's own sends."""
    async with daphne_probe(tmp_path) as port:
        url = f"ws://127.0.0.1:{port}/probe/"
        async with websockets.connect(url, origin=Origin(f"http://127.0.0.1:{port}")) as first:
            assert json.loads(await first.recv()) == {"connection": "WebSocketProtocol"}
            assert json.loads(await first.recv()) == {
                "type": "update", "seq": 1, "note": "Zoë joined"
            }  # fmt: skip
            async with websockets.connect(url, origin=Origin(f"http://127.0.0.1:{port}")) as second:
                assert json.loads(await second.recv()) == {"connection": "WebSocketProtocol"}
                for display in (second, first):
                    update = json.loads(await asyncio.wait_for(display.recv(), 5))
                    assert update == {"type": "update", "seq": 2, "note": "Zoë joined"}


@pytest.mark.slow
async def test_under_daphne_a_display_that_reads_slowly_still_gets_every_update_whole_in_order(
    tmp_path: Path,
) -> None:
    """Updates go straight to the socket while nothing waits to be written to it; a display
    that stops reading fills its socket, and the rest must queue in Twisted's buffer, the
    next updates behind them, with not a byte lost or out of place."""
    burst, size = 60, 256 * 1024  # 15 MiB: far more than the sockets on both sides hold
    async with daphne_probe(tmp_path) as port:
        url, origin = f"ws://127.0.0.1:{port}/probe/", Origin(f"http://127.0.0.1:{port}")
        # A small receive buffer (the kernel would grow it to tens of MiB), and max_queue=1:
        # the client stops reading its socket while a message waits to be read.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        sock.connect(("127.0.0.1", port))
        connecting = websockets.connect(url, sock=sock, origin=origin, max_queue=1, max_size=None)
        async with connecting as slow:
            assert json.loads(await slow.recv()) == {"connection": "WebSocketProtocol"}
            assert json.loads(await slow.recv())["seq"] == 1
            await slow.send(json.dumps({"burst": burst, "size": size}))
            got = [json.loads(await asyncio.wait_for(slow.recv(), 10)) for _ in range(burst)]
    assert [g["n"] for g in got] == list(range(1, burst + 1))
    assert all(g["pad"] == "x" * size for g in got)
