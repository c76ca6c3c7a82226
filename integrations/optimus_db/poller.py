"""Polling Optimus' database: light, incremental, read-only queries (the guide forbids heavy
ones on the live system), each cut off by a statement timeout.

Each poll reads:
- Stat.CallsStat rows with a CallID above the last one handed on, and the rows of calls still
  open (by primary key): each call's new steps as CallEvents;
- the quarter-hour rows (Stat.DeviceStat with Stat.DeviceTimes' wait histograms,
  Stat.AgentStat with Stat.AgentActivityStat) calculated since the last poll (CalcTS), of
  today: IntervalRows;
- every `directory_seconds`, the queues (BI.GetAllQueues) and their agents
  (BI.GetAllQueuesAgents): queue names, agents and their queues.

`position` (stored by ingest with what it saved) is the last CallID handed on, the calls still
open and the last CalcTS read: a restart goes on from there, handing no ended call on twice.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Engine, column, create_engine, event, func, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Select

from integrations.base import (
    AGENT_LOG_OUT,
    AGENT_NOT_READY,
    CALL_ENDED,
    UNKNOWN,
    AgentCommand,
    AgentRow,
    Batch,
    CallEvent,
    CommandResult,
    Poller,
    PollFailed,
    QueueRow,
)
from integrations.optimus_db import records, schema
from integrations.optimus_db.agentservices import AgentServices, ServiceFailed, neutral_state
from integrations.optimus_db.recordings import OptimusRecordings, call_files
from integrations.optimus_db.records import Clock
from integrations.recorder_http import RecordingSource

CALLS_PER_POLL: Final = 1000  # new rows read per poll at most; the rest at the next one
OPEN_CALLS_MAX: Final = 5000  # calls followed while open; the oldest is let go beyond
OPEN_CALL_HOURS: Final = 12  # an open row older than this is let go (the ledger orphans it)
KEY_CHUNK: Final = 500  # keys per IN (...) list
MAX_STATE_AGENTS: Final = 500  # agents whose state is asked of AgentServices each poll


class StatPoller(Poller):
    def __init__(
        self,
        url: str,
        password: str = "",
        *,
        time_zone: str = "UTC",
        query_timeout: float = 10.0,
        directory_seconds: float = 300.0,
        include_internal_agents: bool = False,
        dialer_campaigns: dict[str, str] | None = None,
        dialer_statuses: dict[str, str] | None = None,
        dialer_seconds: float = 60.0,
        agent_services: AgentServices | None = None,
        recordings: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.url = url
        self._password = password
        self.clock = Clock(time_zone)
        self.query_timeout = query_timeout
        self.directory_seconds = directory_seconds
        self.include_internal = include_internal_agents
        self.now = clock
        self._engine: Engine | None = None
        self._directory_at = -directory_seconds
        self.campaigns = dict(dialer_campaigns or {})
        self.statuses = dict(dialer_statuses or {})
        self.dialer_seconds = dialer_seconds
        self._dialer_at = -dialer_seconds
        # Agent states from AgentServices.asmx (CheckExtensionState), where the site has it.
        self.services = agent_services
        # Each ended call's recording file (Configuration.GetCallRecordingFile), with its end.
        self.recordings = recordings
        self._skills: dict[str, tuple[str, ...]] = {}  # each agent's queues, as last read
        # Supervisors' requests, made on ingest's loop, carried out in the next poll's thread.
        self._requests: deque[AgentCommand] = deque(maxlen=1000)
        # Steps handed on of each open call (lost at a restart: the ledger then ignores
        # the steps of an open call it already has).
        self._sent: dict[str, set[str]] = {}
        self.facts = {
            "database": make_url(url).render_as_string(hide_password=True),
            "polling": "calls, quarter-hour statistics; queues and agents every "
            f"{directory_seconds:g} s",
        }

    def recording_source(self) -> RecordingSource:
        """Recording look-up through this source's database (integrations.recorder_http's
        RecordingSource seam)."""
        return OptimusRecordings(lambda: self.engine().connect(), self.clock)

    # -- position ------------------------------------------------------------------------
    def resume_from(self, position: Any) -> None:
        self.position = position if isinstance(position, dict) else None
        self._sent = {}

    # -- engine and errors -----------------------------------------------------------------
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url, self._password, self.query_timeout)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _failure(self, exc: BaseException, querying: bool) -> PollFailed:
        lines = str(getattr(exc, "orig", None) or exc).splitlines()
        text = lines[0] if lines else ""
        if self._password:
            text = text.replace(self._password, "***")
        if querying and cut_off(exc):  # (a login that timed out is an unreachable server)
            return PollFailed(f"query cut off after {self.query_timeout:g} s")
        self.close()  # a broken connection is not kept for the next attempt
        return PollFailed(f"database unreachable: {type(exc).__name__}: {text[:200]}")

    # -- the poll --------------------------------------------------------------------------
    def poll(self, now: float) -> list[Batch]:
        position = dict(self.position or {})
        querying = False
        try:
            with self.engine().connect() as conn:
                querying = True
                batch = Batch()
                if now - self._directory_at >= self.directory_seconds:
                    batch.queues, batch.agents = self._directory(conn)
                    directory_read = True
                else:
                    directory_read = False
                dialer_read = bool(self.campaigns) and now - self._dialer_at >= self.dialer_seconds
                if dialer_read:
                    batch.queues += self._dialer(conn, now)
                batch.intervals = self._intervals(conn, now, position)
                batch.calls, sent = self._calls(conn, now, position)
        except (SQLAlchemyError, OSError) as exc:
            raise self._failure(exc, querying) from None
        # Only a poll that read everything moves on: a failure half-way re-reads it all.
        if directory_read:
            self._directory_at = now
            self._skills = {a.agent_id: a.skills for a in batch.agents}
        if self.services is not None:
            self._carry_out(self.services)  # before the states: they then show the outcome
            batch.agents = self._agent_states(self.services)
        if dialer_read:
            self._dialer_at = now
        self._sent = sent
        self.position = position
        batch.records = len(batch.calls) + len(batch.intervals) + len(batch.queues)
        return [batch]

    def _calls(
        self, conn: Connection, now: float, position: dict[str, Any]
    ) -> tuple[list[Any], dict[str, set[str]]]:
        table = schema.calls_stat
        last = position.get("call")
        if last is None:  # from the start of today
            day = self.clock.local(now).replace(hour=0, minute=0, second=0, microsecond=0)
            query = select(table).where(table.c.OfferedTS >= day)
        else:
            query = select(table).where(table.c.CallID > int(last))
        new = list(_rows(conn, query.order_by(table.c.CallID).limit(CALLS_PER_POLL)))
        open_ids = [int(i) for i in position.get("open", [])]
        reread = [
            r
            for chunk in _chunks(open_ids, KEY_CHUNK)
            for r in _rows(conn, select(table).where(table.c.CallID.in_(chunk)))
        ]
        events = []
        sent = {k: set(v) for k, v in self._sent.items()}
        still_open: list[int] = []
        too_old = now - OPEN_CALL_HOURS * 3600
        for row in sorted(reread, key=lambda r: r["CallID"]) + new:
            call_id = str(row["CallID"])
            done = sent.setdefault(call_id, set())
            for key, step in records.call_events(row, self.clock, self.include_internal):
                if key not in done:
                    done.add(key)
                    events.append(step)
            offered = self.clock.epoch(row.get("OfferedTS"))
            if records.ended(row) or (offered is not None and offered < too_old):
                del sent[call_id]
            else:
                still_open.append(int(row["CallID"]))
        for gone in set(open_ids) - {int(r["CallID"]) for r in reread}:
            sent.pop(str(gone), None)  # deleted from the table: nothing more to follow
        if new:
            position["call"] = int(new[-1]["CallID"])
        elif last is None:
            top = conn.execute(select(func.max(table.c.CallID))).scalar()
            position["call"] = int(top or 0)
        position["open"] = still_open[-OPEN_CALLS_MAX:]
        if self.recordings:
            self._recording_files(conn, events)
        events.sort(key=lambda e: e.at)
        return events, {k: sent[k] for k in map(str, position["open"]) if k in sent}

    def _recording_files(self, conn: Connection, events: list[CallEvent]) -> None:
        """The recording of each call ending in this poll goes with its end, as
        `extra["recording"]` (`{id, url_or_path}`): one look-up per call, once."""
        ends = {e.call_id: e for e in events if e.step == CALL_ENDED}
        if not ends:
            return
        for call_id, path in call_files(conn, list(ends)).items():
            ends[call_id].extra["recording"] = {"id": call_id, "url_or_path": path}

    def _intervals(self, conn: Connection, now: float, position: dict[str, Any]) -> list[Any]:
        """The quarter-hour rows calculated since the last poll (>=: a row calculated in the
        same instant as the last one read is read again, and stored again as sent)."""
        day = self.clock.local(now).replace(hour=0, minute=0, second=0, microsecond=0)
        since_text = position.get("calc")
        since = datetime.fromisoformat(since_text) if since_text else day
        rows: list[Any] = []
        latest = since
        devices = schema.device_stat
        queue_rows = list(
            _rows(
                conn,
                select(devices).where(
                    devices.c.DeviceType == schema.DEVICE_QUEUE,
                    devices.c.TheDate >= day,
                    devices.c.CalcTS >= since,
                ),
            )
        )
        waits = self._histograms(conn, queue_rows)
        for row in queue_rows:
            key = (row["DeviceCode"], row["TheDate"])
            made = records.queue_interval(
                row,
                self.clock,
                waits.get((*key, schema.QUEUE_ANSWERED_WAIT), []),
                waits.get((*key, schema.QUEUE_ABANDONED_WAIT), []),
            )
            if made is not None:
                rows.append(made)
            latest = max(latest, row["CalcTS"] or latest)
        agents = schema.agent_stat
        agent_rows = [
            r
            for r in _rows(
                conn, select(agents).where(agents.c.TheDate >= day, agents.c.CalcTS >= since)
            )
            if self.include_internal or r["UserCode"] not in records.INTERNAL_AGENTS
        ]
        activity = self._activities(conn, agent_rows)
        for row in agent_rows:
            made = records.agent_interval(
                row, self.clock, activity.get((row["UserCode"], row["TheDate"]), {})
            )
            if made is not None:
                rows.append(made)
            latest = max(latest, row["CalcTS"] or latest)
        position["calc"] = latest.isoformat()
        return rows

    def _histograms(
        self, conn: Connection, queue_rows: list[Any]
    ) -> dict[tuple[Any, Any, int], list[list[int]]]:
        if not queue_rows:
            return {}
        times = schema.device_times
        dates = sorted({r["TheDate"] for r in queue_rows})
        codes = sorted({r["DeviceCode"] for r in queue_rows})
        grouped: dict[tuple[Any, Any, int], list[Any]] = {}
        for chunk in _chunks(codes, KEY_CHUNK):
            query = select(times).where(
                times.c.DeviceType == schema.DEVICE_QUEUE,
                times.c.TimeType.in_([schema.QUEUE_ANSWERED_WAIT, schema.QUEUE_ABANDONED_WAIT]),
                times.c.TheDate.in_(dates),
                times.c.DeviceCode.in_(chunk),
            )
            for r in _rows(conn, query):
                grouped.setdefault((r["DeviceCode"], r["TheDate"], r["TimeType"]), []).append(r)
        return {key: records.histogram(found) for key, found in grouped.items()}

    def _activities(
        self, conn: Connection, agent_rows: list[Any]
    ) -> dict[tuple[Any, Any], dict[str, int]]:
        if not agent_rows:
            return {}
        table = schema.agent_activity_stat
        dates = sorted({r["TheDate"] for r in agent_rows})
        users = sorted({r["UserCode"] for r in agent_rows})
        found: dict[tuple[Any, Any], dict[str, int]] = {}
        for chunk in _chunks(users, KEY_CHUNK):
            query = select(table).where(table.c.TheDate.in_(dates), table.c.UserCode.in_(chunk))
            for r in _rows(conn, query):
                if r["ActivityTime"]:
                    found.setdefault((r["UserCode"], r["TheDate"]), {})[str(r["ActivityCode"])] = (
                        int(r["ActivityTime"])
                    )
        return found

    def _dialer(self, conn: Connection, now: float) -> list[QueueRow]:
        """Each followed dialer campaign's progress: its targets by status, the dials made
        and the last dial, as a row of its own (kind "queue", number "dialer-<code>", the
        progress in extra["dialer"]: the dialer_campaigns tile shows these)."""
        till = self.clock.local(now)
        rows = []
        for code, name in self.campaigns.items():
            targets: dict[str, int] = {}
            dials, last = 0, None
            for status, label in self.statuses.items():
                found = conn.execute(_dialer_query(conn, int(code), int(status), till)).one()
                targets[label] = int(found[0] or 0)
                dials += int(found[1] or 0)
                if found[2] is not None and (last is None or found[2] > last):
                    last = found[2]
            progress = {
                "campaign": code,
                "targets": targets,
                "dials": dials,
                "last_dial": self.clock.epoch(last),
            }
            rows.append(
                QueueRow(
                    kind="queue", number=f"dialer-{code}", name=name, extra={"dialer": progress}
                )
            )
        return rows

    # -- supervisor actions (AgentServices LOGOUT, NOTREADY) --------------------------------
    def command(self, request: AgentCommand) -> None:
        """Queue a request for the next poll (answered then), or refuse it at once."""
        if self.services is None:
            self.results.append(
                CommandResult(request.request_id, False, "no AgentServices URL is configured")
            )
        elif request.action not in (AGENT_LOG_OUT, AGENT_NOT_READY):
            self.results.append(CommandResult(request.request_id, False, "not supported"))
        elif request.action == AGENT_NOT_READY and not request.reason_code.isdigit():
            self.results.append(
                CommandResult(request.request_id, False, "Optimus needs an activity code")
            )
        else:
            self._requests.append(request)

    def _carry_out(self, services: AgentServices) -> None:
        while self._requests:
            request = self._requests.popleft()
            try:
                if request.action == AGENT_LOG_OUT:
                    answer = services.call("LOGOUT", Username=request.agent_id)
                else:
                    answer = services.call(
                        "NOTREADY", Username=request.agent_id, activityCode=request.reason_code
                    )
            except ServiceFailed as exc:
                self.results.append(CommandResult(request.request_id, False, str(exc)))
                continue
            ok = answer.strip().lower() in ("true", "1", "ok", "")
            self.results.append(CommandResult(request.request_id, ok, "" if ok else answer[:200]))

    def _agent_states(self, services: AgentServices) -> list[AgentRow]:
        """Each known agent's state from CheckExtensionState. If the service cannot be asked,
        every agent is `unknown` until it can (a state not asked is not shown as live)."""
        rows: list[AgentRow] = []
        failed = ""
        for agent_id, skills in list(self._skills.items())[:MAX_STATE_AGENTS]:
            word = ""
            if not failed:
                try:
                    word = services.check_extension_state(agent_id)
                except ServiceFailed as exc:
                    failed = str(exc)
            state = neutral_state(word) if word else UNKNOWN
            rows.append(AgentRow(agent_id, state, vendor_state=word[:40], skills=skills))
        self.facts["agent states"] = (
            f"AgentServices cannot be asked: {failed}" if failed else "AgentServices, each poll"
        )
        return rows

    def _directory(self, conn: Connection) -> tuple[list[QueueRow], list[AgentRow]]:
        names = {
            str(r["Code"]): records._text(r["Description"])
            for r in _rows(conn, _function(conn, schema.all_queues))
        }
        skills: dict[str, list[str]] = {}
        for r in _rows(conn, _function(conn, schema.all_queues_agents)):
            agent = records._agent(r["UserCode"], self.include_internal)
            if agent:
                skills.setdefault(agent, []).append(str(r["QueueCode"]))
        queues = [QueueRow(kind="queue", number=code, name=name) for code, name in names.items()]
        agents = [
            AgentRow(agent_id=a, state=UNKNOWN, skills=tuple(sorted(set(s), key=_numeric)))
            for a, s in skills.items()
        ]
        return queues, agents


def _dialer_query(conn: Connection, campaign: int, status: int, till: datetime) -> Any:
    """One campaign's targets in one status: how many, their dials, the last dial. On SQL
    Server through bi.GetDialerTargetsByStatus (from 2000: every target of the campaign)."""
    t = schema.dialer_targets
    if conn.dialect.name == "mssql":
        source: Any = getattr(getattr(func, schema.BI.lower()), t.name)(
            campaign, datetime(2000, 1, 1), till, status
        ).alias("targets")
        counters: list[Any] = [column(name) for name in _COUNTERS]
        last: Any = column("Last_Call_TS")
    else:
        source = t
        counters = [t.c[name] for name in _COUNTERS]
        last = t.c.Last_Call_TS
    dials = sum((func.coalesce(c, 0) for c in counters[1:]), func.coalesce(counters[0], 0))
    query = select(func.count(), func.sum(dials), func.max(last)).select_from(source)
    if conn.dialect.name != "mssql":
        query = query.where(t.c.CampaignID == campaign, t.c.Status == status)
    return query


_COUNTERS: Final = ("Phone_I_Counter", "Phone_II_Counter", "Phone_III_Counter")


def _numeric(text: str) -> tuple[int, str]:
    return (int(text), "") if text.lstrip("-").isdigit() else (0, text)


def _function(conn: Connection, table: Any) -> Any:
    """BI.GetAllQueues() and friends: a table-valued function on SQL Server, a table of the
    same name in the fixture."""
    if conn.dialect.name == "mssql":
        called = getattr(getattr(func, schema.BI), table.name)()
        return select(*(column(c.name) for c in table.c)).select_from(called)
    return select(table)


def _rows(conn: Connection, query: Select[Any]) -> Iterator[dict[str, Any]]:
    for row in conn.execute(query).mappings():
        yield dict(row)


def _chunks(values: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield list(values[i : i + size])


def cut_off(exc: BaseException) -> bool:
    """A statement stopped by our timeout (SQLite's progress handler, PostgreSQL's
    statement_timeout, the SQL Server driver's query timeout)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(
        mark in text
        for mark in ("interrupted", "statement timeout", "canceling statement", "timed out")
    )


def make_engine(url: str, password: str, timeout: float) -> Engine:
    """An engine whose every statement is cut off after `timeout` seconds, read-only where
    the database lets a session say so."""
    target = make_url(url)
    if password:
        target = target.set(password=password)
    backend = target.get_backend_name()
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if backend == "sqlite":
        # A file is opened afresh each poll: one moved away is then seen as gone.
        kwargs = {"poolclass": NullPool, "connect_args": {"timeout": timeout}}
    elif backend == "postgresql":
        ms = int(timeout * 1000)
        kwargs["connect_args"] = {
            "connect_timeout": max(1, int(timeout)),
            "options": f"-c statement_timeout={ms} -c default_transaction_read_only=on",
        }
    elif backend == "mssql":
        kwargs["connect_args"] = {"timeout": max(1, int(timeout)), "login_timeout": 10}
    engine = create_engine(target, **kwargs)
    if backend == "sqlite":
        _sqlite_deadline(engine, timeout)
        engine = engine.execution_options(schema_translate_map=schema.SCHEMA_TRANSLATE)
    return engine


def _sqlite_deadline(engine: Engine, timeout: float) -> None:
    """SQLite has no statement timeout: a progress handler interrupts a statement that has
    run longer than `timeout` seconds."""

    @event.listens_for(engine, "before_cursor_execute")
    def arm(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        deadline = time.monotonic() + timeout
        raw = conn.connection.dbapi_connection
        raw.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
