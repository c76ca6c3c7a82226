"""The leaderboard tile kind: a tile's agents ranked by a figure of their day, top or bottom
N, ranked again only when a figure changes or an agent joins or leaves."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from ingest.live import Changes
from integrations.base import AgentRow
from wallboard.engine import BoardRuntime, new_tile
from wallboard.engine.kinds import LEADERBOARD, LEADERBOARD_LOW, kind_of, tile_definition
from wallboard.engine.kpis import KPIS, QUEUE_KPIS
from wallboard.engine.leaderboard import AGENT_DAY_KPIS, LeaderboardTile
from wallboard.engine.tiles import TileRuntime
from wallboard.lib.ranges import IdRange
from wallboard.models import Board, Tile

AGENTS = [
    AgentRow(agent_id=f"100{i}", state="available", vendor_state="AVAIL", name=name)
    for i, name in enumerate(["Ann", "Ben", "Cat", "Dan", "Eve", "Fay", "Gus"], start=1)
]


def day(answered: int | None, talk: int = 0) -> dict[str, Any]:
    return {
        "answered": answered,
        "talk_seconds": talk,
        "wrap_seconds": 0,
        "not_ready_seconds": 0,
        "longest_not_ready_seconds": None,
    }


def board(kind: str, kpi: str, height: int = 1, **thresholds: Any) -> tuple[BoardRuntime, Any]:
    definition = tile_definition(
        kind_of(kind), tile_id=9, kpis=[kpi], height=height, thresholds=thresholds or None
    )
    tile = new_tile(definition, source_id=1, agent_range=IdRange("1001-1006"))
    assert isinstance(tile, LeaderboardTile)
    tile.load(1, [], [(a, 0.0) for a in AGENTS])
    figures = {"1001": day(5), "1002": day(9), "1003": day(7), "1004": day(9), "1005": day(None)}
    tile.take_day(1, figures | {"1007": day(99)})  # 1007: not the tile's
    runtime = BoardRuntime.build(1, {"tiles": [definition]}, [tile])
    runtime.recompute(set())
    return runtime, tile


def shown(runtime: BoardRuntime) -> list[tuple[str, Any]]:
    return [(r["name"], r["v"]) for r in runtime.values()["9"]["rows"]]


def test_every_agent_figure_is_a_kpi_no_queue_tile_offers() -> None:
    assert set(AGENT_DAY_KPIS) <= set(KPIS)
    assert not set(AGENT_DAY_KPIS) & set(QUEUE_KPIS)
    assert kind_of(LEADERBOARD).kpis == tuple(AGENT_DAY_KPIS)


def test_top_and_bottom_n_by_the_chosen_figure() -> None:
    top, _ = board(LEADERBOARD, "agent_answered_today")
    assert shown(top) == [("Ben", 9), ("Dan", 9), ("Cat", 7), ("Ann", 5)]  # ties A to Z
    assert top.values()["9"]["kpi"] == "agent_answered_today"
    low, _ = board(LEADERBOARD_LOW, "agent_answered_today")
    assert shown(low) == [("Ann", 5), ("Cat", 7), ("Ben", 9), ("Dan", 9)]
    five = [(f"A{i}", 0.0) for i in range(12)]
    many = new_tile(
        tile_definition(kind_of(LEADERBOARD), tile_id=9, kpis=["agent_answered_today"], height=2)
    )
    assert isinstance(many, LeaderboardTile)
    many.load(1, [], [(AgentRow(agent_id=a, state="available"), s) for a, s in five])
    many.take_day(1, {a: day(i) for i, (a, _) in enumerate(five)})
    runtime = BoardRuntime.build(1, {"tiles": [many.definition]}, [many])
    runtime.recompute(set())
    assert len(runtime.values()["9"]["rows"]) == 10  # five rows a unit of height


def test_a_threshold_flags_a_row() -> None:
    top, _ = board(
        LEADERBOARD,
        "agent_answered_today",
        agent_answered_today={"direction": "below", "warning": 8, "alarm": 6},
    )
    levels = [r["l"] for r in top.values()["9"]["rows"]]
    assert levels == [None, None, "warning", "alarm"]


def test_figures_from_a_batch_rank_again_a_state_change_does_not() -> None:
    runtime, tile = board(LEADERBOARD, "agent_talk_today")
    changes = Changes(at=10.0)
    changes.agent_today = {"1003": day(7, talk=300)}
    assert tile.apply(1, changes)
    update = runtime.recompute(set(), [tile])
    assert update["9"]["rows"][0] == {"agent": "1003", "name": "Cat", "v": 300, "l": None}
    other = Changes(at=11.0)
    other.agent_today = {"1007": day(1, talk=900)}  # not the tile's agent
    assert not tile.apply(1, other)
    assert not TileRuntime.apply(tile, 1, Changes(at=12.0))


@pytest.mark.django_db
def test_a_leaderboard_tile_shows_exactly_one_figure() -> None:
    b = Board.objects.create(title="Floor", slug="floor")
    Tile(board=b, kind=LEADERBOARD, kpis="agent_talk_today").full_clean()
    with pytest.raises(ValidationError):
        Tile(board=b, kind=LEADERBOARD_LOW, kpis="agent_talk_today, agent_wrap_today").full_clean()


@pytest.mark.django_db
def test_the_demo_has_a_leaderboard() -> None:
    from wallboard.demo import set_up

    set_up(27000)
    tile = Tile.objects.get(kind=LEADERBOARD)
    assert tile.kpi_list()[0] in AGENT_DAY_KPIS
