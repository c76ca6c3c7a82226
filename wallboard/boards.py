"""The boards as the database holds them, built into the engine's runtimes (wallboard.engine),
and a display's first message (the snapshot) when ingest has published none yet."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wallboard import messages
from wallboard.engine import BoardRuntime, kind_of, new_tile, tile_definition
from wallboard.engine.board import fingerprint
from wallboard.engine.kpis import display_catalogue
from wallboard.engine.maths import Threshold
from wallboard.engine.names import Names
from wallboard.engine.service import ServiceLevels
from wallboard.lib.ranges import IdRange

if TYPE_CHECKING:
    from wallboard.models import Board, TickerMessage


def build_board(board: Board, levels: ServiceLevels | None = None) -> BoardRuntime:
    """The runtime of a Board model instance (tiles, thresholds, ticker messages loaded);
    `levels`: the service-level settings (read here when not given)."""
    if levels is None:
        from wallboard.models.service import service_levels

        levels = service_levels()
    tiles = []
    defs = []
    for tile in board.tiles.all():
        kind = kind_of(tile.kind)
        thresholds: dict[str, Threshold] = {
            t.kpi: {"direction": t.direction, "warning": t.warning, "alarm": t.alarm}
            for t in tile.thresholds.all()
        }
        ticker = None
        if kind.messages:
            ticker = [
                {
                    "text": m.text,
                    "start": int(m.starts_at.timestamp() * 1000) if m.starts_at else None,
                    "end": int(m.ends_at.timestamp() * 1000) if m.ends_at else None,
                }
                for m in _messages(board)
            ]
        definition = tile_definition(
            kind,
            tile_id=tile.pk,
            title=tile.title,
            width=tile.width,
            height=tile.height,
            kpis=tile.kpi_list(),
            thresholds=thresholds,
            compact=tile.compact,
            messages=ticker,
        )
        defs.append(definition)
        tiles.append(
            new_tile(
                definition,
                source_id=tile.source_id,
                queue_kind=tile.queue_kind,
                queue_range=IdRange(tile.queue_range),
                agent_range=IdRange(tile.agent_range),
                thresholds=thresholds,
                levels=levels,
            )
        )
    definition = {
        "id": board.pk,
        "title": board.title,
        "slug": board.slug,
        "theme": board.theme,
        "palette": board.palette,
        "columns": board.columns,
        "tiles": defs,
    }
    return BoardRuntime.build(board.pk, definition, tiles)


def _messages(board: Board) -> list[TickerMessage]:
    from django.db.models import Q

    from wallboard.models import TickerMessage

    return list(TickerMessage.objects.filter(Q(board=board) | Q(board__isnull=True)))


def with_names(runtime: BoardRuntime, names: Names) -> BoardRuntime:
    """A board's tiles showing the names directory's names (queues, agents, reasons); a
    queue tile with no title of its own is titled by its queues' names (`auto_title`)."""
    for tile in runtime.tiles:
        tile.names = names
    for definition in runtime.definition["tiles"]:
        kind = kind_of(str(definition["kind"]))
        if kind.queues and definition.get("title") == kind.label:
            definition["auto_title"] = True
    runtime.fingerprint = fingerprint(runtime.definition, runtime.tiles)
    return runtime


def load_boards() -> list[BoardRuntime]:
    """Every board's runtime, with the names directory as it is now (read once for all)."""
    from wallboard.models.names import directory

    names = directory()
    return [with_names(b, names) for b in _load_boards()]


def _load_boards() -> list[BoardRuntime]:
    from wallboard.models import Board
    from wallboard.models.service import service_levels

    boards = Board.objects.prefetch_related("tiles__thresholds")
    levels = service_levels()
    return [build_board(b, levels) for b in boards]


def ingest_silent_after() -> float:
    """Seconds after which a source's health row, not rewritten by ingest since, no longer
    counts: runingest writes every source's health each reload (INGEST_RELOAD_SECONDS), so a
    row older than two reloads and a margin means the process that ran it is gone."""
    from django.conf import settings

    return 2 * float(settings.INGEST_RELOAD_SECONDS) + 2.0


def sources_status() -> dict[str, dict[str, Any]]:
    """Each source's state as its health row says, for a display's snapshot and for an
    ingest process about the sources it does not run. A source is live only if it is enabled,
    its health says so, and ingest wrote that recently (a killed runingest writes nothing)."""
    from wallboard.models import Source

    now = datetime.now(UTC).timestamp()
    silent_after = ingest_silent_after()
    status = {}
    for s in Source.objects.select_related("health"):
        health = getattr(s, "health", None)
        last = health.last_data_at if health else None
        beat = health.heartbeat_at if health else None
        running = beat is not None and now - beat.timestamp() <= silent_after
        problem = ""
        if not s.enabled:
            problem = "disabled"
        elif not running:
            problem = "ingest is not running this source"
        elif health is not None and (health.diagnostics or {}).get("problem"):
            problem = str(health.diagnostics["problem"])[:200]  # rows not read, even if live
        elif health is not None and health.stale and health.last_error:
            problem = health.last_error[:200]
        status[str(s.pk)] = {
            "name": s.shown_name,
            "stale": not (s.enabled and running and health is not None and not health.stale),
            "last_data_at": int(last.timestamp() * 1000) if last else None,
            "connected": bool(running and health and health.connected),
            "enabled": s.enabled,
            "problem": problem,
        }
    return status


def board_source_ids(runtime: BoardRuntime, known: Iterable[str]) -> list[str]:
    """The sources a board shows (a tile of every source shows them all), as status keys."""
    wanted = {t.source_id for t in runtime.tiles if t.spec.uses_feed}
    if None in wanted:
        return sorted(known, key=int)
    return sorted((str(s) for s in wanted if s is not None), key=int)


def board_snapshot(board: Board) -> dict[str, Any]:
    """A display's first message: the layout, every tile's value, the sources' status, the KPI
    catalogue (labels and units) and the version of the display's page the server serves
    (see wallboard.displayversion).

    Values come from what ingest last published (BoardState) when it matches the current
    layout; otherwise they are computed here from the database rows.
    """
    from wallboard.displayversion import display_version
    from wallboard.models import Board, BoardState
    from wallboard.models.live import stored_live_rows
    from wallboard.models.names import directory

    board = Board.objects.prefetch_related("tiles__thresholds").get(pk=board.pk)
    runtime = with_names(build_board(board), directory())
    state = BoardState.objects.filter(board_id=board.pk).first()
    everyone = sources_status()
    status = {k: everyone[k] for k in board_source_ids(runtime, everyone) if k in everyone}
    if state and state.tiles.get("fingerprint") == runtime.fingerprint:
        values, seq = state.tiles.get("values", {}), state.seq
    else:
        stale = {int(k) for k, v in everyone.items() if v["stale"]}
        wanted = {t.source_id for t in runtime.tiles if t.spec.uses_feed}
        source_ids = [int(k) for k in everyone] if None in wanted else [s for s in wanted if s]
        for source_id in source_ids:
            queues, agents = stored_live_rows(source_id)
            queue_rows = [(row, today) for row, today, _ in queues]
            for tile in runtime.tiles:
                tile.load(source_id, queue_rows, agents)
        runtime.recompute(stale)
        values, seq = runtime.values(), state.seq if state else 0
    return {
        "type": messages.SNAPSHOT,
        "seq": seq,
        "board": runtime.definition,
        "values": values,
        "sources": status,
        "heartbeat": {
            "every": messages.HEARTBEAT_SECONDS,
            "silent_after": messages.SILENT_AFTER_SECONDS,
        },
        "catalogue": display_catalogue(),
        "server_time": int(datetime.now(UTC).timestamp() * 1000),
        "version": display_version(),
    }
