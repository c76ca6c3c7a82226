"""A source's credentials (its vendor's secret options) are set in the admin through a password
input that never shows them, stored encrypted, and appear nowhere: not in the admin's HTML, not
in exportconfig's output (nor can an import set them), not in the API."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from tests.ingest.action_peer import example_vendor
from wallboard.configio import ConfigError, export_config, import_config
from wallboard.models import Source
from wallboard.sourcesecrets import UnreadableSecrets

pytestmark = pytest.mark.django_db
__all__ = ["example_vendor"]

PASSWORD = "Tr0ub4dor&3-pbx"


@pytest.fixture
def admin_client(client: Any, django_user_model: Any, settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))
    return client


def form(**fields: str) -> dict[str, str]:
    data = {
        "name": "pbx-cti",
        "enabled": "on",
        "vendor": "example",
        "layout": "",
        "listen": "",
        "connect": "127.0.0.1:9999",
        "allowed_peers": "",
        "refresh_seconds": "60",
        "queue_range": "",
        "agent_range": "",
        "options": "{}",
        "compat_file": "",
        "tls_ca_file": "",
        "tls_cert_file": "",
        "tls_key_file": "",
        "targets-TOTAL_FORMS": "0",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "captures-TOTAL_FORMS": "0",  # the change page's raw captures
        "captures-INITIAL_FORMS": "0",
        "captures-MIN_NUM_FORMS": "0",
        "captures-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


@pytest.fixture
def stored(example_vendor: None, admin_client: Any) -> Source:
    response = admin_client.post("/admin/wallboard/source/add/", form(secret_password=PASSWORD))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Source.objects.get(name="pbx-cti")


def test_a_credential_set_in_the_admin_is_stored_encrypted(stored: Source) -> None:
    assert stored.secret_values() == {"password": PASSWORD}
    assert PASSWORD not in stored.secrets  # at rest: sealed, not the text


def test_the_admin_page_never_shows_the_stored_credential(
    stored: Source, admin_client: Any
) -> None:
    page = admin_client.get(f"/admin/wallboard/source/{stored.pk}/change/").content.decode()
    assert 'type="password"' in page and "password (stored)" in page
    assert PASSWORD not in page and stored.secrets not in page


def test_a_blank_password_input_keeps_the_stored_credential_and_clear_forgets_it(
    stored: Source, admin_client: Any
) -> None:
    url = f"/admin/wallboard/source/{stored.pk}/change/"
    assert admin_client.post(url, form(secret_password="")).status_code == 302
    assert Source.objects.get(pk=stored.pk).secret_values() == {"password": PASSWORD}
    assert admin_client.post(url, form(secret_password="new-one")).status_code == 302
    assert Source.objects.get(pk=stored.pk).secret_values() == {"password": "new-one"}
    assert admin_client.post(url, form(clear_secrets="on")).status_code == 302
    assert Source.objects.get(pk=stored.pk).secret_values() == {}


def test_a_credential_is_never_in_exportconfig_and_an_import_keeps_the_stored_one(
    stored: Source,
) -> None:
    out = io.StringIO()
    call_command("exportconfig", stdout=out)
    text = out.getvalue()
    assert PASSWORD not in text and stored.secrets not in text and "secret" not in text
    import_config(json.loads(text))  # configuration as code, re-applied
    assert Source.objects.get(pk=stored.pk).secret_values() == {"password": PASSWORD}


def test_an_import_cannot_set_a_credential(stored: Source) -> None:
    config = export_config()
    config["sources"][0]["secrets"] = "f1:anything"
    with pytest.raises(ConfigError, match="unknown key"):
        import_config(config)
    config["sources"][0].pop("secrets")
    config["sources"][0]["options"] = {"password": "in-plain-sight"}
    with pytest.raises(ConfigError, match="a credential"):
        import_config(config)


def test_the_api_never_shows_a_credential(stored: Source, admin_client: Any) -> None:
    text = admin_client.get("/api/v1/sources/").content.decode()
    assert "pbx-cti" in text
    assert PASSWORD not in text and stored.secrets not in text


def test_credentials_sealed_under_another_secret_key_are_reported_not_used(
    stored: Source, settings: Any, admin_client: Any, django_user_model: Any
) -> None:
    settings.SECRET_KEY = "another-key"
    with pytest.raises(UnreadableSecrets, match="SECRET_KEY"):
        Source.objects.get(pk=stored.pk).secret_values()
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "wallboard.W005" in out.getvalue()
    # Sessions, too, were signed with the old key: log in again.
    admin_client.force_login(django_user_model.objects.get(username="boss"))
    page = admin_client.get(f"/admin/wallboard/source/{stored.pk}/change/").content.decode()
    assert "enter them again" in page


def test_a_process_that_reads_no_secret_does_not_load_the_cipher_library() -> None:
    """cryptography costs a process about 8 MB: ingest loads it only for a source that has
    credentials, and the web process only when one is set or read."""
    import subprocess
    import sys
    from pathlib import Path

    check = (
        "import sys, django; django.setup();"
        "import ingest.runner, ingest.management.commands.runingest, wallboard.sourcesecrets;"
        "print(sorted(m for m in sys.modules if m.startswith('cryptography')))"
    )
    env = {"SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "wallboard.settings", "PATH": "/usr/bin"}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", check], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
