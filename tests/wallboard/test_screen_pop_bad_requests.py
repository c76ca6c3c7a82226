"""A bad screen-pop request is refused, counted on the source's receiver with a short excerpt,
and stores nothing; the reply is the same harmless page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.wallboard.screen_pops import pop_source, pop_url
from wallboard.models import ScreenPop, ScreenPopReceiver, SourceHealth

pytestmark = pytest.mark.django_db

BAD = [
    ({"CALLID": ""}, "no CALLID"),
    ({"CALLID": "12a"}, "CALLID is not valid"),
    ({"CALLID": "1" * 21}, "CALLID is not valid"),
    ({"EXTENSION": ""}, "no EXTENSION"),
    ({"EXTENSION": "20<script>"}, "EXTENSION is not valid"),
    ({"CLID": "05'; drop"}, "CLID is not valid"),
    ({"QUEUE": "x" * 65}, "QUEUE is longer than 64"),
    ({"ATTACHDATA": "a\x00b"}, "ATTACHDATA holds control characters"),
    ({"ATTACHDATA": "a" * 501}, "ATTACHDATA is longer than 500"),
    ({"WAITING TIME": "-3"}, "waiting time is not a number of seconds"),
    ({"WAITING TIME": "999999"}, "waiting time is not a number of seconds"),
    ({"GREETING": "hello"}, "unknown parameter 'GREETING'"),
]


@pytest.mark.parametrize(("params", "why"), BAD)
def test_it_refuses_a_bad_parameter_and_counts_it(
    client: Any, make_source: Any, params: dict[str, str], why: str
) -> None:
    source = pop_source(make_source)
    response = client.get(pop_url(source, **params))
    assert response.status_code == 200 and "window.close()" in response.content.decode()
    assert not ScreenPop.objects.exists()
    receiver = ScreenPopReceiver.objects.get(source=source)
    assert (receiver.accepted, receiver.rejected) == (0, 1)
    assert receiver.last_rejected.startswith(why) and len(receiver.last_rejected) <= 200


def test_it_refuses_a_query_longer_than_the_limit(client: Any, make_source: Any) -> None:
    source = pop_source(make_source)
    client.get(pop_url(source, ATTACHDATA="%" * 800))  # 2400 bytes once escaped
    receiver = ScreenPopReceiver.objects.get(source=source)
    assert receiver.rejected == 1 and receiver.last_rejected.startswith("query longer than")
    assert not ScreenPop.objects.exists()


def test_a_repeated_parameter_is_refused(client: Any, make_source: Any) -> None:
    source = pop_source(make_source)
    client.get(pop_url(source) + "&CALLID=70002")
    assert ScreenPopReceiver.objects.get(source=source).rejected == 1
    assert not ScreenPop.objects.exists()


def test_the_counts_show_with_the_sources_health(
    client: Any, admin_client: Any, make_source: Any
) -> None:
    source = pop_source(make_source)
    client.get(pop_url(source))
    client.get(pop_url(source, CALLID="x"))
    (row,) = admin_client.get("/api/v1/sources/").json()
    assert row["screen_pops"]["accepted"] == 1 and row["screen_pops"]["rejected"] == 1
    assert row["screen_pops"]["last_rejected"].startswith("CALLID is not valid")
    SourceHealth.objects.create(source=source)  # (ingest has reported on the source)
    page = admin_client.get(f"/admin/wallboard/source/{source.pk}/change/").content.decode()
    assert "1 taken, 1 refused (last: CALLID is not valid" in page
