"""/api/v1/calls/ gives a tagged call's recording ({id, url_or_path, source}: the first leg's
that has one), null for a call without one, in one query for the whole page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.callrows import T0, make_call
from tests.wallboard.calllog_rows import a_recorder, tagged_transfer
from wallboard.models import RecordingTag, Source

pytestmark = pytest.mark.django_db


def test_a_tagged_call_has_its_recording_and_an_untagged_one_null(
    staff_client: Any, make_source: Any
) -> None:
    source: Source = make_source("pbx-1", vendor="optimus", layout="", connect="127.0.0.1:1")
    tagged_transfer(source, a_recorder(source))
    make_call(source, "c-9", ledger_key="c-9@1", offered_at=T0 + timedelta(minutes=5))
    rows = {r["call_id"]: r for r in staff_client.get("/api/v1/calls/").json()}
    assert rows["c-1"]["recording"] == {
        "id": "REC-c-1",
        "url_or_path": "https://recorder.example/play/REC-c-1",
        "source": "qms-1",
    }
    assert rows["c-9"]["recording"] is None


def test_the_recordings_of_a_page_cost_one_query(staff_client: Any, make_source: Any) -> None:
    source: Source = make_source("pbx-1", vendor="optimus", layout="", connect="127.0.0.1:1")
    recorder = a_recorder(source)
    tagged_transfer(source, recorder, "c-0")
    staff_client.get("/api/v1/calls/")  # (the session's own queries settle)
    with CaptureQueriesContext(connection) as one:
        staff_client.get("/api/v1/calls/")
    for n in range(1, 11):
        tagged_transfer(source, recorder, f"c-{n}", offered_at=T0 + timedelta(seconds=n))
    with CaptureQueriesContext(connection) as eleven:
        rows = staff_client.get("/api/v1/calls/").json()
    assert len(eleven.captured_queries) == len(one.captured_queries)
    assert sum(1 for r in rows if r["recording"]) == 11
    assert RecordingTag.objects.count() == 22
