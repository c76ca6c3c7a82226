"""The boards as the database holds them, built into the engine's runtimes (wallboard.engine),
and a display's first message (the snapshot) when ingest has published none yet."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wallboard import messages
from wallboard.engine import BoardRuntime, kind_of, new_tile, tile_definition
from wallboard.engine.agent_grid import merge_delta
from wallboard.engine.board import fingerprint
from wallboard.engine.kpis import display_catalogue
from wallboard.engine.maths import Threshold
from wallboard.engine.names import Names
from wallboard.engine.records import LiveCall
from wallboard.engine.service import ServiceLevels
from wallboard.lib.ranges import IdRange

if TYPE_CHECKING:
    from wallboard.models import Board, TickerMessage
    from wallboard.models import Threshold as ThresholdModel


def build_board(board: Board, levels: ServiceLevels | None = None) -> BoardRuntime:
    """The runtime of a Board model instance (tiles, thresholds, ticker messages loaded);
    `levels`: the service-level settings (read here when not given)."""
    from django.conf import settings

    if levels is None:
        from wallboard.models.service import service_levels

        levels = service_levels()
    visible_digits = int(settings.CALLER_NUMBER_VISIBLE_DIGITS)
    tiles = []
    defs = []
    for tile in board.tiles.all():
        kind = kind_of(tile.kind)
        thresholds: dict[str, Threshold] = {
            t.kpi: alarm_threshold(board, t) for t in tile.thresholds.all()
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
            visible_digits=visible_digits,
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


def alarm_threshold(board: Board, t: ThresholdModel) -> Threshold:
    """A threshold as the engine judges it: levels, clear level, hold, and its sound (the
    board's where the threshold leaves it blank)."""
    return {
        "direction": t.direction,
        "warning": t.warning,
        "alarm": t.alarm,
        "clear": t.clear,
        "hold": float(t.hold_seconds),
        "sound": t.sound or board.alarm_sound,
        "repeat": t.repeat_seconds or board.alarm_repeat_seconds,
    }


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


def stored_calls(source_id: int, window: float = 3600.0) -> list[LiveCall]:
    """A source's open calls and its calls ended in the last `window` seconds, as the call
    tiles take them, from the Call table (ingest's call ledger writes it)."""
    from django.db.models import Q

    from wallboard.models import Call

    since = datetime.fromtimestamp(datetime.now(UTC).timestamp() - window, UTC)
    rows = Call.objects.filter(source_id=source_id).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=since)
    )
    calls = []
    for c in rows.order_by("offered_at")[:5000]:
        waiting = c.state in ("queued", "ringing") and c.answered_at is None
        calls.append(
            LiveCall(
                call_id=c.call_id,
                state=c.state,
                queue_kind=c.queue_kind or ("vdn" if c.vdn and not c.queue_number else ""),
                queue_number=c.queue_number or c.vdn,
                vdn=c.vdn,
                calling=c.calling,
                agent_id=c.agent_id,
                offered_at=c.offered_at.timestamp(),
                waiting_since=(c.queued_at or c.offered_at).timestamp(),
                answered_at=c.answered_at.timestamp() if c.answered_at else None,
                ended_at=c.ended_at.timestamp() if c.ended_at else None,
                outcome=c.outcome,
                waiting=waiting and c.ended_at is None,
            )
        )
    return calls


def _tile_acks(board_id: int) -> dict[str, float]:
    from wallboard.models import TileAck

    return {
        str(tile_id): at.timestamp()
        for tile_id, at in TileAck.objects.filter(tile__board_id=board_id).values_list(
            "tile_id", "acknowledged_at"
        )
    }


def board_source_ids(runtime: BoardRuntime, known: Iterable[str]) -> list[str]:
    """The sources a board shows (a tile of every source shows them all), as status keys."""
    wanted = {t.source_id for t in runtime.tiles if t.spec.uses_feed}
    if None in wanted:
        return sorted(known, key=int)
    return sorted((str(s) for s in wanted if s is not None), key=int)


def apply_update(values: dict[str, Any], tiles: dict[str, Any]) -> dict[str, Any] | None:
    """A board's tile values with an update's tiles applied, as a display applies them (see
    static/wallboard/board/messages.js); None where a display would ask for the whole board
    again (a delta with nothing to apply it to)."""
    values = dict(values)
    for tile_id, incoming in tiles.items():
        value = merge_delta(values.get(tile_id), incoming) if _is_delta(incoming) else incoming
        if value is None:
            return None
        values[tile_id] = value
    return values


def _is_delta(value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("delta"))


def logged_since(board_id: int, values: dict[str, Any], seq: int) -> tuple[dict[str, Any], int]:
    """A board's values and seq as its displays have them now: its saved state's (`values` at
    `seq`) with the updates logged since (BoardUpdate) applied in turn, up to the first one
    missing or not applicable (a display then asks again, and a later state puts it right)."""
    from wallboard.models import BoardUpdate

    logged = BoardUpdate.objects.filter(board_id=board_id, seq__gt=seq).order_by("seq")
    for next_seq, text in logged.values_list("seq", "text").iterator():
        if next_seq != seq + 1:
            break
        applied = apply_update(values, json.loads(text).get("tiles") or {})
        if applied is None:
            break
        values, seq = applied, next_seq
    return values, seq


def _state_seq(board_id: int) -> int | None:
    from wallboard.models import BoardState

    return BoardState.objects.filter(board_id=board_id).values_list("seq", flat=True).first()


def _last_seq(board_id: int, state_seq: int) -> int:
    from django.db.models import Max

    from wallboard.models import BoardUpdate

    logged = BoardUpdate.objects.filter(board_id=board_id).aggregate(last=Max("seq"))["last"]
    return max(state_seq, logged or 0)


def board_snapshot(board: Board) -> dict[str, Any]:
    """A display's first message: the layout, every tile's value, the sources' status, the KPI
    catalogue (labels and units) and the version of the display's page the server serves
    (see wallboard.displayversion).

    Values come from what ingest last published (its last saved BoardState with the updates
    logged since applied) when it matches the current layout; otherwise they are computed
    here from the database rows.
    """
    from wallboard.alarms import muted_until, priority_items
    from wallboard.displayversion import display_version
    from wallboard.models import Board, BoardState
    from wallboard.models.live import stored_live_rows
    from wallboard.models.names import directory

    board = Board.objects.prefetch_related("tiles__thresholds").get(pk=board.pk)
    runtime = with_names(build_board(board), directory())
    state = BoardState.objects.filter(board_id=board.pk).first()
    everyone = sources_status()
    status = {k: everyone[k] for k in board_source_ids(runtime, everyone) if k in everyone}
    published = None
    for _ in range(3):
        if state is None or state.tiles.get("fingerprint") != runtime.fingerprint:
            break
        values, seq = logged_since(board.pk, state.tiles.get("values", {}), state.seq)
        # A whole state written between the two reads deletes the updates before it, and the
        # log would seem to end at the state read: read again.
        if _state_seq(board.pk) == state.seq:
            published = values, seq
            break
        state = BoardState.objects.filter(board_id=board.pk).first()
    if published is not None:
        values, seq = published
    else:
        stale = {int(k) for k, v in everyone.items() if v["stale"]}
        wanted = {t.source_id for t in runtime.tiles if t.spec.uses_feed}
        source_ids = [int(k) for k in everyone] if None in wanted else [s for s in wanted if s]
        for source_id in source_ids:
            queues, agents = stored_live_rows(source_id)
            queue_rows = [(row, today) for row, today, _ in queues]
            for tile in runtime.tiles:
                tile.load(source_id, queue_rows, agents)
            call_tiles = [t for t in runtime.tiles if t.spec.calls]
            if call_tiles:
                calls = stored_calls(source_id)
                for tile in call_tiles:
                    tile.load_calls(source_id, calls)
        # Alarms judged as ingest judges them: from its saved book and the acknowledgements.
        runtime.restore_alarms(state.tiles.get("alarms") if state else None)
        runtime.acknowledge(_tile_acks(board.pk))
        runtime.recompute(stale)
        # Numbered as ingest's last update, so that the next follows it in sequence.
        values, seq = runtime.values(), _last_seq(board.pk, state.seq if state else 0)
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
        # Alarms on the wall (wallboard.alarms): the board's mute, and the priority messages
        # for its screens (a display keeps those for its board or its rotation).
        "muted_until": muted_until(board.pk),
        "priority": priority_items(board.pk),
        "server_time": int(datetime.now(UTC).timestamp() * 1000),
        "version": display_version(),
    }
