"""A query that runs longer than the source's query timeout is cut off (the guide forbids
heavy queries on the live system): the health page says so, and polling goes on once the
database answers quickly again."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from sqlalchemy import text

from tests.conftest import running_ingest, wait_for
from tests.ingest.optimus_db_helpers import ago, make_poll_source, optimus_db, stored_calls

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["optimus_db"]

# Stat.CallsStat made a view that takes far longer than the 1 s timeout to read.
SLOW_VIEWS = {
    "sqlite": (
        'ALTER TABLE "CallsStat" RENAME TO "CallsStatQuick"',
        'CREATE VIEW "CallsStat" AS SELECT * FROM "CallsStatQuick" WHERE (WITH RECURSIVE'
        " n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 500000000)"
        " SELECT count(*) FROM n) > 0",
    ),
    "postgresql": (
        'ALTER TABLE "Stat"."CallsStat" RENAME TO "CallsStatQuick"',
        'CREATE VIEW "Stat"."CallsStat" AS SELECT * FROM "Stat"."CallsStatQuick"'
        " WHERE (SELECT pg_sleep(30)) IS NOT NULL",
    ),
}
QUICK_AGAIN = {
    "sqlite": ('DROP VIEW "CallsStat"', 'ALTER TABLE "CallsStatQuick" RENAME TO "CallsStat"'),
    "postgresql": (
        'DROP VIEW "Stat"."CallsStat"',
        'ALTER TABLE "Stat"."CallsStatQuick" RENAME TO "CallsStat"',
    ),
}


def run(fixture: Any, statements: tuple[str, ...]) -> None:
    with fixture.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


async def test_a_slow_query_is_cut_off_and_polling_goes_on(optimus_db: Any) -> None:
    fixture, database, password = optimus_db
    dialect = fixture.engine.dialect.name
    call = fixture.call_arrives(ago(30), queue=10)
    run(fixture, SLOW_VIEWS[dialect])
    source = await sync_to_async(make_poll_source)(database, password, query_timeout_seconds=1)
    async with running_ingest() as ingest:
        worker = await wait_for(lambda: ingest.workers.get(source.pk), what="the source")
        await wait_for(
            lambda: worker.last_error == "query cut off after 1 s",
            what="the slow query cut off",
            timeout=20,
        )
        assert not worker.connected
        assert await stored_calls(source) == {}
        run(fixture, QUICK_AGAIN[dialect])
        await wait_for(lambda: _has(source, str(call)), what="the call once the view is quick")
        assert worker.connected


async def _has(source: Any, call_id: str) -> bool:
    return call_id in await stored_calls(source)
