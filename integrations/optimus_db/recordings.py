"""Recording look-up from Optimus' recording module (guide section 7), through the source's
own database connection: a RecordingSource (integrations.recorder_http) that needs no recorder
of its own.

- Configuration.GetCallRecordingFile(@CallID) gives one call's file (its full path): the
  poller asks it for each call that ended in a poll (`recordings` option) and hands the path on
  with the call's end, so the call log and /api/v1/calls/ show it.
- Stat.GetAllRecordings(@FromTS, @TillTS, @CLID) gives the recorded calls of a caller.
- find(extension, since, until), the seam's look-up by extension and time, reads the calls
  answered at that extension then (Stat.CallsStat) and their files.
Optimus has no UCID: find_by_ucid finds nothing. On SQL Server these are functions; in the
fixture (SQLite, PostgreSQL) tables of the same name (schema.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Final

from sqlalchemy import and_, column, func, select
from sqlalchemy.engine import Connection

from integrations.optimus_db import schema
from integrations.optimus_db.records import Clock
from integrations.recorder_http import Recording

MAX_FOUND: Final = 100  # recordings one look-up returns at most
KEY_CHUNK: Final = 100  # calls per look-up statement (SQL Server: one function call each)
MAX_PATH: Final = 400


class OptimusRecordings:
    """Looks recordings up through a connection the caller opens (the poller's engine)."""

    def __init__(self, connect: Callable[[], AbstractContextManager[Connection]], clock: Clock):
        self.connect = connect
        self.clock = clock

    def find(self, extension: str, since: float, until: float) -> list[Recording]:
        table = schema.calls_stat
        if not extension.isdigit():
            return []  # AgentExtension is a number in Optimus
        query = (
            select(table.c.CallID, table.c.AnsweredTS)
            .where(
                and_(
                    table.c.AgentExtension == int(extension),
                    table.c.AnsweredTS >= self.clock.local(since),
                    table.c.AnsweredTS <= self.clock.local(until),
                )
            )
            .order_by(table.c.CallID)
            .limit(MAX_FOUND)
        )
        with self.connect() as conn:
            answered = {str(r.CallID): r.AnsweredTS for r in conn.execute(query)}
            files = call_files(conn, list(answered))
        return [
            Recording(call_id, extension, self.clock.epoch(answered[call_id]) or 0.0, url=path)
            for call_id, path in files.items()
        ]

    def find_by_ucid(self, ucid: str) -> list[Recording]:
        return []

    def for_caller(self, clid: str, since: float, until: float) -> list[Recording]:
        """Stat.GetAllRecordings: the recorded calls of one caller number between two times."""
        table = schema.all_recordings
        start, end = self.clock.local(since), self.clock.local(until)
        query: Any  # a function on SQL Server, a table in the fixture
        with self.connect() as conn:
            if conn.dialect.name == "mssql":
                called = getattr(func, schema.STAT).GetAllRecordings(start, end, clid[:20])
                query = select(column("CallID"), column("Recfile")).select_from(called)
            else:
                query = select(table.c.CallID, table.c.Recfile).where(
                    table.c.CLID.in_([clid[:20]]), table.c.TS.between(start, end)
                )
            rows = list(conn.execute(query.limit(MAX_FOUND)))
        return [Recording(str(r[0]), "", 0.0, url=_path(r[1])) for r in rows if _path(r[1])]


def call_files(conn: Connection, call_ids: Sequence[str]) -> dict[str, str]:
    """Configuration.GetCallRecordingFile of each call: call ID -> path (calls without one are
    left out)."""
    found: dict[str, str] = {}
    for chunk in _chunks([int(c) for c in call_ids if c.isdigit()], KEY_CHUNK):
        if conn.dialect.name == "mssql":
            function = getattr(func, schema.CONFIGURATION).GetCallRecordingFile
            for call_id in chunk:
                path = _path(conn.execute(select(function(call_id))).scalar())
                if path:
                    found[str(call_id)] = path
            continue
        table = schema.call_recording_file
        query = select(table.c.CallID, table.c.Recfile).where(table.c.CallID.in_(chunk))
        for call_id, recfile in conn.execute(query):
            path = _path(recfile)
            if path:
                found[str(call_id)] = path
    return found


def _path(value: object) -> str:
    text = "" if value is None else str(value).strip()
    return text if len(text) <= MAX_PATH and text.isprintable() else ""


def _chunks(values: Sequence[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(values), size):
        yield list(values[i : i + size])
