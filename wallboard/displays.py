"""The display registry and pairing: what the consumers write, what the admin reads and sends.

State lives in the database (Display rows), so every daphne process's displays are listed
wherever the admin runs; commands go through the channel layer to each display's own group
(`display.<id>`), which the process holding its websocket has joined.

Liveness: a display pings every DISPLAY_PING_SECONDS; its last-seen time is written at most
every DISPLAY_SEEN_SECONDS (so a floor of screens is not a write per ping). A display whose
last-seen time is older than two of both together is stale (its link may be half open), older
than three is gone; one that closed its socket is gone at once. A process that dies takes no
goodbye with it: its displays go stale, then gone, by the same rule.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wallboard import messages
from wallboard.models import Board, Display, PairingCode, Rotation, RotationEntry
from wallboard.models.displays import new_code, normalise_code

log = logging.getLogger(__name__)

LIVE, STALE, GONE = "live", "stale", "gone"
# A display's id as the page sends it: the page's own random hex, or a paired display's.
IDENT = re.compile(r"[A-Za-z0-9_-]{8,32}")
# A display that reconnects within this long (a rotation's next board, a page reload) keeps
# its "connected since".
REJOIN_SECONDS = 15.0
# Unpaired displays gone this long are forgotten (a kiosk browser restarted is a new tab).
FORGET_AFTER = timedelta(days=1)
PAIRING_LIFETIME = timedelta(minutes=10)
PAIRING_WINDOW = timedelta(minutes=10)  # PAIRING_CODES_PER_ADDRESS counts codes in this window
PAIRING_PENDING_MAX = 1000  # codes waiting at once, from every address together


def ping_seconds() -> float:
    return float(settings.DISPLAY_PING_SECONDS)


def seen_every() -> float:
    return float(settings.DISPLAY_SEEN_SECONDS)


def stale_after() -> float:
    return 2 * (ping_seconds() + seen_every())


def gone_after() -> float:
    return 3 * (ping_seconds() + seen_every())


def liveness(display: Display, now: datetime) -> str:
    if display.last_seen is None or display.disconnected_at is not None:
        return GONE
    age = (now - display.last_seen).total_seconds()
    if age > gone_after():
        return GONE
    return STALE if age > stale_after() else LIVE


def valid_ident(text: str) -> str | None:
    return text if IDENT.fullmatch(text) else None


# ---- what the consumers write ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seen:
    """How a display connected: what it opened, with what, from where."""

    ident: str
    key: str
    board: Board
    rotation: str  # the rotation's slug, or ""
    address: str
    user_agent: str
    version: str


def connected(seen: Seen) -> str | None:
    """Register a display's new connection; its token, or None when the id is a paired
    display's and the connection did not open with that display's key (not its row)."""
    now = timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        row = Display.objects.select_for_update().filter(ident=seen.ident).first()
        if row is None:
            Display.objects.filter(display_key="", last_seen__lt=now - FORGET_AFTER).delete()
            row = Display(ident=seen.ident)
        elif row.paired and not secrets.compare_digest(seen.key, row.display_key):
            return None
        if not _continuing(row, now):
            row.connected_since = now
        if not row.paired:
            rotation = Rotation.objects.filter(slug=seen.rotation).first()
            row.rotation = rotation if seen.rotation else None
            rotation = row.rotation
            row.board = None if rotation is not None else seen.board
        row.showing = seen.board.slug
        row.address = seen.address[:64]
        row.user_agent = seen.user_agent[:200]
        row.version = seen.version[:16]
        row.connection = token
        row.last_seen = now
        row.disconnected_at = None
        row.save()
    return token


def _continuing(row: Display, now: datetime) -> bool:
    if row.pk is None or row.connected_since is None:
        return False
    if row.disconnected_at is not None:
        return (now - row.disconnected_at).total_seconds() < REJOIN_SECONDS
    return liveness(row, now) != GONE


def still_here(ident: str, token: str) -> None:
    """The display pinged (the consumer calls this at most every seen_every() seconds)."""
    Display.objects.filter(ident=ident, connection=token).update(last_seen=timezone.now())


def disconnected(ident: str, token: str) -> None:
    """Its socket closed; a newer connection of the same display (a rotation's next board,
    opened before this one closed) has another token and stays."""
    Display.objects.filter(ident=ident, connection=token).update(disconnected_at=timezone.now())


def opens_for_display(ident: str, key: str, board: Board) -> bool:
    """Whether a paired display's own key opens this board: its board, or one of its
    rotation's."""
    display = Display.objects.filter(ident=ident).exclude(display_key="").first()
    if display is None or not secrets.compare_digest(key, display.display_key):
        return False
    if display.board_id == board.pk:
        return True
    return display.rotation_id is not None and (
        RotationEntry.objects.filter(rotation_id=display.rotation_id, board=board).exists()
    )


# ---- what the admin sends -------------------------------------------------------------------


def send(display: Display, event: dict[str, Any]) -> bool:
    """One event to a display's group; False (and logged) when the channel layer failed."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(messages.display_group(display.ident), event)
    except Exception as exc:
        log.error("cannot send %s to %s: %s", event.get("command", event["type"]), display, exc)
        return False
    return True


def reload(display: Display) -> bool:
    return send(display, messages.display_command(messages.RELOAD))


def identify(display: Display) -> bool:
    return send(
        display,
        messages.display_command(
            messages.IDENTIFY,
            name=display.name,
            ident=display.ident[:8],
            seconds=messages.IDENTIFY_SECONDS,
        ),
    )


def switch(display: Display, target: Board | Rotation) -> bool:
    """Show another board or rotation: a paired display is set to it (its own key opens the
    new one, and its own page shows it after any reload); any other display is sent the
    target's URL, with the target's key."""
    if display.paired:
        display.board = target if isinstance(target, Board) else None
        display.rotation = target if isinstance(target, Rotation) else None
        display.save(update_fields=["board", "rotation"])
        url = display.display_path()
    else:
        url = target.display_path()
    return send(display, messages.display_command(messages.OPEN, url=url))


def unpair(display: Display) -> bool:
    """Revoke a paired display's key; its screen is closed at once (or at its next key check
    if the message is lost)."""
    old = display.display_key
    display.pair()
    display.save(update_fields=["display_key"])
    return not old or send(display, messages.key_revoked(old))


# ---- pairing --------------------------------------------------------------------------------


class PairingRefused(Exception):
    pass


def new_pairing(address: str) -> PairingCode:
    """A fresh code for a screen waiting to be paired. Bounded: so many per address in a
    window, so many pending in all."""
    now = timezone.now()
    PairingCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    recent = PairingCode.objects.filter(address=address, created_at__gte=now - PAIRING_WINDOW)
    if recent.count() >= settings.PAIRING_CODES_PER_ADDRESS:
        raise PairingRefused("Too many pairing codes from this address: try again in a while.")
    pending = PairingCode.objects.filter(display__isnull=True, expires_at__gte=now)
    if pending.count() >= PAIRING_PENDING_MAX:
        raise PairingRefused("Too many screens are waiting to be paired: try again later.")
    taken = set(pending.values_list("code", flat=True))
    code = new_code()
    while code in taken:
        code = new_code()
    return PairingCode.objects.create(
        code=code,
        secret=secrets.token_urlsafe(32),
        address=address[:64],
        expires_at=now + PAIRING_LIFETIME,
    )


def pending_code(text: str) -> PairingCode | None:
    """The code as typed, if a screen is waiting with it now."""
    return (
        PairingCode.objects.filter(
            code=normalise_code(text), display__isnull=True, expires_at__gte=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )


def approve(
    code: PairingCode, name: str, target: Board | Rotation, approved_by: str
) -> Display | None:
    """Make the display the code's screen becomes; None when the code was taken meanwhile."""
    with transaction.atomic():
        waiting = (
            PairingCode.objects.select_for_update()
            .filter(pk=code.pk, display__isnull=True, expires_at__gte=timezone.now())
            .first()
        )
        if waiting is None:
            return None
        display = Display(
            name=name,
            board=target if isinstance(target, Board) else None,
            rotation=target if isinstance(target, Rotation) else None,
        )
        display.pair()
        display.save()
        waiting.display = display
        waiting.approved_by = approved_by[:150]
        waiting.save(update_fields=["display", "approved_by"])
    return display


def pairing_state(secret: str) -> dict[str, Any]:
    """What a waiting screen learns when it asks: waiting, its URL once (single use), or
    expired / used."""
    now = timezone.now()
    code = PairingCode.objects.select_related("display").filter(secret=secret).first()
    if code is None:
        return {"state": "unknown"}
    if code.display is not None:
        taken = PairingCode.objects.filter(pk=code.pk, used_at__isnull=True).update(used_at=now)
        if taken:
            return {"state": "approved", "url": code.display.display_path()}
        return {"state": "used"}
    if code.expires_at < now:
        return {"state": "expired"}
    return {"state": "waiting", "expires_at": int(code.expires_at.timestamp() * 1000)}
