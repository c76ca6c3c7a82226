"""The names directory on the displays: queue tables, queue KPI titles and agent grids show the
directory's names in the snapshot and in updates; a reason code reads "Lunch"; duplicates on
one tile are told apart; a name edited in the admin reaches open displays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import send_bytes
from tests.wallboard.test_tile_edits import port_of, socket, value_in
from wallboard.boards import board_snapshot, build_board
from wallboard.models import Agent, Board, Name, Queue, Tile

FIXTURES = Path(__file__).parents[1] / "fixtures" / "avaya_cms"
TVI1 = (FIXTURES / "tvi1_example.txt").read_bytes()  # skills 3, 12, 7
AGENT_TV = (FIXTURES / "agent_tv_example.txt").read_bytes()  # 10003 Chloe Costa in AUX 7


@pytest.mark.django_db
def test_snapshot_from_the_rows_carries_the_directory(make_source: Any) -> None:
    from django.utils import timezone

    cms = make_source("cms")
    pbx = make_source("pbx-1", display_name="PBX 1")
    now = timezone.now()
    Queue.objects.create(source=cms, kind="skill", number="1", name="", updated_at=now)
    Queue.objects.create(source=pbx, kind="skill", number="1", name="", updated_at=now)
    Agent.objects.create(
        source=cms, agent_id="5001", state="not_ready", reason_code="2", updated_at=now
    )
    Name.objects.create(kind="skill", number="1", name="Sales")
    Name.objects.create(kind="agent", number="5001", name="Ann Lee")
    Name.objects.create(kind="reason", number="2", name="Lunch")
    board = Board.objects.create(title="Floor", slug="floor")
    table = Tile.objects.create(board=board, kind=Tile.QUEUE_TABLE, kpis="calls_waiting")
    kpi = Tile.objects.create(board=board, kind=Tile.QUEUE_KPI, source=cms, queue_range="1")
    titled = Tile.objects.create(board=board, kind=Tile.QUEUE_KPI, title="Mine", source=cms)
    grid = Tile.objects.create(board=board, kind=Tile.AGENT_GRID)
    before = build_board(Board.objects.get(pk=board.pk)).fingerprint
    snapshot = board_snapshot(board)
    values = snapshot["values"]
    assert [r["name"] for r in values[str(table.pk)]["rows"]] == ["Sales (cms)", "Sales (PBX 1)"]
    assert values[str(kpi.pk)]["title"] == "Sales"  # a queue tile with no title of its own
    assert "title" not in values[str(titled.pk)]
    (agent,) = values[str(grid.pk)]["agents"]
    assert (agent["name"], agent["reason"], agent["why"]) == ("Ann Lee", "2", "Lunch")
    # A name edited in the admin changes the boards' identity: ingest rebuilds them.
    Name.objects.filter(kind="reason").update(name="Lunch break")
    from wallboard.boards import load_boards

    (runtime,) = load_boards()
    assert runtime.fingerprint != before
    (agent,) = board_snapshot(board)["values"][str(grid.pk)]["agents"]
    assert agent["why"] == "Lunch break"


@pytest.mark.django_db(transaction=True)
async def test_ingest_publishes_directory_names_and_a_renamed_reason(
    make_source: Any, runner: Any
) -> None:
    skills = await sync_to_async(make_source)("cms-skills", layout="tvi1", refresh_seconds=60)
    agents = await sync_to_async(make_source)("cms-agents", layout="agent_tv", refresh_seconds=60)
    await sync_to_async(Name.objects.create)(kind="skill", number="3", name="Sales")
    await sync_to_async(Name.objects.create)(kind="reason", number="7", name="Lunch")
    await sync_to_async(Name.objects.create)(
        kind="agent", number="10001", name="Ann (team lead)", override=True
    )
    board = await sync_to_async(Board.objects.create)(title="Floor", slug="floor")
    table = await sync_to_async(Tile.objects.create)(
        board=board, kind=Tile.QUEUE_TABLE, source=skills, kpis="calls_waiting"
    )
    grid = await sync_to_async(Tile.objects.create)(
        board=board, kind=Tile.AGENT_GRID, source=agents
    )
    from tests.conftest import wait_for

    await wait_for(lambda: board.pk in runner.publisher.boards, what="the publisher's board")
    display = socket(board)
    assert (await display.connect())[0]
    await send_bytes(port_of(skills), TVI1)
    await send_bytes(port_of(agents), AGENT_TV)
    rows = await value_in(display, table.pk, lambda v: len(v.get("rows", [])) == 3)
    assert [r["name"] for r in rows["rows"]] == ["Sales", "", ""]

    def by_id(value: Any) -> dict[str, Any]:
        return {a["id"]: a for a in value.get("agents", [])}

    shown = await value_in(display, grid.pk, lambda v: "10003" in by_id(v))
    assert by_id(shown)["10003"]["why"] == "Lunch"
    assert by_id(shown)["10001"]["name"] == "Ann (team lead)"
    assert by_id(shown)["10002"]["name"] == "Ben Brown"  # the feed's own, not in the directory

    await sync_to_async(Name.objects.filter(kind="reason").update)(name="Lunch break")
    await value_in(display, grid.pk, lambda v: by_id(v)["10003"].get("why") == "Lunch break")
    await display.disconnect()
