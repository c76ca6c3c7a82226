"""Agent tiles kept up to date change by change show what a computation from scratch shows.

The reference here is the whole-tile computation the incremental code replaced: every member
rescanned, the grid sorted and cut, the update derived by comparing whole values
(`agent_grid_delta`). A display's view is rebuilt from the updates as the display does
(static/wallboard/board/agents.js).
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from typing import Any

import pytest

from ingest.live import Changes
from integrations.base import (
    AVAILABLE,
    LOGGED_OUT,
    NOT_READY,
    ON_CALL,
    OTHER,
    RINGING,
    WRAP_UP,
    AgentRow,
    QueueRow,
)
from wallboard.engine import AgentRouter, BoardRuntime, TileRuntime, agent_grid, new_tile
from wallboard.engine.agent_grid import merge_delta
from wallboard.engine.kpis import AGENT_COUNT_KPIS
from wallboard.engine.maths import kpi_value
from wallboard.lib.ranges import IdRange


def ident(entry: dict[str, Any]) -> str:
    """How displays name a grid's agent: by source and agent ID."""
    return f"{entry['src']}:{entry['id']}"


def agent_grid_delta(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The reference update of an agent grid: the agents that changed or left since `old`,
    found by comparing the whole values (the tiles derive the same from what changed)."""
    before = {ident(a): a for a in old["agents"]}
    after = {ident(a): a for a in new["agents"]}
    delta = {k: v for k, v in new.items() if k != "agents"}
    delta["delta"] = True
    delta["upsert"] = [a for key, a in after.items() if before.get(key) != a]
    delta["remove"] = [key for key in before if key not in after]
    return delta


A, B = 1, 2  # source ids; their agent IDs overlap from 1010 on (two ACDs on one grid)
STATES = [AVAILABLE, ON_CALL, WRAP_UP, NOT_READY, RINGING, OTHER, LOGGED_OUT]
NAMES = ["", "Ann", "Bob", "Cy", "Dee", "Eve", "Zed", "ann", "Émile", "Bob"]
SKILLS = [("1",), ("2",), ("1", "2"), ("3",), ()]
AGENT_KPIS = ["agents_available", "agents_staffed", "agents_on_call", "agents_not_ready"]


def make_tile(
    tile_id: int,
    kind: str = "agent_grid",
    agents: str = "",
    queues: str = "",
    source: int | None = A,
    kpis: list[str] | None = None,
) -> TileRuntime:
    definition = {"id": tile_id, "kind": kind, "kpis": kpis or []}
    return new_tile(definition, source, "", IdRange(queues), IdRange(agents), {})


# ---- the reference: whole values from the rows ------------------------------------------


def members(tile: TileRuntime, truth: dict[int, dict[str, tuple[AgentRow, float]]]) -> dict:
    return {
        (s, agent_id): row_since
        for s, agents in truth.items()
        if tile.wants_source(s)
        for agent_id, row_since in agents.items()
        if tile.wants_agent(row_since[0])
    }


def rescan_kpi(kpi: str, queues: list[QueueRow], agents: list[AgentRow]) -> tuple[Any, bool]:
    """The agent-count KPIs as they were computed before counts were kept: by rescanning."""
    if not queues:
        return None, False
    if len(queues) == 1:
        own = getattr(queues[0], kpi)
        if own is not None or not agents:
            return own, False
    if agents:
        if kpi == "agents_staffed":
            return sum(1 for a in agents if a.state != LOGGED_OUT), True
        return sum(1 for a in agents if a.state == AGENT_COUNT_KPIS[kpi]), True
    return kpi_value(kpi, queues, [{}] * len(queues), {})


def reference(tile: TileRuntime, truth: dict, queues: dict, stale: set[int]) -> dict[str, Any]:
    held = members(tile, truth)
    held_queues = {
        (s, q.kind, q.number): q
        for s, rows in queues.items()
        if tile.wants_source(s) and tile.kind != "agent_grid"
        for q in rows
        if tile.wants_queue(q)
    }
    sources = {k[0] for k in held} | {k[0] for k in held_queues}
    if tile.source_id is not None:
        sources.add(tile.source_id)
    value: dict[str, Any] = {
        "sources": sorted(sources),
        "stale": bool(sources) and all(s in stale for s in sources),
    }
    if tile.kind == "agent_grid":
        order = sorted(held, key=lambda k: (held[k][0].name or k[1], k[1], k[0]))
        shown = [k for k in order if held[k][0].state != LOGGED_OUT]
        value["total"] = len(shown)
        value["agents"] = [
            {
                "id": held[k][0].agent_id,
                "src": k[0],
                "name": held[k][0].name,
                "ext": held[k][0].extension,
                "state": held[k][0].state,
                "vs": held[k][0].vendor_state,
                "reason": held[k][0].reason_code,
                "since": int(held[k][1] * 1000) if held[k][1] is not None else None,
            }
            for k in shown[: agent_grid.MAX_GRID_AGENTS]
        ]
        value["counts"] = dict(Counter(a.state for a, _ in held.values()))
    else:
        rows = list(held_queues.values())
        agents = [a for a, _ in held.values()]
        value["queues"] = len(rows)
        value["kpis"] = {}
        for kpi in tile.definition["kpis"]:
            if kpi in AGENT_COUNT_KPIS or kpi == "agents_staffed":
                v, d = rescan_kpi(kpi, rows, agents)
            else:
                v, d = kpi_value(kpi, rows, [{}] * len(rows), {})
            value["kpis"][kpi] = {"v": v, "d": d, "l": None}
    return value


def merge(full: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """An update applied to what a display holds: the whole value, or an agent grid's delta
    merged as agents.js mergeAgents (and a snapshot's reading of the log) merges it."""
    if not update.get("delta"):
        return update
    merged = merge_delta(full, update)
    assert merged is not None
    return merged


# ---- a feed that changes at random ------------------------------------------------------


class Feed:
    def __init__(self, rng: random.Random, agents: dict[int, int]) -> None:
        self.rng = rng
        self.truth: dict[int, dict[str, tuple[AgentRow, float]]] = {s: {} for s in agents}
        self.next_id = {A: 1000, B: 1010}
        self.departed: dict[int, list[str]] = {s: [] for s in agents}
        self.queues = {
            A: [
                QueueRow("skill", "1", agents_available=None, agents_staffed=7),
                QueueRow("skill", "2", agents_available=None),
                QueueRow("skill", "3", agents_available=4, calls_waiting=2),
            ],
            B: [QueueRow("skill", "1", agents_available=None, calls_waiting=1)],
        }
        self.now = 1000.0
        for s, n in agents.items():
            for _ in range(n):
                self._add(s)

    def _row(self, agent_id: str, like: AgentRow | None = None, **changes: Any) -> AgentRow:
        rng = self.rng
        fields: dict[str, Any] = {
            "agent_id": agent_id,
            "state": rng.choice(STATES),
            "vendor_state": "",
            "name": rng.choice(NAMES),
            "extension": str(rng.randint(100, 105)),
            "reason_code": "",
            "skills": rng.choice(SKILLS),
        }
        if like is not None:
            fields.update(
                state=like.state,
                vendor_state=like.vendor_state,
                name=like.name,
                extension=like.extension,
                reason_code=like.reason_code,
                skills=like.skills,
            )
        fields.update(changes)
        fields["vendor_state"] = fields["state"].upper()[:3]
        return AgentRow(**fields)

    def _add(self, source: int) -> str:
        """A new agent, or one that left the report coming back (its skills may differ)."""
        departed = self.departed[source]
        if departed and self.rng.random() < 0.5:
            agent_id = departed.pop(self.rng.randrange(len(departed)))
        else:
            agent_id = str(self.next_id[source])
            self.next_id[source] += 1
        self.truth[source][agent_id] = (self._row(agent_id), self.now - self.rng.randint(0, 90))
        return agent_id

    def batch(self, source: int) -> Changes:
        """One batch of a source: some agents change (each in one way), a few come and go."""
        rng, agents = self.rng, self.truth[source]
        self.now += 3
        changes = Changes(at=self.now)
        ids = list(agents)
        for agent_id in rng.sample(ids, min(len(ids), rng.randint(0, max(1, len(ids) // 4)))):
            row, since = agents[agent_id]
            how = rng.choice(["state", "state", "state", "name", "since", "reason", "ext",
                              "skills", "same", "out", "in"])  # fmt: skip
            if how == "state":
                row, since = self._row(agent_id, row, state=rng.choice(STATES)), self.now
            elif how == "out":
                row, since = self._row(agent_id, row, state=LOGGED_OUT), self.now
            elif how == "in":
                row, since = self._row(agent_id, row, state=AVAILABLE), self.now
            elif how == "name":
                row = self._row(agent_id, row, name=rng.choice(NAMES))
            elif how == "since":
                since = self.now - rng.randint(0, 30)
            elif how == "reason":
                row = self._row(agent_id, row, reason_code=rng.choice(["", "1", "2"]))
            elif how == "ext":
                row = self._row(agent_id, row, extension=str(rng.randint(100, 105)))
            elif how == "skills":
                row = self._row(agent_id, row, skills=rng.choice(SKILLS))
            else:
                row = self._row(agent_id, row)  # an equal row, a new object
            agents[agent_id] = (row, since)
            changes.agents[agent_id] = row
            changes.since[agent_id] = since
        for _ in range(rng.choice([0, 0, 1, 3])):
            agent_id = self._add(source)
            changes.agents[agent_id], changes.since[agent_id] = agents[agent_id]
        for agent_id in rng.sample(sorted(agents), min(len(agents), rng.choice([0, 0, 1, 2]))):
            if agent_id not in changes.agents:
                del agents[agent_id]
                changes.gone_agents.add(agent_id)
                self.departed[source].append(agent_id)
        if rng.random() < 0.1:  # a queue's own agents figure comes and goes
            q = self.queues[source][0]
            figure = None if q.agents_available is not None else rng.randint(0, 9)
            q = self.queues[source][0] = dataclasses.replace(q, agents_available=figure)
            changes.queues[(q.kind, q.number)] = q
        return changes

    def load(self, tile: TileRuntime) -> None:
        for s, agents in self.truth.items():
            tile.load(s, [(q, {}) for q in self.queues[s]], list(agents.values()))


def boards_of_tiles() -> list[BoardRuntime]:
    tiles_a = [
        make_tile(1),  # every agent of source A
        make_tile(2, queues="1"),  # the agents of skill 1 only: skills move agents in and out
        make_tile(3, kind="big_number", queues="1-2", kpis=AGENT_KPIS),
        make_tile(4, kind="big_number", queues="1", kpis=[*AGENT_KPIS, "calls_waiting"]),
        make_tile(5, kind="queue_kpi", agents="1000-1039", queues="3", kpis=AGENT_KPIS),
    ]
    tiles_b = [
        make_tile(6, source=None),  # both sources
        make_tile(7, agents="1010-1050, 2000-2020", source=None),
        make_tile(8, kind="big_number", source=None, kpis=AGENT_KPIS),
    ]
    return [BoardRuntime(1, {}, tiles_a, "a"), BoardRuntime(2, {}, tiles_b, "b")]


class Displays:
    """The publisher's part for these tests: routes a batch, recomputes the touched tiles,
    applies each update to what a display shows, and checks everything against the rows."""

    def __init__(self, feed: Feed, boards: list[BoardRuntime]) -> None:
        self.feed, self.boards, self.stale = feed, boards, set[int]()
        for board in boards:
            for tile in board.tiles:
                feed.load(tile)
            board.recompute(self.stale)
        self.router = AgentRouter(t for b in boards for t in b.tiles)
        self.shown: dict[str, Any] = {t.id: t.value for b in boards for t in b.tiles}
        self.expected: dict[str, Any] = {t.id: self.reference(t) for b in boards for t in b.tiles}
        assert self.shown == self.expected

    def reference(self, tile: TileRuntime) -> dict[str, Any]:
        return reference(tile, self.feed.truth, self.feed.queues, self.stale)

    def batch(self, source: int, batches: int = 1) -> None:
        """Route `batches` batches of a source (more than one: as if coalesced), then
        recompute the tiles they touched."""
        touched: set[TileRuntime] = set()
        for _ in range(batches):
            changes = self.feed.batch(source)
            touched |= self.router.apply(source, changes)
            touched.update(t for b in self.boards for t in b.tiles if t.apply(source, changes))
        for board in self.boards:
            self.check(board, board.recompute(self.stale, [t for t in board.tiles if t in touched]))

    def go_stale(self, stale: set[int]) -> None:
        self.stale = stale
        for board in self.boards:
            self.check(board, board.recompute(stale))

    def rebuild(self, board: BoardRuntime) -> None:
        """A board edited in the admin: new tiles filled from the rows, a new router."""
        fresh = boards_of_tiles()[self.boards.index(board)]
        for tile in fresh.tiles:
            self.feed.load(tile)
        fresh.recompute(self.stale)
        self.boards[self.boards.index(board)] = fresh
        self.router = AgentRouter(t for b in self.boards for t in b.tiles)
        for tile in fresh.tiles:  # a display reloads the board on a rebuild
            self.shown[tile.id] = self.expected[tile.id] = tile.value

    def check(self, board: BoardRuntime, update: dict[str, Any]) -> None:
        for tile in board.tiles:
            before, after = self.expected[tile.id], self.reference(tile)
            sent = update.get(tile.id)
            if after == before:
                assert sent is None, f"tile {tile.id} sent an update that changes nothing"
            else:
                assert sent is not None, f"tile {tile.id} changed but sent no update"
                if tile.kind == "agent_grid":
                    assert sent == agent_grid_delta(before, after)
                self.shown[tile.id] = merge(self.shown[tile.id], sent)
            assert self.shown[tile.id] == after, f"a display of tile {tile.id} drifted"
            assert tile.value == after, f"tile {tile.id}'s value drifted"
            assert set(tile.agents) == set(members(tile, self.feed.truth))
            assert tile.counts == Counter(m.agent.state for m in tile.agents.values())
            self.expected[tile.id] = after


@pytest.mark.parametrize("seed", range(8))
def test_random_batches_give_every_display_what_a_whole_recompute_gives(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(agent_grid, "MAX_GRID_AGENTS", 6)  # a window that moves all the time
    rng = random.Random(seed)
    displays = Displays(Feed(rng, {A: 40, B: 15}), boards_of_tiles())
    for step in range(150):
        displays.batch(rng.choice([A, A, B]), batches=rng.choice([1, 1, 1, 2, 3]))
        if step % 37 == 36:
            displays.go_stale(rng.choice([set(), {A}, {B}, {A, B}]))
        if step % 50 == 25:
            displays.rebuild(rng.choice(displays.boards))
    for board in displays.boards:  # a snapshot built afresh from the rows agrees too
        fresh = boards_of_tiles()[displays.boards.index(board)]
        for tile in fresh.tiles:
            displays.feed.load(tile)
        fresh.recompute(displays.stale)
        assert fresh.values() == board.values()


def test_a_full_size_window_follows_hundreds_of_agents_as_a_whole_recompute_does() -> None:
    rng = random.Random(99)
    displays = Displays(Feed(rng, {A: 700, B: 30}), boards_of_tiles())
    assert len(displays.shown["1"]["agents"]) == agent_grid.MAX_GRID_AGENTS
    for _ in range(25):
        displays.batch(rng.choice([A, A, B]))


# ---- particular cases -------------------------------------------------------------------


def agent(agent_id: str, name: str, state: str = AVAILABLE, **more: Any) -> AgentRow:
    return AgentRow(agent_id=agent_id, state=state, name=name, **more)


def changes(*agents: AgentRow, gone: tuple[str, ...] = (), at: float = 100.0) -> Changes:
    c = Changes(at=at)
    for a in agents:
        c.agents[a.agent_id] = a
        c.since[a.agent_id] = at
    c.gone_agents = set(gone)
    return c


def loaded(tile: TileRuntime, *agents: AgentRow) -> tuple[BoardRuntime, AgentRouter]:
    tile.load(A, [], [(a, 50.0) for a in agents])
    board = BoardRuntime(1, {}, [tile], "x")
    board.recompute(set())
    return board, AgentRouter([tile])


def update(board: BoardRuntime, router: AgentRouter, batch: Changes) -> dict[str, Any]:
    return board.recompute(set(), router.apply(A, batch))


def test_an_agent_entering_the_window_pushes_the_last_one_out_and_back_in_on_leaving(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(agent_grid, "MAX_GRID_AGENTS", 3)
    grid = make_tile(1)
    board, router = loaded(grid, *(agent(str(i), n) for i, n in enumerate("BCDE", 1)))
    assert [a["name"] for a in grid.value["agents"]] == ["B", "C", "D"]  # type: ignore[index]
    sent = update(board, router, changes(agent("9", "A")))["1"]
    assert [a["name"] for a in sent["upsert"]] == ["A"] and sent["remove"] == ["1:3"]
    assert sent["total"] == 5
    sent = update(board, router, changes(agent("9", "A", LOGGED_OUT)))["1"]
    assert [a["name"] for a in sent["upsert"]] == ["D"] and sent["remove"] == ["1:9"]
    assert sent["total"] == 4 and sent["counts"] == {"available": 4, "logged_out": 1}


def test_a_renamed_agent_is_resent_in_its_new_place_not_removed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(agent_grid, "MAX_GRID_AGENTS", 3)
    grid = make_tile(1)
    board, router = loaded(grid, *(agent(str(i), n) for i, n in enumerate("BCDE", 1)))
    sent = update(board, router, changes(agent("1", "Cz")))["1"]
    assert [a["name"] for a in sent["upsert"]] == ["Cz"] and sent["remove"] == []
    assert [a["name"] for a in grid.value["agents"]] == ["C", "Cz", "D"]  # type: ignore[index]
    sent = update(board, router, changes(agent("1", "Zed")))["1"]  # out of view
    assert [a["name"] for a in sent["upsert"]] == ["E"] and sent["remove"] == ["1:1"]


def test_a_change_no_display_shows_leaves_the_tile_out_of_the_update(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(agent_grid, "MAX_GRID_AGENTS", 2)
    grid = make_tile(1)
    count = make_tile(2, kind="big_number", kpis=["agents_available"])
    agents = [agent(str(i), n) for i, n in enumerate("ABCD", 1)]
    for tile in (grid, count):
        tile.load(A, [(QueueRow("skill", "1"), {})], [(a, 50.0) for a in agents])
    board = BoardRuntime(1, {}, [grid, count], "x")
    board.recompute(set())
    router = AgentRouter([grid, count])
    # Out of the grid's view, the same state: nothing any tile shows changes.
    touched = router.apply(A, changes(agent("4", "D", reason_code="7")))
    assert count not in touched
    assert board.recompute(set(), touched) == {}
    # The same row again as a new object, in view: still nothing.
    touched = router.apply(A, changes(agent("1", "A"), at=50.0))
    assert board.recompute(set(), touched) == {}


def test_agent_counts_come_from_kept_counts_and_a_multi_skilled_agent_counts_once() -> None:
    both = make_tile(1, kind="big_number", queues="1-2", kpis=[*AGENT_KPIS, "agents_other"])
    one = make_tile(2, kind="queue_kpi", queues="1", kpis=["agents_available", "agents_staffed"])
    queues: list[tuple[QueueRow, dict[str, Any]]] = [
        (QueueRow("skill", "1", agents_staffed=9), {}),
        (QueueRow("skill", "2"), {}),
    ]
    rows = [
        (agent("1", "A", skills=("1", "2")), 50.0),
        (agent("2", "B", NOT_READY, skills=("2",)), 50.0),
        (agent("3", "C", LOGGED_OUT, skills=("1",)), 50.0),
    ]
    for tile in (both, one):
        tile.load(A, queues, rows)
    board = BoardRuntime(1, {}, [both, one], "x")
    board.recompute(set())
    kpis = both.value["kpis"]  # type: ignore[index]
    assert kpis["agents_available"] == {"v": 1, "d": True, "l": None}
    assert kpis["agents_staffed"]["v"] == 2 and kpis["agents_not_ready"]["v"] == 1
    assert kpis["agents_other"]["v"] == 0
    # One queue that sends its own figure: the feed's figure wins; derived where it sends none.
    assert one.value["kpis"]["agents_staffed"] == {"v": 9, "d": False, "l": None}  # type: ignore[index]
    assert one.value["kpis"]["agents_available"] == {"v": 1, "d": True, "l": None}  # type: ignore[index]
    router = AgentRouter([both, one])
    sent = board.recompute(set(), router.apply(A, changes(agent("3", "C", skills=("1",)))))
    assert sent["1"]["kpis"]["agents_available"]["v"] == 2
    assert sent["1"]["kpis"]["agents_staffed"]["v"] == 3
    assert sent["2"]["kpis"]["agents_available"]["v"] == 2


def test_tiles_filled_apart_share_each_agent_once_a_router_takes_them() -> None:
    first, second = make_tile(1), make_tile(2)
    rows = [(agent("1", "A"), 50.0), (agent("2", "B"), 50.0)]
    for tile in (first, second):  # each loaded on its own, as a rebuilt board is
        tile.load(A, [], rows)
        tile.update(set())
    assert first.agents[(A, "1")] is not second.agents[(A, "1")]
    router = AgentRouter([first, second])
    assert first.agents[(A, "1")] is second.agents[(A, "1")]
    board = BoardRuntime(1, {}, [first, second], "x")
    sent = board.recompute(set(), router.apply(A, changes(agent("2", "B", ON_CALL))))
    for tile_id in ("1", "2"):
        assert [(a["id"], a["state"]) for a in sent[tile_id]["upsert"]] == [("2", "on_call")]
        assert sent[tile_id]["remove"] == []


def test_an_agent_changed_and_changed_back_before_a_recompute_sends_nothing() -> None:
    grid = make_tile(1)
    board, router = loaded(grid, agent("1", "A", extension="101"), agent("2", "B"))
    touched = router.apply(A, changes(agent("1", "A", extension="102"), at=50.0))
    touched |= router.apply(A, changes(agent("1", "A", extension="101"), at=50.0))
    assert board.recompute(set(), touched) == {}


def test_an_agent_that_leaves_and_comes_back_before_a_recompute_is_sent_as_it_is_now() -> None:
    grid = make_tile(1, queues="1")
    rows = [agent("1", "A", skills=("1",)), agent("2", "B", skills=("1",))]
    board, router = loaded(grid, *rows)
    touched = router.apply(A, changes(agent("1", "A", skills=("2",))))
    touched |= router.apply(A, changes(agent("1", "A", ON_CALL, skills=("1",)), at=110.0))
    sent = board.recompute(set(), touched)["1"]
    assert [(a["id"], a["state"], a["since"]) for a in sent["upsert"]] == [
        ("1", "on_call", 110_000)
    ]
    assert sent["remove"] == [] and sent["counts"] == {"on_call": 1, "available": 1}
