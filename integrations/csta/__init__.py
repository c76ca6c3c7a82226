"""Avaya AES DMCC speaking CSTA Phase III XML (ECMA-323): a CTI link the wallboard connects
to (TCP 4721, TLS 4722), monitoring stations, splits and VDNs; agents and call steps."""

from __future__ import annotations

from typing import Any

from integrations.base import AGENT_LOG_OUT, AGENT_NOT_READY, AGENT_READY, VendorInfo
from integrations.csta.decoder import KEEPALIVE_SECONDS, DmccDecoder
from integrations.csta.options import DEFAULTS, SECRETS, problems, settings

VENDOR = VendorInfo(
    key="csta",
    label="Avaya AES DMCC (CSTA XML)",
    transport="connect",
    default_port=4721,
    layouts=("events",),
    # Only snapshots mark absent rows gone, and an event feed sends none: an agent's row comes
    # when it changes and stays until a logout says otherwise (as Mitel's events).
    missing_batches_before_gone=1,
    # The keep-alive answers come every KEEPALIVE_SECONDS (5 s): a quiet link stays fresh
    # (stale after two refreshes without a batch) and is not taken for silent.
    default_refresh_seconds=max(10, int(2 * KEEPALIVE_SECONDS)),
    agent_actions=(AGENT_LOG_OUT, AGENT_NOT_READY, AGENT_READY),
    secret_options=SECRETS,
)


def default_options(layout: str) -> dict[str, Any]:
    return dict(DEFAULTS)


def validate_options(layout: str, options: dict[str, Any]) -> list[str]:
    found = [] if layout in VENDOR.layouts else [f"Unknown layout {layout!r}: CSTA has 'events'."]
    return found + problems(options)


def make_decoder(layout: str, options: dict[str, Any]) -> DmccDecoder:
    """A decoder for one connection; ValueError (never quoting the password) when
    validate_options would complain."""
    found = validate_options(layout, options)
    if found:
        raise ValueError(" ".join(found))
    return DmccDecoder(settings(options))
