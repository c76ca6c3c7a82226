"""The tile kinds, one registry entry each: what a kind is called, what it takes from the
feeds, how it runs, which KPIs it shows. The admin's choices and checks, the engine, ingest's
publisher and the snapshot ask the registry, never a kind's name.

A display draws each kind with the module of the same name under static/wallboard/board/kinds/.
Adding a kind: see docs/architecture.md ("Adding a tile kind").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from wallboard.lib.ranges import IdRange

from .agent_grid import AgentGridTile
from .calls import RecentAbandonedTile, WaitingCallersTile
from .dialer import DialerCampaignsTile
from .kpis import AGENT_DAY_KPI_KEYS, AGENT_TIME_KPIS, DEFAULT_KPIS, QUEUE_KPIS
from .leaderboard import DEFAULT_KPI as LEADER_KPI
from .leaderboard import LeaderboardTile, LowLeaderboardTile
from .maths import Threshold
from .service import ServiceLevels
from .tiles import QueueKpiTile, QueueTableTile, TileDef, TileRuntime

QUEUE_KPI: Final = "queue_kpi"
BIG_NUMBER: Final = "big_number"
QUEUE_TABLE: Final = "queue_table"
AGENT_GRID: Final = "agent_grid"
CLOCK: Final = "clock"
TICKER: Final = "ticker"
LEADERBOARD: Final = "leaderboard"  # the top N agents by a figure of their day
LEADERBOARD_LOW: Final = "leaderboard_low"  # the bottom N
WAITING_CALLERS: Final = "waiting_callers"  # each call waiting, longest first
RECENT_ABANDONED: Final = "recent_abandoned"  # the last abandoned calls
DIALER_CAMPAIGNS: Final = "dialer_campaigns"  # each dialer campaign's progress


@dataclass(frozen=True, slots=True)
class TileKind:
    """One tile kind's registry entry."""

    key: str  # as stored (Tile.kind, at most 16 characters) and sent (a definition's `kind`)
    label: str  # the admin's choice, and a tile's title when it has none
    runtime: type[TileRuntime] = TileRuntime
    queues: bool = False  # takes the queues of its source, queue kind and queue range
    agents: bool = False  # takes the agents of its source, agent range and queues' skills
    # The KPIs it may show (the KPI catalogue's keys). Informative so far: Tile.clean() checks
    # only one_kpi, as it always has; a tile's other KPIs are kept and not shown.
    kpis: tuple[str, ...] = ()
    default_kpis: tuple[str, ...] = ()  # shown when the tile names none
    one_kpi: bool = False  # shows exactly one KPI
    noun: str = ""  # how the admin's messages name it ("a big number shows ...")
    # Thresholds on agents' time in a state (AGENT_TIME_KPIS) go with it to the display.
    agent_alarms: bool = False
    messages: bool = False  # shows the ticker messages (the board's and every board's)
    # Takes its agents' figures of the day (runtime.take_day): given every agent's when the
    # tile is built, the changed agents' with each batch (ChangeSet.agent_today).
    agent_days: bool = False
    # Takes an event feed's calls (runtime.load_calls at a build, ChangeSet.calls after), of
    # its source and queue selection; its definition gets the digits of a caller's number
    # it may show (`visible_digits`).
    calls: bool = False

    @property
    def uses_feed(self) -> bool:
        """Whether it shows anything of the feeds (queues, agents or calls): a board of only
        those that do not needs no rows loaded."""
        return self.queues or self.agents or self.calls


TILE_KINDS: dict[str, TileKind] = {}


def register(kind: TileKind) -> TileKind:
    """Add a kind. (A test adds one for its own run: monkeypatch.setitem(TILE_KINDS, ...).)"""
    if len(kind.key) > 16:
        raise ValueError(f"tile kind {kind.key!r}: 16 characters at most (Tile.kind)")
    TILE_KINDS[kind.key] = kind
    return kind


for _kind in (
    TileKind(
        QUEUE_KPI,
        "Queue KPIs (one queue or several aggregated)",
        QueueKpiTile,
        queues=True,
        agents=True,
        kpis=QUEUE_KPIS,
        default_kpis=DEFAULT_KPIS,
    ),
    TileKind(
        BIG_NUMBER,
        "Big number (one KPI)",
        QueueKpiTile,
        queues=True,
        agents=True,
        kpis=QUEUE_KPIS,
        one_kpi=True,
        noun="big number",
    ),
    TileKind(
        QUEUE_TABLE,
        "Queue table",
        QueueTableTile,
        queues=True,
        kpis=QUEUE_KPIS,
        default_kpis=DEFAULT_KPIS,
    ),
    TileKind(AGENT_GRID, "Agent grid", AgentGridTile, agents=True, agent_alarms=True),
    TileKind(
        LEADERBOARD,
        "Leaderboard: top agents by a figure of their day",
        LeaderboardTile,
        agents=True,
        kpis=AGENT_DAY_KPI_KEYS,
        default_kpis=(LEADER_KPI,),
        one_kpi=True,
        noun="leaderboard",
        agent_days=True,
    ),
    TileKind(
        LEADERBOARD_LOW,
        "Leaderboard: bottom agents by a figure of their day",
        LowLeaderboardTile,
        agents=True,
        kpis=AGENT_DAY_KPI_KEYS,
        default_kpis=(LEADER_KPI,),
        one_kpi=True,
        noun="leaderboard",
        agent_days=True,
    ),
    TileKind(WAITING_CALLERS, "Waiting callers", WaitingCallersTile, calls=True),
    TileKind(RECENT_ABANDONED, "Recently abandoned calls", RecentAbandonedTile, calls=True),
    TileKind(
        DIALER_CAMPAIGNS,
        "Dialer campaigns: targets by status, dials",
        DialerCampaignsTile,
        queues=True,
    ),
    TileKind(CLOCK, "Clock"),
    TileKind(TICKER, "Message ticker", messages=True),
):
    register(_kind)


def tile_kind_choices() -> list[tuple[str, str]]:
    """The model's choices (Tile.kind): every registered kind."""
    return [(k.key, k.label) for k in TILE_KINDS.values()]


def kind_of(key: str) -> TileKind:
    """A kind's entry; a kind no longer registered (a row of an older version) shows its
    name and nothing of the feeds."""
    kind = TILE_KINDS.get(key)
    return kind if kind is not None else TileKind(key, key)


def tile_definition(
    kind: TileKind,
    *,
    tile_id: int,
    title: str = "",
    width: int = 1,
    height: int = 1,
    kpis: list[str] | None = None,
    thresholds: dict[str, Threshold] | None = None,
    compact: bool = False,
    messages: Sequence[Mapping[str, object]] | None = None,
    visible_digits: int = 4,
) -> TileDef:
    """A tile's definition as a display gets it in the board's layout."""
    thresholds = thresholds or {}
    shown = kpis or list(kind.default_kpis)
    definition: TileDef = {
        "id": tile_id,
        "kind": kind.key,
        "title": title or kind.label,
        "width": width,
        "height": height,
        "kpis": [k for k in shown if k not in AGENT_TIME_KPIS],
        "thresholds": thresholds,
        "compact": compact,
    }
    if kind.agent_alarms:
        definition["agent_alarms"] = {
            AGENT_TIME_KPIS[k].state: v for k, v in thresholds.items() if k in AGENT_TIME_KPIS
        }
    if kind.messages:
        definition["messages"] = list(messages or ())
    if kind.calls:
        definition["visible_digits"] = visible_digits
    return definition


def new_tile(
    definition: TileDef,
    source_id: int | None = None,
    queue_kind: str = "",
    queue_range: IdRange | None = None,
    agent_range: IdRange | None = None,
    thresholds: dict[str, Threshold] | None = None,
    levels: ServiceLevels | None = None,
) -> TileRuntime:
    """The runtime of a tile definition: its kind's runtime class."""
    kind = kind_of(str(definition["kind"]))
    return kind.runtime(
        definition,
        source_id,
        queue_kind,
        queue_range if queue_range is not None else IdRange(),
        agent_range if agent_range is not None else IdRange(),
        thresholds if thresholds is not None else definition.get("thresholds", {}),
        spec=kind,
        levels=levels if levels is not None else ServiceLevels(),
    )
