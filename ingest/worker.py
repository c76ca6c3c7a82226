"""One source's life in runingest: transport, pass-through, decoding, ranges, diff, persistence.

Reading never waits for the database: each batch is diffed in memory at once, and what changed
is folded into a pending set that a separate task writes (and publishes) as fast as the database
allows. A lost database is retried with backoff while the live state keeps going.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError, InterfaceError

from integrations import integration
from integrations.base import (
    UNKNOWN,
    AgentRow,
    Batch,
    CallEvent,
    ChangedRows,
    Decoder,
    IntervalRow,
    Poller,
    PollFailed,
    QueueRow,
    excerpt,
)
from wallboard.engine.service import ServiceLevels
from wallboard.lib.addresses import parse_address, parse_peers, peer_allowed
from wallboard.lib.backoff import Backoff
from wallboard.lib.ranges import IdRange
from wallboard.lib.tls import TlsSettingsError, client_context, describe_failure

from . import actions, recordings, store
from .agentdays import AgentDays, stored_agent_day
from .calls import CallLedger, LedgerCall
from .capture import CaptureFile, mark_ended, take_request
from .capture import begin as begin_capture
from .intervals import IntervalAccounting, interval_start
from .live import Changes, LiveState, QueueKey
from .pacing import Pacing
from .passthrough import PassThroughTarget
from .queuedays import QueueDays, day_start, stored_day
from .store import SourceConfig

log = logging.getLogger(__name__)

READ_SIZE = 256 * 1024
INTERVAL_WRITE_SECONDS = 10.0  # interval rows are written this often (and at each boundary)
WRITE_BACKLOG = 1024 * 1024  # unsent bytes a link's peer may leave in our buffer
STALE_AFTER_REFRESHES = 2  # a source is stale when no batch came for this many refreshes
ERROR_LOG_BURST = 20  # bad records logged per minute per source; the rest only counted
# A link from which no byte came for this many refreshes (and at least SILENCE_FLOOR seconds)
# is dropped: a half-open link (the far end vanished) would otherwise stay up for hours.
SILENCE_REFRESHES = 3
SILENCE_FLOOR = 10.0
# TCP keepalives on every link, where the platform lets us set them: a dead peer is found by
# the kernel within KEEPALIVE_IDLE + KEEPALIVE_INTERVAL * KEEPALIVE_COUNT seconds.
KEEPALIVE_IDLE = 10
KEEPALIVE_INTERVAL = 5
KEEPALIVE_COUNT = 3
# A listen source keeps its live session while newcomers prove themselves; at most this many
# wait at once (a newer one drops the oldest).
MAX_CANDIDATES = 4
ORPHAN_CHECK_SECONDS = 30.0  # how often open calls are looked at for ones without an end
RECENT_CALLS_WINDOW = 3600.0  # abandoned calls read back at start, for the boards
LOG_BURST = 5  # refused or unproven connections logged one by one per LOG_WINDOW; then a count
LOG_WINDOW = 60.0
MAX_FACTS = 20  # a decoder's facts shown on the health page (label -> text), and their length
FACT_LENGTH = 200
CAPTURE_POLL_SECONDS = 2.0  # how often a source looks for a raw capture an admin asked for
CAPTURE_TIDY_SECONDS = 3600.0  # and for captures orphaned or past their retention (and at start)
POLL_BACKOFF_CAP = 60.0  # the longest wait between attempts when a polled system is unreachable


def keepalive(writer: asyncio.StreamWriter) -> None:
    """TCP keepalives with short timers on a link (the OS default waits two hours)."""
    sock = writer.get_extra_info("socket")
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    idle = getattr(socket, "TCP_KEEPIDLE", None) or getattr(socket, "TCP_KEEPALIVE", None)
    for option, value in (
        (idle, KEEPALIVE_IDLE),
        (getattr(socket, "TCP_KEEPINTVL", None), KEEPALIVE_INTERVAL),
        (getattr(socket, "TCP_KEEPCNT", None), KEEPALIVE_COUNT),
    ):
        if option is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, option, value)


class LogBurst:
    """Log lines of one kind that a peer can cause at will: the first `burst` of a window one
    by one, then one line at the window's end saying how many more there were."""

    def __init__(self, burst: int, summary: str, *args: object) -> None:
        self.burst = burst
        self.summary, self.args = summary, args  # the summary's format gets args, then the count
        self.started = -LOG_WINDOW
        self.count = 0
        self._timer: asyncio.TimerHandle | None = None

    def log(self, level: int, message: str, *args: object) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._timer is None and now - self.started >= LOG_WINDOW:
            self.started, self.count = now, 0
        self.count += 1
        if self.count <= self.burst:
            log.log(level, message, *args)
        elif self._timer is None:
            self._timer = loop.call_at(self.started + LOG_WINDOW, self._tell, level)

    def _tell(self, level: int) -> None:
        self._timer = None
        log.log(level, self.summary, *self.args, self.count - self.burst)
        self.started, self.count = asyncio.get_running_loop().time(), 0

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Publisher(Protocol):
    async def changed(self, worker: SourceWorker, changes: Changes) -> None: ...

    async def status(self, worker: SourceWorker) -> None: ...

    async def refresh(self) -> None: ...

    async def flush(self) -> None: ...

    def shows_agent_days(self, source_id: int) -> bool: ...


DbCall = Callable[..., Awaitable[Any]]


class SourceWorker:
    def __init__(
        self,
        config: SourceConfig,
        db: DbCall,
        publisher: Publisher | None = None,
        pass_through_bytes: int = 4 * 1024 * 1024,
        background_db: DbCall | None = None,
        pacing: Pacing | None = None,
    ) -> None:
        self.config = config
        self.pacing = pacing or Pacing()
        self.db = db
        # Work nobody waits for (interval rows) goes here, behind no batch's write.
        self.background_db = background_db or db
        self.publisher = publisher
        self.pass_through_bytes = pass_through_bytes
        self.module = integration(config.vendor)
        info = self.module.VENDOR
        self.live = LiveState(info.missing_batches_before_gone, store.day_of)
        self.intervals = IntervalAccounting(time.time())
        # Each queue's today and last hour, from the interval rows (ingest/queuedays.py).
        self.days = QueueDays(day_start)
        self._day_figures_of: int | None = None  # the interval of the last batch's figures
        # Each agent's day (ingest/agentdays.py), and what is to go out with the next batch.
        self.agent_days = AgentDays(day_start)
        self._agent_today: dict[str, dict[str, Any]] = {}
        self._agent_days_loading = asyncio.Lock()  # (boards built together read them once)
        # An event feed's calls (ingest/calls.py); each queue's service-level target from the
        # site's settings (read at start).
        self.levels = ServiceLevels()
        self.ledger = CallLedger(
            self.intervals.book_calls, self._target_seconds, settings.ORPHAN_CALL_MINUTES * 60
        )
        self.ledger.observer = recordings.observer(config.id)  # recording tagging
        self._orphans_checked = time.monotonic()
        self._unobserved: list[Changes] = []  # published, not yet accounted
        self._intervals_written = time.monotonic()
        self.options: dict[str, Any] = json.loads(config.options_json)
        self.targets: dict[int, PassThroughTarget] = {}
        self._spawned: set[asyncio.Future[Any]] = set()
        self._apply_settings(config)
        # feed health
        self.connected = False
        self.peer = ""
        self.last_data_at: float | None = None  # epoch of the last complete batch
        self.batches = 0
        self.records = 0
        self.parse_errors = 0
        self.call_events = 0  # an event feed's call steps (see self.ledger)
        self.last_error = ""
        self.problem = ""  # what is wrong with the runs that come (rows not read), until fixed
        self.stale = True
        self.recent_errors: deque[str] = deque(maxlen=20)
        self.recent_frames: deque[str] = deque(maxlen=5)
        self._error_log = LogBurst(
            ERROR_LOG_BURST,
            "source %s: %d more bad records in the last minute (not logged one by one)",
            config.name,
        )
        # work
        self.pending = Changes()
        # Published, not yet folded into pending: folding waits for the persist loop, so a
        # batch's publish does not wait for it (a few ms for thousands of agents).
        self._arrived: list[Changes] = []
        self._pending_event = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._connection: asyncio.Task[Any] | None = None
        # Newcomers on probation beside a live session (listen), oldest first: task -> peer.
        self._candidates: dict[asyncio.Task[Any], str] = {}
        self.refusals = 0  # connections refused (peer not allowed)
        self.probation_drops = 0  # newcomers dropped before they proved themselves
        self.silence_drops = 0  # links dropped for silence
        self._silent_links = 0  # silent links in a row (logged once)
        self._refusal_log = LogBurst(
            LOG_BURST,
            "source %s: %d more connections refused (not allowed) in the last minute",
            config.name,
        )
        self._probation_log = LogBurst(
            LOG_BURST,
            "source %s: %d more new connections dropped in the last minute (no valid batch)",
            config.name,
        )
        self._decoder: Decoder | None = None  # the current (else the last) connection's
        self._writer: asyncio.StreamWriter | None = None
        self._idle_call: asyncio.TimerHandle | None = None
        self._preparing: asyncio.Future[None] | None = None
        self._batch_seen = 0.0  # time.monotonic() of the last batch
        self._tick_waited = False
        self._server: asyncio.Server | None = None
        self.restored = False
        self.facts: dict[str, str] = {}  # the live decoder's (Decoder.facts), for the health page
        self._answering: set[asyncio.Future[None]] = set()  # results on their way to the audit log
        # A raw capture being taken (ingest/capture.py), its row's id, and its pending saves.
        self.capture: CaptureFile | None = None
        self._capture_id: int | None = None
        self._capture_polled = -CAPTURE_POLL_SECONDS
        self._capture_tidied: float | None = None  # never yet
        self._capture_saves: set[asyncio.Future[None]] = set()
        # A polled source's poller, and its position as of the batches processed so far
        # (stored with what is saved of them: see _take_position).
        self._poller: Poller | None = None
        self._position: Any = None
        self._position_dirty = False
        # Screen pops taken into the ledger, marked applied with the next write of the calls
        # (ingest/screenpops.py); a failed write keeps them, and a sweep skips them meanwhile.
        self.screen_pops_held: set[int] = set()
        self._screen_pops_unwritten: list[int] = []
        self._polling = False  # a poll is running in its thread
        # Agent states from another source (the neutral option agent_states_from): the runner
        # lets a worker find the source it reads them from, and the sources that read its own.
        self.worker_named: Callable[[str], SourceWorker | None] = lambda name: None
        self.followers: Callable[[], list[SourceWorker]] = list

    # -- configuration -----------------------------------------------------------------
    def _apply_settings(self, config: SourceConfig) -> None:
        self.queue_range = IdRange(config.queue_range)
        self.agent_range = IdRange(config.agent_range)
        self.peers = parse_peers(config.allowed_peers)
        wanted = {t.id: t for t in config.targets}
        for target_id in list(self.targets):
            old = self.targets[target_id]
            if target_id not in wanted or (old.host, old.port) != (
                wanted[target_id].host,
                wanted[target_id].port,
            ):
                self._background(self.targets.pop(target_id).stop())
        for target_id, t in wanted.items():
            if target_id not in self.targets:
                self.targets[target_id] = PassThroughTarget(
                    t.id, t.host, t.port, self.pass_through_bytes, config.name
                )

    def reconfigure(self, config: SourceConfig) -> None:
        """Apply an admin edit that needs no new connection: ranges, targets, peers, refresh."""
        ranges_changed = (config.queue_range, config.agent_range) != (
            self.config.queue_range,
            self.config.agent_range,
        )
        self.config = config
        self._apply_settings(config)
        for target in self.targets.values():
            target.start()
        if ranges_changed:
            dropped = self.live.retain(
                lambda q: q.number in self.queue_range,
                lambda a: a.agent_id in self.agent_range,
                time.time(),
            )
            if dropped:
                self._changed(dropped)
            if isinstance(self._decoder, ChangedRows):  # rows it handed on may be wanted now
                self._decoder.forget()
        log.info("source %s: settings updated", config.name)

    # -- life cycle --------------------------------------------------------------------
    async def start(self) -> None:
        if not self.restored:
            queues, agents = await self.db(store.restore, self.config.id)
            self.live.restore(queues, agents)
            stored = await self.db(store.restore_intervals, self.config.id, self.intervals.current)
            self.intervals.restore([row for row, _, _ in queues], agents, stored)
            now = time.time()
            self.days.load(await self.db(stored_day, self.config.id, day_start(now)), now)
            self.agent_days.roll(now)  # its figures are read when a board shows them
            from wallboard.models.service import service_levels

            self.levels = await self.db(service_levels)
            calls, abandoned = await self.db(
                store.restore_calls, self.config.id, RECENT_CALLS_WINDOW
            )
            self.ledger.restore(calls, abandoned)
            self.restored = True
        if self.publisher is not None and self.publisher.shows_agent_days(self.config.id):
            await self.want_agent_days()  # (a board built before this worker started)
        await self._poll_capture()  # a capture asked for before the source ran sees it all
        for target in self.targets.values():
            target.start()
        if self.config.secrets_problem:
            self.last_error = f"credentials: {self.config.secrets_problem}"
            log.error("source %s: %s", self.name, self.last_error)
        self._tasks.append(asyncio.create_task(self._persist_loop(), name=f"persist {self.name}"))
        self._tasks.append(asyncio.create_task(self._tick_loop(), name=f"tick {self.name}"))
        if self.module.VENDOR.transport == "poll":
            self._tasks.append(asyncio.create_task(self._poll_loop(), name=f"poll {self.name}"))
        elif self.config.listen:
            host, port = parse_address(self.config.listen)
            self._server = await asyncio.start_server(self._accept, host, port)
            log.info("source %s: listening on %s", self.name, self.config.listen)
        else:
            self._tasks.append(
                asyncio.create_task(self._connect_loop(), name=f"connect {self.name}")
            )

    async def stop(self, write: bool = True) -> None:
        """Stop reading; with `write`, what was diffed but not yet written goes to the
        database (not when this process lost the lead: the new leader's rows stand)."""
        if self._idle_call is not None:
            self._idle_call.cancel()
            self._idle_call = None
        if self._preparing is not None:
            self._preparing.cancel()
            self._preparing = None
        if self._server is not None:
            self._server.close()
            self._server = None
        self._refusal_log.cancel()
        self._probation_log.cancel()
        self._error_log.cancel()
        candidates, self._candidates = list(self._candidates), {}
        if self._connection is not None:
            self._connection.cancel()
        for task in [*self._tasks, *candidates]:
            task.cancel()
        for task in [*self._tasks, *([self._connection] if self._connection else []), *candidates]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self._connection = None
        await self._end_capture("ingest stopped the source")
        if self._capture_saves:  # a capture that ended by its limit just before
            await asyncio.wait(list(self._capture_saves))
        for target in self.targets.values():
            await target.stop()
        if self._answering:  # the answers already read reach the audit log
            await asyncio.gather(*self._answering, return_exceptions=True)
        if not write:
            self.connected = False
            return
        with contextlib.suppress(DatabaseError, InterfaceError):
            changes = self._take_pending()
            if changes:
                await self._write(changes)
            await self._write_calls()
            self._observe()
            self.intervals.heard(self.last_data_at)  # restored stints the feed confirmed
            self.intervals.close_all(time.time())
            await self._write_intervals()
        self.connected = False

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def listening_port(self) -> int | None:
        if self._server is None or not self._server.sockets:
            return None
        return int(self._server.sockets[0].getsockname()[1])

    # -- transport ---------------------------------------------------------------------
    def silence_after(self) -> float:
        """Seconds without a byte after which a link is taken for dead (a half-open link never
        closes by itself): a few of the feed's refreshes, and never less than the floor."""
        return max(SILENCE_REFRESHES * max(1, self.config.refresh_seconds), SILENCE_FLOOR)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername") or ("?", 0)
        peer_ip = str(peername[0])
        if not peer_allowed(peer_ip, self.peers):
            self.refusals += 1
            self.last_error = f"refused connection from {peer_ip}"
            self._refusal_log.log(
                logging.WARNING,
                "source %s: refused a connection from %s (not allowed)",
                self.name,
                peer_ip,
            )
            writer.transport.abort()
            return
        keepalive(writer)
        peer = f"{peer_ip}:{peername[1]}"
        task = asyncio.current_task()
        assert task is not None
        if self._connection is None or self._connection.done():
            self._connection = task
            with contextlib.suppress(asyncio.CancelledError):
                await self._read(reader, writer, peer)
            return
        # A session is live: the newcomer replaces it only once it proves itself.
        self._candidates[task] = peer
        if len(self._candidates) > MAX_CANDIDATES:  # the oldest newcomer makes way
            oldest = next(iter(self._candidates))
            self._dropped_newcomer(self._candidates.pop(oldest), "newer ones came")
            oldest.cancel()
        log.debug("source %s: %s on probation beside %s", self.name, peer, self.peer)
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await self._read(reader, writer, peer, probation=True)
        finally:
            self._candidates.pop(task, None)

    async def _connect_loop(self) -> None:
        host, port = parse_address(self.config.connect)
        backoff = Backoff(first=1.0, cap=30.0, jitter=0.3)
        failed = 0  # attempts in a row that could not connect
        while True:
            try:
                reader, writer = await asyncio.wait_for(self._open(host, port), 10)
            except (OSError, TimeoutError, TlsSettingsError) as exc:
                failed += 1
                why = describe_failure(exc) if str(exc) else "timed out"
                if failed == 1:
                    log.warning(
                        "source %s: cannot connect to %s (%s); retrying with backoff",
                        self.name,
                        self.config.connect,
                        why,
                    )
                self.last_error = f"cannot connect to {self.config.connect}: {why}"
                await asyncio.sleep(backoff.next())
                continue
            if failed:
                log.info("source %s: connected after %d failed attempts", self.name, failed)
                failed = 0
            keepalive(writer)
            if await self._read(reader, writer, self.config.connect):
                backoff.reset()
                await asyncio.sleep(random.uniform(0.5, 1.5))
            else:  # a link that gave nothing (silent, or closed at once) counts as a failure
                await asyncio.sleep(backoff.next())

    async def _open(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connect source's link: plain TCP, or TLS checked against the source's CA and the
        host (name or address) it connects to. The context is made afresh each time, so a
        CA file fixed on disk is read at the next attempt."""
        config = self.config
        if not config.tls:
            return await asyncio.open_connection(host, port)
        context = client_context(config.tls_ca_file, config.tls_cert_file, config.tls_key_file)
        return await asyncio.open_connection(host, port, ssl=context, server_hostname=host)

    async def _read(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        peer: str,
        probation: bool = False,
    ) -> bool:
        """Read a link until it closes, fails or goes silent; whether any byte came. On
        probation (a newcomer while a session is live) its bytes are decoded on the side: it
        goes live once it sends a complete, valid batch, and is dropped if it has not within
        silence_after() seconds."""
        decoder: Decoder = self.module.make_decoder(
            self.config.layout, self.config.decoder_options()
        )
        if self._decoder is not None:
            decoder.resume(self._decoder)
        if not probation:
            self._go_live(decoder, writer, peer)
        loop = asyncio.get_running_loop()
        silence = self.silence_after()
        deadline = loop.time() + silence  # for a newcomer to prove itself
        delivered = False
        try:
            decoder.connected()
            self._send_outbox(decoder, writer)
            while True:
                try:
                    until = loop.time() + silence
                    async with asyncio.timeout_at(min(until, deadline) if probation else until):
                        data = await reader.read(READ_SIZE)
                except TimeoutError:
                    if probation:
                        self._not_proven(peer, decoder, delivered, silence)
                    else:
                        self._silent(peer, silence)
                    writer.transport.abort()
                    break
                if not data:
                    break
                delivered = True
                if probation:
                    probation = not self._audition(decoder, writer, peer, data)
                    continue
                if self._silent_links:
                    log.info(
                        "source %s: data from %s again, after %d silent links",
                        self.name,
                        peer,
                        self._silent_links,
                    )
                    self._silent_links = 0
                self.receive(decoder, data)
        except (ConnectionError, OSError) as exc:
            if self._decoder is decoder:
                self.last_error = f"connection lost: {exc}"
        finally:
            if probation:
                log.debug("source %s: %s left while on probation", self.name, peer)
            else:
                log.info("source %s: %s disconnected", self.name, peer)
            if self._decoder is decoder:
                self.connected, self.peer = False, ""
                self._writer = None
            writer.close()
        return delivered

    def _go_live(self, decoder: Decoder, writer: asyncio.StreamWriter, peer: str) -> None:
        self._decoder, self._writer = decoder, writer
        self.connected, self.peer = True, peer
        if self.capture is not None:  # a replay reads what follows with a fresh decoder
            self.capture.new_connection(time.time())
        log.info("source %s: connected to %s", self.name, peer)

    def _audition(
        self, decoder: Decoder, writer: asyncio.StreamWriter, peer: str, data: bytes
    ) -> bool:
        """A read of a newcomer on probation; whether it has now replaced the live session:
        once it sent a complete batch of which every record could be read, or at once if the
        live session has ended meanwhile."""
        live = self._connection
        if live is None or live.done():
            self._promote(decoder, writer, peer, "the session before it has ended")
            self.receive(decoder, data)
            return True
        batches = decoder.feed(data)
        self._send_outbox(decoder, writer)
        for i, batch in enumerate(batches):
            if not batch.unread and (batch.records or batch.queues or batch.agents):
                self._promote(decoder, writer, peer, "it sent a complete, valid batch")
                live.cancel()
                self._pass_on(data)
                self._take(decoder, batches[i:])
                return True
        return False  # its bad lines (a bounded list) are told if it is dropped

    def _promote(self, decoder: Decoder, writer: asyncio.StreamWriter, peer: str, why: str) -> None:
        log.info("source %s: %s replaces %s (%s)", self.name, peer, self.peer or "none", why)
        task = asyncio.current_task()
        if task is not None:
            self._candidates.pop(task, None)
        self._connection = task
        self._go_live(decoder, writer, peer)

    def _not_proven(self, peer: str, decoder: Decoder, delivered: bool, bound: float) -> None:
        errors = decoder.errors
        bad = f"; {len(errors)} bad lines, first: {errors[0].excerpt}" if errors else ""
        sent = "no valid batch" if delivered else "nothing"
        self._dropped_newcomer(peer, f"it sent {sent} in {bound:.0f} s{bad}")
        decoder.errors.clear()

    def _dropped_newcomer(self, peer: str, why: str) -> None:
        self.probation_drops += 1
        self._probation_log.log(
            logging.WARNING,
            "source %s: dropped a new connection from %s: %s (%s stays live)",
            self.name,
            peer,
            why,
            self.peer,
        )

    def _silent(self, peer: str, bound: float) -> None:
        """A link from which no byte came for `bound` seconds: dropped (and, for a connect
        source, dialled again), counted, logged once however many silent links follow."""
        self.silence_drops += 1
        self.last_error = f"no data for {bound:.0f} s from {peer}: link dropped"
        if not self._silent_links:
            log.warning(
                "source %s: no data for %.0f s from %s; dropping the link (%s)",
                self.name,
                bound,
                peer,
                "dialling again" if self.config.connect else "the phone system may connect again",
            )
        self._silent_links += 1

    # -- a polled source (transport "poll": a database, a web service) --------------------
    async def _poll_loop(self) -> None:
        """Ask the poller every refresh interval, in a worker thread, never two polls at once
        (a poll that runs long is cut off by the poller's own statement timeout). A failure
        (PollFailed) shows on the health page and is retried with backoff; the source goes
        stale by the usual rule meanwhile. The poller starts from the stored position."""
        try:
            poller: Poller = self.module.make_poller(  # type: ignore[attr-defined]
                self.config.layout, self.config.decoder_options()
            )
        except ValueError as exc:
            self.last_error = f"options: {exc}"[:500]
            log.error("source %s: cannot poll: %s", self.name, self.last_error)
            return
        backoff = Backoff(first=1.0, cap=POLL_BACKOFF_CAP, jitter=0.3)
        while True:  # where it stopped: never read again from the start of the day
            try:
                position = await self.db(store.read_position, self.config.id)
                break
            except (DatabaseError, InterfaceError) as exc:
                self.last_error = f"database: {exc}"[:500]
                await asyncio.sleep(backoff.next())
        backoff.reset()
        self._poller = poller
        poller.resume_from(position)
        self._position = poller.position
        failed = 0
        loop = asyncio.get_running_loop()
        try:
            while True:
                started = loop.time()
                try:
                    self._polling = True
                    try:
                        batches = await asyncio.to_thread(poller.poll, time.time())
                    finally:
                        self._polling = False
                except PollFailed as exc:
                    failed += 1
                    self._poll_failed(poller, str(exc), failed)
                    await asyncio.sleep(backoff.next())
                    continue
                except Exception:  # a poller's bug must not stop ingest: it is tried again
                    log.exception("source %s: the poller failed", self.name)
                    failed += 1
                    self._poll_failed(poller, "the poller failed (see the log)", failed)
                    await asyncio.sleep(backoff.next())
                    continue
                if failed:
                    log.info("source %s: polled again after %d failures", self.name, failed)
                    failed = 0
                    self.last_error = ""
                backoff.reset()
                self._polled(poller, batches)
                wait = max(1, self.config.refresh_seconds) - (loop.time() - started)
                await asyncio.sleep(max(0.0, wait))
        finally:
            self.connected, self.peer = False, ""
            poller.close()

    def _poll_command(self, poller: Poller, request: actions.Request) -> None:
        """A polled source carries a request out in its next poll (answered then); a refusal
        it gives at once is taken now, unless a poll is running (its thread may be adding
        answers: they are taken when it returns)."""
        agent = self.live.agents.get(request.agent_id)
        log.info(
            "source %s: supervisor request %d: %s agent %s%s (next poll)",
            self.name,
            request.id,
            request.action,
            request.agent_id,
            f" reason {request.reason_code}" if request.reason_code else "",
        )
        try:
            poller.command(actions.command(request, agent.extension if agent else ""))
        except Exception:  # a poller's bug must not stop ingest; the request has failed
            log.exception("source %s: the poller failed on request %d", self.name, request.id)
            self._answer_later([(request.id, actions.FAILED, "the request could not be made")])
            return
        if not self._polling:
            self._poller_news(poller)

    def _poll_failed(self, poller: Poller, why: str, failed: int) -> None:
        self.connected, self.peer = False, ""
        self.last_error = why[:500]
        if failed == 1:
            log.warning("source %s: %s; retrying with backoff", self.name, why)
        self._poller_news(poller)

    def _polled(self, poller: Poller, batches: list[Batch]) -> None:
        """A poll's batches, processed as a link's are; its position then goes with the
        next write of what they changed."""
        if not self.connected:
            self.connected = True
            self.peer = str(poller.facts.get("database", ""))[:100]
            log.info("source %s: polling %s", self.name, self.peer or "its system")
        self._poller_news(poller)
        for batch in batches:
            self.process(batch)
        self._position = json.loads(json.dumps(poller.position))  # a copy, as stored
        self._position_dirty = True
        self._pending_event.set()  # the persist loop writes the position even if no row moved

    def _poller_news(self, poller: Poller) -> None:
        if poller.facts != self.facts:
            self.facts = {
                str(label)[:FACT_LENGTH]: str(text)[:FACT_LENGTH]
                for label, text in list(poller.facts.items())[:MAX_FACTS]
            }
        if poller.results:
            results, poller.results = poller.results, []
            self._answer_later([found for r in results if (found := actions.outcome(r))])
        for error in poller.errors:
            self.parse_errors += 1
            text = f"{error.reason}: {error.excerpt}"
            self.recent_errors.append(text)
            self._error_log.log(
                logging.WARNING, "source %s: skipped a bad row, %s", self.name, text
            )
        poller.errors.clear()

    def _take_position(self) -> store.Position | None:
        """The position to store with a write that takes everything processed so far."""
        if not self._position_dirty:
            return None
        self._position_dirty = False
        return store.Position(self._position)

    def _feed_intervals(self, rows: list[IntervalRow]) -> set[QueueKey]:
        """A statistics feed's interval rows, stored as sent (ingest/intervals.py take_feed);
        the queues whose figures of the day they changed."""
        touched: set[QueueKey] = set()
        intervals = self.intervals
        # Written with this batch's write, not INTERVAL_WRITE_SECONDS later: they come
        # seldom, and are what the site reports on.
        self._intervals_written = time.monotonic() - INTERVAL_WRITE_SECONDS - 1
        for row in rows:
            if row.kind == "agent":
                if row.number in self.agent_range:
                    intervals.take_feed(row, None)
                continue
            if row.number not in self.queue_range:
                continue
            key, start = intervals.take_feed(row, self._target_seconds((row.kind, row.number)))
            self.days.put(key, start, intervals.queue_buckets[(key, start)])
            touched.add(key)
        return touched

    # -- the hot path ------------------------------------------------------------------
    def receive(self, decoder: Decoder, data: bytes) -> None:
        self._pass_on(data)
        self._take(decoder, decoder.feed(data))

    def _pass_on(self, data: bytes) -> None:
        self.pacing.reading()
        for target in self.targets.values():
            target.send(data)
        if self.capture is not None:
            self._tee(data)
        self.recent_frames.append(excerpt(data[:160], 160))

    def _take(self, decoder: Decoder, batches: list[Batch]) -> None:
        if decoder.results or decoder.facts:
            self._take_news(decoder)
        if decoder.outbox:
            self._send_outbox(decoder)
        if decoder.errors:
            self._count_errors(decoder)
        for batch in batches:
            self.process(batch)
        if batches and self._idle_call is None:  # once the batch is out, not before
            self._idle_call = asyncio.get_running_loop().call_later(
                self.pacing.persist_after, self._idle, decoder
            )

    def _send_outbox(self, decoder: Decoder, writer: asyncio.StreamWriter | None = None) -> None:
        """Write what a link's decoder has to say (log-in, keep-alive answers, requests) to
        its link (by default the live one). A peer that stops reading cannot make ingest hold
        an unbounded backlog: past WRITE_BACKLOG bytes the link is dropped (and reconnected,
        for a connect source)."""
        outgoing, decoder.outbox = decoder.outbox, []
        if writer is None:
            writer = self._writer if decoder is self._decoder else None
        if writer is None or writer.is_closing():
            return
        for data in outgoing:
            writer.write(data)
        if writer.transport.get_write_buffer_size() > WRITE_BACKLOG:
            self.last_error = (
                f"the peer does not read what this link writes ({WRITE_BACKLOG} bytes)"
            )
            log.error("source %s: %s; dropping the link", self.name, self.last_error)
            writer.transport.abort()

    def _idle(self, decoder: Decoder) -> None:
        self._idle_call = None
        if not isinstance(decoder, ChangedRows):
            self.pacing.after_batch()
        elif decoder is self._decoder and (self._preparing is None or self._preparing.done()):
            self._preparing = asyncio.ensure_future(self._prepare(decoder))
        else:
            self.pacing.after_batch()

    async def _prepare(self, decoder: ChangedRows) -> None:
        """The decoder readies itself for the next batch while nothing waits, a step at a time:
        reads, other sources' batches and (in one process) the web server go on in between."""
        try:
            for _ in decoder.idle_steps():
                await asyncio.sleep(0)
        except Exception:  # a decoder's bug must not stop ingest; its next batch is slower
            log.exception("source %s: the decoder failed to prepare", self.name)
        self.pacing.after_batch()  # what preparing left behind

    def process(self, batch: Batch, now: float | None = None) -> Changes:
        now = time.time() if now is None else now
        if (batch.unread or self.problem) and not self._readable(batch):
            # Not one record could be read: no data (the source goes stale), nothing is gone.
            return self.live.apply(batch, now)
        self.batches += 1
        if self.capture is not None:
            self._capture_ended(self.capture.batch())
        self.records += batch.records or len(batch.queues) + len(batch.agents) + len(batch.calls)
        self.call_events += len(batch.calls)
        self.last_data_at = now
        self._batch_seen = self.pacing.clock()
        if not self.queue_range.everything:
            queue_range = self.queue_range
            batch.queues = [q for q in batch.queues if q.number in queue_range]
        if not self.agent_range.everything:
            agent_range = self.agent_range
            batch.agents = [a for a in batch.agents if a.agent_id in agent_range]
        if self.config.agent_states_from and batch.agents:
            batch.agents = self._overlay(batch.agents, now)
        # A feed's own interval rows first: the calls of the same batch are then not booked
        # for those queues as well.
        fed = self._feed_intervals(batch.intervals) if batch.intervals else set()
        calls = self.ledger.apply(batch.calls) if batch.calls else []
        if calls or self.ledger.queues:
            self._call_rows(batch, now)
        changes = self.live.apply(batch, now)
        if fed:
            self._hand_out(self.days.changed(fed, now), changes)
        if calls:
            changes.calls = {c.call_id: c.view() for c in calls}
        if self.ledger.booked:
            self._call_figures(changes)
        if self.stale:
            self.stale = False
            self._status_changed()
        if changes:
            self._changed(changes)
        return changes

    # -- calls (ingest/calls.py) ----------------------------------------------------------
    def _target_seconds(self, queue: tuple[str, str]) -> float:
        return self.levels.of(self.config.id, queue[0], queue[1]).target_seconds

    def _call_rows(self, batch: Batch, now: float) -> None:
        """What the calls say of the queues and agents, into the batch: each queue's calls
        waiting and oldest wait (0 when none waits: the figure is known, not stale), and each
        agent's current call on its row (`extra["call"]`), so the boards get them with the
        rest of the batch. A feed's own queue row for a queue the calls cover takes the
        calls' figures."""
        ledger = self.ledger
        waiting = ledger.waiting(now)
        queue_range = self.queue_range
        for row in batch.queues:
            figures = waiting.pop((row.kind, row.number), None)
            if figures is not None:
                row.calls_waiting, row.oldest_wait_seconds = figures
        live_queues = self.live.queues
        for key, (n, oldest) in waiting.items():
            if key[1] not in queue_range:
                continue
            base = live_queues.get(key)
            if base is None:
                batch.queues.append(
                    QueueRow(
                        kind=key[0], number=key[1], calls_waiting=n, oldest_wait_seconds=oldest
                    )
                )
            elif (base.calls_waiting, base.oldest_wait_seconds) != (n, oldest):
                batch.queues.append(replace(base, calls_waiting=n, oldest_wait_seconds=oldest))
        touched, ledger.touched_agents = ledger.touched_agents, set()
        for i, agent in enumerate(batch.agents):
            batch.agents[i] = self._with_call(agent)
            touched.discard(agent.agent_id)
        live_agents = self.live.agents
        for agent_id in touched:
            base_agent = live_agents.get(agent_id)
            if base_agent is not None:
                updated = self._with_call(base_agent)
                if updated is not base_agent:
                    batch.agents.append(replace(updated, state_seconds=None))

    def _with_call(self, agent: AgentRow) -> AgentRow:
        call = self.ledger.agent_call(agent.agent_id)
        if (agent.extra or {}).get("call") == call:
            return agent
        extra = {k: v for k, v in agent.extra.items() if k != "call"}
        if call is not None:
            extra["call"] = call
        return replace(agent, extra=extra)

    def _call_figures(self, changes: Changes) -> None:
        """The queues the calls booked into: their figures of the day and the last hour go
        out with the batch (as _day_figures does for a feed's counters)."""
        booked, self.ledger.booked = self.ledger.booked, set()
        at, buckets, days = changes.at, self.intervals.queue_buckets, self.days
        start = interval_start(max(at, self.intervals.current))
        for key in booked:
            bucket = buckets.get((key, start))
            if bucket is not None:
                days.put(key, start, bucket)
        self._hand_out(days.changed(booked, at), changes)

    def _calls_tick(self, now: float) -> None:
        """Each second: the oldest waits move on (while the source is live); now and then,
        calls with no end are closed as orphans."""
        ledger = self.ledger
        closed: list[LedgerCall] = []
        if time.monotonic() - self._orphans_checked > ORPHAN_CHECK_SECONDS:
            self._orphans_checked = time.monotonic()
            closed = ledger.close_orphans(now)
            for call in closed:
                log.info(
                    "source %s: call %s had no end: closed as orphaned", self.name, call.call_id
                )
        if not closed and (self.stale or not ledger.waiting_calls):
            return
        batch = Batch()
        self._call_rows(batch, now)
        changes = self.live.apply(batch, now)
        if closed:
            changes.calls = {c.call_id: c.view() for c in closed}
        if changes:
            self._changed(changes)

    def _readable(self, batch: Batch) -> bool:
        """Keep `problem` (also the last error) saying what is wrong with the runs until one
        is read cleanly; whether the batch is data (at least one of its records was read)."""
        if not batch.unread:
            if self.problem:
                log.info("source %s: a run was read cleanly again", self.name)
                if self.last_error == self.problem:
                    self.last_error = ""
                self.problem = ""
            return True
        read = batch.records or len(batch.queues) + len(batch.agents) + len(batch.calls)
        problem = (
            f"{batch.unread} of {read + batch.unread} rows of the last run could not be read:"
            f" {batch.unread_excerpt}"
        )
        if not self.problem:
            log.warning(
                "source %s: %s (%s until a run is read cleanly)",
                self.name,
                problem,
                "nothing is marked gone" if read else "no data: the source goes stale",
            )
        self.problem = self.last_error = problem
        return bool(read)

    def _observe(self) -> None:
        """Account the batches published since last time in the interval rows (after their
        publish, not before it: nobody is waiting for these)."""
        observed, self._unobserved = self._unobserved, []
        for changes in observed:
            self.intervals.observe(changes, changes.at, queues=False)  # (booked: _day_figures)
            self._agent_figures(changes)

    def _changed(self, changes: Changes) -> None:
        """Publish at once (displays need not wait for the database), then persist."""
        if changes.agents:
            for follower in self.followers():
                follower.states_moved(set(changes.agents))
        self._day_figures(changes)
        if self._agent_today:  # the agents' figures booked since the last batch go with it
            changes.agent_today, self._agent_today = self._agent_today, {}
        if self.publisher is not None:
            self._background(self.publisher.changed(self, changes))
        self._unobserved.append(changes)
        self._arrived.append(changes)
        self._pending_event.set()

    def _day_figures(self, changes: Changes) -> None:
        """Book the batch's changed queues in their interval now, and hand out their figures
        of the day and the last hour with the batch (per changed queue, never per row)."""
        if not changes.queues:
            return
        at = changes.at
        booked = self.intervals.observe_queues(changes, at)
        start = interval_start(at)
        buckets, days = self.intervals.queue_buckets, self.days
        for key in booked:
            bucket = buckets.get((key, start))
            if bucket is not None:
                days.put(key, start, bucket)
        # A queue's figures move only with its intervals' rows, or with time (the open interval
        # closes; a day starts): within one interval, those of the queues nothing was booked
        # for are what they were, unless never handed out.
        keys: Iterable[QueueKey] = changes.queues
        if start == self._day_figures_of:
            shown = days.shown
            keys = [*booked, *(k for k in changes.queues if k not in shown)]
        self._day_figures_of = start
        self._hand_out(days.changed(keys, at), changes)

    def _agent_figures(self, changes: Changes) -> None:
        """After the accounting booked a batch's agents: their figures of the day, to go out
        with the next batch (or at the next quiet tick). Per changed agent."""
        if not (changes.agents or changes.gone_agents):
            return
        at, days = changes.at, self.agent_days
        buckets = self.intervals.agent_buckets
        starts = {self.intervals.current, interval_start(at)}
        since = changes.since
        for agent_id, agent in changes.agents.items():
            days.state(agent, since.get(agent_id), at)
        for agent_id in changes.gone_agents:
            days.gone(agent_id, at)
        if not days.wanted:  # no board shows them: only the longest stints are timed
            return
        for agent_id in changes.agents:
            for start in starts:
                bucket = buckets.get((agent_id, start))
                if bucket is not None:
                    days.put(agent_id, start, bucket)
        self._agent_today.update(days.changed([*changes.agents, *changes.gone_agents], at))

    async def want_agent_days(self) -> None:
        """A board shows this source's agents' figures of the day: read the day's stored
        agent interval rows once, with the accounting's buckets, and keep them from now on."""
        async with self._agent_days_loading:
            if self.agent_days.wanted:
                return
            held = dict(self.intervals.agent_buckets)
            # On the interval writes' thread: every row handed to it before this is stored by
            # the time this reads (a closed interval's buckets leave memory when handed over).
            rows = await self.background_db(
                stored_agent_day, self.config.id, day_start(time.time())
            )
            held.update(self.intervals.agent_buckets)  # and a failed write's, put back since
            held_rows = [(agent_id, start, b) for (agent_id, start), b in held.items()]
            self.agent_days.load(rows, time.time(), held_rows)

    def _roll_agents(self, now: float) -> None:
        """At an interval boundary the accounting booked every open stint up to it: each
        agent's buckets of it are taken (once per 15 minutes, every agent with time)."""
        days = self.agent_days
        days.roll(now)
        if not days.wanted:
            return
        for (agent_id, start), bucket in self.intervals.agent_buckets.items():
            days.put(agent_id, start, bucket)
        self._agent_today.update(days.changed(list(days.rows), now))

    def _hand_out(self, figures: dict[QueueKey, dict[str, Any]], changes: Changes) -> None:
        today = self.live.today
        for key, sums in figures.items():
            today[key] = changes.today[key] = {**today.get(key, {}), **sums}

    def _count_errors(self, decoder: Decoder) -> None:
        for error in decoder.errors:
            self.parse_errors += 1
            text = f"{error.reason}: {error.excerpt}"
            self.recent_errors.append(text)
            self.last_error = text
            self._error_log.log(
                logging.WARNING, "source %s: skipped bad input, %s", self.name, text
            )
        decoder.errors.clear()

    # -- agent states from another source (the option agent_states_from) ----------------
    def _overlay(self, agents: list[AgentRow], now: float) -> list[AgentRow]:
        """Each agent whose feed says `unknown` takes the state the other source has for the
        same agent ID, while that source is live (read from its worker's memory: no query);
        otherwise it stays unknown. `extra["state_from"]` names where the state came from."""
        other = self.worker_named(self.config.agent_states_from)
        live = None if other is None or other.stale else other.live
        out = []
        for agent in agents:
            found = live.agents.get(agent.agent_id) if live is not None else None
            if agent.state != UNKNOWN or found is None or found.state == UNKNOWN:
                out.append(agent)
                continue
            since = live.since.get(agent.agent_id) if live is not None else None
            out.append(
                replace(
                    agent,
                    state=found.state,
                    reason_code=found.reason_code,
                    state_seconds=None if since is None else max(0, int(now - since)),
                    extra={**agent.extra, "state_from": self.config.agent_states_from},
                )
            )
        return out

    def states_moved(self, agent_ids: set[str] | None) -> None:
        """The source this one takes agent states from changed those agents (None: all of
        them, it went stale or recovered): the overlay follows, as a batch of its own."""
        if self.stale:
            return  # this feed's own agents are stale: nothing of theirs is shown as live
        live = self.live.agents
        ids = live.keys() if agent_ids is None else agent_ids & live.keys()
        now = time.time()
        bases = []
        for agent_id in ids:
            row = live[agent_id]
            if row.state == UNKNOWN or "state_from" in row.extra:
                extra = {k: v for k, v in row.extra.items() if k != "state_from"}
                bases.append(replace(row, state=UNKNOWN, reason_code="", extra=extra))
        if not bases:
            return
        moved = [new for new in self._overlay(bases, now) if new != live.get(new.agent_id, new)]
        if moved:
            changes = self.live.apply(Batch(agents=moved), now)
            if changes:
                self._changed(changes)

    # -- screen pops (ingest/screenpops.py) -----------------------------------------------
    def take_calls(self, events: list[CallEvent], pop_ids: list[int]) -> None:
        """Call steps from outside the link (a phone system's screen pops) into the ledger,
        as a feed's are; the source's liveness is the link's alone: they neither make a stale
        source live nor count as its data."""
        now = time.time()
        self.call_events += len(events)
        self.screen_pops_held.update(pop_ids)
        self._screen_pops_unwritten.extend(pop_ids)
        calls = self.ledger.apply(events)
        if calls:
            batch = Batch()
            self._call_rows(batch, now)
            changes = self.live.apply(batch, now)
            changes.calls = {c.call_id: c.view() for c in calls}
            if self.ledger.booked:
                self._call_figures(changes)
            self._changed(changes)
        self._pending_event.set()  # a replay changed nothing: its rows are marked all the same

    # -- supervisor actions and the decoder's facts (ingest/actions.py) -------------------
    def ready_for_commands(self) -> bool:
        """A live link to hand a request to (else it is refused: "not connected")."""
        if self._poller is not None:  # a polled source: its last poll reached its system
            return self.connected
        writer = self._writer
        return (
            self.connected
            and self._decoder is not None
            and writer is not None
            and (not writer.is_closing())
        )

    def command(self, request: actions.Request) -> None:
        """Hand a claimed request to the live decoder and write what it has to say; its
        answer (now or from a later feed()) goes to the audit log by _take_news."""
        if self._poller is not None:
            self._poll_command(self._poller, request)
            return
        decoder = self._decoder
        assert decoder is not None
        agent = self.live.agents.get(request.agent_id)
        log.info(
            "source %s: supervisor request %d: %s agent %s%s",
            self.name,
            request.id,
            request.action,
            request.agent_id,
            f" reason {request.reason_code}" if request.reason_code else "",
        )
        try:
            decoder.command(actions.command(request, agent.extension if agent else ""))
        except Exception:  # a decoder's bug must not stop ingest; the request has failed
            log.exception("source %s: the decoder failed on request %d", self.name, request.id)
            self._answer_later([(request.id, actions.FAILED, "the link could not send it")])
            return
        self._send_outbox(decoder)
        self._take_news(decoder)

    def _take_news(self, decoder: Decoder) -> None:
        """After feed()/flush()/command(): the answers to requests go to the audit log, and
        the live decoder's facts to the health page."""
        if decoder is self._decoder and decoder.facts != self.facts:
            self.facts = {
                str(label)[:FACT_LENGTH]: str(text)[:FACT_LENGTH]
                for label, text in list(decoder.facts.items())[:MAX_FACTS]
            }
        if not decoder.results:
            return
        results, decoder.results = decoder.results, []
        outcomes = []
        for result in results:
            found = actions.outcome(result)
            if found is None:
                log.warning("source %s: an answer to no request of ours: %.200r", self.name, result)
            else:
                outcomes.append(found)
        self._answer_later(outcomes)

    def _answer_later(self, outcomes: list[tuple[int, str, str]]) -> None:
        if outcomes:
            task = asyncio.ensure_future(self._answer(outcomes))
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)

    async def _answer(self, outcomes: list[tuple[int, str, str]]) -> None:
        for action_id, status, detail in outcomes:
            log.info(
                "source %s: supervisor request %d: %s %.200s", self.name, action_id, status, detail
            )
            try:
                await self.db(actions.answer, action_id, status, detail)
            except (DatabaseError, InterfaceError) as exc:
                log.error(
                    "source %s: request %d's answer not stored: %s", self.name, action_id, exc
                )

    # -- background --------------------------------------------------------------------
    def _take_pending(self) -> Changes:
        """What was published and not yet written, merged (newest wins); pending is emptied."""
        arrived, self._arrived = self._arrived, []
        for later in arrived:
            self.pending.merge(later)
        changes, self.pending = self.pending, Changes()
        self._pending_event.clear()
        return changes

    async def _write(self, changes: Changes) -> None:
        live_counters = self.live.counters
        counters: dict[QueueKey, dict[str, Any]] = {}
        for keys in (changes.queues, changes.today):  # (mostly the same queues: each once)
            for key in keys:
                if key not in counters and key in live_counters:
                    counters[key] = live_counters[key].state()
        await self.db(store.write_changes, self.config.id, changes, counters)

    async def _write_calls(self) -> None:
        """The changed calls, with the interval rows (written in one transaction: what a
        call booked and its record of having booked it go together). On the thread of the
        interval writes, so two writes of one interval row land in order."""
        calls = self.ledger.take_dirty()
        pops, self._screen_pops_unwritten = self._screen_pops_unwritten, []
        if not calls and not pops:
            return
        self._observe()
        queues, agents = self.intervals.take_dirty()
        position = self._take_position()
        rows = store.call_rows(self.config.id, calls)
        try:
            await self.background_db(
                store.write_calls, self.config.id, rows, queues, agents, position, pops
            )
        except (DatabaseError, InterfaceError):
            self.ledger.requeue(calls)
            self.intervals.requeue(queues, agents)
            self._position_dirty |= position is not None
            self._screen_pops_unwritten[:0] = pops
            raise
        self.screen_pops_held.difference_update(pops)
        self._intervals_written = time.monotonic()

    async def _write_intervals(self) -> None:
        if self.ledger.dirty:  # calls booked into these rows go with them
            await self._write_calls()
            return
        self._observe()
        self._intervals_written = time.monotonic()
        queues, agents = self.intervals.take_dirty()
        position = self._take_position()
        if queues or agents or position is not None:
            try:
                await self.background_db(
                    store.write_intervals, self.config.id, queues, agents, position
                )
            except (DatabaseError, InterfaceError):
                self.intervals.requeue(queues, agents)
                self._position_dirty |= position is not None
                raise

    async def _persist_loop(self) -> None:
        backoff = Backoff(first=1.0, cap=30.0)
        while True:
            await self._pending_event.wait()
            # Let this batch's publish go out first, and the displays' copies of it: building
            # rows for the database would otherwise compete with them for the interpreter.
            while self._spawned:
                await asyncio.wait(list(self._spawned))
            await self.pacing.after_publish()
            self._observe()
            changes = self._take_pending()
            try:
                await self._write(changes)
                await self._write_calls()
                # In the quiet time after a batch, not when the next one may be arriving.
                if time.monotonic() - self._intervals_written > INTERVAL_WRITE_SECONDS:
                    await self._write_intervals()
                self.pacing.idle()  # what building the rows left behind
                self.pacing.release_memory()
            except (DatabaseError, InterfaceError) as exc:
                log.error(
                    "source %s: database write failed (%s); retrying in %.0f s",
                    self.name,
                    exc,
                    backoff.current,
                )
                self.last_error = f"database: {exc}"
                changes.merge(self._take_pending())  # keep everything, newest wins
                self.pending = changes
                await asyncio.sleep(backoff.next())
                self._pending_event.set()
                continue
            backoff.reset()
            output = self.module.VENDOR.live_document
            if output is not None and self.config.compat_file:
                live = self.live
                document = output.render(
                    [
                        (q.kind, q.number, q.extra)
                        for q in live.queues.values()
                        if q.kind in output.queue_kinds
                    ],
                    [(a.agent_id, a.state, a.extra) for a in live.agents.values()],
                    self.last_data_at or time.time(),
                )
                try:
                    output.write(self.config.compat_file, document)
                except OSError as exc:
                    self.last_error = f"compat file: {exc}"

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            await self._poll_capture()
            decoder = self._decoder
            if decoder is not None:
                for batch in decoder.flush(time.monotonic()):
                    self.process(batch)
                self._take_news(decoder)
                if decoder.outbox:
                    self._send_outbox(decoder)
                if decoder.errors:
                    self._count_errors(decoder)
            if self.ledger.open or self.ledger.dirty:
                self._calls_tick(time.time())
            if self._intervals_may_tick():
                await self._tick_intervals()
            # Stale once a whole report is overdue: the next was due one refresh after the
            # last, and a second refresh has gone by (displays then say so, see publish.py).
            window = STALE_AFTER_REFRESHES * max(1, self.config.refresh_seconds)
            stale = self.last_data_at is None or time.time() - self.last_data_at > window
            if stale != self.stale:
                self.stale = stale
                if stale:
                    log.warning("source %s: stale, no data for %d s", self.name, window)
                else:
                    log.info("source %s: recovered", self.name)
                self._status_changed()

    # -- raw capture (ingest/capture.py) -----------------------------------------------------
    def _tee(self, data: bytes) -> None:
        """A read, as pass-through got it, into the capture being taken."""
        assert self.capture is not None
        self._capture_ended(self.capture.read(data, time.time()))

    def _capture_ended(self, why: str | None) -> None:
        if why is None:
            return
        save = asyncio.ensure_future(self._end_capture(why))
        self._capture_saves.add(save)
        save.add_done_callback(self._capture_saves.discard)

    async def _poll_capture(self) -> None:
        """End the capture being taken when its time is up; else, every CAPTURE_POLL_SECONDS,
        take up one an admin asked for."""
        if self.capture is not None:
            await self._end_capture(self.capture.due(time.time()))
            return
        now = time.monotonic()
        if now - self._capture_polled < CAPTURE_POLL_SECONDS:
            return
        self._capture_polled = now
        tidied = self._capture_tidied
        tidy = tidied is None or now - tidied >= CAPTURE_TIDY_SECONDS
        try:
            request = await self.background_db(take_request, self.config.id, tidy)
        except (DatabaseError, InterfaceError):
            return  # asked again at the next poll
        if tidy:
            self._capture_tidied = now
        if request is None:
            return
        try:
            self.capture = begin_capture(request, self.config, self.module.VENDOR.secret_options)
        except OSError as exc:
            log.error("source %s: cannot write a capture to %s: %s", self.name, request.path, exc)
            with contextlib.suppress(DatabaseError, InterfaceError):
                why = f"cannot write {request.path}: {exc}"
                await self.background_db(mark_ended, request.id, True, why, (0, 0, 0))
            return
        self._capture_id = request.id
        log.info("source %s: capturing raw bytes to %s", self.name, request.path)

    async def _end_capture(self, why: str | None) -> None:
        capture, capture_id = self.capture, self._capture_id
        if why is None or capture is None or capture_id is None:
            return
        self.capture = self._capture_id = None
        capture.close()
        log.info(
            "source %s: capture %s ended (%s, %d bytes)", self.name, capture_id, why, capture.bytes
        )
        counts = (capture.bytes, capture.reads, capture.batches)
        try:
            await self.background_db(mark_ended, capture_id, False, why, counts)
        except (DatabaseError, InterfaceError) as exc:  # the file stands; the row says running
            log.error(
                "source %s: capture %s could not be marked done: %s", self.name, capture_id, exc
            )

    def busy(self) -> bool:
        """Right after a batch its publish is under way (in one process, its displays' copies
        too); while bytes come in a batch may be arriving (this feed's or another's); and a
        report that comes every refresh_seconds is due again at the end of that time. Other
        work then, tens of ms of it, would delay a batch on its way to the screens."""
        return self.pacing.busy(self._batch_seen, self.config.refresh_seconds, bool(self._spawned))

    def _intervals_may_tick(self) -> bool:
        """The interval work waits a tick while busy(), but not two in a row, so a feed that
        never pauses (events) still has its intervals ticked."""
        if self.busy() and not self._tick_waited:
            self._tick_waited = True
            return False
        self._tick_waited = False
        return True

    async def _tick_intervals(self) -> None:
        self.pacing.idle()
        self._observe()  # in order: what came before the boundary counts before it
        self.intervals.heard(self.last_data_at)  # restored stints the feed confirmed
        boundary = self.intervals.tick(time.time())
        if boundary:  # the last hour moves on; a new day starts from nothing
            rolled = Changes(at=time.time())
            self._hand_out(self.days.roll(rolled.at), rolled)
            self._roll_agents(rolled.at)
            if rolled.today:
                self._changed(rolled)
        if self._agent_today and self.publisher is not None:  # a quiet feed's agents too
            idle = Changes(at=time.time())
            idle.agent_today, self._agent_today = self._agent_today, {}
            self._background(self.publisher.changed(self, idle))
        # Normally written after a batch's own write (see _persist_loop); this is for a
        # boundary, or a feed gone quiet.
        quiet = time.monotonic() - self._intervals_written > 3 * INTERVAL_WRITE_SECONDS
        if boundary or quiet:
            try:
                await self._write_intervals()
            except (DatabaseError, InterfaceError) as exc:
                self.last_error = f"database: {exc}"  # kept in memory; retried next time

    def _status_changed(self) -> None:
        for follower in self.followers():
            follower.states_moved(None)  # stale: their states go back to unknown; live: back
        if self.publisher is not None:
            self._background(self.publisher.status(self))

    def _background(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._spawned.add(task)  # keep a reference until it is done
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Future[Any]) -> None:
        self._spawned.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("source %s: publishing failed: %r", self.name, task.exception())

    def health(self) -> dict[str, Any]:
        from datetime import UTC, datetime

        return {
            "source_id": self.config.id,
            "connected": self.connected,
            "peer": self.peer,
            "last_data_at": datetime.fromtimestamp(self.last_data_at, UTC)
            if self.last_data_at
            else None,
            "batches": self.batches,
            "records": self.records,
            "parse_errors": self.parse_errors,
            "last_error": self.last_error[:500],
            "stale": self.stale,
            "targets": {str(t.id): t.status() for t in self.targets.values()},
            "diagnostics": {
                "problem": self.problem,
                "recent_errors": list(self.recent_errors),
                "recent_frames": list(self.recent_frames),
                "silence_drops": self.silence_drops,
                "refusals": self.refusals,
                "probation_drops": self.probation_drops,
                "live_queues": len(self.live.queues),
                "live_agents": len(self.live.agents),
                "call_events": self.call_events,
                "facts": dict(self.facts),
                "open_calls": len(self.ledger.open),
            },
        }
