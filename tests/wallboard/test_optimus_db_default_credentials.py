"""`manage.py check` warns of an Optimus database source that logs in with the login and
password printed in the vendor's guide, and not of one whose password was changed."""

from __future__ import annotations

import pytest

from wallboard.checks import check_sources
from wallboard.models import Source

pytestmark = pytest.mark.django_db


def poll_source(password: str) -> Source:
    source = Source(
        name="optimus-db",
        vendor="optimus_db",
        layout="stat",
        options={"database": "mssql+pymssql://OPTEXTRNL@10.0.0.8/Optimus"},
    )
    source.full_clean()
    source.set_secrets({"password": password})
    source.save()
    return source


def test_the_guides_default_password_is_a_warning() -> None:
    poll_source("OPTEXTRNL")
    warnings = [m for m in check_sources() if m.id == "wallboard.W006"]
    assert len(warnings) == 1
    assert "default database login" in warnings[0].msg


def test_a_changed_password_is_not() -> None:
    poll_source("a-better-one")
    assert [m for m in check_sources() if m.id == "wallboard.W006"] == []


def test_a_password_in_the_url_is_refused() -> None:
    source = Source(
        name="optimus-db",
        vendor="optimus_db",
        layout="stat",
        options={"database": "mssql+pymssql://OPTEXTRNL:secret@10.0.0.8/Optimus"},
    )
    with pytest.raises(Exception, match="leave the password out"):
        source.full_clean()


def test_the_guides_web_service_credentials_are_a_warning_too() -> None:
    source = Source(
        name="optimus-db",
        vendor="optimus_db",
        layout="stat",
        options={
            "database": "mssql+pymssql://OPTEXTRNL@10.0.0.8/Optimus",
            "agent_services_url": "http://10.0.0.8/OptimusIntegration/AgentServices.asmx",
        },
    )
    source.full_clean()
    source.set_secrets({"password": "a-better-one"})
    source.save()
    (warning,) = [m for m in check_sources() if m.id == "wallboard.W006"]
    assert "default web-service user and password" in warning.msg
    source.set_secrets({"password": "a-better-one", "agent_services_password": "changed"})
    source.save()
    assert [m for m in check_sources() if m.id == "wallboard.W006"] == []
