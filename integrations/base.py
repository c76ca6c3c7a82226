"""The vendor-neutral vocabulary every integration speaks (DESIGN.md).

An integration turns a vendor's bytes into these records; ingest (which knows no vendor) filters,
diffs, stores and publishes them. Nothing here imports Django.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol

# A wire value too wide for its field (Avaya's `*****`): at least the field's maximum, not a number.
OVERFLOW: Final = "overflow"

# A figure as a feed sends it: a count or seconds, None when the feed left it blank
# ("not applicable"), or OVERFLOW.
Figure = int | float | str | None

AVAILABLE: Final = "available"
RINGING: Final = "ringing"
ON_CALL: Final = "on_call"
WRAP_UP: Final = "wrap_up"
NOT_READY: Final = "not_ready"
OTHER: Final = "other"
LOGGED_OUT: Final = "logged_out"
UNKNOWN: Final = "unknown"
AGENT_STATES: Final = (
    AVAILABLE,
    RINGING,
    ON_CALL,
    WRAP_UP,
    NOT_READY,
    OTHER,
    LOGGED_OUT,
    UNKNOWN,
)

QUEUE_KINDS: Final = ("skill", "vdn", "group", "path", "queue")

# The neutral live figures of a queue, in the order the API lists them.
QUEUE_FIGURES: Final = (
    "calls_waiting",
    "oldest_wait_seconds",
    "agents_staffed",
    "agents_available",
    "agents_ringing",
    "agents_on_call",
    "agents_wrap_up",
    "agents_not_ready",
    "agents_other",
    "offered",
    "answered",
    "abandoned",
    "asa_seconds",
    "service_level_pct",
)


@dataclass(slots=True)
class QueueRow:
    """One queue's live figures as of one batch. Unset figures stay None (the feed gives none)."""

    kind: str  # one of QUEUE_KINDS
    number: str  # the vendor's split/skill, VDN, group, path or queue number/code, as text
    name: str = ""
    calls_waiting: Figure = None
    oldest_wait_seconds: Figure = None
    agents_staffed: Figure = None
    agents_available: Figure = None
    agents_ringing: Figure = None
    agents_on_call: Figure = None
    agents_wrap_up: Figure = None
    agents_not_ready: Figure = None
    agents_other: Figure = None
    offered: Figure = None
    answered: Figure = None
    abandoned: Figure = None
    asa_seconds: Figure = None
    service_level_pct: Figure = None
    # How offered/answered/abandoned count: "interval" restarts at each vendor interval
    # (Avaya CMS), "day" is cumulative for the day (Optimus), None when the feed sends none.
    counters: Literal["interval", "day"] | None = None
    # The feed's other fields, JSON-serialisable, named in snake_case, wire meaning kept.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class AgentRow:
    """One agent as of one batch or event."""

    agent_id: str
    state: str  # one of AGENT_STATES
    vendor_state: str = ""  # the state as the vendor sent it (word, code or function letter)
    name: str = ""
    extension: str = ""
    reason_code: str = ""  # e.g. Avaya AUX reason, Mitel make-busy reason; "" when none
    # Seconds the agent has been in this state when the batch/event was produced; None if the
    # feed does not say. An event that *is* the state change gives 0.
    state_seconds: int | None = None
    skills: tuple[str, ...] = ()  # queue numbers the agent serves (all of them, merged)
    # What else the feed sent, by column. Rows may share one dict (a decoder gives the rows
    # with the same values one): never changed in place; a changed row is a new row.
    extra: dict[str, Any] = field(default_factory=dict)


# What happened to a call (or another interaction) in one event. An event feed (CTI) sends a
# stream of these; a call table (a database of calls) gives the same steps from its rows.
CALL_OFFERED: Final = "offered"  # arrived (at a VDN, a queue or straight at an extension)
CALL_QUEUED: Final = "queued"
CALL_RINGING: Final = "ringing"  # delivered to an agent's extension, alerting
CALL_ANSWERED: Final = "answered"  # established with an agent
CALL_HELD: Final = "held"
CALL_RETRIEVED: Final = "retrieved"
CALL_TRANSFERRED: Final = "transferred"  # to `target`: a new segment starts there
CALL_CONFERENCED: Final = "conferenced"
CALL_DIVERTED: Final = "diverted"  # moved on unanswered (redirected, overflowed)
CALL_ENDED: Final = "ended"  # the call is over (released by `released_by`)
CALL_FAILED: Final = "failed"
CALL_STEPS: Final = (
    CALL_OFFERED,
    CALL_QUEUED,
    CALL_RINGING,
    CALL_ANSWERED,
    CALL_HELD,
    CALL_RETRIEVED,
    CALL_TRANSFERRED,
    CALL_CONFERENCED,
    CALL_DIVERTED,
    CALL_ENDED,
    CALL_FAILED,
)
RELEASED_BY: Final = ("caller", "agent", "system")


@dataclass(slots=True)
class CallEvent:
    """One step of one call, as an event feed reports it (DESIGN.md's Call, a step at a time).

    Keyed by (source, call_id); `ucid` is the call's network-wide ID where the feed sends one.
    A field the event does not carry stays empty/None: ingest keeps what earlier steps said."""

    call_id: str
    step: str  # one of CALL_STEPS
    at: float  # epoch seconds the feed gives for the step (else when it was read)
    ucid: str = ""
    direction: Literal["inbound", "outbound", "internal", ""] = ""
    media: str = "voice"  # or "web", "chat", "email": a session the feed says is not a call
    vdn: str = ""
    queue_kind: str = ""  # one of QUEUE_KINDS, with queue_number
    queue_number: str = ""
    calling: str = ""  # personal data: masked where shown, purged after retention
    called: str = ""
    agent_id: str = ""
    extension: str = ""
    target: str = ""  # where a transfer or diversion went
    released_by: Literal["caller", "agent", "system", ""] = ""
    cause: str = ""  # the feed's own cause or end code, as sent
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class IntervalRow:
    """One interval's figures as the phone system itself reports them (a statistics table),
    for a queue or an agent: stored as sent, never derived (a feed of these is the truth for
    that interval; ingest's own accounting does not count the same queue there too)."""

    kind: str  # one of QUEUE_KINDS, or "agent"
    number: str  # the queue's number/code, or the agent ID
    start: float  # epoch seconds the interval starts at
    seconds: int = 900
    # Named as the interval tables name them (offered, answered, abandoned, answered_in_sl,
    # answer_wait_seconds, talk_seconds, ...); a figure the row does not give is left out.
    figures: dict[str, Figure] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Batch:
    """What an integration hands ingest when a unit of data is complete.

    snapshot=True: the whole report; a queue or agent absent from it has left the report.
    snapshot=False: updates (events, per-record statistics); absent rows are untouched.
    A Batch with no rows is still a sign of life (a Mitel refresh record).
    `calls` carries an event feed's call steps, in the order they happened.

    A decoder with the ChangedRows capability (snapshots only) hands on in `agents` only the
    agents whose rows changed since its previous batch; an agent not among them is as it was
    (only its time in state moved on). Its first batch then sets `listed`, every agent ID the
    report holds; each later one sets `departed`, the agents that have left the report since.
    An agent that left (or was not listed) in an incomplete snapshot (`unread`) is handed on
    again by the next batch that has it: ingest holds it until the next complete snapshot.
    """

    queues: list[QueueRow] = field(default_factory=list)
    agents: list[AgentRow] = field(default_factory=list)
    snapshot: bool = False
    records: int = 0  # wire records this batch was made of (for feed health)
    listed: frozenset[str] | None = None
    departed: set[str] | None = None
    calls: list[CallEvent] = field(default_factory=list)
    intervals: list[IntervalRow] = field(default_factory=list)  # a statistics feed's rows
    # Wire records of this batch that could not be read (each also told in the decoder's
    # errors). A snapshot with any is incomplete: a row absent from it may be one of them, so
    # nothing is marked gone for being absent; with no record read at all it is no data.
    unread: int = 0
    unread_excerpt: str = ""  # the first of them: "reason: excerpt"


# What a supervisor may ask a link that controls agents (a CTI feed) to do to one agent.
AGENT_LOG_OUT: Final = "log_out"
AGENT_NOT_READY: Final = "not_ready"  # with a reason code where the site uses them
AGENT_READY: Final = "ready"
AGENT_ACTIONS: Final = (AGENT_LOG_OUT, AGENT_NOT_READY, AGENT_READY)


@dataclass(slots=True, frozen=True)
class AgentCommand:
    """A supervisor's request about one agent, handed to the decoder of the link that
    controls it (Decoder.command). `request_id` is ingest's (the audit log's) and comes back in
    the CommandResult, whatever the wire's own request numbering."""

    request_id: str
    agent_id: str
    action: str  # one of AGENT_ACTIONS
    reason_code: str = ""
    extension: str = ""  # the agent's station, where ingest knows it


@dataclass(slots=True, frozen=True)
class CommandResult:
    """The phone system's answer to an AgentCommand: ok, or its refusal as it sent it."""

    request_id: str
    ok: bool
    detail: str = ""  # e.g. the CSTA error value ("invalidAgentState"); "" when ok


@dataclass(slots=True, frozen=True)
class ParseError:
    reason: str
    excerpt: str  # at most ~80 characters of the offending input, repr-safe


def excerpt(data: bytes | str, limit: int = 80) -> str:
    """A short, printable excerpt of bad input for logs and diagnostics."""
    if isinstance(data, bytes):
        data = data.decode("latin-1")
    text = data[:limit].encode("unicode_escape").decode("ascii")
    return text + ("…" if len(data) > limit else "")


class Decoder:
    """A stateful, per-connection bytes-to-batches decoder. One per TCP connection.

    feed() takes whatever one read returned (half a record, several batches) and returns the
    batches it completed. flush(now) is called about once a second with time.monotonic(), so a
    feed without an end-of-batch marker can close a batch by time. Bad input never raises: it
    is appended to `errors` (ingest drains, counts and logs them) and skipped.

    A link may have to write (log in, start a session, subscribe, answer keep-alives, send a
    request): the decoder puts the bytes in `outbox` (send()), from connected(), feed() or
    flush(), and ingest writes them to the peer, in order, right after that call. A listen-only
    feed never sends. Bytes sent are not passed through (pass-through carries what the phone
    system sent).

    State that must outlive one connection (calls in progress, monitors to set up again) is
    handed from the source's previous decoder to the next by resume(); by default a new
    connection starts afresh.
    """

    # The clock ingest stamps batches with (epoch seconds). A decoder that compares a feed's
    # times with the clock reads this one; tests and benchmarks that replay runs faster than
    # real time replace it.
    clock: Callable[[], float] = staticmethod(time.time)

    def __init__(self) -> None:
        self.errors: list[ParseError] = []
        self.outbox: list[bytes] = []
        # Answers to AgentCommands, drained by ingest after each feed()/flush() like errors.
        self.results: list[CommandResult] = []
        # What a site should see on the source's health page about how this link works now
        # (e.g. {"agent states": "polled every 5 s"}): short label -> short text.
        self.facts: dict[str, str] = {}

    def feed(self, data: bytes) -> list[Batch]:
        raise NotImplementedError

    def flush(self, now: float) -> list[Batch]:
        return []

    def connected(self) -> None:
        """The link is up (before any byte was read): a decoder that must speak first
        queues its opening here."""

    def resume(self, previous: Decoder) -> None:
        """Take over what the source's previous connection's decoder knew that must outlive
        the link (called before connected())."""

    def send(self, data: bytes) -> None:
        self.outbox.append(data)

    def command(self, request: AgentCommand) -> None:
        """Ask the phone system to act on an agent (only a vendor whose VendorInfo lists the
        action in `agent_actions`): queue the request in the outbox; its answer arrives later
        as a CommandResult in `results` (a refusal too: this never raises for the wire's
        sake). A link that is not ready for requests answers at once with ok=False."""
        self.results.append(CommandResult(request.request_id, False, "not supported"))

    def error(self, reason: str, data: bytes | str) -> None:
        if len(self.errors) < 1000:  # a firehose of garbage must not grow memory
            self.errors.append(ParseError(reason, excerpt(data)))


class ChangedRows(Decoder):
    """The capability of a snapshot decoder that diffs runs itself (an optional speed-up for
    large reports): it hands on only the agents whose rows changed (see Batch), may hand back
    the very row object of its previous batch for an agent whose time in state alone moved (so
    ingest's diff compares identity first), and keeps its books for the next run (what the
    last one left or brought) after the publish, while nothing waits."""

    def idle_steps(self) -> Iterator[None]:
        """The work a batch left that need not delay it (bookkeeping for the next batch), in
        steps, each next() a part of a few milliseconds: ingest runs them after the batch is
        published, with its other work (reads, publishing, the web server in one process) in
        between."""
        yield from ()

    def forget(self) -> None:
        """Hand every row of the next batch on as changed: ingest's rows no longer match
        what this decoder last handed on (a range was widened, rows were dropped)."""


class PollFailed(Exception):
    """A Poller could not reach its system (connection refused or lost, login refused, a
    query cut off): ingest shows the message on the source's health page and tries again
    with backoff. The message must never carry a credential."""


class Poller:
    """A source that asks instead of listening: a database or a web service (transport
    "poll"). One per source; ingest calls poll() every refresh interval in a worker thread, so
    blocking I/O is fine there, and never two at once. poll() returns the batches it read and
    must keep its own position (what it has already handed on) so that nothing is handed on
    twice and nothing is missed across polls; a restart starts from `resume_from` (what
    ingest stored as `position` after the last batches it saved).

    Bad rows are counted in `errors` (as a Decoder's are) and skipped; a lost connection
    raises PollFailed. `facts`, `results` and command() mean what they do on a Decoder.
    """

    def __init__(self) -> None:
        self.errors: list[ParseError] = []
        self.results: list[CommandResult] = []
        self.facts: dict[str, str] = {}
        # A JSON-serialisable mark of how far this poller has read (e.g. the last row's key);
        # ingest stores it with the batches it saved and hands it back as resume_from.
        self.position: Any = None

    def resume_from(self, position: Any) -> None:
        """Carry on after `position` (None: from the start of today)."""
        self.position = position

    def poll(self, now: float) -> list[Batch]:
        raise NotImplementedError

    def command(self, request: AgentCommand) -> None:
        self.results.append(CommandResult(request.request_id, False, "not supported"))

    def close(self) -> None:
        """Let go of connections (the source stops or is reconfigured)."""

    def error(self, reason: str, data: bytes | str) -> None:
        if len(self.errors) < 1000:
            self.errors.append(ParseError(reason, excerpt(data)))


# A source's live rows as an extra output takes them: (kind, number, extra) per queue and
# (agent ID, neutral state, extra) per agent.
LiveQueues = Iterable[tuple[str, str, dict[str, Any]]]
LiveAgents = Iterable[tuple[str, str, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class LiveDocument:
    """An extra output of a vendor: a source's live rows as a JSON document in a format some
    older tool reads. Served at `/api/v1/compat/<name>/<source>.json`, and kept written to the
    source's `compat_file` when one is set."""

    name: str  # the URL segment
    label: str
    queue_kinds: tuple[str, ...]  # the queues it lists
    render: Callable[[LiveQueues, LiveAgents, float], dict[str, Any]]  # (..., last update)
    write: Callable[[str, dict[str, Any]], None]  # a rendered document to a file, atomically


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something a site should know about a source's set-up (`manage.py check` says it)."""

    message: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class VendorInfo:
    key: str  # "avaya_cms", "mitel", "optimus"
    label: str
    # "poll": the integration has make_poller() instead of make_decoder() (a database or a
    # web service that ingest asks every refresh interval).
    transport: Literal["listen", "connect", "either", "poll"]
    default_port: int
    layouts: tuple[str, ...]  # report layouts a source can pick; first is the default
    # Snapshots a row may be missing from before it is marked gone (Avaya: 1, Optimus: 3).
    missing_batches_before_gone: int = 1
    default_refresh_seconds: int = 15
    # What a source of this vendor can offer beside the neutral rows (None: nothing).
    live_document: LiveDocument | None = None
    # Start-up diagnostics for a source of a layout (e.g. a speed-up that was not built).
    diagnostics: Callable[[str], list[Diagnostic]] | None = None
    # Supervisor actions a source of this vendor can carry out (AGENT_ACTIONS), () for none.
    agent_actions: tuple[str, ...] = ()
    # Options that are credentials: stored apart as the source's secrets (never exported,
    # shown or logged) and merged into the options only when the decoder is made.
    secret_options: tuple[str, ...] = ()


class Integration(Protocol):
    """What `integrations.<vendor>` (its __init__) exposes."""

    VENDOR: VendorInfo

    def default_options(self, layout: str) -> dict[str, Any]: ...

    def validate_options(self, layout: str, options: dict[str, Any]) -> list[str]: ...

    def make_decoder(self, layout: str, options: dict[str, Any]) -> Decoder: ...

    # A vendor whose transport is "poll" has instead:
    # def make_poller(self, layout: str, options: dict[str, Any]) -> Poller: ...
