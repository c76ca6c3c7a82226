"""Applied screen pops hold caller numbers: the call retention purge deletes them with the
calls; a pending one (its call not taken yet) is kept."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.wallboard.screen_pops import pop_source
from wallboard.models import ScreenPop

pytestmark = pytest.mark.django_db


def test_the_purge_deletes_old_applied_pop_ups_only(make_source: Any, settings: Any) -> None:
    settings.CALL_RETENTION_DAYS = 30
    source = pop_source(make_source)
    old, recent = timezone.now() - timedelta(days=31), timezone.now() - timedelta(days=29)
    for call_id, received, status in [
        ("1", old, "applied"),
        ("2", old, "pending"),
        ("3", recent, "applied"),
    ]:
        ScreenPop.objects.create(
            source=source, call_id=call_id, extension="2001", received_at=received, status=status
        )
    call_command("purgecalls", stdout=StringIO())
    assert set(ScreenPop.objects.values_list("call_id", flat=True)) == {"2", "3"}
