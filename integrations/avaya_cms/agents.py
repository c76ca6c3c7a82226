"""The agent_tv report: a site-configurable column map and state-word map to AgentRows.

Avaya does not publish the agent report's columns and sites rename state words in the CMS
Dictionary, so both are per-source options. A modified report lists an agent once per split;
rows of one LOGID within a report run are merged into one AgentRow (first row's state wins).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import replace
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol

from integrations.base import AGENT_STATES, OVERFLOW, UNKNOWN, AgentRow, Batch

from .decoder import MAX_LINE
from .values import seconds

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

    from . import _speedups

# None where the C speed-up is not built (tests set Heads to None for the pure-Python path).
Heads: type[_speedups.Heads] | None
RowParser: type[_speedups.RowParser] | None
changes: (
    Callable[
        [
            dict[str, AgentRow],
            ReadableBuffer,
            int,
            list[str | None],
            dict[str, list[int]],
            dict[str, AgentRow],
            Callable[[str, AgentRow | None, list[int]], AgentRow],
        ],
        tuple[list[AgentRow], set[str]],
    ]
    | None
)
try:  # the optional C speed-up of the row matching and parse (built by pip install with a compiler)
    from ._speedups import MAX_WIDTH, Heads, RowParser, changes
except ImportError:  # the pure-Python path below does the same, slower
    Heads = RowParser = changes = None
    MAX_WIDTH = 0

ErrorSink = Callable[[str, str], None]

DEFAULT_COLUMNS: tuple[str, ...] = (
    "LOGID",
    "NAME",
    "EXTN",
    "STATE",
    "DIRECTION",
    "SPLIT",
    "AUXREASON",
    "TIME_IN_STATE",
)
REQUIRED_COLUMNS = ("LOGID", "STATE")
# Columns with a place in AgentRow; any other column (DIRECTION included) goes to extra.
_FIELDS = ("LOGID", "STATE", "NAME", "EXTN", "SPLIT", "AUXREASON", "TIME_IN_STATE")

_WORDS = {
    "AVAIL": "available",
    "ACD": "on_call",
    "ACW": "wrap_up",
    "AUX": "not_ready",
    "DACD": "on_call",
    "DACW": "wrap_up",
    "RINGING": "ringing",
    "RING": "ringing",
    "OTHER": "other",
    "UNKNOWN": "unknown",
    "UNSTAFF": "logged_out",
}
# Numeric work modes, each listed so a site can edit a single code.
_CODES = {
    "10": "logged_out",
    "20": "available",
    "30": "on_call",
    "31": "on_call",
    "32": "on_call",
    "40": "wrap_up",
    "41": "wrap_up",
    "42": "wrap_up",
    "50": "not_ready",
    "51": "not_ready",
    "52": "not_ready",
    **{str(code): "on_call" for code in range(60, 70)},
    **{str(code): "wrap_up" for code in range(70, 80)},
    "80": "ringing",
}
DEFAULT_STATE_MAP: dict[str, str] = {**_WORDS, **_CODES}

# Distinct TIME_IN_STATE texts are few (one per second of the last hours), and state words fewer:
# parse each once.
_CACHE_LIMIT = 20_000
_STEP_ROWS = 2_000  # new rows numbered per step of idle_steps()
_MISSING = object()

# A row's time in state as the matching reads it (see _time_code): seconds (>= 0), or one of
BLANK, STARS, NO_TIME = -1, -2, -3  # blank, a field of asterisks, not a time it reads
_SPACE = " \t\r\n\v\f"


def _time_code(text: str) -> int:
    """TIME_IN_STATE as seconds, BLANK or STARS, for the texts CMS writes (`:18`, `1:42`,
    `1:02:03`, a bare number; ASCII digits only); NO_TIME for anything else. Where it gives
    seconds they are what values.seconds() reads; a text it does not take only costs a parse.
    The C speed-up's `time_code` follows the same rules, byte for byte."""
    t = text.strip(_SPACE)
    if not t:
        return BLANK
    if t[0] == "*":
        return STARS if t.count("*") == len(t) else NO_TIME
    if not t.isascii():
        return NO_TIME
    rest, colon, secs = t.rpartition(":")
    if not colon:
        return int(t) if t.isdigit() and len(t) <= 9 else NO_TIME
    if len(secs) != 2 or not secs.isdigit():
        return NO_TIME
    total = int(secs)
    if rest:
        hours, colon, minutes = rest.rpartition(":")
        if not minutes.isdigit() or len(minutes) > 9:
            return NO_TIME
        total += int(minutes) * 60
        if hours:
            if not hours.isdigit() or len(hours) > 9:
                return NO_TIME
            total += int(hours) * 3600
    return total


def _split_time(line: str) -> tuple[str, str] | None:
    """A row's head (the row without its TIME_IN_STATE, the last field; a line's CR and a
    trailing `|` are no field) and that time's text; None for a line without a `|`."""
    if line[-1:] == "\r":
        line = line[:-1]
    if line[-1:] == "|":
        line = line[:-1]
    head, bar, text = line.rpartition("|")
    return (head, text) if bar else None


def _same_stint(old: int, new: int, step: int) -> bool:
    """Whether a row's time in state that read `old` a run before, the usual `step` seconds
    ago, and reads `new` now is surely the same stint: on by exactly the step, or blank, or
    asterisks, both times. Anything else (a new stint, or a run early or late) is parsed, and
    ingest's diff decides, as it would from a full parse."""
    if old >= 0 and new >= 0:
        return new - old == step
    return old == new and old != NO_TIME


class HeadTable(Protocol):
    """The last run's rows, keyed by their heads: `Heads` (the C speed-up) or `PyHeads`."""

    def __len__(self) -> int: ...
    def match(
        self, lines: list[str], start: int, seen: WriteableBuffer, step: int, /
    ) -> tuple[list[int], list[int]]: ...
    def add(self, line: str, slot: int, /) -> bool: ...
    def remove(self, slot: int, /) -> None: ...
    def clear(self) -> None: ...
    def time(self, slot: int, /) -> int: ...


class PyHeads:
    """Each distinct row head of the report (see _split_time) numbered by a slot that keeps its
    number while the row stays in the report, with the time in state it read last run. The
    pure-Python path, and the reference the C speed-up (`_speedups.Heads`) is tested against."""

    def __init__(self) -> None:
        self._slot_of: dict[str, int] = {}
        self._heads: dict[int, str] = {}
        self._times: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._slot_of)

    def match(
        self, lines: list[str], start: int, seen: WriteableBuffer, step: int, /
    ) -> tuple[list[int], list[int]]:
        """The rows of lines[start:] whose head is a slot's and whose time moved on as
        _same_stint says are found: seen[slot] = 1, nothing else to do. The others are
        returned: their indexes, and each one's slot (its head's; -1 for a head of no slot).
        A slot's time becomes its row's, found or not."""
        marks = memoryview(seen).cast("B")
        unmatched: list[int] = []
        slots: list[int] = []
        slot_of, times = self._slot_of, self._times
        for i in range(start, len(lines)):
            split = _split_time(lines[i])
            slot = -1 if split is None else slot_of.get(split[0], -1)
            if slot >= 0:
                assert split is not None
                new = _time_code(split[1])
                old, times[slot] = times[slot], new
                if _same_stint(old, new, step):
                    marks[slot] = 1
                    continue
            unmatched.append(i)
            slots.append(slot)
        return unmatched, slots

    def add(self, line: str, slot: int, /) -> bool:
        """The head of `line` as slot `slot` (free), with its time; False (nothing done) if the
        head has a slot already or the line has no `|`."""
        split = _split_time(line)
        if split is None or split[0] in self._slot_of:
            return False
        if slot in self._heads:
            raise ValueError(f"slot {slot} is taken")
        self._slot_of[split[0]] = slot
        self._heads[slot] = split[0]
        self._times[slot] = _time_code(split[1])
        return True

    def time(self, slot: int, /) -> int:
        """The time code the slot's row read last (see _time_code)."""
        return self._times[slot]

    def remove(self, slot: int, /) -> None:
        del self._slot_of[self._heads.pop(slot)]
        del self._times[slot]

    def clear(self) -> None:
        self._slot_of.clear()
        self._heads.clear()
        self._times.clear()


def validate(options: dict[str, Any]) -> list[str]:
    problems = [f"unknown option {key!r}" for key in options if key not in ("columns", "state_map")]
    columns = options.get("columns", DEFAULT_COLUMNS)
    if not isinstance(columns, list | tuple) or not all(
        isinstance(c, str) and c.strip() for c in columns
    ):
        problems.append("columns must be a list of non-empty column names")
    else:
        names = [c.strip().upper() for c in columns]
        problems += [f"columns must include {req}" for req in REQUIRED_COLUMNS if req not in names]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            problems.append(f"columns repeat {', '.join(dupes)}")
    state_map = options.get("state_map", {})
    if not isinstance(state_map, dict):
        problems.append("state_map must be an object of state word or code -> neutral state")
        return problems
    seen: dict[str, str] = {}
    for word, state in state_map.items():
        if not isinstance(word, str) or not word.strip():
            problems.append(f"state_map has an empty or non-text key {word!r}")
        elif state not in AGENT_STATES:
            problems.append(
                f"state_map[{word!r}] is {state!r}, not a neutral state ({', '.join(AGENT_STATES)})"
            )
        elif seen.setdefault(word.strip().upper(), state) != state:
            problems.append(f"state_map maps {word.strip().upper()!r} to two states")
    return problems


class _Run:
    """A report run as far as it has arrived: its rows taken so far, and what they showed."""

    __slots__ = ("bad", "fresh", "held", "lines", "none", "parsed", "seen", "taken")

    def __init__(self, lines: list[str], seen: bytearray) -> None:
        self.lines = lines  # the decoder's list of the run's rows; it grows as they arrive
        self.taken = 0  # rows looked at
        self.none = len(seen)  # the slots there were when the run began
        self.seen = seen  # per slot: its row is here again (a free slot starts at 1)
        self.parsed: dict[str, AgentRow] = {}  # agents of the rows not found
        self.fresh: list[tuple[str, tuple[str, tuple[str, ...]]]] = []  # rows of no slot, info
        self.bad = 0
        self.held: list[tuple[str, str]] = []  # errors in the rows taken before the run ended

    def hold(self, reason: str, line: str) -> None:
        self.held.append((reason, line))


class AgentReport:
    """Parses agent_tv rows for one source's column and state maps (validated beforehand)."""

    def __init__(
        self,
        columns: list[str] | tuple[str, ...],
        state_map: dict[str, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock  # the decoder's (see Decoder.clock)
        names = [c.strip().upper() for c in columns]
        self.width = len(names) + 1  # the F1 tag is field 0
        # A configured column the report lacks reads an always-blank field appended at `width`.
        index = {name: i + 1 for i, name in enumerate(names)}
        self._pad = any(name not in index for name in _FIELDS)
        at = tuple(index.get(name, self.width) for name in _FIELDS)
        self._get = itemgetter(*at)
        self._extra = [(i + 1, n.lower()) for i, n in enumerate(names) if n not in _FIELDS]
        self._name = index.get("NAME")
        self._states = {**DEFAULT_STATE_MAP, **state_map}
        self._states = {w.strip().upper(): s for w, s in self._states.items()}
        self._times: dict[str, Any] = {}
        self._words: dict[str, tuple[str, str]] = {}
        self._splits: dict[str, tuple[str, ...]] = {}
        # With one column for extra (DIRECTION, by default): its value -> the extra dict that
        # every row with that value shares (30,000 rows hold a few distinct ones).
        self._ones: dict[str | None, dict[str, Any]] = {}
        # Between two runs most rows differ only in TIME_IN_STATE. When that is the last
        # column, a row is keyed by its head (the row without it): a row whose head was in
        # the last run and whose time moved on by the gap between runs is the same stint of
        # the same agent and is not parsed (see _finish). The heads are numbered by slots.
        self._reuse = bool(names) and names[-1] == "TIME_IN_STATE"
        self._heads: HeadTable | None = None
        self._parser: _speedups.RowParser | None = None  # the C parse of the changed rows
        self._changes_c = None
        if self._reuse:
            self._heads = Heads() if Heads is not None else PyHeads()
            if Heads is not None:
                self._changes_c = changes
                if RowParser is not None and self.width <= MAX_WIDTH:
                    self._parser = RowParser(
                        self.width, at, tuple(self._extra), self._times, self._words,
                        self._splits, self._ones, self._state, self._skills, self._one,
                        AgentRow,
                    )  # fmt: skip
        self._slot_agent: list[str | None] = []  # per slot: its row's LOGID (None: free)
        self._slot_skills: list[tuple[str, ...]] = []
        self._agent_slots: dict[str, list[int]] = {}
        self._free: list[int] = []
        self._unused = bytearray()  # per slot: 1 where free (a run's `seen` starts as this)
        self._first = True  # no run handed on yet (or forget()): list every agent
        self._settling: Iterator[None] | None = None  # the last run's slots, being updated
        self._run: _Run | None = None  # the run arriving
        self._ran_at = 0.0
        self._refresh = 3
        self._gaps: deque[int] = deque([3, 3], maxlen=3)  # seconds between the last runs
        self._current: dict[str, AgentRow] = {}  # each agent's row as last handed on

    def _fit(self, f: list[str]) -> list[str] | None:
        """Too few fields: None. Too many: a trailing `|`, or `|` typed inside the name."""
        width = self.width
        if len(f) < width:
            return None
        if len(f) > width and not f[-1].strip():
            f = f[:-1]
        extra = len(f) - width
        if extra > 0 and self._name is not None:
            i = self._name
            f = [*f[:i], "|".join(f[i : i + extra + 1]), *f[i + extra + 1 :]]
        return f

    def _seconds(self, text: str) -> Any:
        value = seconds(text)
        if value != OVERFLOW and len(self._times) < _CACHE_LIMIT:
            self._times[text] = value  # OVERFLOW stays out: a miss is where extra gets set
        return value

    def _state(self, text: str) -> tuple[str, str]:
        word = text.strip()
        state = self._states.get(word) or self._states.get(word.upper(), UNKNOWN)
        if len(self._words) < _CACHE_LIMIT:
            self._words[text] = (state, word)
        return state, word

    def _skills(self, text: str) -> tuple[str, ...]:
        split = text.strip()
        if split[:1] == "0" and split.isdigit():
            split = str(int(split))  # "007" and tvi1's split 7 are the same skill
        skills = (split,) if split else ()
        if len(self._splits) < _CACHE_LIMIT:
            self._splits[text] = skills  # shared: tuples are immutable
        return skills

    def _one(self, value: str | None) -> dict[str, Any]:
        """The extra dict of the rows whose one extra column holds `value` (shared: a row's
        extra is never changed in place)."""
        extra = {self._extra[0][1]: value}
        if len(self._ones) < _CACHE_LIMIT:
            self._ones[value] = extra
        return extra

    def _extras(self, f: list[str]) -> dict[str, Any]:
        return {name: (f[i].strip() or None) for i, name in self._extra}

    def forget(self) -> None:
        """Report every row of the next run as changed (ingest's rows no longer match ours)."""
        if self._heads is not None:
            self._heads.clear()
        self._slot_agent, self._slot_skills, self._agent_slots = [], [], {}
        self._free, self._unused = [], bytearray()
        self._first, self._run, self._settling = True, None, None
        self._current.clear()

    def parse(self, lines: list[str], error: ErrorSink) -> Batch:
        if self._reuse:
            run = self._run_for(lines)
            for reason, line in run.held:  # the early rows' errors, now that the run ended
                error(reason, line)
            self._take(run, lines, error)
            self._run = None
            return self._finish(run)
        agents, bad = self._parse_lines(lines, error, None)
        return Batch(agents=list(agents.values()), snapshot=True, records=len(lines) - bad)

    def early(self, lines: list[str], error: ErrorSink) -> None:
        """The rows of a run still arriving (`lines` grows between calls; the same list comes
        to parse() when the run ends): look them up now, so that when the last byte comes
        only the rows after these are left to do, and the run's end. Their errors are told
        when the run ends, as if its rows had all come at once (a run never ended has none)."""
        if self._reuse:
            run = self._run_for(lines)
            self._take(run, lines, run.hold)

    @property
    def accelerated(self) -> bool:
        """Whether scan() can take rows (the C speed-up is built and the report's last column
        is TIME_IN_STATE)."""
        return self._reuse and Heads is not None and isinstance(self._heads, Heads)

    def scan(self, lines: list[str], buf: bytes, end: int) -> int:
        """Take the run's rows straight from the bytes read, up to `end` (a line feed): the C
        speed-up matches each line's bytes and makes a str only of a line it does not find (a
        row found goes onto `lines` as ""). The rows go onto `lines` (the decoder's list of
        the run's rows) as early() would have taken them. Returns where the lines it did not
        take start (at a line that is not an F1 row, which the framing then reads itself), or
        end + 1."""
        heads = self._heads
        if Heads is None or not isinstance(heads, Heads):
            return 0
        run = self._run_for(lines)
        if run.taken < len(lines):
            self._take(run, lines, run.hold)
        unmatched, slots, stop = heads.scan(lines, buf, end, run.seen, self._refresh, MAX_LINE)
        run.taken = len(lines)
        if unmatched:
            self._parse_unmatched(run, lines, unmatched, slots, run.hold)
        return stop

    def _run_for(self, lines: list[str]) -> _Run:
        run = self._run
        if run is None or run.lines is not lines or len(lines) < run.taken:
            self._settle()
            run = self._run = _Run(lines, bytearray(self._unused))
        return run

    def idle_steps(self) -> Iterator[None]:
        """After a run is handed on (and published): its slots updated, the rows that left
        freed and the new ones numbered, a few milliseconds at a time (each next() one step).
        A run that starts arriving first finishes the update at once."""
        while (steps := self._settling) is not None:
            try:
                next(steps)
            except StopIteration:
                self._settling = None
                return
            yield

    def _settle(self) -> None:
        steps, self._settling = self._settling, None
        if steps is not None:
            deque(steps, maxlen=0)

    def _take(self, run: _Run, lines: list[str], error: ErrorSink) -> None:
        """Match the rows of `lines` not taken yet against the last run's (see _finish); parse
        the ones not found."""
        start = run.taken
        if start == len(lines):
            return
        run.taken = len(lines)
        assert self._heads is not None
        unmatched, slots = self._heads.match(lines, start, run.seen, self._refresh)
        if unmatched:
            self._parse_unmatched(run, lines, unmatched, slots, error)

    def _parse_unmatched(
        self, run: _Run, lines: list[str], unmatched: list[int], slots: list[int], error: ErrorSink
    ) -> None:
        """Parse the rows of `lines` at `unmatched` (see _parse_python)."""
        parser = self._parser
        if parser is None:
            self._parse_python(run, lines, unmatched, slots, error)
            return
        # The C speed-up does the usual row and hands each other one (not ASCII, bad, a time
        # not seen before) back to the Python path, in the same order.
        parser.parse(
            lines, unmatched, slots, run.parsed, run.seen, run.fresh,
            lambda k: self._parse_python(run, lines, [unmatched[k]], [slots[k]], error),
        )  # fmt: skip

    def _parse_python(
        self,
        run: _Run,
        lines: list[str],
        unmatched: list[int],
        slots: list[int],
        error: ErrorSink,
    ) -> None:
        """Parse the rows of `lines` at `unmatched` into run.parsed; a good one marks its
        slot seen (`slots`: each row's, -1 for none) or, with no slot, goes onto run.fresh."""
        seen, fresh = run.seen, run.fresh
        infos: list[tuple[str, tuple[str, ...]] | None] = []
        _, bad = self._parse_lines([lines[i] for i in unmatched], error, infos, run.parsed)
        run.bad += bad
        for i, slot, info in zip(unmatched, slots, infos, strict=True):
            if info is None:  # a bad row is as if absent (and parsed again next run)
                continue
            if slot >= 0:  # the same row, its time in state off (a new stint, or a late run)
                seen[slot] = 1
            else:
                fresh.append((lines[i], info))

    def _finish(self, run: _Run) -> Batch:
        """The agents whose rows changed since the last run.

        Between runs an agent's row changes only in TIME_IN_STATE, by about the refresh, unless
        something happened. Each row is matched by its head (the row without its time in
        state) against the last run's rows: a row whose head is there and whose time moved on
        by exactly the usual gap between runs is surely the same stint of the same
        agent, and nothing about it is parsed. The others (changed rows, new ones, a time in
        state that restarted or jumped) are parsed, and the agents of last run's rows not
        found again are looked at. Matching is done by scan() or _take as the rows arrive (a
        loop in C where the speed-up is built, as are the parse of the changed rows and
        _changes). The slots of the rows that left or came are updated after the run is
        handed on (idle_steps), at a cost that grows with the rows that changed, not with the
        report: nothing is worked out ahead of a run.
        """
        self._ran_at, ran_at = self.clock(), self._ran_at
        if ran_at:  # the usual gap: one late run must not throw the next match off
            self._gaps.append(max(1, round(self._ran_at - ran_at)))
            self._refresh = sorted(self._gaps)[len(self._gaps) // 2]
        if self._changes_c is not None:
            changed, departed = self._changes_c(
                run.parsed, run.seen, run.none, self._slot_agent, self._agent_slots,
                self._current, self._kept,
            )  # fmt: skip
        else:
            changed, departed = self._changes(run)
        self._settling = self._renumber(run)  # (_run_for settled the run before this one)
        batch = Batch(agents=changed, snapshot=True, records=len(run.lines) - run.bad)
        if self._first:  # ingest may hold agents from before (a restart): tell it all that is here
            self._first = False
            batch.listed = frozenset(self._current)
        else:
            batch.departed = departed
        return batch

    def _renumber(self, run: _Run) -> Iterator[None]:
        """Free the slots of the last run's rows not here again; give the new rows slots. A
        generator of steps (see idle_steps): the slots are right once it is run out."""
        heads = self._heads
        assert heads is not None
        seen, none, unused, free = run.seen, run.none, self._unused, self._free
        slot_agent, slot_skills = self._slot_agent, self._slot_skills
        agent_slots = self._agent_slots
        gone = seen.find(0, 0, none)
        while gone >= 0:  # each found by a scan in C
            heads.remove(gone)
            agent = slot_agent[gone]
            assert agent is not None
            slots = agent_slots[agent]
            slots.remove(gone)
            if not slots:
                del agent_slots[agent]
            slot_agent[gone], slot_skills[gone] = None, ()
            free.append(gone)
            unused[gone] = 1
            gone = seen.find(0, gone + 1, none)
        for n, (line, (agent, skills)) in enumerate(run.fresh):
            if n % _STEP_ROWS == 0:
                yield
            slot = free[-1] if free else len(slot_agent)
            if not heads.add(line, slot):
                continue  # a row with the head of one before it in this run
            if free:
                free.pop()
                slot_agent[slot], slot_skills[slot], unused[slot] = agent, skills, 0
            else:
                slot_agent.append(agent)
                slot_skills.append(skills)
                unused.append(0)
            found = agent_slots.get(agent)
            if found is None:
                agent_slots[agent] = [slot]
            else:
                found.append(slot)

    def _changes(self, run: _Run) -> tuple[list[AgentRow], set[str]]:
        """The agents of the rows parsed, then those of the last run's rows not seen again:
        each one's row now (onto changed, and into current), or departed. Done by
        `_speedups.changes` where it is built."""
        parsed, seen, none = run.parsed, run.seen, run.none
        slot_agent = self._slot_agent
        touched = dict.fromkeys(parsed)  # in report order; then agents that lost a row
        gone = seen.find(0, 0, none)
        while gone >= 0:  # each found by a scan in C
            touched[slot_agent[gone]] = None  # type: ignore[index]  # a free slot is seen
            gone = seen.find(0, gone + 1, none)
        current, slots_of, get = self._current, self._agent_slots.get, parsed.get
        changed: list[AgentRow] = []
        departed: set[str] = set()
        for agent_id in touched:
            row = get(agent_id)
            old = slots_of(agent_id)
            # The last run's rows of the agent here again. Usually none: an agent's rows all
            # change together (its state is in each), and most agents have one.
            if old is None:
                kept = None
            elif len(old) == 1:
                kept = old if seen[old[0]] else None
            else:
                kept = [slot for slot in old if seen[slot]]
            if kept:
                row = self._kept(agent_id, row, kept)
            elif row is None:  # every row of the agent left the report
                if current.pop(agent_id, None) is not None:
                    departed.add(agent_id)
                continue
            current[agent_id] = row
            changed.append(row)
        return changed, departed

    def _kept(self, agent_id: str, row: AgentRow | None, kept: list[int]) -> AgentRow:
        """An agent some of whose last run's rows (slots `kept`) are here again, unchanged,
        and `row` its rows parsed (if any): its row now."""
        slot_skills = self._slot_skills
        skills = tuple(dict.fromkeys(s for slot in kept for s in slot_skills[slot]))
        if row is None:  # only a split left the report: same row, fewer skills
            row = self._current[agent_id]
            assert self._heads is not None
            secs = self._heads.time(kept[0])  # the same stint: its time as the row reads now
            if secs >= 0 and row.state_seconds is not None:
                return replace(row, state_seconds=secs, skills=skills)
            return replace(row, skills=skills)
        row.skills = tuple(dict.fromkeys(skills + row.skills))
        return row

    def _parse_lines(
        self,
        lines: list[str],
        error: ErrorSink,
        infos: list[tuple[str, tuple[str, ...]] | None] | None,
        agents: dict[str, AgentRow] | None = None,
    ) -> tuple[dict[str, AgentRow], int]:
        """Full parse, rows of one LOGID merged (into `agents`, if given: rows of one run
        parsed a few at a time). `infos` (if given) gets, per line, its (LOGID, skills) or
        None for a bad line."""
        if agents is None:
            agents = {}
        width, pad, get = self.width, self._pad, self._get
        trailing = width + 1
        times, words, splits, missing = self._times, self._words, self._splits, _MISSING
        # The default columns have one extra (DIRECTION): its rows share a dict per value.
        one = len(self._extra) == 1
        one_at = self._extra[0][0] if one else 0
        ones = self._ones
        many = len(self._extra) > 1
        bad = 0
        note = infos.append if infos is not None else None
        for line in lines:
            f = line.split("|")
            if len(f) != width and (len(f) != trailing or f[-1]):  # a bare trailing `|` is fine
                fitted = self._fit(f)
                if fitted is None:
                    error(f"agent row has {len(f)} fields, expected {width}", line)
                    bad += 1
                    if note:
                        note(None)
                    continue
                f = fitted
            if pad:
                f.append("")
            logid, word, name, extn, split, reason, tis = get(f)
            logid = logid.strip()
            if not logid:
                error("agent row without LOGID", line)
                bad += 1
                if note:
                    note(None)
                continue
            skills = splits.get(split) or self._skills(split)
            row = agents.get(logid)
            if row is not None:  # the same agent in another split
                if skills and skills[0] not in row.skills:
                    row.skills += skills
                if note:
                    note((logid, skills))
                continue
            if one:
                value = f[one_at].strip() or None
                extra: dict[str, Any] = ones.get(value) or self._one(value)
            else:
                extra = self._extras(f) if many else {}
            secs = times.get(tis, missing)
            if secs is missing:
                try:
                    secs = self._seconds(tis)
                except ValueError as exc:
                    error(f"agent row: {exc}", line)
                    bad += 1
                    if note:
                        note(None)
                    continue
                if secs == OVERFLOW:
                    extra = {**extra, "time_in_state": OVERFLOW}  # (not the shared dict)
                    secs = None
            state, word = words.get(word) or self._state(word)
            agents[logid] = AgentRow(
                logid,
                state,
                word,
                name.strip(),
                extn.strip(),
                reason.strip(),
                secs,
                skills,
                extra,
            )
            if note:
                note((logid, skills))
        return agents, bad
