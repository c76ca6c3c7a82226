"""A CMS playing an RTS report: skills, agents and VDNs whose figures evolve run by run.

CMS is the TCP client, so the simulator connects to the wallboard (MODE = "connect"). Each
next_chunk() is one whole report run ending with `F3|END_OF_RECORDS`. Skill figures derive from
the simulated agents' states, so STAFFED = AVAILABLE + AGINRING + ONACD + INACW + OTHER + INAUX
always holds; interval counters restart every `cms_interval_batches` runs, as at a CMS interval,
and only grow in between, with ACCEPTABLE <= ACDCALLS <= CALLSOFFERED. The service level is
100*ACCEPTABLE/CALLSOFFERED in whole percent (truncated).
"""

from __future__ import annotations

import argparse
import random
from typing import Any

from .values import time_text

MODE = "connect"
LAYOUTS = ("tvi1", "agent_tv", "cvdn")
DEFAULT_INTERVAL = 3.0
END = "F3|END_OF_RECORDS"

# Agent states; index into the words/codes the report writes.
AVAIL, RING, ACD, ACW, AUX, OTHER, DACD, DACW, UNSTAFF = range(9)
WORDS = ("AVAIL", "RINGING", "ACD", "ACW", "AUX", "OTHER", "DACD", "DACW", "UNSTAFF")
CODES = ("20", "80", "30", "40", "50", "OTHER", "60", "70", "10")  # no work mode for OTHER
# Where an agent counts in a skill's tvi1 row: available, ringing, on ACD, ACW, other, AUX.
_SLOT = (0, 1, 2, 3, 5, 4, 4, 4, -1)
# Next state when an agent changes: (cumulative probability, state).
_NEXT: dict[int, tuple[tuple[float, int], ...]] = {
    AVAIL: ((0.45, RING), (0.75, ACD), (0.88, AUX), (0.93, OTHER), (0.97, DACD), (1.0, ACW)),
    RING: ((0.9, ACD), (1.0, AUX)),
    ACD: ((0.7, ACW), (1.0, AVAIL)),
    ACW: ((0.9, AVAIL), (1.0, AUX)),
    AUX: ((0.75, AVAIL), (0.85, AUX), (1.0, UNSTAFF)),
    OTHER: ((0.9, AVAIL), (1.0, AUX)),
    DACD: ((0.6, DACW), (1.0, AVAIL)),
    DACW: ((1.0, AVAIL),),
    UNSTAFF: ((1.0, OTHER),),  # right after login CMS shows OTHER
}
_START = ((0.3, AVAIL), (0.32, RING), (0.67, ACD), (0.77, ACW), (0.92, AUX), (0.95, OTHER),
          (1.0, UNSTAFF))  # fmt: skip

_FIRST = ("Ann", "Ben", "Chloé", "Dev", "Eva", "Femi", "Grace", "Hugo", "Ines", "Jon", "Kai",
          "Lena", "Mo", "Nia", "Omar", "Pia", "Raj", "Sara", "Tom", "Zoë")  # fmt: skip
_LAST = ("Adams", "Brown", "Costa", "Dubois", "Evans", "Fischer", "García", "Hughes", "Ito",
         "Jones", "Khan", "Lopez", "Murphy", "Novak", "O'Neil", "Patel", "Rossi", "Smith",
         "Weber", "Young")  # fmt: skip
_VDN_NAMES = ("Sales", "Support", "Billing", "Renewals", "Priority", "Spanish", "After hours",
              "Callback", "Complaints", "Switchboard")  # fmt: skip

# Field widths of the padded style (the protocol note's example for tvi1); numbers too wide for
# their field are starred, as CMS does.
TVI1_WIDTHS = (3, 4, 4, 5, 3, 1, 5, 3, 5, 5, 3, 3, 3, 3, 3, 3, 5, 5, 5, 3, 3, 4, 4)
CVDN_WIDTHS = (5, 20, 4, 5, 5, 3, 5, 4, 5, 4)
AGENT_WIDTHS = (6, 20, 6, 7, 3, 3, 2, 8)  # LOGID NAME EXTN STATE DIRECTION SPLIT AUXREASON TIME


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layout", choices=LAYOUTS, default="tvi1", help="report to play")
    parser.add_argument("--skills", type=int, default=40, help="splits/skills (default 40)")
    parser.add_argument("--agents", type=int, default=200, help="agents (default 200)")
    parser.add_argument("--vdns", type=int, default=10, help="VDNs for cvdn (default 10)")
    parser.add_argument(
        "--style",
        choices=("padded", "unpadded"),
        default="padded",
        help="padded: fixed-width fields; unpadded: bare values and a trailing '|'",
    )
    parser.add_argument(
        "--states",
        choices=("words", "codes"),
        default="words",
        help="agent state words or work modes",
    )
    parser.add_argument("--malformed", type=_rate, default=0.0, help="garbage lines per row, 0..1")
    parser.add_argument("--seed", type=int, default=None, help="random seed (repeatable feed)")
    parser.add_argument(
        "--cms-interval-batches",
        type=int,
        default=100,
        help="report runs per CMS interval: interval counters restart after this many",
    )
    parser.add_argument(
        "--multi-skill", type=_rate, default=0.2, help="share of multi-skilled agents"
    )
    parser.add_argument(
        "--change-rate", type=_rate, default=0.1, help="share of agents changing per run"
    )


class _Traffic:
    """One queue's calls: waiting now, and the current CMS interval's counters.

    The counters only grow within a CMS interval and restart at the next one (reset());
    acceptable <= answered <= offered always holds (offered = answered + abandoned: calls
    still waiting at a reset count in the interval in which they are answered or abandoned)."""

    __slots__ = ("abandon_time", "abandoned", "acceptable", "answer_time", "answered", "load",
                 "offered", "oldest", "talk_time", "waiting")  # fmt: skip

    def __init__(self, load: int) -> None:
        self.load = load
        self.waiting = self.oldest = 0
        self.reset()

    def reset(self) -> None:
        self.offered = self.answered = self.abandoned = self.acceptable = 0
        self.answer_time = self.talk_time = self.abandon_time = 0

    def step(self, rng: random.Random, capacity: int, secs: int) -> None:
        arrivals = rng.randint(0, self.load) if self.waiting < 60 else 0
        self.waiting += arrivals
        answered = min(self.waiting, rng.randint(0, capacity)) if capacity > 0 else 0
        self.waiting -= answered
        abandoned = 1 if self.waiting and rng.random() < 0.3 else 0
        self.waiting -= abandoned
        # As CMS counts a call: in the interval in which it leaves the queue (answered or
        # abandoned here), so no counter of an interval holds calls its offered does not.
        self.offered += answered + abandoned
        self.answered += answered
        self.abandoned += abandoned
        for _ in range(answered):
            wait = rng.randint(0, min(self.oldest, 90) + 5)
            self.answer_time += wait
            self.acceptable += wait <= 20
            self.talk_time += rng.randint(40, 420)
        if abandoned:
            self.abandon_time += rng.randint(5, 90)
        if not self.waiting:
            self.oldest = 0
        elif rng.random() < 0.01:
            self.oldest = rng.randint(3600, 5400)  # a stuck call: over the field, `*****`
        elif answered or not self.oldest:
            self.oldest = rng.randint(1, secs + min(self.oldest, 60))
        else:
            self.oldest += secs


def _avg(total: int, calls: int) -> str:
    return time_text(round(total / calls)) if calls else ""


class CmsReportProducer:
    """The FeedProducer of one RTS session. `rows` and `garbage` describe the last chunk."""

    def __init__(self, options: dict[str, Any]) -> None:
        get = options.get
        self.layout: str = get("layout") or "tvi1"
        skills, agents, vdns = get("skills", 40), get("agents", 200), get("vdns", 10)
        self.style: str = get("style") or "padded"
        self.malformed = float(get("malformed") or 0.0)
        self.cms_interval_batches = int(get("cms_interval_batches") or 100)
        interval = get("interval")
        self.interval = float(DEFAULT_INTERVAL if interval is None else interval)
        if self.layout not in LAYOUTS or self.style not in ("padded", "unpadded"):
            raise ValueError(f"unknown layout {self.layout!r} or style {self.style!r}")
        if skills < 1 or agents < 0 or vdns < 0 or not 0.0 <= self.malformed <= 1.0:
            raise ValueError("need skills >= 1, agents >= 0, vdns >= 0, 0 <= malformed <= 1")
        seed = get("seed")
        self.rng = random.Random(seed)
        # Calls and garbage have their own streams, so agents evolve the same in every layout
        # and a feed with garbage carries the same data as one without.
        self.calls_rng = random.Random(None if seed is None else seed + 1)
        self.junk_rng = random.Random(None if seed is None else seed + 2)
        self.words = CODES if get("states") == "codes" else WORDS
        self.secs = max(1, round(self.interval or DEFAULT_INTERVAL))  # simulated time per run
        self.change_rate = float(get("change_rate", 0.1))
        self.batches = self.rows = self.garbage = 0
        rng = self.rng
        self.skills = [_Traffic(self.calls_rng.randint(1, 4)) for _ in range(skills)]
        self.vdns = [_Traffic(self.calls_rng.randint(1, 6)) for _ in range(vdns)]
        self.members: list[list[int]] = [[] for _ in range(skills)]
        self.agent_skills: list[tuple[int, ...]] = []
        self.state: list[int] = []
        self.reason: list[int] = []
        self.call_skill: list[int] = []
        multi = float(get("multi_skill", 0.2))
        for i in range(agents):
            own = [i % skills]
            if rng.random() < multi:
                own += rng.sample(range(skills), min(skills, rng.randint(2, 3)))
            own = list(dict.fromkeys(own))
            for s in own:
                self.members[s].append(i)
            self.agent_skills.append(tuple(own))
            self.state.append(self._pick(_START))
            self.reason.append(rng.randint(1, 9))
            self.call_skill.append(own[0])
        self.since = [rng.randint(0, 900) for _ in range(agents)]
        pad = self.style == "padded"
        self.heads = [
            self._cells(
                (str(10001 + i), f"{rng.choice(_FIRST)} {rng.choice(_LAST)}", str(40001 + i)),
                AGENT_WIDTHS[:3],
                left=(1,),
            )
            for i in range(agents)
        ]
        self.vdn_names = [
            _VDN_NAMES[v % len(_VDN_NAMES)] + ("" if v < 10 else f" {v}") for v in range(vdns)
        ]
        # A site's report gives split/VDN numbers and agent counts room for its size.
        split_width = max(3, len(str(skills)))
        agent_width = len(str(agents))
        self.tvi1_widths = tuple(
            split_width if n == 0 else max(w, agent_width) if n == 2 or 10 <= n <= 15 else w
            for n, w in enumerate(TVI1_WIDTHS)
        )
        self.cvdn_widths = (max(5, len(str(5000 + vdns))), *CVDN_WIDTHS[1:])
        self.split_cells = [
            (f"{s + 1:>{split_width}}" if pad else str(s + 1)) for s in range(skills)
        ]
        self._clock: dict[int, str] = {}

    def _pick(self, table: tuple[tuple[float, int], ...]) -> int:
        x = self.rng.random()
        for edge, state in table:
            if x < edge:
                return state
        return table[-1][1]

    def _cells(
        self, values: tuple[str, ...], widths: tuple[int, ...], left: tuple[int, ...] = ()
    ) -> str:
        """Values as fields; a number or time too wide for its field becomes asterisks."""
        out = []
        for n, (value, width) in enumerate(zip(values, widths, strict=True)):
            if n in left:
                out.append(value[:width].ljust(width) if self.style == "padded" else value[:width])
                continue
            if len(value) > width:
                value = "*" * width
            out.append(value.rjust(width) if self.style == "padded" else value)
        return "|".join(out)

    def _row(
        self, values: tuple[str, ...], widths: tuple[int, ...], left: tuple[int, ...] = ()
    ) -> str:
        return "F1|" + self._cells(values, widths, left) + ("" if self.style == "padded" else "|")

    def _advance(self) -> None:
        rng, state, since, secs = self.rng, self.state, self.since, self.secs
        self.since = since = [t + secs for t in since]
        n = len(state)
        for i in rng.sample(range(n), round(n * self.change_rate)):
            new = self._pick(_NEXT[state[i]])
            if new in (RING, ACD) and state[i] == AVAIL:
                self.call_skill[i] = rng.choice(self.agent_skills[i])
            if new == AUX:
                self.reason[i] = rng.randint(1, 9)
            state[i] = new
            since[i] = rng.randrange(secs)
        self.batches += 1
        if self.batches % self.cms_interval_batches == 0:
            for traffic in (*self.skills, *self.vdns):
                traffic.reset()

    def _tvi1(self) -> list[str]:
        rows = []
        state, call_skill = self.state, self.call_skill
        for s, traffic in enumerate(self.skills):
            slots = [0] * 6
            for i in self.members[s]:
                st = state[i]
                if st == UNSTAFF:
                    continue
                slot = _SLOT[st]
                if slot in (1, 2, 3) and call_skill[i] != s:
                    slot = 4  # busy with another skill's call: OTHER here
                slots[slot] += 1
            traffic.step(self.calls_rng, slots[0] + slots[1], self.secs)
            t = traffic
            ewt = time_text(t.oldest + 15) if t.waiting else ""
            sl = str(100 * t.acceptable // t.offered) if t.offered else ""
            values = (
                str(s + 1), str(t.waiting), str(slots[0]), _avg(t.answer_time, t.answered),
                str(t.abandoned), "1", time_text(t.oldest), str(t.answered),
                _avg(t.talk_time, t.answered), _avg(t.abandon_time, t.abandoned),
                *map(str, slots[1:]), str(sum(slots)), "", ewt, "", "0", sl, "20", str(t.offered),
            )  # fmt: skip
            rows.append(self._row(values, self.tvi1_widths))
        return rows

    def _cvdn(self) -> list[str]:
        rows = []
        for v, t in enumerate(self.vdns):
            t.step(self.calls_rng, self.calls_rng.randint(0, 5), self.secs)
            active = t.waiting + self.calls_rng.randint(0, 9)
            values = (
                str(5001 + v), self.vdn_names[v], str(t.waiting), time_text(t.oldest),
                _avg(t.answer_time, t.answered), str(t.abandoned),
                _avg(t.abandon_time, t.abandoned), str(t.answered),
                _avg(t.talk_time, t.answered), str(active),
            )  # fmt: skip
            rows.append(self._row(values, self.cvdn_widths, left=(1,)))
        return rows

    def _time(self, secs: int) -> str:
        text = self._clock.get(secs)
        if text is None:
            text = time_text(secs)
            if len(text) > 8:
                text = "********"
            if self.style == "padded":
                text = text.rjust(8)
            if len(self._clock) < 50_000:
                self._clock[secs] = text
        return text

    def _agent_tv(self) -> list[str]:
        pad = self.style == "padded"
        words = [(w.ljust(7) if pad else w) for w in self.words]
        direction = {ACD: "IN", RING: "IN", DACD: "IN", ACW: "IN"}
        # Per agent, the fields around SPLIT: a modified report lists an agent once per split.
        before: dict[int, str] = {}
        after: dict[int, str] = {}
        for i, st in enumerate(self.state):
            if st == UNSTAFF:
                continue
            d = direction.get(st, "")
            before[i] = f"F1|{self.heads[i]}|{words[st]}|{d.ljust(3) if pad else d}|"
            reason = str(self.reason[i]) if st == AUX else ""
            end = "|" if not pad else ""
            after[i] = f"|{reason.rjust(2) if pad else reason}|{self._time(self.since[i])}{end}"
        rows = []
        for s, members in enumerate(self.members):
            split = self.split_cells[s]
            rows += [before[i] + split + after[i] for i in members if i in before]
        return rows

    def _garbage(self, row: str) -> bytes:
        rng = self.junk_rng
        kind = rng.randrange(4)
        if kind == 0:  # cut short before its last separator: too few fields
            bars = [n for n, c in enumerate(row) if c == "|"]
            keep = len(bars) - row.endswith("|")  # cutting at bars[keep - 1] still drops one
            return row[: bars[rng.randrange(keep)]].encode()
        if kind == 1:  # a non-numeric split/VDN, or an agent row without LOGID
            f = row.split("|")
            f[1] = " " * len(f[1]) if self.layout == "agent_tv" else "x" + f[1][1:]
            return "|".join(f).encode()
        if kind == 2:  # binary junk (never an LF, never an F-tag)
            return b"\x00" + bytes(
                rng.choice(range(256)) for _ in range(rng.randint(0, 40))
            ).replace(b"\n", b"")
        return b"F1|" + b"9" * 5000  # over the line limit

    def next_chunk(self) -> bytes:
        self._advance()
        rows = {"tvi1": self._tvi1, "agent_tv": self._agent_tv, "cvdn": self._cvdn}[self.layout]()
        self.rows = len(rows)
        self.garbage = 0
        if not self.malformed:
            return ("\n".join([*rows, END]) + "\n").encode()
        out: list[bytes] = []
        rng = self.junk_rng
        for row in rows:
            if rng.random() < self.malformed:
                out.append(self._garbage(row))
                self.garbage += 1
            out.append(row.encode())
        out.append(END.encode())
        return b"\n".join(out) + b"\n"


def make_producer(options: dict[str, Any]) -> CmsReportProducer:
    return CmsReportProducer(options)
