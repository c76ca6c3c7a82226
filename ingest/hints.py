"""Hints from the web side over the channel layer: "a row is waiting for you" (an agent action,
a screen pop). Only hints: the rows are also swept at each reload, so a lost message or a
channel layer that is away loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

REGROUP_SECONDS = 600.0  # channel-layer groups expire (Redis): join again this often


async def listen(
    group: str, kind: str, on_hint: Callable[[dict[str, Any]], Awaitable[None]], what: str
) -> None:
    """Hand each message of type `kind` sent to `group` to on_hint, until cancelled; `what`
    names the hints in the log."""
    from channels.layers import get_channel_layer

    layer: Any = get_channel_layer()
    if layer is None:
        return
    channel = await layer.new_channel()
    try:
        while True:
            try:
                await _hear(layer, channel, group, kind, on_hint)
            except Exception as exc:  # the layer (Redis) is away: the sweeps go on
                log.warning("%s: no hints from the channel layer (%s)", what, exc)
                await asyncio.sleep(5.0)
    finally:
        with contextlib.suppress(Exception):
            await layer.group_discard(group, channel)


async def _hear(
    layer: Any,
    channel: str,
    group: str,
    kind: str,
    on_hint: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    await layer.group_add(group, channel)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(REGROUP_SECONDS):
            while True:
                message = await layer.receive(channel)
                if message.get("type") == kind:
                    await on_hint(message)
