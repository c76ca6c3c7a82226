"""Mitel 3300 ICP / MiVoice Business ACD Real Time Events: bytes in, neutral batches out.

Framing: STX (0x02) ... LF, CR optional, NUL fill between records. Offsets here are the
protocol's (which count the STX, see README.md) minus one: splitting on STX drops it.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from integrations.base import (
    AVAILABLE,
    LOGGED_OUT,
    NOT_READY,
    ON_CALL,
    OVERFLOW,
    RINGING,
    WRAP_UP,
    AgentRow,
    Batch,
    Decoder,
    Figure,
    QueueRow,
)

STX: Final = "\x02"
# Real records are under 40 characters; anything this long is a lost terminator, not data.
MAX_RECORD: Final = 1024
FILL: Final = "\0\r\n"
# More agents seated than any PBX has: the seating memory is garbage and starts again.
SEATS: Final = 1_000_000
# More agent IDs seen than any PBX has (seated or not): the same.
KNOWN: Final = 2 * SEATS
# Rows with the same extra values share one dict (never changed in place, see AgentRow); the
# cache of them starts again when it holds this many.
EXTRAS: Final = 4096

# Call/agent event codes: (neutral state, what the old Python listener wrote to its JSON).
# None as the listener state means "unchanged": that listener ignored T and U, and a ringing
# agent is still an available one in its in/idle/busy/timer/out vocabulary.
EVENTS: Final[dict[str, tuple[str, str | None]]] = {
    "A": (AVAILABLE, "in"),  # login; also clears make busy and DND
    "B": (LOGGED_OUT, "out"),
    "C": (NOT_READY, "busy"),  # DND on
    "D": (AVAILABLE, "idle"),  # DND off
    "E": (NOT_READY, "busy"),  # make busy on (tail: reason code when enabled)
    "F": (AVAILABLE, "idle"),  # make busy off
    "G": (ON_CALL, "busy"),  # answered an ACD call
    "H": (ON_CALL, "busy"),  # answered a personal call
    "I": (ON_CALL, "busy"),  # originated a call
    "J": (AVAILABLE, "idle"),  # idle: end of call, work timer expired or cancelled
    "L": (WRAP_UP, "timer"),  # work timer start
    "M": (AVAILABLE, "idle"),  # work timer expire
    "N": (ON_CALL, "busy"),  # hold
    "O": (ON_CALL, "busy"),  # retrieve
    "P": (AVAILABLE, "idle"),  # hold abandoned
    # The listener predates S and printed it; "busy" is what its own mapping says of a call.
    "S": (ON_CALL, "busy"),  # answered a remote (networked) ACD call
    "T": (RINGING, None),
    "U": (AVAILABLE, None),  # end ringing
}
QUEUE_KINDS: Final = {"K": "group", "Q": "path"}

_NEXT_NUMBER: Final = {f"{i:02d}": f"{(i + 1) % 100:02d}" for i in range(100)}
# Every valid start of an agent event (record number, function code), so one lookup checks
# both: -> (number, next number, code, neutral state, listener word).
_EVENT_HEADS: Final = {
    number + code: (number, following, code, state, listener)
    for number, following in _NEXT_NUMBER.items()
    for code, (state, listener) in EVENTS.items()
}
_HALF_DAY: Final = 12 * 3600


class _Agent:
    """An agent ID as the decoder knows it: where it is logged in, what the listener says."""

    __slots__ = ("agent_id", "listener", "seat")

    def __init__(self, agent_id: str) -> None:
        self.agent_id = agent_id  # the first string seen: rows carry this one
        self.seat: str | None = None  # the extension, while logged in
        self.listener = "idle"


def wire_count(text: str) -> Figure:
    """A fixed-width count: blank is None, asterisks OVERFLOW; ValueError for anything else."""
    if text.isdecimal():
        return int(text)
    bare = text.strip()
    if not bare:
        return None
    if bare.strip("*") == "":
        return OVERFLOW
    if bare.isdecimal():
        return int(bare)
    raise ValueError(text)


def wire_mmss(text: str) -> Figure:
    if len(text) == 4 and text.isdecimal():
        return int(text[:2]) * 60 + int(text[2:])
    figure = wire_count(text)  # blank, overflow, or ValueError
    if figure is None or figure == OVERFLOW:
        return figure
    raise ValueError(text)


class RteDecoder(Decoder):
    """One per PBX connection. Each feed() returns at most one Batch (snapshot=False) holding
    every record the read completed; a read that completed only a refresh gives an empty one."""

    def __init__(self) -> None:
        super().__init__()
        self.pbx_date: dt.date | None = None  # from R, rolled at midnight by event times
        self.sequence_gaps = 0  # record numbers skipped: records lost upstream (diagnostics)
        self._open = False  # inside a record whose terminator has not arrived yet
        self._pending = ""
        self._discarding = False  # the open record overran MAX_RECORD: drop to the next STX
        self._in_garbage = False  # a run of bytes outside records is reported once
        self._expect = ""  # next record number
        self._last_time = ""  # HHMMSS of the newest record, for midnight rollover
        self._stamp = ""  # ISO text of _last_time, date included once known
        # Every agent ID seen, one record each: an event looks its agent up once, and its row
        # carries the first ID string seen, which later dict look-ups find by identity.
        self._known: dict[str, _Agent] = {}
        # Who is logged in where, so a login over another agent logs that agent out.
        self._seated: dict[str, _Agent] = {}
        self._extras: dict[tuple[str, str, str], dict[str, str]] = {}
        self._queues: list[QueueRow] = []
        self._agents: list[AgentRow] = []

    def feed(self, data: bytes) -> list[Batch]:
        if not data:
            return []
        pieces = data.decode("latin-1").split(STX)
        self._queues, self._agents = [], []
        first = 1
        if not self._open:
            self._outside(pieces[0], continued=True)
        elif self._discarding:
            end = pieces[0].find("\n")
            if end >= 0:
                self._open = self._discarding = False
                self._outside(pieces[0][end + 1 :], continued=False)
        else:
            pieces[0] = self._pending + pieces[0]
            first = 0
        last = len(pieces) - 1
        if last:  # an STX: whatever came before it is over
            self._discarding = self._in_garbage = False
        pending = None
        if last >= first and pieces[last].find("\n") < 0:
            pending = pieces.pop()
        records = 0
        heads = _EVENT_HEADS
        agents, known, places, extras = self._agents, self._known, self._seated, self._extras
        expect, last_time, stamp = self._expect, self._last_time, self._stamp
        for piece in pieces[first:]:
            record = piece[:-2]
            if piece[-2:] == "\r\n" and "\n" not in record:  # the usual: CR LF, at the end
                end, rest = 0, ""  # (rest: bytes after the LF, outside any record)
            else:
                end = piece.find("\n")
                if end >= 0:
                    record = piece[: end - 1] if piece[end - 1 : end] == "\r" else piece[:end]
                    rest = piece[end + 1 :]
                else:  # a fresh STX ended a record that never got its LF
                    record = piece[:-1] if piece[-1:] == "\r" else piece
                    rest = ""
            head = heads.get(record[:3])
            clock = record[3:9]
            if (
                head is None
                or len(clock) != 6
                or not clock.isdecimal()
                or len(record) > MAX_RECORD
                or (end < 0 and len(record) < 23)
            ):
                # Errors, K, Q and R; the common case, an agent event, is inline below.
                self._expect = expect
                records += self._record(record, complete=end >= 0)
                expect, last_time, stamp = self._expect, self._last_time, self._stamp
            else:
                records += 1
                number, following, code, state, listener = head
                if number != expect and expect:
                    self.sequence_gaps += 1
                expect = following
                agent_id = record[16:23].strip()
                if agent_id:  # blank: the line's events with no agent logged in
                    if clock != last_time:
                        self._advance(clock)
                        last_time, stamp = clock, self._stamp
                    extension = record[9:16].strip()
                    agent = known.get(agent_id)
                    if agent is None:
                        agent = self._meet(agent_id)
                    else:
                        agent_id = agent.agent_id
                    if listener is None:
                        listener = agent.listener
                    seat = agent.seat
                    if code == "A":
                        if (
                            seat is None
                            and extension
                            and extension not in places
                            and len(places) <= SEATS
                        ):  # all that _login would do then:
                            places[extension] = agent
                            agent.seat = extension
                        else:
                            self._login(agent, extension)
                    elif code == "B":
                        self._logout(agent)
                    elif seat != extension:
                        if extension:
                            self._seat(agent, extension)
                    else:
                        extension = seat  # the same text: rows share the seat's string
                    agent.listener = listener
                    tail = record[23:]
                    extra = extras.get((listener, stamp, tail))
                    if extra is None:
                        extra = self._extra(listener, stamp, tail)
                    # Positional: half the cost of keywords at 300,000 rows a second. The
                    # order is AgentRow's (agent_id, state, vendor_state, name, extension,
                    # reason_code, state_seconds, skills, extra); a test pins it.
                    agents.append(
                        AgentRow(
                            agent_id,
                            state,
                            code,
                            "",
                            extension,
                            tail.strip() if code == "E" and tail.strip("0 ") else "",
                            0,
                            (),
                            extra,
                        )
                    )
            if rest:
                self._outside(rest, continued=False)
        self._expect = expect
        if pending is None and last >= first:
            # Only a run at the very end can go on into the next read.
            final = pieces[-1]
            self._in_garbage = bool(final[final.find("\n") + 1 :].strip(FILL))
        if pending is not None:
            self._in_garbage = False
            self._open = True
            self._pending = pending
            if len(pending) - (pending[-1:] == "\r") > MAX_RECORD:
                self.error("overlong record", pending)
                self._discarding = True
                self._pending = ""
        elif last >= first:
            self._open = False
        if not records:
            return []
        return [Batch(queues=self._queues, agents=self._agents, records=records)]

    def _outside(self, text: str, *, continued: bool) -> None:
        """Bytes between records: fill is fine; other bytes are reported once per run."""
        if not continued:
            self._in_garbage = False
        if text and text.strip(FILL):
            if not self._in_garbage:
                self.error("bytes outside a record", text)
            self._in_garbage = True

    def _record(self, record: str, *, complete: bool) -> int:
        """Parse one record (STX and terminator gone); 1 if it counts as a record, else 0.

        complete is False when a new STX, not an LF, ended it: then it must hold every field
        its code has, since a cut-off agent ID would otherwise pass for a real one."""
        if len(record) > MAX_RECORD:
            self.error("overlong record", record)
            return 0
        number = record[:2]
        following = _NEXT_NUMBER.get(number)
        if following is None:
            self.error("bad record number", record)
            return 0
        clock = record[3:9]
        if len(clock) != 6 or not clock.isdecimal():
            self.error("bad time", record)
            return 0
        code = record[2]
        if code in EVENTS:  # feed() handles whole ones
            self.error("record cut short", record)
            return 0
        kind = QUEUE_KINDS.get(code)
        if kind is not None:
            if len(record) < 22:
                self.error("record cut short", record)
                return 0
            return self._queue(kind, number, following, record)
        if code == "R":
            return self._refresh(number, following, record, clock)
        self.error(f"unknown function code {code!r}", record)
        return 0

    def _count(self, number: str, following: str) -> None:
        if self._expect and number != self._expect:
            self.sequence_gaps += 1
        self._expect = following

    def _meet(self, agent_id: str) -> _Agent:
        """The record of an agent ID not seen before."""
        if len(self._known) >= KNOWN:  # only a stream of garbage IDs gets here
            self._forget()
        agent = _Agent(agent_id)
        self._known[agent_id] = agent
        return agent

    def _forget(self) -> None:
        """More agents than any PBX has: the memory of them is garbage and starts again."""
        self._known.clear()
        self._seated.clear()

    def _extra(self, listener: str, stamp: str, tail: str) -> dict[str, str]:
        if len(self._extras) >= EXTRAS:
            self._extras.clear()
        extra = {"listener_state": listener, "pbx_time": stamp, "tail": tail}
        self._extras[listener, stamp, tail] = extra
        return extra

    def _login(self, agent: _Agent, extension: str) -> None:
        if not extension:
            return
        before = self._seated.get(extension)
        if before is not None and before is not agent:
            # The PBX sends the earlier agent's logout first; if it was lost, say it here.
            self._logout(before)
            before.listener = "out"
            self._agents.append(
                AgentRow(
                    agent_id=before.agent_id,
                    state=LOGGED_OUT,
                    vendor_state="B",
                    extension=extension,
                    state_seconds=0,
                    extra={"listener_state": "out", "pbx_time": self._stamp, "implied": True},
                )
            )
        self._seat(agent, extension)

    def _logout(self, agent: _Agent) -> None:
        extension = agent.seat
        if extension is not None:
            agent.seat = None
            if self._seated.get(extension) is agent:
                del self._seated[extension]

    def _seat(self, agent: _Agent, extension: str) -> None:
        places = self._seated
        if len(places) > SEATS:  # only a stream of garbage IDs gets here
            self._forget()
            agent.seat, agent.listener = None, "idle"
            self._known[agent.agent_id] = agent
        self._logout(agent)
        other = places.get(extension)
        if other is not None:
            other.seat = None
        places[extension] = agent
        agent.seat = extension

    def _advance(self, clock: str) -> None:
        """Event records carry no date: when the time of day runs back by more than half a
        day, midnight has passed. The next R record sets the date outright in any case."""
        if (
            self._last_time
            and self.pbx_date is not None
            and _seconds(self._last_time) - _seconds(clock) > _HALF_DAY
        ):
            self.pbx_date += dt.timedelta(days=1)
        self._last_time = clock
        self._stamp = _iso(self.pbx_date, clock)

    def _queue(self, kind: str, number: str, following: str, record: str) -> int:
        reporting = record[9:12].strip()
        waiting, staffed, longest = record[12:15], record[15:18], record[18:22]
        try:
            if not reporting:
                raise ValueError(reporting)
            row = QueueRow(
                kind=kind,
                number=reporting,
                calls_waiting=wire_count(waiting),
                agents_staffed=wire_count(staffed),
                oldest_wait_seconds=wire_mmss(longest),
                extra={
                    "waiting": waiting,
                    "agents": staffed,
                    "longestwait": longest,
                    "tail": record[22:],
                },
            )
        except ValueError:
            self.error(f"bad {kind} record", record)
            return 0
        self._count(number, following)
        self._queues.append(row)
        return 1

    def _refresh(self, number: str, following: str, record: str, clock: str) -> int:
        text = record[9:17]
        try:
            if len(text) != 8 or not text.isdecimal():
                raise ValueError(text)
            day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            self.error("bad refresh date", record)
            return 0
        self._count(number, following)
        self.pbx_date = day
        self._last_time = clock
        self._stamp = _iso(day, clock)
        return 1


def _seconds(clock: str) -> int:
    return int(clock[:2]) * 3600 + int(clock[2:4]) * 60 + int(clock[4:])


def _iso(day: dt.date | None, clock: str) -> str:
    """Local PBX time as ISO 8601: with the date once an R record gave it, else time only."""
    time = f"{clock[:2]}:{clock[2:4]}:{clock[4:]}"
    return f"{day.isoformat()}T{time}" if day is not None else time
