"""/healthz: for load balancers and monitoring; answers without a login and tells no secrets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from wallboard.models import SourceHealth

pytestmark = pytest.mark.django_db


def test_it_answers_ok_as_json_without_a_login(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"


def test_it_is_never_cached(client: Any) -> None:
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


def test_it_tells_no_secrets(client: Any, settings: Any) -> None:
    settings.SECRET_KEY = "s3cr3t-healthz-test-key-0123456789"
    text = client.get("/healthz").content.decode()
    assert settings.SECRET_KEY not in text
    for word in ("SECRET_KEY", "DATABASE_URL", "CHANNELS_URL", "PASSWORD", "postgres://"):
        assert word.lower() not in text.lower()
    database = django_settings.DATABASES["default"]
    for value in (database.get("PASSWORD"), database.get("USER"), str(database["NAME"])):
        if value and len(value) > 3:
            assert value not in text


def test_ingest_is_not_running_without_any_heartbeat(client: Any, make_source: Any) -> None:
    assert client.get("/healthz").json()["ingest"] == "not running"
    SourceHealth.objects.create(source=make_source("cms-skills"), heartbeat_at=None)
    assert client.get("/healthz").json()["ingest"] == "not running"


def test_ingest_is_running_with_a_fresh_heartbeat(client: Any, make_source: Any) -> None:
    SourceHealth.objects.create(source=make_source("cms-skills"), heartbeat_at=timezone.now())
    assert client.get("/healthz").json()["ingest"] == "running"


def test_ingest_is_not_running_when_the_last_heartbeat_is_old(
    client: Any, make_source: Any
) -> None:
    SourceHealth.objects.create(
        source=make_source("cms-skills"), heartbeat_at=timezone.now() - timedelta(minutes=10)
    )
    assert client.get("/healthz").json()["ingest"] == "not running"


def test_it_counts_sources_reporting_and_those_stale(client: Any, make_source: Any) -> None:
    now = timezone.now()
    SourceHealth.objects.create(source=make_source("a"), stale=False, heartbeat_at=now)
    SourceHealth.objects.create(source=make_source("b"), stale=True, heartbeat_at=now)
    SourceHealth.objects.create(source=make_source("c"), stale=True, heartbeat_at=now)
    body = client.get("/healthz").json()
    assert (body["sources"], body["stale_sources"]) == (3, 2)


def test_it_answers_get_only(client: Any) -> None:
    assert client.post("/healthz").status_code == 405
