"""Service-level settings: a queue's target and formula, per queue, per source or for all,
in the admin and in exportconfig/importconfig, and said on each tile showing a service level."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.utils import timezone

from integrations.base import QueueRow
from wallboard.boards import board_snapshot, build_board
from wallboard.configio import ConfigError, export_config, import_config
from wallboard.engine import BoardRuntime, new_tile
from wallboard.engine.kinds import QUEUE_KPI, QUEUE_TABLE, kind_of, tile_definition
from wallboard.engine.kpis import display_catalogue
from wallboard.engine.service import (
    ANSWERED,
    DEFAULT,
    OFFERED,
    OFFERED_LESS_SHORT,
    ServiceLevel,
    ServiceLevels,
)
from wallboard.lib.ranges import IdRange
from wallboard.models import Board, Queue, QueueSettings, Tile


def test_defaults_are_20_seconds_of_offered_with_5_second_short_abandons() -> None:
    assert ServiceLevel(20, OFFERED, 5) == DEFAULT
    assert DEFAULT.caption() == "≤ 20 s of offered"


def test_each_formula_takes_its_denominator() -> None:
    assert ServiceLevel(20, OFFERED).pct(80, 90, 100) == 80.0
    assert ServiceLevel(20, ANSWERED).pct(80, 90, 100) == 88.9
    assert ServiceLevel(20, OFFERED_LESS_SHORT, 5).pct(80, 90, 100, 20) == 100.0
    assert ServiceLevel(20, OFFERED_LESS_SHORT, 5).pct(80, 90, 100, None) == 80.0
    assert ServiceLevel(20, OFFERED).pct(None, 90, 100) is None
    assert ServiceLevel(20, OFFERED).pct(0, 0, 0) is None
    assert (
        ServiceLevel(30, OFFERED_LESS_SHORT, 8).caption() == "≤ 30 s of offered less abandons < 8 s"
    )
    # The feed's own threshold (the within-target count is the feed's) names it.
    assert ServiceLevel(30, ANSWERED).caption(15) == "≤ 15 s of answered"


def test_the_most_specific_setting_applies() -> None:
    levels = ServiceLevels.of_rules(
        [
            ((None, "", ""), ServiceLevel(10)),
            ((None, "vdn", ""), ServiceLevel(11)),
            ((1, "", ""), ServiceLevel(12)),
            ((1, "skill", ""), ServiceLevel(13)),
            ((None, "skill", "5"), ServiceLevel(14)),
            ((1, "skill", "5"), ServiceLevel(15)),
        ]
    )
    assert levels.of(1, "skill", "5").target_seconds == 15
    assert levels.of(2, "skill", "5").target_seconds == 14
    assert levels.of(1, "skill", "6").target_seconds == 13
    assert levels.of(1, "vdn", "6").target_seconds == 12
    assert levels.of(2, "vdn", "6").target_seconds == 11
    assert levels.of(2, "group", "6").target_seconds == 10
    assert ServiceLevels().of(1, "skill", "5") == DEFAULT


def _tile(kind: str, kpis: list[str], levels: ServiceLevels, source: int = 1) -> BoardRuntime:
    definition = tile_definition(kind_of(kind), tile_id=7, kpis=kpis)
    tile = new_tile(definition, source_id=source, queue_range=IdRange("1-9"), levels=levels)
    tile.load(
        source,
        [
            (QueueRow("skill", "1", service_level_pct=80), {}),
            (QueueRow("skill", "2", service_level_pct=90), {}),
        ],
        [],
    )
    board = BoardRuntime.build(1, {"tiles": [definition]}, [tile])
    board.recompute(set())
    return board


def test_a_tile_showing_a_service_level_says_which_target_and_formula() -> None:
    one = ServiceLevels.of_rules([((None, "", ""), ServiceLevel(30, ANSWERED))])
    value = _tile(QUEUE_KPI, ["service_level_pct"], one).values()["7"]
    assert value["sl"] == "≤ 30 s of answered"
    assert "sl" not in _tile(QUEUE_KPI, ["calls_waiting"], one).values()["7"]
    two = ServiceLevels.of_rules(
        [((None, "", ""), ServiceLevel(30, ANSWERED)), ((1, "skill", "2"), ServiceLevel(20))]
    )
    assert _tile(QUEUE_KPI, ["service_level_pct"], two).values()["7"]["sl"] == (
        "≤ 20 s of offered · ≤ 30 s of answered"
    )
    three = ServiceLevels.of_rules(
        [((1, "skill", "1"), ServiceLevel(30, ANSWERED)), ((1, "skill", "2"), ServiceLevel(9))]
    )
    definition = tile_definition(kind_of(QUEUE_KPI), tile_id=7, kpis=["service_level_pct"])
    tile = new_tile(definition, source_id=1, queue_range=IdRange("1-9"), levels=three)
    tile.load(1, [(QueueRow("skill", str(n)), {}) for n in (1, 2, 3, 4)], [])
    assert tile.sl_caption() == "≤ 20 s of offered · +2 other"  # the most queues' named
    rows = _tile(QUEUE_TABLE, ["service_level_pct"], two).values()["7"]["rows"]
    assert [r["sl"] for r in rows] == ["≤ 30 s of answered", "≤ 20 s of offered"]
    assert display_catalogue()["kpis"]["service_level_pct"]["sl"] is True
    assert "sl" not in display_catalogue()["kpis"]["calls_waiting"]


def test_an_edited_setting_changes_the_boards_fingerprint() -> None:
    a = _tile(QUEUE_KPI, ["service_level_pct"], ServiceLevels())
    b = _tile(QUEUE_KPI, ["service_level_pct"], ServiceLevels.of_rules([((None, "", ""), DEFAULT)]))
    c = _tile(
        QUEUE_KPI,
        ["service_level_pct"],
        ServiceLevels.of_rules([((None, "", ""), ServiceLevel(9))]),
    )
    assert len({a.fingerprint, b.fingerprint, c.fingerprint}) == 3


@pytest.mark.django_db
def test_settings_in_the_database_reach_the_snapshot(make_source: Any) -> None:
    source = make_source()
    Queue.objects.create(
        source=source, kind="skill", number="3", service_level_pct=75, updated_at=timezone.now()
    )
    board = Board.objects.create(title="Floor", slug="floor")
    tile = Tile.objects.create(board=board, kind="queue_kpi", kpis="service_level_pct")
    assert board_snapshot(board)["values"][str(tile.pk)]["sl"] == "≤ 20 s of offered"
    before = build_board(board).fingerprint
    QueueSettings.objects.create(source=source, kind="skill", number="3", target_seconds=45)
    assert build_board(board).fingerprint != before
    assert board_snapshot(board)["values"][str(tile.pk)]["sl"] == "≤ 45 s of offered"
    assert QueueSettings in admin.site._registry


@pytest.mark.django_db
def test_exportconfig_and_importconfig_carry_the_settings(make_source: Any) -> None:
    source = make_source()
    QueueSettings.objects.create(target_seconds=30, formula=ANSWERED, target_pct=90)
    QueueSettings.objects.create(
        source=source, kind="skill", number="3", formula=OFFERED_LESS_SHORT, short_abandon_seconds=8
    )
    exported = export_config()["service_levels"]
    assert {
        "source": None,
        "kind": "",
        "number": "",
        "target_seconds": 30,
        "formula": "answered",
        "short_abandon_seconds": 5,
        "target_pct": 90,
    } in exported
    QueueSettings.objects.all().delete()
    counts = import_config({"service_levels": exported})
    assert counts["service_levels"] == 2
    import_config({"service_levels": exported})  # idempotent
    assert QueueSettings.objects.count() == 2
    assert export_config()["service_levels"] == exported
    import_config({"service_levels": [{"number": "7"}]})  # missing keys take the defaults
    assert QueueSettings.objects.get(number="7").target_seconds == 20
    assert QueueSettings.objects.get(number="7").target_pct == 80
    with pytest.raises(ConfigError, match="unknown key"):
        import_config({"service_levels": [{"target": 5}]})
    with pytest.raises(ConfigError, match="formula"):
        import_config({"service_levels": [{"formula": "magic"}]})
    with pytest.raises(ConfigError, match="no source"):
        import_config({"service_levels": [{"source": "nowhere"}]})


@pytest.mark.django_db
def test_the_database_keeps_one_setting_per_queue_for_every_source_on_any_engine() -> None:
    """SQLite has no 'nulls not distinct': two partial constraints hold it there too."""
    from django.db import IntegrityError, transaction

    from wallboard.models import QueueSettings

    QueueSettings.objects.create(kind="skill", number="3", target_seconds=20)
    with pytest.raises(IntegrityError), transaction.atomic():
        QueueSettings.objects.create(kind="skill", number="3", target_seconds=30)
