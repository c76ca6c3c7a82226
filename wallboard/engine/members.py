"""An agent as the tiles showing it hold it (Member), and how an agent grid orders and sends
agents."""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any, Generic, TypeVar

from integrations.base import AgentRow

from .names import NO_NAMES, Names
from .records import AgentKey

T = TypeVar("T")

# An agent grid's display order: name (or agent ID), agent ID, then source id; the member
# last, never compared (the first three are unique), so that the order gives the agents back.
SortKey = tuple[str, str, int, "Member"]

member_of: Callable[[SortKey], Member] = itemgetter(3)  # of a SortKey


class Member:
    """An agent as the tiles showing it hold it. The tiles of one AgentRouter share one Member
    per agent and the router updates it once per change, so a tile touches only its own
    figures, not a copy of the row. The state and name that tiles sort and count by are kept
    here, with those the change replaced (`was`, `was_name`; meaningful while the router hands
    the change on; `was` None: the agent joins the tile), so that a tile compares them
    without reaching into either row. Compared and hashed by identity: an agent grid keys
    what it sent by member."""

    __slots__ = ("agent", "away", "key", "name", "route", "since", "state", "was", "was_name")

    def __init__(
        self, key: AgentKey, agent: AgentRow, since: float | None, name: str | None = None
    ) -> None:
        self.key = key
        self.agent = agent
        self.state = agent.state
        self.name = agent.name if name is None else name  # as shown: the names directory's
        self.since = since  # when the agent entered its state (epoch seconds), if known
        self.was: str | None = None
        self.was_name = ""
        self.route: Route[Any] | None = None  # the router's tiles for it (its tile runtimes)
        self.away = False  # left the report; its router remembers it and its tiles

    def change(self, agent: AgentRow, since: float | None, name: str | None = None) -> None:
        """The agent's new row, `name` its name as shown (the router's inner loop does the
        same inline)."""
        self.was, self.was_name = self.state, self.name
        self.agent, self.state, self.since = agent, agent.state, since
        self.name = agent.name if name is None else name


class Route(Generic[T]):
    """The tiles that show an agent (AgentRouter's), shared by every agent with the same
    tiles; `members` holds a batch's changed agents for them."""

    __slots__ = ("members", "tiles")

    def __init__(self, tiles: tuple[T, ...]) -> None:
        self.tiles = tiles
        self.members: list[Member] = []


def sort_key(name: str, m: Member) -> SortKey:
    key = m.key
    return (name or key[1], key[1], key[0], m)


def ident(member: Member) -> str:
    """An agent grid's name for an agent on the wire ("<source>:<agent ID>"): a grid may show
    two feeds whose agent IDs overlap (two ACDs), so an agent ID alone is not enough."""
    return f"{member.key[0]}:{member.key[1]}"


def entry(member: Member, names: Names = NO_NAMES) -> dict[str, Any]:
    """An agent as an agent grid sends it: `id` is the agent ID, `src` its source's id, `name`
    its name as shown (the names directory's, see Member), `reason` the reason code as sent
    and `why`, only where the directory names it, the reason's name; `call`, while it is on
    one, the call (queue name, `since` answered in epoch ms, `held`)."""
    agent, started = member.agent, member.since
    shown = {
        "id": agent.agent_id,
        "src": member.key[0],
        "name": member.name,
        "ext": agent.extension,
        "state": agent.state,
        "vs": agent.vendor_state,
        "reason": agent.reason_code,
        "since": int(started * 1000) if started is not None else None,
    }
    why = names.reason(member.key[0], agent.reason_code) if names else ""
    if why:
        shown["why"] = why
    call = agent.extra.get("call") if agent.extra else None
    if call:  # the call it is on (ingest's call ledger): its queue, since when, held
        kind, number = call.get("kind", ""), call.get("number", "")
        queue = names.queue(member.key[0], kind, number) if number else ""
        shown["call"] = {
            "q": queue or (f"{kind} {number}" if number else ""),
            "since": call.get("since"),
            "held": bool(call.get("held")),
        }
    return shown
