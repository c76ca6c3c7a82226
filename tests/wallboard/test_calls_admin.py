"""The call ledger in the admin: read-only, filtered and searched, segments inline, caller
numbers masked unless the user may see them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission

from tests.callrows import T0, at, make_call
from wallboard.models import Call, CallSegment, Source

pytestmark = pytest.mark.django_db

LIST = "/admin/wallboard/call/"
NUMBERS = ("01632960123", "08001234567", "07700900999")
MASKED = ("•••••••0123", "•••••••4567", "•••••••0999")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def source(make_source: Any) -> Source:
    return make_source("aes-1", vendor="optimus", layout="", connect="127.0.0.1:1")


@pytest.fixture
def call(source: Source) -> Call:
    return make_call(
        source,
        "c-1",
        ucid="00001000011700000001",
        calling=NUMBERS[0],
        called=NUMBERS[1],
        agent_id="5002",
        answered_at=at(12),
        ended_at=at(100),
        outcome="transferred",
        transfer_target=NUMBERS[2],
        extra={"ani_note": "customer 01632960123"},
        segments=(
            {"agent_id": "5001", "started_at": at(5), "how_ended": "transferred",
             "target": NUMBERS[2]},
            {"agent_id": "5002", "started_at": at(52), "how_ended": "ended"},
        ),
    )  # fmt: skip


def log_in(client: Any, django_user_model: Any, *codenames: str) -> Any:
    """A staff user who may view calls, and whatever else `codenames` grant."""
    user = django_user_model.objects.create_user("sup", password="pw", is_staff=True)
    for codename in ("view_call", *codenames):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return client


def page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response
    return str(response.content.decode())


def test_a_supervisor_without_the_permission_sees_numbers_masked_everywhere(
    client: Any, django_user_model: Any, call: Call
) -> None:
    log_in(client, django_user_model)
    listed = page(client, LIST)
    detail = page(client, f"{LIST}{call.pk}/change/")
    for number, masked in zip(NUMBERS, MASKED, strict=True):
        for html in (listed, detail):
            assert number not in html
        assert masked in detail
    assert MASKED[0] in listed and MASKED[1] in listed
    assert "ani_note" not in detail  # the feed's own fields may carry numbers too


def test_a_user_with_the_permission_sees_numbers_whole(
    client: Any, django_user_model: Any, call: Call
) -> None:
    log_in(client, django_user_model, "view_caller_numbers")
    listed = page(client, LIST)
    detail = page(client, f"{LIST}{call.pk}/change/")
    assert NUMBERS[0] in listed and NUMBERS[1] in listed
    for number in NUMBERS:
        assert number in detail
    assert "ani_note" in detail


def test_the_detail_shows_the_segments_inline(
    client: Any, django_user_model: Any, call: Call
) -> None:
    log_in(client, django_user_model)
    detail = page(client, f"{LIST}{call.pk}/change/")
    assert "call segments" in detail.lower()
    assert "5001" in detail and "transferred" in detail and "ended" in detail


def test_nobody_adds_changes_or_deletes_a_call_here(admin_client: Any, call: Call) -> None:
    assert admin_client.get(f"{LIST}add/").status_code == 403
    assert admin_client.get(f"{LIST}{call.pk}/delete/").status_code == 403
    admin_client.post(f"{LIST}{call.pk}/change/", {"call_id": "changed", "state": "active"})
    admin_client.post(LIST, {"action": "delete_selected", "_selected_action": [call.pk]})
    call.refresh_from_db()
    assert (call.call_id, call.state) == ("c-1", "ended")
    assert CallSegment.objects.filter(call=call).count() == 2
    assert "delete_selected" not in page(admin_client, LIST)
    assert 'name="_save"' not in page(admin_client, f"{LIST}{call.pk}/change/")


def listed_ids(client: Any, query: str) -> set[str]:
    html = page(client, LIST + query)
    return {c for c in ("c-1", "c-2", "c-3") if f">{c}<" in html}


@pytest.fixture
def three_calls(call: Call, source: Source, make_source: Any) -> None:
    other = make_source("aes-2", vendor="optimus", layout="", connect="127.0.0.1:2")
    make_call(source, "c-2", state="queued", ucid="00001000011700000002",
              segments=({"agent_id": "5003", "started_at": T0},))  # fmt: skip
    make_call(other, "c-3", outcome="abandoned", offered_at=at(-86400 * 40))


@pytest.mark.usefixtures("three_calls")
@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"c-1", "c-2", "c-3"}),
        ("?state__exact=queued", {"c-2"}),
        ("?outcome__exact=abandoned", {"c-3"}),
        ("?source__id__exact={aes2}", {"c-3"}),
        (
            "?offered_at__gte=2026-11-01+00:00:00%2B00:00&offered_at__lt=2026-12-01+00:00:00%2B00:00",
            {"c-1", "c-2"},
        ),
        ("?q=c-2", {"c-2"}),
        ("?q=00001000011700000001", {"c-1"}),
        ("?q=5001", {"c-1"}),  # an agent of an earlier segment
        ("?q=5003", {"c-2"}),
        ("?q=01632960123", set()),  # numbers are not searchable
    ],
)
def test_filters_and_search_find_the_calls(
    admin_client: Any, query: str, expected: set[str]
) -> None:
    aes2 = Source.objects.get(name="aes-2").pk
    assert listed_ids(admin_client, query.format(aes2=aes2)) == expected


@pytest.mark.usefixtures("three_calls")  # two sources: a filter of one choice is not shown
def test_the_list_offers_the_source_state_outcome_and_date_filters(admin_client: Any) -> None:
    html = page(admin_client, LIST)
    for heading in ("By source", "By state", "By outcome", "By offered at"):
        assert heading in html
