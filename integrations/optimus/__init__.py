"""Aspire Optimus: the real-time feed Optimus pushes to its agent-toolbar clients every 5 s."""

from __future__ import annotations

import math
from typing import Any

from integrations.base import Decoder, VendorInfo
from integrations.optimus.decoder import ToolbarDecoder

VENDOR = VendorInfo(
    key="optimus",
    label="Aspire Optimus toolbar feed",
    transport="either",
    # The vendor publishes no port: 5501 is this project's choice, a per-site setting.
    default_port=5501,
    layouts=("toolbar",),
    missing_batches_before_gone=3,
    default_refresh_seconds=5,
)

_DEFAULTS: dict[str, Any] = {
    "batch_gap_seconds": 1.0,
    # Take Optimus' web screen pop-ups (one URL per call offered to an agent) as call steps
    # of this source: the wallboard's /screenpop/<key>/ endpoint (README, "Screen pop").
    "screen_pop": False,
}
MAX_BATCH_GAP_SECONDS = 60.0


def default_options(layout: str) -> dict[str, Any]:
    return dict(_DEFAULTS)


def validate_options(layout: str, options: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if layout not in VENDOR.layouts:
        problems.append(f"Unknown layout {layout!r}: the Optimus feed has only 'toolbar'.")
    if not isinstance(options, dict):
        return [*problems, "Options must be a JSON object."]
    for key in options:
        if key not in _DEFAULTS:
            problems.append(f"Unknown option {key!r}: known options are {', '.join(_DEFAULTS)}.")
    if not isinstance(options.get("screen_pop", False), bool):
        problems.append("screen_pop is true or false.")
    gap = options.get("batch_gap_seconds", _DEFAULTS["batch_gap_seconds"])
    if (
        isinstance(gap, bool)
        or not isinstance(gap, int | float)
        or not math.isfinite(gap)
        or not 0 < gap <= MAX_BATCH_GAP_SECONDS
    ):
        problems.append(
            f"batch_gap_seconds must be a number of seconds above 0 and at most "
            f"{MAX_BATCH_GAP_SECONDS:g}, not {gap!r}."
        )
    return problems


def make_decoder(layout: str, options: dict[str, Any]) -> Decoder:
    """A decoder for one connection; ValueError when validate_options would complain."""
    problems = validate_options(layout, options)
    if problems:
        raise ValueError(" ".join(problems))
    merged = {**_DEFAULTS, **options}
    return ToolbarDecoder(batch_gap_seconds=float(merged["batch_gap_seconds"]))
