"""Recorders in exportconfig / importconfig: a round trip gives the same recorders with the
same sources, the token never leaves nor comes back, an import keeps the token a recorder has,
and a recorder naming a source that does not exist is refused."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from wallboard.configio import ConfigError, export_config, import_config
from wallboard.models import Recorder

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-recorder-token"


def make_recorder(make_source: Any) -> Recorder:
    aes = make_source("aes-1")
    make_source("pbx-1")
    recorder = Recorder(
        name="qms-1",
        base_url="https://recorder.example/api",
        match_key="extension",
        lookup_window_seconds=15,
        enabled=False,
    )
    recorder.set_token(TOKEN)
    recorder.full_clean()
    recorder.save()
    recorder.sources.set([aes])
    return recorder


def test_recorders_round_trip_without_their_token(make_source: Any, tmp_path: Path) -> None:
    make_recorder(make_source)
    path = tmp_path / "config.json"
    call_command("exportconfig", str(path), stdout=io.StringIO())
    text = path.read_text()
    assert TOKEN not in text and "secret" not in json.loads(text)["recorders"][0]
    assert json.loads(text)["recorders"] == [
        {
            "name": "qms-1",
            "kind": "http_json",
            "base_url": "https://recorder.example/api",
            "match_key": "extension",
            "sources": ["aes-1"],
            "lookup_window_seconds": 15,
            "enabled": False,
        }
    ]
    Recorder.objects.all().delete()
    out = io.StringIO()
    call_command("importconfig", str(path), stdout=out)
    assert "1 new recorder(s) have no token" in out.getvalue()
    again = Recorder.objects.get(name="qms-1")
    assert again.token() == ""  # never imported
    assert [s.name for s in again.sources.all()] == ["aes-1"]
    assert (again.match_key, again.lookup_window_seconds, again.enabled) == ("extension", 15, False)
    assert export_config()["recorders"] == json.loads(text)["recorders"]


def test_an_import_keeps_the_token_a_recorder_has(make_source: Any) -> None:
    make_recorder(make_source)
    config = export_config()
    config["recorders"][0]["sources"] = ["aes-1", "pbx-1"]
    counts = import_config(config)
    assert counts["recorders"] == 1 and "recorders_without_token" not in counts
    recorder = Recorder.objects.get(name="qms-1")
    assert recorder.token() == TOKEN
    assert sorted(s.name for s in recorder.sources.all()) == ["aes-1", "pbx-1"]


def test_a_recorder_naming_an_unknown_source_is_refused(make_source: Any) -> None:
    make_recorder(make_source)
    config = export_config()
    config["recorders"][0]["sources"] = ["nowhere"]
    with pytest.raises(ConfigError, match="recorder 'qms-1': no source nowhere"):
        import_config(config)
    assert [s.name for s in Recorder.objects.get(name="qms-1").sources.all()] == ["aes-1"]


def test_an_unknown_recorder_key_is_refused(make_source: Any) -> None:
    make_recorder(make_source)
    config = export_config()
    config["recorders"][0]["token"] = "x"
    with pytest.raises(ConfigError, match=r"recorders\[0\]: unknown key\(s\) token"):
        import_config(config)
