"""A login the CSRF check refuses says why: over plain HTTP with secure cookies, that the site
is set for HTTPS and SECURE_COOKIES=false is the setting for a plain-HTTP LAN; from an origin
the site does not trust, that CSRF_TRUSTED_ORIGINS lists the addresses it trusts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def refused_login(**headers: Any) -> Any:
    # A browser on a plain-HTTP address drops a Secure cookie: the post comes without one.
    client = Client(enforce_csrf_checks=True)
    return client.post(
        "/admin/login/", {"username": "x", "password": "y"}, HTTP_HOST="localhost", **headers
    )


def test_a_plain_http_login_with_secure_cookies_names_the_setting(settings: Any) -> None:
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = True
    response = refused_login()
    assert response.status_code == 403
    page = response.content.decode()
    assert "This site is set for HTTPS; set <code>SECURE_COOKIES=false</code>" in page
    assert "plain-HTTP LAN" in page and "CSRF cookie not set" in page


def test_in_plain_http_lan_mode_the_refusal_does_not_blame_the_setting(settings: Any) -> None:
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False
    response = refused_login()
    assert response.status_code == 403
    assert "SECURE_COOKIES=false" not in response.content.decode()


def test_a_login_over_https_with_secure_cookies_does_not_blame_the_setting(settings: Any) -> None:
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = True
    response = refused_login(secure=True)
    assert response.status_code == 403
    assert "SECURE_COOKIES=false" not in response.content.decode()


def test_a_form_from_an_untrusted_origin_points_to_csrf_trusted_origins(settings: Any) -> None:
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False
    client = Client(enforce_csrf_checks=True)
    client.get("/admin/login/", HTTP_HOST="localhost")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/admin/login/",
        {"username": "x", "password": "y", "csrfmiddlewaretoken": token},
        HTTP_HOST="localhost",
        HTTP_ORIGIN="http://proxy.example.com",
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "<code>http://proxy.example.com</code>" in page
    assert "CSRF_TRUSTED_ORIGINS" in page
