"""A request whose hint to ingest was lost (or that came while ingest restarted) is still sent
by ingest's own sweep, exactly once however many sweeps and hints follow; a request older than
the expiry is never sent; a sent request nobody answers ends as failed, not pending forever."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.utils import timezone

from ingest import actions
from tests.conftest import wait_for
from tests.ingest.action_peer import ActionPeer, action_peer, example_vendor, live_example_source
from wallboard import messages
from wallboard.models import AgentAction, Source

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["action_peer", "example_vendor"]


def counting_sweeps(runner: Any) -> list[int]:
    """Count the runner's sweeps (the real method still runs)."""
    calls: list[int] = []
    sweep = runner.actions.sweep

    async def counted(ids: list[int] | None = None) -> None:
        await sweep(ids)
        calls.append(1)

    runner.actions.sweep = counted
    return calls


@sync_to_async
def unannounced(source: Source, agent_id: str, action: str, age: float = 0.0) -> AgentAction:
    """A request row as the web side makes it, but with no hint to ingest (the hint was lost)."""
    user = get_user_model().objects.create_user(f"u{AgentAction.objects.count()}")
    row = AgentAction.objects.create(
        user=user,
        username=user.username,
        source=source,
        source_name=source.name,
        agent_id=agent_id,
        action=action,
    )
    if age:
        AgentAction.objects.filter(pk=row.pk).update(
            created_at=timezone.now() - timedelta(seconds=age)
        )
    return row


async def test_a_request_whose_hint_was_lost_is_sent_once_by_the_sweep(
    example_vendor: None, action_peer: ActionPeer, make_source: Any, runner: Any
) -> None:
    source = await live_example_source(make_source, runner, action_peer)
    sweeps = counting_sweeps(runner)
    row = await unannounced(source, "1001", "ready")

    await wait_for(lambda: action_peer.sets(), what="the sweep to send the request")
    # A late hint and several more sweeps: still sent once.
    await runner.actions._hinted(messages.agent_action(row.pk))
    seen = len(sweeps)
    await wait_for(lambda: len(sweeps) >= seen + 3, what="three more sweeps")
    assert action_peer.sets() == [f"SET|{row.pk}|1001|ready|"]
    await wait_for(
        lambda: AgentAction.objects.filter(pk=row.pk, status="ok").aexists(),
        what="the answer in the audit row",
    )


async def test_an_expired_request_is_never_sent(
    example_vendor: None, action_peer: ActionPeer, make_source: Any, runner: Any
) -> None:
    source = await live_example_source(make_source, runner, action_peer)
    sweeps = counting_sweeps(runner)
    row = await unannounced(source, "1001", "log_out", age=actions.EXPIRE_SECONDS + 5)
    await runner.actions._hinted(messages.agent_action(row.pk))

    await wait_for(
        lambda: AgentAction.objects.filter(pk=row.pk, status="expired").aexists(),
        what="the request to expire",
    )
    seen = len(sweeps)
    await wait_for(lambda: len(sweeps) >= seen + 2, what="two more sweeps")
    assert action_peer.sets() == []
    expired = await AgentAction.objects.aget(pk=row.pk)
    assert expired.sent_at is None and expired.answered_at is not None
    assert "not sent within" in expired.detail


async def test_a_request_the_phone_system_never_answers_ends_as_failed(
    example_vendor: None,
    action_peer: ActionPeer,
    make_source: Any,
    runner: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(actions, "ANSWER_SECONDS", 0.5)
    source = await live_example_source(make_source, runner, action_peer)
    row = await unannounced(source, "1003", "log_out")  # the peer never answers for 1003

    await wait_for(lambda: action_peer.sets(), what="the request on the wire")
    await wait_for(
        lambda: AgentAction.objects.filter(pk=row.pk, status="failed").aexists(),
        what="the unanswered request to fail",
    )
    failed = await AgentAction.objects.aget(pk=row.pk)
    assert failed.detail == actions.NO_ANSWER
