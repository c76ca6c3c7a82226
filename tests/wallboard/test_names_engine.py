"""The names directory in the board engine: how a name resolves, and the names an agent grid
and a queue table show in their first value and in updates (a reason code's name included)."""

from __future__ import annotations

from typing import Any

from integrations.base import AgentRow, QueueRow
from wallboard.engine import AgentRouter, new_tile, tile_definition
from wallboard.engine.kinds import AGENT_GRID, QUEUE_TABLE, kind_of
from wallboard.engine.names import NameEntry, Names


def test_resolution_rules() -> None:
    names = Names(
        [
            NameEntry(None, "skill", "1", "Sales"),
            NameEntry(7, "skill", "1", "Sales North"),
            NameEntry(None, "skill", "2", "Billing", override=True),
            NameEntry(None, "agent", "5001", "Ann Lee"),
            NameEntry(None, "reason", "2", "Lunch"),
            NameEntry(7, "reason", "2", "Break"),
        ],
        {7: "PBX 1", 8: "CMS"},
    )
    assert names.queue(8, "skill", "1") == "Sales"  # every source's entry
    assert names.queue(7, "skill", "1") == "Sales North"  # the source's own wins
    assert names.queue(8, "skill", "1", "SALES Q") == "SALES Q"  # the feed's own name wins
    assert names.queue(8, "skill", "2", "BILL") == "Billing"  # unless the entry overrides
    assert names.queue(8, "vdn", "1", "") == ""  # another kind
    assert names.agent(8, "5001") == "Ann Lee"
    assert names.reason(8, "2") == "Lunch" and names.reason(7, "2") == "Break"
    assert names.reason(8, "3") == "" and names.reason(8, "") == ""
    rows = [(7, "skill", "1", "Sales"), (8, "skill", "1", "Sales"), (8, "vdn", "5", "Help")]
    assert names.told_apart(rows) == ["Sales (PBX 1)", "Sales (CMS)", "Help"]
    same_source = [(8, "skill", "1", "Sales"), (8, "vdn", "5", "Sales")]
    assert names.told_apart(same_source) == ["Sales (skill 1)", "Sales (vdn 5)"]
    assert Names().digest == "" and names.digest and not Names()


NAMES = Names(
    [
        NameEntry(None, "skill", "1", "Sales"),
        NameEntry(2, "skill", "1", "Sales"),
        NameEntry(None, "skill", "2", "Billing"),
        NameEntry(None, "agent", "5001", "Ann Lee"),
        NameEntry(None, "agent", "5002", "Bo Boss", override=True),
        NameEntry(None, "reason", "2", "Lunch"),
    ],
    {1: "CMS", 2: "PBX 1"},
)


class Batch:
    """A ChangeSet of agents only."""

    def __init__(self, agents: dict[str, AgentRow], since: float) -> None:
        self.queues: dict[Any, QueueRow] = {}
        self.today: dict[Any, Any] = {}
        self.agents = agents
        self.since = dict.fromkeys(agents, since)
        self.gone_queues: set[Any] = set()
        self.gone_agents: set[str] = set()
        self.agent_today: dict[str, Any] = {}
        self.calls: dict[str, Any] = {}


def test_the_engine_shows_directory_names_in_the_first_value_and_in_updates() -> None:
    grid = new_tile(tile_definition(kind_of(AGENT_GRID), tile_id=1))
    table = new_tile(tile_definition(kind_of(QUEUE_TABLE), tile_id=2, kpis=["calls_waiting"]))
    for tile in (grid, table):
        tile.names = NAMES
    agents = [
        (AgentRow("5001", "available", name=""), 0.0),
        (AgentRow("5002", "available", name="B. BOSS"), 0.0),
        (AgentRow("5003", "not_ready", name="Cy", reason_code="2"), 0.0),
    ]
    grid.load(1, [], agents)
    table.load(1, [(QueueRow("skill", "1"), {}), (QueueRow("skill", "2", name="BILL"), {})], [])
    table.load(2, [(QueueRow("skill", "1"), {})], [])
    grid.update(set())
    table.update(set())
    assert grid.value is not None and table.value is not None
    shown = {a["id"]: a for a in grid.value["agents"]}
    assert shown["5001"]["name"] == "Ann Lee"  # the feed sent none
    assert shown["5002"]["name"] == "Bo Boss"  # the entry overrides the feed's
    assert shown["5003"]["name"] == "Cy" and shown["5003"]["why"] == "Lunch"
    assert [a["name"] for a in grid.value["agents"]] == ["Ann Lee", "Bo Boss", "Cy"]
    # The feed's own name wins (no override); one name from two sources is told apart.
    assert [r["name"] for r in table.value["rows"]] == ["Sales (CMS)", "BILL", "Sales (PBX 1)"]

    router = AgentRouter([grid])
    changes = Batch({"5001": AgentRow("5001", "not_ready", reason_code="2")}, 5.0)
    router.apply(1, changes)
    update = grid.update(set())
    assert update is not None and update["delta"]
    assert update["upsert"] == [
        {"id": "5001", "src": 1, "name": "Ann Lee", "ext": "", "state": "not_ready", "vs": "",
         "reason": "2", "why": "Lunch", "since": 5000}
    ]  # fmt: skip
