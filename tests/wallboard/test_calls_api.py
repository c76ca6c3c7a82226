"""/api/v1/calls/: the contract's shape, its figures, filters, paging, masking and cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from tests.callrows import T0, at, make_call
from wallboard.models import ApiToken, Name, Queue, Source

pytestmark = pytest.mark.django_db

URL = "/api/v1/calls/"
CALL_FIELDS = {
    "source", "call_id", "ucid", "direction", "vdn", "queue", "calling", "called", "agent_id",
    "extension", "state", "offered_at", "answered_at", "ended_at", "wait_seconds",
    "talk_seconds", "hold_seconds", "released_by", "outcome", "segments", "orphaned",
    "recording",
}  # fmt: skip
SEGMENT_FIELDS = {
    "seq", "agent_id", "extension", "queue", "started_at", "answered_at", "ended_at",
    "hold_seconds", "how_ended", "target",
}  # fmt: skip


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def source(make_source: Any) -> Source:
    return make_source("aes-1", vendor="optimus", layout="", connect="127.0.0.1:1")


def bearer(user: Any = None) -> dict[str, str]:
    token = ApiToken(name="call log", user=user)
    secret = token.issue()
    token.save()
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def numbers_permission() -> Permission:
    return Permission.objects.get(codename="view_caller_numbers")


def get(client: Any, query: str = "", **headers: Any) -> list[dict[str, Any]]:
    response = client.get(URL + query, **headers)
    assert response.status_code == 200, response.content
    rows: list[dict[str, Any]] = response.json()
    return rows


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["call_id"] for row in rows]


def transferred_call(source: Source) -> Any:
    """Offered at T0 to skill 7, answered by 5001 after 12 s, transferred to 5002 after 40 s
    more, held 15 s there, ended by the caller at +100 s."""
    return make_call(
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
        offered_at=T0,
        queued_at=at(1),
        answered_at=at(12),
        ended_at=at(100),
        hold_seconds=15.0,
        released_by="caller",
        outcome="transferred",
        segments=(
            {
                "agent_id": "5001",
                "extension": "4001",
                "queue_kind": "skill",
                "queue_number": "7",
                "started_at": at(5),
                "answered_at": at(12),
                "ended_at": at(52),
                "how_ended": "transferred",
                "target": "4002",
            },
            {
                "agent_id": "5002",
                "extension": "4002",
                "started_at": at(52),
                "answered_at": at(55),
                "ended_at": at(100),
                "hold_seconds": 15.0,
                "how_ended": "ended",
            },
        ),
    )


# -- access ---------------------------------------------------------------------------------------


def test_it_refuses_a_request_without_credentials(client: Any) -> None:
    assert client.get(URL).status_code == 401


def test_it_serves_a_token_and_a_staff_session(client: Any, staff_client: Any) -> None:
    assert client.get(URL, **bearer()).json() == []
    assert staff_client.get(URL).json() == []


# -- the shape ------------------------------------------------------------------------------------


def test_an_ended_transferred_call_has_every_field_of_the_contract(
    staff_client: Any, source: Source
) -> None:
    transferred_call(source)
    Queue.objects.create(
        source=source, kind="skill", number="7", name="Sales", updated_at=timezone.now()
    )
    [row] = get(staff_client)
    assert set(row) == CALL_FIELDS
    assert {k: row[k] for k in CALL_FIELDS - {"segments", "calling", "called"}} == {
        "source": "aes-1",
        "call_id": "c-1",
        "ucid": "00001000011700000001",
        "direction": "inbound",
        "vdn": "5000",
        "queue": {"kind": "skill", "number": "7", "name": "Sales"},
        "agent_id": "5002",
        "extension": "4002",
        "state": "ended",
        "offered_at": "2026-11-20T10:00:00+00:00",
        "answered_at": "2026-11-20T10:00:12+00:00",
        "ended_at": "2026-11-20T10:01:40+00:00",
        "wait_seconds": 12.0,
        "talk_seconds": 73.0,  # answered to ended (88 s) less 15 s on hold
        "hold_seconds": 15.0,
        "released_by": "caller",
        "outcome": "transferred",
        "orphaned": False,
        "recording": None,
    }
    first, second = row["segments"]
    assert set(first) == SEGMENT_FIELDS == set(second)
    assert first == {
        "seq": 1,
        "agent_id": "5001",
        "extension": "4001",
        "queue": {"kind": "skill", "number": "7", "name": "Sales"},
        "started_at": "2026-11-20T10:00:05+00:00",
        "answered_at": "2026-11-20T10:00:12+00:00",
        "ended_at": "2026-11-20T10:00:52+00:00",
        "hold_seconds": 0.0,
        "how_ended": "transferred",
        "target": "4002",
    }
    assert second["seq"] == 2 and second["queue"] is None and second["target"] is None
    assert second["hold_seconds"] == 15.0 and second["how_ended"] == "ended"


def test_what_a_feed_left_blank_is_null(staff_client: Any, source: Source) -> None:
    make_call(source, "bare", state="queued")
    [row] = get(staff_client)
    for key in ("ucid", "direction", "vdn", "queue", "calling", "called", "agent_id"):
        assert row[key] is None, key
    for key in ("extension", "answered_at", "ended_at", "talk_seconds", "released_by"):
        assert row[key] is None, key
    assert row["outcome"] is None and row["segments"] == []


def test_the_queue_name_comes_from_the_names_directory_when_the_feed_has_none(
    staff_client: Any, source: Source
) -> None:
    make_call(source, "c-1", queue_kind="queue", queue_number="12")
    make_call(source, "c-2", queue_kind="queue", queue_number="13")
    Name.objects.create(kind="queue", number="12", name="Billing")
    rows = {row["call_id"]: row for row in get(staff_client)}
    assert rows["c-1"]["queue"] == {"kind": "queue", "number": "12", "name": "Billing"}
    assert rows["c-2"]["queue"] == {"kind": "queue", "number": "13", "name": ""}


# -- the figures ----------------------------------------------------------------------------------


def test_an_unanswered_ended_call_waited_until_it_ended_and_never_talked(
    staff_client: Any, source: Source
) -> None:
    make_call(source, "gone", ended_at=at(47.5), outcome="abandoned", released_by="caller")
    [row] = get(staff_client)
    assert row["wait_seconds"] == 47.5
    assert row["talk_seconds"] is None and row["hold_seconds"] == 0.0


def test_a_waiting_call_has_waited_until_now(staff_client: Any, source: Source) -> None:
    offered = timezone.now() - timedelta(seconds=30)
    make_call(source, "waiting", state="queued", offered_at=offered)
    before = (timezone.now() - offered).total_seconds()
    [row] = get(staff_client)
    after = (timezone.now() - offered).total_seconds()
    assert before <= row["wait_seconds"] <= after + 0.001
    assert row["talk_seconds"] is None


def test_a_call_on_hold_counts_its_open_hold_and_stops_its_talk(
    staff_client: Any, source: Source
) -> None:
    now = timezone.now()
    make_call(
        source,
        "held",
        state="held",
        offered_at=now - timedelta(seconds=100),
        answered_at=now - timedelta(seconds=90),
        hold_seconds=20.0,
        held_since=now - timedelta(seconds=30),
    )
    [row] = get(staff_client)
    elapsed = (timezone.now() - now).total_seconds()
    assert row["wait_seconds"] == 10.0
    # 90 s since the answer: 20 s of earlier holds and 30 s (and counting) of this one
    assert 50.0 <= row["hold_seconds"] <= 50.0 + elapsed + 0.001
    assert row["talk_seconds"] == pytest.approx(40.0, abs=0.002)


# -- filters --------------------------------------------------------------------------------------


def test_state_filters_one_state_or_several(staff_client: Any, source: Source) -> None:
    for state in ("queued", "ringing", "active", "held", "ended"):
        make_call(source, state, state=state)
    assert ids(get(staff_client, "?state=active")) == ["active"]
    assert sorted(ids(get(staff_client, "?state=queued,held"))) == ["held", "queued"]


def test_from_and_to_take_dates_as_whole_reporting_days(
    staff_client: Any, source: Source, settings: Any
) -> None:
    settings.TIME_ZONE = "America/New_York"
    settings.DAY_START_HOUR = 6  # the day of 20 November: 11:00 UTC to 11:00 UTC the next day
    make_call(source, "early", offered_at=datetime(2026, 11, 20, 10, 59, tzinfo=UTC))
    make_call(source, "first", offered_at=datetime(2026, 11, 20, 11, 0, tzinfo=UTC))
    make_call(source, "last", offered_at=datetime(2026, 11, 21, 10, 59, tzinfo=UTC))
    make_call(source, "late", offered_at=datetime(2026, 11, 21, 11, 0, tzinfo=UTC))
    day = get(staff_client, "?from=2026-11-20&to=2026-11-20")
    assert ids(day) == ["last", "first"]


def test_from_and_to_take_datetimes_from_inclusive_to_exclusive(
    staff_client: Any, source: Source
) -> None:
    for minute in range(4):
        make_call(source, f"m{minute}", offered_at=at(60 * minute))
    query = "?from=2026-11-20T10:01:00%2B00:00&to=2026-11-20T10:03:00Z"
    assert ids(get(staff_client, query)) == ["m2", "m1"]
    # a "+" a script forgot to encode arrives as a space: still read as the offset
    assert ids(get(staff_client, "?from=2026-11-20T11:02:00+01:00")) == ["m3", "m2"]


def test_agent_id_finds_every_call_the_agent_had_a_part_in(
    staff_client: Any, source: Source
) -> None:
    transferred_call(source)  # 5001 first, then 5002
    make_call(source, "other", agent_id="5003", segments=({"agent_id": "5003", "started_at": T0},))
    assert ids(get(staff_client, "?agent_id=5001")) == ["c-1"]
    assert ids(get(staff_client, "?agent_id=5002")) == ["c-1"]
    assert ids(get(staff_client, "?agent_id=5003")) == ["other"]


def test_queue_takes_a_number_or_a_kind_and_number(staff_client: Any, source: Source) -> None:
    make_call(source, "skill-7", queue_kind="skill", queue_number="7")
    make_call(source, "vdn-7", queue_kind="vdn", queue_number="7")
    make_call(source, "skill-8", queue_kind="skill", queue_number="8")
    assert sorted(ids(get(staff_client, "?queue=7"))) == ["skill-7", "vdn-7"]
    assert ids(get(staff_client, "?queue=vdn:7")) == ["vdn-7"]


def test_source_picks_one_feed(staff_client: Any, source: Source, make_source: Any) -> None:
    other = make_source("aes-2", vendor="optimus", layout="", connect="127.0.0.1:2")
    make_call(source, "here")
    make_call(other, "there")
    assert ids(get(staff_client, "?source=aes-2")) == ["there"]
    assert get(staff_client, "?source=nowhere") == []


@pytest.mark.parametrize(
    "query",
    [
        "?state=talking",
        "?from=yesterday",
        "?to=2026-02-30",
        "?queue=split:7",
        "?limit=0",
        "?limit=5001",
        "?limit=ten",
        "?cursor=garbage",
        "?cursor=12@2026-13-01T00:00:00%2B00:00",
        "?cursor=12@2026-11-01T00:00:00",
        "?before=soon",
    ],
)
def test_a_parameter_it_cannot_read_is_a_400_saying_why(staff_client: Any, query: str) -> None:
    response = staff_client.get(URL + query)
    assert response.status_code == 400
    name = query[1:].split("=")[0]
    assert name in response.json()["error"]


# -- order and paging -----------------------------------------------------------------------------


def test_calls_come_newest_offered_first_and_a_page_holds_limit_calls(
    staff_client: Any, source: Source
) -> None:
    for n in range(5):
        make_call(source, f"c{n}", offered_at=at(n))
    response = staff_client.get(URL + "?limit=2")
    assert ids(response.json()) == ["c4", "c3"]
    assert 'rel="next"' in response["Link"]


def test_following_the_next_links_gives_every_call_once_even_when_offered_together(
    staff_client: Any, source: Source
) -> None:
    # Seven calls offered in the same second, among others: ties must not lose or repeat any.
    for n in range(12):
        make_call(source, f"c{n:02}", offered_at=at(n if n < 3 or n > 9 else 5))
    url: str | None = URL + "?limit=5&source=aes-1"
    seen: list[str] = []
    pages = 0
    while url:
        response = staff_client.get(url)
        assert response.status_code == 200
        seen += ids(response.json())
        pages += 1
        link = response.get("Link")
        url = link[1 : link.index(">")] if link else None
        if url:
            query = parse_qs(urlsplit(url).query)
            assert query["source"] == ["aes-1"] and query["limit"] == ["5"]
            assert response["X-Next-Cursor"] == query["cursor"][0]
    assert pages == 3
    assert sorted(seen) == sorted(f"c{n:02}" for n in range(12))
    assert len(seen) == len(set(seen))


def test_the_last_page_has_no_next_link(staff_client: Any, source: Source) -> None:
    make_call(source, "only")
    response = staff_client.get(URL + "?limit=1")
    assert "Link" not in response and "X-Next-Cursor" not in response


def test_before_gives_the_calls_offered_before_an_instant(
    staff_client: Any, source: Source
) -> None:
    for n in range(4):
        make_call(source, f"c{n}", offered_at=at(n))
    assert ids(get(staff_client, "?before=2026-11-20T10:00:02Z")) == ["c1", "c0"]


def test_a_new_call_does_not_shift_the_pages_already_begun(
    staff_client: Any, source: Source
) -> None:
    for n in range(4):
        make_call(source, f"c{n}", offered_at=at(n))
    first = staff_client.get(URL + "?limit=2")
    make_call(source, "newest", offered_at=at(60))
    link = first["Link"]
    second = staff_client.get(link[1 : link.index(">")])
    assert ids(second.json()) == ["c1", "c0"]


# -- caller numbers -------------------------------------------------------------------------------


def numbers(rows: list[dict[str, Any]]) -> tuple[str, str, str | None]:
    [row] = rows
    return row["calling"], row["called"], row["segments"][0]["target"]


@pytest.fixture
def call_with_numbers(source: Source) -> None:
    make_call(
        source,
        "c-1",
        calling="+44 1632 960123",
        called="08001234567",
        segments=({"started_at": T0, "how_ended": "transferred", "target": "07700900123"},),
    )


MASKED = ("+•• •••• ••0123", "•••••••4567", "•••••••0123")
WHOLE = ("+44 1632 960123", "08001234567", "07700900123")


@pytest.mark.usefixtures("call_with_numbers")
def test_a_token_made_for_nobody_gets_numbers_masked(client: Any) -> None:
    assert numbers(get(client, **bearer())) == MASKED


@pytest.mark.usefixtures("call_with_numbers")
def test_a_token_of_a_person_with_the_permission_gets_numbers_whole(
    client: Any, django_user_model: Any
) -> None:
    person = django_user_model.objects.create_user("wfm", is_staff=True)
    assert numbers(get(client, **bearer(person))) == MASKED
    person.user_permissions.add(numbers_permission())
    person = django_user_model.objects.get(pk=person.pk)  # a fresh permission cache
    assert numbers(get(client, **bearer(person))) == WHOLE


@pytest.mark.usefixtures("call_with_numbers")
def test_a_staff_session_gets_numbers_whole_only_with_the_permission(
    client: Any, django_user_model: Any
) -> None:
    supervisor = django_user_model.objects.create_user("sup", password="pw", is_staff=True)
    client.force_login(supervisor)
    assert numbers(get(client)) == MASKED
    supervisor.user_permissions.add(numbers_permission())
    assert numbers(get(client)) == WHOLE


@pytest.mark.usefixtures("call_with_numbers")
def test_a_token_without_the_permission_masks_even_beside_a_permitted_session(
    client: Any, django_user_model: Any
) -> None:
    admin = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(admin)
    assert numbers(get(client)) == WHOLE
    assert numbers(get(client, **bearer())) == MASKED


@pytest.mark.usefixtures("call_with_numbers")
def test_the_visible_digits_follow_the_setting(staff_client: Any, settings: Any) -> None:
    settings.CALLER_NUMBER_VISIBLE_DIGITS = 2
    assert numbers(get(staff_client))[1] == "•••••••••67"
    settings.CALLER_NUMBER_VISIBLE_DIGITS = -1
    assert numbers(get(staff_client)) == WHOLE


# -- cost -----------------------------------------------------------------------------------------


def add_calls(source: Source, count: int, start: int) -> None:
    for n in range(start, start + count):
        make_call(
            source,
            f"c{n}",
            queue_kind="skill",
            queue_number=str(n % 7),
            segments=(
                {"agent_id": "5001", "queue_kind": "skill", "queue_number": "9", "started_at": T0},
                {"agent_id": "5002", "started_at": T0},
            ),
        )


def test_the_number_of_queries_does_not_grow_with_the_calls(
    client: Any, source: Source, django_user_model: Any, django_assert_max_num_queries: Any
) -> None:
    Name.objects.create(kind="skill", number="3", name="Sales")
    supervisor = django_user_model.objects.create_user("sup", password="pw", is_staff=True)
    client.force_login(supervisor)
    add_calls(source, 3, 0)
    with django_assert_max_num_queries(12) as few:
        assert len(get(client)) == 3
    add_calls(source, 80, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = get(client)
    assert len(rows) == 83 and all(len(row["segments"]) == 2 for row in rows)
