"""Calls in a real browser (Debian's Chromium via Playwright) against the running product: a
supervisor exports a day's ended calls from the history page and reads a call in the admin.

Calls are written straight into the product's SQLite file, as the ledger leaves them.
Screenshots go to artifacts/ for a person to look at.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.product import Product, free_port, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "calls-browser-pw-2026"

CALL_COLUMNS = (
    "source_id", "call_id", "ucid", "direction", "media", "vdn", "queue_kind", "queue_number",
    "calling", "called", "agent_id", "extension", "state", "offered_at", "answered_at",
    "ended_at", "hold_seconds", "released_by", "outcome", "transfer_target", "cause", "orphaned",
    "extra", "updated_at", "counted",
)  # fmt: skip


def fill(db: Path) -> None:
    """A call answered by 5001 and transferred to 5002 on 20 November, one abandoned the same
    day, and one still waiting."""
    with sqlite3.connect(db) as conn:
        source_id = conn.execute("SELECT id FROM wallboard_source").fetchone()[0]
        calls = [
            (source_id, "c-1", "00001000011700000001", "inbound", "voice", "5000", "skill", "3",
             "01632960123", "08001234567", "5002", "4002", "ended", "2026-11-20 14:00:00",
             "2026-11-20 14:00:12", "2026-11-20 14:01:40", 15.0, "caller", "transferred",
             "", "16", 0, "{}", "2026-11-20 14:01:40", "{}"),
            (source_id, "c-2", "", "inbound", "voice", "5000", "skill", "3", "07700900555", "",
             "", "", "ended", "2026-11-20 15:00:00", None, "2026-11-20 15:00:33", 0.0, "caller",
             "abandoned", "", "", 0, "{}", "2026-11-20 15:00:33", "{}"),
            (source_id, "c-3", "", "inbound", "voice", "", "skill", "3", "07700900666", "", "",
             "", "queued", "2026-11-20 16:00:00", None, None, 0.0, "", "", "", "", 0, "{}",
             "2026-11-20 16:00:00", "{}"),
        ]  # fmt: skip
        marks = ", ".join("?" for _ in CALL_COLUMNS)
        conn.executemany(
            f"INSERT INTO wallboard_call ({', '.join(CALL_COLUMNS)}) VALUES ({marks})", calls
        )
        call_pk = conn.execute("SELECT id FROM wallboard_call WHERE call_id = 'c-1'").fetchone()[0]
        conn.executemany(
            "INSERT INTO wallboard_callsegment (call_id, seq, agent_id, extension, queue_kind, "
            "queue_number, started_at, answered_at, ended_at, hold_seconds, how_ended, target) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (call_pk, 1, "5001", "4001", "skill", "3", "2026-11-20 14:00:05",
                 "2026-11-20 14:00:12", "2026-11-20 14:00:52", 0.0, "transferred", "4002"),
                (call_pk, 2, "5002", "4002", "", "", "2026-11-20 14:00:52",
                 "2026-11-20 14:00:55", "2026-11-20 14:01:40", 15.0, "ended", ""),
            ],
        )  # fmt: skip


def test_a_supervisor_exports_a_days_calls_and_reads_one_in_the_admin(
    product: Product, chromium: Any
) -> None:
    product.env.update({"DJANGO_SUPERUSER_PASSWORD": PASSWORD})
    product.configure(
        {
            "sources": [
                {
                    "name": "aes-1",
                    "vendor": "optimus",
                    "connect": f"127.0.0.1:{free_port()}",
                    "enabled": False,
                }
            ]
        }
    )
    product.manage("createsuperuser", "--noinput", "--username", "boss", "--email", "b@x.org")
    fill(product.db)
    product.start()
    page = chromium.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page.goto(product.url + "/history/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/history/")

    form = page.locator("#calls-export")
    form.locator("input[name=from]").fill("2026-11-20")
    form.locator("input[name=to]").fill("2026-11-20")
    screenshot(page, "calls-export-form")
    with page.expect_download() as download:
        form.locator("button[type=submit]").click()
    assert download.value.suggested_filename == "calls-2026-11-20-2026-11-20.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["call_id"] for r in rows] == ["c-1", "c-2"]  # the waiting call is not ended
    assert rows[0]["calling"] == "01632960123"  # a superuser may see numbers whole
    assert (rows[0]["talk_seconds"], rows[0]["agents"]) == ("73.0", "5001;5002")
    assert (rows[1]["wait_seconds"], rows[1]["outcome"]) == ("33.0", "abandoned")

    page.goto(product.url + "/admin/wallboard/call/")
    assert page.locator("#result_list tbody tr").count() == 3
    screenshot(page, "calls-admin-list")
    page.click("#result_list >> text=c-1")
    page.wait_for_url("**/change/")
    inline = page.locator("#segments-group")
    assert inline.locator("tbody tr").count() >= 2
    assert "5001" in inline.inner_text() and "transferred" in inline.inner_text()
    assert page.locator("input[name=_save]").count() == 0  # read-only
    inline.scroll_into_view_if_needed()
    screenshot(page, "calls-admin-call")
    page.close()
