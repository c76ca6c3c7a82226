"""A flood of screen pops for one source is refused past the rate limit (and counted), so it
cannot fill the database; another source's pop-ups still get through."""

from __future__ import annotations

from typing import Any

import pytest

from tests.wallboard.screen_pops import pop_source, pop_url
from wallboard import screenpop
from wallboard.models import ScreenPop, ScreenPopReceiver

pytestmark = pytest.mark.django_db


def test_a_flood_is_refused_past_the_limit(client: Any, make_source: Any, monkeypatch: Any) -> None:
    # A slow refill, so the test does not race the clock: the burst is what gets through.
    monkeypatch.setattr(screenpop, "BUCKET", screenpop.Bucket(rate=0.001, burst=5))
    flooded, other = pop_source(make_source), pop_source(make_source, "optimus-2")
    for n in range(8):
        client.get(pop_url(flooded, CALLID=str(n)))
    client.get(pop_url(other))
    assert ScreenPop.objects.filter(source=flooded).count() == 5
    receiver = ScreenPopReceiver.objects.get(source=flooded)
    assert receiver.rejected == 3 and receiver.last_rejected.startswith("over the rate limit")
    assert ScreenPop.objects.filter(source=other).count() == 1
