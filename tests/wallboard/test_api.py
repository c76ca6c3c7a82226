"""The read-only JSON API: who may read it, and the shape DESIGN.md promises scripts."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from ingest.live import Changes
from ingest.store import write_changes
from integrations.base import OVERFLOW, AgentRow, QueueRow
from wallboard.models import ApiToken, Board, Queue, Source, SourceHealth, Tile

pytestmark = pytest.mark.django_db


LISTS = ["/api/v1/queues/", "/api/v1/agents/", "/api/v1/sources/"]

QUEUE_FIELDS = {
    "source", "kind", "number", "name", "calls_waiting", "oldest_wait_seconds",
    "agents_staffed", "agents_available", "agents_ringing", "agents_on_call", "agents_wrap_up",
    "agents_not_ready", "agents_other", "offered", "answered", "abandoned", "asa_seconds",
    "service_level_pct", "today", "extra", "updated_at", "stale", "gone",
}  # fmt: skip
AGENT_FIELDS = {
    "source", "agent_id", "name", "extension", "state", "vendor_state", "reason_code",
    "state_since", "skills", "updated_at", "stale", "gone",
}  # fmt: skip
SOURCE_FIELDS = {
    "name", "vendor", "enabled", "connected", "peer", "last_data_at", "batches", "records",
    "parse_errors", "stale",
}  # fmt: skip
TARGET_FIELDS = {"connected", "bytes_sent", "bytes_dropped", "last_error"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token(db: Any) -> str:
    api_token = ApiToken(name="WFM export")
    secret = api_token.issue()
    api_token.save()
    return secret


@pytest.fixture
def feed(make_source: Any) -> dict[str, Source]:
    """Two sources with live rows written the way ingest writes them."""
    skills = make_source("cms-skills", queue_range="1-99")
    agents = make_source("cms-agents", layout="agent_tv")
    now = time.time()
    write_changes(
        skills.pk,
        Changes(
            at=now,
            queues={
                ("skill", "1"): QueueRow(
                    kind="skill",
                    number="1",
                    name="Sales",
                    calls_waiting=3,
                    oldest_wait_seconds=OVERFLOW,
                    agents_staffed=10,
                    agents_available=0,
                    offered=40,
                    answered=35,
                    abandoned=2,
                    asa_seconds=None,
                    service_level_pct=87.5,
                    counters="interval",
                    extra={"acw_time": 12, "dir": None},
                ),
                ("skill", "2"): QueueRow(kind="skill", number="2", name="Support", calls_waiting=0),
                ("skill", "3"): QueueRow(kind="skill", number="3", name="Old"),
            },
            today={("skill", "1"): {"offered": 140, "answered": 120, "abandoned": 9}},
        ),
        {},
    )
    write_changes(skills.pk, Changes(at=now + 3, gone_queues={("skill", "3")}), {})
    write_changes(
        agents.pk,
        Changes(
            at=now,
            agents={
                "5001": AgentRow(
                    agent_id="5001",
                    state="not_ready",
                    vendor_state="AUX",
                    name="Ann",
                    extension="4001",
                    reason_code="2",
                    skills=("1", "2"),
                ),
                "5002": AgentRow(agent_id="5002", state="available", vendor_state="AVAIL"),
            },
            since={"5001": now - 65, "5002": now - 5},
        ),
        {},
    )
    write_changes(
        agents.pk,
        Changes(
            at=now,
            agents={"5003": AgentRow(agent_id="5003", state="logged_out")},
            since={"5003": now},
        ),
        {},
    )
    write_changes(agents.pk, Changes(at=now + 3, gone_agents={"5003"}), {})
    SourceHealth.objects.create(source=skills, stale=False, connected=True)
    return {"skills": skills, "agents": agents}


def by_key(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows}


# -- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*LISTS, "/api/v1/boards/floor/"])
def test_it_refuses_a_request_without_credentials(client: Any, url: str) -> None:
    Board.objects.create(title="Floor", slug="floor")
    response = client.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "error" in response.json()


@pytest.mark.parametrize("url", LISTS)
def test_it_refuses_a_logged_in_user_who_is_not_staff(
    client: Any, django_user_model: Any, url: str
) -> None:
    user = django_user_model.objects.create_user("agent", password="pw", is_staff=False)
    client.force_login(user)
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("url", LISTS)
def test_it_serves_a_staff_session_a_json_list(staff_client: Any, url: str) -> None:
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == []


@pytest.mark.parametrize("url", LISTS)
def test_it_serves_a_request_with_a_bearer_token(client: Any, token: str, url: str) -> None:
    response = client.get(url, **bearer(token))
    assert response.status_code == 200
    assert isinstance(response.json(), list)


def test_a_used_token_records_when_it_was_last_used(client: Any, token: str) -> None:
    assert ApiToken.objects.get().last_used_at is None
    client.get("/api/v1/queues/", **bearer(token))
    assert ApiToken.objects.get().last_used_at is not None


def test_a_token_is_stored_only_as_its_hash(token: str) -> None:
    stored = ApiToken.objects.get()
    assert token.startswith("wb_")
    assert token not in (stored.key_hash, stored.prefix, stored.name)
    assert stored.prefix == token[3:9]
    assert ApiToken.lookup(token) == stored


@pytest.mark.parametrize("url", LISTS)
def test_it_refuses_a_disabled_token(client: Any, token: str, url: str) -> None:
    ApiToken.objects.update(enabled=False)
    response = client.get(url, **bearer(token))
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]


@pytest.mark.parametrize(
    "header", ["Bearer wb_not-a-real-token", "Bearer ", "Basic c3VwZXJ2aXNvcjpwdw=="]
)
def test_it_refuses_a_wrong_token_or_another_scheme(client: Any, token: str, header: str) -> None:
    assert client.get("/api/v1/queues/", HTTP_AUTHORIZATION=header).status_code == 401


@pytest.mark.parametrize("url", [*LISTS, "/api/v1/boards/floor/"])
def test_a_board_display_key_opens_no_api(client: Any, url: str) -> None:
    board = Board.objects.create(title="Floor", slug="floor")
    assert client.get(f"/boards/floor/?key={board.display_key}").status_code == 200
    assert client.get(f"{url}?key={board.display_key}").status_code == 401


def test_the_api_is_read_only(staff_client: Any) -> None:
    assert staff_client.post("/api/v1/queues/", {}).status_code == 405
    assert staff_client.delete("/api/v1/sources/").status_code == 405


# -- queues ------------------------------------------------------------------------------------


def test_a_queue_carries_every_field_design_names(staff_client: Any, feed: Any) -> None:
    rows = staff_client.get("/api/v1/queues/").json()
    assert rows
    for row in rows:
        assert set(row) >= QUEUE_FIELDS, QUEUE_FIELDS - set(row)


def test_a_queue_shows_its_figures_as_ingest_wrote_them(staff_client: Any, feed: Any) -> None:
    sales = by_key(staff_client.get("/api/v1/queues/").json(), "number")["1"]
    assert sales["source"] == "cms-skills"
    assert sales["kind"] == "skill"
    assert sales["name"] == "Sales"
    assert sales["calls_waiting"] == 3
    assert sales["agents_staffed"] == 10
    assert sales["offered"] == 40
    assert sales["service_level_pct"] == 87.5
    assert sales["today"] == {"offered": 140, "answered": 120, "abandoned": 9}
    assert sales["extra"] == {"acw_time": 12, "dir": None}
    assert sales["stale"] is False
    assert sales["gone"] is False
    assert datetime.fromisoformat(sales["updated_at"]) > timezone.now() - timedelta(hours=1)


def test_a_figure_the_feed_left_blank_is_null_and_a_zero_stays_zero(
    staff_client: Any, feed: Any
) -> None:
    queues = by_key(staff_client.get("/api/v1/queues/").json(), "number")
    assert queues["1"]["asa_seconds"] is None
    assert queues["1"]["agents_ringing"] is None
    assert queues["1"]["agents_available"] == 0
    assert queues["2"]["calls_waiting"] == 0
    assert queues["2"]["service_level_pct"] is None


def test_an_overflowed_figure_is_the_string_overflow(staff_client: Any, feed: Any) -> None:
    sales = by_key(staff_client.get("/api/v1/queues/").json(), "number")["1"]
    assert sales["oldest_wait_seconds"] == "overflow"
    assert Queue.objects.get(number="1").oldest_wait_seconds is None


def test_an_overflow_recorded_on_a_queue_row_directly_is_the_string_overflow(
    staff_client: Any, make_source: Any
) -> None:
    source = make_source("cms-cvdn", layout="cvdn")
    Queue.objects.create(
        source=source,
        kind="vdn",
        number="7001",
        overflow=["oldest_wait_seconds", "offered"],
        calls_waiting=1,
        updated_at=timezone.now(),
    )
    (row,) = staff_client.get("/api/v1/queues/").json()
    assert row["oldest_wait_seconds"] == "overflow"
    assert row["offered"] == "overflow"
    assert row["calls_waiting"] == 1


def test_gone_queues_are_hidden_unless_asked_for(staff_client: Any, feed: Any) -> None:
    shown = {r["number"] for r in staff_client.get("/api/v1/queues/").json()}
    assert shown == {"1", "2"}
    everything = staff_client.get("/api/v1/queues/?include_gone=1").json()
    assert {r["number"]: r["gone"] for r in everything} == {"1": False, "2": False, "3": True}


def test_queues_can_be_filtered_by_source_and_kind(staff_client: Any, feed: Any) -> None:
    assert len(staff_client.get("/api/v1/queues/?source=cms-skills").json()) == 2
    assert staff_client.get("/api/v1/queues/?source=cms-agents").json() == []
    assert staff_client.get("/api/v1/queues/?source=nope").json() == []
    assert len(staff_client.get("/api/v1/queues/?kind=skill").json()) == 2
    assert staff_client.get("/api/v1/queues/?kind=vdn").json() == []


# -- agents ------------------------------------------------------------------------------------


def test_an_agent_carries_every_field_design_names(staff_client: Any, feed: Any) -> None:
    rows = staff_client.get("/api/v1/agents/").json()
    assert rows
    for row in rows:
        assert set(row) >= AGENT_FIELDS, AGENT_FIELDS - set(row)


def test_an_agent_shows_its_neutral_and_vendor_state(staff_client: Any, feed: Any) -> None:
    ann = by_key(staff_client.get("/api/v1/agents/").json(), "agent_id")["5001"]
    assert ann["source"] == "cms-agents"
    assert ann["name"] == "Ann"
    assert ann["extension"] == "4001"
    assert ann["state"] == "not_ready"
    assert ann["vendor_state"] == "AUX"
    assert ann["reason_code"] == "2"
    assert ann["skills"] == ["1", "2"]
    since = datetime.fromisoformat(ann["state_since"])
    updated = datetime.fromisoformat(ann["updated_at"])
    assert 64 <= (updated - since).total_seconds() <= 66
    assert ann["stale"] is True  # cms-agents has no health report: not known to be live


def test_gone_agents_are_hidden_unless_asked_for(staff_client: Any, feed: Any) -> None:
    assert {r["agent_id"] for r in staff_client.get("/api/v1/agents/").json()} == {"5001", "5002"}
    rows = staff_client.get("/api/v1/agents/?include_gone=true").json()
    assert by_key(rows, "agent_id")["5003"]["gone"] is True


def test_agents_can_be_filtered_by_source_and_state(staff_client: Any, feed: Any) -> None:
    assert staff_client.get("/api/v1/agents/?source=cms-skills").json() == []
    assert len(staff_client.get("/api/v1/agents/?source=cms-agents").json()) == 2
    rows = staff_client.get("/api/v1/agents/?state=available").json()
    assert [r["agent_id"] for r in rows] == ["5002"]


# -- sources -----------------------------------------------------------------------------------


def test_a_source_carries_every_field_design_names(staff_client: Any, feed: Any) -> None:
    rows = staff_client.get("/api/v1/sources/").json()
    assert {r["name"] for r in rows} == {"cms-skills", "cms-agents"}
    for row in rows:
        assert set(row) >= SOURCE_FIELDS, SOURCE_FIELDS - set(row)


def test_a_source_shows_its_feed_health(staff_client: Any, make_source: Any) -> None:
    source = make_source("pbx-1", vendor="mitel", layout="rte", connect="10.0.0.7:15373")
    last = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)
    SourceHealth.objects.create(
        source=source,
        connected=True,
        peer="10.0.0.7:15373",
        last_data_at=last,
        batches=120,
        records=4800,
        parse_errors=3,
        stale=False,
    )
    (row,) = staff_client.get("/api/v1/sources/").json()
    assert row["vendor"] == "mitel"
    assert row["enabled"] is True
    assert row["connected"] is True
    assert row["peer"] == "10.0.0.7:15373"
    assert datetime.fromisoformat(row["last_data_at"]) == last
    assert (row["batches"], row["records"], row["parse_errors"]) == (120, 4800, 3)
    assert row["stale"] is False


def test_a_source_that_never_ran_is_not_connected_and_stale(
    staff_client: Any, make_source: Any
) -> None:
    make_source("cms-skills")
    (row,) = staff_client.get("/api/v1/sources/").json()
    assert row["connected"] is False
    assert row["stale"] is True
    assert row["last_data_at"] is None
    assert (row["batches"], row["records"], row["parse_errors"]) == (0, 0, 0)


def test_a_source_shows_each_pass_through_targets_status(
    staff_client: Any, make_source: Any
) -> None:
    source = make_source("cms-skills", targets=[("10.0.0.9", 7001), ("10.0.0.10", 7001)])
    live, down = source.targets.order_by("host")  # "10.0.0.10" sorts first
    SourceHealth.objects.create(
        source=source,
        targets={
            str(live.pk): {
                "connected": True,
                "bytes_sent": 123456,
                "bytes_dropped": 0,
                "last_error": "",
            },
            str(down.pk): {
                "connected": False,
                "bytes_sent": 10,
                "bytes_dropped": 2048,
                "last_error": "connection refused",
            },
        },
    )
    (row,) = staff_client.get("/api/v1/sources/").json()
    targets = {(t["host"], t["port"]): t for t in row["pass_through"]}
    assert set(targets) == {("10.0.0.9", 7001), ("10.0.0.10", 7001)}
    for target in targets.values():
        assert set(target) >= TARGET_FIELDS
    first = targets[(live.host, live.port)]
    assert (first["connected"], first["bytes_sent"], first["bytes_dropped"]) == (True, 123456, 0)
    second = targets[(down.host, down.port)]
    assert second["connected"] is False
    assert second["bytes_dropped"] == 2048
    assert second["last_error"] == "connection refused"


def test_a_target_without_a_status_report_is_shown_not_connected(
    staff_client: Any, make_source: Any
) -> None:
    make_source("cms-skills", targets=[("10.0.0.9", 7001)])
    (row,) = staff_client.get("/api/v1/sources/").json()
    (target,) = row["pass_through"]
    assert (target["connected"], target["bytes_sent"], target["bytes_dropped"]) == (False, 0, 0)
    assert target["last_error"] == ""


# -- board snapshots ---------------------------------------------------------------------------


@pytest.fixture
def board(feed: Any) -> Board:
    board = Board.objects.create(title="Sales floor", slug="sales-floor")
    Tile.objects.create(
        board=board,
        kind=Tile.QUEUE_KPI,
        title="Sales",
        source=feed["skills"],
        queue_range="1",
        kpis="calls_waiting, oldest_wait_seconds",
    )
    return board


def test_a_board_snapshot_is_served_to_staff(staff_client: Any, board: Board) -> None:
    response = staff_client.get(f"/api/v1/boards/{board.slug}/")
    assert response.status_code == 200
    snapshot = response.json()
    assert snapshot["type"] == "snapshot"
    assert isinstance(snapshot["seq"], int)
    assert snapshot["values"]
    assert "Sales" in str(snapshot["board"])


def test_a_board_snapshot_is_served_to_a_token(client: Any, token: str, board: Board) -> None:
    assert client.get(f"/api/v1/boards/{board.slug}/", **bearer(token)).status_code == 200


def test_a_board_snapshot_is_refused_to_an_anonymous_request(client: Any, board: Board) -> None:
    assert client.get(f"/api/v1/boards/{board.slug}/").status_code == 401


def test_an_unknown_board_is_not_found(staff_client: Any) -> None:
    assert staff_client.get("/api/v1/boards/nope/").status_code == 404


def test_a_board_snapshot_keeps_the_requests_database_connection(
    staff_client: Any, board: Board
) -> None:
    response = staff_client.get(f"/api/v1/boards/{board.slug}/")
    assert response.status_code == 200
    assert Board.objects.filter(slug=board.slug).exists()
