"""What the engine consumes: the neutral rows (integrations.base) and a batch's changes.

The changes are ingest's (ingest.live.Changes); the engine names only what it reads of them,
as a Protocol, so that it imports nothing of ingest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, Protocol

from integrations.base import AgentRow, QueueRow

QueueKey = tuple[str, str]  # (queue kind, number) within one source
Key = tuple[int, str, str]  # (source id, queue kind, number)
AgentKey = tuple[int, str]  # (source id, agent ID)
Today = Mapping[str, Any]  # a queue's totals of the day, as ingest keeps them
AgentDay = Mapping[str, Any]  # an agent's figures of the day (ingest/agentdays.py)

# A source's rows for a full build: queues with their day's totals, agents with the time
# (epoch seconds) they entered their state, if known.
QueueRows = Iterable[tuple[QueueRow, Today]]
AgentRows = Iterable[tuple[AgentRow, float | None]]


@dataclass(frozen=True, slots=True)
class LiveCall:
    """A call as the boards see it (the call ledger's, ingest/calls.py): a copy made when it
    changed. Times are epoch seconds. `calling` is personal data: tiles show it masked."""

    call_id: str
    state: str  # queued, ringing, active, held, ended
    queue_kind: str  # its queue (else "vdn" and its VDN); "" when it has neither
    queue_number: str
    vdn: str
    calling: str
    agent_id: str
    offered_at: float
    waiting_since: float  # queued (else offered) at
    answered_at: float | None
    ended_at: float | None
    outcome: str  # answered, abandoned, transferred, failed; "" while open or unknown
    waiting: bool  # queued or ringing, not yet answered


class ChangeSet(Protocol):
    """One batch's changes of one source (or several batches' folded together): the rows that
    changed, the queues and agents that left the report."""

    @property
    def queues(self) -> Mapping[QueueKey, QueueRow]: ...

    @property
    def today(self) -> Mapping[QueueKey, Today]: ...

    @property
    def agents(self) -> Mapping[str, AgentRow]: ...

    @property
    def since(self) -> Mapping[str, float]: ...  # agent ID -> when it entered its state

    @property
    def gone_queues(self) -> AbstractSet[QueueKey]: ...

    @property
    def gone_agents(self) -> AbstractSet[str]: ...

    @property
    def agent_today(self) -> Mapping[str, AgentDay]: ...  # changed agents' figures of the day

    @property
    def calls(self) -> Mapping[str, LiveCall]: ...  # changed calls (an event feed's), by ID
