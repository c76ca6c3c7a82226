"""Today's and the last 60 minutes' KPIs on the tiles, from the queues' interval sums: exact
where the feed counts, marked derived where it gives averages, each queue by its own
service-level setting."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from integrations.base import QueueRow
from wallboard.boards import board_snapshot
from wallboard.engine import BoardRuntime, new_tile
from wallboard.engine.kinds import QUEUE_KPI, QUEUE_TABLE, kind_of, tile_definition
from wallboard.engine.kpis import KPIS, SERVICE_LEVEL_KPIS
from wallboard.engine.service import ANSWERED, OFFERED, ServiceLevel, ServiceLevels
from wallboard.engine.windows import WINDOW_KPIS, window_value
from wallboard.lib.ranges import IdRange
from wallboard.models import Board, Queue, Tile


def sums(offered: Any, answered: Any, abandoned: Any, in_sl: Any, waits: Any) -> dict[str, Any]:
    return {
        "offered": offered,
        "answered": answered,
        "abandoned": abandoned,
        "answered_in_sl": in_sl,
        "answer_wait_sum": waits,
    }


A = {"day": sums(100, 90, 10, 72, 1800), "h1": sums(20, 16, 4, 8, 480)}
B = {"day": sums(50, 50, 0, 50, 250), "h1": sums(None, None, None, None, None)}


def test_every_window_kpi_is_in_the_catalogue() -> None:
    assert set(WINDOW_KPIS) <= set(KPIS)
    assert {"service_level_today", "service_level_60m"} <= SERVICE_LEVEL_KPIS


def test_one_queue_today_and_last_hour() -> None:
    offered = ServiceLevel(20, OFFERED)
    one = [(A, offered)]
    assert window_value("service_level_today", one) == (72.0, True)  # derived: the feed's %
    assert window_value("service_level_today", [(A, ServiceLevel(20, ANSWERED))]) == (80.0, True)
    assert window_value("asa_today", one) == (20, True)
    assert window_value("abandon_pct_today", one) == (10.0, False)  # of counts: exact
    assert window_value("offered_60m", one) == (20, False)
    assert window_value("answered_60m", one) == (16, False)
    assert window_value("abandoned_60m", one) == (4, False)
    assert window_value("service_level_60m", one) == (40.0, True)
    assert window_value("asa_60m", one) == (30, True)
    assert window_value("abandon_pct_60m", one) == (20.0, False)


def test_several_queues_each_by_its_own_formula_and_nothing_is_null_not_zero() -> None:
    both = [(A, ServiceLevel(20, OFFERED)), (B, ServiceLevel(20, ANSWERED))]
    assert window_value("service_level_today", both) == (round(100 * 122 / 150, 1), True)
    assert window_value("asa_today", both) == (round(2050 / 140), True)
    assert window_value("offered_60m", both) == (20, False)
    nothing = [({}, ServiceLevel()), (B, ServiceLevel())]
    for kpi in ("service_level_60m", "asa_60m", "abandon_pct_60m", "offered_60m"):
        assert window_value(kpi, nothing)[0] is None


def tile(kind: str, kpis: list[str], levels: ServiceLevels | None = None) -> dict[str, Any]:
    definition = tile_definition(kind_of(kind), tile_id=7, kpis=kpis)
    runtime = new_tile(definition, source_id=1, queue_range=IdRange("1-9"), levels=levels)
    runtime.load(1, [(QueueRow("skill", "1"), A), (QueueRow("skill", "2"), B)], [])
    board = BoardRuntime.build(1, {"tiles": [definition]}, [runtime])
    board.recompute(set())
    return board.values()["7"]


def test_a_tile_shows_todays_service_level_and_says_which() -> None:
    value = tile(QUEUE_KPI, ["service_level_today", "asa_60m"])
    assert value["kpis"]["service_level_today"] == {"v": 81.3, "d": True, "l": None}
    assert value["kpis"]["asa_60m"] == {"v": 30, "d": True, "l": None}
    assert value["sl"] == "≤ 20 s of offered"
    rows = tile(QUEUE_TABLE, ["service_level_today", "abandon_pct_today"])["rows"]
    assert [r["kpis"]["service_level_today"]["v"] for r in rows] == [72.0, 100.0]
    assert [r["kpis"]["abandon_pct_today"]["v"] for r in rows] == [10.0, 0.0]


@pytest.mark.django_db
def test_the_snapshot_shows_the_stored_figures_before_ingest_publishes(make_source: Any) -> None:
    source = make_source()
    Queue.objects.create(
        source=source, kind="skill", number="3", today=A, updated_at=timezone.now()
    )
    board = Board.objects.create(title="Floor", slug="floor")
    t = Tile.objects.create(board=board, kind="big_number", kpis="service_level_today")
    value = board_snapshot(board)["values"][str(t.pk)]
    assert value["kpis"]["service_level_today"]["v"] == 72.0


@pytest.mark.django_db
def test_the_demo_shows_todays_service_level() -> None:
    from wallboard.demo import set_up

    set_up(27000)
    skills = Tile.objects.get(board__slug="service", kind="queue_table")
    assert "service_level_today" in skills.kpi_list()
    assert skills.thresholds.filter(kpi="service_level_today").exists()
