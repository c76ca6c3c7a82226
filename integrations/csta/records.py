"""CSTA events to the neutral records: agent states and call steps (note §7, §8, §11).

The call rules, in one place:
- A call is keyed by its CSTA callID. Its first event, whatever it is (Delivered at a VDN or
  a station, Queued, Originated...), gives one `offered`; no call is ever offered twice.
- The same switch event reaches every monitor the call touches (its VDN, its split, the
  agent's station), so a step is handed on once per (call, device): an event is a duplicate
  when the last step handed on for that call at that device is the same step, or one that
  comes after it (ringing or answered at a station where the call is already answered, held
  or retrieved). A hold, a retrieve and a second hold at one station are three steps; a Held
  seen on the VDN monitor after the station's is one.
- `ended` is handed on once: at CallCleared, or at the ConnectionCleared of the caller or of
  an agent station in a two-party call (a conferenced call ends at CallCleared or when one
  party is left). A ConnectionCleared of a station whose call it holds is not an end (the
  note's S1 warns that one arrives on hold). Events about a call that ended in the last
  minute are stragglers from the other monitors and are dropped.
- After a transfer or conference the call may go on under the consulting call's ID: that ID
  becomes an alias of the first call, and the consulting call itself ends (cause "merged").
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from integrations.base import (
    AVAILABLE,
    CALL_ANSWERED,
    CALL_CONFERENCED,
    CALL_DIVERTED,
    CALL_ENDED,
    CALL_FAILED,
    CALL_HELD,
    CALL_OFFERED,
    CALL_QUEUED,
    CALL_RETRIEVED,
    CALL_RINGING,
    CALL_TRANSFERRED,
    LOGGED_OUT,
    NOT_READY,
    ON_CALL,
    OTHER,
    RINGING,
    WRAP_UP,
    CallEvent,
)
from integrations.csta.messages import Message

# Agent events (and GetAgentState's agentState) to neutral states.
AGENT_EVENTS: Final[dict[str, tuple[str, str]]] = {
    "AgentLoggedOnEvent": (AVAILABLE, "loggedOn"),
    "AgentReadyEvent": (AVAILABLE, "ready"),
    "AgentNotReadyEvent": (NOT_READY, "notReady"),
    "AgentWorkingAfterCallEvent": (WRAP_UP, "workingAfterCall"),
    "AgentLoggedOffEvent": (LOGGED_OUT, "loggedOff"),
}
POLLED_STATES: Final[dict[str, str]] = {
    "agentReady": AVAILABLE,
    "agentNotReady": NOT_READY,
    "agentWorkingAfterCall": WRAP_UP,
    "agentBusy": ON_CALL,
    "agentNull": OTHER,
}
# A mediaClass or Avaya channelType that says the session is not a voice call.
MEDIA: Final[dict[str, str]] = {
    "chat": "chat",
    "im": "chat",
    "email": "email",
    "message": "chat",
    "sms": "chat",
    "web": "web",
    "data": "web",
}
_BUSY: Final = frozenset((CALL_ANSWERED, CALL_HELD, CALL_RETRIEVED))
# A step at a device that has already gone past it there is a late copy from another monitor.
_LATER: Final[dict[str, frozenset[str]]] = {CALL_RINGING: _BUSY, CALL_ANSWERED: _BUSY}
RECENT_ENDS: Final = 60.0  # seconds an ended call's stragglers are dropped for
MAX_CALLS: Final = 50_000  # open calls kept; past it the oldest is forgotten (garbage IDs)
MAX_ID: Final = 64  # characters kept of an ID or number from the wire

# event name -> (the connection element, the subject device element)
_CONNECTION: Final[dict[str, tuple[str, str]]] = {
    "DeliveredEvent": ("connection", "alertingDevice"),
    "EstablishedEvent": ("establishedConnection", "answeringDevice"),
    "HeldEvent": ("heldConnection", "holdingDevice"),
    "RetrievedEvent": ("retrievedConnection", "retrievingDevice"),
    "QueuedEvent": ("queuedConnection", "queue"),
    "DivertedEvent": ("connection", "divertingDevice"),
    "ConnectionClearedEvent": ("droppedConnection", "releasingDevice"),
    "CallClearedEvent": ("clearedCall", ""),
    "FailedEvent": ("failedConnection", "failingDevice"),
    "OriginatedEvent": ("originatedConnection", "originatingDevice"),
    "TransferedEvent": ("primaryOldCall", "transferringDevice"),
    "ConferencedEvent": ("primaryOldCall", "conferencingDevice"),
}
CALL_EVENTS: Final = frozenset(_CONNECTION)
# The same, as the keys read: the call's ID, the subject device, the connection's device.
_KEYS: Final[dict[str, tuple[str, str, str]]] = {
    name: (where + "/callID", subject + "/deviceIdentifier" if subject else "", where + "/deviceID")
    for name, (where, subject) in _CONNECTION.items()
}
# Events a call can begin with; a call first seen at any other was already under way.
_STARTS: Final = frozenset(("DeliveredEvent", "QueuedEvent", "OriginatedEvent"))


def extension(device: str) -> str:
    """A device ID's extension: "5001:CM1::0" -> "5001" (the note: ext:switch:ip:instance)."""
    return device.partition(":")[0][:MAX_ID]


def ucid(text: str) -> str:
    """The UCID in its 20-digit CTI form (note §11): as sent when it is 20 digits; the 8-byte
    binary form as 16 hex digits (node, sequence, seconds); the SIP UUI hex form (FA 08 + the
    8 bytes); anything else as sent, bounded."""
    text = text.strip()
    if len(text) == 20 and text.isdigit():
        return text
    raw = text.upper()
    if len(raw) == 20 and raw.startswith("FA08"):
        raw = raw[4:]
    if len(raw) == 16:
        try:
            value = bytes.fromhex(raw)
        except ValueError:
            return text[:MAX_ID]
        node = int.from_bytes(value[:2], "big")
        sequence = int.from_bytes(value[2:4], "big")
        seconds = int.from_bytes(value[4:], "big")
        return f"{node:05d}{sequence:05d}{seconds:010d}"
    return text[:MAX_ID]


@dataclass(slots=True)
class OpenCall:
    call_id: str
    ucid: str = ""
    direction: str = ""
    vdn: str = ""
    queue: str = ""
    calling: str = ""
    called: str = ""
    media: str = "voice"
    at_device: dict[str, str] = field(default_factory=dict)  # extension -> last step there
    stations: set[str] = field(default_factory=set)  # agent stations the call reached
    released_by: str = ""
    conferenced: bool = False
    parties: int = 2
    aliases: list[str] = field(default_factory=list)  # IDs merged into this call


class CallTracker:
    """The open calls of one source, across connections (handed on by resume)."""

    def __init__(self) -> None:
        # What the decoder knows, kept up to date by it: station extension -> device ID,
        # the monitored VDNs, and station -> the agent logged in there.
        self.stations: dict[str, str] = {}
        self.vdns: frozenset[str] = frozenset()
        self.agent_at: dict[str, str] = {}
        self.calls: OrderedDict[str, OpenCall] = OrderedDict()
        self.at_station: dict[str, set[str]] = {}  # station -> open calls that reached it
        self.touched: set[str] = set()  # stations whose calls changed (the decoder drains it)
        self.aliases: dict[str, str] = {}
        self.ended: OrderedDict[str, float] = OrderedDict()  # call ID -> when it ended

    def station_state(self, station: str) -> str:
        """RINGING or ON_CALL while a call rings or is up (or held) there, else ""."""
        state = ""
        for call_id in self.at_station.get(station, ()):
            call = self.calls.get(call_id)
            step = call.at_device.get(station) if call is not None else None
            if step in _BUSY:
                return ON_CALL
            if step == CALL_RINGING:
                state = RINGING
        return state

    def _place(self, call: OpenCall, station: str) -> None:
        call.stations.add(station)
        self.at_station.setdefault(station, set()).add(call.call_id)
        self.touched.add(station)

    def _leave(self, call: OpenCall, station: str) -> None:
        call.stations.discard(station)
        calls = self.at_station.get(station)
        if calls is not None:
            calls.discard(call.call_id)
            if not calls:
                del self.at_station[station]
        self.touched.add(station)

    def event(self, message: Message, at: float) -> list[CallEvent]:
        """The call steps of one call event (a name in CALL_EVENTS)."""
        name = message.name
        id_key, subject_key, device_key = _KEYS[name]
        raw_id = message.get(id_key)[:MAX_ID]
        if not raw_id:
            return []
        call_id = self.aliases.get(raw_id, raw_id)
        self._expire(at)
        if call_id in self.ended:
            return []
        device = extension(message.get(subject_key)) if subject_key else ""
        if not device:
            device = extension(message.get(device_key))
        call = self.calls.get(call_id)
        out: list[CallEvent] = []
        if call is None:
            if name in ("CallClearedEvent", "ConnectionClearedEvent", "FailedEvent"):
                return []  # the end of a call never seen begin: nothing to count
            call = self._open(call_id, message, device)
            offered = self._step(call, CALL_OFFERED, at, message)
            if name not in _STARTS:  # joined mid-call (a link that came up during it)
                offered.extra["first_seen"] = name
            out.append(offered)
        self._learn(call, message)
        handler = _HANDLERS.get(name)
        if handler is not None:
            out.extend(handler(self, call, message, at, device))
        return out

    def _open(self, call_id: str, message: Message, device: str) -> OpenCall:
        if len(self.calls) >= MAX_CALLS:
            _, oldest = self.calls.popitem(last=False)
            for station in list(oldest.stations):
                self._leave(oldest, station)
            for alias in oldest.aliases:
                self.aliases.pop(alias, None)
        call = OpenCall(call_id)
        self.calls[call_id] = call
        if device in self.vdns:
            call.vdn = device
        self._learn(call, message)
        if call.calling in self.stations or message.name == "OriginatedEvent":
            inside = call.called in self.stations or call.called in self.vdns or call.vdn
            call.direction = "internal" if inside else "outbound"
        else:
            call.direction = "inbound"
        return call

    def _learn(self, call: OpenCall, message: Message) -> None:
        get = message.get
        if not call.ucid:
            found = get("globallyUniqueCallLinkageID")
            if found:
                call.ucid = ucid(found)
        if not call.calling:
            call.calling = extension(get("callingDevice/deviceIdentifier"))
        if not call.called:
            call.called = extension(get("calledDevice/deviceIdentifier"))
        vdn = extension(get("distributingVDN/deviceIdentifier"))
        if vdn:
            call.vdn = vdn
        elif not call.vdn and call.called in self.vdns:
            call.vdn = call.called
        group = get("acdGroup")
        if group:
            call.queue = extension(group)
        kind = MEDIA.get(get("channelType").lower()) or MEDIA.get(message.media.lower())
        if kind:
            call.media = kind

    def _step(
        self,
        call: OpenCall,
        step: str,
        at: float,
        message: Message,
        *,
        agent_id: str = "",
        station: str = "",
        target: str = "",
        released_by: str = "",
    ) -> CallEvent:
        return CallEvent(
            call.call_id,
            step,
            at,
            call.ucid,
            call.direction,  # type: ignore[arg-type]
            call.media,
            call.vdn,
            "skill" if call.queue else "",
            call.queue,
            call.calling,
            call.called,
            agent_id,
            station,
            target,
            released_by,  # type: ignore[arg-type]
            message.get("cause")[:MAX_ID],
        )

    def _once(self, call: OpenCall, step: str, device: str) -> bool:
        """Whether this step at this device is new (see the module's rules)."""
        last = call.at_device.get(device)
        if last == step or last in _LATER.get(step, ()):
            return False
        if len(call.at_device) < 64:
            call.at_device[device] = step
        return True

    def _end(self, call: OpenCall, at: float) -> None:
        for station in list(call.stations):
            self._leave(call, station)
        self.calls.pop(call.call_id, None)
        self.ended[call.call_id] = at
        for alias in call.aliases:
            if self.aliases.pop(alias, None) is not None:
                self.ended[alias] = at

    def _expire(self, now: float) -> None:
        ended = self.ended
        while ended:
            when = next(iter(ended.values()))
            if now - when < RECENT_ENDS and len(ended) < MAX_CALLS:
                break
            ended.popitem(last=False)

    def forget(self, call_id: str, at: float) -> CallEvent | None:
        """A carried-over call that no snapshot found any more: it ended while the link was
        down; hand on its end once."""
        call = self.calls.get(call_id)
        if call is None:
            return None
        self._end(call, at)
        return CallEvent(
            call.call_id,
            CALL_ENDED,
            at,
            ucid=call.ucid,
            media=call.media,
            cause="cleared while the link was down",
            extra={"inferred": "snapshot"},
        )


# -- per event ---------------------------------------------------------------------------

Handler = Callable[["CallTracker", OpenCall, Message, float, str], list[CallEvent]]


def _delivered(
    tracker: CallTracker,
    call: OpenCall,
    message: Message,
    at: float,
    device: str,
) -> list[CallEvent]:
    if device in tracker.stations or (device and device != call.vdn and device != call.called):
        if not tracker._once(call, CALL_RINGING, device):
            return []
        tracker._place(call, device)
        agent = tracker.agent_at.get(device, "")
        return [tracker._step(call, CALL_RINGING, at, message, agent_id=agent, station=device)]
    return []  # delivered to the VDN itself: the offer is the step


def _established(
    tracker: CallTracker,
    call: OpenCall,
    message: Message,
    at: float,
    device: str,
) -> list[CallEvent]:
    if not device or not tracker._once(call, CALL_ANSWERED, device):
        return []
    tracker._place(call, device)
    agent = tracker.agent_at.get(device, "")
    return [tracker._step(call, CALL_ANSWERED, at, message, agent_id=agent, station=device)]


def _simple(step: str) -> Handler:
    def handle(
        tracker: CallTracker,
        call: OpenCall,
        message: Message,
        at: float,
        device: str,
    ) -> list[CallEvent]:
        if not tracker._once(call, step, device):
            return []
        tracker.touched.add(device)
        agent = tracker.agent_at.get(device, "")
        station = device if device in call.stations or device in tracker.stations else ""
        return [
            tracker._step(
                call, step, at, message, agent_id=agent if station else "", station=station
            )
        ]

    return handle


def _queued(
    tracker: CallTracker,
    call: OpenCall,
    message: Message,
    at: float,
    device: str,
) -> list[CallEvent]:
    if device:
        call.queue = device
    if not tracker._once(call, CALL_QUEUED, device):
        return []
    return [tracker._step(call, CALL_QUEUED, at, message)]


def _diverted(
    tracker: CallTracker,
    call: OpenCall,
    message: Message,
    at: float,
    device: str,
) -> list[CallEvent]:
    target = extension(message.get("newDestination/deviceIdentifier"))
    if not tracker._once(call, CALL_DIVERTED + ">" + target, device):
        return []
    if device in call.stations:
        tracker._leave(call, device)  # no longer ringing there
    return [tracker._step(call, CALL_DIVERTED, at, message, target=target)]


def _cleared(
    tracker: CallTracker,
    call: OpenCall,
    message: Message,
    at: float,
    device: str,
) -> list[CallEvent]:
    dropped = extension(message.get("droppedConnection/deviceID"))
    releasing = device or dropped
    if call.at_device.get(dropped) == CALL_HELD and releasing != call.calling:
        return []  # the station's view of its own hold (note §8), not a party leaving
    if releasing in call.stations or releasing in tracker.stations:
        who = "agent"
    elif releasing and releasing == call.calling:
        who = "caller"
    else:
        who = "system"
    if not call.released_by:
        call.released_by = who
    if call.conferenced:
        if not tracker._once(call, "left", dropped):
            return []
        call.parties -= 1
        if call.parties > 1:
            return []
    elif (
        dropped != call.calling and dropped not in call.stations and dropped not in tracker.stations
    ):
        return []  # a party that was never an agent or the caller (a VDN, a trunk leg)
    tracker._end(call, at)
    agent = tracker.agent_at.get(releasing, "") if who == "agent" else ""
    return [
        tracker._step(
            call,
            CALL_ENDED,
            at,
            message,
            agent_id=agent,
            station=releasing if who == "agent" else "",
            released_by=call.released_by,
        )
    ]


def _call_cleared(
    tracker: CallTracker,
    call: OpenCall,
    message: Message,
    at: float,
    device: str,
) -> list[CallEvent]:
    tracker._end(call, at)
    return [tracker._step(call, CALL_ENDED, at, message, released_by=call.released_by or "system")]


def _merged(step: str, added: str) -> Handler:
    """TransferedEvent and ConferencedEvent: the step on the first call, and the consulting
    call (if another ID) merged into it."""

    def handle(
        tracker: CallTracker,
        call: OpenCall,
        message: Message,
        at: float,
        device: str,
    ) -> list[CallEvent]:
        target = extension(message.get(added + "/deviceIdentifier"))
        if not tracker._once(call, step + ">" + target, device):
            return []
        out: list[CallEvent] = []
        survivor = ""
        for new_id in message.all("newConnection/callID"):
            if new_id and new_id[:MAX_ID] != call.call_id:
                survivor = new_id[:MAX_ID]
        secondary = message.get("secondaryOldCall/callID")[:MAX_ID]
        # A consultative transfer: the target answered the consulting call already, so the
        # call is talking there, not ringing, from the transfer on.
        answered_there = False
        for other_id in {survivor, secondary} - {"", call.call_id}:
            other = tracker.calls.get(tracker.aliases.get(other_id, other_id))
            if other is not None and other is not call:
                answered_there |= bool(target) and other.at_device.get(target) == CALL_ANSWERED
                tracker._end(other, at)
                out.append(
                    CallEvent(
                        other.call_id,
                        CALL_ENDED,
                        at,
                        ucid=other.ucid,
                        direction=other.direction,  # type: ignore[arg-type]
                        media=other.media,
                        cause="merged",
                        extra={"merged_into": call.call_id},
                    )
                )
                tracker.ended.pop(other_id, None)
            tracker.aliases[other_id] = call.call_id
            if len(call.aliases) < 64:
                call.aliases.append(other_id)
        if step == CALL_CONFERENCED:
            call.conferenced = True
            call.parties = max(call.parties + 1, len(message.all("endpoint/deviceID")), 3)
        else:
            tracker._leave(call, device)
            if target:
                tracker._place(call, target)
                call.at_device[target] = CALL_ANSWERED
        agent = tracker.agent_at.get(target, "")
        extra = {"new_call_id": survivor} if survivor else {}
        event = tracker._step(
            call, step, at, message, agent_id=agent, station=target, target=target
        )
        event.extra.update(extra)
        out.insert(0, event)
        if step == CALL_TRANSFERRED and answered_there:
            answer = tracker._step(call, CALL_ANSWERED, at, message, agent_id=agent, station=target)
            out.insert(1, answer)
        return out

    return handle


def _originated(
    tracker: CallTracker, call: OpenCall, message: Message, at: float, device: str
) -> list[CallEvent]:
    return []  # the offer (outbound or internal) is the step


_HANDLERS: Final[dict[str, Handler]] = {
    "DeliveredEvent": _delivered,
    "EstablishedEvent": _established,
    "HeldEvent": _simple(CALL_HELD),
    "RetrievedEvent": _simple(CALL_RETRIEVED),
    "QueuedEvent": _queued,
    "DivertedEvent": _diverted,
    "ConnectionClearedEvent": _cleared,
    "CallClearedEvent": _call_cleared,
    "FailedEvent": _simple(CALL_FAILED),
    "OriginatedEvent": _originated,
    "TransferedEvent": _merged(CALL_TRANSFERRED, "transferredToDevice"),
    "ConferencedEvent": _merged(CALL_CONFERENCED, "addedParty"),
}
