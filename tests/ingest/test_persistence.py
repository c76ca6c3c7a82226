"""ingest.store: changed rows written in bulk, and read back after a restart so nothing is
rewritten and today's totals go on."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from ingest import store
from ingest.live import Changes, LiveState
from integrations.base import OVERFLOW, AgentRow, Batch, QueueRow
from wallboard.models import Agent, Queue, Source

# store's functions close "old" connections (each runs on ingest's own DB thread), which
# would end the transaction a plain django_db test runs in.
pytestmark = pytest.mark.django_db(transaction=True)

T0 = 1_736_150_400.0  # 2025-01-06 08:00 UTC


@pytest.fixture
def source(make_source: Any) -> Source:
    return make_source("cms-skills")


def queue(number: str, **figures: Any) -> QueueRow:
    return QueueRow(kind="skill", number=number, name=f"Skill {number}", **figures)


def agent(agent_id: str, state: str = "available", **fields: Any) -> AgentRow:
    return AgentRow(agent_id=agent_id, state=state, **fields)


def changes_of(
    at: float,
    queues: Sequence[QueueRow] = (),
    agents: Sequence[tuple[AgentRow, float]] = (),
    **more: Any,
) -> Changes:
    return Changes(
        at=at,
        queues={(q.kind, q.number): q for q in queues},
        agents={a.agent_id: a for a, _ in agents},
        since={a.agent_id: since for a, since in agents},
        **more,
    )


def test_it_writes_new_rows_with_their_figures(source: Source) -> None:
    store.write_changes(
        source.pk,
        changes_of(
            T0,
            [queue("1", calls_waiting=3, oldest_wait_seconds=42, service_level_pct=91.5)],
            [(agent("5001", "on_call", vendor_state="ACD", skills=("1", "2")), T0 - 30)],
        ),
        {},
    )
    q = Queue.objects.get()
    assert (q.source_id, q.kind, q.number, q.name) == (source.pk, "skill", "1", "Skill 1")
    assert (q.calls_waiting, q.oldest_wait_seconds, q.service_level_pct) == (3, 42, 91.5)
    assert q.updated_at == datetime.fromtimestamp(T0, UTC)
    assert q.gone is False
    a = Agent.objects.get()
    assert (a.agent_id, a.state, a.vendor_state, a.skills) == ("5001", "on_call", "ACD", ["1", "2"])
    assert a.state_since == datetime.fromtimestamp(T0 - 30, UTC)


def test_a_blank_figure_is_stored_as_null_and_an_overflow_as_overflow(source: Source) -> None:
    store.write_changes(
        source.pk,
        changes_of(T0, [queue("1", calls_waiting=0, oldest_wait_seconds=OVERFLOW)]),
        {},
    )
    q = Queue.objects.get()
    assert q.calls_waiting == 0
    assert q.asa_seconds is None
    assert q.oldest_wait_seconds is None
    assert q.overflow == ["oldest_wait_seconds"]
    assert q.figure("oldest_wait_seconds") == OVERFLOW
    assert q.figure("asa_seconds") is None


def test_it_writes_many_rows_in_a_handful_of_queries(
    source: Source, django_assert_max_num_queries: Any
) -> None:
    changes = changes_of(
        T0,
        [queue(str(n), calls_waiting=n) for n in range(300)],
        [(agent(str(5000 + n)), T0) for n in range(300)],
    )
    # Bulk: a few statements for 600 rows (SQLite caps parameters per statement, so it needs
    # a dozen or so; PostgreSQL one per table), never one per row.
    with django_assert_max_num_queries(30):
        store.write_changes(source.pk, changes, {})
    assert Queue.objects.count() == 300
    assert Agent.objects.count() == 300


def test_writing_the_same_changes_twice_leaves_one_row_each(source: Source) -> None:
    changes = changes_of(T0, [queue("1", calls_waiting=1)], [(agent("5001"), T0)])
    store.write_changes(source.pk, changes, {})
    store.write_changes(source.pk, changes, {})
    assert Queue.objects.count() == 1
    assert Agent.objects.count() == 1


def test_a_changed_row_is_updated_in_place(source: Source) -> None:
    store.write_changes(source.pk, changes_of(T0, [queue("1", calls_waiting=1)]), {})
    pk = Queue.objects.get().pk
    store.write_changes(
        source.pk, changes_of(T0 + 3, [queue("1", calls_waiting=7, oldest_wait_seconds=9)]), {}
    )
    q = Queue.objects.get()
    assert (q.pk, q.calls_waiting, q.oldest_wait_seconds) == (pk, 7, 9)
    assert q.updated_at == datetime.fromtimestamp(T0 + 3, UTC)


def test_a_figure_that_stops_overflowing_is_a_number_again(source: Source) -> None:
    store.write_changes(source.pk, changes_of(T0, [queue("1", asa_seconds=OVERFLOW)]), {})
    store.write_changes(source.pk, changes_of(T0 + 3, [queue("1", asa_seconds=30)]), {})
    q = Queue.objects.get()
    assert (q.asa_seconds, q.overflow) == (30, [])


def test_rows_that_left_the_report_are_marked_gone_and_others_untouched(source: Source) -> None:
    store.write_changes(
        source.pk,
        changes_of(
            T0,
            [queue("1"), queue("2"), QueueRow(kind="vdn", number="2")],
            [(agent("5001"), T0), (agent("5002"), T0)],
        ),
        {},
    )
    store.write_changes(
        source.pk,
        changes_of(T0 + 3, gone_queues={("skill", "2")}, gone_agents={"5002"}),
        {},
    )
    gone = {(q.kind, q.number): q.gone for q in Queue.objects.all()}
    assert gone == {("skill", "1"): False, ("skill", "2"): True, ("vdn", "2"): False}
    assert {a.agent_id: a.gone for a in Agent.objects.all()} == {"5001": False, "5002": True}
    assert Queue.objects.get(kind="skill", number="2").updated_at == datetime.fromtimestamp(
        T0 + 3, UTC
    )


def test_a_row_that_returns_is_no_longer_gone(source: Source) -> None:
    store.write_changes(source.pk, changes_of(T0, [queue("1")], [(agent("5001"), T0)]), {})
    store.write_changes(
        source.pk, changes_of(T0 + 3, gone_queues={("skill", "1")}, gone_agents={"5001"}), {}
    )
    store.write_changes(source.pk, changes_of(T0 + 6, [queue("1")], [(agent("5001"), T0)]), {})
    assert Queue.objects.get().gone is False
    assert Agent.objects.get().gone is False


def test_gone_marks_stay_within_their_own_source(source: Source, make_source: Any) -> None:
    other = make_source("cms-other")
    for s in (source, other):
        store.write_changes(s.pk, changes_of(T0, [queue("1")], [(agent("5001"), T0)]), {})
    store.write_changes(
        source.pk, changes_of(T0 + 3, gone_queues={("skill", "1")}, gone_agents={"5001"}), {}
    )
    assert Queue.objects.get(source=other).gone is False
    assert Agent.objects.get(source=other).gone is False


def test_today_totals_are_written_even_when_only_they_moved(source: Source) -> None:
    store.write_changes(source.pk, changes_of(T0, [queue("1", offered=5)]), {})
    store.write_changes(
        source.pk,
        changes_of(T0 + 3, today={("skill", "1"): {"offered": 25, "answered": 20}}),
        {("skill", "1"): {"day": "2025-01-06", "base": [20, 0, 0]}},
    )
    q = Queue.objects.get()
    assert q.today == {"offered": 25, "answered": 20}
    assert q.counter_state == {"day": "2025-01-06", "base": [20, 0, 0]}
    assert q.offered == 5


def test_restore_returns_live_rows_as_livestate_takes_them(source: Source) -> None:
    store.write_changes(
        source.pk,
        changes_of(
            T0,
            [
                queue("1", calls_waiting=2, oldest_wait_seconds=OVERFLOW, counters="interval"),
                queue("2"),
            ],
            [
                (agent("5001", "not_ready", reason_code="7", skills=("1",)), T0 - 120),
                (agent("5002"), T0),
            ],
            today={("skill", "1"): {"offered": 30, "answered": 28, "abandoned": 1}},
        ),
        {("skill", "1"): {"day": "2025-01-06", "base": [10, 9, 0], "last": [20, 19, 1]}},
    )
    store.write_changes(
        source.pk, changes_of(T0 + 3, gone_queues={("skill", "2")}, gone_agents={"5002"}), {}
    )
    queues, agents = store.restore(source.pk)
    ((row, today, counter_state),) = queues
    assert row == queue("1", calls_waiting=2, oldest_wait_seconds=OVERFLOW, counters="interval")
    assert today == {"offered": 30, "answered": 28, "abandoned": 1}
    assert counter_state["base"] == [10, 9, 0]
    assert counter_state["counters"] == "interval"
    ((agent_row, since),) = agents
    assert agent_row == agent("5001", "not_ready", reason_code="7", skills=("1",))
    assert since == T0 - 120


def test_restore_reads_only_its_own_source(source: Source, make_source: Any) -> None:
    other = make_source("cms-other")
    store.write_changes(other.pk, changes_of(T0, [queue("1")], [(agent("5001"), T0)]), {})
    assert store.restore(source.pk) == ([], [])


def _batch(now: float) -> Batch:
    """The same report sent at `now`: agents' time in state grows with the clock."""
    return Batch(
        queues=[
            queue("1", calls_waiting=4, oldest_wait_seconds=OVERFLOW, offered=12, answered=10,
                  abandoned=1, service_level_pct=88.0, counters="interval", extra={"acw": 3}),
            queue("2", calls_waiting=0, offered=3, answered=3, abandoned=0, counters="interval"),
            QueueRow(kind="vdn", number="7001", calls_waiting=None),
        ],
        agents=[
            agent("5001", "not_ready", vendor_state="AUX", reason_code="2", skills=("1", "2"),
                  name="Ann", state_seconds=int(now - (T0 - 95))),
            agent("5002", "on_call", vendor_state="ACD", state_seconds=int(now - (T0 - 12)),
                  extra={"direction": "IN"}),
            agent("5003", "available", vendor_state="AVAIL"),
        ],
        snapshot=True,
    )  # fmt: skip


def _persist(source_id: int, live: LiveState, changes: Changes) -> None:
    counters = {
        key: live.counters[key].state()
        for key in (*changes.queues, *changes.today)
        if key in live.counters
    }
    store.write_changes(source_id, changes, counters)


def test_a_restart_restored_from_the_database_rewrites_nothing(source: Source) -> None:
    before = LiveState(day_of=store.day_of)
    first = before.apply(_batch(T0), T0)
    assert len(first.queues) == 3
    assert len(first.agents) == 3
    _persist(source.pk, before, first)

    after = LiveState(day_of=store.day_of)  # a new process
    after.restore(*store.restore(source.pk))
    again = after.apply(_batch(T0 + 3), T0 + 3)
    assert not again
    assert again.queues == {}
    assert again.agents == {}
    assert again.today == {}
    assert (again.gone_queues, again.gone_agents) == (set(), set())


def test_after_a_restart_todays_totals_go_on_from_where_they_were(source: Source) -> None:
    before = LiveState(day_of=store.day_of)
    _persist(source.pk, before, before.apply(_batch(T0), T0))
    later = _batch(T0 + 3)
    later.queues[0].offered = 15
    _persist(source.pk, before, before.apply(later, T0 + 3))
    expected = before.today[("skill", "1")]

    after = LiveState(day_of=store.day_of)
    after.restore(*store.restore(source.pk))
    assert after.today[("skill", "1")] == expected
    # The feed's interval ends: its counters restart, the day's totals keep what was banked.
    reset = _batch(T0 + 6)
    reset.queues[0].offered, reset.queues[0].answered, reset.queues[0].abandoned = 2, 1, 0
    changes = after.apply(reset, T0 + 6)
    assert changes.today[("skill", "1")] == {"offered": 17, "answered": 11, "abandoned": 1}


def test_after_a_restart_a_changed_row_and_a_departed_one_are_still_seen(source: Source) -> None:
    before = LiveState(day_of=store.day_of)
    _persist(source.pk, before, before.apply(_batch(T0), T0))
    after = LiveState(day_of=store.day_of)
    after.restore(*store.restore(source.pk))
    batch = _batch(T0 + 3)
    batch.queues[1].calls_waiting = 5
    del batch.agents[2]
    changes = after.apply(batch, T0 + 3)
    assert list(changes.queues) == [("skill", "2")]
    assert changes.agents == {}
    assert changes.gone_agents == {"5003"}


def test_today_totals_of_unchanged_rows_are_written_in_bulk(source: Source) -> None:
    """A new day moves every queue's totals, not its row: a statement per queue would be
    thousands at the largest site."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    store.write_changes(source.pk, changes_of(T0, [queue(str(n)) for n in range(1, 51)]), {})
    today = {("skill", str(n)): {"offered": n, "answered": 0} for n in range(1, 51)}
    today[("skill", "999")] = {"offered": 1}  # no row: left out
    counters = {("skill", "7"): {"day": "2025-01-07", "base": [0, 0, 0]}}
    with CaptureQueriesContext(connection) as queries:
        store.write_changes(source.pk, changes_of(T0 + 3, today=today), counters)
    assert sum("UPDATE" in q["sql"] and "wallboard_queue" in q["sql"] for q in queries) == 1
    stored = {q.number: q for q in Queue.objects.all()}
    assert set(stored) == {str(n) for n in range(1, 51)}
    assert all(q.today == {"offered": int(q.number), "answered": 0} for q in stored.values())
    assert stored["7"].counter_state == {"day": "2025-01-07", "base": [0, 0, 0]}
    assert stored["8"].counter_state == {}
    assert stored["8"].updated_at == datetime.fromtimestamp(T0, UTC)  # the row as it was


def test_a_batch_of_stored_and_new_rows_updates_the_one_and_inserts_the_other(
    source: Source,
) -> None:
    store.write_changes(
        source.pk,
        changes_of(T0, [queue("1"), queue("2")], [(agent(str(n)), T0) for n in range(5001, 5004)]),
        {},
    )
    ids = dict(Agent.objects.values_list("agent_id", "id"))
    store.write_changes(
        source.pk,
        changes_of(
            T0 + 3,
            [queue("2", offered=7), queue("3", offered=1)],
            [(agent("5002", "on_call"), T0 + 2), (agent("5009", "not_ready"), T0 + 1)],
        ),
        {},
    )
    agents = {a.agent_id: a for a in Agent.objects.all()}
    assert set(agents) == {"5001", "5002", "5003", "5009"}
    assert agents["5002"].id == ids["5002"] and agents["5002"].state == "on_call"
    assert agents["5002"].state_since == datetime.fromtimestamp(T0 + 2, UTC)
    assert agents["5009"].state == "not_ready" and agents["5001"].state == "available"
    assert agents["5001"].updated_at == datetime.fromtimestamp(T0, UTC)
    queues = {q.number: q for q in Queue.objects.all()}
    assert (queues["1"].offered, queues["2"].offered, queues["3"].offered) == (None, 7, 1)
    assert queues["2"].updated_at == datetime.fromtimestamp(T0 + 3, UTC)


def test_on_sqlite_the_bulk_written_rows_json_columns_are_checked_by_no_per_row_json_valid(
    source: Source,
) -> None:
    """The live and interval rows' JSON is always encoded by Python's json; SQLite's
    JSON_VALID check, run on each insert and twice on each upsert, cost 10-15 % of their
    write (wallboard.models.fields.RowJSONField)."""
    from django.db import connection

    from wallboard.models import AgentInterval, QueueInterval

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own check; PostgreSQL's jsonb is checked by its type")
    tables = [m._meta.db_table for m in (Agent, Queue, AgentInterval, QueueInterval)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN (%s, %s, %s, %s)",
            tables,
        )
        schemas = dict(cursor.fetchall())
    assert set(schemas) == set(tables)
    assert [t for t, sql in schemas.items() if "JSON_VALID" in sql.upper()] == []
    # (the other tables keep the check: a JSONField there is a plain one)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [Source._meta.db_table])
        (source_sql,) = cursor.fetchone()
    assert "JSON_VALID" in source_sql.upper()


def test_rows_given_as_an_iterator_longer_than_one_call_are_all_written_once(
    source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest import upsert

    monkeypatch.setattr(upsert, "SQLITE_ROWS_PER_CALL", 7)
    at = upsert.epoch_to_db()(T0)
    made: list[str] = []

    def rows(first: int, count: int) -> Iterator[tuple[Any, ...]]:
        for n in range(first, first + count):
            made.append(str(n))
            yield (source.pk, str(n), "", "", "available", "", "", at, "[]", "{}", at, False)

    upsert.bulk_upsert(Agent, store.AGENT_FIELDS, ["source", "agent_id"], rows(5000, 30))
    upsert.bulk_upsert(Agent, store.AGENT_FIELDS, ["source", "agent_id"], rows(5020, 20))
    upsert.bulk_upsert(Agent, store.AGENT_FIELDS, ["source", "agent_id"], iter(()))
    assert len(made) == 50
    stored = sorted(int(a) for a in Agent.objects.values_list("agent_id", flat=True))
    assert stored == list(range(5000, 5040))
