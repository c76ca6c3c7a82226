"""A tile's selection edited in the admin (its source, queue kind, queue range, agent range)
reaches every display of its board: those open get a fresh snapshot, those connecting later
get the new selection, never the figures of the old one."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from tests.conftest import send_bytes, wait_for
from wallboard.asgi import application
from wallboard.boards import build_board
from wallboard.models import Board, Source, Tile

FIXTURES = Path(__file__).parents[1] / "fixtures" / "avaya_cms"
TVI1 = (FIXTURES / "tvi1_example.txt").read_bytes()  # skill 3: 4 waiting, 12: 0, 7: 31
AGENT_TV = (FIXTURES / "agent_tv_example.txt").read_bytes()  # agents 10001-10008


# ---- the board's fingerprint: what decides that a board is rebuilt -------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "edit",
    [
        lambda t, other: setattr(t, "queue_range", "7"),
        lambda t, other: setattr(t, "agent_range", "10005-10008"),
        lambda t, other: setattr(t, "source", other),
        lambda t, other: setattr(t, "queue_kind", "vdn"),
    ],
    ids=["queue_range", "agent_range", "source", "queue_kind"],
)
def test_editing_what_a_tile_selects_changes_its_boards_fingerprint(
    make_source: Any, edit: Callable[[Tile, Source], None]
) -> None:
    source, other = make_source("cms-skills"), make_source("cms-other")
    board = Board.objects.create(title="Floor", slug="floor")
    tile = Tile.objects.create(
        board=board, kind=Tile.QUEUE_KPI, source=source, queue_kind="skill", queue_range="3"
    )
    before = build_board(Board.objects.get(pk=board.pk))
    edit(tile, other)
    tile.full_clean()
    tile.save()
    after = build_board(Board.objects.get(pk=board.pk))
    assert after.fingerprint != before.fingerprint
    # The same edit saved again changes nothing: the board is not rebuilt for nothing.
    assert build_board(Board.objects.get(pk=board.pk)).fingerprint == after.fingerprint


# ---- end to end: ingest publishing, displays on websockets ---------------------------------


def socket(board: Board) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application,
        f"/ws/boards/{board.slug}/?key={board.display_key}",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )


def port_of(source: Source) -> int:
    return int(source.listen.rsplit(":", 1)[1])


async def value_in(
    ws: WebsocketCommunicator, tile_id: int, wanted: Callable[[Any], bool], timeout: float = 10
) -> Any:
    """Follow a display's messages (snapshots and updates) until the tile's value is as wanted;
    fail with the last value seen otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"tile {tile_id} never showed the wanted value; last: {last!r}")
        try:
            message = await ws.receive_json_from(timeout=left)
        except TimeoutError:
            continue
        if message["type"] == "snapshot":
            last = message["values"].get(str(tile_id))
        elif message["type"] == "update" and str(tile_id) in message["tiles"]:
            last = merged(last, message["tiles"][str(tile_id)])
        else:
            continue
        if last is not None and wanted(last):
            return last


def merged(shown: Any, value: Any) -> Any:
    """An agent grid's delta merged into what the display shows, as the display does."""
    if not value.get("delta"):
        return value
    agents = {(a["src"], a["id"]): a for a in (shown or {}).get("agents", [])}
    for ident in value["remove"]:
        src, agent_id = ident.split(":", 1)
        agents.pop((int(src), agent_id), None)
    agents.update({(a["src"], a["id"]): a for a in value["upsert"]})
    rest = {k: v for k, v in value.items() if k not in ("delta", "upsert", "remove")}
    return {**rest, "agents": list(agents.values())}


def waiting(value: Any) -> Any:
    return value.get("kpis", {}).get("calls_waiting", {}).get("v")


def agent_ids(value: Any) -> list[str]:
    return sorted(a["id"] for a in value.get("agents", []))


CASES: dict[str, dict[str, Any]] = {
    "queue_range": {
        "tile": {"kind": Tile.BIG_NUMBER, "kpis": "calls_waiting", "queue_range": "3"},
        "edit": {"queue_range": "7"},
        "before": lambda v: waiting(v) == 4,
        "after": lambda v: waiting(v) == 31 and v["queues"] == 1,
    },
    "queue_kind": {
        "tile": {"kind": Tile.BIG_NUMBER, "kpis": "calls_waiting", "queue_kind": "skill"},
        "edit": {"queue_kind": "vdn"},
        "before": lambda v: waiting(v) == 35,  # 4 + 0 + 31 over the three skills
        "after": lambda v: v["queues"] == 0 and waiting(v) is None,
    },
    "source": {
        "tile": {"kind": Tile.BIG_NUMBER, "kpis": "calls_waiting", "queue_range": "3"},
        "edit": {"source": "other"},
        "before": lambda v: waiting(v) == 4,
        "after": lambda v: v["queues"] == 0 and waiting(v) is None,
    },
    "agent_range": {
        "tile": {"kind": Tile.AGENT_GRID, "agent_range": "10001-10004"},
        "edit": {"agent_range": "10005-10008"},
        "before": lambda v: agent_ids(v) == ["10001", "10002", "10003", "10004"],
        "after": lambda v: agent_ids(v) == ["10005", "10006", "10007", "10008"],
    },
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("field", list(CASES))
async def test_a_tile_edit_reaches_open_and_newly_connected_displays(
    make_source: Any, runner: Any, field: str
) -> None:
    case = CASES[field]
    agents = field == "agent_range"
    source = await sync_to_async(make_source)(
        "cms-feed", layout="agent_tv" if agents else "tvi1", refresh_seconds=60
    )
    other = await sync_to_async(make_source)("other", refresh_seconds=60)
    board = await sync_to_async(Board.objects.create)(title="Floor", slug="floor")
    tile = await sync_to_async(Tile.objects.create)(board=board, source=source, **case["tile"])
    await wait_for(lambda: board.pk in runner.publisher.boards, what="the publisher's board")
    display = socket(board)
    assert (await display.connect())[0]
    await send_bytes(port_of(source), AGENT_TV if agents else TVI1)
    await value_in(display, tile.pk, case["before"])

    def edit() -> None:  # as the admin saves it: the one tile row, checked first
        fresh = Tile.objects.get(pk=tile.pk)
        for name, value in case["edit"].items():
            setattr(fresh, name, other if value == "other" else value)
        fresh.full_clean()
        fresh.save()

    await sync_to_async(edit)()
    shown = await value_in(display, tile.pk, case["after"])  # the open display follows
    assert case["after"](shown)

    later = socket(board)  # a display connecting (or reloaded) after the edit
    assert (await later.connect())[0]
    snapshot = await later.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    assert case["after"](snapshot["values"][str(tile.pk)]), snapshot["values"]
    await later.disconnect()
    await display.disconnect()
