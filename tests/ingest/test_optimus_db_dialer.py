"""Dialer campaigns' progress polled from Optimus (targets by status, dials, the last dial)
and shown by the dialer_campaigns tile; queue tiles leave the campaigns out."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import running_ingest, wait_for
from tests.ingest.optimus_db_helpers import ago, make_poll_source, optimus_db
from wallboard.boards import board_snapshot
from wallboard.models import Board, Queue, Tile

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["optimus_db"]


@sync_to_async
def campaign_row(source: Any) -> Queue | None:
    return Queue.objects.filter(source=source, number="dialer-3").first()


@sync_to_async
def snapshot_values(source: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    board = Board.objects.create(title="Outbound", slug="outbound")
    dialer = Tile(board=board, kind="dialer_campaigns", source=source)
    dialer.full_clean()
    dialer.save()
    table = Tile.objects.create(board=board, kind="queue_table", source=source)
    values = board_snapshot(board)["values"]
    return values[str(dialer.pk)], values[str(table.pk)]


async def test_a_campaigns_progress_is_polled_and_shown_by_its_tile(optimus_db: Any) -> None:
    fixture, database, password = optimus_db
    last = ago(30)
    fixture.dialer_target(1, campaign=3, status=1)
    fixture.dialer_target(2, campaign=3, status=2, last_call=ago(300), dials=(2, 1, 0))
    fixture.dialer_target(3, campaign=3, status=2, last_call=last, dials=(1, 0, 0))
    fixture.dialer_target(4, campaign=3, status=9, last_call=ago(60), dials=(3, 0, 0))
    fixture.dialer_target(5, campaign=4, status=1)  # another campaign, not followed
    source = await sync_to_async(make_poll_source)(
        database,
        password,
        dialer_campaigns={"3": "Renewals"},
        dialer_statuses={"1": "new", "2": "dialled", "9": "done"},
    )
    async with running_ingest():
        row = await wait_for(lambda: campaign_row(source), what="the campaign's progress")
    assert row.name == "Renewals"
    progress = row.extra["dialer"]
    assert progress["targets"] == {"new": 1, "dialled": 2, "done": 1}
    assert progress["dials"] == 7
    assert progress["last_dial"] == last.replace(tzinfo=UTC).timestamp()

    dialer, table = await snapshot_values(source)
    (shown,) = dialer["rows"]
    assert shown["name"] == "Renewals" and shown["total"] == 4 and shown["dials"] == 7
    assert sorted(r["number"] for r in table["rows"]) == ["10", "11"]  # no campaign there
