"""Call retention: ended calls past CALL_RETENTION_DAYS go, with their segments, in bounded
batches, by `manage.py purgecalls` and by runingest every hour; open and recent calls stay."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ingest import retention
from tests.callrows import make_call
from tests.conftest import running_ingest, wait_for
from wallboard.models import Call, CallSegment, Source


@pytest.fixture
def source(make_source: Any) -> Source:
    return make_source("aes-1", vendor="optimus", layout="", connect="127.0.0.1:1")


def ago(days: float) -> Any:
    return timezone.now() - timedelta(days=days)


def ledger(source: Source, old: int = 3) -> None:
    """`old` calls that ended 100 days ago (2 segments each), one that ended 89 days ago, one
    offered 200 days ago and still open, one open now."""
    for n in range(old):
        make_call(source, f"old-{n}", offered_at=ago(100.01), ended_at=ago(100),
                  segments=({"started_at": ago(100.01)}, {"started_at": ago(100.005)}))  # fmt: skip
    make_call(source, "recent", offered_at=ago(89.01), ended_at=ago(89),
              segments=({"started_at": ago(89.01)},))  # fmt: skip
    make_call(source, "stuck", state="active", offered_at=ago(200),
              segments=({"started_at": ago(200)},))  # fmt: skip
    make_call(source, "now", state="queued", offered_at=ago(0))


def left() -> list[str]:
    return sorted(Call.objects.values_list("call_id", flat=True))


KEPT = ["now", "recent", "stuck"]


@pytest.mark.django_db
def test_it_deletes_old_ended_calls_with_their_segments_and_keeps_open_and_recent_ones(
    source: Source, settings: Any
) -> None:
    settings.CALL_RETENTION_DAYS = 90
    ledger(source)
    purged = retention.purge_calls()
    assert (purged.calls, purged.segments) == (3, 6)
    assert left() == KEPT
    assert CallSegment.objects.count() == 2  # the recent call's and the open one's


@pytest.mark.django_db
def test_it_deletes_in_bounded_batches(source: Source) -> None:
    ledger(source, old=5)
    with CaptureQueriesContext(connection) as queries:
        purged = retention.purge_calls(days=90, size=2)
    assert purged.calls == 5 and left() == KEPT
    deletes = [q["sql"] for q in queries if q["sql"].startswith('DELETE FROM "wallboard_call"')]
    assert len(deletes) == 3  # 2 + 2 + 1, each statement naming its calls
    assert all(" IN (" in sql for sql in deletes)


@pytest.mark.django_db
def test_with_nothing_to_purge_it_costs_one_query(
    source: Source, django_assert_num_queries: Any
) -> None:
    make_call(source, "recent", ended_at=ago(1), offered_at=ago(1.1))
    with django_assert_num_queries(1):
        purged = retention.purge_calls(days=90)
    assert purged.calls == 0 and left() == ["recent"]


@pytest.mark.django_db(transaction=True)
def test_two_purges_at_once_delete_each_call_once(source: Source) -> None:
    ledger(source, old=40)
    results: list[retention.Purged] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def purge() -> None:
        from django.db import connections

        try:
            start.wait()
            results.append(retention.purge_calls(days=90, size=3))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=purge) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sum(r.calls for r in results) == 40 and sum(r.segments for r in results) == 80
    assert left() == KEPT


@pytest.mark.django_db
def test_the_command_purges_past_the_days_given_and_says_how_many(source: Source) -> None:
    ledger(source)
    out = StringIO()
    call_command("purgecalls", "--days", "95", stdout=out)
    assert out.getvalue().startswith("Purged 3 ended calls and 6 segments")
    assert left() == KEPT
    call_command("purgecalls", "--days", "30", stdout=out)
    assert left() == ["now", "stuck"]


@pytest.mark.django_db
def test_a_dry_run_counts_and_deletes_nothing(source: Source, settings: Any) -> None:
    settings.CALL_RETENTION_DAYS = 90
    ledger(source)
    out = StringIO()
    call_command("purgecalls", "--dry-run", stdout=out)
    assert out.getvalue().startswith("Would purge 3 ended calls and 6 segments")
    assert len(left()) == 6


@pytest.mark.django_db
def test_the_command_refuses_fewer_than_one_day(source: Source) -> None:
    ledger(source)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purgecalls", "--days", "0")
    assert len(left()) == 6


@pytest.mark.django_db(transaction=True)
async def test_runingest_purges_at_start_and_logs_how_many(
    source: Source, settings: Any, caplog: Any
) -> None:
    settings.CALL_RETENTION_DAYS = 90
    await sync_to_async(ledger)(source)
    caplog.set_level(logging.INFO, logger="ingest.retention")
    async with running_ingest() as ingest:

        async def purged() -> bool:
            return await sync_to_async(left)() == KEPT

        await wait_for(purged, what="the purge at start")
        await wait_for(
            lambda: "purged 3 ended calls and 6 segments" in caplog.text, what="its log line"
        )
        assert ingest.started.is_set()
    assert await CallSegment.objects.acount() == 2


@pytest.mark.django_db(transaction=True)
async def test_runingest_purges_again_an_interval_later(
    source: Source, settings: Any, monkeypatch: Any, caplog: Any
) -> None:
    settings.CALL_RETENTION_DAYS = 90
    monkeypatch.setattr(retention, "PURGE_EVERY_SECONDS", 0.2)  # an hour, made short
    caplog.set_level(logging.DEBUG, logger="ingest.retention")
    async with running_ingest():
        await wait_for(lambda: "purged 0 ended calls" in caplog.text, what="the first purge")
        await sync_to_async(ledger)(source)

        async def purged() -> bool:
            return await sync_to_async(left)() == KEPT

        await wait_for(purged, what="the next purge")
        # (its report is logged just after its last delete: waited for, not raced)
        await wait_for(
            lambda: "purged 3 ended calls and 6 segments" in caplog.text, what="its report"
        )
