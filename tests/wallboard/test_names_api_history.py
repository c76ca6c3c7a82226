"""The names directory in the API, the history pages and the interval export: `name` is the
name displays show (the directory's, else the feed's own), a reason code reads "Lunch"."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.utils import timezone

from wallboard.models import Agent, AgentInterval, Name, Queue, QueueInterval

pytestmark = pytest.mark.django_db

DAY = {"from": "2026-01-15", "to": "2026-01-15"}
START = datetime(2026, 1, 15, 14, 15, tzinfo=UTC)


@pytest.fixture
def named(make_source: Any) -> Any:
    source = make_source("cms-skills")
    now = timezone.now()
    Queue.objects.create(source=source, kind="skill", number="3", name="", updated_at=now)
    Queue.objects.create(source=source, kind="skill", number="4", name="FEED 4", updated_at=now)
    Agent.objects.create(
        source=source,
        agent_id="5001",
        name="A. LEE",
        state="not_ready",
        reason_code="2",
        updated_at=now,
    )
    Name.objects.create(kind="skill", number="3", name="Sales")
    Name.objects.create(kind="skill", number="4", name="Billing")  # the feed's own name wins
    Name.objects.create(source=source, kind="agent", number="5001", name="Ann Lee", override=True)
    Name.objects.create(kind="reason", number="2", name="Lunch")
    return source


def test_the_api_names_queues_agents_and_reasons(staff_client: Any, named: Any) -> None:
    queues = {q["number"]: q for q in staff_client.get("/api/v1/queues/").json()}
    assert queues["3"]["name"] == "Sales" and queues["3"]["feed_name"] == ""
    assert queues["4"]["name"] == "FEED 4"
    (agent,) = staff_client.get("/api/v1/agents/").json()
    assert (agent["name"], agent["feed_name"]) == ("Ann Lee", "A. LEE")
    assert (agent["reason_code"], agent["reason"]) == ("2", "Lunch")


def test_the_history_pages_use_the_directory(staff_client: Any, named: Any) -> None:
    index = staff_client.get("/history/").content.decode()
    assert "skill 3 · Sales" in index and "5001 · Ann Lee" in index
    found = staff_client.get("/history/", {"find": "ann", "source": "cms-skills"})
    assert "5001 · Ann Lee" in found.content.decode()
    AgentInterval.objects.create(
        source=named, agent_id="5001", start=START, not_ready_by_reason={"2": 300, "9": 60}
    )
    page = staff_client.get("/history/agents/cms-skills/5001/", {"date": "2026-01-15"})
    text = page.content.decode()
    assert "Agent 5001 · Ann Lee" in text
    assert "Lunch (2) 300 · 9 60" in text
    queue = staff_client.get("/history/queues/cms-skills/skill/3/", {"date": "2026-01-15"})
    assert "skill 3 · Sales" in queue.content.decode()


def test_the_interval_export_has_the_names(staff_client: Any, named: Any) -> None:
    QueueInterval.objects.create(source=named, kind="skill", number="3", start=START, offered=1)
    QueueInterval.objects.create(source=named, kind="skill", number="4", start=START, offered=2)
    QueueInterval.objects.create(source=named, kind="skill", number="5", start=START, offered=3)
    AgentInterval.objects.create(source=named, agent_id="5001", start=START)
    response = staff_client.get("/export/queue-intervals.csv", DAY)
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["number"], r["name"]) for r in rows] == [
        ("3", "Sales"),
        ("4", "FEED 4"),
        ("5", ""),
    ]
    agents = staff_client.get("/export/agent-intervals.csv", DAY)
    (agent,) = csv.DictReader(io.StringIO(b"".join(agents.streaming_content).decode()))
    assert agent["name"] == "Ann Lee"
    listed = staff_client.get("/api/v1/intervals/queues/", DAY)
    assert json.loads(b"".join(listed.streaming_content))[0]["name"] == "Sales"
