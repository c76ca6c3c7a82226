"""A queue's history page gives service level %, ASA and abandon % per interval and for the
day, by the queue's service-level setting, and says which service level it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.wallboard.test_history_pages import QUEUE_URL, queue_row, table_rows, totals_row
from wallboard.models import QueueSettings

pytestmark = pytest.mark.django_db


def test_rates_per_interval_and_for_the_day(
    staff_client: Any, make_source: Any, settings: Any
) -> None:
    settings.TIME_ZONE, settings.DAY_START_HOUR = "UTC", 0
    source = make_source("cms-skills")
    start = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    queue_row(source, start, offered=10, answered=8, abandoned=2, answered_in_sl=6,
              answer_wait_sum=80)  # fmt: skip
    queue_row(source, start + timedelta(minutes=15), offered=10, answered=10,
              abandoned=0, answered_in_sl=10, answer_wait_sum=20)  # fmt: skip
    day = "2026-01-15"
    html = staff_client.get(f"{QUEUE_URL}?date={day}").content.decode()
    assert "Service level %" in html and "ASA (s)" in html and "Abandon %" in html
    assert "≤ 20 s of offered" in html
    first, second = table_rows(html)
    assert first[-3:] == ["60.0", "10", "20.0"]
    assert second[-3:] == ["100.0", "2", "0.0"]
    assert totals_row(html)[-3:] == ["80.0", "6", "10.0"]

    QueueSettings.objects.create(source=source, kind="skill", number="3", formula="answered")
    html = staff_client.get(f"{QUEUE_URL}?date={day}").content.decode()
    assert totals_row(html)[-3:] == ["88.9", "6", "10.0"]
    assert "≤ 20 s of answered" in html
