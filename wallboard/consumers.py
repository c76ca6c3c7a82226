"""/ws/boards/<slug>/: a display's live feed of one board.

On connect: access check (a staff session, the board's display key, or the key of a rotation
that plays the board), join the board's group, send a `snapshot`. Then forward the publisher's
`update` and `status` messages as they come; a client that sees a gap in `seq` sends
{"type": "resync"} and gets a fresh snapshot. A display sends {"type": "ping"} now and then and
gets {"type": "pong"}: a link it hears nothing on, not even that, is dead though never closed.
A staff session (never a display key) may send {"type": "ack", "tile": id}, which ingest
publishes to every display of the board, and {"type": "mute", "minutes": n}.

A display joins its board's group through the process's fan-out hub (wallboard.fanout), not
with a channel of its own: the group then holds one channel per process, whatever the number of
screens, and the hub calls the handlers below for every local display.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import weakref
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import DatabaseError

from wallboard import alarms, displays, fanout, messages
from wallboard.boards import board_snapshot
from wallboard.jsontext import compact
from wallboard.models import Board, Rotation

log = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def _opens(board: Board, user: Any, query: dict[str, list[str]]) -> str | None:
    """The key that opened the board ("" for a staff session), or None: no access."""
    if user is not None and user.is_authenticated and user.is_staff:
        return ""
    key = (query.get("key") or [""])[0]
    if not key:
        return None
    if secrets.compare_digest(key, board.display_key):
        return key
    rotation_slug = (query.get("rotation") or [""])[0]
    if rotation_slug:
        rotation = Rotation.objects.filter(slug=rotation_slug).first()
        if (
            rotation is not None
            and secrets.compare_digest(key, rotation.display_key)
            and rotation.entries.filter(board=board).exists()
        ):
            return key
    ident = (query.get("display") or [""])[0]
    if ident and displays.opens_for_display(ident, key, board):
        return key  # a paired display's own key
    return None


@database_sync_to_async
def _board_id(slug: str) -> int | None:
    return Board.objects.filter(slug=slug).values_list("pk", flat=True).first()


@database_sync_to_async
def _authorise(
    board_id: int, user: Any, query: dict[str, list[str]]
) -> tuple[Board | None, str | None]:
    """The board as it is now, and the key that opens it (None: no access)."""
    board = Board.objects.filter(pk=board_id).first()
    if board is None:
        return None, None
    return board, _opens(board, user, query)


@database_sync_to_async
def _acknowledge(board_id: int, tile: object, user: Any) -> bool:
    return alarms.acknowledge(board_id, tile, user)


@database_sync_to_async
def _mute(board_id: int, minutes: object) -> int | None:
    return alarms.mute(board_id, minutes)


# A display's key is checked again now and then while it stays connected (on its pings), so a
# revocation whose message was lost (the channel layer down while the admin regenerated the
# key) still closes it. Answers are shared for a few seconds among a process's displays.
KEY_RECHECK_SECONDS = 10.0
_key_checks: dict[tuple[int, str, str, str], tuple[float, bool]] = {}


async def key_still_opens(board_id: int, key: str, rotation: str, display: str = "") -> bool:
    now = time.monotonic()
    cached = _key_checks.get((board_id, key, rotation, display))
    if cached is not None and now - cached[0] < KEY_RECHECK_SECONDS:
        return cached[1]
    if len(_key_checks) > 10_000:
        _key_checks.clear()
    query = {"key": [key], "rotation": [rotation], "display": [display]}
    _, opened_by = await _authorise(board_id, None, query)
    opens = opened_by is not None
    _key_checks[(board_id, key, rotation, display)] = (now, opens)
    return opens


@database_sync_to_async
def _snapshot(board: Board) -> dict[str, Any]:
    read = _starting.get()
    if read is not None:
        read.started = True  # the reads below come after every display that shares this one
    return board_snapshot(board)


# Displays that come up together (a floor's screens after a restart or a network outage)
# share their board's snapshot: a display that asks while a read of it waits for the database
# thread gets that read's text, read and encoded once. Never a read that has started: it may
# have read the board's state before this display joined the board's group, and missed an
# update the display then never gets.
class _SharedRead:
    __slots__ = ("started", "text")

    def __init__(self) -> None:
        self.started = False
        self.text: asyncio.Future[str] | None = None


_starting: ContextVar[_SharedRead | None] = ContextVar("snapshot_read_starting", default=None)
_waiting: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, _SharedRead]] = (
    weakref.WeakKeyDictionary()
)


async def _snapshot_text(board: Board) -> str:
    """The board's snapshot, encoded; shared with the displays that asked before its read
    started (see above). Called after the display joined the board's group."""
    reads = _waiting.setdefault(asyncio.get_running_loop(), {})
    read = reads.get(board.pk)
    if read is None or read.started:
        read = reads[board.pk] = _SharedRead()
        read.text = asyncio.ensure_future(_read_text(board, read))
        read.text.add_done_callback(lambda _: reads.get(board.pk) is read and reads.pop(board.pk))
    assert read.text is not None
    return await asyncio.shield(read.text)  # one display leaving does not cancel the others'


async def _read_text(board: Board, read: _SharedRead) -> str:
    _starting.set(read)  # this task's own context, which the database thread runs in
    return compact(await _snapshot(board))


# A board's layout changed (board.reload): each of a process's displays of the board gets the
# same new snapshot, read and encoded once, by the first display the hub hands the event to (it
# hands it to one display at a time). The event's seq tells one reload from the next. The last
# reload's snapshot per board is kept for the seconds its fan-out takes, no longer: a board
# deleted and made again may get the same id, and its seq starts again.
_reloads: dict[int, tuple[object, float, str]] = {}
RELOAD_SHARED_SECONDS = 10.0


async def _reloaded(board: Board, seq: object) -> str:
    shared = _reloads.get(board.pk)
    now = time.monotonic()
    if shared and seq is not None and shared[0] == seq and now - shared[1] < RELOAD_SHARED_SECONDS:
        return shared[2]
    text = compact(await _snapshot(board))
    _reloads[board.pk] = (seq, now, text)
    return text


async def _registry(call: Any, *args: Any) -> Any:
    """A write of the display registry. A database that fails it fails no display: the
    screen goes on showing its board, and is listed again when it next connects (meanwhile
    the registry calls it stale, then gone, as it would a screen it does not hear)."""
    try:
        return await database_sync_to_async(call)(*args)
    except DatabaseError as exc:
        log.error("display registry: %s failed: %s", call.__name__, exc)
        return None


class BoardConsumer(AsyncJsonWebsocketConsumer):
    # No channel-layer channel of its own: a display gets its board's events from the
    # process's fan-out hub, and an idle receive per display (hundreds per daphne) would only
    # crowd the layer's receive loop. An alias no layer has gives the consumer none.
    channel_layer_alias = "board displays listen through wallboard.fanout"
    board: Board
    key: str
    rotation: str = ""
    group: str
    membership: fanout.Membership | None = None
    # In the display registry (wallboard.displays): its id, this connection's token, its own
    # group's membership, and when its last-seen time was last written.
    claimed: str = ""  # the id the page sent (a paired display's key opens only with it)
    display: str = ""
    token: str = ""
    display_membership: fanout.Membership | None = None
    seen_written: float = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Leave the hub however the consumer ends: a connect that failed half way or a task
        cancelled by the server never reach disconnect(), and the hub would keep the display."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._leave()

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        query = parse_qs(self.scope.get("query_string", b"").decode())
        board_id = await _board_id(slug)
        if board_id is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.group = messages.board_group(board_id)
        # Joined before the key is checked: a key revoked after the check was read has its
        # revocation sent after the revoking save committed, so after this join, and it reaches
        # this display (held with the board's other events until the snapshot is out). Joined
        # before the snapshot is read too, so no update falls in between.
        self.membership = await fanout.join(get_channel_layer(), self.group, self)
        board, key = await _authorise(board_id, self.scope.get("user"), query)
        if board is None or key is None:
            await self._leave()
            await self.close(code=CLOSE_NOT_FOUND if board is None else CLOSE_FORBIDDEN)
            return
        self.board, self.key = board, key
        self.rotation = (query.get("rotation") or [""])[0]
        self.claimed = (query.get("display") or [""])[0]
        await self.accept()
        await self._send_snapshot()
        await self._register(query)

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        membership, self.membership = self.membership, None
        if membership is not None:
            await membership.leave()
        display, self.display_membership = self.display_membership, None
        if display is not None:
            await display.leave()
        token, self.token = self.token, ""
        if token:
            await _registry(displays.disconnected, self.display, token)

    # -- the display registry -------------------------------------------------------------
    async def _register(self, query: dict[str, list[str]]) -> None:
        """List this display in the registry and join its own group (the admin's commands).
        A page that sends no id (an older display file) is simply not listed."""
        ident = displays.valid_ident((query.get("display") or [""])[0])
        if ident is None:
            return
        client = self.scope.get("client") or ("", 0)
        headers = dict(self.scope.get("headers") or [])
        seen = displays.Seen(
            ident=ident,
            key=self.key,
            board=self.board,
            rotation=self.rotation,
            address=str(client[0] or ""),
            user_agent=headers.get(b"user-agent", b"").decode("latin-1"),
            version=(query.get("v") or [""])[0],
        )
        token = await _registry(displays.connected, seen)
        if token is None:
            return
        self.display, self.token, self.seen_written = ident, token, time.monotonic()
        group = messages.display_group(ident)
        try:
            self.display_membership = await fanout.join(get_channel_layer(), group, self)
        except Exception as exc:  # listed all the same; commands cannot reach it meanwhile
            log.error("display %s cannot join %s: %s", ident, group, exc)
            return
        await self.display_membership.release()

    async def _still_here(self) -> None:
        """On a ping: the last-seen time, written at most every seen_every() seconds."""
        now = time.monotonic()
        if self.token and now - self.seen_written >= displays.seen_every():
            self.seen_written = now
            await _registry(displays.still_here, self.display, self.token)

    async def _send_snapshot(self) -> None:
        """A snapshot, with the board's events held meanwhile and delivered after it."""
        membership = self.membership
        if membership is not None:
            membership.hold()
        try:
            await self.send(text_data=await _snapshot_text(self.board))
        finally:
            if membership is not None:
                await membership.release()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == messages.RESYNC:
            await self._send_snapshot()
        elif kind == messages.PING:  # the display checks the link is alive, even with a quiet feed
            if self.key and not await key_still_opens(
                self.board.pk, self.key, self.rotation, self.claimed
            ):
                await self.close(code=CLOSE_FORBIDDEN)  # revoked, and its message was lost
                return
            await self.send_json(messages.pong(int(time.time() * 1000)))
            await self._still_here()
        elif kind in (messages.ACK, messages.MUTE):
            if self.key:  # a display key shows the board; only a staff user acts on it
                return
            if kind == messages.ACK:
                if await _acknowledge(self.board.pk, content.get("tile"), self.scope.get("user")):
                    # Ingest reads it now rather than at its next reload, and publishes it.
                    await get_channel_layer().group_send(
                        messages.INGEST_GROUP, messages.alarms_ack()
                    )
            else:
                until = await _mute(self.board.pk, content.get("minutes"))
                await get_channel_layer().group_send(self.group, messages.board_mute(until))

    # -- events from the publisher and the admin, delivered by the fan-out hub -----------
    async def board_update(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])  # encoded once by the publisher

    board_heartbeat = board_update  # also a message encoded once (messages.TEXT_EVENTS)

    async def board_status(self, event: dict[str, Any]) -> None:
        await self.send_json(messages.status_message(event))

    async def board_reload(self, event: dict[str, Any]) -> None:
        await self.send(text_data=await _reloaded(self.board, event.get("seq")))

    async def board_mute(self, event: dict[str, Any]) -> None:
        await self.send_json(messages.mute_message(event.get("until")))

    async def board_priority(self, event: dict[str, Any]) -> None:
        await self.send_json(messages.priority_message(event["messages"], self.rotation))

    async def display_command(self, event: dict[str, Any]) -> None:
        await self.send_json(messages.command_message(event))

    async def key_revoked(self, event: dict[str, Any]) -> None:
        if self.key and secrets.compare_digest(self.key, event["key"]):
            await self.close(code=CLOSE_FORBIDDEN)
