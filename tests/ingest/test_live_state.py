"""LiveState and incomplete snapshots: a row that could not be read is no sign it left."""

from __future__ import annotations

from ingest.live import LiveState
from integrations.base import AgentRow, Batch, QueueRow


def skills(*numbers: str, unread: int = 0) -> Batch:
    queues = [QueueRow(kind="skill", number=n, calls_waiting=1) for n in numbers]
    return Batch(queues=queues, snapshot=True, records=len(queues), unread=unread)


def agent(agent_id: str, state: str = "available") -> AgentRow:
    return AgentRow(agent_id=agent_id, state=state)


def test_an_incomplete_snapshot_marks_no_queue_gone_and_a_complete_one_does() -> None:
    live = LiveState()
    live.apply(skills("1", "2", "3"), 100.0)
    changes = live.apply(skills("1", unread=2), 103.0)
    assert not changes.gone_queues and set(live.queues) == {("skill", n) for n in "123"}
    changes = live.apply(skills("1", "2"), 106.0)
    assert changes.gone_queues == {("skill", "3")}


def test_an_incomplete_snapshot_with_no_row_at_all_empties_nothing() -> None:
    live = LiveState()
    live.apply(skills("1", "2"), 100.0)
    live.apply(Batch(agents=[agent("7")], snapshot=True, records=1), 100.0)
    assert not live.apply(Batch(snapshot=True, unread=5), 103.0)
    assert len(live.queues) == 2 and set(live.agents) == {"7"}


def test_agents_an_incomplete_run_let_go_of_go_at_the_next_complete_run_unless_handed_on() -> None:
    """A decoder that hands on only changed agents: the incomplete run's departures are
    doubtful; the next complete run hands on every one of them it sees again."""
    live = LiveState()
    first = Batch(agents=[agent(a) for a in "ABCD"], snapshot=True, listed=frozenset("ABCD"))
    live.apply(first, 100.0)
    bad = Batch(agents=[], snapshot=True, records=2, departed={"B", "C"}, unread=2)
    assert not live.apply(bad, 103.0)
    assert set(live.agents) == set("ABCD")
    # B is read again (handed on, as a row the decoder had let go of); C is not there.
    clean = Batch(agents=[agent("B", "on_call")], snapshot=True, records=3, departed=set())
    changes = live.apply(clean, 106.0)
    assert changes.gone_agents == {"C"} and set(live.agents) == set("ABD")
    assert live.agents["B"].state == "on_call"
    assert not live.apply(Batch(snapshot=True, records=3, departed=set()), 109.0)


def test_agents_not_listed_by_an_incomplete_first_run_are_decided_by_the_next() -> None:
    live = LiveState()
    live.restore([], [(agent(a), 50.0) for a in "ABC"])  # from before a restart
    live.apply(Batch(agents=[agent("A")], snapshot=True, listed=frozenset("A"), unread=1), 100.0)
    assert set(live.agents) == set("ABC")
    changes = live.apply(Batch(agents=[agent("B")], snapshot=True, departed=set()), 103.0)
    assert changes.gone_agents == {"C"} and set(live.agents) == set("AB")


def test_a_full_snapshot_after_an_incomplete_one_decides_by_itself() -> None:
    live = LiveState()
    live.apply(Batch(agents=[agent(a) for a in "AB"], snapshot=True), 100.0)
    live.apply(Batch(agents=[agent("A")], snapshot=True, unread=1), 103.0)
    assert set(live.agents) == set("AB")
    changes = live.apply(Batch(agents=[agent("A"), agent("B")], snapshot=True), 106.0)
    assert not changes.gone_agents and live.doubtful == set()


def test_several_misses_before_gone_are_not_counted_by_incomplete_snapshots() -> None:
    live = LiveState(missing_before_gone=2)
    live.apply(skills("1", "2"), 100.0)
    live.apply(skills("1"), 103.0)  # one miss
    live.apply(skills("1", unread=1), 106.0)  # not a miss
    assert ("skill", "2") in live.queues
    assert live.apply(skills("1"), 109.0).gone_queues == {("skill", "2")}
