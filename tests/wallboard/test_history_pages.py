"""History pages: one reporting day of a queue's or an agent's 15-minute intervals."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.utils import timezone

from wallboard import history
from wallboard.models import Agent, AgentInterval, Queue, QueueInterval

pytestmark = pytest.mark.django_db

QUEUE_URL = "/history/queues/cms-skills/skill/3/"
AGENT_URL = "/history/agents/cms-skills/5001/"


@pytest.fixture
def new_york(settings: Any) -> None:
    """A reporting day of 06:00 to 06:00 New York time: in January 11:00 to 11:00 UTC."""
    settings.TIME_ZONE = "America/New_York"
    settings.DAY_START_HOUR = 6


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def queue_row(source: Any, start: datetime, **figures: Any) -> QueueInterval:
    return QueueInterval.objects.create(
        source=source, kind="skill", number="3", start=start, **figures
    )


def agent_row(source: Any, start: datetime, **figures: Any) -> AgentInterval:
    return AgentInterval.objects.create(source=source, agent_id="5001", start=start, **figures)


def table_rows(html: str) -> list[list[str]]:
    """The interval table's body rows as lists of cell texts (start first)."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert body, "the page has no interval table"
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return rows


def totals_row(html: str) -> list[str]:
    foot = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S)
    assert foot, "the page has no totals row"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", foot.group(1), re.S)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in cells]


def chart_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page has no chart data"
    return json.loads(found.group(1))


def test_history_pages_send_anonymous_visitors_to_the_admin_login(
    client: Any, make_source: Any
) -> None:
    make_source()
    for url in ("/history/", QUEUE_URL, AGENT_URL):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/?next=/history/"), url


def test_history_pages_are_for_staff_only(client: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("agent", password="pw", is_staff=False)
    client.force_login(user)
    response = client.get("/history/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_landing_page_links_to_history(staff_client: Any) -> None:
    assert 'href="/history/"' in staff_client.get("/").content.decode()


def test_the_history_index_lists_each_sources_queues_and_agents(
    staff_client: Any, make_source: Any
) -> None:
    source = make_source()
    make_source("pbx-1", vendor="mitel", layout="", connect="127.0.0.1:15373")
    now = timezone.now()
    Queue.objects.create(source=source, kind="skill", number="3", name="Sales", updated_at=now)
    Queue.objects.create(source=source, kind="vdn", number="7001", updated_at=now)
    Agent.objects.create(
        source=source, agent_id="5001", name="Ann", state="available", updated_at=now
    )
    html = staff_client.get("/history/").content.decode()
    assert "cms-skills" in html and "pbx-1" in html
    assert 'href="/history/queues/cms-skills/skill/3/"' in html
    assert "skill 3 · Sales" in html
    assert 'href="/history/queues/cms-skills/vdn/7001/"' in html
    assert 'href="/history/agents/cms-skills/5001/"' in html


def test_the_index_finds_an_agent_among_many(
    staff_client: Any, make_source: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(history, "AGENT_LIST_LIMIT", 3)
    source = make_source()
    now = timezone.now()
    for n in range(10):
        Agent.objects.create(source=source, agent_id=f"50{n:02}", state="available", updated_at=now)
    html = staff_client.get("/history/").content.decode()
    assert html.count('href="/history/agents/') == 3
    assert "Showing the first 3" in html
    found = staff_client.get("/history/?source=cms-skills&find=5007").content.decode()
    assert re.findall(r'href="/history/agents/cms-skills/(\d+)/"', found) == ["5007"]


def test_a_queue_day_shows_only_that_reporting_days_intervals_in_local_time(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    source = make_source()
    queue_row(source, utc(2026, 1, 15, 10, 45), offered=99)  # 05:45 local: the day before
    queue_row(source, utc(2026, 1, 15, 11, 0), offered=4, answered=3, abandoned=1)
    queue_row(source, utc(2026, 1, 16, 10, 45), offered=2, answered=2, abandoned=0)
    queue_row(source, utc(2026, 1, 16, 11, 0), offered=77)  # 06:00 local: the next day
    response = staff_client.get(QUEUE_URL + "?date=2026-01-15")
    assert response.status_code == 200
    rows = table_rows(response.content.decode())
    assert [r[0] for r in rows] == ["06:00", "05:45"]
    assert [r[1:4] for r in rows] == [["4", "3", "1"], ["2", "2", "0"]]


def test_nulls_show_as_a_dash_and_totals_add_known_figures_and_take_the_longest_wait(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    source = make_source()
    queue_row(
        source,
        utc(2026, 1, 15, 12, 0),
        offered=5,
        answered=4,
        abandoned=None,
        answered_in_sl=3,
        answer_wait_sum=40,
        answer_wait_max=25,
        talk_sum=600,
    )
    queue_row(
        source,
        utc(2026, 1, 15, 12, 15),
        offered=0,
        answered=None,
        abandoned=None,
        answered_in_sl=None,
        answer_wait_sum=10,
        answer_wait_max=31,
        talk_sum=None,
    )
    html = staff_client.get(QUEUE_URL + "?date=2026-01-15").content.decode()
    rows = table_rows(html)
    assert rows == [
        ["07:00", "5", "4", "–", "3", "40", "25", "600", "60.0", "10", "–"],
        ["07:15", "0", "–", "–", "–", "10", "31", "–", "–", "–", "–"],
    ]
    # offered, answered, abandoned (all null: a dash, not 0), in SL, wait sum, wait max, talk;
    # then service level %, ASA and abandon %, worked out from them
    assert totals_row(html) == ["Total", "5", "4", "–", "3", "50", "31", "600", "60.0", "12", "–"]


def test_the_queue_chart_has_every_slot_of_the_day_with_nulls_where_nothing_is_known(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    source = make_source()
    queue_row(source, utc(2026, 1, 15, 11, 0), offered=4, answered=3, abandoned=None)
    queue_row(source, utc(2026, 1, 15, 11, 30), offered=6, answered=6, abandoned=0)
    chart = chart_data(staff_client.get(QUEUE_URL + "?date=2026-01-15").content.decode())
    assert chart["tz"] == "America/New_York"
    assert chart["start"] == int(utc(2026, 1, 15, 11).timestamp())
    assert chart["end"] == int(utc(2026, 1, 16, 11).timestamp())
    assert len(chart["x"]) == 96
    assert chart["series"]["offered"][:3] == [4, None, 6]
    assert chart["series"]["answered"][:3] == [3, None, 6]
    assert chart["series"]["abandoned"][:3] == [None, None, 0]


def test_a_day_when_the_clocks_go_forward_has_23_hours(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/London"
    settings.DAY_START_HOUR = 0
    start, end = history.day_bounds(date(2026, 3, 29))
    assert (start, end) == (utc(2026, 3, 29, 0), utc(2026, 3, 29, 23))
    assert len(history.slots(start, end)) == 92


def test_the_current_reporting_day_starts_at_day_start_hour_local_time(
    settings: Any, monkeypatch: Any
) -> None:
    settings.TIME_ZONE = "America/New_York"
    settings.DAY_START_HOUR = 6
    monkeypatch.setattr(timezone, "now", lambda: utc(2026, 1, 16, 10, 59))  # 05:59 local
    assert history.current_day() == date(2026, 1, 15)
    monkeypatch.setattr(timezone, "now", lambda: utc(2026, 1, 16, 11, 0))  # 06:00 local
    assert history.current_day() == date(2026, 1, 16)


def test_the_page_has_a_date_picker_and_links_to_the_previous_and_next_day(
    staff_client: Any, make_source: Any
) -> None:
    queue_row(make_source(), utc(2026, 3, 1, 9))
    html = staff_client.get(QUEUE_URL + "?date=2026-03-01").content.decode()
    assert '<input type="date" name="date" value="2026-03-01"' in html
    assert 'href="?date=2026-02-28"' in html
    assert 'href="?date=2026-03-02"' in html


def test_without_a_date_the_page_shows_the_current_reporting_day(
    staff_client: Any, make_source: Any, monkeypatch: Any
) -> None:
    queue_row(make_source(), utc(2026, 2, 1, 12), offered=8)
    monkeypatch.setattr(history, "current_day", lambda: date(2026, 2, 1))
    html = staff_client.get(QUEUE_URL).content.decode()
    assert 'value="2026-02-01"' in html
    assert table_rows(html)[0][1] == "8"


def test_a_bad_date_is_refused_with_a_message(staff_client: Any, make_source: Any) -> None:
    queue_row(make_source(), utc(2026, 2, 1, 12), offered=8)
    for bad in ("2026-02-30", "01/02/2026", "yesterday"):
        response = staff_client.get(QUEUE_URL, {"date": bad})
        assert response.status_code == 400, bad
        assert "date" in response.content.decode()


def test_unknown_sources_queues_and_agents_are_not_found(
    staff_client: Any, make_source: Any
) -> None:
    make_source()
    assert staff_client.get("/history/queues/nope/skill/3/").status_code == 404
    assert staff_client.get(QUEUE_URL).status_code == 404
    assert staff_client.get(AGENT_URL).status_code == 404


def test_a_queue_with_no_intervals_that_day_says_so(staff_client: Any, make_source: Any) -> None:
    Queue.objects.create(source=make_source(), kind="skill", number="3", updated_at=timezone.now())
    html = staff_client.get(QUEUE_URL + "?date=2026-02-01").content.decode()
    assert "No intervals on 2026-02-01" in html
    assert "<tbody>" not in html


def test_an_agent_day_shows_seconds_per_state_reasons_and_totals(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    source = make_source()
    Agent.objects.create(
        source=source, agent_id="5001", name="Ann Lee", state="available", updated_at=timezone.now()
    )
    agent_row(
        source,
        utc(2026, 1, 15, 14, 0),
        logged_in_seconds=900,
        available_seconds=300,
        on_call_seconds=400,
        not_ready_seconds=200,
        not_ready_by_reason={"12": 150, "": 50},
        answered=None,
    )
    agent_row(
        source,
        utc(2026, 1, 15, 14, 15),
        logged_in_seconds=600,
        available_seconds=100,
        wrap_up_seconds=200,
        not_ready_seconds=300,
        not_ready_by_reason={"12": 300},
        answered=2,
    )
    html = staff_client.get(AGENT_URL + "?date=2026-01-15").content.decode()
    assert "Agent 5001 · Ann Lee" in html
    rows = table_rows(html)
    # start, logged in, available, ringing, on call, wrap-up, not ready, other, reasons, answered
    assert rows[0] == [
        "09:00",
        "900",
        "300",
        "0",
        "400",
        "0",
        "200",
        "0",
        "(no code) 50 · 12 150",
        "–",
    ]
    assert rows[1] == ["09:15", "600", "100", "0", "0", "200", "300", "0", "12 300", "2"]
    assert totals_row(html) == [
        "Total",
        "1500",
        "400",
        "0",
        "400",
        "200",
        "500",
        "0",
        "(no code) 50 · 12 450",
        "2",
    ]
    chart = chart_data(html)
    slot = (14 - 11) * 4
    assert chart["series"]["available_seconds"][slot : slot + 3] == [300, 100, None]
    assert chart["series"]["on_call_seconds"][slot : slot + 2] == [400, 0]
    assert set(chart["series"]) == set(history.AGENT_STATE_FIGURES)


def test_the_day_page_links_the_days_csv_export(staff_client: Any, make_source: Any) -> None:
    queue_row(make_source(), utc(2026, 2, 1, 12), offered=8)
    html = staff_client.get(QUEUE_URL + "?date=2026-02-01").content.decode()
    assert (
        'href="/export/queue-intervals.csv?from=2026-02-01&amp;to=2026-02-01&amp;source=cms-skills"'
        in html
    )


def test_the_queue_chart_draws_the_queues_service_level_target_naming_its_formula(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    from wallboard.models.service import QueueSettings

    source = make_source()
    QueueSettings.objects.create(
        source=source,
        kind="skill",
        number="3",
        target_seconds=30,
        formula="answered",
        target_pct=90,
    )
    queue_row(source, utc(2026, 1, 15, 11, 0), offered=10, answered=8, answered_in_sl=6)
    html = staff_client.get(QUEUE_URL + "?date=2026-01-15").content.decode()
    chart = chart_data(html)
    assert chart["target"] == {"pct": 90, "label": "SL target 90 % (answered ≤ 30 s of answered)"}
    assert chart["series"]["service_level_pct"][:2] == [75.0, None]  # 6 of 8 answered
    assert "target 90 %" in html


ROLLUP_FIGURES = (
    "offered",
    "answered",
    "abandoned",
    "answered_in_sl",
    "answer_wait_sum",
    "answer_wait_max",
    "talk_sum",
)


def rollup_fixture(make_source: Any) -> None:
    """skill 1, 3 and 5 of cms-skills, group 7 and path 2 of a Mitel source, on 2026-01-15
    (07:00 and 07:15 New York time)."""
    cms = make_source()
    mitel = make_source("pbx-1", vendor="mitel", layout="", connect="127.0.0.1:15373")
    rows = [
        (cms, "skill", "1", utc(2026, 1, 15, 12, 0), (10, 8, 2, 6, 80, 30, 1000)),
        (cms, "skill", "3", utc(2026, 1, 15, 12, 0), (30, 29, 1, 27, 142, 20, 3000)),
        (cms, "skill", "3", utc(2026, 1, 15, 12, 15), (5, 4, None, 3, 40, 25, 500)),
        (cms, "skill", "5", utc(2026, 1, 15, 12, 0), (100, 100, 0, 100, 500, 9, 9000)),
        (mitel, "group", "7", utc(2026, 1, 15, 12, 0), (4, 4, 0, 4, 8, 3, 400)),
        (mitel, "path", "2", utc(2026, 1, 15, 12, 0), (6, 5, 1, 3, 19, 6, 500)),
    ]
    for source, kind, number, start, figures in rows:
        QueueInterval.objects.create(
            source=source,
            kind=kind,
            number=number,
            start=start,
            **dict(zip(ROLLUP_FIGURES, figures, strict=True)),
        )


def test_a_roll_up_of_chosen_queues_sums_counts_and_works_out_rates_from_the_sums(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    rollup_fixture(make_source)
    url = "/history/rollup/?source=cms-skills&queues=skill:1,skill:3&date=2026-01-15"
    response = staff_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    # 07:00: skill 1 + skill 3 = 40 offered, 37 answered, 3 abandoned, 33 within target:
    # 33/40 = 82.5 % (the average of their 60 % and 90 % would be 75 %), ASA 222/37 = 6 s,
    # abandon 3/40 = 7.5 %. skill 5 is not chosen.
    assert table_rows(html) == [
        ["07:00", "40", "37", "3", "33", "222", "30", "4000", "82.5", "6", "7.5"],
        ["07:15", "5", "4", "–", "3", "40", "25", "500", "60.0", "10", "–"],
    ]
    # The day: 36/45 = 80.0 %, 262/41 = 6.4 s, 3/45 = 6.7 %.
    assert totals_row(html) == [
        "Total",
        "45",
        "41",
        "3",
        "36",
        "262",
        "30",
        "4500",
        "80.0",
        "6",
        "6.7",
    ]
    assert "skill 1, skill 3 · rolled up" in html
    chart = chart_data(html)
    assert chart["series"]["offered"][4:6] == [40, 5]
    assert chart["series"]["service_level_pct"][4:6] == [82.5, 60.0]
    assert chart["target"]["pct"] == 80
    # The day picker and the CSV link keep the selection.
    assert 'name="queues" value="skill:1,skill:3"' in html
    assert "queues=skill%3A1%2Cskill%3A3" in html and "rollup=1" in html


def test_a_roll_up_of_every_queue_of_a_source_includes_mitel_groups_and_paths(
    staff_client: Any, make_source: Any, new_york: None
) -> None:
    rollup_fixture(make_source)
    html = staff_client.get("/history/rollup/?source=pbx-1&date=2026-01-15").content.decode()
    # group 7 + path 2: 10 offered, 9 answered, 1 abandoned, 7 within: 70.0 %, 27/9 = 3 s, 10 %.
    assert table_rows(html) == [
        ["07:00", "10", "9", "1", "7", "27", "6", "900", "70.0", "3", "10.0"],
    ]
    every = staff_client.get("/history/rollup/?date=2026-01-15").content.decode()
    # every queue of every source: 150 offered at 07:00, 140 within: 93.3 %.
    assert table_rows(every)[0][:5] == ["07:00", "150", "146", "4", "140"]
    assert table_rows(every)[0][8] == "93.3"


def test_a_roll_up_refuses_a_queue_that_is_not_kind_number(
    staff_client: Any, make_source: Any
) -> None:
    make_source()
    response = staff_client.get("/history/rollup/?source=cms-skills&queues=sales")
    assert response.status_code == 400
    assert b"kind:number" in response.content
    assert staff_client.get("/history/rollup/?source=nope").status_code == 404


def test_the_index_offers_roll_ups(staff_client: Any, make_source: Any) -> None:
    source = make_source()
    Queue.objects.create(source=source, kind="skill", number="3", updated_at=timezone.now())
    html = staff_client.get("/history/").content.decode()
    assert 'href="/history/rollup/"' in html
    assert 'action="/history/rollup/"' in html
    assert 'name="queues" value="skill:3"' in html
