"""The web side of alarms on the wall: a staff user's acknowledgement and mute from a display,
and the priority messages that take over screens (see wallboard.engine.alarms for the alarm
state itself, which ingest works out and publishes)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models import Q

from wallboard import messages
from wallboard.models import Board, PriorityMessage, RotationEntry, Tile, TileAck

log = logging.getLogger(__name__)

MAX_MUTE_MINUTES = 24 * 60


def acknowledge(board_id: int, tile_id: object, user: Any) -> bool:
    """Record that a staff user acknowledged a tile's alarms now; ingest reads it at its next
    reload and publishes it to every display of the board. False: no such tile on the board."""
    try:
        pk = int(str(tile_id))
    except ValueError:
        return False
    if not Tile.objects.filter(pk=pk, board_id=board_id).exists():
        return False
    who = user if user is not None and getattr(user, "is_authenticated", False) else None
    TileAck.objects.update_or_create(
        tile_id=pk, defaults={"acknowledged_at": datetime.now(UTC), "acknowledged_by": who}
    )
    return True


def mute(board_id: int, minutes: object) -> int | None:
    """Mute a board for `minutes` (0 unmutes); the end of the mute in ms, None when unmuted."""
    try:
        n = max(0, min(MAX_MUTE_MINUTES, int(str(minutes))))
    except ValueError:
        n = 0
    until = datetime.now(UTC) + timedelta(minutes=n) if n else None
    Board.objects.filter(pk=board_id).update(muted_until=until)  # no reload of the board
    return _ms(until)


def muted_until(board_id: int) -> int | None:
    until = Board.objects.filter(pk=board_id).values_list("muted_until", flat=True).first()
    return _ms(until) if until and until > datetime.now(UTC) else None


def _ms(at: datetime | None) -> int | None:
    return int(at.timestamp() * 1000) if at else None


def priority_items(board_id: int) -> list[dict[str, Any]]:
    """The priority messages not yet expired for a board's screens: those for the board itself
    (`board`) and those for a rotation that plays it (`rotations`: their slugs)."""
    now = datetime.now(UTC)
    rotations = RotationEntry.objects.filter(board_id=board_id).values("rotation_id")
    found = (
        PriorityMessage.objects.filter(expires_at__gt=now)
        .filter(Q(boards=board_id) | Q(rotations__in=rotations))
        .distinct()
        .prefetch_related("boards", "rotations")
    )
    return [
        {
            "id": m.pk,
            "text": m.text,
            "start": _ms(m.starts_at),
            "end": _ms(m.expires_at),
            "board": any(b.pk == board_id for b in m.boards.all()),
            "rotations": [r.slug for r in m.rotations.all()],
        }
        for m in found
    ]


def boards_of(message: PriorityMessage) -> set[int]:
    """The boards whose screens a message is for (its boards, its rotations' boards)."""
    ids = set(message.boards.values_list("pk", flat=True))
    ids |= set(
        RotationEntry.objects.filter(rotation__in=message.rotations.all()).values_list(
            "board_id", flat=True
        )
    )
    return ids


def send_to_boards(board_ids: set[int], event: str) -> None:
    """Tell the displays of these boards now (a posted, edited or removed priority message; a
    mute). A channel layer that is down loses nothing for good: a display reconnecting is
    told on connect."""
    layer = get_channel_layer()
    if layer is None:
        return
    for board_id in sorted(board_ids):
        message = (
            messages.board_priority(priority_items(board_id))
            if event == messages.BOARD_PRIORITY
            else messages.board_mute(muted_until(board_id))
        )
        try:
            async_to_sync(layer.group_send)(messages.board_group(board_id), message)
        except Exception as exc:
            log.error("cannot tell the displays of board %s: %s", board_id, exc)
