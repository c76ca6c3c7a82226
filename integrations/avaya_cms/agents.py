"""The agent_tv report: a site-configurable column map and state-word map to AgentRows.

Avaya does not publish the agent report's columns and sites rename state words in the CMS
Dictionary, so both are per-source options. A modified report lists an agent once per split;
rows of one LOGID within a report run are merged into one AgentRow (first row's state wins).
"""

from __future__ import annotations

import time
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from itertools import compress, repeat
from operator import add, itemgetter, ne
from typing import TYPE_CHECKING, Any

from integrations.base import AGENT_STATES, OVERFLOW, UNKNOWN, AgentRow, Batch

from .decoder import MAX_LINE
from .values import seconds, time_text

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

    from . import _speedups

# None where the C speed-up is not built (tests set Lookup to None for the pure-Python path).
Lookup: type[_speedups.Lookup] | None
RowParser: type[_speedups.RowParser] | None
changes: (
    Callable[
        [
            dict[str, AgentRow],
            ReadableBuffer,
            int,
            list[str],
            dict[str, list[int]],
            dict[str, AgentRow],
            Callable[[str, AgentRow | None, list[int]], AgentRow],
        ],
        tuple[list[AgentRow], set[str]],
    ]
    | None
)
try:  # the optional C speed-up of the row lookup and parse (built by pip install with a compiler)
    from ._speedups import MAX_WIDTH, Lookup, RowParser, changes
except ImportError:  # the pure-Python path below does the same, slower
    Lookup = RowParser = changes = None
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
_STEP_ROWS = 5_000  # rows per step of a Python loop in prepare_steps()
_MISSING = object()
_first, _last = itemgetter(0), itemgetter(2)


def _where(items: Sequence[object], value: object) -> list[int]:
    """Where `value` is in `items`, found by list.index (a scan in C) rather than a loop."""
    found: list[int] = []
    i = -1
    index = items.index
    try:
        while True:
            i = index(value, i + 1)
            found.append(i)
    except ValueError:
        return found


def _head(line: str) -> str:
    """A row without its TIME_IN_STATE (the last field; a trailing `|` is not a field)."""
    return (line[:-1] if line[-1:] == "|" else line).rpartition("|")[0]


def _later(text: str, step: int) -> str:
    """The TIME_IN_STATE text `step` seconds on, as CMS writes it (`:18`, `1:42`, `1:02:03`,
    minutes blank when zero), as wide as `text`. A blank or starred time stays as it is; a
    text that is no time gives "\\n", which no row contains: such a row is parsed every run."""
    try:
        value = seconds(text)
    except ValueError:
        return "\n"
    if type(value) is not int:
        return text  # blank (None) or stars (OVERFLOW): still so a run later
    out = time_text(max(0, value + step))
    return out.rjust(len(text)) if text[:1] == " " else out


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

    __slots__ = ("bad", "found", "fresh", "held", "lines", "none", "parsed", "seen", "taken")

    def __init__(self, lines: list[str], none: int) -> None:
        self.lines = lines  # the decoder's list of the run's rows; it grows as they arrive
        self.taken = 0  # rows looked at
        self.none = none  # the slot number that means "not a row of the last run"
        self.found = array("i")  # per row taken: the last run's slot it is, or none
        self.seen = bytearray(none + 1)  # the last run's rows found again, or parsed again
        self.parsed: dict[str, AgentRow] = {}  # agents of the rows not found
        self.fresh: list[tuple[str, tuple[str, tuple[str, ...]]]] = []  # their heads, info
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
        # Between two runs most rows differ only in TIME_IN_STATE. When that is the last
        # column, only the rows that changed in more than that are parsed and handed on.
        self._reuse = bool(names) and names[-1] == "TIME_IN_STATE"
        # For the changed-rows path (see _finish). prepare() numbers the last run's
        # distinct good rows (slots): each one's head (the row without TIME_IN_STATE), agent
        # and skills, and the texts each would have next run if only its time moved on.
        self._last: list[str] = []
        self._prepared: list[str] | None = None
        self._predicted: dict[str, int] = {}  # next run's text -> slot (the usual gap)
        self._near: dict[str, int] = {}  # the same, a second off
        self._slots: list[str] = []  # slot -> head
        self._slot_of: dict[str, int] = {}  # head -> slot
        self._slot_agent: list[str] = []
        self._slot_skills: list[tuple[str, ...]] = []
        self._agent_slots: dict[str, list[int]] = {}
        # What the last run found: each row's slot (or len(slots)), the new rows' heads.
        self._found: array[int] | list[int] = []
        self._fresh: list[tuple[str, tuple[str, tuple[str, ...]]]] = []
        self._run: _Run | None = None  # the run arriving
        # The C speed-up, if built: the predictions as tables it looks bytes up in.
        self._speedups = Lookup if self._reuse else None
        self._parser: _speedups.RowParser | None = None  # and the changed rows' parse
        self._changes_c = changes if self._speedups is not None else None  # and _changes
        if self._speedups is not None and RowParser is not None and self.width <= MAX_WIDTH:
            self._parser = RowParser(
                self.width, at, tuple(self._extra), self._times, self._words, self._splits,
                self._state, self._skills, AgentRow,
            )  # fmt: skip
        self._lookup: _speedups.Lookup | None = None
        self._lookup_near: _speedups.Lookup | None = None
        self._later: dict[int, dict[str, str]] = {}
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

    def _extras(self, f: list[str]) -> dict[str, Any]:
        return {name: (f[i].strip() or None) for i, name in self._extra}

    def forget(self) -> None:
        """Report every row of the next run as changed (ingest's rows no longer match ours)."""
        self._last, self._prepared = [], None
        self._found, self._fresh, self._run = [], [], None
        self._current.clear()
        self.prepare()

    def parse(self, lines: list[str], error: ErrorSink) -> Batch:
        if self._reuse:
            run = self._run_for(lines)
            for reason, line in run.held:  # the early rows' errors, now that the run ended
                error(reason, line)
            self._take(run, lines, error)
            self._run = None
            return self._finish(run, error)
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
        return self._speedups is not None

    def scan(self, lines: list[str], buf: bytes, end: int) -> int:
        """Take the run's rows straight from the bytes read, up to `end` (a line feed): the C
        speed-up looks each line's bytes up among the predictions and makes a str only of a
        line that is not one (a line that is gets the prediction's own str). The rows go onto
        `lines` (the decoder's list of the run's rows) as early() would have taken them.
        Returns where the lines it did not take start (at a line that is not an F1 row, which
        the framing then reads itself), or end + 1."""
        if self._speedups is None:
            return 0
        run = self._run_for(lines)
        if run.taken < len(lines):
            self._take(run, lines, run.hold)
        lookup = self._lookup
        assert lookup is not None  # built by prepare(), which _run_for ran for this run
        rows, found, unmatched, stop = lookup.scan(
            buf, end, run.none, self._lookup_near, run.seen, MAX_LINE
        )
        if rows:
            lines += rows
            run.taken = len(lines)
            run.found.frombytes(found)
            if unmatched:
                self._parse_unmatched(run, rows, unmatched, run.hold)
        return int(stop)

    def _run_for(self, lines: list[str]) -> _Run:
        run = self._run
        if run is None or run.lines is not lines or len(lines) < run.taken:
            if self._prepared is not self._last:
                self.prepare()
            run = self._run = _Run(lines, len(self._slots))
        return run

    def _take(self, run: _Run, lines: list[str], error: ErrorSink) -> None:
        """Look up the rows of `lines` not taken yet among the predictions (see _finish); parse
        the ones not found, and mark the last run's rows seen again."""
        start, end = run.taken, len(lines)
        if start == end:
            return
        run.taken = end
        if start:
            lines = lines[start:]
        n = end - start
        none = run.none  # "not found"
        found = list(map(self._predicted.get, lines, repeat(none, n)))
        unmatched = _where(found, none)
        if unmatched:  # a second off, as when a run comes a little early or late
            near, still = self._near.get, []
            for i in unmatched:
                slot = near(lines[i])
                if slot is None:
                    still.append(i)
                else:
                    found[i] = slot
            unmatched = still
        seen = run.seen  # the last run's rows here again, found or parsed again
        deque(map(seen.__setitem__, found, repeat(1, n)), maxlen=0)  # a loop in C
        run.found.extend(found)
        if unmatched:
            self._parse_unmatched(run, lines, unmatched, error)

    def _parse_unmatched(
        self, run: _Run, lines: list[str], unmatched: list[int], error: ErrorSink
    ) -> None:
        """Parse the rows of `lines` at `unmatched` (found among no prediction). The C speed-up
        does the usual row and hands each other one (not ASCII, bad, a time not seen before)
        back to the Python path, in the same order."""
        parser = self._parser
        if parser is None:
            self._parse_python(run, lines, unmatched, error)
            return
        parser.parse(
            lines, unmatched, run.parsed, self._slot_of, run.seen, run.fresh,
            lambda i: self._parse_python(run, lines, [i], error),
        )  # fmt: skip

    def _parse_python(
        self, run: _Run, lines: list[str], unmatched: list[int], error: ErrorSink
    ) -> None:
        seen = run.seen
        infos: list[tuple[str, tuple[str, ...]] | None] = []
        _, bad = self._parse_lines([lines[i] for i in unmatched], error, infos, run.parsed)
        run.bad += bad
        slot_of, fresh = self._slot_of, run.fresh
        for i, info in zip(unmatched, infos, strict=True):
            if info is not None:  # a bad row is as if absent (and parsed again next run)
                head = _head(lines[i])
                slot = slot_of.get(head)
                if slot is not None:  # the same row, its time in state off: parsed again
                    seen[slot] = 1
                fresh.append((head, info))

    def _finish(self, run: _Run, error: ErrorSink) -> Batch:
        """The agents whose rows changed since the last run, found with one lookup per row.

        Between runs an agent's row changes only in TIME_IN_STATE, by about the refresh, unless
        something happened. prepare() (between runs) writes down, for every row of the last
        run, the texts it would have next run if nothing happened (time in state on by the
        usual gap between runs, give or take a second). A row found among them is the same
        stint of the same agent: nothing about it is parsed. The others (changed rows, new
        ones, a time in state that restarted or jumped) are parsed, and the agents of last
        run's rows not found again are looked at. The whole-run steps (the lookups, marking
        the rows found, finding those not) are loops in C, done by _take as the rows arrive;
        the loops over what changed (_parse_unmatched, _changes) are in C too where the
        speed-up is built. What the next run needs is worked out by prepare(), after the
        publish.
        """
        self._ran_at, ran_at = self.clock(), self._ran_at
        if ran_at:  # the usual gap: one late run must not throw the next prediction off
            self._gaps.append(max(1, round(self._ran_at - ran_at)))
            self._refresh = sorted(self._gaps)[len(self._gaps) // 2]
        if self._changes_c is not None:
            changed, departed = self._changes_c(
                run.parsed, run.seen, run.none, self._slot_agent, self._agent_slots,
                self._current, self._kept,
            )  # fmt: skip
        else:
            changed, departed = self._changes(run)
        first, self._last = not self._last, run.lines
        self._found, self._fresh = run.found, run.fresh
        batch = Batch(agents=changed, snapshot=True, records=len(run.lines) - run.bad)
        if first:  # ingest may hold agents from before (a restart): tell it all that is here
            batch.listed = frozenset(self._current)
        else:
            batch.departed = departed
        return batch

    def _changes(self, run: _Run) -> tuple[list[AgentRow], set[str]]:
        """The agents of the rows parsed, then those of the last run's rows not seen again:
        each one's row now (onto changed, and into current), or departed. Done by
        `_speedups.changes` where it is built."""
        parsed, seen, none = run.parsed, run.seen, run.none
        slot_agent = self._slot_agent
        touched = dict.fromkeys(parsed)  # in report order; then agents that lost a row
        gone = seen.find(0, 0, none)
        while gone >= 0:  # each found by a scan in C
            touched[slot_agent[gone]] = None
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
            if row.state_seconds is not None:  # the same stint, a run older
                row = replace(row, state_seconds=row.state_seconds + self._refresh)
            return replace(row, skills=skills)
        row.skills = tuple(dict.fromkeys(skills + row.skills))
        return row

    def prepare(self) -> None:
        """Between runs: number the last run's good rows, and write down the texts each would
        have next run if only its time in state moved on (by the usual gap between runs, give
        or take a second)."""
        deque(self.prepare_steps(), maxlen=0)

    def prepare_steps(self) -> Iterator[None]:
        """prepare() a few milliseconds at a time (each next() one step), so ingest can read,
        publish and serve between the steps. What it works out takes effect at its last step,
        unless the rows it started from are no longer the last run's, or prepare() ran
        meanwhile (a run that starts arriving first prepares at once)."""
        lines, found, fresh = self._last, self._found, dict(self._fresh)
        if self._prepared is lines:
            return
        old_agent, old_skills, none = self._slot_agent, self._slot_skills, len(self._slots)
        trailing = lines[0][-1:] == "|" if lines else False  # rows end in `|`: time before it
        bodies = [line[:-1] for line in lines] if trailing else lines
        parts = list(map(str.rpartition, bodies, repeat("|", len(bodies))))
        # The good rows (one slot per distinct head): their agents, skills and times. Rows
        # found are their slot's row aged (maps and zips, loops in C); the new rows are few.
        heads_all = list(map(_first, parts))
        times_all = list(map(_last, parts))
        del parts, bodies
        yield
        was = list(map(ne, found, repeat(none, len(found))))
        slots_was = list(compress(found, was))
        heads_was = list(compress(heads_all, was))
        agent_of = dict(zip(heads_was, map(old_agent.__getitem__, slots_was), strict=True))
        yield
        skills_of = dict(zip(heads_was, map(old_skills.__getitem__, slots_was), strict=True))
        time_of = dict(zip(heads_was, compress(times_all, was), strict=True))
        del was, slots_was, heads_was
        for i in _where(found, none):
            head = heads_all[i]
            new = fresh.get(head)
            if new is not None:  # not a bad row
                agent_of[head], skills_of[head] = new
                time_of[head] = times_all[i]
        yield
        heads = list(agent_of)
        slot_of = dict(zip(heads, range(len(heads)), strict=True))
        slot_agent = list(agent_of.values())
        slot_skills = list(map(skills_of.__getitem__, heads))
        yield
        agent_slots: dict[str, list[int]] = {}
        for start in range(0, len(slot_agent), _STEP_ROWS):
            for slot, agent in enumerate(slot_agent[start : start + _STEP_ROWS], start):
                slots = agent_slots.get(agent)
                if slots is None:
                    agent_slots[agent] = [slot]
                else:
                    slots.append(slot)
            yield
        stems = list(map(add, heads, repeat("|", len(heads))))
        texts_now = list(map(time_of.__getitem__, heads))
        predicted: dict[str, int] = {}
        near: dict[str, int] = {}
        for step in (self._refresh, self._refresh - 1, self._refresh + 1):
            # The usual step in a small table (one lookup per row, cache-friendly), the
            # others in a second one for the few rows the first misses.
            table = predicted if step == self._refresh else near
            after = self._after(step)
            texts = list(map(after.get, texts_now))
            if None in texts:  # times not seen before (a cache refilled: all of them)
                missing = _where(texts, None)
                for start in range(0, len(missing), _STEP_ROWS):
                    for i in missing[start : start + _STEP_ROWS]:
                        texts[i] = after[texts_now[i]] = _later(texts_now[i], step)
                    yield
            keys = map(add, stems, texts)
            if trailing:
                keys = map(add, keys, repeat("|", len(texts)))
            table.update(zip(keys, range(len(heads)), strict=True))
            yield
        lookup = lookup_near = None
        if self._speedups is not None:
            lookup = self._speedups(predicted)
            yield
            lookup_near = self._speedups(near)
            yield
        if self._last is not lines or self._prepared is lines:
            return  # a later run, or forget(), or a prepare() came meanwhile
        self._prepared = lines
        self._slots, self._slot_of = heads, slot_of
        self._slot_agent, self._slot_skills = slot_agent, slot_skills
        self._agent_slots = agent_slots
        self._predicted, self._near = predicted, near
        self._lookup, self._lookup_near = lookup, lookup_near

    def _after(self, step: int) -> dict[str, str]:
        cache = self._later.get(step)
        if cache is None or len(cache) > _CACHE_LIMIT:
            if len(self._later) > 8:
                self._later.clear()
            cache = self._later[step] = {}
        return cache

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
        # The default columns have one extra (DIRECTION): build its dict without a call.
        one = len(self._extra) == 1
        one_at, one_name = self._extra[0] if one else (0, "")
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
                extra: dict[str, Any] = {one_name: f[one_at].strip() or None}
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
                    extra["time_in_state"] = OVERFLOW
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
