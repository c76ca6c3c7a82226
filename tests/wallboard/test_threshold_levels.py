"""Warning and alarm levels: one rule, read from the words, the same on the server and on the
display, and one way of showing them.

"Alarm below 80" flags 79.9, never 80; "alarm above 10" flags 10.1 (11 calls), never 10: a
value is flagged when it is strictly beyond the level. The server works out every KPI's level
(wallboard/engine/maths.py, `level`); the display works out only agents' time in a state,
every second, with the same rule (static/wallboard/board/levels.js, `levelOf`), and writes
every level with the same mark and word.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from itertools import product
from pathlib import Path
from typing import Any

import pytest

from integrations.base import OVERFLOW
from wallboard.engine.maths import Threshold, level

ROOT = Path(__file__).resolve().parents[2]
DISPLAY = ROOT / "static" / "wallboard" / "board"
NODE = shutil.which("node")


def above(warning: float | None, alarm: float | None) -> Threshold:
    return {"direction": "above", "warning": warning, "alarm": alarm}


def below(warning: float | None, alarm: float | None) -> Threshold:
    return {"direction": "below", "warning": warning, "alarm": alarm}


@pytest.mark.parametrize(
    ("value", "threshold", "expected"),
    [
        # "alarm below 80": 80 is not below 80
        (80, below(None, 80), None),
        (79.9, below(None, 80), "alarm"),
        (80, below(80, 60), None),
        (79, below(80, 60), "warning"),
        (60, below(80, 60), "warning"),  # at the alarm level: still only the warning
        (59.9, below(80, 60), "alarm"),
        # "alarm above 10": 10 is not above 10
        (10, above(None, 10), None),
        (11, above(None, 10), "alarm"),
        (5, above(5, 10), None),
        (6, above(5, 10), "warning"),
        (10, above(5, 10), "warning"),
        (10.5, above(5, 10), "alarm"),
        # warning and alarm at the same level: beyond it is an alarm
        (80, below(80, 80), None),
        (79, below(80, 80), "alarm"),
        # nothing to judge
        (None, above(5, 10), None),
        ("text", above(5, 10), None),
        (True, above(0, 0), None),
        (5, None, None),
    ],
)
def test_a_value_is_flagged_only_when_strictly_beyond_the_level(
    value: Any, threshold: Threshold | None, expected: str | None
) -> None:
    assert level(value, threshold) == expected


def test_an_overflowed_value_is_beyond_any_level_above_and_never_below() -> None:
    assert level(OVERFLOW, above(5, 10)) == "alarm"
    assert level(OVERFLOW, above(5, None)) == "warning"
    assert level(OVERFLOW, below(80, 60)) is None


# ---- the display: the same rule, one vocabulary -------------------------------------------

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def run_levels_js(script: str) -> Any:
    """Run `script` (which prints JSON) in node with levels.js's exports imported."""
    assert NODE is not None
    module = (DISPLAY / "levels.js").as_uri()
    code = f"import * as L from {json.dumps(module)};\n{script}"
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", code],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)


@needs_node
def test_the_display_flags_agents_time_in_state_by_the_servers_rule() -> None:
    values = [0, 59.9, 60, 60.1, 299, 300, 300.5, 600, 601]
    limits = [None, 60, 300, 600]
    thresholds = [
        {"direction": direction, "warning": w, "alarm": a}
        for direction, w, a in product(("above", "below"), limits, limits)
        if w is not None or a is not None
    ]
    cases = [(v, th) for v in values for th in thresholds]
    shown = run_levels_js(
        f"const cases = {json.dumps(cases)};\n"
        "console.log(JSON.stringify(cases.map(([v, th]) => L.levelOf(v, th))));"
    )
    expected = [level(v, th) for v, th in cases]  # type: ignore[arg-type]
    differ = [(c, s, e) for c, s, e in zip(cases, shown, expected, strict=True) if s != e]
    assert differ == []


@needs_node
def test_a_tiles_header_and_its_values_badge_say_the_same_for_the_same_level() -> None:
    """A below-threshold warning once read "▲ WARNING" in the tile's header and "▼ WARNING" on
    the value."""
    shown = run_levels_js(
        """
const out = {};
for (const level of ['warning', 'alarm', null]) {
  for (const direction of ['above', 'below']) {
    const t = { el: { dataset: {} }, badge: { textContent: '' } };
    L.setLevel(t, level);
    out[`${level} ${direction}`] = [t.badge.textContent, L.levelText(level)];
  }
}
console.log(JSON.stringify(out));
"""
    )
    for case, (header, badge) in shown.items():
        assert header == badge, case
    assert "WARNING" in shown["warning below"][0] and "ALARM" in shown["alarm above"][0]
    assert shown["warning above"][0] != shown["alarm above"][0]
    assert shown["null above"] == ["", ""]


LEVEL_MARKS = re.compile("[\u25b2\u25bc\u25c6\u26a0]")  # ▲ ▼ ◆ ⚠


def test_only_levels_js_writes_the_warning_and_alarm_marks() -> None:
    """The tile kinds (cells, table rows, agents) take the marks from levels.js, so the same
    level looks the same everywhere on the display."""
    writers = sorted(
        str(path.relative_to(DISPLAY))
        for path in [*DISPLAY.glob("kinds/*.js"), DISPLAY / "tile.js", DISPLAY / "format.js"]
        if LEVEL_MARKS.search(path.read_text(encoding="utf-8"))
    )
    assert writers == []
