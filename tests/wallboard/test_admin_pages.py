"""The supervisors' admin: the pages load and show what a supervisor needs to see."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from wallboard.models import Agent, ApiToken, Board, Queue, Source, SourceHealth, Threshold, Tile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def supervisor(client: Any, django_user_model: Any) -> Any:
    """A staff user who may manage everything (a superuser, as the demo makes)."""
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def live_source(make_source: Any) -> Source:
    source = make_source("cms-skills", targets=[("10.0.0.9", 7001)])
    target = source.targets.get()
    SourceHealth.objects.create(
        source=source,
        connected=True,
        peer="10.0.0.5:40122",
        last_data_at=timezone.now(),
        batches=321,
        records=9876,
        parse_errors=4,
        stale=False,
        heartbeat_at=timezone.now(),
        targets={
            str(target.pk): {
                "connected": True,
                "bytes_sent": 55555,
                "bytes_dropped": 0,
                "last_error": "",
            }
        },
    )
    return source


@pytest.fixture
def board(live_source: Source) -> Board:
    board = Board.objects.create(title="Sales floor", slug="sales-floor")
    tile = Tile.objects.create(
        board=board, kind=Tile.QUEUE_KPI, title="Sales", source=live_source, queue_range="1-9"
    )
    Threshold.objects.create(tile=tile, kpi="calls_waiting", warning=5, alarm=10)
    return board


def test_the_admin_index_loads_for_a_supervisor(supervisor: Any) -> None:
    response = supervisor.get("/admin/")
    assert response.status_code == 200
    assert b"Wallboard administration" in response.content


def test_the_admin_turns_away_an_anonymous_visitor(client: Any) -> None:
    response = client.get("/admin/wallboard/source/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_source_list_shows_each_feeds_status(
    supervisor: Any, live_source: Source, make_source: Any
) -> None:
    make_source("cms-agents", layout="agent_tv")  # no health report yet
    make_source("cms-parked", enabled=False)
    response = supervisor.get("/admin/wallboard/source/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "cms-skills" in text
    assert "live" in text
    assert "never ran" in text
    assert "disabled" in text
    assert f"listen {live_source.listen}" in text


def test_a_stale_source_shows_as_stale_in_the_list(supervisor: Any, live_source: Source) -> None:
    SourceHealth.objects.filter(source=live_source).update(stale=True, connected=False)
    text = supervisor.get("/admin/wallboard/source/").content.decode()
    assert "STALE (not connected)" in text


def test_a_source_page_shows_its_health_and_its_targets_status(
    supervisor: Any, live_source: Source
) -> None:
    response = supervisor.get(f"/admin/wallboard/source/{live_source.pk}/change/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "10.0.0.5:40122" in text  # the connected peer
    assert "321" in text  # batches
    assert "9876" in text  # records
    assert "connected · 55555 bytes sent · 0 dropped" in text


def test_a_source_page_without_a_health_report_says_so(supervisor: Any, make_source: Any) -> None:
    source = make_source("cms-skills")
    text = supervisor.get(f"/admin/wallboard/source/{source.pk}/change/").content.decode()
    assert "No report yet" in text


def test_the_add_source_page_loads(supervisor: Any) -> None:
    assert supervisor.get("/admin/wallboard/source/add/").status_code == 200


def _source_form(**fields: str) -> dict[str, str]:
    data = {
        "name": "cms-new",
        "enabled": "on",
        "vendor": "avaya_cms",
        "layout": "tvi1",
        "listen": "0.0.0.0:7001",
        "connect": "",
        "allowed_peers": "",
        "refresh_seconds": "3",
        "queue_range": "",
        "agent_range": "",
        "options": "{}",
        "compat_file": "",
        "targets-TOTAL_FORMS": "0",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def test_adding_a_source_with_a_bad_range_shows_the_problem(supervisor: Any) -> None:
    response = supervisor.post("/admin/wallboard/source/add/", _source_form(queue_range="9-1"))
    assert response.status_code == 200
    assert "Not a valid ID range" in response.content.decode()
    assert not Source.objects.filter(name="cms-new").exists()


@pytest.mark.parametrize("text", ["all", "abc", "1..5"])
def test_adding_a_source_with_a_word_for_a_range_shows_the_word(supervisor: Any, text: str) -> None:
    response = supervisor.post("/admin/wallboard/source/add/", _source_form(agent_range=text))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not a valid ID range" in page and f"&#x27;{text}&#x27;" in page
    assert not Source.objects.filter(name="cms-new").exists()


def _tile_form(tile: Tile, **fields: str) -> dict[str, str]:
    data = {
        "board": str(tile.board_id),
        "order": str(tile.order),
        "kind": tile.kind,
        "title": tile.title,
        "width": "1",
        "height": "1",
        "source": str(tile.source_id or ""),
        "queue_kind": tile.queue_kind,
        "queue_range": tile.queue_range,
        "agent_range": tile.agent_range,
        "kpis": tile.kpis,
        "thresholds-TOTAL_FORMS": "0",
        "thresholds-INITIAL_FORMS": "0",
        "thresholds-MIN_NUM_FORMS": "0",
        "thresholds-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize("field", ["queue_range", "agent_range"])
@pytest.mark.parametrize("text", ["all", "abc", "1..5"])
def test_a_tiles_range_of_words_is_refused_naming_the_word(
    supervisor: Any, board: Board, field: str, text: str
) -> None:
    tile = board.tiles.get()
    url = f"/admin/wallboard/tile/{tile.pk}/change/"
    response = supervisor.post(url, _tile_form(tile, **{field: text}))
    assert response.status_code == 200
    assert f"&#x27;{text}&#x27;" in response.content.decode()
    assert Tile.objects.get(pk=tile.pk).queue_range == "1-9"  # unchanged
    response = supervisor.post(url, _tile_form(tile, **{field: "1-5, 7"}))
    assert response.status_code == 302
    assert getattr(Tile.objects.get(pk=tile.pk), field) == "1-5, 7"


def test_adding_a_valid_source_saves_it(supervisor: Any) -> None:
    response = supervisor.post("/admin/wallboard/source/add/", _source_form(queue_range="1-99"))
    assert response.status_code == 302
    assert Source.objects.get(name="cms-new").queue_range == "1-99"


def test_adding_a_source_with_a_malformed_listen_address_shows_the_problem(
    supervisor: Any,
) -> None:
    response = supervisor.post("/admin/wallboard/source/add/", _source_form(listen="0.0.0.0"))
    assert response.status_code == 200
    assert "host:port" in response.content.decode()


def test_the_board_list_and_page_show_the_display_url(supervisor: Any, board: Board) -> None:
    listing = supervisor.get("/admin/wallboard/board/").content.decode()
    assert board.display_path() in listing.replace("&amp;", "&")
    response = supervisor.get(f"/admin/wallboard/board/{board.pk}/change/")
    assert response.status_code == 200
    text = response.content.decode().replace("&amp;", "&")
    assert f"http://testserver{board.display_path()}" in text
    assert board.display_key in text
    assert "Sales" in text  # the tile inline


def test_a_new_board_says_to_save_it_first(supervisor: Any) -> None:
    text = supervisor.get("/admin/wallboard/board/add/").content.decode()
    assert "Save the board first" in text


def test_the_tile_list_and_page_load(supervisor: Any, board: Board) -> None:
    tile = board.tiles.get()
    assert supervisor.get("/admin/wallboard/tile/").status_code == 200
    response = supervisor.get(f"/admin/wallboard/tile/{tile.pk}/change/")
    assert response.status_code == 200
    assert b"calls_waiting" in response.content  # the threshold inline


def test_regenerating_a_display_key_revokes_the_old_url(supervisor: Any, board: Board) -> None:
    old = board.display_key
    response = supervisor.post(
        "/admin/wallboard/board/",
        {"action": "regenerate_key", "_selected_action": [board.pk]},
    )
    assert response.status_code == 302
    board.refresh_from_db()
    assert board.display_key != old
    supervisor.logout()
    assert supervisor.get(f"/boards/{board.slug}/?key={old}").status_code == 403


def test_a_new_api_token_is_shown_once_and_stored_only_as_a_hash(supervisor: Any) -> None:
    assert supervisor.get("/admin/wallboard/apitoken/add/").status_code == 200
    response = supervisor.post(
        "/admin/wallboard/apitoken/add/", {"name": "WFM export", "enabled": "on"}
    )
    assert response.status_code == 302
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    found = [re.search(r"\bwb_[A-Za-z0-9_-]{20,}", note) for note in notes]
    (token,) = [m.group(0) for m in found if m]
    stored = ApiToken.objects.get()
    assert stored.name == "WFM export"
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.prefix == token[3:9]
    for value in (stored.key_hash, stored.prefix, stored.name):
        assert token not in value
    supervisor.logout()
    api = supervisor.get("/api/v1/sources/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200


def test_the_token_is_shown_on_the_next_page_and_never_again(supervisor: Any) -> None:
    shown = supervisor.post(
        "/admin/wallboard/apitoken/add/", {"name": "WFM export", "enabled": "on"}, follow=True
    )
    assert shown.status_code == 200
    token = re.search(r"\bwb_[A-Za-z0-9_-]{20,}", shown.content.decode())
    assert token is not None
    stored = ApiToken.objects.get()
    for url in ("/admin/wallboard/apitoken/", f"/admin/wallboard/apitoken/{stored.pk}/change/"):
        text = supervisor.get(url).content.decode()
        assert stored.prefix in text
        assert token.group(0) not in text
        assert stored.key_hash not in text


def test_saving_an_existing_token_keeps_its_secret(supervisor: Any) -> None:
    supervisor.post("/admin/wallboard/apitoken/add/", {"name": "WFM export", "enabled": "on"})
    stored = ApiToken.objects.get()
    response = supervisor.post(
        f"/admin/wallboard/apitoken/{stored.pk}/change/", {"name": "WFM", "enabled": "on"}
    )
    assert response.status_code == 302
    assert ApiToken.objects.get().key_hash == stored.key_hash


@pytest.fixture
def live_rows(live_source: Source) -> None:
    now = timezone.now()
    Queue.objects.create(source=live_source, kind="skill", number="1", name="Sales",
                         calls_waiting=2, updated_at=now)  # fmt: skip
    Agent.objects.create(source=live_source, agent_id="5001", name="Ann", state="available",
                         updated_at=now)  # fmt: skip


@pytest.mark.parametrize(("model", "shown"), [("queue", "Sales"), ("agent", "Ann")])
def test_live_queues_and_agents_are_listed_read_only(
    supervisor: Any, live_rows: None, model: str, shown: str
) -> None:
    response = supervisor.get(f"/admin/wallboard/{model}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert shown in text
    assert f"/admin/wallboard/{model}/add/" not in text
    assert supervisor.get(f"/admin/wallboard/{model}/add/").status_code == 403


def test_a_live_queue_cannot_be_edited(supervisor: Any, live_rows: None) -> None:
    queue = Queue.objects.get()
    page = supervisor.get(f"/admin/wallboard/queue/{queue.pk}/change/")
    assert page.status_code == 200  # view only
    assert b'name="_save"' not in page.content
    response = supervisor.post(
        f"/admin/wallboard/queue/{queue.pk}/change/", {"name": "Renamed", "calls_waiting": "0"}
    )
    assert response.status_code == 403
    assert Queue.objects.get().name == "Sales"


@pytest.mark.parametrize("page", ["rotation", "tickermessage", "passthroughtarget"])
def test_the_other_lists_load_or_are_not_registered(supervisor: Any, page: str) -> None:
    status = supervisor.get(f"/admin/wallboard/{page}/").status_code
    assert status == (404 if page == "passthroughtarget" else 200)
