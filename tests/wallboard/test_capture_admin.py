"""Captures in the admin: asked for from the source list or a source's page, downloaded by staff
only, deleted with their files, and deleted after CAPTURE_RETENTION_DAYS."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ingest.capture import CaptureFile, CaptureHeader
from wallboard.models import SourceCapture
from wallboard.models.captures import purge_expired

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client: Any, django_user_model: Any) -> Any:
    user = django_user_model.objects.create_superuser("boss", password="pw")
    client.force_login(user)
    client.user = user
    return client


def taken(source: Any, tmp_path: Path, **fields: Any) -> SourceCapture:
    path = tmp_path / f"{source.name}.wbcap"
    file = CaptureFile(path, CaptureHeader("avaya_cms", "tvi1", source.name), 60, None, 1000)
    file.read(b"F1|1|2\n", 1.0)
    file.close()
    return SourceCapture.objects.create(
        source=source, status=SourceCapture.DONE, file_path=str(path), bytes=7, **fields
    )


def test_the_source_list_action_asks_for_a_capture(make_source: Any, admin_client_: Any) -> None:
    source = make_source("cms-skills")
    response = admin_client_.post(
        reverse("admin:wallboard_source_changelist"),
        {"action": "capture_a_minute", "_selected_action": [source.pk]},
        follow=True,
    )
    assert "Asked for 1 capture(s)" in response.content.decode()
    capture = SourceCapture.objects.get(source=source)
    assert capture.status == SourceCapture.REQUESTED and capture.limit_seconds == 60
    assert capture.requested_by == admin_client_.user


def test_a_sources_page_lists_its_captures_with_a_download_link(
    make_source: Any, admin_client_: Any, tmp_path: Path
) -> None:
    source = make_source("cms-skills")
    capture = taken(source, tmp_path)
    page = admin_client_.get(reverse("admin:wallboard_source_change", args=[source.pk]))
    text = page.content.decode()
    assert "Raw captures" in text
    assert reverse("admin:wallboard_sourcecapture_download", args=[capture.pk]) in text


def test_staff_download_the_capture_file(
    make_source: Any, admin_client_: Any, tmp_path: Path
) -> None:
    capture = taken(make_source("cms-skills"), tmp_path)
    response = admin_client_.get(
        reverse("admin:wallboard_sourcecapture_download", args=[capture.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(capture.file_path).read_bytes()
    assert "attachment" in response["Content-Disposition"]


def test_a_user_who_is_not_staff_gets_no_capture(
    make_source: Any, client: Any, django_user_model: Any, tmp_path: Path
) -> None:
    capture = taken(make_source("cms-skills"), tmp_path)
    client.force_login(django_user_model.objects.create_user("viewer", password="pw"))
    url = reverse("admin:wallboard_sourcecapture_download", args=[capture.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_running_capture_is_not_downloaded(
    make_source: Any, admin_client_: Any, tmp_path: Path
) -> None:
    capture = taken(make_source("cms-skills"), tmp_path)
    SourceCapture.objects.filter(pk=capture.pk).update(status=SourceCapture.RUNNING)
    url = reverse("admin:wallboard_sourcecapture_download", args=[capture.pk])
    assert admin_client_.get(url).status_code == 404


def test_deleting_a_capture_deletes_its_file(make_source: Any, tmp_path: Path) -> None:
    capture = taken(make_source("cms-skills"), tmp_path)
    path = Path(capture.file_path)
    capture.delete()
    assert not path.exists()


def test_captures_older_than_the_retention_are_deleted_with_their_files(
    make_source: Any, settings: Any, tmp_path: Path, admin_client_: Any
) -> None:
    settings.CAPTURE_RETENTION_DAYS = 14
    source = make_source("cms-skills")
    old, recent = taken(source, tmp_path / "old"), taken(source, tmp_path / "new")
    SourceCapture.objects.filter(pk=old.pk).update(requested_at=timezone.now() - timedelta(days=15))
    SourceCapture.objects.filter(pk=recent.pk).update(
        requested_at=timezone.now() - timedelta(days=13)
    )
    admin_client_.get(reverse("admin:wallboard_sourcecapture_changelist"))
    assert list(SourceCapture.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Path(old.file_path).exists() and Path(recent.file_path).exists()
    assert purge_expired() == 0
