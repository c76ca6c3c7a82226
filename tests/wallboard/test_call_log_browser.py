"""The call log in a real browser (Debian's Chromium via Playwright) against the running
product: the example phone system sends a call over real TCP, the recorder simulator records
it over real HTTP, ingest tags the recording, and the staff call log shows the call with its
recording link. Screenshot in artifacts/."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integrations.recorder_http.simulator import RecorderSimulator
from tests.ingest.call_feed import CallFeed
from tests.product import screenshot, wait_until
from tests.wallboard.test_agent_actions_browser import ExampleProduct

pytestmark = [pytest.mark.browser, pytest.mark.slow]


class ThreadedFeed:
    """The example phone system (CallFeed) on its own event loop in a thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.feed = CallFeed()

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def __enter__(self) -> ThreadedFeed:
        self.thread.start()
        self.run(self.feed.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self.feed.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def recorder() -> Iterator[RecorderSimulator]:
    sim = RecorderSimulator(token="browser-token").up()
    yield sim
    sim.down()


def test_the_call_log_shows_a_tagged_call_with_its_recording_link(
    tmp_path: Path, recorder: RecorderSimulator, chromium: Any
) -> None:
    with ThreadedFeed() as phone:
        product = ExampleProduct(tmp_path)
        product.configure(
            {
                "sources": [
                    {
                        "name": "pbx-cti",
                        "vendor": "example",
                        "connect": f"127.0.0.1:{phone.feed.port}",
                        "refresh_seconds": 60,
                    }
                ]
            }
        )
        product.manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User;"
            "from wallboard.models import Recorder, Source;"
            "User.objects.create_user('sup', password='pw-for-tests', is_staff=True);"
            f"r = Recorder(name='qms-1', base_url='{recorder.url}');"
            f"r.set_token('{recorder.token}'); r.save();"
            "r.sources.add(Source.objects.get(name='pbx-cti'))",
        )
        product.start()
        try:
            phone.run(phone.feed.connected())
            t = time.time()
            phone.run(
                phone.feed.send(
                    f"C|k42|offered|q=7;ucid=00001000421733550000;calling=01632960123;at={t - 3}",
                    f"C|k42|ringing|agent=1001;ext=201;at={t - 2}",
                )
            )
            recording = recorder.record("201")
            phone.run(phone.feed.send(f"C|k42|answered|agent=1001;ext=201;at={t - 1}"))

            def status() -> str:
                with sqlite3.connect(product.db) as db:
                    row = db.execute("SELECT status FROM wallboard_recordingtag").fetchone()
                return str(row[0]) if row else ""

            wait_until(lambda: status() == "found", 30, "the recording found", 0.2)
            phone.run(phone.feed.send(f"C|k42|ended|by=caller;at={time.time()}"))
            wait_until(lambda: status() == "written", 30, "the flags written", 0.2)
            assert recorder.flags_of(recording) == {
                "AgentId": "1001",
                "CTICallRef": "k42",
                "InteractionGuid": "00001000421733550000",
                "QueueName": "7",
            }

            page = chromium.new_page(viewport={"width": 1200, "height": 500})
            page.goto(f"{product.url}/admin/login/?next=/calls/")
            page.fill("#id_username", "sup")
            page.fill("#id_password", "pw-for-tests")
            page.click("input[type=submit]")
            page.wait_for_url(f"{product.url}/calls/")
            link = page.locator("a.recording")
            link.wait_for(timeout=10000)
            assert link.inner_text() == recording
            assert link.get_attribute("href") == f"{recorder.url}/play/{recording}"
            text = page.locator("#calllog").inner_text()
            assert "k42" in text and "•••••••0123" in text and "01632960123" not in text
            assert "qms-1: written" in text
            screenshot(page, "call-log-recording-link")
            page.close()
        finally:
            product.stop()
