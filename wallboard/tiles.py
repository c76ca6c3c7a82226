"""What each tile shows, computed from the neutral live rows.

A BoardRuntime holds a board's tile definitions and, per tile, the queues and agents it
covers, kept up to date incrementally from each batch's changes; a tile's value is recomputed
only when one of its members changed. The same code builds a display's snapshot from the
database when no ingest has published one yet.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ingest.ranges import IdRange
from integrations.base import (
    LOGGED_OUT,
    NOT_READY,
    ON_CALL,
    OVERFLOW,
    RINGING,
    WRAP_UP,
    AgentRow,
    QueueRow,
)

Key = tuple[int, str, str]  # (source id, kind, number)

# Agent-grid thresholds: seconds in a state (the display ticks them and sorts alarmed first).
AGENT_TIME_KPIS = {
    "time_in_not_ready": NOT_READY,
    "time_in_wrap_up": WRAP_UP,
    "time_in_ringing": RINGING,
    "time_in_on_call": ON_CALL,
}
DEFAULT_KPIS = ["calls_waiting", "oldest_wait_seconds", "service_level_pct", "agents_available"]
AGENT_COUNT_KPIS = {
    "agents_available": "available",
    "agents_ringing": "ringing",
    "agents_on_call": "on_call",
    "agents_wrap_up": "wrap_up",
    "agents_not_ready": "not_ready",
    "agents_other": "other",
}
SUM_KPIS = ("calls_waiting", "abandoned", "offered", "answered")
MAX_GRID_AGENTS = 400
AGENT_TILES = frozenset({"agent_grid", "queue_kpi", "big_number"})


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def level(value: Any, threshold: dict[str, Any] | None) -> str | None:
    """ "warning", "alarm" or None for a value against a tile's threshold."""
    if threshold is None:
        return None
    above = threshold["direction"] == "above"
    if value == OVERFLOW:
        return (
            "alarm"
            if above and threshold.get("alarm") is not None
            else ("warning" if above and threshold.get("warning") is not None else None)
        )
    number = _number(value)
    if number is None:
        return None
    for name in ("alarm", "warning"):
        limit = threshold.get(name)
        if limit is not None and (number >= limit if above else number <= limit):
            return name
    return None


def _weighted(queues: list[QueueRow], figure: str, weight: str) -> float | None:
    total = weighted = 0.0
    for q in queues:
        value, w = _number(getattr(q, figure)), _number(getattr(q, weight))
        if value is not None and w:
            weighted += value * w
            total += w
    return round(weighted / total, 1) if total else None


def _sum(values: Iterable[Any]) -> Any:
    total, seen = 0, False
    for value in values:
        if value == OVERFLOW:
            return OVERFLOW
        if _number(value) is not None:
            total += value
            seen = True
    return total if seen else None


def queue_kpi(
    kpi: str, queues: list[QueueRow], today: list[dict[str, Any]], agents: list[AgentRow]
) -> tuple[Any, bool]:
    """(value, derived): the feed's own figure where one queue sends it, else derived."""
    single = len(queues) == 1
    if not queues:
        return None, False
    if kpi.endswith("_today"):
        return _sum(t.get(kpi[: -len("_today")]) for t in today), not single
    if kpi == "abandon_pct":
        offered, abandoned = _sum(q.offered for q in queues), _sum(q.abandoned for q in queues)
        if _number(offered) and _number(abandoned) is not None:
            return round(100.0 * abandoned / offered, 1), True
        return None, True
    if single:
        own = getattr(queues[0], kpi, None)
        if (
            own is not None
            or not agents
            or (kpi not in AGENT_COUNT_KPIS and kpi != "agents_staffed")
        ):
            return own, False
    if kpi in SUM_KPIS:
        return _sum(getattr(q, kpi) for q in queues), True
    if kpi == "oldest_wait_seconds":
        values = [q.oldest_wait_seconds for q in queues]
        if OVERFLOW in values:
            return OVERFLOW, True
        numbers = [v for v in values if _number(v) is not None]
        return (max(numbers) if numbers else None), not single
    if kpi == "service_level_pct":
        return _weighted(queues, "service_level_pct", "offered"), True
    if kpi == "asa_seconds":
        value = _weighted(queues, "asa_seconds", "answered")
        return (round(value) if value is not None else None), True
    if kpi in AGENT_COUNT_KPIS or kpi == "agents_staffed":
        if agents:  # distinct agents: a multi-skilled agent counts once in totals
            if kpi == "agents_staffed":
                return sum(1 for a in agents if a.state != LOGGED_OUT), True
            return sum(1 for a in agents if a.state == AGENT_COUNT_KPIS[kpi]), True
        if single:
            return getattr(queues[0], kpi), False
        return _sum(getattr(q, kpi) for q in queues), True
    return None, True


@dataclass(slots=True, eq=False)  # compared and hashed by identity
class TileRuntime:
    definition: dict[str, Any]
    source_id: int | None
    queue_kind: str
    queue_range: IdRange
    agent_range: IdRange
    thresholds: dict[str, dict[str, Any]]
    queues: dict[Key, QueueRow] = field(default_factory=dict)
    today: dict[Key, dict[str, Any]] = field(default_factory=dict)
    agents: dict[tuple[int, str], AgentRow] = field(default_factory=dict)
    since: dict[tuple[int, str], float] = field(default_factory=dict)
    value: dict[str, Any] | None = None
    order: list[tuple[int, str]] | None = None  # agent-grid members in display order

    @property
    def id(self) -> str:
        return str(self.definition["id"])

    @property
    def kind(self) -> str:
        return str(self.definition["kind"])

    def wants_source(self, source_id: int) -> bool:
        return self.source_id is None or self.source_id == source_id

    def wants_queue(self, row: QueueRow) -> bool:
        return (
            not self.queue_kind or row.kind == self.queue_kind
        ) and row.number in self.queue_range

    def wants_agent(self, row: AgentRow) -> bool:
        if self.definition["kind"] not in AGENT_TILES or row.agent_id not in self.agent_range:
            return False
        queue_range = self.queue_range
        return queue_range.everything or any(skill in queue_range for skill in row.skills)

    def sources(self) -> list[int]:
        found = {k[0] for k in self.queues} | {k[0] for k in self.agents}
        if self.source_id is not None:
            found.add(self.source_id)
        return sorted(found)

    def compute(self, stale_sources: set[int]) -> dict[str, Any]:
        sources = self.sources()
        value: dict[str, Any] = {
            "sources": sources,
            "stale": bool(sources) and all(s in stale_sources for s in sources),
        }
        kind = self.kind
        if kind in ("queue_kpi", "big_number"):
            queues = list(self.queues.values())
            today = [self.today.get(k, {}) for k in self.queues]
            agents = list(self.agents.values())
            value["queues"] = len(queues)
            value["kpis"] = {}
            for kpi in self.definition["kpis"]:
                v, derived = queue_kpi(kpi, queues, today, agents)
                value["kpis"][kpi] = {"v": v, "d": derived, "l": level(v, self.thresholds.get(kpi))}
        elif kind == "queue_table":
            rows = []
            for key in sorted(self.queues, key=_queue_order):
                q = self.queues[key]
                today = [self.today.get(key, {})]
                cells = {}
                for kpi in self.definition["kpis"]:
                    v, derived = queue_kpi(kpi, [q], today, [])
                    cells[kpi] = {"v": v, "d": derived, "l": level(v, self.thresholds.get(kpi))}
                rows.append(
                    {"key": f"{key[1]} {key[2]}", "number": q.number, "name": q.name, "kpis": cells}
                )
            value["rows"] = rows
        elif kind == "agent_grid":
            members = self.agents
            if self.order is None:  # sorted by name; re-sorted only when membership changes
                self.order = sorted(members, key=lambda k: (members[k].name or k[1], k[1]))
            counts: Counter[str] = Counter(a.state for a in members.values())
            shown = [k for k in self.order if members[k].state != LOGGED_OUT]
            agents = []
            for key in shown[:MAX_GRID_AGENTS]:  # build only what is sent
                a = members[key]
                started = self.since.get(key)
                agents.append(
                    {
                        "id": a.agent_id,
                        "name": a.name,
                        "ext": a.extension,
                        "state": a.state,
                        "vs": a.vendor_state,
                        "reason": a.reason_code,
                        "since": int(started * 1000) if started is not None else None,
                    }
                )
            value["total"] = len(shown)
            value["agents"] = agents
            value["counts"] = dict(counts)
        return value

    def clear_source(self, source_id: int) -> None:
        self.order = None
        for k in [k for k in self.queues if k[0] == source_id]:
            del self.queues[k]
            self.today.pop(k, None)
        for k in [k for k in self.agents if k[0] == source_id]:
            del self.agents[k]
            self.since.pop(k, None)

    def load(
        self,
        source_id: int,
        queues: Iterable[tuple[QueueRow, dict[str, Any]]],
        agents: Iterable[tuple[AgentRow, float | None]],
    ) -> None:
        """Take every row of a source (a full build)."""
        self.clear_source(source_id)
        if not self.wants_source(source_id):
            return
        if self.kind in ("queue_kpi", "big_number", "queue_table"):
            for row, today in queues:
                if self.wants_queue(row):
                    key = (source_id, row.kind, row.number)
                    self.queues[key] = row
                    self.today[key] = today
        for agent, since in agents:
            if self.wants_agent(agent):
                self.agents[(source_id, agent.agent_id)] = agent
                if since is not None:
                    self.since[(source_id, agent.agent_id)] = since

    def put_agent(self, key: tuple[int, str], agent: AgentRow, since: float) -> None:
        previous = self.agents.get(key)
        if previous is None or previous.name != agent.name:
            self.order = None
        self.agents[key] = agent
        self.since[key] = since

    def drop_agent(self, key: tuple[int, str]) -> None:
        if self.agents.pop(key, None) is not None:
            self.since.pop(key, None)
            self.order = None

    def apply(self, source_id: int, changes: Any) -> bool:
        """Fold one batch's queue changes in; True when a member changed (agents go through
        AgentRouter)."""
        if not self.wants_source(source_id):
            return False
        touched = False
        if self.kind in ("queue_kpi", "big_number", "queue_table"):
            for (kind, number), row in changes.queues.items():
                key = (source_id, kind, number)
                if self.wants_queue(row):
                    self.queues[key] = row
                    touched = True
                elif self.queues.pop(key, None) is not None:
                    touched = True
            for (kind, number), today in changes.today.items():
                key = (source_id, kind, number)
                if key in self.queues:
                    self.today[key] = today
                    touched = True
            for kind, number in changes.gone_queues:
                if self.queues.pop((source_id, kind, number), None) is not None:
                    touched = True
        return touched


class AgentRouter:
    """Sends each changed agent to the tiles that show it, rather than asking every tile about
    every agent: the tiles an agent belongs to are worked out once per (source, agent, skills)."""

    def __init__(self, tiles: Iterable[TileRuntime]) -> None:
        self.tiles = [t for t in tiles if t.definition["kind"] in AGENT_TILES]
        self.routes: dict[tuple[int, str, tuple[str, ...]], tuple[TileRuntime, ...]] = {}
        self.placed: dict[tuple[int, str], tuple[TileRuntime, ...]] = {}

    def _holding(self, key: tuple[int, str]) -> tuple[TileRuntime, ...]:
        return tuple(t for t in self.tiles if key in t.agents)

    def apply(self, source_id: int, changes: Any) -> set[TileRuntime]:
        """Fold one batch's agent changes into the tiles; the tiles touched."""
        touched: set[TileRuntime] = set()
        if not self.tiles:
            return touched
        routes, placed, since = self.routes, self.placed, changes.since
        for agent_id, agent in changes.agents.items():
            key = (source_id, agent_id)
            route_key = (source_id, agent_id, agent.skills)
            tiles = routes.get(route_key)
            if tiles is None:
                if len(routes) > 500_000:
                    routes.clear()
                tiles = routes[route_key] = tuple(
                    t for t in self.tiles if t.wants_source(source_id) and t.wants_agent(agent)
                )
            before = placed.get(key)
            if before is None:  # first sight since the boards were (re)built
                before = self._holding(key)
            if before is not tiles:
                for tile in before:
                    if tile not in tiles:
                        tile.drop_agent(key)
                        touched.add(tile)
                placed[key] = tiles
            for tile in tiles:
                tile.put_agent(key, agent, since[agent_id])
                touched.add(tile)
        for agent_id in changes.gone_agents:
            key = (source_id, agent_id)
            before = placed.pop(key, None)
            for tile in self._holding(key) if before is None else before:
                tile.drop_agent(key)
                touched.add(tile)
        return touched


def agent_grid_delta(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The agents of an agent grid that changed or left since `old`; the display merges them
    by id and sorts as the server does (name, then id). A tenth of the bytes of the whole tile
    when a tenth of the agents changed, for every display of the board."""
    before = {a["id"]: a for a in old["agents"]}
    after = {a["id"]: a for a in new["agents"]}
    delta = {k: v for k, v in new.items() if k != "agents"}
    delta["delta"] = True
    delta["upsert"] = [a for agent_id, a in after.items() if before.get(agent_id) != a]
    delta["remove"] = [agent_id for agent_id in before if agent_id not in after]
    return delta


def _queue_order(key: Key) -> tuple[Any, ...]:
    number = key[2]
    return (key[0], key[1], int(number) if number.isdigit() else 0, number)


@dataclass(slots=True)
class BoardRuntime:
    board_id: int
    definition: dict[str, Any]
    tiles: list[TileRuntime]
    fingerprint: str
    seq: int = 0

    def group(self) -> str:
        return f"board.{self.board_id}"

    def values(self) -> dict[str, Any]:
        return {t.id: t.value for t in self.tiles if t.value is not None}

    def recompute(
        self, stale: set[int], only: Iterable[TileRuntime] | None = None
    ) -> dict[str, Any]:
        """Recompute tiles (all, or `only`); return what changed, as update messages carry it:
        a tile's whole value, or for an agent grid only its changed and departed agents."""
        changed = {}
        for tile in self.tiles if only is None else only:
            value = tile.compute(stale)
            if value != tile.value:
                previous, tile.value = tile.value, value
                if previous is not None and tile.kind == "agent_grid":
                    changed[tile.id] = agent_grid_delta(previous, value)
                else:
                    changed[tile.id] = value
        return changed


def build_board(board: Any) -> BoardRuntime:
    """The runtime of a Board model instance (tiles, thresholds, ticker messages loaded)."""
    tiles = []
    defs = []
    for tile in board.tiles.all():
        thresholds = {
            t.kpi: {"direction": t.direction, "warning": t.warning, "alarm": t.alarm}
            for t in tile.thresholds.all()
        }
        kpis = tile.kpi_list() or (
            DEFAULT_KPIS if tile.kind in ("queue_kpi", "queue_table") else []
        )
        definition: dict[str, Any] = {
            "id": tile.pk,
            "kind": tile.kind,
            "title": tile.title or tile.get_kind_display(),
            "width": tile.width,
            "height": tile.height,
            "kpis": [k for k in kpis if k not in AGENT_TIME_KPIS],
            "thresholds": thresholds,
            "compact": tile.compact,
        }
        if tile.kind == "agent_grid":
            definition["agent_alarms"] = {
                AGENT_TIME_KPIS[k]: v for k, v in thresholds.items() if k in AGENT_TIME_KPIS
            }
        if tile.kind == "ticker":
            definition["messages"] = [
                {
                    "text": m.text,
                    "start": int(m.starts_at.timestamp() * 1000) if m.starts_at else None,
                    "end": int(m.ends_at.timestamp() * 1000) if m.ends_at else None,
                }
                for m in _messages(board)
            ]
        defs.append(definition)
        tiles.append(
            TileRuntime(
                definition=definition,
                source_id=tile.source_id,
                queue_kind=tile.queue_kind,
                queue_range=IdRange(tile.queue_range),
                agent_range=IdRange(tile.agent_range),
                thresholds=thresholds,
            )
        )
    definition = {
        "id": board.pk,
        "title": board.title,
        "slug": board.slug,
        "theme": board.theme,
        "columns": board.columns,
        "tiles": defs,
    }
    fingerprint = hashlib.sha1(
        json.dumps(definition, sort_keys=True, default=str).encode()
    ).hexdigest()
    return BoardRuntime(board.pk, definition, tiles, fingerprint)


def _messages(board: Any) -> list[Any]:
    from django.db.models import Q

    from wallboard.models import TickerMessage

    return list(TickerMessage.objects.filter(Q(board=board) | Q(board__isnull=True)))


def load_boards() -> list[BoardRuntime]:
    from wallboard.models import Board

    boards = Board.objects.prefetch_related("tiles__thresholds")
    return [build_board(b) for b in boards]


def sources_status() -> dict[str, dict[str, Any]]:
    from wallboard.models import Source

    status = {}
    for s in Source.objects.select_related("health"):
        health = getattr(s, "health", None)
        last = health.last_data_at if health else None
        status[str(s.pk)] = {
            "name": s.name,
            "stale": health.stale if health else True,
            "last_data_at": int(last.timestamp() * 1000) if last else None,
            "connected": bool(health and health.connected),
            "enabled": s.enabled,
        }
    return status


def board_snapshot(board: Any) -> dict[str, Any]:
    """A display's first message: the layout, every tile's value, the sources' status.

    Values come from what ingest last published (BoardState) when it matches the current
    layout; otherwise they are computed here from the database rows.
    """
    from ingest import store
    from wallboard.models import Board, BoardState

    board = Board.objects.prefetch_related("tiles__thresholds").get(pk=board.pk)
    runtime = build_board(board)
    state = BoardState.objects.filter(board_id=board.pk).first()
    status = sources_status()
    if state:  # ingest's own view of its sources is fresher than the health table
        for source_id, live in state.tiles.get("sources", {}).items():
            if source_id in status:
                status[source_id].update(live)
    if state and state.tiles.get("fingerprint") == runtime.fingerprint:
        values, seq = state.tiles.get("values", {}), state.seq
    else:
        stale = {int(k) for k, v in status.items() if v["stale"]}
        wanted = {t.source_id for t in runtime.tiles if t.kind not in ("clock", "ticker")}
        source_ids = [int(k) for k in status] if None in wanted else [s for s in wanted if s]
        for source_id in source_ids:
            queues, agents = store.restore(source_id)
            queue_rows = [(row, today) for row, today, _ in queues]
            for tile in runtime.tiles:
                tile.load(source_id, queue_rows, agents)
        runtime.recompute(stale)
        values, seq = runtime.values(), state.seq if state else 0
    return {
        "type": "snapshot",
        "seq": seq,
        "board": runtime.definition,
        "values": values,
        "sources": status,
        "server_time": int(datetime.now(UTC).timestamp() * 1000),
    }
