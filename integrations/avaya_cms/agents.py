"""The agent_tv report: a site-configurable column map and state-word map to AgentRows.

Avaya does not publish the agent report's columns and sites rename state words in the CMS
Dictionary, so both are per-source options. A modified report lists an agent once per split;
rows of one LOGID within a report run are merged into one AgentRow (first row's state wins).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from integrations.base import AGENT_STATES, OVERFLOW, UNKNOWN, AgentRow, Batch

from .values import seconds

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
_MISSING = object()


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


class AgentReport:
    """Parses agent_tv rows for one source's column and state maps (validated beforehand)."""

    def __init__(self, columns: list[str] | tuple[str, ...], state_map: dict[str, str]) -> None:
        names = [c.strip().upper() for c in columns]
        self.width = len(names) + 1  # the F1 tag is field 0
        # A configured column the report lacks reads an always-blank field appended at `width`.
        index = {name: i + 1 for i, name in enumerate(names)}
        self._pad = any(name not in index for name in _FIELDS)
        self._get = itemgetter(*(index.get(name, self.width) for name in _FIELDS))
        self._extra = [(i + 1, n.lower()) for i, n in enumerate(names) if n not in _FIELDS]
        self._name = index.get("NAME")
        self._states = {**DEFAULT_STATE_MAP, **state_map}
        self._states = {w.strip().upper(): s for w, s in self._states.items()}
        self._times: dict[str, Any] = {}
        self._words: dict[str, tuple[str, str]] = {}
        self._splits: dict[str, tuple[str, ...]] = {}
        # Between two runs most rows differ only in TIME_IN_STATE. When that is the last
        # column, a row whose text before it is unchanged gives back last run's AgentRow with
        # state_seconds updated in place: no parsing, and ingest's diff can skip it by identity.
        self._reuse = bool(names) and names[-1] == "TIME_IN_STATE"
        self._rows: dict[str, tuple[AgentRow, tuple[str, ...]]] = {}
        self._more_splits: dict[str, tuple[str, tuple[str, ...]]] = {}

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

    def parse(self, lines: list[str], error: ErrorSink) -> Batch:
        agents: dict[str, AgentRow] = {}
        width, pad, get = self.width, self._pad, self._get
        trailing = width + 1
        times, words, splits, missing = self._times, self._words, self._splits, _MISSING
        # The default columns have one extra (DIRECTION): build its dict without a call.
        one = len(self._extra) == 1
        one_at, one_name = self._extra[0] if one else (0, "")
        many = len(self._extra) > 1
        bad = 0
        reuse, rows, more_splits = self._reuse, self._rows, self._more_splits
        next_rows: dict[str, tuple[AgentRow, tuple[str, ...]]] = {}
        next_more: dict[str, tuple[str, tuple[str, ...]]] = {}
        for line in lines:
            if reuse and line[-1:] != "|":
                cut = line.rfind("|")
                head = line[:cut]
                hit = rows.get(head)
                if hit is not None and hit[0].agent_id not in agents:
                    tis = line[cut + 1 :]
                    secs = times.get(tis, missing)
                    if secs is missing:
                        try:
                            secs = self._seconds(tis)
                        except ValueError:
                            secs = missing  # the full parse below reports it
                    if secs is not missing and secs is not None and secs != OVERFLOW:
                        row, base = hit
                        row.state_seconds = secs
                        row.skills = base
                        agents[row.agent_id] = row
                        next_rows[head] = hit
                        continue
                again = more_splits.get(head)
                if again is not None and again[0] in agents:  # the agent's next split, as before
                    known = agents[again[0]]
                    if again[1] and again[1][0] not in known.skills:
                        known.skills += again[1]
                    next_more[head] = again
                    continue
            else:
                head = ""
            f = line.split("|")
            if len(f) != width and (len(f) != trailing or f[-1]):  # a bare trailing `|` is fine
                fitted = self._fit(f)
                if fitted is None:
                    error(f"agent row has {len(f)} fields, expected {width}", line)
                    bad += 1
                    continue
                f = fitted
            if pad:
                f.append("")
            logid, word, name, extn, split, reason, tis = get(f)
            logid = logid.strip()
            if not logid:
                error("agent row without LOGID", line)
                bad += 1
                continue
            skills = splits.get(split) or self._skills(split)
            row = agents.get(logid)
            if row is not None:  # the same agent in another split
                if skills and skills[0] not in row.skills:
                    row.skills += skills
                if head:
                    next_more[head] = (logid, skills)
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
                    continue
                if secs == OVERFLOW:
                    extra["time_in_state"] = OVERFLOW
                    secs = None
            state, word = words.get(word) or self._state(word)
            agents[logid] = row = AgentRow(
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
            if head and secs is not None:
                next_rows[head] = (row, skills)
        if reuse:
            self._rows, self._more_splits = next_rows, next_more
        return Batch(agents=list(agents.values()), snapshot=True, records=len(lines) - bad)
