"""A request by a host name that ALLOWED_HOSTS does not list answers "Bad Request (400)", and
the console log says which host to add, in one line without a traceback."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_a_refused_host_is_logged_with_the_name_to_add(client: Any) -> None:
    (console,) = [
        h
        for h in logging.getLogger("django.security").handlers
        if type(h) is logging.StreamHandler  # (not pytest's capture)
    ]
    written = io.StringIO()
    previous = console.setStream(written)  # the console, read back
    try:
        response = client.get("/healthz", HTTP_HOST="10.9.8.7:8000")
    finally:
        console.setStream(previous)
    assert response.status_code == 400
    log = written.getvalue()
    assert "django.security.DisallowedHost: Invalid HTTP_HOST header: '10.9.8.7:8000'" in log
    assert "add '10.9.8.7' to ALLOWED_HOSTS" in log
    assert "Traceback" not in log and len(log.strip().splitlines()) == 1
