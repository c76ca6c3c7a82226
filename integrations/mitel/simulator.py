"""A Mitel 3300 ICP playing ACD Real Time Events: the wallboard connects to it and reads.

Agents log in at free extensions, ring, answer ACD (G) and personal (H) calls, originate (I),
hold and retrieve (N/O/P), run the work timer (L, then M or J), go make busy with a reason
code (E/F) or DND (C/D) and log out (B). Group (K) and path (Q) statistics come from the same
simulated calls and agents; R gives the date. Deterministic for a seed, apart from HH:MM:SS,
which is the wall clock's (pass `clock` from Python to pin it). Not simulated: S (remote ACD
calls of networked PBXs) and the path number G may carry (its position is unconfirmed).
"""

from __future__ import annotations

import argparse
import random
import time
from collections import deque
from collections.abc import Callable
from typing import Any

MODE = "listen"

DEFAULTS: dict[str, Any] = {
    "groups": "610,611,612",
    "paths": "860,861",
    "agents": 30,
    "first_agent": 6101,
    "first_extension": 2101,
    "activity": 0.1,
    "interval": 1.0,
    "stats_every": 15.0,
    "refresh_every": 60.0,
    "noise": 0.0,
    "seed": None,
}

(OUT, IDLE, RINGING_ACD, RINGING_PERSONAL, ACD, PERSONAL, OUTGOING, HOLD, TIMER, BUSY, DND) = range(
    11
)
UNKNOWN_CODES = "VWXYZ"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--groups", default=DEFAULTS["groups"], help="ACD group reporting numbers: 610,611,600-650"
    )
    parser.add_argument("--paths", default=DEFAULTS["paths"], help="ACD path reporting numbers")
    parser.add_argument("--agents", type=int, default=DEFAULTS["agents"])
    parser.add_argument("--first-agent", type=int, default=DEFAULTS["first_agent"])
    parser.add_argument("--first-extension", type=int, default=DEFAULTS["first_extension"])
    parser.add_argument(
        "--activity",
        type=float,
        default=DEFAULTS["activity"],
        help="agent events per agent per burst",
    )
    parser.add_argument(
        "--stats-every",
        type=float,
        default=DEFAULTS["stats_every"],
        help="seconds between K/Q rounds",
    )
    parser.add_argument(
        "--refresh-every",
        type=float,
        default=DEFAULTS["refresh_every"],
        help="seconds between R records",
    )
    parser.add_argument(
        "--noise",
        type=float,
        default=DEFAULTS["noise"],
        help="0..1: share of records with NUL fill, an unknown code beside them, or cut short",
    )
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])


def make_producer(options: dict[str, Any]) -> RteProducer:
    settings: dict[str, Any] = {
        key: DEFAULTS[key] if options.get(key) is None else options[key] for key in DEFAULTS
    }
    return RteProducer(
        groups=reporting_numbers(str(settings["groups"])),
        paths=reporting_numbers(str(settings["paths"])),
        agents=int(settings["agents"]),
        first_agent=int(settings["first_agent"]),
        first_extension=int(settings["first_extension"]),
        activity=float(settings["activity"]),
        interval=float(settings["interval"]),
        stats_every=float(settings["stats_every"]),
        refresh_every=float(settings["refresh_every"]),
        noise=float(settings["noise"]),
        seed=settings["seed"],
        clock=options.get("clock") or time.time,
    )


def reporting_numbers(text: str) -> list[str]:
    """'610,611,700-705' as a list; the record has three characters for the number."""
    numbers: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        numbers.extend(str(n) for n in range(int(low), int(high or low) + 1))
    if not numbers or any(len(n) > 3 for n in numbers):
        raise ValueError(f"reporting numbers must be 1-3 digits: {text!r}")
    return numbers


class RteProducer:
    def __init__(
        self,
        *,
        groups: list[str],
        paths: list[str],
        agents: int,
        first_agent: int = 6101,
        first_extension: int = 2101,
        activity: float = 0.1,
        interval: float = 1.0,
        stats_every: float = 15.0,
        refresh_every: float = 60.0,
        noise: float = 0.0,
        seed: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if agents < 1 or first_agent + agents > 10**7 or first_extension + agents > 10**7:
            raise ValueError("agent IDs and extensions must fit seven characters")
        if not groups or not paths or not 0 <= noise <= 1:
            raise ValueError("needs a group and a path, and noise between 0 and 1")
        self.interval = interval
        self.groups, self.paths = groups, paths
        self.agent_ids = [str(first_agent + i) for i in range(agents)]
        self.activity, self.noise, self.clock = activity, noise, clock
        self._stats_bursts = max(1, round(stats_every / interval)) if interval > 0 else 1
        self._refresh_bursts = max(1, round(refresh_every / interval)) if interval > 0 else 1
        self._rng = random.Random(seed)
        self._sequence = self._rng.randrange(100)
        self._burst = 0
        self.state = [OUT] * agents
        self.extension: list[str] = [""] * agents
        self._held = [IDLE] * agents  # the call a held agent goes back to
        self._ringing_call = [0.0] * agents  # arrival time of the ACD call ringing the agent
        self._free = [str(first_extension + i) for i in range(agents)]
        self.logged_in = [0] * len(groups)  # per group
        self.waiting: list[deque[float]] = [deque() for _ in groups]  # arrival times
        self._path_groups = [range(p, len(groups), len(paths)) for p in range(len(paths))]
        self._out: list[str] = []
        self._wall = time.localtime(0)
        self._clock_text = "000000"

    def group_of(self, agent: int) -> int:
        return agent % len(self.groups)

    def next_chunk(self) -> bytes:
        first = self._burst == 0
        self._burst += 1
        self._tick()
        if first or self._burst % self._refresh_bursts == 0:
            self._refresh()
        if first:  # the start of a shift: most agents log in
            for agent in self._rng.sample(range(len(self.state)), k=len(self.state) * 4 // 5):
                self._login(agent)
        self._arrivals()
        self._events(max(1, round(len(self.state) * self.activity)))
        if first or self._burst % self._stats_bursts == 0:
            self._statistics()
        return self._flush()

    def burst(self, events: int) -> bytes:
        """`events` agent event records in one go (benchmarks); calls arrive to match."""
        self._burst += 1
        self._tick()
        if self._burst == 1:
            self._refresh()
        for _ in range(max(1, events // max(1, len(self.state)))):
            self._arrivals()
        self._events(events)
        return self._flush()

    @property
    def _now(self) -> float:
        return self._burst * self.interval

    def _tick(self) -> None:
        self._wall = time.localtime(self.clock())  # once per burst: one time for all its records
        self._clock_text = time.strftime("%H%M%S", self._wall)

    def _flush(self) -> bytes:
        data = "".join(self._out).encode("ascii")
        self._out.clear()
        return data

    def _record(self, code: str, body: str) -> None:
        text = f"\x02{self._sequence:02d}{code}{self._clock_text}{body}\r\n"
        self._sequence = (self._sequence + 1) % 100
        if self.noise and self._rng.random() < self.noise:
            kind = self._rng.randrange(3)
            if kind == 0:
                text = "\0" * self._rng.randint(1, 8) + text
            elif kind == 1:
                self._out.append(f"\x02{self._sequence:02d}{self._rng.choice(UNKNOWN_CODES)}")
                self._out.append(f"{self._clock_text}{body}\r\n")
                self._sequence = (self._sequence + 1) % 100
            else:  # cut short before the agent ID: the next STX ends it, and it is refused
                text = text[: self._rng.randint(1, 17)]
        self._out.append(text)

    def _agent(self, code: str, agent: int, tail: str) -> None:
        self._record(code, f"{self.extension[agent]:<7}{self.agent_ids[agent]:<7}{tail}")

    def _refresh(self) -> None:
        self._record("R", time.strftime("%Y%m%d", self._wall))

    def _login(self, agent: int) -> None:
        free = self._free
        spot = self._rng.randrange(len(free))
        free[spot], free[-1] = free[-1], free[spot]
        self.extension[agent] = free.pop()
        self.state[agent] = IDLE
        self.logged_in[self.group_of(agent)] += 1
        self._agent("A", agent, "0")

    def _logout(self, agent: int) -> None:
        self._agent("B", agent, "0")
        self._free.append(self.extension[agent])
        self.state[agent] = OUT
        self.logged_in[self.group_of(agent)] -= 1

    def _arrivals(self) -> None:
        rng, now = self._rng, self._now
        for group, queue in enumerate(self.waiting):
            rate = 0.3 * self.activity * self.logged_in[group] + 0.05
            calls = int(rate) + (rng.random() < rate - int(rate))
            queue.extend([now] * calls)
            while queue and (len(queue) > 999 or now - queue[0] > 300):
                queue.popleft()  # the caller gave up

    def _events(self, count: int) -> None:
        rng, agents = self._rng, len(self.state)
        for _ in range(count):
            self._step(rng.randrange(agents))

    def _step(self, agent: int) -> None:
        state, r = self.state[agent], self._rng.random()
        if state == OUT:
            self._login(agent)
        elif state == IDLE:
            queue = self.waiting[self.group_of(agent)]
            if r < 0.45 and queue:
                self._ringing_call[agent] = queue.popleft()
                self.state[agent] = RINGING_ACD
                self._agent("T", agent, "1")
            elif r < 0.6:
                self.state[agent] = RINGING_PERSONAL
                self._agent("T", agent, "1")
            elif r < 0.75:
                self.state[agent] = OUTGOING
                self._agent("I", agent, "1")
            elif r < 0.85:
                self.state[agent] = BUSY
                self._agent("E", agent, f"{self._rng.randint(1, 9):02d}")
            elif r < 0.92:
                self.state[agent] = DND
                self._agent("C", agent, "0")
            else:
                self._logout(agent)
        elif state == RINGING_ACD:
            if r < 0.9:
                self.state[agent] = ACD
                self._agent("G", agent, "1")
            else:  # ring no answer: the call goes back to the head of the queue
                self.waiting[self.group_of(agent)].appendleft(self._ringing_call[agent])
                self.state[agent] = IDLE
                self._agent("U", agent, "1")
        elif state == RINGING_PERSONAL:
            self.state[agent] = PERSONAL if r < 0.8 else IDLE
            self._agent("H" if r < 0.8 else "U", agent, "1")
        elif state in (ACD, PERSONAL, OUTGOING):
            if r < 0.15:
                self._held[agent], self.state[agent] = state, HOLD
                self._agent("N", agent, "1")
            elif state == ACD and r < 0.6:
                self.state[agent] = TIMER
                self._agent("L", agent, "0")
            else:
                self.state[agent] = IDLE
                self._agent("J", agent, "1")
        elif state == HOLD:
            self.state[agent] = self._held[agent] if r < 0.85 else IDLE
            self._agent("O" if r < 0.85 else "P", agent, "1")
        elif state == TIMER:
            self.state[agent] = IDLE
            self._agent("M" if r < 0.7 else "J", agent, "0")
        else:  # BUSY or DND
            self.state[agent] = IDLE
            self._agent("F" if state == BUSY else "D", agent, "0")

    def _statistics(self) -> None:
        now = self._now
        for number, queue, staffed in zip(self.groups, self.waiting, self.logged_in, strict=True):
            longest = now - queue[0] if queue else 0.0
            self._record("K", _queue_body(number, len(queue), staffed, longest))
        for number, members in zip(self.paths, self._path_groups, strict=True):
            waiting = sum(len(self.waiting[g]) for g in members)
            staffed = sum(self.logged_in[g] for g in members)
            longest = max((now - self.waiting[g][0] for g in members if self.waiting[g]), default=0)
            self._record("Q", _queue_body(number, waiting, staffed, longest))


def _queue_body(number: str, waiting: int, staffed: int, longest: float) -> str:
    minutes, seconds = divmod(min(int(longest), 99 * 60 + 59), 60)
    counts = f"{min(waiting, 999):03d}{min(staffed, 999):03d}"
    return f"{number:<3}{counts}{minutes:02d}{seconds:02d}0000"  # tail: zeros, meaning unknown
