"""A flood of screen pops for one source is refused past the rate limit (and counted), so it
cannot fill the database; another source's pop-ups still get through."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.wallboard.screen_pops import pop_source, pop_url
from wallboard import screenpop
from wallboard.models import ScreenPop, ScreenPopReceiver

pytestmark = pytest.mark.django_db


def test_a_flood_is_refused_past_the_limit(client: Any, make_source: Any, monkeypatch: Any) -> None:
    # A slow refill, so the test does not race the clock: the burst is what gets through.
    monkeypatch.setattr(screenpop, "BUCKET", screenpop.Bucket(rate=0.001, burst=5))
    monkeypatch.setattr(screenpop, "_OVER", {})
    flooded, other = pop_source(make_source), pop_source(make_source, "optimus-2")
    for n in range(8):
        client.get(pop_url(flooded, CALLID=str(n)))
    client.get(pop_url(other))
    assert ScreenPop.objects.filter(source=flooded).count() == 5
    receiver = ScreenPopReceiver.objects.get(source=flooded)
    # Refusals past the limit are counted a second at a time, not written one by one.
    assert receiver.rejected == 1 and receiver.last_rejected.startswith("over the rate limit")
    clock = [time.monotonic() + 1.5]
    monkeypatch.setattr(screenpop.time, "monotonic", lambda: clock[0])
    client.get(pop_url(flooded, CALLID="99"))
    receiver.refresh_from_db()
    assert receiver.rejected == 4  # every refusal: the two held back come with this one
    assert ScreenPop.objects.filter(source=other).count() == 1
