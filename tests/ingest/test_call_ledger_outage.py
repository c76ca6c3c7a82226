"""A database outage mid-call loses nothing: the calls and their figures queue in memory and
are written, once, when the database is back."""

from __future__ import annotations

import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import OperationalError

from ingest import store
from tests.conftest import wait_for
from tests.ingest.call_feed import (  # call_feed, example_vendor: fixtures
    CallFeed,
    call_feed,  # noqa: F401
    example_vendor,  # noqa: F401
    feed_source,
)
from tests.ingest.test_call_ledger_loopback import interval_sums
from wallboard.models import Call

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("example_vendor")
async def test_calls_written_while_the_database_is_away_land_once_when_it_is_back(
    call_feed: CallFeed,  # noqa: F811
    make_source: Any,
    runner: Any,
    monkeypatch: Any,
) -> None:
    real_write = store.write_calls
    failures = {"left": 2}

    def flaky_write(*args: Any) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        real_write(*args)

    monkeypatch.setattr(store, "write_calls", flaky_write)
    source = await sync_to_async(feed_source)(make_source, call_feed)
    await call_feed.connected()
    t = time.time() - 60
    await call_feed.send(f"C|k1|queued|q=5;at={t}", f"C|k2|queued|q=5;at={t + 1}")
    await wait_for(lambda: failures["left"] == 1, what="the first failed write")
    # The calls go on meanwhile.
    await call_feed.send(
        f"C|k1|answered|agent=a1;at={t + 3}",
        f"C|k2|ended|by=caller;at={t + 8}",
        f"C|k1|ended|at={t + 33}",
    )

    async def landed() -> bool:
        return await Call.objects.filter(source=source, ended_at__isnull=False).acount() == 2

    await wait_for(landed, timeout=30, what="the retried write")
    assert failures["left"] == 0
    assert await Call.objects.filter(source=source).acount() == 2
    sums = await sync_to_async(interval_sums)(source)
    assert sums == {
        "offered": 2,
        "answered": 1,
        "abandoned": 1,
        "in_sl": 1,
        "wait": 3,
        "talk": 30,
    }
