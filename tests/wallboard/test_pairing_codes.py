"""Pairing codes: short and unambiguous, good for 10 minutes, used once, so many per address;
the admin approves only a code a screen is waiting with."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from wallboard.models import Board, Display, PairingCode

pytestmark = pytest.mark.django_db


def code_on(page: str) -> str:
    found = re.search(r'id="pair-code"[^>]*>([^<]+)<', page)
    assert found, "no code on the page"
    return found.group(1)


def secret_on(page: str) -> str:
    found = re.search(r'data-secret="([^"]+)"', page)
    assert found
    return found.group(1)


def approve(admin_client: Any, code: str, board: Board) -> Any:
    return admin_client.post(
        "/admin/wallboard/display/add/",
        {"code": code, "name": "Reception TV", "show": f"board:{board.pk}"},
    )


def test_a_screen_gets_a_short_unambiguous_code_and_a_qr_code(client: Client) -> None:
    page = client.get("/pair/").content.decode()
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", code_on(page))
    assert "<svg" in page and "/admin/wallboard/display/add/?code=" in page


def test_a_code_is_approved_once_and_its_screen_learns_its_url_once(
    client: Client, admin_client: Any
) -> None:
    board = Board.objects.create(title="Lobby", slug="lobby")
    page = Client().get("/pair/").content.decode()
    secret = secret_on(page)
    assert client.post("/pair/state", {"secret": secret}).json()["state"] == "waiting"
    assert approve(admin_client, code_on(page).lower().replace("-", " "), board).status_code == 302
    display = Display.objects.get(name="Reception TV")
    assert display.paired and display.board == board
    answer = client.post("/pair/state", {"secret": secret}).json()
    assert answer == {"state": "approved", "url": display.display_path()}
    assert client.post("/pair/state", {"secret": secret}).json() == {"state": "used"}
    again = approve(admin_client, code_on(page), board)
    assert again.status_code == 200
    assert "No screen is waiting with this code" in again.content.decode()
    assert Display.objects.count() == 1


def test_an_expired_code_cannot_be_approved_and_its_screen_is_told(
    client: Client, admin_client: Any
) -> None:
    board = Board.objects.create(title="Lobby", slug="lobby")
    page = client.get("/pair/").content.decode()
    PairingCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = approve(admin_client, code_on(page), board)
    assert "No screen is waiting with this code" in refused.content.decode()
    assert client.post("/pair/state", {"secret": secret_on(page)}).json() == {"state": "expired"}
    assert not Display.objects.exists()


def test_an_address_gets_only_so_many_codes_in_ten_minutes(client: Client, settings: Any) -> None:
    settings.PAIRING_CODES_PER_ADDRESS = 3
    for _ in range(3):
        assert client.get("/pair/").status_code == 200
    refused = client.get("/pair/")
    assert refused.status_code == 429 and "Too many pairing codes" in refused.content.decode()
    other = client.get("/pair/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200  # another screen elsewhere is not held up
    PairingCode.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    assert client.get("/pair/").status_code == 200  # the window moved on


def test_a_secret_nobody_was_given_learns_nothing(client: Client) -> None:
    assert client.post("/pair/state", {"secret": "guess"}).json() == {"state": "unknown"}


def test_a_paired_displays_page_needs_its_own_key(client: Client) -> None:
    board = Board.objects.create(title="Lobby", slug="lobby")
    display = Display(name="TV", board=board)
    display.pair()
    display.save()
    assert client.get(display.display_path()).status_code == 200
    assert client.get(f"/screens/{display.ident}/?key={board.display_key}").status_code == 403
    assert client.get(f"/screens/{display.ident}/?key=").status_code == 403
