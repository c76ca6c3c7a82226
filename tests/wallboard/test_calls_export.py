"""/export/calls.csv: ended calls of a range of reporting days, streamed, numbers masked unless
the reader may see them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from tests.callrows import T0, at, make_call
from wallboard import export
from wallboard.models import ApiToken, Name, Source

pytestmark = pytest.mark.django_db

URL = "/export/calls.csv"
HEADER = [
    "source", "call_id", "ucid", "direction", "media", "vdn", "queue_kind", "queue_number",
    "queue_name", "calling", "called", "agent_id", "extension", "offered_at", "queued_at",
    "answered_at", "ended_at", "wait_seconds", "talk_seconds", "hold_seconds", "released_by",
    "outcome", "transfer_target", "cause", "orphaned", "segments", "agents",
]  # fmt: skip
DAY = {"from": "2026-11-20", "to": "2026-11-20"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def source(make_source: Any) -> Source:
    return make_source("aes-1", vendor="optimus", layout="", connect="127.0.0.1:1")


@pytest.fixture
def new_york(settings: Any) -> None:
    """Reporting days of 06:00 to 06:00 New York time: in November 11:00 to 11:00 UTC."""
    settings.TIME_ZONE = "America/New_York"
    settings.DAY_START_HOUR = 6


def rows_of(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response
    assert response.streaming, "the export should be streamed"
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0].split(",") == HEADER
    return list(csv.DictReader(io.StringIO(text)))


def test_an_ended_call_is_one_row_of_the_documented_columns_in_site_time(
    staff_client: Any, source: Source, new_york: None
) -> None:
    make_call(
        source,
        "c-1",
        ucid="00001000011700000001",
        direction="inbound",
        vdn="5000",
        queue_kind="skill",
        queue_number="7",
        calling="01632960123",
        called="08001234567",
        agent_id="5002",
        extension="4002",
        offered_at=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
        answered_at=datetime(2026, 11, 20, 12, 0, 12, tzinfo=UTC),
        ended_at=datetime(2026, 11, 20, 12, 1, 40, tzinfo=UTC),
        hold_seconds=15.0,
        released_by="caller",
        outcome="transferred",
        transfer_target="4002",
        cause="16",
        segments=(
            {"agent_id": "5001", "started_at": at(5), "how_ended": "transferred"},
            {"agent_id": "5002", "started_at": at(52), "how_ended": "ended"},
        ),
    )
    Name.objects.create(kind="skill", number="7", name="Sales")
    response = staff_client.get(URL, DAY)
    assert (
        response["Content-Disposition"] == 'attachment; filename="calls-2026-11-20-2026-11-20.csv"'
    )
    [row] = rows_of(response)
    assert row == {
        "source": "aes-1",
        "call_id": "c-1",
        "ucid": "00001000011700000001",
        "direction": "inbound",
        "media": "voice",
        "vdn": "5000",
        "queue_kind": "skill",
        "queue_number": "7",
        "queue_name": "Sales",
        "calling": "•••••••0123",
        "called": "•••••••4567",
        "agent_id": "5002",
        "extension": "4002",
        "offered_at": "2026-11-20T07:00:00-05:00",
        "queued_at": "",
        "answered_at": "2026-11-20T07:00:12-05:00",
        "ended_at": "2026-11-20T07:01:40-05:00",
        "wait_seconds": "12.0",
        "talk_seconds": "73.0",
        "hold_seconds": "15.0",
        "released_by": "caller",
        "outcome": "transferred",
        "transfer_target": "4002",
        "cause": "16",
        "orphaned": "false",
        "segments": "2",
        "agents": "5001;5002",
    }


def test_it_holds_the_calls_that_ended_in_the_days_and_no_open_call(
    staff_client: Any, source: Source, new_york: None
) -> None:
    day_start = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
    make_call(source, "ended-before", offered_at=day_start - timedelta(hours=1),
              ended_at=day_start - timedelta(seconds=1))  # fmt: skip
    # offered the day before, ended in the day: it is this day's (each call in one file)
    make_call(source, "overnight", offered_at=day_start - timedelta(minutes=5),
              ended_at=day_start)  # fmt: skip
    make_call(source, "in-day", offered_at=day_start + timedelta(hours=3))
    make_call(source, "last", offered_at=day_start + timedelta(hours=23, minutes=58),
              ended_at=day_start + timedelta(hours=23, minutes=59, seconds=59))  # fmt: skip
    make_call(source, "ended-after", offered_at=day_start + timedelta(hours=23, minutes=59),
              ended_at=day_start + timedelta(days=1))  # fmt: skip
    make_call(source, "open", state="active", offered_at=day_start + timedelta(hours=1))
    rows = rows_of(staff_client.get(URL, DAY))
    assert [r["call_id"] for r in rows] == [
        "overnight",
        "in-day",
        "last",
    ]  # in the order they ended


def test_source_picks_one_feed_and_an_unknown_one_is_an_error(
    staff_client: Any, source: Source, make_source: Any
) -> None:
    other = make_source("aes-2", vendor="optimus", layout="", connect="127.0.0.1:2")
    make_call(source, "here")
    make_call(other, "there")
    assert [r["call_id"] for r in rows_of(staff_client.get(URL, {**DAY, "source": "aes-2"}))] == [
        "there"
    ]
    response = staff_client.get(URL, {**DAY, "source": "nowhere"})
    assert response.status_code == 400 and b"nowhere" in response.content


@pytest.mark.parametrize(
    "params",
    [{}, {"from": "2026-11-20"}, {"from": "2026-11-21", "to": "2026-11-20"},
     {"from": "2026-01-01", "to": "2026-12-31"}, {"from": "20/11/2026", "to": "2026-11-20"}],
)  # fmt: skip
def test_a_missing_or_bad_range_is_a_400_saying_why(
    staff_client: Any, params: dict[str, str]
) -> None:
    response = staff_client.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain") and response.content.strip()


def test_it_needs_a_staff_session_or_a_token(client: Any, source: Source) -> None:
    make_call(source, "c-1", calling="01632960123")
    assert client.get(URL, DAY).status_code == 401
    token = ApiToken(name="BI")
    secret = token.issue()
    token.save()
    [row] = rows_of(client.get(URL, DAY, HTTP_AUTHORIZATION=f"Bearer {secret}"))
    assert row["calling"] == "•••••••0123"  # a token made for nobody has no permission


def test_a_user_with_the_permission_gets_numbers_whole(
    client: Any, source: Source, django_user_model: Any
) -> None:
    make_call(source, "c-1", calling="01632960123", called="08001234567")
    supervisor = django_user_model.objects.create_user("sup", password="pw", is_staff=True)
    supervisor.user_permissions.add(Permission.objects.get(codename="view_caller_numbers"))
    client.force_login(supervisor)
    [row] = rows_of(client.get(URL, DAY))
    assert (row["calling"], row["called"]) == ("01632960123", "08001234567")


def test_the_export_streams_in_pieces_without_losing_or_repeating_a_call(
    staff_client: Any, source: Source, monkeypatch: Any, django_assert_max_num_queries: Any
) -> None:
    monkeypatch.setattr(export, "ROWS_PER_WRITE", 3)
    monkeypatch.setattr(export, "CHUNK_ROWS", 4)
    for n in range(13):
        make_call(source, f"c{n:02}", offered_at=at(n), ended_at=at(100 + n),
                  segments=({"agent_id": f"50{n:02}", "started_at": at(n)},))  # fmt: skip
    response = staff_client.get(URL, DAY)
    # 4 chunks of calls, each with one query for its segments, whatever the number of calls
    with django_assert_max_num_queries(4 * 2 + 6):
        pieces = list(response.streaming_content)
    assert len(pieces) > 3
    rows = list(csv.DictReader(io.StringIO(b"".join(pieces).decode())))
    assert [r["call_id"] for r in rows] == [f"c{n:02}" for n in range(13)]
    assert [r["agents"] for r in rows] == [f"50{n:02}" for n in range(13)]


def test_a_call_that_ended_unanswered_has_its_wait_and_no_talk(
    staff_client: Any, source: Source
) -> None:
    make_call(source, "gone", offered_at=T0, ended_at=at(33), outcome="abandoned", orphaned=True)
    [row] = rows_of(staff_client.get(URL, DAY))
    assert (row["wait_seconds"], row["talk_seconds"], row["hold_seconds"]) == ("33.0", "", "0.0")
    assert row["answered_at"] == "" and row["orphaned"] == "true" and row["agents"] == ""


@pytest.mark.django_db(transaction=True)
async def test_under_asgi_the_export_streams_from_an_async_iterator(
    async_client: Any, make_source: Any, monkeypatch: Any
) -> None:
    """daphne serves through ASGI, where Django would read a sync iterator to the end first."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    try:
        monkeypatch.setattr(export, "ROWS_PER_WRITE", 2)
        monkeypatch.setattr(export, "CHUNK_ROWS", 2)  # several fetches, each a thread hop
        source = await sync_to_async(make_source)(
            "aes-1", vendor="optimus", layout="", connect="127.0.0.1:1"
        )
        for n in range(5):
            await sync_to_async(make_call)(
                source, f"c{n}", offered_at=at(n), segments=({"started_at": at(n)},)
            )
        token = ApiToken(name="BI")
        secret = token.issue()
        await token.asave()
        response = await async_client.get(URL, DAY, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200
        assert response.is_async
        text = b"".join([piece async for piece in response.streaming_content]).decode()
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [(r["call_id"], r["segments"]) for r in rows] == [(f"c{n}", "1") for n in range(5)]
    finally:
        await sync_to_async(connections.close_all)()  # the set-up's thread, before teardown
