"""Alarm settings as a supervisor gives them: a clear level on the alarm level's safe side, and
every alarm setting kept by configuration as code (exportconfig, then importconfig)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from wallboard.configio import ConfigError, export_config, import_config
from wallboard.models import Board, Rotation, Threshold, Tile

pytestmark = pytest.mark.django_db

CONFIG: dict[str, Any] = {
    "boards": [
        {
            "title": "Desk",
            "slug": "desk",
            "alarm_sound": "repeat",
            "alarm_repeat_seconds": 20,
            "tiles": [
                {
                    "kind": "big_number",
                    "kpis": "calls_waiting",
                    "thresholds": [
                        {
                            "kpi": "calls_waiting",
                            "direction": "above",
                            "alarm": 10,
                            "clear": 7,
                            "hold_seconds": 30,
                            "sound": "once",
                        }
                    ],
                }
            ],
        }
    ],
    "rotations": [
        {"name": "Floor", "slug": "floor", "jump_to_alarm": True, "boards": [{"board": "desk"}]}
    ],
}


def threshold(direction: str, alarm: float | None, clear: float | None) -> Threshold:
    board = Board.objects.create(title="B", slug=f"b{Board.objects.count()}")
    tile = Tile.objects.create(board=board, kind=Tile.BIG_NUMBER, kpis="calls_waiting")
    return Threshold(
        tile=tile, kpi="calls_waiting", direction=direction, warning=3, alarm=alarm, clear=clear
    )


def test_a_clear_level_beyond_the_alarm_level_is_refused() -> None:
    with pytest.raises(ValidationError, match="safe side"):
        threshold("above", 10, 12).full_clean()
    with pytest.raises(ValidationError, match="safe side"):
        threshold("below", 2, 1).full_clean()
    with pytest.raises(ValidationError, match="needs an alarm level"):
        threshold("above", None, 5).full_clean()
    threshold("above", 10, 7).full_clean()
    threshold("below", 2, 2.5).full_clean()


def test_alarm_settings_survive_an_export_and_an_import() -> None:
    import_config(CONFIG)
    exported = export_config()
    board = exported["boards"][0]
    assert (board["alarm_sound"], board["alarm_repeat_seconds"]) == ("repeat", 20)
    th = board["tiles"][0]["thresholds"][0]
    assert (th["clear"], th["hold_seconds"], th["sound"]) == (7, 30, "once")
    assert exported["rotations"][0]["jump_to_alarm"] is True
    import_config(exported)  # idempotent
    assert Rotation.objects.get(slug="floor").jump_to_alarm
    assert Threshold.objects.get().hold_seconds == 30


def test_an_unknown_sound_is_refused_on_import() -> None:
    bad = {"boards": [{**CONFIG["boards"][0], "alarm_sound": "siren"}]}
    with pytest.raises(ConfigError):
        import_config(bad)
