"""Avaya AES DMCC (CSTA Phase III XML): the session, its monitors, and bytes to batches.

The life of one connection (docs/protocols/csta-xml-dmcc.md §4-§9):
1. connected(): StartApplicationSession with the AES user and password.
2. Its positive response: a device ID for each station (GetDeviceId), split and VDN
   (GetThirdPartyDeviceId), then a MonitorStart on each, a window of requests at a time.
3. Every device settled (monitored or refused): the link is up. Calls carried over from the
   previous connection are checked with SnapshotDevice (those no device holds any more ended
   while the link was down); every station's agent is read once with GetAgentState.
4. While up, flush() sends ResetApplicationSessionTimer every KEEPALIVE_SECONDS (its answer
   is the sign of life that keeps the source from going stale or silent between calls) and,
   where agent states are polled, GetAgentState per station every poll_seconds.

Each feed() gives at most one Batch (snapshot=False) with the agents and call steps of the
frames it completed; a keep-alive or poll answer without a change gives an empty one.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Final

from integrations.base import (
    AGENT_LOG_OUT,
    AGENT_NOT_READY,
    AGENT_READY,
    AVAILABLE,
    LOGGED_OUT,
    NOT_READY,
    ON_CALL,
    RINGING,
    AgentCommand,
    AgentRow,
    Batch,
    CallEvent,
    CommandResult,
    Decoder,
)
from integrations.csta import messages
from integrations.csta.framing import EVENT_INVOKE_ID, MAX_FRAME, FrameReader, encode
from integrations.csta.messages import BadXml, Message
from integrations.csta.options import Settings
from integrations.csta.records import AGENT_EVENTS, CALL_EVENTS, POLLED_STATES, CallTracker
from integrations.csta.records import extension as extension_of

SESSION_SECONDS: Final = 120  # requested session duration; the AES may grant another
CLEANUP_SECONDS: Final = 60  # how long the AES keeps a dropped session's monitors
KEEPALIVE_SECONDS: Final = 5.0  # ResetApplicationSessionTimer cadence (also the sign of life)
ANSWER_SECONDS: Final = 10.0  # a request unanswered this long has failed
WINDOW: Final = 64  # requests in flight at once while setting up and polling
MAX_AGENTS: Final = 100_000
ACTIONS: Final = {AGENT_LOG_OUT: "loggedOff", AGENT_NOT_READY: "notReady", AGENT_READY: "ready"}


@dataclass(slots=True)
class Device:
    extension: str
    kind: str  # "station", "split" or "vdn"
    device_id: str = ""
    monitor: str = ""  # monitorCrossRefID once started
    refused: str = ""  # why it could not be monitored


@dataclass(slots=True)
class Pending:
    kind: str  # start, keepalive, device, monitor, snapshot, poll, command, command_device
    key: str = ""  # the device's extension
    command: AgentCommand | None = None
    deadline: float = 0.0


@dataclass(slots=True)
class AgentView:
    agent_id: str
    station: str = ""
    base: str = ""  # the neutral state agent events or polls gave
    vendor: str = ""
    reason: str = ""
    shown: tuple[str, str, str] | None = None  # (state, reason, station) last handed on


@dataclass(slots=True)
class Carried:
    """What outlives one connection (resume)."""

    tracker: CallTracker = field(default_factory=CallTracker)
    agents: dict[str, AgentView] = field(default_factory=dict)
    events_seen: bool = False


class DmccDecoder(Decoder):
    def __init__(self, settings: Settings, max_frame: int = MAX_FRAME) -> None:
        super().__init__()
        self.settings = settings
        self.reader = FrameReader(max_frame)
        self.state = "down"  # down, starting, monitoring, up, refused
        self.session_id = ""
        self.protocol = ""
        self.devices: dict[str, Device] = {}
        for kind, extensions in (
            ("station", settings.stations),
            ("split", settings.splits),
            ("vdn", settings.vdns),
        ):
            for ext in extensions:
                self.devices.setdefault(ext, Device(ext, kind))
        self.by_monitor: dict[str, Device] = {}
        self.carried = Carried()
        self.tracker = self.carried.tracker
        self._wire_tracker()
        for agent_id, station in settings.seats.items():
            self._seat(agent_id, station)
        self._pending: dict[int, Pending] = {}
        self._backlog: deque[tuple[Pending, bytes]] = deque()
        self._next_id = 0
        self._last_keepalive: float | None = None
        self._last_poll: float | None = None
        self._snapshots_due = 0
        self._found: set[str] = set()  # carried calls a snapshot or an event showed alive
        self._to_check: set[str] = set()
        self._last_event = b""  # the last event read, without its monitor cross reference
        self._rows: list[AgentRow] = []
        self._calls: list[CallEvent] = []
        self._records = 0
        self._mode_fact()

    # -- the contract ------------------------------------------------------------------
    def resume(self, previous: Decoder) -> None:
        if not isinstance(previous, DmccDecoder):
            return
        self.carried = previous.carried
        self.tracker = self.carried.tracker
        self._wire_tracker()
        for agent_id, station in self.settings.seats.items():
            if agent_id not in self.carried.agents:
                self._seat(agent_id, station)
        for pending in [*previous._pending.values(), *(p for p, _ in previous._backlog)]:
            if pending.command is not None:
                self.results.append(
                    CommandResult(pending.command.request_id, False, "link lost before the answer")
                )
        previous._pending.clear()
        previous._backlog.clear()
        self._mode_fact()

    def connected(self) -> None:
        """Start a session (also again on the same link, after the AES ended one): every
        device is looked up and monitored afresh, the calls in progress checked again."""
        self.state = "starting"
        self.facts["session"] = "starting"
        for device in self.devices.values():
            device.device_id = device.monitor = device.refused = ""
        self.by_monitor.clear()
        self._to_check = set(self.tracker.calls)
        self._found.clear()
        self._snapshots_due = 0
        s = self.settings
        body = messages.start_session(
            s.username, s.password, s.protocol_version, SESSION_SECONDS, CLEANUP_SECONDS
        )
        self._request(Pending("start"), body, window=False)

    def feed(self, data: bytes) -> list[Batch]:
        frames = self.reader.feed(data)
        for reason, bad in self.reader.problems:
            self.error(reason, bad)
        self.reader.problems.clear()
        for frame in frames:
            key = b""
            if frame.invoke_id == EVENT_INVOKE_ID:
                # The AES sends one switch event to every monitor it concerns (the VDN's, the
                # split's, the station's), one after the other, alike but for the cross
                # reference: a copy of the event just read would map to nothing new (the
                # mapping's own dedupe would drop it), so it is counted and not parsed again.
                body = frame.body
                start = body.find(b"<monitorCrossRefID>")
                end = body.find(b"</monitorCrossRefID>", start)
                key = body[:start] + body[end:] if 0 <= start < end else body
                if key == self._last_event:
                    self._records += 1
                    continue
            try:
                message = messages.parse(frame.body)
            except BadXml as exc:
                self.error(str(exc)[:120], frame.body)
                self._last_event = b""
                continue
            if frame.invoke_id == EVENT_INVOKE_ID:
                self._last_event = key
                self._event(message)
            else:
                self._last_event = b""  # an answer between two alike events: both are news
                self._answer(frame.invoke_id, message)
        self._send_backlog()
        return self._batch()

    def flush(self, now: float) -> list[Batch]:
        self._expire(now)
        if self.state == "up":
            if self._last_keepalive is None or now - self._last_keepalive >= KEEPALIVE_SECONDS:
                self._last_keepalive = now
                body = messages.reset_session_timer(self.session_id, SESSION_SECONDS)
                self._request(Pending("keepalive"), body, window=False)
            if self._polling() and (
                self._last_poll is None or now - self._last_poll >= self.settings.poll_seconds
            ):
                self._last_poll = now
                self._poll_all()
        self._send_backlog()
        return self._batch()

    def command(self, request: AgentCommand) -> None:
        state = ACTIONS.get(request.action)
        if state is None:
            self.results.append(CommandResult(request.request_id, False, "unknown action"))
            return
        if self.state != "up":
            self.results.append(CommandResult(request.request_id, False, "link not ready"))
            return
        view = self.carried.agents.get(request.agent_id)
        station = request.extension or (view.station if view is not None else "")
        if not station:
            self.results.append(
                CommandResult(request.request_id, False, "no station known for the agent")
            )
            return
        device = self.devices.get(station)
        if device is not None and device.device_id:
            self._set_agent_state(request, device.device_id)
            return
        s = self.settings
        body = messages.get_device_id(s.switch_name, s.switch_ip, station, third_party=False)
        self._request(Pending("command_device", station, request), body, window=False)

    # -- requests ----------------------------------------------------------------------
    def _request(self, pending: Pending, body: bytes, *, window: bool = True) -> None:
        if window and (len(self._pending) >= WINDOW or self._backlog):
            if len(self._backlog) < 10 * len(self.devices) + WINDOW:
                self._backlog.append((pending, body))
            return
        invoke_id = self._take_id()
        if invoke_id is None:  # 9,999 requests unanswered: the link is beyond help
            if pending.command is not None:
                self.results.append(CommandResult(pending.command.request_id, False, "too busy"))
            return
        pending.deadline = time.monotonic() + ANSWER_SECONDS
        self._pending[invoke_id] = pending
        self.send(encode(body, invoke_id))

    def _take_id(self) -> int | None:
        for _ in range(EVENT_INVOKE_ID):
            invoke_id = self._next_id
            self._next_id = (self._next_id + 1) % EVENT_INVOKE_ID
            if invoke_id not in self._pending:
                return invoke_id
        return None

    def _send_backlog(self) -> None:
        while self._backlog and len(self._pending) < WINDOW:
            pending, body = self._backlog.popleft()
            invoke_id = self._take_id()
            if invoke_id is None:
                break
            pending.deadline = time.monotonic() + ANSWER_SECONDS
            self._pending[invoke_id] = pending
            self.send(encode(body, invoke_id))

    def _expire(self, now: float) -> None:
        for invoke_id, pending in list(self._pending.items()):
            if pending.deadline and now > pending.deadline:
                del self._pending[invoke_id]
                self._failed(pending, f"no answer in {ANSWER_SECONDS:.0f} s")

    # -- answers -----------------------------------------------------------------------
    def _answer(self, invoke_id: int, message: Message) -> None:
        pending = self._pending.pop(invoke_id, None)
        if pending is None:
            self._server_request(invoke_id, message)
            return
        name = message.name
        if name == "CSTAErrorCode" or name.endswith("NegResponse"):
            kind, value = message.first_leaf()
            self._failed(pending, value or kind or name)
            return
        self._records += 1
        kind = pending.kind
        if kind == "start":
            self._session_started(message)
        elif kind == "device":
            device = self.devices[pending.key]
            device.device_id = message.get("device")
            if not device.device_id:
                self._failed(pending, "no device ID in the answer")
                return
            monitor_type = "device" if device.kind == "station" else "call"
            body = messages.monitor_start(device.device_id, monitor_type)
            self._request(Pending("monitor", device.extension), body)
        elif kind == "monitor":
            device = self.devices[pending.key]
            device.monitor = message.get("monitorCrossRefID")
            if not device.monitor:
                self._failed(pending, "no monitorCrossRefID in the answer")
                return
            self.by_monitor[device.monitor] = device
            self._settled()
        elif kind == "snapshot":
            for call_id in message.all("connectionIdentifier/callID"):
                self._found.add(self.tracker.aliases.get(call_id, call_id))
            self._snapshot_done()
        elif kind == "poll":
            self._polled(pending.key, message)
        elif kind == "command_device":
            device_id = message.get("device")
            if pending.command is not None:
                if device_id:
                    self._set_agent_state(pending.command, device_id)
                else:
                    self._failed(pending, "no device ID in the answer")
        elif kind == "command" and pending.command is not None:
            self.results.append(CommandResult(pending.command.request_id, True))

    def _failed(self, pending: Pending, why: str) -> None:
        why = why[:120]
        kind = pending.kind
        if pending.command is not None:
            self.results.append(CommandResult(pending.command.request_id, False, why))
        elif kind == "start":
            self.state = "refused"
            self.facts["session"] = f"refused: {why}"
            self.error("the AES refused the session", why)
        elif kind in ("device", "monitor"):
            device = self.devices[pending.key]
            device.refused = why
            self._settled()
        elif kind == "snapshot":
            self._found.update(self._calls_at(pending.key))  # cannot tell: keep them open
            self._snapshot_done()

    def _server_request(self, invoke_id: int, message: Message) -> None:
        """A request the server sent (note §10), or an answer to nothing we asked."""
        if message.name.endswith(("Response", "CSTAErrorCode")):
            return  # a late answer to a request given up on
        self._records += 1
        self.send(encode(messages.simple_response(message.name), invoke_id))
        if message.name == "MonitorStop":
            device = self.by_monitor.pop(message.get("monitorCrossRefID"), None)
            if device is not None and device.device_id:
                device.monitor = ""
                monitor_type = "device" if device.kind == "station" else "call"
                body = messages.monitor_start(device.device_id, monitor_type)
                self._request(Pending("monitor", device.extension), body)

    def _session_started(self, message: Message) -> None:
        self.session_id = message.get("sessionID")
        self.protocol = message.get("actualProtocolVersion")
        self.state = "monitoring"
        self.facts["session"] = "setting up monitors"
        s = self.settings
        for device in self.devices.values():
            body = messages.get_device_id(
                s.switch_name, s.switch_ip, device.extension, third_party=device.kind != "station"
            )
            self._request(Pending("device", device.extension), body)
        self._settled()

    def _settled(self) -> None:
        devices = self.devices.values()
        if self.state == "monitoring" and all(d.monitor or d.refused for d in devices):
            self._up()
        started = sum(1 for d in devices if d.monitor)
        refused = [d for d in devices if d.refused]
        text = f"{started} of {len(self.devices)} started"
        if refused:
            first = refused[0]
            text += f"; {len(refused)} refused (first: {first.extension}: {first.refused})"
        self.facts["monitors"] = text

    def _up(self) -> None:
        self.state = "up"
        version = self.protocol.rpartition("/")[2] or "?"
        self.facts["session"] = f"up (protocol {version})"
        self._records += 1  # the link is ready: a sign of life now, not at the first call
        self._check_carried_calls()
        self._poll_all()  # the agents as they are now, whatever the mode

    # -- carried calls -------------------------------------------------------------------
    def _check_carried_calls(self) -> None:
        to_check = self._to_check
        if not to_check:
            return
        where: set[str] = set()
        for call_id in to_check:
            call = self.tracker.calls.get(call_id)
            if call is None:
                continue
            places = [s for s in call.stations if s in self.devices]
            places += [p for p in (call.queue, call.vdn) if p in self.devices]
            if not places:
                self._found.add(call_id)  # nowhere to look: carried over as it was
            where.update(places)
        for ext in where:
            device = self.devices[ext]
            if device.device_id and device.monitor:
                self._snapshots_due += 1
                self._request(Pending("snapshot", ext), messages.snapshot_device(device.device_id))
            else:
                self._found.update(self._calls_at(ext))
        if not self._snapshots_due:
            self._snapshot_done(final=True)

    def _calls_at(self, ext: str) -> set[str]:
        return {
            call_id
            for call_id, call in self.tracker.calls.items()
            if ext in call.stations or ext in (call.queue, call.vdn)
        }

    def _snapshot_done(self, final: bool = False) -> None:
        if not final:
            self._snapshots_due -= 1
            if self._snapshots_due > 0:
                return
        now = self.clock()
        for call_id in sorted(self._to_check - self._found):
            ended = self.tracker.forget(call_id, now)
            if ended is not None:
                self._calls.append(ended)
                self._station_changed(set(self.tracker.touched))
        self._to_check = set()
        self._found = set()

    # -- events ------------------------------------------------------------------------
    def _event(self, message: Message) -> None:
        self._records += 1
        name = message.name
        if name in CALL_EVENTS:
            steps = self.tracker.event(message, self.clock())
            if steps:
                self._calls.extend(steps)
                for step in steps:
                    if self._to_check:
                        self._found.add(step.call_id)
            touched = self.tracker.touched
            if touched:
                self.tracker.touched = set()
                self._station_changed(touched)
        elif name in AGENT_EVENTS:
            self._agent_event(message)
        elif name == "ApplicationSessionTerminated":
            self.state = "refused"
            self.facts["session"] = "ended by the AES"
            self.error(
                "the AES ended the session", message.get("applicationSessionTerminatedReason")
            )
            self.connected()  # a new session on the same link, monitors and all
        # Other events (AgentBusy, LinkUp/Down...): counted as records, nothing to map.
        elif name == "AgentBusyEvent":
            self._agent_events_seen()

    def _agent_event(self, message: Message) -> None:
        self._agent_events_seen()
        state, vendor = AGENT_EVENTS[message.name]
        agent_id = message.get("agentID")[:64]
        station = extension_of(message.get("agentDevice/deviceIdentifier"))
        if not station:
            device = self.by_monitor.get(message.get("monitorCrossRefID"))
            station = device.extension if device is not None and device.kind == "station" else ""
        if not agent_id:
            agent_id = self.tracker.agent_at.get(station, "")
        if not agent_id:
            return
        if state == LOGGED_OUT:
            view = self._view(agent_id)
            if view is None:
                return
            self._unseat(view)
            view.station = view.station or station
        else:
            view = self._seat(agent_id, station) if station else self._view(agent_id)
            if view is None:
                return
        view.base, view.vendor = state, vendor
        view.reason = message.get("reasonCode")[:16] if state == NOT_READY else ""
        self._show(view, 0)

    def _agent_events_seen(self) -> None:
        if not self.carried.events_seen:
            self.carried.events_seen = True
            self._mode_fact()

    # -- agents --------------------------------------------------------------------------
    def _view(self, agent_id: str) -> AgentView | None:
        view = self.carried.agents.get(agent_id)
        if view is None and len(self.carried.agents) < MAX_AGENTS:
            view = self.carried.agents[agent_id] = AgentView(agent_id)
        return view

    def _seat(self, agent_id: str, station: str) -> AgentView | None:
        """The agent is at the station now; another agent there has left it (logged out)."""
        view = self._view(agent_id)
        if view is None:
            return None
        agent_at = self.tracker.agent_at
        other_id = agent_at.get(station)
        if other_id is not None and other_id != agent_id:
            other = self.carried.agents.get(other_id)
            if other is not None and other.base and other.base != LOGGED_OUT:
                other.base, other.vendor, other.reason = LOGGED_OUT, "loggedOff", ""
                self._show(other, None)
        if view.station and agent_at.get(view.station) == agent_id and view.station != station:
            del agent_at[view.station]
        view.station = station
        agent_at[station] = agent_id
        return view

    def _unseat(self, view: AgentView) -> None:
        if view.station and self.tracker.agent_at.get(view.station) == view.agent_id:
            del self.tracker.agent_at[view.station]

    def _show(self, view: AgentView, seconds: int | None) -> None:
        """Hand on the agent's row if what a wall shows of it changed."""
        if not view.base:
            return
        state, vendor, reason = view.base, view.vendor, view.reason
        if state != LOGGED_OUT and view.station:
            busy = self.tracker.station_state(view.station)
            if busy:
                state, vendor, reason = busy, "alerting" if busy == RINGING else "connected", ""
        shown = (state, reason, view.station)
        if shown == view.shown:
            return
        view.shown = shown
        self._rows.append(
            AgentRow(
                view.agent_id,
                state,
                vendor,
                extension=view.station,
                reason_code=reason,
                state_seconds=seconds,
            )
        )

    def _station_changed(self, stations: set[str]) -> None:
        agents = self.carried.agents
        for station in stations:
            agent_id = self.tracker.agent_at.get(station)
            view = agents.get(agent_id) if agent_id else None
            if view is not None:
                self._show(view, 0)

    def _polling(self) -> bool:
        mode = self.settings.agent_states
        return mode == "poll" or (mode == "auto" and not self.carried.events_seen)

    def _poll_all(self) -> None:
        busy = {p.key for p in self._pending.values() if p.kind == "poll"}
        busy.update(p.key for p, _ in self._backlog if p.kind == "poll")
        for device in self.devices.values():
            if device.kind == "station" and device.device_id and device.extension not in busy:
                body = messages.get_agent_state(device.device_id)
                self._request(Pending("poll", device.extension), body)

    def _polled(self, station: str, message: Message) -> None:
        logged_on = message.get("loggedOnState").lower() == "true"
        agent_id = message.get("agentID")[:64]
        if not logged_on:
            other_id = self.tracker.agent_at.get(station)
            other = self.carried.agents.get(other_id) if other_id else None
            if other is not None:
                self._unseat(other)
                if other.base != LOGGED_OUT:
                    other.base, other.vendor, other.reason = LOGGED_OUT, "loggedOff", ""
                    self._show(other, None)
            return
        if not agent_id:
            agent_id = self.tracker.agent_at.get(station, "")
        if not agent_id:
            return
        view = self._seat(agent_id, station)
        if view is None:
            return
        vendor = message.get("agentState")
        state = POLLED_STATES.get(vendor, "")
        if not state:
            return
        if state == ON_CALL:  # the station's calls say ringing or on a call, and since when
            state = view.base if view.base and view.base != LOGGED_OUT else AVAILABLE
            if not self.tracker.station_state(station):
                state = ON_CALL
        view.base, view.vendor = state, vendor
        view.reason = message.get("reasonCode")[:16] if state == NOT_READY else ""
        self._show(view, None)

    # -- commands ------------------------------------------------------------------------
    def _set_agent_state(self, request: AgentCommand, device_id: str) -> None:
        state = ACTIONS[request.action]
        body = messages.set_agent_state(
            device_id,
            state,
            agent_id=request.agent_id if request.action == AGENT_LOG_OUT else "",
            reason_code=request.reason_code if request.action != AGENT_READY else "",
        )
        self._request(Pending("command", "", request), body, window=False)

    # -- output --------------------------------------------------------------------------
    def _batch(self) -> list[Batch]:
        if not self._records and not self._rows and not self._calls:
            return []
        up = self.state == "up"
        batch = Batch(agents=self._rows, calls=self._calls, records=self._records)
        self._rows, self._calls, self._records = [], [], 0
        if not up and not batch.agents and not batch.calls:
            return []  # answers while setting up are not yet a sign of a live feed
        return [batch]

    def _wire_tracker(self) -> None:
        tracker = self.tracker
        tracker.stations = {
            d.extension: d.device_id for d in self.devices.values() if d.kind == "station"
        }
        tracker.vdns = frozenset(d.extension for d in self.devices.values() if d.kind == "vdn")

    def _mode_fact(self) -> None:
        mode = self.settings.agent_states
        if self._polling():
            self.facts["agent states"] = f"polled every {self.settings.poll_seconds:g} s"
        elif mode == "events" and not self.carried.events_seen:
            self.facts["agent states"] = "from events (none seen yet)"
        else:
            self.facts["agent states"] = "from events"

    def __repr__(self) -> str:
        return f"DmccDecoder(state={self.state!r}, devices={len(self.devices)})"
