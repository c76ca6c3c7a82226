"""The staff call log (/calls/): calls with their segments, tags and recording links, numbers
masked unless the user may see them, filters, pages of a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from tests.callrows import T0, make_call
from tests.wallboard.calllog_rows import a_recorder, tagged_transfer
from wallboard import calllog
from wallboard.models import Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(make_source: Any) -> Source:
    return make_source("pbx-1", vendor="optimus", layout="", connect="127.0.0.1:1")


def test_it_is_for_staff_only(client: Any) -> None:
    response = client.get("/calls/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_call_shows_its_legs_tags_and_recording_link_with_the_number_masked(
    staff_client: Any, source: Source
) -> None:
    tagged_transfer(source, a_recorder(source))
    page = staff_client.get("/calls/").content.decode()
    assert 'href="https://recorder.example/play/REC-c-1"' in page
    assert "no recording found within 10 s of connect" in page
    assert "leg 1: 5001 at 4001 · transferred" in page
    assert "01632960123" not in page and "•••••••0123" in page
    assert 'name="caller"' not in page  # no searching by a number one may not see


def test_a_user_who_may_see_numbers_sees_them_and_can_search_by_one(
    staff_client: Any, source: Source, django_user_model: Any
) -> None:
    recorder = a_recorder(source)
    tagged_transfer(source, recorder, "c-1")
    tagged_transfer(source, recorder, "c-2", calling="0299998888")
    user = django_user_model.objects.get(username="supervisor")
    user.user_permissions.add(Permission.objects.get(codename="view_caller_numbers"))
    page = staff_client.get("/calls/?caller=9999").content.decode()
    assert "0299998888" in page and "REC-c-2" in page and "REC-c-1" not in page


def test_filters_by_outcome_agent_queue_and_date(staff_client: Any, source: Source) -> None:
    recorder = a_recorder(source)
    tagged_transfer(source, recorder, "c-1")
    make_call(
        source,
        "c-9",
        outcome="abandoned",
        queue_kind="skill",
        queue_number="8",
        offered_at=T0 + timedelta(days=2),
    )

    def shown(query: str) -> set[str]:
        page = staff_client.get("/calls/" + query).content.decode()
        return {c for c in ("c-1", "c-9") if f">{c}<" in page}

    assert shown("") == {"c-1", "c-9"}
    assert shown("?outcome=abandoned") == {"c-9"}
    assert shown("?agent=5001") == {"c-1"}  # a leg's agent, not only the last
    assert shown("?queue=skill:8") == {"c-9"}
    assert shown("?from=2026-11-22&to=2026-11-22") == {"c-9"}
    assert staff_client.get("/calls/?outcome=nonsense").status_code == 400


def test_a_page_costs_the_same_queries_however_many_calls_it_holds(
    staff_client: Any, source: Source, django_assert_max_num_queries: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(calllog, "PAGE_SIZE", 30)
    recorder = a_recorder(source)
    tagged_transfer(source, recorder, "c-0")
    with django_assert_max_num_queries(20) as few:
        staff_client.get("/calls/")
    for n in range(1, 31):
        tagged_transfer(source, recorder, f"c-{n}", offered_at=T0 + timedelta(seconds=n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = staff_client.get("/calls/").content.decode()
    assert page.count('class="recording"') == 30
    assert "page 1 of 2" in page
    assert "REC-c-0" in staff_client.get("/calls/?page=2").content.decode()
