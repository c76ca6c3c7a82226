"""History pages in a real browser (Debian's Chromium via Playwright) against the running product,
with intervals written straight into its SQLite file as ingest would leave them.

Screenshots go to artifacts/ for a person to look at.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.product import Product, free_port, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "history-browser-pw-2026"

# The reporting day 2026-01-15 in New York with DAY_START_HOUR 6: 11:00 UTC to 11:00 UTC.
DAY_START = datetime(2026, 1, 15, 11, tzinfo=UTC)


def stamp(at: datetime) -> str:
    """A datetime as Django stores it in SQLite: UTC text."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def fill(product: Product) -> dict[str, Any]:
    """A queue (skill 3) and an agent (5001) with a working day of intervals on the 15th and
    two intervals on the 16th; what was written, for the assertions."""
    now = stamp(datetime.now(UTC))
    queue_rows = []
    for n in range(4 * 4, 4 * 12):  # 10:00 to 18:00 local
        offered = 6 + (n % 7) * 3
        abandoned = None if n == 20 else n % 3  # 11:00 local: the feed gave no abandoned
        queue_rows.append(
            (
                DAY_START + timedelta(minutes=15 * n),
                offered,
                offered - (abandoned or 0),
                abandoned,
                offered - 2,
                25 * offered,
                20 + n,
                180 * offered,
            )
        )
    queue_rows.append((DAY_START + timedelta(days=1, hours=3), 11, 10, 1, 9, 200, 45, 1900))
    queue_rows.append((DAY_START + timedelta(days=1, hours=4), 5, 5, 0, 5, 60, 20, 800))
    agent_rows = []
    for n in range(4 * 4, 4 * 12):
        not_ready = 120 if n % 5 == 0 else 0
        agent_rows.append(
            (
                DAY_START + timedelta(minutes=15 * n),
                900,
                300 - not_ready,
                30,
                420,
                150,
                not_ready,
                0,
                json.dumps({"12": not_ready} if not_ready else {}),
                4,
            )
        )
    with sqlite3.connect(product.db) as db:
        (source_id,) = db.execute(
            "SELECT id FROM wallboard_source WHERE name = 'cms-skills'"
        ).fetchone()
        db.execute(
            "INSERT INTO wallboard_queue (source_id, kind, number, name, overflow, today, "
            "counter_state, extra, updated_at, gone) "
            "VALUES (?, 'skill', '3', 'Sales', '[]', '{}', '{}', '{}', ?, 0)",
            (source_id, now),
        )
        db.executemany(
            "INSERT INTO wallboard_queueinterval (source_id, kind, number, start, offered, "
            "answered, abandoned, answered_in_sl, answer_wait_sum, answer_wait_max, talk_sum, "
            "updated_at, accounting, extra) "
            "VALUES (?, 'skill', '3', ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', '{}')",
            [(source_id, stamp(r[0]), *r[1:], now) for r in queue_rows],
        )
        db.executemany(
            "INSERT INTO wallboard_agentinterval (source_id, agent_id, start, logged_in_seconds, "
            "available_seconds, ringing_seconds, on_call_seconds, wrap_up_seconds, "
            "not_ready_seconds, other_seconds, not_ready_by_reason, answered, updated_at, "
            "accounting, extra) VALUES (?, '5001', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', '{}')",
            [(source_id, stamp(r[0]), *r[1:], now) for r in agent_rows],
        )
    return {"queue": queue_rows, "agent": agent_rows}


def start_product(product: Product) -> dict[str, Any]:
    product.env.update(
        {
            "TIME_ZONE": "America/New_York",
            "DAY_START_HOUR": "6",
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        }
    )
    product.configure(
        {
            "sources": [
                {
                    "name": "cms-skills",
                    "vendor": "avaya_cms",
                    "layout": "tvi1",
                    "listen": f"127.0.0.1:{free_port()}",
                    "refresh_seconds": 1,
                }
            ]
        }
    )
    product.manage("createsuperuser", "--noinput", "--username", "boss", "--email", "b@x.org")
    written = fill(product)
    product.start()
    return written


def log_in(page: Any, product: Product, path: str) -> None:
    page.goto(product.url + path)
    assert "/admin/login/" in page.url, "an anonymous visitor should be sent to log in"
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{path}")


def test_a_supervisor_reads_a_queues_day_as_a_chart_and_a_table_and_picks_another_day(
    product: Product, chromium: Any
) -> None:
    written = start_product(product)
    page = chromium.new_page(viewport={"width": 1600, "height": 1100})
    log_in(page, product, "/history/")
    screenshot(page, "history-index")

    page.click("text=skill 3 · Sales")
    page.wait_for_url("**/history/queues/cms-skills/skill/3/")
    page.fill("input[type=date]", "2026-01-15")
    page.click("form.hist-pick button")
    page.wait_for_url("**/history/queues/cms-skills/skill/3/?date=2026-01-15")
    page.wait_for_selector("#chart[data-ready=true] canvas")
    assert page.locator("#chart canvas").first.bounding_box()["width"] > 600

    day = [r for r in written["queue"] if r[0] < DAY_START + timedelta(days=1)]
    body = page.locator("#intervals tbody tr")
    assert body.count() == len(day) == 32
    assert body.nth(0).locator("th").inner_text() == "10:00"  # 15:00 UTC, New York time
    first = body.nth(0).locator("td").all_inner_texts()
    assert first[:3] == [str(day[0][1]), str(day[0][2]), str(day[0][3])]
    eleven = body.nth(4).locator("td").all_inner_texts()  # 11:00: abandoned unknown
    assert eleven[2] == "–"
    totals = page.locator("#intervals tfoot td").all_inner_texts()
    assert totals[0] == str(sum(r[1] for r in day))
    assert totals[2] == str(sum(r[3] for r in day if r[3] is not None))
    assert totals[5] == str(max(r[6] for r in day))  # the longest answer wait
    legend = page.locator(".u-legend").inner_text()
    assert "Offered" in legend and "Answered" in legend and "Abandoned" in legend
    # The service level per interval and the queue's target (the default: 80 % of offered
    # within 20 s), drawn on the right-hand percentage axis.
    assert "Service level %" in legend
    assert "SL target 80 % (answered ≤ 20 s of offered)" in legend
    screenshot(page, "history-queue-day")

    page.hover("#chart .u-over", position={"x": 520, "y": 150})  # about 15:00 local
    hovered = page.locator(".u-legend .u-series").first.inner_text()
    assert re.search(r"1[45]:[0-5][05]–1[45]:[0-5][05]", hovered), hovered
    screenshot(page, "history-queue-hover")

    page.click("a[rel=next]")
    page.wait_for_url("**?date=2026-01-16")
    page.wait_for_selector("#chart[data-ready=true] canvas")
    times = page.locator("#intervals tbody th").all_inner_texts()
    assert times == ["09:00", "10:00"]  # 14:00 and 15:00 UTC on the 16th
    screenshot(page, "history-queue-next-day")

    page.fill("input[type=date]", "2026-02-01")
    page.click("form.hist-pick button")
    page.wait_for_url("**?date=2026-02-01")
    assert "No intervals on 2026-02-01" in page.inner_text("main")
    assert page.locator("#chart canvas").count() > 0  # an empty day still has its axes

    export = page.request.get(
        f"{product.url}/export/queue-intervals.csv?from=2026-01-15&to=2026-01-16"
    )
    assert export.status == 200
    rows = list(csv.DictReader(io.StringIO(export.text())))
    assert len(rows) == len(written["queue"])
    assert rows[0]["interval_start"] == "2026-01-15T10:00:00-05:00"
    assert rows[4]["abandoned"] == ""
    page.close()


def test_a_supervisor_reads_an_agents_day_as_stacked_states(
    product: Product, chromium: Any
) -> None:
    written = start_product(product)
    page = chromium.new_page(viewport={"width": 1600, "height": 1100})
    log_in(page, product, "/history/agents/cms-skills/5001/?date=2026-01-15")
    page.wait_for_selector("#chart[data-ready=true] canvas")
    assert page.locator("#intervals tbody tr").count() == len(written["agent"])
    totals = page.locator("#intervals tfoot td").all_inner_texts()
    assert totals[0] == str(900 * len(written["agent"]))
    assert totals[7] == f"12 {sum(r[6] for r in written['agent'])}"
    legend = page.locator(".u-legend").inner_text()
    for state in ("Available", "Ringing", "On call", "Wrap-up", "Not ready", "Other"):
        assert state in legend
    screenshot(page, "history-agent-day")
    page.close()


def test_a_supervisor_rolls_two_queues_up_and_reads_them_against_the_target(
    product: Product, chromium: Any
) -> None:
    written = start_product(product)
    # skill 1 beside skill 3 on the 15th: 10 offered, 7 within target in each working interval.
    with sqlite3.connect(product.db) as db:
        (source_id,) = db.execute(
            "SELECT id FROM wallboard_source WHERE name = 'cms-skills'"
        ).fetchone()
        now = stamp(datetime.now(UTC))
        db.execute(
            "INSERT INTO wallboard_queue (source_id, kind, number, name, overflow, today, "
            "counter_state, extra, updated_at, gone) "
            "VALUES (?, 'skill', '1', 'Support', '[]', '{}', '{}', '{}', ?, 0)",
            (source_id, now),
        )
        db.executemany(
            "INSERT INTO wallboard_queueinterval (source_id, kind, number, start, offered, "
            "answered, abandoned, answered_in_sl, answer_wait_sum, answer_wait_max, talk_sum, "
            "updated_at, accounting, extra) "
            "VALUES (?, 'skill', '1', ?, 10, 9, 1, 7, 90, 40, 900, ?, '{}', '{}')",
            [(source_id, stamp(r[0]), now) for r in written["queue"][:32]],
        )
    page = chromium.new_page(viewport={"width": 1600, "height": 1100})
    log_in(page, product, "/history/")
    page.check("input[name=queues][value='skill:1']")
    page.check("input[name=queues][value='skill:3']")
    page.click("form.hist-rollup button")
    page.wait_for_url("**/history/rollup/?source=cms-skills&queues=skill*")
    page.fill("input[type=date]", "2026-01-15")
    page.click("form.hist-pick button")
    page.wait_for_url("**date=2026-01-15")
    page.wait_for_selector("#chart[data-ready=true] canvas")
    assert "skill 1, skill 3 · rolled up" in page.inner_text("h1")
    first = page.locator("#intervals tbody tr").nth(0).locator("td").all_inner_texts()
    skill3 = written["queue"][0]
    offered, in_sl = 10 + skill3[1], 7 + skill3[4]
    assert first[0] == str(offered) and first[3] == str(in_sl)
    assert first[7] == f"{100 * in_sl / offered:.1f}"  # from the sums
    legend = page.locator(".u-legend").inner_text()
    assert "SL target 80 % (answered ≤ 20 s of offered)" in legend
    screenshot(page, "history-rollup-day")
    page.close()
