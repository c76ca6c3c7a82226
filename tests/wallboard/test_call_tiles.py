"""The call tiles (wallboard/engine/calls.py) and the agent grid's current call, computed from
the call ledger's changes as ingest's publisher hands them on."""

from __future__ import annotations

from typing import Any

from ingest.live import Changes
from integrations.base import AgentRow
from wallboard.engine import new_tile, tile_definition
from wallboard.engine.kinds import RECENT_ABANDONED, WAITING_CALLERS, kind_of
from wallboard.engine.members import Member, entry
from wallboard.engine.names import NameEntry, Names
from wallboard.engine.records import LiveCall
from wallboard.engine.tiles import TileRuntime
from wallboard.lib.ranges import IdRange

T0 = 1_800_000_000.0


def call(call_id: str, since: float, **fields: Any) -> LiveCall:
    values: dict[str, Any] = {
        "call_id": call_id,
        "state": "queued",
        "queue_kind": "queue",
        "queue_number": "5",
        "vdn": "",
        "calling": "01632960123",
        "agent_id": "",
        "offered_at": T0 + since,
        "waiting_since": T0 + since,
        "answered_at": None,
        "ended_at": None,
        "outcome": "",
        "waiting": True,
    }
    values.update(fields)
    return LiveCall(**values)


def tile(kind: str, height: int = 1, queue_range: str = "", digits: int = 4) -> TileRuntime:
    definition = tile_definition(kind_of(kind), tile_id=1, height=height, visible_digits=digits)
    runtime = new_tile(definition, source_id=7, queue_range=IdRange(queue_range))
    runtime.names = Names([NameEntry(None, "queue", "5", "Sales")])
    return runtime


def changed(*calls: LiveCall) -> Changes:
    return Changes(at=T0, calls={c.call_id: c for c in calls})


def test_waiting_callers_lists_each_waiting_call_longest_first_with_the_number_masked() -> None:
    t = tile(WAITING_CALLERS)
    assert t.apply(7, changed(call("b", 20), call("a", 5, state="ringing")))
    value = t.update(set())
    assert value is not None and value["total"] == 2
    assert [(r["id"], r["queue"], r["calling"], r["since"]) for r in value["rows"]] == [
        ("7:a", "Sales", "•••••••0123", int((T0 + 5) * 1000)),
        ("7:b", "Sales", "•••••••0123", int((T0 + 20) * 1000)),
    ]
    assert value["rows"][0]["state"] == "ringing"


def test_an_answered_or_ended_call_leaves_the_waiting_callers() -> None:
    t = tile(WAITING_CALLERS)
    t.apply(7, changed(call("a", 5), call("b", 9)))
    t.update(set())
    answered = call("a", 5, state="active", waiting=False, answered_at=T0 + 30)
    assert t.apply(7, changed(answered))
    value = t.update(set())
    assert value is not None and [r["id"] for r in value["rows"]] == ["7:b"]


def test_waiting_callers_sends_at_most_its_rows_and_the_total() -> None:
    t = tile(WAITING_CALLERS, height=1)
    t.apply(7, changed(*(call(f"c{i}", i) for i in range(10))))
    value = t.update(set())
    assert value is not None and value["total"] == 10 and len(value["rows"]) == 6


def test_waiting_callers_takes_only_its_source_and_queue_range() -> None:
    t = tile(WAITING_CALLERS, queue_range="1-4")
    assert not t.apply(8, changed(call("other-source", 1)))
    t.apply(7, changed(call("in", 1, queue_number="3"), call("out", 2)))
    value = t.update(set())
    assert value is not None and [r["id"] for r in value["rows"]] == ["7:in"]


def test_a_stale_source_marks_the_call_tiles_stale() -> None:
    t = tile(WAITING_CALLERS)
    t.apply(7, changed(call("a", 5)))
    value = t.update({7})
    assert value is not None and value["stale"] is True and value["sources"] == [7]


def test_the_number_shows_as_many_digits_as_the_setting_allows() -> None:
    t = tile(WAITING_CALLERS, digits=0)
    t.apply(7, changed(call("a", 5)))
    value = t.update(set())
    assert value is not None and value["rows"][0]["calling"] == "•••••••••••"


def test_recent_abandoned_lists_the_last_abandoned_calls_newest_first_with_their_waits() -> None:
    t = tile(RECENT_ABANDONED)
    first = call("a", 0, state="ended", waiting=False, ended_at=T0 + 40, outcome="abandoned")
    second = call("b", 10, state="ended", waiting=False, ended_at=T0 + 25, outcome="abandoned")
    answered = call("c", 10, state="ended", waiting=False, ended_at=T0 + 50, outcome="answered")
    t.apply(7, changed(first, second, answered))
    value = t.update(set())
    assert value is not None and value["window"] == 3600
    assert [(r["id"], r["waited"], r["at"]) for r in value["rows"]] == [
        ("7:a", 40, int((T0 + 40) * 1000)),
        ("7:b", 15, int((T0 + 25) * 1000)),
    ]


def test_the_agent_grid_entry_carries_the_agents_call_queue_and_hold() -> None:
    row = AgentRow(
        agent_id="a1",
        state="on_call",
        extra={"call": {"id": "k", "kind": "queue", "number": "5", "since": 123, "held": True}},
    )
    names = Names([NameEntry(None, "queue", "5", "Sales")])
    shown = entry(Member((7, "a1"), row, T0), names)
    assert shown["call"] == {"q": "Sales", "since": 123, "held": True}
    assert "call" not in entry(Member((7, "a2"), AgentRow(agent_id="a2", state="available"), T0))
