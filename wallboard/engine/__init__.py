"""The board engine: what each tile shows, computed from the neutral live rows.

Django-free (it imports only integrations.base, wallboard.lib and wallboard.messages): ingest's
publisher runs it on each batch's changes, the web side on the stored rows for a display's
first snapshot (wallboard.boards reads the boards from the database and builds them here).

- kpis: the KPI catalogue (labels, units; what a display gets of it);
- maths: a KPI's value over a tile's queues and agents, and its warning/alarm level;
- kinds: the tile-kind registry, a tile's definition and runtime;
- tiles, agent_grid: the tile runtimes, kept up to date change by change;
- members, router: agents shared among the tiles showing them, each change routed to those;
- board: a board's runtime; records: what the engine consumes;
- names: the names directory (queue, agent and reason names as shown), resolved per row.
"""

from __future__ import annotations

from .board import BoardRuntime
from .kinds import TILE_KINDS, TileKind, kind_of, new_tile, register, tile_definition
from .router import AgentRouter, Staged
from .tiles import TileRuntime

__all__ = [
    "TILE_KINDS",
    "AgentRouter",
    "BoardRuntime",
    "Staged",
    "TileKind",
    "TileRuntime",
    "kind_of",
    "new_tile",
    "register",
    "tile_definition",
]
