"""One channel-layer subscription per board per process, fanned out to the local displays.

The design rule is one message per board, never one per connection. Channels' own way, every
display consumer adding its channel to the group `board.<id>`, turns each board update into one
channel-layer message per display: 200 queue puts and task wake-ups with the in-memory layer,
200 msgpack'd copies through Redis (each popped by its own round trip) with channels_redis.
Here a process holds ONE channel per board group that has a local display, receives each event
once, and hands it to every local display itself.

Publishers are unchanged: they still `group_send("board.<id>", {"type": ..., ...})`. Each event
reaches a display through the display's handler for its type, as Channels would call it, except
`board.update`, the hot path: its "text" is the message the publisher encoded once, passed to
each socket as is. Under daphne it is even framed once: the hub builds the websocket frame a
single time per event (autobahn's PreparedMessage, its broadcast API) and hands it to each
display's connection, where a send through the consumer would go through the session
middleware, daphne's reply coroutine and autobahn's framing once per display (40-60 µs each,
the larger part of a 200-display fan-out). The frame goes straight to the connection's socket
when nothing waits to be written to it, not through Twisted's buffer and a later turn of the
event loop per display (see _idle_socket). Any other server gets the consumer's send.

A display joins *held*: events that arrive while it is still being given its snapshot wait and
follow the snapshot in order (a Channels consumer got that for free, its channel queued them
until connect() returned). The same hold covers a resync.

Hubs are per event loop (tests run one loop per test; a hub's tasks and futures belong to one).
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import sys
import weakref
from collections import deque
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import BaseChannelLayer
from channels.sessions import InstanceSessionWrapper

from wallboard import messages

log = logging.getLogger(__name__)

#: Events of these types carry a ready-encoded websocket text frame in "text".
TEXT_EVENTS = messages.TEXT_EVENTS

#: How often a hub re-adds its channels to their groups. Channel layers drop a group member
#: after `group_expiry` (86400 s by default) and a display wall runs for weeks. Far more often
#: than that needs, because re-adding also repairs a membership lost otherwise (a Redis
#: restarted without its data; the in-memory layer drops a channel from its groups when a
#: message waits in it past `expiry`): a board is then deaf for a minute at most, for the cost
#: of one group_add per board per minute.
REFRESH_SECONDS = 60.0

#: Pause after the channel layer failed a receive (Redis restarting), before trying again.
RETRY_SECONDS = 1.0

Event = dict[str, Any]


def refresh_seconds(layer: BaseChannelLayer) -> float:
    """Re-add well before the layer's group expiry, however short it is configured."""
    return min(REFRESH_SECONDS, max(1.0, float(getattr(layer, "group_expiry", 86400)) / 4))


def connection_of(consumer: AsyncWebsocketConsumer) -> Any | None:
    """The daphne websocket connection (an autobahn protocol) a consumer sends to, or None
    under another server or in a test's communicator.

    Daphne gives an application `partial(server.handle_reply, protocol)` as its send, which
    Channels' session middleware wraps (it acts on HTTP responses only). Found by type, never
    guessed: anything else keeps the consumer's own send."""
    ws_protocol = sys.modules.get("daphne.ws_protocol")  # loaded by daphne: not under daphne
    if ws_protocol is None:
        return None
    send = getattr(consumer, "base_send", None)
    wrapper = getattr(send, "__self__", None)
    if isinstance(wrapper, InstanceSessionWrapper):
        send = wrapper.real_send
    if not isinstance(send, functools.partial) or len(send.args) != 1:
        return None
    server = getattr(send.func, "__self__", None)
    if getattr(send.func, "__name__", "") != "handle_reply" or server is None:
        return None
    if type(server).__module__ != "daphne.server":
        return None
    protocol = send.args[0]
    return protocol if isinstance(protocol, ws_protocol.WebSocketProtocol) else None


class Membership:
    """A display's place in its board's group: what the consumer releases and leaves."""

    __slots__ = ("_hub", "connection", "consumer", "gone", "group", "held")

    def __init__(self, hub: Hub, group: GroupChannel, consumer: AsyncWebsocketConsumer) -> None:
        self._hub = hub
        self.group = group
        self.consumer = consumer
        self.connection = connection_of(consumer)  # daphne's, for frames built once
        # Events waiting for the display's snapshot to go out; None once live.
        self.held: deque[Event] | None = deque()
        self.gone = False

    def hold(self) -> None:
        """Keep events back until release(): the display is about to be sent a snapshot."""
        if self.held is None and not self.gone:
            self.held = deque()

    async def release(self) -> None:
        """Deliver what was held, in order, then go live.

        Events that arrive while the held ones are being delivered join the queue, so the
        display still sees them in order; going live happens with the queue empty and no await
        in between.
        """
        held = self.held
        if held is None:
            return
        while held and not self.gone:
            await _deliver(self.consumer, held.popleft())
        self.held = None

    async def leave(self) -> None:
        """No more events; the last display of a board also ends the hub's subscription."""
        if self.gone:
            return
        self.gone = True
        self.held = None
        await self._hub._leave(self)


class GroupChannel:
    """The hub's one channel in one group, its receive and refresh tasks, its local displays."""

    __slots__ = ("closed", "layer", "members", "name", "ready", "tasks")

    def __init__(self, layer: BaseChannelLayer, name: str) -> None:
        self.layer = layer
        self.name = name
        self.members: dict[Membership, None] = {}  # an ordered set: displays in join order
        self.ready: asyncio.Future[str] | None = None  # the channel, once it is in the group
        self.tasks: list[asyncio.Task[None]] = []
        self.closed = False

    @property
    def channel(self) -> str | None:
        """The channel name, once subscribed (None while starting, or if starting failed)."""
        ready = self.ready
        if ready is None or not ready.done() or ready.cancelled() or ready.exception():
            return None
        return ready.result()


class Hub:
    """The displays of one event loop, by group; one channel-layer subscription per group."""

    def __init__(self) -> None:
        self.groups: dict[tuple[BaseChannelLayer, str], GroupChannel] = {}
        self._stopping: set[asyncio.Task[None]] = set()

    async def join(
        self, layer: BaseChannelLayer, group: str, consumer: AsyncWebsocketConsumer
    ) -> Membership:
        """Add a display to a group; returns once the hub's channel is in the group.

        Returned held: the caller sends its snapshot, then calls release(). Displays joining
        at once share one subscription: the first creates it, the others wait for the same.
        """
        key = (layer, group)
        entry = self.groups.get(key)
        if entry is None:
            entry = self.groups[key] = GroupChannel(layer, group)
            entry.ready = asyncio.ensure_future(self._start(entry))
        membership = Membership(self, entry, consumer)
        _first_display(membership)
        entry.members[membership] = None
        assert entry.ready is not None
        try:
            # Shielded: one display giving up must not cancel the subscription of the others.
            await asyncio.shield(entry.ready)
        except BaseException:
            await membership.leave()
            raise
        return membership

    async def _start(self, entry: GroupChannel) -> str:
        try:
            channel = await entry.layer.new_channel()
            await entry.layer.group_add(entry.name, channel)
        except BaseException:
            if self.groups.get((entry.layer, entry.name)) is entry:
                del self.groups[entry.layer, entry.name]  # the next display tries afresh
            raise
        if not entry.closed:  # every display may have left while this was starting
            entry.tasks = [
                asyncio.ensure_future(self._receive(entry, channel)),
                asyncio.ensure_future(self._refresh(entry, channel)),
            ]
        return channel

    async def _leave(self, membership: Membership) -> None:
        entry = membership.group
        entry.members.pop(membership, None)
        if entry.members or entry.closed:
            return
        entry.closed = True
        if self.groups.get((entry.layer, entry.name)) is entry:
            del self.groups[entry.layer, entry.name]  # a display joining now starts afresh
        # Its own task, shielded: a leave cut short (a cancelled consumer) still unsubscribes.
        stopping = asyncio.ensure_future(self._stop(entry))
        self._stopping.add(stopping)
        stopping.add_done_callback(self._stopping.discard)
        await asyncio.shield(stopping)

    async def _stop(self, entry: GroupChannel) -> None:
        assert entry.ready is not None
        await asyncio.wait([entry.ready])
        channel = entry.channel
        if channel is None:
            return  # never subscribed
        for task in entry.tasks:
            task.cancel()
        await asyncio.gather(*entry.tasks, return_exceptions=True)
        try:
            await entry.layer.group_discard(entry.name, channel)
        except Exception as exc:  # it expires from the group by itself
            log.error("cannot leave %s: %s", entry.name, exc)

    async def _receive(self, entry: GroupChannel, channel: str) -> None:
        """Receive the group's events one at a time, each delivered to all before the next:
        a display sees a board's events in the order they were sent."""
        layer = entry.layer
        while not entry.closed:
            try:
                event = await layer.receive(channel)
            except Exception as exc:
                log.error("cannot receive %s events, retrying: %s", entry.name, exc)
                await asyncio.sleep(RETRY_SECONDS)
                await _add(entry, channel)  # a restarted Redis has forgotten the group
                continue
            try:
                await _fan_out(entry, event)
            except Exception:
                log.exception("cannot deliver a %s event: %.200r", entry.name, event)

    async def _refresh(self, entry: GroupChannel, channel: str) -> None:
        interval = refresh_seconds(entry.layer)
        while True:
            await asyncio.sleep(interval)
            await _add(entry, channel)


async def _add(entry: GroupChannel, channel: str) -> None:
    try:
        await entry.layer.group_add(entry.name, channel)
    except Exception as exc:  # the next refresh tries again
        log.error("cannot add to %s: %s", entry.name, exc)


class _Frame:
    """An update's websocket frame, built once for all the displays of one fan-out."""

    __slots__ = ("event", "prepared")

    def __init__(self, event: Event) -> None:
        self.event = event
        self.prepared: Any = None

    def send(self, connection: Any) -> None:
        """Write it to a daphne connection that is open (daphne drops a reply to one that is
        closing or closed, as this does)."""
        if connection.state != connection.STATE_OPEN:
            return
        prepared = self.prepared
        if prepared is None:
            text = self.event["text"]
            prepared = self.prepared = connection.factory.prepareMessage(text.encode())
        if connection._perMessageCompress is None and not connection.send_queue:
            socket = _idle_socket(connection.transport)
            if socket is not None:
                _write_now(connection.transport, socket, prepared.payloadHybi)
                return
        connection.sendPreparedMessage(prepared)


_tcp_server: Any = None  # twisted.internet.tcp.Server, once a frame has gone to a connection


def _idle_socket(transport: Any) -> Any | None:
    """The socket of a plain TCP connection of Twisted's with nothing waiting to be written,
    else None (TLS, another transport, or bytes still buffered: those go through Twisted).

    Twisted's write() only buffers the bytes and registers the connection with the event loop
    as a writer; the loop's next turn then calls it back to send them and unregisters it: two
    epoll_ctl calls, a callback and its logging context per display per update. With autobahn's
    send, that was two thirds of daphne's time in a 1,000-display fan-out, the send() itself
    less than half of it. With nothing buffered, sending at once puts the same bytes on the
    wire in the same order."""
    global _tcp_server
    if _tcp_server is None:
        from twisted.internet import tcp  # under daphne only: it gave us the connection

        _tcp_server = tcp.Server
    if (
        type(transport) is not _tcp_server
        or transport.TLS
        or transport.dataBuffer
        or transport._tempDataBuffer
        or not transport.connected
        or transport.disconnecting
        or transport._writeDisconnected
    ):
        return None
    return transport.socket


def _write_now(transport: Any, socket: Any, data: bytes) -> None:
    """Send what the socket takes now; Twisted's write() buffers the rest (a client reading
    slowly) and so also orders what comes next behind it. An error is left to that write too:
    Twisted meets it again and closes the connection as it would have."""
    try:
        sent = socket.send(data)
    except OSError:
        sent = 0
    if sent < len(data):
        transport.write(data[sent:])


async def _fan_out(entry: GroupChannel, event: Event) -> None:
    """Deliver one event to a snapshot of the group's displays (one may leave meanwhile)."""
    frame = _Frame(event) if event.get("type") in TEXT_EVENTS else None
    for member in tuple(entry.members):
        if member.held is not None:
            member.held.append(event)
        elif member.gone:
            continue
        elif frame is not None and member.connection is not None:
            try:
                frame.send(member.connection)  # no await: nothing else runs in between
            except Exception:
                log.exception("cannot deliver a board.update event to a display")
        else:
            await _deliver(member.consumer, event)


async def _deliver(consumer: AsyncWebsocketConsumer, event: Event) -> None:
    """One event to one display; its failure is logged, never passed on to the others.

    Calls the handler by type as Channels' dispatch() would, without its close_old_connections
    thread hop per display: handlers that touch the database go through database_sync_to_async,
    which does that itself.
    """
    try:
        if event.get("type") in TEXT_EVENTS:
            await consumer.send(text_data=event["text"])
            return
        handler = getattr(consumer, get_handler_name(event), None)
        if handler is None:
            raise ValueError(f"no handler for message type {event['type']}")
        await handler(event)
    except Exception:
        log.exception("cannot deliver a %.40r event to a display", event.get("type"))


_started = False


def _first_display(membership: Membership) -> None:
    """Once per process, when it first serves a display: say whether updates take the fast
    path (daphne: framed once per update), and, under daphne, freeze the heap that import and
    start-up built (it lives as long as the process, and a full collection of a Django
    process's heap, tens of ms, would otherwise fall in the middle of a fan-out now and then)."""
    global _started
    if _started:
        return
    _started = True
    if membership.connection is not None:
        gc.freeze()
        log.info("display fan-out: under daphne, each update is framed once for all displays")
    else:
        log.info("display fan-out: not under daphne; each display's update goes through its send")


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """The running event loop's hub."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found


async def join(layer: BaseChannelLayer, group: str, consumer: AsyncWebsocketConsumer) -> Membership:
    """Add a display to a group through this loop's hub (see Hub.join)."""
    return await hub().join(layer, group, consumer)
