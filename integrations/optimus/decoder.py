"""Framing and batching of the Optimus toolbar stream: bytes in, snapshot batches out.

The stream has no end-of-batch marker. Optimus writes a burst of records every 5 s, so a batch
closes when the line goes quiet for `batch_gap_seconds` (seen by flush), or as soon as a record
repeats a key (record type + code) already in the open batch: the next cycle has begun.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from integrations.base import AgentRow, Batch, Decoder, QueueRow
from integrations.optimus.records import parse_agent, parse_queue

# Longest record, in characters; a queue name would have to be absurd to get near it, so a
# longer one is garbage or a stream that never ends its lines.
MAX_RECORD = 4096
# The unterminated tail held between reads is bounded in bytes. UTF-8 takes at most 4 bytes a
# character, so a tail past this is too long however it decodes, and a record is judged the
# same whether it came in one read or in many.
MAX_PENDING = 4 * MAX_RECORD


class ToolbarDecoder(Decoder):
    def __init__(
        self, batch_gap_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.batch_gap_seconds = batch_gap_seconds
        self.clock = clock  # injectable so tests can close batches by time without sleeping
        self._pending = b""  # the unterminated tail of the last read
        self._discarding = False  # inside an overlong record: drop bytes up to its line end
        self._last_data: float | None = None
        self._queues: list[QueueRow] = []
        self._agents: list[AgentRow] = []
        self._queue_codes: set[str] = set()
        self._agent_codes: set[str] = set()
        self._records = 0

    def feed(self, data: bytes) -> list[Batch]:
        if not data:
            return []
        self._last_data = self.clock()
        if self._pending:
            data = self._pending + data
            self._pending = b""
        # CR LF, LF and a lone CR all end a record; the empty line a CR LF turns into is skipped.
        if b"\r" in data:
            data = data.replace(b"\r", b"\n")
        if self._discarding:
            start = data.find(b"\n")
            if start < 0:
                return []
            self._discarding = False
            data = data[start + 1 :]
        end = data.rfind(b"\n")
        tail = data[end + 1 :]
        if len(tail) > MAX_PENDING:
            self.error("record too long", tail)
            self._discarding = True
        else:
            self._pending = tail
        if end < 0:
            return []
        return self._records_in(data[:end])

    def flush(self, now: float) -> list[Batch]:
        last = self._last_data
        if self._records and last is not None and now - last >= self.batch_gap_seconds:
            return self._close()
        return []

    def _records_in(self, block: bytes) -> list[Batch]:
        out: list[Batch] = []
        error = self.error
        queues, agents = self._queues, self._agents
        queue_codes, agent_codes = self._queue_codes, self._agent_codes
        for line in _lines(block):
            if not line:
                continue
            if len(line) > MAX_RECORD:
                self._records += 1
                error("record too long", line)
                continue
            fields = line.split("|")
            kind = fields[0]
            if kind != "4" and kind != "3":
                kind = kind.strip()
            try:
                if kind == "4":
                    agent = parse_agent(fields)
                    if agent.agent_id in agent_codes:
                        out += self._close()
                        agents, agent_codes = self._agents, self._agent_codes
                        queues, queue_codes = self._queues, self._queue_codes
                    agents.append(agent)
                    agent_codes.add(agent.agent_id)
                elif kind == "3":
                    queue = parse_queue(fields)
                    if queue.number in queue_codes:
                        out += self._close()
                        agents, agent_codes = self._agents, self._agent_codes
                        queues, queue_codes = self._queues, self._queue_codes
                    queues.append(queue)
                    queue_codes.add(queue.number)
                elif kind or len(fields) > 1:
                    error("unknown record type", line)
                else:
                    continue  # a line of blanks is not a record
            except ValueError as exc:
                error(f"malformed record: {exc}", line)
            self._records += 1
        return out

    def _close(self) -> list[Batch]:
        batch = Batch(
            queues=self._queues, agents=self._agents, snapshot=True, records=self._records
        )
        self._queues, self._agents = [], []
        self._queue_codes, self._agent_codes = set(), set()
        self._records = 0
        # A cycle of nothing but bad records is not a snapshot of an empty centre: sending it
        # would mark every queue and agent gone, so only the errors are reported.
        return [batch] if batch.queues or batch.agents else []


def _lines(block: bytes) -> list[str]:
    try:
        return block.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        # The guide names no encoding: take UTF-8 where it fits, else a Windows-era 8-bit one.
        lines = []
        for raw in block.split(b"\n"):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                lines.append(raw.decode("latin-1"))
        return lines
