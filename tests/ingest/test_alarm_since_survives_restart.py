"""Alarms through ingest: a figure that stays beyond its alarm level enters alarm when its hold
ends, though no new batch comes; a restart of ingest keeps the alarm's "since"."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import running_ingest, send_bytes, wait_for
from wallboard.models import Board, BoardState, Source, Threshold, Tile

pytestmark = pytest.mark.django_db(transaction=True)

TVI1 = (Path(__file__).parents[1] / "fixtures" / "avaya_cms" / "tvi1_example.txt").read_bytes()
ALARM = TVI1.replace(b"F1|  3|   4|", b"F1|  3|  12|")  # skill 3: 12 calls waiting


def make_board(source: Source, hold: int) -> Tile:
    board = Board.objects.create(title="Service", slug="service")
    tile = Tile.objects.create(
        board=board, kind=Tile.BIG_NUMBER, source=source, queue_range="3", kpis="calls_waiting"
    )
    Threshold.objects.create(
        tile=tile, kpi="calls_waiting", direction="above", warning=3, alarm=10, hold_seconds=hold
    )
    return tile


def saved_cell(tile: Tile) -> dict[str, Any] | None:
    state = BoardState.objects.filter(board_id=tile.board_id).first()
    value = state.tiles.get("values", {}).get(str(tile.pk)) if state else None
    return value["kpis"]["calls_waiting"] if value and "kpis" in value else None


async def test_a_figure_held_beyond_its_level_enters_alarm_without_a_new_batch(
    make_source: Any,
) -> None:
    source = await sync_to_async(make_source)(refresh_seconds=60)
    tile = await sync_to_async(make_board)(source, 2)
    async with running_ingest():
        sent = time.time()
        await send_bytes(int(source.listen.rsplit(":", 1)[1]), ALARM)

        async def twelve() -> dict[str, Any] | None:
            cell = await sync_to_async(saved_cell)(tile)
            return cell if cell and cell["v"] == 12 else None

        held = await wait_for(twelve, what="the figure")
        assert held["v"] == 12 and held["l"] == "warning"  # on hold: its warning meanwhile

        async def alarmed() -> dict[str, Any] | None:
            cell = await sync_to_async(saved_cell)(tile)
            return cell if cell and cell["l"] == "alarm" else None

        cell = await wait_for(alarmed, timeout=15, what="the hold to end")
        assert cell["a"]["since"] >= int((sent + 2) * 1000)


async def test_a_restart_of_ingest_keeps_the_alarms_since(make_source: Any) -> None:
    source = await sync_to_async(make_source)(refresh_seconds=60)
    tile = await sync_to_async(make_board)(source, 0)
    port = int(source.listen.rsplit(":", 1)[1])

    async def alarmed() -> dict[str, Any] | None:
        cell = await sync_to_async(saved_cell)(tile)
        return cell if cell and cell["l"] == "alarm" else None

    async with running_ingest():
        await send_bytes(port, ALARM)
        before = await wait_for(alarmed, what="the alarm")
    await sync_to_async(BoardState.objects.filter(board_id=tile.board_id).update)(
        tiles={"fingerprint": "", "values": {}, "alarms": (await _alarms(tile))}
    )  # values a restart cannot reuse: only the saved alarms carry "since" over
    async with running_ingest():
        await send_bytes(port, ALARM)
        after = await wait_for(alarmed, what="the alarm after the restart")
    assert after["a"]["since"] == before["a"]["since"]


async def _alarms(tile: Tile) -> dict[str, Any]:
    state = await BoardState.objects.aget(board_id=tile.board_id)
    alarms: dict[str, Any] = state.tiles["alarms"]
    return alarms


async def test_a_restart_of_ingest_during_a_hold_does_not_start_the_hold_again(
    make_source: Any,
) -> None:
    source = await sync_to_async(make_source)(refresh_seconds=60)
    tile = await sync_to_async(make_board)(source, 3)
    port = int(source.listen.rsplit(":", 1)[1])

    async def pending() -> float | None:
        state = await BoardState.objects.filter(board_id=tile.board_id).afirst()
        entry = (state.tiles.get("alarms", {}) if state else {}).get(str(tile.pk), {})
        return entry.get("calls_waiting", {}).get("pending")

    async with running_ingest():
        await send_bytes(port, ALARM)
        started = await wait_for(pending, what="the hold to be saved")

    async def alarmed() -> dict[str, Any] | None:
        cell = await sync_to_async(saved_cell)(tile)
        return cell if cell and cell["l"] == "alarm" else None

    async with running_ingest():
        cell = await wait_for(alarmed, timeout=15, what="the hold to end after the restart")
    assert cell["a"]["since"] == int((started + 3) * 1000)
