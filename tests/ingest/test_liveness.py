"""A display learns the real state of its board's feeds within two refresh intervals, whatever
the cause: ingest tells each board's displays every few seconds (a heartbeat with the state of
the board's sources), says at once when an edit stops or restarts a source, and a snapshot
taken after ingest died does not show its sources as live."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from tests.conftest import free_port, send_bytes, wait_for
from tests.wallboard.test_board_consumer import TVI1, make_board, port_of, socket
from wallboard import messages
from wallboard.boards import board_snapshot
from wallboard.models import Board, Source, SourceHealth

pytestmark = pytest.mark.django_db(transaction=True)


async def next_of(ws: WebsocketCommunicator, kind: str, timeout: float) -> dict[str, Any]:
    """The next message of a type, skipping others; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no {kind} message within {timeout} s"
        message: dict[str, Any] = await ws.receive_json_from(timeout=left)
        if message["type"] == kind:
            return message


async def live_display(make_source: Any, runner: Any) -> tuple[Source, Board, Any]:
    """A source fed once (live), a board of it, and a display connected to the board."""
    source = await sync_to_async(make_source)(refresh_seconds=3)
    board = await sync_to_async(make_board)(source)
    await wait_for(lambda: source.pk in runner.workers, what="the source to start")
    await send_bytes(port_of(source), TVI1)
    await wait_for(lambda: not runner.workers[source.pk].stale, what="the source to be live")
    ws = socket(board, board.display_key)
    assert (await ws.connect())[0]
    snapshot = await ws.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    return source, board, ws


async def test_each_display_hears_ingest_every_few_seconds_about_its_boards_sources_only(
    make_source: Any, runner: Any
) -> None:
    await sync_to_async(make_source)("pbx-elsewhere", listen=f"127.0.0.1:{free_port()}")
    source, _, ws = await live_display(make_source, runner)
    first = await next_of(ws, messages.HEARTBEAT, timeout=2 * messages.HEARTBEAT_SECONDS + 2)
    second = await next_of(ws, messages.HEARTBEAT, timeout=2 * messages.HEARTBEAT_SECONDS + 2)
    assert 0 < second["at"] - first["at"] <= 1000 * (messages.HEARTBEAT_SECONDS + 1.5)
    assert list(second["sources"]) == [str(source.pk)]  # not the other board's feed
    state = second["sources"][str(source.pk)]
    assert state["name"] == "cms-skills" and state["stale"] is False and state["enabled"]
    assert second["silent_after"] == messages.SILENT_AFTER_SECONDS
    await ws.disconnect()


async def test_disabling_a_source_tells_its_displays_within_two_refresh_intervals(
    make_source: Any, runner: Any
) -> None:
    source, _, ws = await live_display(make_source, runner)
    await Source.objects.filter(pk=source.pk).aupdate(enabled=False)
    # Within two refresh intervals: next_of fails the test past that.
    status = await next_of(ws, messages.STATUS, timeout=2 * source.refresh_seconds)
    assert status["source"] == str(source.pk)
    assert status["stale"] is True and status["enabled"] is False
    beat = await next_of(ws, messages.HEARTBEAT, timeout=2 * messages.HEARTBEAT_SECONDS + 2)
    assert beat["sources"][str(source.pk)]["enabled"] is False  # and it stays said
    await ws.disconnect()


async def test_a_source_restarted_by_an_edit_is_not_live_until_its_data_comes_again(
    make_source: Any, runner: Any
) -> None:
    source, _, ws = await live_display(make_source, runner)
    new_port = free_port()
    await Source.objects.filter(pk=source.pk).aupdate(listen=f"127.0.0.1:{new_port}")
    status = await next_of(ws, messages.STATUS, timeout=2 * source.refresh_seconds)
    assert status["stale"] is True and status["enabled"] is True
    await wait_for(
        lambda: (
            runner.workers.get(source.pk)
            and runner.workers[source.pk].config.listen.endswith(str(new_port))
        ),
        what="the source to listen on its new port",
    )
    await send_bytes(new_port, TVI1)
    status = await next_of(ws, messages.STATUS, timeout=2 * source.refresh_seconds)
    assert status["stale"] is False
    await ws.disconnect()


def test_a_snapshot_taken_after_ingest_died_shows_its_sources_not_live(make_source: Any) -> None:
    source = make_source(refresh_seconds=3)
    board = make_board(source)
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    fields = {"connected": True, "stale": False, "last_data_at": long_ago}
    SourceHealth.objects.create(source=source, heartbeat_at=long_ago, **fields)  # then kill -9
    snapshot = board_snapshot(board)
    state = snapshot["sources"][str(source.pk)]
    assert state["stale"] is True and state["connected"] is False
    assert state["problem"] == "ingest is not running this source"
    SourceHealth.objects.filter(source=source).update(heartbeat_at=datetime.now(UTC))
    assert board_snapshot(board)["sources"][str(source.pk)]["stale"] is False  # a running one


def test_a_snapshot_lists_only_the_sources_its_board_shows(make_source: Any) -> None:
    shown = make_source(refresh_seconds=3)
    make_source("pbx-elsewhere", listen=f"127.0.0.1:{free_port()}")
    snapshot = board_snapshot(make_board(shown))
    assert list(snapshot["sources"]) == [str(shown.pk)]
    assert snapshot["heartbeat"]["silent_after"] == messages.SILENT_AFTER_SECONDS


async def test_a_feed_problem_reaches_the_displays_and_the_api_while_the_source_stays_live(
    make_source: Any, runner: Any
) -> None:
    """One row of a run could not be read: its figures stay as they were (nothing is marked
    gone), the rest update, and the displays and the API say what is wrong with the feed."""
    source, _, ws = await live_display(make_source, runner)
    await send_bytes(port_of(source), TVI1.replace(b"F1| 12|   0|", b"F1| 12|zero|"))
    await wait_for(lambda: runner.workers[source.pk].problem, what="the problem to be seen")
    beat = await next_of(ws, messages.HEARTBEAT, timeout=2 * messages.HEARTBEAT_SECONDS + 2)
    state = beat["sources"][str(source.pk)]
    assert state["stale"] is False and "could not be read" in state["problem"]
    await ws.disconnect()
