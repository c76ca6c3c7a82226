"""An overflowed value (the feed's `*****`: more than its field can hold) is shown as the most
the field holds with the overflow mark, "≥ 99:59" or "≥ 999", never as a word the feed did not
send; the display takes the limit from the KPI catalogue of its snapshot."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from wallboard.engine.kpis import KPIS, display_catalogue

DISPLAY = Path(__file__).resolve().parents[2] / "static" / "wallboard" / "board"
NODE = shutil.which("node")


def test_the_catalogue_gives_each_kpi_the_most_its_field_can_hold() -> None:
    kpis = display_catalogue()["kpis"]
    assert kpis["oldest_wait_seconds"]["limit"] == 99 * 60 + 59  # mm:ss
    assert kpis["asa_seconds"]["limit"] == 99 * 60 + 59
    assert kpis["calls_waiting"]["limit"] == 999
    assert kpis["agents_staffed"]["limit"] == 999
    assert kpis["service_level_pct"]["limit"] == 999
    assert set(kpis) == set(KPIS)
    assert all(isinstance(k["limit"], int) and k["limit"] > 0 for k in kpis.values())


def shown(values: list[tuple[str, Any]]) -> list[str]:
    """What the display writes for each (kpi, value), with the server's catalogue."""
    if NODE is None:
        pytest.skip("node is not installed")
    code = (
        f"import * as C from {json.dumps((DISPLAY / 'catalogue.js').as_uri())};\n"
        f"import * as F from {json.dumps((DISPLAY / 'format.js').as_uri())};\n"
        f"C.setCatalogue({json.dumps(display_catalogue())});\n"
        f"const values = {json.dumps(values)};\n"
        "console.log(JSON.stringify(values.map(([k, v]) => F.fmtKpi(k, v))));"
    )
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", code],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return list(json.loads(done.stdout))


def test_the_display_writes_an_overflow_as_at_least_the_fields_limit() -> None:
    assert shown(
        [
            ("oldest_wait_seconds", "overflow"),
            ("calls_waiting", "overflow"),
            ("service_level_pct", "overflow"),
            ("oldest_wait_seconds", 102),  # and the rest as before
            ("oldest_wait_seconds", 6000),
            ("calls_waiting", 31),
            ("service_level_pct", 86.4),
            ("calls_waiting", None),
        ]
    ) == ["≥ 99:59", "≥ 999", "≥ 999%", "1:42", "1:40:00", "31", "86%", "–"]
