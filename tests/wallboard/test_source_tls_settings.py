"""A source's TLS settings are checked where they are made: a CA file that is missing or not a
certificate is a validation error in the admin and a `manage.py check` error, TLS is for
connect sources only; good settings go through exportconfig and importconfig."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.ingest.throwaway_ca import make_pki
from wallboard.configio import export_config, import_config
from wallboard.models import Source

pytestmark = pytest.mark.django_db


def connect_source(**fields: Any) -> Source:
    return Source(name="pbx-1", vendor="mitel", connect="10.0.0.7:15373", **fields)


def test_a_missing_ca_file_is_a_validation_error_naming_it() -> None:
    with pytest.raises(ValidationError) as caught:
        connect_source(tls=True, tls_ca_file="/nowhere/ca.pem").full_clean()
    assert "/nowhere/ca.pem" in " ".join(caught.value.message_dict["tls_ca_file"])


def test_a_file_that_is_no_certificate_is_a_validation_error(tmp_path: Path) -> None:
    junk = tmp_path / "ca.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(ValidationError) as caught:
        connect_source(tls=True, tls_ca_file=str(junk)).full_clean()
    assert "tls_ca_file" in caught.value.message_dict


def test_tls_is_for_connect_sources_and_files_need_it_on(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    with pytest.raises(ValidationError) as caught:
        Source(name="cms", vendor="avaya_cms", listen="0.0.0.0:7001", tls=True).full_clean()
    assert "tls" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        connect_source(tls_ca_file=str(pki.ca_file)).full_clean()
    assert "tls" in caught.value.message_dict
    connect_source(tls=True, tls_ca_file=str(pki.ca_file)).full_clean()


def test_a_bad_ca_path_is_a_check_error(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    source = connect_source(tls=True, tls_ca_file=str(pki.ca_file))
    source.full_clean()
    source.save()
    pki.ca_file.unlink()  # moved away after it was set
    out = io.StringIO()
    with pytest.raises(SystemCheckError) as caught:
        call_command("check", stdout=out, stderr=out)
    assert "wallboard.E001" in str(caught.value) and "tls_ca_file" in str(caught.value)


def test_tls_settings_go_through_export_and_import(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    source = connect_source(tls=True, tls_ca_file=str(pki.ca_file))
    source.save()
    config = export_config()
    exported = config["sources"][0]
    assert (exported["tls"], exported["tls_ca_file"]) == (True, str(pki.ca_file))
    Source.objects.all().delete()
    import_config(config)
    again = Source.objects.get(name="pbx-1")
    assert (again.tls, again.tls_ca_file, again.tls_cert_file) == (True, str(pki.ca_file), "")
