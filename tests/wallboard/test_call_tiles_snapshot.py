"""A display connecting before ingest has published a board gets its call tiles from the Call
table: the calls waiting, masked by CALLER_NUMBER_VISIBLE_DIGITS, and the recent abandoned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wallboard.boards import board_snapshot
from wallboard.models import Board, Call, Tile

pytestmark = pytest.mark.django_db


def test_a_snapshot_reads_the_call_tiles_from_the_call_table(
    make_source: Any, settings: Any
) -> None:
    settings.CALLER_NUMBER_VISIBLE_DIGITS = 3
    source = make_source()
    now = datetime.now(UTC)
    common = {"source": source, "queue_kind": "skill", "updated_at": now}
    Call.objects.create(
        call_id="w1",
        queue_number="12",
        calling="01632960123",
        state="queued",
        offered_at=now - timedelta(seconds=40),
        **common,
    )
    Call.objects.create(
        call_id="w2", queue_number="99", state="queued", offered_at=now, **common
    )  # outside the tile's queues
    Call.objects.create(
        call_id="gone",
        queue_number="12",
        calling="07700900456",
        state="ended",
        outcome="abandoned",
        offered_at=now - timedelta(seconds=70),
        ended_at=now - timedelta(seconds=10),
        **common,
    )
    board = Board.objects.create(title="Calls", slug="calls")
    kw = {"board": board, "source": source, "queue_range": "1-50"}
    waiting = Tile.objects.create(kind="waiting_callers", title="Waiting", **kw)
    abandoned = Tile.objects.create(kind="recent_abandoned", title="Abandoned", **kw)
    waiting.full_clean()
    snapshot = board_snapshot(board)
    rows = snapshot["values"][str(waiting.pk)]["rows"]
    assert [(r["id"], r["calling"], r["queue"]) for r in rows] == [
        (f"{source.pk}:w1", "••••••••123", "skill 12")
    ]
    (gone,) = snapshot["values"][str(abandoned.pk)]["rows"]
    assert (gone["calling"], gone["waited"]) == ("••••••••456", 60)
    definitions = {d["id"]: d for d in snapshot["board"]["tiles"]}
    assert definitions[waiting.pk]["visible_digits"] == 3
