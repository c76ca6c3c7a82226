"""Tile kinds are one registry (wallboard.engine.kinds): a kind added there is stored, checked,
computed and sent to the displays with nothing else to edit on the server, and the displays
draw each registered kind with a module of its own.

`busiest_queue` below follows docs/architecture.md's "Adding a tile kind" once, as a test: a
runtime class, a registry entry, then a board with such a tile, its value in the snapshot.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ingest.live import Changes
from integrations.base import QueueRow
from wallboard.boards import board_snapshot
from wallboard.engine import TILE_KINDS, BoardRuntime, TileKind, TileRuntime, new_tile
from wallboard.engine.kinds import kind_of, tile_definition, tile_kind_choices
from wallboard.engine.kpis import KPIS, display_catalogue
from wallboard.engine.maths import level, number
from wallboard.engine.tiles import Value
from wallboard.lib.ranges import IdRange
from wallboard.models import Board, Queue, Threshold, Tile

ROOT = Path(__file__).resolve().parents[2]
DISPLAY = ROOT / "static" / "wallboard" / "board"


# ---- the example kind: the queue with the most calls waiting ------------------------------


@dataclass(slots=True, eq=False)
class BusiestQueueTile(TileRuntime):
    """Step 1: the runtime class. The base keeps the tile's queues up to date; the kind adds
    its figures to the value."""

    def figures(self, value: Value) -> None:
        waiting = [
            (n, q.name or q.number)
            for q in self.queues.values()
            if (n := number(q.calls_waiting)) is not None
        ]
        if not waiting:
            value["busiest"] = None
            return
        most, name = max(waiting)
        value["busiest"] = {
            "name": name,
            "waiting": most,
            "l": level(most, self.thresholds.get("calls_waiting")),
        }


# Step 2: the registry entry (a real kind is registered in wallboard/engine/kinds.py).
BUSIEST = TileKind(
    "busiest_queue",
    "Busiest queue",
    BusiestQueueTile,
    queues=True,
    kpis=("calls_waiting",),
)


@pytest.fixture
def busiest(monkeypatch: pytest.MonkeyPatch) -> TileKind:
    monkeypatch.setitem(TILE_KINDS, BUSIEST.key, BUSIEST)
    return BUSIEST


def test_a_registered_kind_runs_in_the_engine_and_follows_each_batch(busiest: TileKind) -> None:
    definition = tile_definition(busiest, tile_id=7, thresholds={})
    assert definition["title"] == "Busiest queue" and definition["kind"] == "busiest_queue"
    tile = new_tile(definition, source_id=1, queue_range=IdRange("1-9"))
    assert isinstance(tile, BusiestQueueTile) and tile.spec.uses_feed
    tile.load(
        1,
        [
            (QueueRow("skill", "1", name="Sales", calls_waiting=4), {}),
            (QueueRow("skill", "2", name="Support", calls_waiting=9), {}),
            (QueueRow("skill", "12", name="Elsewhere", calls_waiting=99), {}),  # out of range
        ],
        [],
    )
    board = BoardRuntime.build(1, {"tiles": [definition]}, [tile])
    board.recompute(set())
    assert board.values()["7"]["busiest"] == {"name": "Support", "waiting": 9, "l": None}
    changes = Changes(at=10.0)
    changes.queues[("skill", "1")] = QueueRow("skill", "1", name="Sales", calls_waiting=11)
    assert tile.apply(1, changes)
    update = board.recompute(set(), [tile])
    assert update["7"]["busiest"] == {"name": "Sales", "waiting": 11, "l": None}
    assert update["7"]["sources"] == [1] and update["7"]["stale"] is False


@pytest.mark.django_db
def test_a_registered_kind_is_a_choice_and_its_value_is_in_the_snapshot(
    busiest: TileKind, make_source: Any
) -> None:
    source = make_source()
    now = timezone.now()
    for queue, name, waiting in (("3", "Sales", 4), ("5", "Support", 12)):
        Queue.objects.create(
            source=source,
            kind="skill",
            number=queue,
            name=name,
            calls_waiting=waiting,
            updated_at=now,
        )
    board = Board.objects.create(title="Floor", slug="floor")
    tile = Tile(board=board, kind="busiest_queue", source=source)
    tile.full_clean()  # the admin's and importconfig's check: the registry's choices
    tile.save()
    Threshold.objects.create(tile=tile, kpi="calls_waiting", direction="above", warning=5, alarm=10)
    assert ("busiest_queue", "Busiest queue") in tile_kind_choices()
    assert tile.get_kind_display() == "Busiest queue"

    snapshot = board_snapshot(board)
    (layout,) = snapshot["board"]["tiles"]
    assert layout["kind"] == "busiest_queue" and layout["title"] == "Busiest queue"
    value = snapshot["values"][str(tile.pk)]
    assert value["busiest"] == {"name": "Support", "waiting": 12, "l": "alarm"}
    assert value["sources"] == [source.pk]
    assert snapshot["catalogue"] == display_catalogue()


@pytest.mark.django_db
def test_a_kind_nobody_registered_is_refused_and_an_unknown_stored_one_shows_nothing(
    make_source: Any,
) -> None:
    board = Board.objects.create(title="Floor", slug="floor")
    with pytest.raises(ValidationError) as refused:
        Tile(board=board, kind="busiest_queue").full_clean()
    assert "kind" in refused.value.message_dict
    # A row of a kind since removed: shown by its name, reading no feed, as before.
    tile = Tile.objects.create(board=board, kind="busiest_queue", source=make_source())
    snapshot = board_snapshot(board)
    assert snapshot["board"]["tiles"][0]["title"] == "busiest_queue"
    assert not kind_of("busiest_queue").uses_feed
    assert snapshot["values"][str(tile.pk)] == {"sources": [tile.source_id], "stale": True}


@pytest.mark.django_db
def test_a_big_number_takes_exactly_one_kpi_as_its_registry_entry_says() -> None:
    board = Board.objects.create(title="Floor", slug="floor")
    with pytest.raises(ValidationError, match="A big number shows exactly one KPI"):
        Tile(board=board, kind=Tile.BIG_NUMBER, kpis="calls_waiting, offered").full_clean()
    Tile(board=board, kind=Tile.BIG_NUMBER, kpis="calls_waiting").full_clean()


# ---- the registry is the only place that knows the kinds ----------------------------------


def test_the_model_choices_are_the_registry() -> None:
    assert Tile._meta.get_field("kind").choices == [(k.key, k.label) for k in TILE_KINDS.values()]


def test_only_feed_less_kinds_skip_the_rows_and_agents_go_to_the_kinds_that_take_them() -> None:
    """What the publisher and the snapshot ask (uses_feed), and the router (agents)."""
    assert {k for k, kind in TILE_KINDS.items() if not kind.uses_feed} == {"clock", "ticker"}
    assert {k for k, kind in TILE_KINDS.items() if kind.agents} == {
        "agent_grid",
        "queue_kpi",
        "big_number",
        "leaderboard",
        "leaderboard_low",
    }
    assert all(set(kind.kpis) <= set(KPIS) for kind in TILE_KINDS.values())


def test_every_registered_kind_has_a_display_module_in_the_display_registry() -> None:
    index = (DISPLAY / "kinds" / "index.js").read_text()
    for key in TILE_KINDS:
        assert (DISPLAY / "kinds" / f"{key}.js").is_file(), f"no display module for {key}"
        assert f"import {key} from './{key}.js';" in index, f"kinds/index.js does not map {key}"


def test_no_code_outside_the_registry_names_a_tile_kind() -> None:
    """Kinds by name only in the registry (and the demo's configuration, the migrations)."""
    found = []
    for package in ("wallboard", "ingest"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts or relative in (
                "wallboard/engine/kinds.py",
                "wallboard/demo.py",
                "ingest/management/commands/demo.py",
            ):
                continue
            for node in ast.walk(ast.parse(path.read_text(), relative)):
                if isinstance(node, ast.Constant) and node.value in TILE_KINDS:
                    found.append(f"{relative}:{node.lineno}: {node.value!r}")
    assert found == []


def test_the_display_copies_no_kpi_label_or_unit_it_gets_in_the_snapshot() -> None:
    code = "\n".join(p.read_text() for p in sorted(DISPLAY.rglob("*.js")))
    copied = [
        kpi.label
        for kpi in KPIS.values()
        if re.search(rf"""['"`]{re.escape(kpi.label)}['"`]""", code)
    ]
    assert copied == []
    assert "'Avail'" not in code and "'Wrap-up'" not in code  # nor the agent states' labels


# ---- the engine is Django-free -------------------------------------------------------------


def test_the_engine_imports_only_the_records_the_helpers_and_the_message_contract() -> None:
    allowed = ("integrations.base", "wallboard.lib", "wallboard.messages", "wallboard.engine")
    found = []
    for path in sorted((ROOT / "wallboard" / "engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "__future__":
                    continue
                if not any(name == a or name.startswith(f"{a}.") for a in allowed):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert found == []
