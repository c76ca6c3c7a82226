"""Agents are matched to the recorder's users by the recorder's key (login, extension or
e-mail); the user list is read from the recorder over HTTP; agents matching no user are listed
for the admin."""

from __future__ import annotations

import pytest
from django.utils import timezone

from integrations.recorder_http.simulator import RecorderSimulator
from tests.ingest.recording_helpers import USERS, make_recorder, recorder_sim  # noqa: F401
from wallboard.models import Agent
from wallboard.models.recordings import match_user, unmatched_agents


@pytest.mark.parametrize(
    ("key", "agent", "user"),
    [
        ("login", ("a2", "", ""), "u2"),
        ("extension", ("zz", "201", ""), "u1"),
        ("email", ("zz", "", "BOB@example.org"), "u2"),
        ("login", ("a9", "201", "ann@example.org"), None),
        ("extension", ("a1", "", ""), None),  # no extension: no match by extension
        ("email", ("a1", "201", ""), None),
    ],
)
def test_an_agent_matches_the_user_with_the_same_key(
    key: str, agent: tuple[str, str, str], user: str | None
) -> None:
    found = match_user(USERS, key, *agent)
    assert (found["id"] if found else None) == user


@pytest.mark.django_db
def test_the_user_list_is_read_from_the_recorder_and_unmatched_agents_are_listed(
    make_source: object,
    recorder_sim: RecorderSimulator,  # noqa: F811
) -> None:
    source = make_source("pbx", vendor="avaya_cms")  # type: ignore[operator]
    recorder = make_recorder(source, recorder_sim, match_key="extension")
    now = timezone.now()
    for agent_id, ext in (("a1", "201"), ("a7", "207"), ("a8", "")):
        Agent.objects.create(
            source=source,
            agent_id=agent_id,
            name=f"Agent {agent_id}",
            extension=ext,
            state="available",
            updated_at=now,
        )
    assert unmatched_agents(recorder) == [
        ("pbx", "a1", "Agent a1"),
        ("pbx", "a7", "Agent a7"),
        ("pbx", "a8", "Agent a8"),
    ]  # no user list read yet
    assert recorder.refresh_users() == 2
    recorder.refresh_from_db()
    assert [u["id"] for u in recorder.users] == ["u1", "u2"]
    assert unmatched_agents(recorder) == [("pbx", "a7", "Agent a7"), ("pbx", "a8", "Agent a8")]
    recorder_sim.users.append({"id": "u7", "extension": "207"})
    recorder.refresh_users()
    assert unmatched_agents(recorder) == [("pbx", "a8", "Agent a8")]
