"""The HTTP/JSON recorder client against the recorder simulator over real HTTP: look-up by
extension and time and by UCID within the ID window only, flags stored once and a rewrite
refused, users listed, a wrong token and a recorder down told apart from a refusal."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from integrations.recorder_http import FlagsRefused, HttpRecorder, RecorderError
from integrations.recorder_http.simulator import RecorderSimulator


@pytest.fixture
def sim() -> Iterator[RecorderSimulator]:
    running = RecorderSimulator(id_seconds=5.0, token="t0k", users=[{"id": "u1", "login": "a1"}])
    running.up()
    yield running
    running.down()


def test_a_recording_is_found_by_extension_and_time_and_by_ucid(sim: RecorderSimulator) -> None:
    client = HttpRecorder(sim.url, "t0k")
    now = time.time()
    rec = sim.record("201", ucid="U-1")
    sim.record("202")
    [found] = client.find("201", now - 1, now + 1)
    assert (found.recording_id, found.extension, found.ucid) == (rec, "201", "U-1")
    assert found.url == f"{sim.url}/play/{rec}"  # the recorder's path made a link
    assert [r.recording_id for r in client.find_by_ucid("U-1")] == [rec]
    assert client.find("201", now + 2, now + 3) == []  # outside the time asked


def test_a_recordings_id_is_only_given_for_a_short_time_after_it_starts(
    sim: RecorderSimulator,
) -> None:
    client = HttpRecorder(sim.url, "t0k")
    sim.record("201", at=time.time() - 6)
    assert client.find("201", 0, time.time()) == []


def test_flags_are_stored_once_and_a_rewrite_is_refused(sim: RecorderSimulator) -> None:
    client = HttpRecorder(sim.url, "t0k")
    rec = sim.record("201")
    client.write_flags(rec, {"AgentId": "a1"}, "u1")
    with pytest.raises(FlagsRefused, match="never rewritten"):
        client.write_flags(rec, {"AgentId": "renamed"})
    with pytest.raises(FlagsRefused):
        client.write_flags("REC-none", {"AgentId": "a1"})
    assert sim.flags_of(rec) == {"AgentId": "a1"}
    assert sim.recordings[rec].user_id == "u1"


def test_users_are_listed(sim: RecorderSimulator) -> None:
    [user] = HttpRecorder(sim.url, "t0k").users()
    assert (user.user_id, user.login) == ("u1", "a1")


def test_a_wrong_token_and_a_recorder_down_are_errors_to_retry_not_refusals(
    sim: RecorderSimulator,
) -> None:
    with pytest.raises(RecorderError, match="HTTP 401"):
        HttpRecorder(sim.url, "wrong").users()
    url = sim.url
    sim.down()
    with pytest.raises(RecorderError, match="unreachable") as raised:
        HttpRecorder(url, "t0k", timeout=2).write_flags("REC-1", {})
    assert "t0k" not in str(raised.value)
