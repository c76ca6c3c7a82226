"""The recorder simulator over real HTTP, a Recorder serving an example-vendor source, and
waits on the tags ingest writes, for the recording-tagging tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from integrations.recorder_http.simulator import RecorderSimulator
from tests.conftest import wait_for
from wallboard.models import Recorder, RecordingTag, Source

USERS = [
    {"id": "u1", "login": "a1", "extension": "201", "email": "ann@example.org", "name": "Ann"},
    {"id": "u2", "login": "a2", "extension": "202", "email": "bob@example.org", "name": "Bob"},
]


@pytest.fixture
def recorder_sim() -> Iterator[RecorderSimulator]:
    sim = RecorderSimulator(id_seconds=10.0, token="s3cret", users=[dict(u) for u in USERS])
    sim.up()
    yield sim
    sim.down()


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failed writes tried again after a fraction of a second, not minutes."""
    monkeypatch.setattr("ingest.recordings.RETRY_FIRST_SECONDS", 0.2)
    monkeypatch.setattr("ingest.recordings.RETRY_MAX_SECONDS", 0.5)


def make_recorder(source: Source, sim: RecorderSimulator, **fields: Any) -> Recorder:
    recorder = Recorder(name="qms-1", base_url=sim.url, **fields)
    recorder.set_token(sim.token)
    recorder.full_clean()
    recorder.save()
    recorder.sources.add(source)
    return recorder


async def tags(**where: Any) -> list[RecordingTag]:
    return [t async for t in RecordingTag.objects.filter(**where).order_by("seq")]


async def wait_tags(
    count: int, status: str, what: str, timeout: float = 15.0
) -> list[RecordingTag]:
    async def ready() -> list[RecordingTag] | None:
        found = await tags(status=status)
        return found if len(found) >= count else None

    return await wait_for(ready, timeout=timeout, what=what)


new_recorder = sync_to_async(make_recorder)
