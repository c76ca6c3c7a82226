"""Configuration mistakes surface at start-up as system checks."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks

from wallboard.models import Source


@pytest.mark.django_db
def test_a_listen_address_this_server_does_not_have_is_a_start_up_warning() -> None:
    Source.objects.create(
        name="cms", vendor="avaya_cms", layout="tvi1", listen="192.0.2.77:7001"
    )  # TEST-NET-1: never a local address
    messages = [m for m in run_checks() if m.id == "wallboard.W002"]
    assert len(messages) == 1 and "192.0.2.77:7001" in messages[0].msg


@pytest.mark.django_db
def test_a_local_listen_address_passes(make_source: Any) -> None:
    make_source(listen="127.0.0.1:7001", allowed_peers="127.0.0.1")
    assert not [m for m in run_checks() if m.id and m.id.startswith("wallboard.")]


@pytest.mark.django_db
def test_an_agent_report_without_its_c_speedup_is_a_start_up_warning(
    make_source: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from integrations.avaya_cms import agents

    make_source(name="cms-skills", listen="127.0.0.1:7001")
    make_source(name="cms-agents", layout="agent_tv", listen="127.0.0.1:7002")
    monkeypatch.setattr(agents, "Heads", None)
    messages = [m for m in run_checks() if m.id == "wallboard.W003"]
    assert len(messages) == 1 and "cms-agents" in messages[0].msg  # the skills report has none


@pytest.mark.django_db
def test_a_listen_source_that_admits_anyone_is_a_start_up_warning(make_source: Any) -> None:
    make_source(name="open", listen="127.0.0.1:7001")
    make_source(name="closed", listen="127.0.0.1:7002", allowed_peers="10.0.0.5")
    make_source(name="pbx", vendor="mitel", layout="", listen="", connect="127.0.0.1:15373")
    messages = [m for m in run_checks() if m.id == "wallboard.W004"]
    assert len(messages) == 1 and "'open'" in messages[0].msg
    assert "allowed peers" in messages[0].msg and "10.0.0.5" not in messages[0].msg
    assert messages[0].hint and "allowed peers" in messages[0].hint
