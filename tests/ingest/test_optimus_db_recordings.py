"""Recording look-up from Optimus: an ended call of the optimus_db source gets its file from
Configuration.GetCallRecordingFile (the fixture's table of that name), and /api/v1/calls/ and
the call log show it; a call the recording module has no file for shows none; the option off
asks nothing."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from tests.conftest import running_ingest, wait_for
from tests.ingest.optimus_db_helpers import ago, make_poll_source, optimus_db, stored_calls

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["optimus_db"]

PATH = r"\\optimus\Recordings\2026-12-07\call.wav"


@sync_to_async
def staff_get(django_user_model: Any, url: str) -> Any:
    user, _ = django_user_model.objects.get_or_create(username="boss", is_staff=True)
    client = Client()
    client.force_login(user)
    return client.get(url)


async def ended_calls(source: Any, n: int) -> Any:
    calls = await stored_calls(source)
    done = [c for c in calls.values() if c.state == "ended"]
    return calls if len(done) == n else None


async def test_an_ended_call_shows_its_recording_file(
    optimus_db: Any, django_user_model: Any
) -> None:
    fixture, database, password = optimus_db
    recorded = fixture.call_arrives(ago(60), queue=10)
    fixture.answered(recorded, ago(50))
    fixture.recorded(recorded, PATH)
    fixture.talked_and_ended(recorded, ago(20))
    silent = fixture.call_arrives(ago(40), queue=10)
    fixture.abandoned(silent, ago(30))
    source = await sync_to_async(make_poll_source)(database, password, recordings=True)
    async with running_ingest():
        calls = await wait_for(lambda: ended_calls(source, 2), what="both calls ended")
    assert calls[str(recorded)].extra["recording"] == {"id": str(recorded), "url_or_path": PATH}
    assert "recording" not in calls[str(silent)].extra
    api = await staff_get(django_user_model, "/api/v1/calls/")
    by_id = {row["call_id"]: row for row in api.json()}
    assert by_id[str(recorded)]["recording"] == {
        "id": str(recorded),
        "url_or_path": PATH,
        "source": "optimus-db",
    }
    assert by_id[str(silent)]["recording"] is None
    page = (await staff_get(django_user_model, "/calls/")).content.decode()
    link = "file://optimus/Recordings/2026-12-07/call.wav"
    assert f'<a class="recording" href="{link}"' in page
    assert page.count('class="recording"') == 1


async def test_with_the_option_off_no_recording_is_looked_up(optimus_db: Any) -> None:
    fixture, database, password = optimus_db
    call = fixture.call_arrives(ago(60), queue=10)
    fixture.answered(call, ago(50))
    fixture.recorded(call, PATH)
    fixture.talked_and_ended(call, ago(20))
    source = await sync_to_async(make_poll_source)(database, password)
    async with running_ingest():
        calls = await wait_for(lambda: ended_calls(source, 1), what="the call ended")
    assert "recording" not in calls[str(call)].extra
