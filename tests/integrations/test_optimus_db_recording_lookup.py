"""The Optimus recording look-up (a RecordingSource) on the fixture database: by extension and
time through Stat.CallsStat, by caller through Stat.GetAllRecordings, none by UCID."""

from __future__ import annotations

from typing import Any

from integrations.optimus_db import make_poller
from integrations.optimus_db.records import Clock
from tests.ingest.optimus_db_helpers import ago, optimus_db

__all__ = ["optimus_db"]


def test_it_finds_a_calls_recording_by_extension_and_time_and_by_caller(optimus_db: Any) -> None:
    fixture, database, password = optimus_db
    first = fixture.call_arrives(ago(300), queue=10, CLID="0502222222")
    fixture.answered(first, ago(290), extension=207)
    fixture.recorded(first, "/rec/first.wav", clid="0502222222", at=ago(290))
    other = fixture.call_arrives(ago(100), queue=10)
    fixture.answered(other, ago(90), extension=208)  # another extension
    fixture.recorded(other, "/rec/other.wav")
    poller = make_poller("stat", {"database": database, "password": password})
    source = poller.recording_source()  # type: ignore[attr-defined]
    clock = Clock("UTC")
    since, until = clock.epoch(ago(400)), clock.epoch(ago(0))
    assert since is not None and until is not None
    (found,) = source.find("207", since, until)
    assert (found.recording_id, found.extension, found.url) == (str(first), "207", "/rec/first.wav")
    assert abs(found.started_at - (clock.epoch(ago(290)) or 0)) < 2
    assert source.find("207", clock.epoch(ago(200)) or 0, until) == []  # before the window
    assert source.find("207'; --", since, until) == []
    (by_caller,) = source.for_caller("0502222222", since, until)
    assert (by_caller.recording_id, by_caller.url) == (str(first), "/rec/first.wav")
    assert source.find_by_ucid("anything") == []
    poller.close()
