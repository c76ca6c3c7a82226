"""A lost database is retried; the live state and what changed meanwhile are not lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import OperationalError

from ingest import store
from tests.conftest import send_bytes, wait_for
from wallboard.models import Queue

pytestmark = pytest.mark.django_db(transaction=True)
TVI1 = (Path(__file__).parents[1] / "fixtures" / "avaya_cms" / "tvi1_example.txt").read_bytes()


async def test_writes_that_fail_while_the_database_is_away_land_once_it_is_back(
    make_source: Any, runner: Any, monkeypatch: Any
) -> None:
    real_write = store.write_changes
    failures = {"left": 2}

    def flaky_write(*args: Any) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        real_write(*args)

    monkeypatch.setattr(store, "write_changes", flaky_write)
    source = await sync_to_async(make_source)()
    await wait_for(lambda: runner.workers.get(source.pk), what="the source")
    worker = runner.workers[source.pk]
    port = int(source.listen.rsplit(":", 1)[1])
    await send_bytes(port, TVI1)
    await wait_for(lambda: failures["left"] == 1, what="the first failed write")
    # The feed goes on meanwhile: a later batch changes skill 12.
    await send_bytes(port, TVI1.replace(b"F1| 12|   0|", b"F1| 12|   6|"))
    await wait_for(  # the live state kept going
        lambda: worker.live.queues[("skill", "12")].calls_waiting == 6, what="the later batch"
    )

    async def stored() -> Any:
        rows = await sync_to_async(
            lambda: {q.number: q for q in Queue.objects.filter(source=source)}
        )()
        return rows if len(rows) == 3 and rows["12"].calls_waiting == 6 else None

    rows = await wait_for(stored, timeout=20, what="the retried write")
    assert rows["3"].calls_waiting == 4 and failures["left"] == 0
    assert "database" in worker.last_error
