"""An Avaya AES (DMCC, CSTA XML) for trials, tests and benchmarks: a real TCP (or TLS) server.

It answers StartApplicationSession (checking the user and password), the session keep-alive,
GetDeviceId / GetThirdPartyDeviceId, MonitorStart / MonitorStop, GetAgentState, SetAgentState
(or refuses it with a given error value), SnapshotDevice and StopApplicationSession, and runs a
contact centre behind them: EAS agents log in at their stations, calls arrive on VDNs, queue
on a skill, ring at an agent, are answered, held, retrieved, transferred to another agent,
abandoned while queued or ringing, and dropped by the caller or the agent. Each switch event
goes to every monitor it concerns (the station's, the VDN's, the split's), each with its own
monitorCrossRefID, as the AES does. The switch outlives its sessions: a client that
reconnects finds its calls in progress. `agent_events=False` sends no agent-state events (as
DMCC 6.2 did, note §9.3), so a client must poll. Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import random
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations.csta.framing import EVENT_INVOKE_ID, FrameReader, encode
from integrations.csta.messages import AVAYA, ECMA323, ECMA354, PROLOG, BadXml, Message, parse
from integrations.csta.options import expand

log = logging.getLogger(__name__)

MODE = "listen"

DEFAULTS: dict[str, Any] = {
    "stations": "5001-5012",
    "first_agent": 3101,
    "splits": "301,302",
    "vdns": "7001,7002",
    "switch": "CM1",
    "username": "wallboard",
    "password": "secret",
    "interval": 0.5,
    "rate": 0.5,
    "activity": 0.3,
    "agent_events": True,
    "refuse_set_agent_state": "",
    "seed": None,
}

OUT, READY, NOT_READY, ACW, RINGING, TALKING, HELD = (
    "out",
    "ready",
    "notReady",
    "acw",
    "ringing",
    "talking",
    "held",
)
_POLLED = {
    READY: "agentReady",
    NOT_READY: "agentNotReady",
    ACW: "agentWorkingAfterCall",
    RINGING: "agentBusy",
    TALKING: "agentBusy",
    HELD: "agentBusy",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stations", default=DEFAULTS["stations"], help="e.g. 5001-5012")
    parser.add_argument("--first-agent", type=int, default=DEFAULTS["first_agent"])
    parser.add_argument("--splits", default=DEFAULTS["splits"], help="skill hunt groups")
    parser.add_argument("--vdns", default=DEFAULTS["vdns"])
    parser.add_argument("--switch", default=DEFAULTS["switch"], help="switch connection name")
    parser.add_argument("--username", default=DEFAULTS["username"])
    parser.add_argument("--password", default=DEFAULTS["password"])
    parser.add_argument("--rate", type=float, default=DEFAULTS["rate"], help="calls per burst")
    parser.add_argument("--activity", type=float, default=DEFAULTS["activity"])
    parser.add_argument(
        "--no-agent-events",
        dest="agent_events",
        action="store_false",
        help="send no agent-state events (the client must poll GetAgentState)",
    )
    parser.add_argument(
        "--refuse-set-agent-state",
        default="",
        metavar="ERROR",
        help="answer every SetAgentState with this CSTA error, e.g. invalidAgentState",
    )
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    parser.add_argument("--tls-cert", help="serve TLS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="and this key (PEM)")


def make_producer(options: dict[str, Any]) -> AesSimulator:
    settings = {k: DEFAULTS[k] if options.get(k) is None else options[k] for k in DEFAULTS}
    context = None
    if options.get("tls_cert"):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(options["tls_cert"], options.get("tls_key"))
    return AesSimulator(
        stations=expand(str(settings["stations"])),
        first_agent=int(settings["first_agent"]),
        splits=expand(str(settings["splits"])),
        vdns=expand(str(settings["vdns"])),
        switch=str(settings["switch"]),
        username=str(settings["username"]),
        password=str(settings["password"]),
        interval=float(settings["interval"]),
        rate=float(settings["rate"]),
        activity=float(settings["activity"]),
        agent_events=bool(settings["agent_events"]),
        refuse_set_agent_state=str(settings["refuse_set_agent_state"]),
        seed=settings["seed"],
        ssl_context=context,
    )


@dataclass(slots=True)
class Agent:
    agent_id: str
    station: str
    split: str
    state: str = OUT
    reason: str = ""
    call: Call | None = None


@dataclass(slots=True)
class Call:
    call_id: str
    ucid: str
    caller: str
    vdn: str
    split: str
    state: str = "queued"
    agent: Agent | None = None


@dataclass(slots=True)
class Session:
    writer: asyncio.StreamWriter
    session_id: str = ""
    monitors: dict[str, list[str]] = field(default_factory=dict)  # extension -> cross refs
    out: list[bytes] = field(default_factory=list)


class AesSimulator:
    def __init__(
        self,
        *,
        stations: list[str],
        splits: list[str],
        vdns: list[str],
        first_agent: int = 3101,
        switch: str = "CM1",
        username: str = "wallboard",
        password: str = "secret",
        interval: float = 0.5,
        rate: float = 0.5,
        activity: float = 0.3,
        agent_events: bool = True,
        refuse_set_agent_state: str = "",
        seed: int | None = None,
        clock: Callable[[], float] = time.time,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not stations or not splits or not vdns:
            raise ValueError("needs stations, splits and VDNs")
        self.switch, self.username, self.password = switch, username, password
        self.interval, self.rate, self.activity = interval, rate, activity
        self.agent_events = agent_events
        self.refuse_set_agent_state = refuse_set_agent_state
        self.clock = clock
        self.ssl_context = ssl_context
        self.splits, self.vdns = splits, vdns
        self.agents = [
            Agent(str(first_agent + i), station, splits[i % len(splits)])
            for i, station in enumerate(stations)
        ]
        self.by_station = {a.station: a for a in self.agents}
        self.queues: dict[str, deque[Call]] = {s: deque() for s in splits}
        self.calls: dict[str, Call] = {}
        self._rng = random.Random(seed)
        self._call_ids = itertools.count(101)
        self._sequence = itertools.count(1)
        self._cross_refs = itertools.count(1)
        self._sessions: list[Session] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self.ticks = 0
        self.sessions_started = 0
        self.heard: list[str] = []  # the names of the requests received, in order (tests)
        self._server: asyncio.AbstractServer | None = None
        self._local: Session | None = None
        self._local_reader = FrameReader()

    # -- network -----------------------------------------------------------------------
    async def serve(
        self,
        host: str,
        port: int,
        *,
        stop: asyncio.Event | None = None,
        ready: asyncio.Future[int] | None = None,
        **_: Any,
    ) -> None:
        """Listen (port 0: any free port, told through `ready`) and run the switch, one burst
        every `interval` seconds, until `stop` is set."""
        self._server = await asyncio.start_server(self._client, host, port, ssl=self.ssl_context)
        bound = self._server.sockets[0].getsockname()[1]
        log.info("simulator: AES listening on %s:%s", host, bound)
        if ready is not None and not ready.done():
            ready.set_result(bound)
        try:
            while stop is None or not stop.is_set():
                self.tick()
                self._flush_all()
                if stop is not None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.interval)
                else:
                    await asyncio.sleep(self.interval)
        finally:
            self._server.close()
            self.drop_all()
            # Let each client's handler see its link closed and end, before the loop does.
            await asyncio.gather(*self._handlers, return_exceptions=True)

    def drop_all(self) -> None:
        """Close every client link (the AES going away); the switch and its calls go on."""
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        self._sessions.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        self._writers.add(writer)
        session = Session(writer)
        frames = FrameReader()
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                for frame in frames.feed(data):
                    self._request(session, frame.invoke_id, frame.body)
                self._flush(session)
                if session.writer.is_closing():
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            if session in self._sessions:
                self._sessions.remove(session)
            self._writers.discard(writer)
            writer.close()

    def _flush_all(self) -> None:
        for session in list(self._sessions):
            self._flush(session)

    def _flush(self, session: Session) -> None:
        if session is self._local:
            return  # read by event_stream()
        if session.out and not session.writer.is_closing():
            session.writer.write(b"".join(session.out))
        session.out.clear()

    # -- requests ----------------------------------------------------------------------
    def _request(self, session: Session, invoke_id: int, body: bytes) -> None:
        try:
            message = parse(body)
        except BadXml:
            self._reply(session, invoke_id, _error("operation", "generic"))
            return
        name = message.name
        self.heard.append(name)
        if name == "StartApplicationSession":
            self._start(session, invoke_id, message)
            return
        if not session.session_id:
            self._reply(session, invoke_id, _error("security", "requestIncompatibleWithObject"))
            return
        handler = getattr(self, "_on_" + name, None)
        if handler is None:
            self._reply(session, invoke_id, _error("operation", "generic"))
        else:
            handler(session, invoke_id, message)

    def _reply(self, session: Session, invoke_id: int, xml: str) -> None:
        session.out.append(encode((PROLOG + xml).encode(), invoke_id))

    def _start(self, session: Session, invoke_id: int, message: Message) -> None:
        if (message.get("userName"), message.get("password")) != (self.username, self.password):
            self._reply(
                session,
                invoke_id,
                f'<StartApplicationSessionNegResponse xmlns="{ECMA354}"><errorCode>'
                "<definedError>invalidApplicationInfo</definedError></errorCode>"
                "</StartApplicationSessionNegResponse>",
            )
            return
        self.sessions_started += 1
        session.session_id = f"{self._rng.getrandbits(64):016X}-{self.sessions_started}"
        self._sessions.append(session)
        version = message.get("protocolVersion") or ECMA323 + "/priv7"
        self._reply(
            session,
            invoke_id,
            f'<StartApplicationSessionPosResponse xmlns="{ECMA354}">'
            f"<sessionID>{session.session_id}</sessionID>"
            f"<actualProtocolVersion>{version}</actualProtocolVersion>"
            "<actualSessionDuration>120</actualSessionDuration>"
            "</StartApplicationSessionPosResponse>",
        )

    def _on_ResetApplicationSessionTimer(
        self, session: Session, invoke_id: int, _: Message
    ) -> None:
        self._reply(
            session,
            invoke_id,
            f'<ResetApplicationSessionTimerPosResponse xmlns="{ECMA354}">'
            "<actualSessionDuration>120</actualSessionDuration>"
            "</ResetApplicationSessionTimerPosResponse>",
        )

    def _on_StopApplicationSession(self, session: Session, invoke_id: int, _: Message) -> None:
        self._reply(session, invoke_id, f'<StopApplicationSessionPosResponse xmlns="{ECMA354}"/>')
        self._flush(session)
        if session.writer is not None:
            session.writer.close()

    def _known(self, extension: str) -> bool:
        return extension in self.by_station or extension in self.queues or extension in self.vdns

    def _device_id(self, session: Session, invoke_id: int, message: Message) -> None:
        ext = message.get("extension")
        if not self._known(ext):
            self._reply(session, invoke_id, _error("operation", "invalidDeviceID"))
            return
        name = message.name
        self._reply(
            session,
            invoke_id,
            f'<{name}Response xmlns="{AVAYA}"><device typeOfNumber="other" mediaClass="voice">'
            f"{ext}:{message.get('switchName') or self.switch}::0</device></{name}Response>",
        )

    _on_GetDeviceId = _device_id
    _on_GetThirdPartyDeviceId = _device_id

    def _on_MonitorStart(self, session: Session, invoke_id: int, message: Message) -> None:
        ext = message.get("deviceObject").partition(":")[0]
        if not self._known(ext):
            self._reply(session, invoke_id, _error("operation", "invalidMonitorObject"))
            return
        cross_ref = str(next(self._cross_refs))
        session.monitors.setdefault(ext, []).append(cross_ref)
        self._reply(
            session,
            invoke_id,
            f'<MonitorStartResponse xmlns="{ECMA323}"><monitorCrossRefID>{cross_ref}'
            "</monitorCrossRefID></MonitorStartResponse>",
        )

    def _on_MonitorStop(self, session: Session, invoke_id: int, message: Message) -> None:
        cross_ref = message.get("monitorCrossRefID")
        for refs in session.monitors.values():
            if cross_ref in refs:
                refs.remove(cross_ref)
        self._reply(session, invoke_id, f'<MonitorStopResponse xmlns="{ECMA323}"/>')

    def _on_GetAgentState(self, session: Session, invoke_id: int, message: Message) -> None:
        agent = self.by_station.get(message.get("device").partition(":")[0])
        if agent is None:
            self._reply(session, invoke_id, _error("operation", "invalidDeviceID"))
            return
        if agent.state == OUT:
            entry = "<loggedOnState>false</loggedOnState>"
        else:
            entry = (
                f"<agentID>{agent.agent_id}</agentID><loggedOnState>true</loggedOnState>"
                f"<agentInfo><agentInfoItem><agentState>{_POLLED[agent.state]}</agentState>"
                "</agentInfoItem></agentInfo>"
            )
        talk = "onCall" if agent.call is not None else "idle"
        reason = agent.reason if agent.state == NOT_READY else "0"
        self._reply(
            session,
            invoke_id,
            f'<GetAgentStateResponse xmlns="{ECMA323}"><agentStateList><agentStateEntry>'
            f"{entry}</agentStateEntry></agentStateList>"
            + _private(
                "GetAgentStateResponsePrivateData",
                f"<talkState>{talk}</talkState><reasonCode>{reason}</reasonCode>",
            )
            + "</GetAgentStateResponse>",
        )

    def _on_SetAgentState(self, session: Session, invoke_id: int, message: Message) -> None:
        agent = self.by_station.get(message.get("device").partition(":")[0])
        wanted = message.get("requestedAgentState")
        if self.refuse_set_agent_state:
            self._reply(session, invoke_id, _error("operation", self.refuse_set_agent_state))
            return
        if agent is None or agent.state == OUT:
            self._reply(session, invoke_id, _error("operation", "invalidAgentState"))
            return
        self._reply(session, invoke_id, f'<SetAgentStateResponse xmlns="{ECMA323}"/>')
        if wanted == "loggedOff":
            self._log_off(agent)
        elif wanted == "notReady":
            self._not_ready(agent, message.get("reasonCode") or "0")
        elif wanted == "ready":
            self._ready(agent)
        self._flush_all()

    def _on_SnapshotDevice(self, session: Session, invoke_id: int, message: Message) -> None:
        ext = message.get("snapshotObject").partition(":")[0]
        items = "".join(
            "<snapshotDeviceResponseInfo><connectionIdentifier>"
            f"<callID>{call.call_id}</callID><deviceID>{self._dev(ext)}</deviceID>"
            "</connectionIdentifier><localCallState><compoundCallState><localConnectionState>"
            "connected</localConnectionState></compoundCallState></localCallState>"
            "</snapshotDeviceResponseInfo>"
            for call in self.calls.values()
            if ext in (call.vdn, call.split)
            or (call.agent is not None and call.agent.station == ext)
        )
        self._reply(
            session,
            invoke_id,
            f'<SnapshotDeviceResponse xmlns="{ECMA323}"><crossRefIDorSnapshotData>'
            f"<snapshotData>{items}</snapshotData></crossRefIDorSnapshotData>"
            "</SnapshotDeviceResponse>",
        )

    # -- the switch --------------------------------------------------------------------
    def tick(self) -> None:
        """One burst: calls arrive, agents act, callers give up."""
        self.ticks += 1
        rng = self._rng
        if self.ticks == 1:  # the start of a shift: agents log in
            for agent in self.agents:
                self._log_on(agent)
        arrivals = int(self.rate) + (rng.random() < self.rate - int(self.rate))
        for _ in range(arrivals):
            self._arrive(rng.randrange(len(self.vdns)))
        for agent in self.agents:
            if rng.random() < self.activity:
                self._act(agent)
        for queue in self.queues.values():
            if queue and rng.random() < 0.03:
                self._abandon(queue[-1])

    def _act(self, agent: Agent) -> None:
        r = self._rng.random()
        state = agent.state
        if state == OUT:
            if r < 0.3:
                self._log_on(agent)
        elif state == READY:
            queue = self.queues[agent.split]
            if queue:
                self._deliver(queue.popleft(), agent)
            elif r < 0.03:
                self._not_ready(agent, str(self._rng.randint(1, 9)))
            elif r < 0.04:
                self._log_off(agent)
        elif state == RINGING and agent.call is not None:
            if r < 0.9:
                self._answer(agent.call)
            else:
                self._drop(agent.call, by_agent=False)
        elif state == TALKING and agent.call is not None:
            if r < 0.15:
                self._hold(agent.call)
            elif r < 0.22:
                other = self._free_agent(agent)
                if other is not None:
                    self._transfer(agent.call, other)
            elif r < 0.45:
                self._drop(agent.call, by_agent=False)
            elif r < 0.55:
                self._drop(agent.call, by_agent=True)
        elif state == HELD and agent.call is not None:
            if r < 0.6:
                self._retrieve(agent.call)
        elif state in (ACW, NOT_READY) and r < 0.4:
            self._ready(agent)

    def _free_agent(self, busy: Agent) -> Agent | None:
        free = [a for a in self.agents if a.state == READY and a is not busy]
        return self._rng.choice(free) if free else None

    def _dev(self, ext: str) -> str:
        return f"{ext}:{self.switch}::0"

    def _arrive(self, index: int) -> None:
        vdn = self.vdns[index]
        split = self.splits[index % len(self.splits)]
        call_id = str(next(self._call_ids))
        ucid = f"{1:05d}{next(self._sequence) % 65536:05d}{int(self.clock()):010d}"
        call = Call(call_id, ucid, f"06{self._rng.randrange(10**8):08d}", vdn, split)
        self.calls[call_id] = call
        d = self._dev
        self._emit(
            "DeliveredEvent",
            _conn("connection", call_id, d(vdn))
            + _device("alertingDevice", d(vdn))
            + _device("callingDevice", d(call.caller))
            + _device("calledDevice", d(vdn))
            + "<localConnectionInfo>alerting</localConnectionInfo><cause>newCall</cause>"
            + _linkage(ucid),
            [vdn],
        )
        self._emit(
            "QueuedEvent",
            _conn("queuedConnection", call_id, d(split))
            + _device("queue", d(split))
            + _device("callingDevice", d(call.caller))
            + _device("calledDevice", d(vdn))
            + f"<numberQueued>{len(self.queues[split]) + 1}</numberQueued>"
            + "<localConnectionInfo>queued</localConnectionInfo>"
            + "<cause>enteringDistribution</cause>"
            + _linkage(ucid),
            [vdn, split],
        )
        self.queues[split].append(call)

    def _call_devices(self, call: Call) -> list[str]:
        devices = [call.vdn, call.split]
        if call.agent is not None:
            devices.append(call.agent.station)
        return devices

    def _deliver(self, call: Call, agent: Agent) -> None:
        call.state, call.agent, agent.call, agent.state = "ringing", agent, call, RINGING
        d = self._dev
        self._emit(
            "DeliveredEvent",
            _conn("connection", call.call_id, d(agent.station))
            + _device("alertingDevice", d(agent.station))
            + _device("callingDevice", d(call.caller))
            + _device("calledDevice", d(call.vdn))
            + f"<lastRedirectionDevice><numberDialed>{d(call.vdn)}</numberDialed>"
            + "</lastRedirectionDevice><localConnectionInfo>alerting</localConnectionInfo>"
            + "<cause>distributed</cause>"
            + _linkage(call.ucid)
            + _private(
                "DeliveredEventPrivateData",
                f"<acdGroup>{d(call.split)}</acdGroup>" + _device("distributingVDN", d(call.vdn)),
            ),
            self._call_devices(call),
        )

    def _answer(self, call: Call) -> None:
        agent = call.agent
        assert agent is not None
        call.state, agent.state = "talking", TALKING
        d = self._dev
        self._emit(
            "EstablishedEvent",
            _conn("establishedConnection", call.call_id, d(agent.station))
            + _device("answeringDevice", d(agent.station))
            + _device("callingDevice", d(call.caller))
            + _device("calledDevice", d(call.vdn))
            + "<localConnectionInfo>connected</localConnectionInfo><cause>normal</cause>"
            + _linkage(call.ucid),
            self._call_devices(call),
        )

    def _hold(self, call: Call) -> None:
        agent = call.agent
        assert agent is not None
        agent.state = HELD
        self._emit(
            "HeldEvent",
            _conn("heldConnection", call.call_id, self._dev(agent.station))
            + _device("holdingDevice", self._dev(agent.station))
            + "<localConnectionInfo>hold</localConnectionInfo><cause>normal</cause>"
            + _linkage(call.ucid),
            self._call_devices(call),
        )

    def _retrieve(self, call: Call) -> None:
        agent = call.agent
        assert agent is not None
        agent.state = TALKING
        self._emit(
            "RetrievedEvent",
            _conn("retrievedConnection", call.call_id, self._dev(agent.station))
            + _device("retrievingDevice", self._dev(agent.station))
            + "<localConnectionInfo>connected</localConnectionInfo><cause>normal</cause>"
            + _linkage(call.ucid),
            self._call_devices(call),
        )

    def _transfer(self, call: Call, other: Agent) -> None:
        """A consultative transfer: hold, call the other agent, who answers, then transfer;
        the call goes on under the consulting call's ID (note §8)."""
        agent = call.agent
        assert agent is not None
        if agent.state != HELD:
            self._hold(call)
        d = self._dev
        consult = str(next(self._call_ids))
        stations = [agent.station, other.station]
        other.state, other.call = RINGING, call
        for name, conn, subject, info in (
            ("DeliveredEvent", "connection", "alertingDevice", "alerting"),
            ("EstablishedEvent", "establishedConnection", "answeringDevice", "connected"),
        ):
            self._emit(
                name,
                _conn(conn, consult, d(other.station))
                + _device(subject, d(other.station))
                + _device("callingDevice", d(agent.station))
                + _device("calledDevice", d(other.station))
                + f"<localConnectionInfo>{info}</localConnectionInfo><cause>normal</cause>",
                stations,
            )
        self._emit(
            "TransferedEvent",
            _conn("primaryOldCall", call.call_id, d(agent.station))
            + _conn("secondaryOldCall", consult, d(agent.station))
            + _device("transferringDevice", d(agent.station))
            + _device("transferredToDevice", d(other.station))
            + "<transferredConnections><connectionListItem>"
            + _conn("newConnection", consult, d(other.station))
            + f"<endpoint><deviceID>{d(other.station)}</deviceID></endpoint>"
            + "</connectionListItem><connectionListItem>"
            + _conn("newConnection", consult, d(call.caller))
            + f"<endpoint><deviceID>{d(call.caller)}</deviceID></endpoint>"
            + "</connectionListItem></transferredConnections><cause>transfer</cause>",
            [*self._call_devices(call), other.station],
        )
        del self.calls[call.call_id]
        call.call_id = consult
        self.calls[consult] = call
        call.agent, other.state, call.state = other, TALKING, "talking"
        agent.call = None
        self._after_call(agent)

    def _abandon(self, call: Call) -> None:
        self.queues[call.split].remove(call)
        self._drop(call, by_agent=False)

    def _drop(self, call: Call, *, by_agent: bool) -> None:
        agent = call.agent
        d = self._dev
        devices = self._call_devices(call)
        releasing = agent.station if by_agent and agent is not None else call.caller
        self._emit(
            "ConnectionClearedEvent",
            _conn("droppedConnection", call.call_id, d(releasing))
            + _device("releasingDevice", d(releasing))
            + "<localConnectionInfo>null</localConnectionInfo><cause>normalClearing</cause>"
            + _linkage(call.ucid),
            devices,
        )
        if agent is not None:  # the station's own leg goes too
            other = call.caller if by_agent else agent.station
            self._emit(
                "ConnectionClearedEvent",
                _conn("droppedConnection", call.call_id, d(other))
                + _device("releasingDevice", d(other))
                + "<localConnectionInfo>null</localConnectionInfo><cause>normalClearing</cause>"
                + _linkage(call.ucid),
                [agent.station],
            )
        self._emit(
            "CallClearedEvent",
            f"<clearedCall><callID>{call.call_id}</callID></clearedCall>"
            + "<cause>normalClearing</cause>"
            + _linkage(call.ucid),
            [call.vdn, call.split],
        )
        self.calls.pop(call.call_id, None)
        call.state = "ended"
        if agent is not None:
            agent.call = None
            self._after_call(agent)

    def _after_call(self, agent: Agent) -> None:
        if self._rng.random() < 0.5:
            agent.state = ACW
            self._agent_event("AgentWorkingAfterCallEvent", agent, "")
        else:
            agent.state = READY

    def _log_on(self, agent: Agent) -> None:
        agent.state, agent.reason = READY, ""
        self._agent_event("AgentLoggedOnEvent", agent, "")

    def _log_off(self, agent: Agent) -> None:
        if agent.call is not None:
            return  # refused by the switch while on a call, as CM does without enablePending
        agent.state = OUT
        self._agent_event("AgentLoggedOffEvent", agent, "")

    def _ready(self, agent: Agent) -> None:
        if agent.call is None:
            agent.state, agent.reason = READY, ""
            self._agent_event("AgentReadyEvent", agent, "")

    def _not_ready(self, agent: Agent, reason: str) -> None:
        if agent.call is None:
            agent.state, agent.reason = NOT_READY, reason
            self._agent_event("AgentNotReadyEvent", agent, f"<reasonCode>{reason}</reasonCode>")

    def _agent_event(self, name: str, agent: Agent, private: str) -> None:
        if not self.agent_events:
            return
        body = (
            _device("agentDevice", self._dev(agent.station))
            + f"<agentID>{agent.agent_id}</agentID>"
            + f"<acdGroup>{self._dev(agent.split)}</acdGroup>"
        )
        if private:
            body += _private(name + "PrivateData", private)
        self._emit(name, body, [agent.station, agent.split])

    def _emit(self, name: str, body: str, devices: list[str]) -> None:
        """The event to every monitor (in every session) on any of the devices."""
        head = f'{PROLOG}<{name} xmlns="{ECMA323}"><monitorCrossRefID>'
        tail = f"</monitorCrossRefID>{body}</{name}>"
        for session in self._sessions:
            for device in dict.fromkeys(devices):
                for cross_ref in session.monitors.get(device, ()):
                    frame = (head + cross_ref + tail).encode()
                    session.out.append(encode(frame, EVENT_INVOKE_ID))

    # -- a scripted scenario (tests, trials): each step goes out to the clients at once ---
    def offer(self, vdn: str) -> Call:
        """A call arrives on the VDN and queues on its split."""
        self._arrive(self.vdns.index(vdn))
        self._flush_all()
        return list(self.calls.values())[-1]

    def ring(self, call: Call, agent_id: str) -> None:
        agent = self._agent(agent_id)
        self.queues[call.split].remove(call)
        self._deliver(call, agent)
        self._flush_all()

    def answer(self, call: Call) -> None:
        self._answer(call)
        self._flush_all()

    def log_off(self, agent_id: str) -> None:
        self._log_off(self._agent(agent_id))
        self._flush_all()

    def log_on(self, agent_id: str) -> None:
        self._log_on(self._agent(agent_id))
        self._flush_all()

    def _agent(self, agent_id: str) -> Agent:
        return next(a for a in self.agents if a.agent_id == agent_id)

    def not_ready(self, agent_id: str, reason: str) -> None:
        """The agent goes not ready at the phone (an AUX button), with a reason code."""
        self._not_ready(self._agent(agent_id), reason)
        self._flush_all()

    def hang_up(self, call: Call, *, by_agent: bool = False) -> None:
        if call in self.queues[call.split]:
            self.queues[call.split].remove(call)
        self._drop(call, by_agent=by_agent)
        self._flush_all()

    # -- benchmarks: one client in-process, no socket ------------------------------------
    def exchange(self, data: bytes) -> bytes:
        """Answer a client's request frames as its AES would, without a socket: what the
        switch sends back (benchmarks drive a decoder through its session set-up this way)."""
        if self._local is None:
            self._local = Session(writer=None)  # type: ignore[arg-type]
        session = self._local
        for frame in self._local_reader.feed(data):
            self._request(session, frame.invoke_id, frame.body)
        out = b"".join(session.out)
        session.out.clear()
        return out

    def event_stream(self, events: int) -> bytes:
        """At least `events` event frames as the in-process client (exchange()) reads them
        on its monitors, the switch run burst after burst until it has had that many."""
        session = self._local
        if session is None or session not in self._sessions:
            raise RuntimeError("start a session through exchange() first")
        frames: list[bytes] = []
        while len(frames) < events:
            self.tick()
            frames += session.out
            session.out.clear()
        return b"".join(frames)


def _conn(tag: str, call_id: str, device: str) -> str:
    return f"<{tag}><callID>{call_id}</callID><deviceID>{device}</deviceID></{tag}>"


def _device(tag: str, device: str) -> str:
    return f"<{tag}><deviceIdentifier>{device}</deviceIdentifier></{tag}>"


def _linkage(ucid: str) -> str:
    return (
        "<callLinkageData><globalCallData><globalCallLinkageID><globallyUniqueCallLinkageID>"
        f"{ucid}</globallyUniqueCallLinkageID></globalCallLinkageID></globalCallData>"
        "</callLinkageData>"
    )


def _private(name: str, inner: str) -> str:
    return (
        f'<extensions><privateData><private><{name} xmlns="{AVAYA}">{inner}</{name}>'
        "</private></privateData></extensions>"
    )


def _error(kind: str, value: str) -> str:
    return f'<CSTAErrorCode xmlns="{ECMA323}"><{kind}>{value}</{kind}></CSTAErrorCode>'
