"""Changed agents reach exactly the tiles that show them, and leave the ones that no longer do."""

from __future__ import annotations

from ingest.live import Changes
from integrations.base import AgentRow
from wallboard.engine import AgentRouter, TileRuntime, new_tile
from wallboard.lib.ranges import IdRange


def tile(tile_id: int, queues: str = "", agents: str = "", source: int | None = 1) -> TileRuntime:
    return new_tile(
        {"id": tile_id, "kind": "agent_grid", "kpis": []},
        source,
        "",
        IdRange(queues),
        IdRange(agents),
        {},
    )


def changes(*agents: AgentRow, gone: tuple[str, ...] = ()) -> Changes:
    c = Changes(at=100.0)
    for a in agents:
        c.agents[a.agent_id] = a
        c.since[a.agent_id] = 90.0
    c.gone_agents = set(gone)
    return c


def agent(agent_id: str, *skills: str) -> AgentRow:
    return AgentRow(agent_id=agent_id, state="available", skills=tuple(skills))


def test_an_agent_goes_only_to_the_tiles_of_its_skills_and_ids() -> None:
    sales, support, team = tile(1, queues="1"), tile(2, queues="2"), tile(3, agents="5000-5099")
    router = AgentRouter([sales, support, team])
    touched = router.apply(1, changes(agent("5001", "1"), agent("6001", "2")))
    assert touched == {sales, support, team}
    assert set(sales.agents) == {(1, "5001")} and set(support.agents) == {(1, "6001")}
    assert set(team.agents) == {(1, "5001")}


def test_an_agent_whose_skills_change_moves_between_tiles() -> None:
    sales, support = tile(1, queues="1"), tile(2, queues="2")
    router = AgentRouter([sales, support])
    router.apply(1, changes(agent("5001", "1")))
    touched = router.apply(1, changes(agent("5001", "2")))
    assert touched == {sales, support}
    assert not sales.agents and set(support.agents) == {(1, "5001")}


def test_a_departed_agent_leaves_its_tiles_even_after_a_rebuild() -> None:
    sales = tile(1, queues="1")
    AgentRouter([sales]).apply(1, changes(agent("5001", "1")))
    rebuilt = AgentRouter([sales])  # the boards were reloaded: nothing placed yet
    assert rebuilt.apply(1, changes(gone=("5001",))) == {sales}
    assert not sales.agents


def test_another_sources_agents_do_not_reach_a_tile_bound_to_one_source() -> None:
    bound = tile(1, source=7)
    assert AgentRouter([bound]).apply(1, changes(agent("5001", "1"))) == set()
    assert not bound.agents


def test_an_agent_back_in_the_report_with_other_skills_joins_the_tiles_of_those() -> None:
    sales, support = tile(1, queues="1"), tile(2, queues="2")
    router = AgentRouter([sales, support])
    router.apply(1, changes(agent("5001", "1")))
    assert router.apply(1, changes(gone=("5001",))) == {sales}
    assert router.apply(1, changes(gone=("5001",))) == set()  # gone already
    assert router.apply(1, changes(agent("5001", "2"))) == {support}
    assert not sales.agents and set(support.agents) == {(1, "5001")}


def test_tiles_filled_before_the_router_share_one_member_per_agent() -> None:
    grid, count = tile(1), tile(2, agents="5000-5999")
    rows = [(agent("5001", "1"), 90.0), (agent("6001", "1"), 90.0)]
    for t in (grid, count):
        t.load(1, [], rows)
    AgentRouter([grid, count])
    assert grid.agents[(1, "5001")] is count.agents[(1, "5001")]
    assert set(grid.agents) == {(1, "5001"), (1, "6001")}


def test_a_staged_batch_reaches_each_tile_only_when_it_takes_its_share() -> None:
    sales, support = tile(1, queues="1"), tile(2, queues="1")
    router = AgentRouter([sales, support])
    staged = router.stage(1, changes(agent("5001", "1"), agent("5002", "1")))
    assert not sales.agents and not support.agents  # worked out, not yet taken
    assert staged.put(sales) is True
    assert set(sales.agents) == {(1, "5001"), (1, "5002")} and not support.agents
    assert staged.put(support) is True and set(support.agents) == set(sales.agents)
    assert staged.waiting == {}  # every share taken, once
    again = router.stage(1, changes(agent("5001", "1"), gone=("5002",)))
    assert set(sales.agents) == {(1, "5001")}  # a departure applies at once
    assert again.put(sales) is True  # dropped 5002 now, and took 5001's new row
