"""Interval export: CSV (/export/...) and JSON (/api/v1/intervals/...) for BI tools, and the
interval admin."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db.models import Sum

from wallboard import export
from wallboard.models import AgentInterval, ApiToken, Board, QueueInterval

pytestmark = pytest.mark.django_db

QUEUE_CSV = "/export/queue-intervals.csv"
AGENT_CSV = "/export/agent-intervals.csv"
QUEUE_JSON = "/api/v1/intervals/queues/"
AGENT_JSON = "/api/v1/intervals/agents/"
ALL = (QUEUE_CSV, AGENT_CSV, QUEUE_JSON, AGENT_JSON)

QUEUE_HEADER = [
    "source", "kind", "number", "name", "interval_start", "offered", "answered", "abandoned",
    "answered_in_sl", "answer_wait_sum", "answer_wait_max", "talk_sum",
    # worked out, by the queue's service-level setting
    "service_level_pct", "asa_seconds", "abandon_pct",
]  # fmt: skip
AGENT_HEADER = [
    "source", "agent_id", "name", "interval_start", "logged_in_seconds", "available_seconds",
    "ringing_seconds", "on_call_seconds", "wrap_up_seconds", "not_ready_seconds",
    "other_seconds", "not_ready_by_reason", "answered",
]  # fmt: skip
QUEUE_SUMMED = ["offered", "answered", "abandoned", "answered_in_sl", "answer_wait_sum", "talk_sum"]
AGENT_SUMMED = [*AGENT_HEADER[4:11], "answered"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def new_york(settings: Any) -> None:
    """Reporting days of 06:00 to 06:00 New York time: in January 11:00 to 11:00 UTC."""
    settings.TIME_ZONE = "America/New_York"
    settings.DAY_START_HOUR = 6


@pytest.fixture
def token(db: Any) -> str:
    api_token = ApiToken(name="BI export")
    secret = api_token.issue()
    api_token.save()
    return secret


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def body(response: Any) -> str:
    assert response.streaming, "the export should be streamed"
    return b"".join(response.streaming_content).decode()


def rows_of(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(body(response))))


def test_the_queue_csv_has_the_promised_columns_and_values_with_nulls_empty(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    source = make_source()
    QueueInterval.objects.create(
        source=source,
        kind="skill",
        number="3",
        start=utc(2026, 1, 15, 14, 15),
        offered=7,
        answered=5,
        abandoned=None,
        answered_in_sl=4,
        answer_wait_sum=61,
        answer_wait_max=30,
        talk_sum=None,
    )
    response = staff_client.get(QUEUE_CSV, {"from": "2026-01-15", "to": "2026-01-15"})
    text = body(response)
    assert text.splitlines()[0].split(",") == QUEUE_HEADER
    assert list(csv.reader(io.StringIO(text)))[1] == [
        "cms-skills", "skill", "3", "", "2026-01-15T09:15:00-05:00",
        "7", "5", "", "4", "61", "30", "", "57.1", "12", "",
    ]  # fmt: skip
    assert "attachment" in response["Content-Disposition"]


def test_the_agent_csv_has_the_reasons_as_one_json_column(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    source = make_source()
    AgentInterval.objects.create(
        source=source,
        agent_id="5001",
        start=utc(2026, 1, 15, 12),
        logged_in_seconds=900,
        available_seconds=100,
        ringing_seconds=20,
        on_call_seconds=300,
        wrap_up_seconds=80,
        not_ready_seconds=350,
        other_seconds=50,
        not_ready_by_reason={"7": 300, "": 50},
        answered=None,
    )
    response = staff_client.get(AGENT_CSV, {"from": "2026-01-15", "to": "2026-01-15"})
    text = body(response)
    assert text.splitlines()[0].split(",") == AGENT_HEADER
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["interval_start"] == "2026-01-15T07:00:00-05:00"
    assert [row[c] for c in AGENT_HEADER[4:11]] == ["900", "100", "20", "300", "80", "350", "50"]
    assert json.loads(row["not_ready_by_reason"]) == {"7": 300, "": 50}
    assert row["answered"] == ""


def test_reporting_days_follow_day_start_hour_in_the_site_time_zone_and_to_is_inclusive(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    source = make_source()
    for start in (
        utc(2026, 1, 15, 10, 45),  # 05:45 local on the 15th: the 14th's reporting day
        utc(2026, 1, 15, 11, 0),  # 06:00 local: the first interval of the 15th
        utc(2026, 1, 16, 10, 45),  # 05:45 local on the 16th: still the 15th
        utc(2026, 1, 16, 11, 0),  # 06:00 local: the 16th
        utc(2026, 1, 17, 11, 0),  # the 17th
    ):
        QueueInterval.objects.create(source=source, kind="skill", number="3", start=start)
    one = rows_of(staff_client.get(QUEUE_CSV, {"from": "2026-01-15", "to": "2026-01-15"}))
    assert [r["interval_start"] for r in one] == [
        "2026-01-15T06:00:00-05:00",
        "2026-01-16T05:45:00-05:00",
    ]
    two = rows_of(staff_client.get(QUEUE_CSV, {"from": "2026-01-15", "to": "2026-01-16"}))
    assert [r["interval_start"] for r in two][-1] == "2026-01-16T06:00:00-05:00"
    assert len(two) == 3


def test_the_csv_sums_equal_the_database_sums_for_the_range(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    """Random rows over five days of two sources; the CSV of three middle days adds up to what
    the database holds between 11:00 UTC on the first and 11:00 UTC after the last (EST, 06:00)."""
    rng = random.Random(20260115)
    sources = [make_source(), make_source("cms-vdns")]
    queues, agents = [], []
    at = utc(2026, 1, 14, 0)
    while at < utc(2026, 1, 19, 0):
        for source in sources:
            for number in ("1", "2", "3"):
                if rng.random() < 0.6:
                    queues.append(
                        QueueInterval(
                            source=source,
                            kind="skill",
                            number=number,
                            start=at,
                            **{
                                f: rng.choice([None, rng.randint(0, 50)])
                                for f in [*QUEUE_SUMMED, "answer_wait_max"]
                            },
                        )
                    )
            for agent_id in ("5001", "5002"):
                if rng.random() < 0.5:
                    agents.append(
                        AgentInterval(
                            source=source,
                            agent_id=agent_id,
                            start=at,
                            answered=rng.choice([None, rng.randint(0, 9)]),
                            not_ready_by_reason={"1": rng.randint(0, 99)},
                            **{f: rng.randint(0, 900) for f in AGENT_SUMMED[:-1]},
                        )
                    )
        at += timedelta(minutes=15)
    QueueInterval.objects.bulk_create(queues)
    AgentInterval.objects.bulk_create(agents)
    window = {"start__gte": utc(2026, 1, 15, 11), "start__lt": utc(2026, 1, 18, 11)}
    params = {"from": "2026-01-15", "to": "2026-01-17"}

    for url, model, figures in (
        (QUEUE_CSV, QueueInterval, QUEUE_SUMMED),
        (AGENT_CSV, AgentInterval, AGENT_SUMMED),
    ):
        rows = rows_of(staff_client.get(url, params))
        in_db = model.objects.filter(**window)
        assert len(rows) == in_db.count() > 100
        expected = in_db.aggregate(**{f: Sum(f) for f in figures})
        for figure in figures:
            got = sum(int(r[figure]) for r in rows if r[figure] != "")
            assert got == expected[figure], (url, figure)
            nulls = sum(1 for r in rows if r[figure] == "")
            assert nulls == in_db.filter(**{f"{figure}__isnull": True}).count(), (url, figure)

    only = rows_of(staff_client.get(QUEUE_CSV, {**params, "source": "cms-vdns"}))
    assert {r["source"] for r in only} == {"cms-vdns"}
    assert len(only) == QueueInterval.objects.filter(**window, source=sources[1]).count()


def test_the_export_streams_in_pieces_without_losing_or_repeating_a_row(
    staff_client: Any, make_source: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(export, "ROWS_PER_WRITE", 3)
    monkeypatch.setattr(export, "CHUNK_ROWS", 2)
    source = make_source()
    for n in range(11):
        QueueInterval.objects.create(
            source=source,
            kind="skill",
            number="3",
            start=utc(2026, 2, 1, 1) + timedelta(minutes=15 * n),
            offered=n,
        )
    params = {"from": "2026-02-01", "to": "2026-02-01"}
    response = staff_client.get(QUEUE_CSV, params)
    pieces = list(response.streaming_content)
    assert len(pieces) > 3
    rows = list(csv.DictReader(io.StringIO(b"".join(pieces).decode())))
    assert [int(r["offered"]) for r in rows] == list(range(11))
    listed = json.loads(body(staff_client.get(QUEUE_JSON, params)))
    assert [r["offered"] for r in listed] == list(range(11))


def test_the_json_lists_objects_with_nulls_as_null(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    source = make_source()
    QueueInterval.objects.create(
        source=source,
        kind="vdn",
        number="7001",
        start=utc(2026, 1, 15, 14),
        offered=3,
        answered=None,
    )
    AgentInterval.objects.create(
        source=source,
        agent_id="5001",
        start=utc(2026, 1, 15, 14),
        on_call_seconds=600,
        not_ready_by_reason={"9": 60},
    )
    params = {"from": "2026-01-15", "to": "2026-01-15"}
    response = staff_client.get(QUEUE_JSON, params)
    assert response["Content-Type"] == "application/json"
    assert json.loads(body(response)) == [
        {"source": "cms-skills", "kind": "vdn", "number": "7001", "name": "",
         "interval_start": "2026-01-15T09:00:00-05:00", "offered": 3, "answered": None,
         "abandoned": None, "answered_in_sl": None, "answer_wait_sum": None,
         "answer_wait_max": None, "talk_sum": None, "service_level_pct": None,
         "asa_seconds": None, "abandon_pct": None}
    ]  # fmt: skip
    (agent,) = json.loads(body(staff_client.get(AGENT_JSON, params)))
    assert list(agent) == AGENT_HEADER
    assert agent["on_call_seconds"] == 600
    assert agent["not_ready_by_reason"] == {"9": 60}
    assert agent["answered"] is None
    empty = staff_client.get(AGENT_JSON, {"from": "2026-03-01", "to": "2026-03-01"})
    assert json.loads(body(empty)) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "missing from and to"),
        ({"from": "2026-01-01"}, "missing to"),
        ({"from": "2026-01-01", "to": "2026-1-2"}, "to must be a date as YYYY-MM-DD"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from is not a real date"),
        ({"from": "2026-01-05", "to": "2026-01-04"}, "is before from"),
        ({"from": "2026-01-01", "to": "2026-04-03"}, "93 days; at most 92"),
        ({"from": "2026-01-01", "to": "2026-01-01", "source": "nope"}, "no source named"),
    ],
)
def test_bad_ranges_are_refused_with_a_clear_message(
    staff_client: Any, make_source: Any, params: dict[str, str], message: str
) -> None:
    make_source()
    csv_response = staff_client.get(QUEUE_CSV, params)
    assert csv_response.status_code == 400
    assert message in csv_response.content.decode()
    json_response = staff_client.get(AGENT_JSON, params)
    assert json_response.status_code == 400
    assert message in json_response.json()["error"]


def test_a_range_of_92_days_is_allowed(staff_client: Any) -> None:
    response = staff_client.get(QUEUE_CSV, {"from": "2026-01-01", "to": "2026-04-02"})
    assert response.status_code == 200
    assert body(response).splitlines() == [",".join(QUEUE_HEADER)]


def test_anonymous_visitors_get_401(client: Any) -> None:
    for url in ALL:
        response = client.get(url, {"from": "2026-01-01", "to": "2026-01-01"})
        assert response.status_code == 401, url


def test_an_api_token_opens_the_export(client: Any, token: str) -> None:
    for url in ALL:
        response = client.get(
            url, {"from": "2026-01-01", "to": "2026-01-01"}, HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 200, url


def test_a_revoked_token_and_a_wrong_one_do_not(client: Any, token: str) -> None:
    ApiToken.objects.update(enabled=False)
    for secret in (token, "wb_not-a-token"):
        response = client.get(
            QUEUE_CSV,
            {"from": "2026-01-01", "to": "2026-01-01"},
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert response.status_code == 401


def test_a_board_display_key_does_not_open_the_export(client: Any) -> None:
    board = Board.objects.create(title="Desk", slug="desk")
    assert client.get(f"/boards/desk/?key={board.display_key}").status_code == 200
    for url in ALL:
        response = client.get(
            url, {"from": "2026-01-01", "to": "2026-01-01", "key": board.display_key}
        )
        assert response.status_code == 401, url


def test_a_logged_in_non_staff_user_gets_401(client: Any, django_user_model: Any) -> None:
    client.force_login(django_user_model.objects.create_user("agent", password="pw"))
    assert client.get(QUEUE_CSV, {"from": "2026-01-01", "to": "2026-01-01"}).status_code == 401


@pytest.mark.django_db(transaction=True)
async def test_under_asgi_the_export_streams_from_an_async_iterator(
    async_client: Any, make_source: Any, token: str, monkeypatch: Any
) -> None:
    """daphne serves through ASGI, where Django would read a sync iterator to the end first."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    try:
        monkeypatch.setattr(export, "ROWS_PER_WRITE", 2)
        monkeypatch.setattr(export, "CHUNK_ROWS", 2)  # several fetches, each a thread hop
        source = await sync_to_async(make_source)()
        await QueueInterval.objects.abulk_create(
            QueueInterval(
                source=source,
                kind="skill",
                number="3",
                offered=n,
                start=utc(2026, 2, 1, 9) + timedelta(minutes=15 * n),
            )
            for n in range(5)
        )
        response = await async_client.get(
            QUEUE_CSV,
            {"from": "2026-02-01", "to": "2026-02-01"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200
        assert response.is_async
        text = b"".join([piece async for piece in response.streaming_content]).decode()
        assert [r["offered"] for r in csv.DictReader(io.StringIO(text))] == list("01234")
    finally:
        await sync_to_async(connections.close_all)()  # the set-up's thread, before teardown


# ---- the interval admin -----------------------------------------------------------------------


@pytest.fixture
def admin_client_(client: Any, django_user_model: Any) -> Any:
    client.force_login(django_user_model.objects.create_superuser("boss", password="pw"))
    return client


def test_the_interval_admin_lists_rows_but_cannot_add_or_change_them(
    admin_client_: Any, make_source: Any
) -> None:
    source = make_source()
    make_source("cms-vdns")
    row = QueueInterval.objects.create(
        source=source, kind="skill", number="3", start=utc(2026, 2, 1, 9), offered=12
    )
    agent = AgentInterval.objects.create(source=source, agent_id="5001", start=utc(2026, 2, 1, 9))
    for name, obj in (("queueinterval", row), ("agentinterval", agent)):
        listing = admin_client_.get(f"/admin/wallboard/{name}/")
        assert listing.status_code == 200
        html = listing.content.decode()
        assert "Export selected as CSV" in html
        assert "By source" in html  # the list filter
        assert admin_client_.get(f"/admin/wallboard/{name}/add/").status_code == 403
        change = admin_client_.post(f"/admin/wallboard/{name}/{obj.pk}/change/", {})
        assert change.status_code == 403
    year = admin_client_.get("/admin/wallboard/queueinterval/?start__year=2026")
    assert year.status_code == 200 and "2026" in year.content.decode()


def test_the_admin_action_exports_the_selected_rows_as_csv(
    admin_client_: Any, make_source: Any
) -> None:
    source = make_source()
    rows = [
        QueueInterval.objects.create(
            source=source, kind="skill", number=str(n), start=utc(2026, 2, 1, 9), offered=n
        )
        for n in range(4)
    ]
    response = admin_client_.post(
        "/admin/wallboard/queueinterval/",
        {"action": "export_csv", "_selected_action": [rows[1].pk, rows[3].pk]},
    )
    exported = rows_of(response)
    assert [(r["number"], r["offered"]) for r in exported] == [("1", "1"), ("3", "3")]
    assert list(exported[0]) == QUEUE_HEADER

    agent = AgentInterval.objects.create(
        source=source, agent_id="5001", start=utc(2026, 2, 1, 9), not_ready_by_reason={"2": 30}
    )
    response = admin_client_.post(
        "/admin/wallboard/agentinterval/",
        {"action": "export_csv", "_selected_action": [agent.pk]},
    )
    (only,) = rows_of(response)
    assert list(only) == AGENT_HEADER
    assert only["agent_id"] == "5001" and only["not_ready_by_reason"] == '{"2":30}'


def test_the_queue_export_rolls_chosen_queues_up_per_interval(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    from tests.wallboard.test_history_pages import rollup_fixture

    rollup_fixture(make_source)
    params = {"from": "2026-01-15", "to": "2026-01-15", "source": "cms-skills"}
    chosen = {**params, "queues": "skill:1,skill:3", "rollup": "1"}
    rows = list(csv.reader(io.StringIO(body(staff_client.get(QUEUE_CSV, chosen)))))
    # Sums of skill 1 and skill 3 per interval; rates from the sums (33/40, 222/37, 3/40).
    assert rows[1:] == [
        ["cms-skills", "rollup", "skill:1,skill:3", "2 queues rolled up",
         "2026-01-15T07:00:00-05:00", "40", "37", "3", "33", "222", "30", "4000",
         "82.5", "6", "7.5"],
        ["cms-skills", "rollup", "skill:1,skill:3", "2 queues rolled up",
         "2026-01-15T07:15:00-05:00", "5", "4", "", "3", "40", "25", "500", "60.0", "10", ""],
    ]  # fmt: skip
    # Without rollup, queues= only picks the queues' own rows.
    plain = rows_of(staff_client.get(QUEUE_CSV, {**params, "queues": "skill:1,skill:3"}))
    assert [(r["number"], r["offered"]) for r in plain] == [("1", "10"), ("3", "30"), ("3", "5")]
    # Every queue of every source, as JSON: the Mitel group and path included.
    every = staff_client.get(
        "/api/v1/intervals/queues/", {"from": "2026-01-15", "to": "2026-01-15", "rollup": "1"}
    )
    first = json.loads(body(every))[0]
    assert (first["source"], first["number"], first["offered"], first["answered_in_sl"]) == (
        "all", "all", 150, 140,
    )  # fmt: skip
    assert first["service_level_pct"] == 93.3
    bad = staff_client.get(QUEUE_CSV, {**params, "queues": "sales"})
    assert bad.status_code == 400
