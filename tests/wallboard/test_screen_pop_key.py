"""The receiver's key: made when a source takes screen pops, revoked by regenerating it in the
admin, useless for a source that has screen pops off or is disabled, and never exported."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tests.wallboard.screen_pops import pop_source, pop_url
from wallboard.models import ScreenPop, ScreenPopReceiver

pytestmark = pytest.mark.django_db


def test_an_unknown_key_gets_not_found_and_stores_nothing(client: Any, make_source: Any) -> None:
    pop_source(make_source)
    response = client.get("/screenpop/AAAAAAAAAAAAAAAAAAAAAAAA/?CALLID=1&EXTENSION=2")
    assert response.status_code == 404
    assert not ScreenPop.objects.exists()


def test_a_regenerated_key_revokes_the_old_url(admin_client: Any, make_source: Any) -> None:
    source = pop_source(make_source)
    old = pop_url(source)
    receiver = ScreenPopReceiver.objects.get(source=source)
    admin_client.post(
        "/admin/wallboard/screenpopreceiver/",
        {"action": "regenerate_key", "_selected_action": [receiver.pk]},
    )
    assert admin_client.get(old).status_code == 404
    assert admin_client.get(pop_url(source)).status_code == 200
    assert ScreenPop.objects.count() == 1


def test_the_admin_shows_the_url_to_paste_into_optimus(admin_client: Any, make_source: Any) -> None:
    source = pop_source(make_source)
    receiver = ScreenPopReceiver.objects.get(source=source)
    page = admin_client.get(f"/admin/wallboard/screenpopreceiver/{receiver.pk}/change/")
    assert f"/screenpop/{receiver.key}/?CALLID=[CALLID]" in page.content.decode()


def test_a_source_with_screen_pops_off_takes_none(client: Any, make_source: Any) -> None:
    source = pop_source(make_source)
    url = pop_url(source)
    source.options = {"screen_pop": False}
    source.save()
    assert client.get(url).status_code == 404
    source.options, source.enabled = {"screen_pop": True}, False
    source.save()
    assert client.get(url).status_code == 404
    assert not ScreenPop.objects.exists()


def test_the_key_is_never_exported(make_source: Any) -> None:
    source = pop_source(make_source)
    out = StringIO()
    call_command("exportconfig", stdout=out)
    assert ScreenPopReceiver.objects.get(source=source).key not in out.getvalue()
    assert json.loads(out.getvalue())["sources"][0]["options"] == {"screen_pop": True}


def test_screen_pop_must_be_true_or_false(make_source: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="screen_pop is true or false"):
        pop_source(make_source, screen_pop="yes")
