"""Publish to the wall displays: changed tiles only, one message per board per batch.

Tile values are computed here once per batch per board and sent to the board's channel-layer
group, never per connection: a thousand displays cost no more than one. What the displays were
sent is also stored, so a display connecting in between gets a snapshot consistent with the
updates that follow: each update's text as sent (BoardUpdate, a few kilobytes), and now and then
the board's whole state (BoardState: every tile's values, tens of kilobytes, and its alarms),
after which the updates before it are deleted. A snapshot is the state with the updates since
applied (wallboard.boards.logged_since).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from channels.layers import get_channel_layer
from django.db import transaction

from wallboard import messages
from wallboard.boards import board_source_ids, load_boards, sources_status, stored_calls
from wallboard.engine import AgentRouter, BoardRuntime, TileRuntime

from .db import DbThread
from .live import Changes

if TYPE_CHECKING:
    from .worker import SourceWorker


class Sources(Protocol):
    """The sources this process runs, as the runner holds them."""

    @property
    def workers(self) -> Mapping[int, SourceWorker]: ...

    @property
    def failed(self) -> Mapping[int, str]: ...  # source id -> why it could not start


log = logging.getLogger(__name__)


# A board's whole state is written again once this many of its updates are logged since the
# last (or sooner: its alarms changed, a write failed): a snapshot applies at most this many.
STATE_EVERY = 20
# A run numbers a board on this far past the last seq written: a run that lost the lead may
# still write a few updates late, and they then fall below this run's state, never applied.
RUN_SEQ_GAP = 1000


def save_states(
    states: list[tuple[int, int, dict[str, Any]]], updates: Sequence[tuple[int, int, str]] = ()
) -> None:
    """Write boards' whole states (board id, seq, tiles), deleting the updates logged up to
    each, and log other boards' updates (board id, seq, text), in one transaction. A state
    older than the one stored (written late by a run that lost the lead) is not written; an
    update already logged fails the write (the publisher then writes the states whole)."""
    from wallboard.models import BoardState, BoardUpdate

    with transaction.atomic():
        for board_id, seq, tiles in states:
            stored = BoardState.objects.filter(board_id=board_id)
            if not stored.filter(seq__lte=seq).update(seq=seq, tiles=tiles):
                if stored.exists():
                    continue  # a later run's state is there
                BoardState.objects.create(board_id=board_id, seq=seq, tiles=tiles)
            BoardUpdate.objects.filter(board_id=board_id, seq__lte=seq).delete()
        if updates:
            BoardUpdate.objects.bulk_create(
                [BoardUpdate(board_id=b, seq=seq, text=text) for b, seq, text in updates]
            )


def load_seqs() -> dict[int, int]:
    """Each board's last seq: its state's, or its last logged update's."""
    from django.db.models import Max

    from wallboard.models import BoardState, BoardUpdate

    seqs = dict(BoardState.objects.values_list("board_id", "seq"))
    logged = BoardUpdate.objects.values("board_id").annotate(last=Max("seq"))
    for board_id, last in logged.values_list("board_id", "last"):
        seqs[board_id] = max(seqs.get(board_id, 0), last)
    return seqs


def load_alarms() -> dict[int, dict[str, Any]]:
    """Each board's alarms as the last run saved them (a restart keeps their "since")."""
    from wallboard.models import BoardState

    return {
        board_id: tiles.get("alarms") or {}
        for board_id, tiles in BoardState.objects.values_list("board_id", "tiles")
        if isinstance(tiles, dict)
    }


def load_acks() -> dict[int, dict[str, float]]:
    """Each board's tiles' last acknowledgement (tile id -> unix seconds)."""
    from wallboard.models import TileAck

    acks: dict[int, dict[str, float]] = {}
    for board_id, tile_id, at in TileAck.objects.values_list(
        "tile__board_id", "tile_id", "acknowledged_at"
    ):
        acks.setdefault(board_id, {})[str(tile_id)] = at.timestamp()
    return acks


def _load_boards() -> list[BoardRuntime]:
    return load_boards()


class BoardPublisher:
    def __init__(
        self,
        db: DbThread | None = None,
        background_db: DbThread | None = None,
        sources: Sources | None = None,
    ) -> None:
        self.db = db or DbThread()
        self.sources = sources
        self.boards: dict[int, BoardRuntime] = {}
        self.layer = get_channel_layer()
        # Every source as its health row says (sources_status): the truth for those this
        # process does not run (another's, disabled, failed to start, its ingest gone).
        self.elsewhere: dict[str, dict[str, Any]] = {}
        self._told: dict[str, tuple[bool, bool]] = {}  # what displays were last told (status)
        # Compute and send one board change at a time, so displays see seq in order.
        self._lock = asyncio.Lock()
        self._unsaved: dict[int, BoardRuntime] = {}  # changed since the last write
        self._unlogged: dict[int, list[tuple[int, str]]] = {}  # their updates (seq, text)
        # Since each board's whole state was last written: the updates logged and its alarms
        # as written. A board in _whole has its whole state written next.
        self._logged: dict[int, int] = {}
        self._saved_alarms: dict[int, dict[str, Any]] = {}
        self._whole: set[int] = set()
        self.router = AgentRouter([])
        self._saver: asyncio.Future[None] | None = None
        self.background_db = background_db or self.db
        self._listener: asyncio.Future[None] | None = None  # staff acknowledgements

    def stale_sources(self) -> set[int]:
        return {int(k) for k, v in self.source_states().items() if v["stale"]}

    def source_states(self) -> dict[str, dict[str, Any]]:
        """Each source's state as a display shows it (the snapshot's `sources`): this
        process's own view of the sources it runs, the database's of the others."""
        states = {k: dict(v) for k, v in self.elsewhere.items()}
        workers = self.sources.workers if self.sources else {}
        for source_id, worker in workers.items():
            last = worker.last_data_at
            states[str(source_id)] = {
                "name": worker.config.display_name,
                "stale": worker.stale,
                "last_data_at": int(last * 1000) if last else None,
                "connected": worker.connected,
                "enabled": True,
                # A feed problem shows even while the source is live (rows not read).
                "problem": (worker.problem or (worker.last_error if worker.stale else ""))[:200],
            }
        for source_id, why in (self.sources.failed if self.sources else {}).items():
            state = states.setdefault(str(source_id), {"name": f"source {source_id}"})
            state.update(stale=True, connected=False, enabled=True, problem=why[:200])
            state.setdefault("last_data_at", None)
        return states

    async def heartbeat(self) -> None:
        """Tell each board's displays that ingest is running, with the state of the sources
        the board shows: a display that stops hearing this says its figures are not live,
        whatever the cause (ingest gone, the channel layer down, a dead link to the server)."""
        await self.holds_ended()
        states = self.source_states()
        at = int(time.time() * 1000)
        # The boards in alarm, on every board's beat: a rotation's display hears of an alarm
        # on a board it is not showing, and jumps to it.
        alarmed = sorted(str(b.definition["slug"]) for b in self.boards.values() if b.in_alarm())
        for board in list(self.boards.values()):
            ids = board_source_ids(board, states)
            await self._send(
                board.group(),
                messages.board_heartbeat(at, {k: states[k] for k in ids}, alarms=alarmed),
            )

    async def holds_ended(self) -> None:
        """Figures that stayed beyond their alarm level for their hold enter alarm now, though
        no batch changed them."""
        async with self._lock:
            now = time.time()
            updates = []
            for board in self.boards.values():
                tiles = board.holds_ended(now)
                changed = board.recompute(self.stale_sources(), tiles) if tiles else {}
                if changed:
                    board.seq += 1
                    updates.append((board, changed))
            await self._publish(updates)

    def listen(self) -> None:
        """Hear a staff user's acknowledgement as it is made (messages.INGEST_GROUP), not only
        at the next reload; close() stops it."""
        if self.layer is not None and self._listener is None:
            self._listener = asyncio.ensure_future(self._listen())

    def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            self._listener = None

    async def _listen(self) -> None:
        assert self.layer is not None
        channel = await self.layer.new_channel()
        while True:
            try:
                # Joined again now and then: a layer forgets a group's members after a day.
                await self.layer.group_add(messages.INGEST_GROUP, channel)
                event = await asyncio.wait_for(self.layer.receive(channel), 3600)
                if event.get("type") == messages.ALARMS_ACK:
                    acks = await self.db(load_acks)
                    async with self._lock:
                        await self._acknowledged(acks)
            except TimeoutError:
                continue
            except Exception as exc:  # the reload reads them all the same
                log.error("cannot take an acknowledgement now: %s", exc)
                await asyncio.sleep(5)

    async def _acknowledged(self, acks: dict[int, dict[str, float]]) -> None:
        """Acknowledgements made since the last reload (a staff user on a display): the
        flashing of those alarms stops on every display of the board."""
        updates = []
        for board_id, board in self.boards.items():
            tiles = board.acknowledge(acks.get(board_id, {}))
            changed = board.recompute(self.stale_sources(), tiles) if tiles else {}
            if changed:
                board.seq += 1
                updates.append((board, changed))
        await self._publish(updates)

    async def refresh(self) -> None:
        """Pick up board edits from the admin; rebuild and resend a board whose layout changed.

        Read before taking the lock: a batch's publish never waits for these queries."""
        self.listen()
        boards = await self.db(_load_boards)
        elsewhere = await self.db(sources_status)
        seqs = await self.db(load_seqs) if not self.boards else {}
        saved_alarms = await self.db(load_alarms) if not self.boards else {}
        acks = await self.db(load_acks)
        async with self._lock:
            self.elsewhere = elsewhere
            await self._refresh(boards, seqs, saved_alarms, acks)
            await self._acknowledged(acks)
            # A source stopped or restarted by an edit, or gone with its ingest: say so now.
            for key, state in self.source_states().items():
                if self._told.get(key) != (state["stale"], state.get("enabled", True)):
                    await self._status(int(key), state)

    async def _refresh(
        self,
        boards: list[BoardRuntime],
        seqs: dict[int, int],
        saved_alarms: dict[int, dict[str, Any]],
        acks: dict[int, dict[str, float]],
    ) -> None:
        fresh = {b.board_id: b for b in boards}
        removed = [b for b in self.boards if b not in fresh]
        for board_id in removed:
            del self.boards[board_id]
            for kept in (self._unlogged, self._logged, self._saved_alarms):
                kept.pop(board_id, None)
        rebuilt = []
        for board_id, board in fresh.items():
            current = self.boards.get(board_id)
            if current is not None and current.fingerprint == board.fingerprint:
                continue
            if current is not None:
                board.seq = current.seq
            else:  # (seqs: read at this run's first reload)
                board.seq = seqs[board_id] + RUN_SEQ_GAP if board_id in seqs else 0
            await self._fill(board)
            # Alarms carry over a rebuild and a restart: their "since" is not reset.
            board.restore_alarms(current.alarm_state() if current else saved_alarms.get(board_id))
            board.acknowledge(acks.get(board_id, {}))
            board.recompute(self.stale_sources())
            board.seq += 1
            self.boards[board_id] = board
            self._unlogged.pop(board_id, None)  # the old layout's: its whole state follows
            rebuilt.append(board)
        if rebuilt or removed:  # new tiles were filled afresh: route agents to them from now
            self.router = AgentRouter(t for b in self.boards.values() for t in b.tiles)
        if rebuilt:
            states = [self._state(b) for b in rebuilt]
            try:
                await self.background_db(save_states, states)
            except Exception as exc:  # written whole with the next write instead
                log.error("cannot save the state of rebuilt boards: %s", exc)
                self._whole |= {b.board_id for b in rebuilt}
                self._unsaved.update((b.board_id, b) for b in rebuilt)
                self._save_soon()
            else:
                self._written(states)
            # Reloaded either way: the next reload finds these boards built, and would not.
            for board in rebuilt:
                await self._send(board.group(), messages.board_reload(board.seq))

    async def _fill(self, board: BoardRuntime) -> None:
        from . import store

        workers = self.sources.workers if self.sources else {}
        wanted = {t.source_id for t in board.tiles if t.spec.uses_feed}
        if not wanted:
            return
        source_ids = set(workers)
        if None in wanted:
            source_ids |= set(await self.db(_all_source_ids))
        else:
            source_ids = {s for s in wanted if s is not None}
        for source_id in source_ids:
            worker = workers.get(source_id)
            if worker is not None:
                live = worker.live
                queues = [(row, live.today.get(key, {})) for key, row in live.queues.items()]
                agents = [(a, live.since.get(i)) for i, a in live.agents.items()]
            else:
                restored_queues, agents = await self.db(store.restore, source_id)
                queues = [(row, today) for row, today, _ in restored_queues]
            for tile in board.tiles:
                tile.load(source_id, queues, agents)
            call_tiles = [t for t in board.tiles if t.spec.calls]
            if call_tiles:
                if worker is not None:  # its open calls and recent abandoned ones
                    ledger = worker.ledger
                    calls = [c.view() for c in ledger.open.values()] + ledger.recent_abandoned
                else:
                    calls = await self.db(stored_calls, source_id)
                for tile in call_tiles:
                    tile.load_calls(source_id, calls)
            day_tiles = [t for t in board.tiles if _shows_days(t, source_id)]
            if worker is not None and day_tiles:
                await worker.want_agent_days()  # kept from the first board that shows them
                everyone = worker.agent_days.everyone(time.time())  # their figures of the day
                for tile in day_tiles:
                    tile.take_day(source_id, everyone)

    def shows_agent_days(self, source_id: int) -> bool:
        """A built board shows the source's agents' figures of the day (a leaderboard)."""
        return any(_shows_days(t, source_id) for b in self.boards.values() for t in b.tiles)

    def _state(self, board: BoardRuntime) -> tuple[int, int, dict[str, Any]]:
        return (
            board.board_id,
            board.seq,
            {
                "fingerprint": board.fingerprint,
                "values": board.values(),
                "alarms": board.alarm_state(),
            },
        )

    async def changed(self, worker: SourceWorker, changes: Changes) -> None:
        async with self._lock:
            await self._changed(worker, changes)

    async def _changed(self, worker: SourceWorker, changes: Changes) -> None:
        source_id = worker.config.id
        stale = self.stale_sources()
        # Each tile takes its agents when its board is worked out, not all before the first.
        staged = self.router.stage(source_id, changes)
        sending: list[asyncio.Future[None]] = []
        for board in self.boards.values():
            touched = []
            for tile in board.tiles:
                queues = tile.apply(source_id, changes)
                if staged.put(tile) or queues:
                    touched.append(tile)
            if touched:
                changed = board.recompute(stale, touched)
                if board.alarms_changed():  # a hold began: saved though no figure changed
                    self._unsaved[board.board_id] = board
                if changed:
                    board.seq += 1
                    # Each board's update leaves as soon as it is worked out: the web
                    # processes hand it to their displays while the next board is worked
                    # out. Its order is kept: the next batch waits for these sends (the lock).
                    sending.append(asyncio.ensure_future(self._send_update(board, changed)))
                    await asyncio.sleep(0)  # let it start
        if sending:
            await asyncio.gather(*sending)
        self._save_soon()

    async def status(self, worker: SourceWorker) -> None:
        async with self._lock:
            await self._status(worker.config.id, self.source_states()[str(worker.config.id)])

    async def _status(self, source_id: int, state: dict[str, Any]) -> None:
        self._told[str(source_id)] = (state["stale"], state.get("enabled", True))
        stale = self.stale_sources()
        updates = []
        for board in self.boards.values():
            involved = [t for t in board.tiles if source_id in t.sources()]
            if not involved:
                continue
            await self._send(
                board.group(),
                messages.board_status(
                    source_id,
                    state["name"],
                    state["stale"],
                    state["last_data_at"],
                    enabled=state.get("enabled", True),
                    problem=state.get("problem", ""),
                ),
            )
            changed = board.recompute(stale, involved)
            if changed:
                board.seq += 1
                updates.append((board, changed))
        await self._publish(updates)

    async def _publish(self, updates: list[tuple[BoardRuntime, dict[str, Any]]]) -> None:
        """Send first (displays are waiting), then have the board states saved behind it."""
        if not updates:
            return
        for board, changed in updates:
            await self._send_update(board, changed)
        self._save_soon()

    async def _send_update(self, board: BoardRuntime, changed: dict[str, Any]) -> None:
        # Encoded once here: consumers pass the text on, so neither the channel layer's copy
        # nor a per-display json.dumps grows with the number of screens.
        event = messages.board_update(board.seq, changed)
        self._unsaved[board.board_id] = board
        self._unlogged.setdefault(board.board_id, []).append((board.seq, event["text"]))
        await self._send(board.group(), event)

    def _save_soon(self) -> None:
        """Have the boards changed since the last save saved, behind the sends."""
        if self._unsaved and (self._saver is None or self._saver.done()):
            self._saver = asyncio.ensure_future(self._save_states())

    async def _save_states(self) -> None:
        """Write what every board changed since the last write was sent (coalesced): its
        updates, or its whole state when one is due (see STATE_EVERY)."""
        while self._unsaved:
            boards, self._unsaved = self._unsaved, {}
            sent, self._unlogged = self._unlogged, {}
            states, updates = [], []
            for board_id, board in boards.items():
                if self.boards.get(board_id) is not board:
                    continue  # rebuilt since, its whole state written then; or removed
                pending = sent.get(board_id, [])
                if (
                    not pending
                    or board_id in self._whole
                    or self._logged.get(board_id, 0) + len(pending) > STATE_EVERY
                    or board.alarm_state() != self._saved_alarms.get(board_id)
                ):
                    states.append(self._state(board))
                else:
                    updates += [(board_id, seq, text) for seq, text in pending]
            try:
                await self.background_db(save_states, states, updates)
            except Exception as exc:  # a display's snapshot is older until the next write
                log.error("cannot save board states: %s", exc)
                # Kept for the next write, whole: the updates are not held meanwhile.
                self._unsaved = {**boards, **self._unsaved}
                self._whole |= boards.keys()
                return
            self._written(states)
            for board_id, _, _ in updates:
                self._logged[board_id] = self._logged.get(board_id, 0) + 1

    def _written(self, states: list[tuple[int, int, dict[str, Any]]]) -> None:
        """Boards' whole states were written: count their updates from there."""
        for board_id, _, tiles in states:
            self._logged[board_id] = 0
            self._saved_alarms[board_id] = tiles["alarms"]
            self._whole.discard(board_id)

    async def flush(self) -> None:
        """Ingest stops: the board states not yet saved are saved now, so that a display
        connecting later gets the figures it last saw, not the batch before them."""
        async with self._lock:  # a publish under way goes out first
            saver = self._saver
        if saver is not None and not saver.done():
            await asyncio.wait([saver])
        if self._unsaved:
            await self._save_states()

    async def _send(self, group: str, message: dict[str, Any]) -> None:
        if self.layer is None:
            return
        try:
            await self.layer.group_send(group, message)
        except Exception as exc:  # a channel layer outage must not stop ingest
            log.error("cannot publish to %s: %s", group, exc)


def _all_source_ids() -> list[int]:
    from wallboard.models import Source

    return list(Source.objects.values_list("id", flat=True))


def _shows_days(tile: TileRuntime, source_id: int) -> bool:
    """The tile shows the source's agents' figures of the day (a leaderboard of it, or of
    every source)."""
    return tile.spec.agent_days and tile.source_id in (None, source_id)
