"""Optimus' web screen pop-up reaches our receiver: a pending row per call and extension, and
a reply that closes itself and says nothing of the call."""

from __future__ import annotations

from typing import Any

import pytest

from tests.wallboard.screen_pops import POP, pop_source, pop_url
from wallboard.models import ScreenPop, ScreenPopReceiver

pytestmark = pytest.mark.django_db


def test_a_pop_up_becomes_a_pending_row_and_the_reply_echoes_nothing(
    client: Any, make_source: Any
) -> None:
    source = pop_source(make_source)
    response = client.get(pop_url(source))
    assert response.status_code == 200
    page = response.content.decode()
    assert "window.close()" in page
    assert not any(value in page for value in POP.values())
    assert response["Referrer-Policy"] == "no-referrer"
    row = ScreenPop.objects.get(source=source)
    assert (row.call_id, row.extension, row.queue_code, row.queue) == (
        "70001",
        "2001",
        "SALES",
        "Sales line",
    )
    assert (row.clid, row.dnis, row.waiting_seconds, row.attach_data) == (
        "0501234567",
        "1700500500",
        12,
        "customer=4411",
    )
    assert row.status == "pending"
    assert ScreenPopReceiver.objects.get(source=source).accepted == 1


def test_a_replayed_pop_up_or_a_second_url_stores_one_row(client: Any, make_source: Any) -> None:
    source = pop_source(make_source)
    for _ in range(3):  # Optimus opens up to three URLs per call
        assert client.get(pop_url(source)).status_code == 200
    assert ScreenPop.objects.filter(source=source).count() == 1
    client.get(pop_url(source, EXTENSION="2002"))  # offered on to another agent
    assert ScreenPop.objects.filter(source=source).count() == 2


def test_parameter_names_are_taken_in_any_case_and_spelling(client: Any, make_source: Any) -> None:
    source = pop_source(make_source)
    url = pop_url(source).split("?")[0] + "?callid=9&extension=31&waiting_time=3&queue-code=Q1"
    assert client.get(url).status_code == 200
    row = ScreenPop.objects.get(source=source)
    assert (row.call_id, row.extension, row.waiting_seconds, row.queue_code) == ("9", "31", 3, "Q1")
