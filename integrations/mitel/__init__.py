"""Mitel 3300 ICP / MiVoice Business ACD Real Time Events (the PBX listens on 15373)."""

from __future__ import annotations

from typing import Any

from integrations.base import LiveDocument, VendorInfo
from integrations.mitel.compat import compat_document, write_atomically
from integrations.mitel.decoder import RteDecoder

# The old "Mitel ACD Listener" JSON (mitel_data.json), so its consumers switch over unchanged.
LISTENER_DOCUMENT = LiveDocument(
    name="mitel",
    label="Mitel ACD listener JSON",
    queue_kinds=("group", "path"),
    render=compat_document,
    write=write_atomically,
)

VENDOR = VendorInfo(
    key="mitel",
    label="Mitel 3300 ACD Real Time Events",
    transport="connect",
    default_port=15373,
    layouts=("rte",),
    missing_batches_before_gone=1,
    default_refresh_seconds=15,
    live_document=LISTENER_DOCUMENT,
)


def default_options(layout: str) -> dict[str, Any]:
    # Nothing to configure yet: the stream has one record layout, and the one unknown (the
    # width of the button/reason tail) is kept raw rather than guessed.
    return {}


def validate_options(layout: str, options: dict[str, Any]) -> list[str]:
    problems = []
    if layout not in VENDOR.layouts:
        problems.append(f"Unknown layout {layout!r}; Mitel has only {', '.join(VENDOR.layouts)}.")
    if not isinstance(options, dict):
        problems.append("Options must be a JSON object.")
    else:
        problems.extend(f"Unknown option {key!r}." for key in sorted(options))
    return problems


def make_decoder(layout: str, options: dict[str, Any]) -> RteDecoder:
    problems = validate_options(layout, options)
    if problems:
        raise ValueError(" ".join(problems))
    return RteDecoder()
