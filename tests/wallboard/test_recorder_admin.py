"""A recorder in the admin: its token set and never shown back, its users read now by the
action (from the recorder simulator over HTTP), the agents matching no user listed."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from integrations.recorder_http.simulator import RecorderSimulator
from tests.ingest.recording_helpers import recorder_sim  # noqa: F401  (fixture)
from wallboard.models import Agent, Recorder

pytestmark = pytest.mark.django_db


def test_a_recorder_is_set_up_its_users_read_and_unmatched_agents_listed(
    admin_client: Any,
    make_source: Any,
    recorder_sim: RecorderSimulator,  # noqa: F811
) -> None:
    source = make_source("pbx", vendor="avaya_cms")
    Agent.objects.create(source=source, agent_id="a1", state="available", updated_at=timezone.now())
    Agent.objects.create(
        source=source, agent_id="a9", name="Nine", state="available", updated_at=timezone.now()
    )
    response = admin_client.post(
        "/admin/wallboard/recorder/add/",
        {
            "name": "qms-1",
            "kind": "http_json",
            "base_url": recorder_sim.url,
            "token": recorder_sim.token,
            "enabled": "on",
            "sources": [source.pk],
            "lookup_window_seconds": 10,
            "match_key": "login",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    recorder = Recorder.objects.get()
    assert recorder.token() == recorder_sim.token and recorder_sim.token not in recorder.secret
    response = admin_client.post(
        "/admin/wallboard/recorder/",
        {"action": "refresh_users", "_selected_action": [recorder.pk], "index": 0},
        follow=True,
    )
    assert "2 users read from qms-1" in response.content.decode()
    page = admin_client.get(f"/admin/wallboard/recorder/{recorder.pk}/change/").content.decode()
    assert recorder_sim.token not in page
    assert "<li>pbx · a9 (Nine)</li>" in page and "· a1" not in page
    recorder_sim.down()
    response = admin_client.post(
        "/admin/wallboard/recorder/",
        {"action": "refresh_users", "_selected_action": [recorder.pk], "index": 0},
        follow=True,
    )
    assert "recorder unreachable" in response.content.decode()
