"""An event feed's agent rows are state changes (state_seconds=0): one that re-enters the
state the agent was in starts a new stint at once, with no tolerance window in which the
change goes unseen (a snapshot's time in state is compared with a few seconds' tolerance)."""

from __future__ import annotations

from ingest.live import LiveState
from integrations.base import AgentRow, Batch

T0 = 1_800_000_000.0


def event(state: str, seconds: int | None = 0) -> Batch:
    return Batch(agents=[AgentRow(agent_id="a1", state=state, state_seconds=seconds)])


def test_an_event_into_the_same_state_a_second_later_starts_a_new_stint() -> None:
    live = LiveState()
    live.apply(event("on_call"), T0)
    changes = live.apply(event("on_call"), T0 + 1)  # the next call, straight after
    assert changes.since == {"a1": T0 + 1} and live.since["a1"] == T0 + 1


def test_a_row_that_does_not_say_its_time_in_state_keeps_the_stint() -> None:
    live = LiveState()
    live.apply(event("on_call"), T0)
    live.apply(event("on_call", None), T0 + 1)
    assert live.since["a1"] == T0
