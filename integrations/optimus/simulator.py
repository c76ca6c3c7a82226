"""A simulated Optimus server: every 5 s, one toolbar snapshot of every queue and agent.

Counters are cumulative for the day and never go down; calls arrive, wait, get answered,
abandoned or transferred to the queue's default number, so offered >= answered + abandoned.
Real Optimus pushes to a client it registered; how is not public, so either side may connect.
"""

from __future__ import annotations

import argparse
import random
from typing import Any

from integrations.simnet import FeedProducer

MODE = "either"

QUEUE_NAMES = (
    "Myynti",
    "Asiakaspalvelu",
    "Tekninen tuki",
    "Laskutus",
    "Vaihde",
    "Hätänumero",
    "Sales",
    "Support",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--queues", type=int, default=8, help="queues in each snapshot")
    parser.add_argument("--agents", type=int, default=40, help="agents in each snapshot")
    parser.add_argument("--seed", type=int, default=None, help="same seed, same feed")
    parser.add_argument(
        "--malformed-rate",
        type=float,
        default=0.0,
        help="chance (0..1) of a bad line after each record",
    )
    parser.add_argument(
        "--duration-style",
        choices=("seconds", "mmss"),
        default="seconds",
        help="durations as integer seconds, or as m:ss / h:mm:ss",
    )


def make_producer(options: dict[str, Any]) -> FeedProducer:
    def pick(key: str, default: Any) -> Any:
        value = options.get(key)
        return default if value is None else value

    return ToolbarFeed(
        queues=int(pick("queues", 8)),
        agents=int(pick("agents", 40)),
        seed=options.get("seed"),
        malformed_rate=float(pick("malformed_rate", 0.0)),
        duration_style=str(pick("duration_style", "seconds")),
        interval=float(pick("interval", 5.0)),
    )


def _mmss(seconds: int) -> str:
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}:{s:02d}"
    return f"{minutes // 60}:{minutes % 60:02d}:{s:02d}"


class ToolbarFeed:
    def __init__(
        self,
        *,
        queues: int = 8,
        agents: int = 40,
        seed: int | None = None,
        malformed_rate: float = 0.0,
        duration_style: str = "seconds",
        interval: float = 5.0,
    ) -> None:
        if queues < 1 or agents < 0:
            raise ValueError("need at least one queue and no negative number of agents")
        if not 0.0 <= malformed_rate <= 1.0:
            raise ValueError("malformed_rate is a chance between 0 and 1")
        if duration_style not in ("seconds", "mmss"):
            raise ValueError("duration_style is 'seconds' or 'mmss'")
        self.interval = interval
        self.malformed_rate = malformed_rate
        self._fmt = str if duration_style == "seconds" else _mmss
        rng = self._rng = random.Random(seed)
        # Per queue: [waiting, oldest wait, offered, answered, returned, abandoned,
        # transferred to default, summed wait of answered calls, arrival rate per 5 s].
        self._queues: list[list[Any]] = []
        self._queue_codes = [str(100 + i) for i in range(queues)]
        self._queue_names = [
            f"{QUEUE_NAMES[i % len(QUEUE_NAMES)]} {i // len(QUEUE_NAMES) + 1}"
            for i in range(queues)
        ]
        for _ in range(queues):
            offered = rng.randint(20, 400)
            abandoned = offered // rng.randint(12, 40)
            transferred = offered // 50
            answered = offered - abandoned - transferred
            rate = rng.uniform(0.3, 2.5)
            returned = offered // 30
            self._queues.append(
                [0, 0, offered, answered, returned, abandoned, transferred, answered * 25, rate]
            )
        # Per agent: [offered, returned, answered, direct incoming, external outgoing,
        # internal outgoing, not-ready seconds, not ready now]; each serves two queues.
        self._agent_codes = [str(5000 + i) for i in range(agents)]
        self._agent_queues = [(i % queues, (i + 1) % queues) for i in range(agents)]
        self._agents: list[list[int]] = []
        for _ in range(agents):
            answered = rng.randint(0, 40)
            returned = rng.randint(0, 3)
            self._agents.append(
                [
                    answered + returned,
                    returned,
                    answered,
                    rng.randint(0, 5),
                    rng.randint(0, 10),
                    rng.randint(0, 5),
                    rng.randint(0, 5400),
                    int(rng.random() < 0.1),
                ]
            )

    def next_chunk(self) -> bytes:
        self._step()
        rng, rate, fmt = self._rng, self.malformed_rate, self._fmt
        lines: list[str] = []
        for code, name, q in zip(self._queue_codes, self._queue_names, self._queues, strict=True):
            avg = fmt(q[7] // q[3]) if q[3] else ""  # no answered call yet: no average
            lines.append(
                f"3|{code}|{name}|{avg}|{fmt(q[1])}|{q[0]}|{q[2]}|{q[3]}|{q[4]}|{q[5]}|{q[6]}|"
            )
            if rate and rng.random() < rate:
                lines.append(self._bad_line(code))
        waiting = [q[0] for q in self._queues]
        agents = zip(self._agent_codes, self._agent_queues, self._agents, strict=True)
        for code, (qa, qb), a in agents:
            calls_waiting = waiting[qa] + waiting[qb] if qa != qb else waiting[qa]
            lines.append(
                f"4|{code}|{a[0]}|{a[1]}|{a[2]}|{a[3]}|{a[4]}|{a[5]}|{calls_waiting}|{fmt(a[6])}"
            )
            if rate and rng.random() < rate:
                lines.append(self._bad_line(code))
        lines.append("")
        return "\r\n".join(lines).encode("utf-8")

    def _step(self) -> None:
        rng = self._rng
        for q in self._queues:
            arrivals = int(rng.random() * 2 * q[8] + 0.5)
            waiting = q[0] + arrivals
            answered = min(waiting, int(rng.random() * 2.4 * q[8]))
            abandoned = int(waiting - answered > 0 and rng.random() < 0.12)
            # Long waiters may go on to the queue's default number.
            transferred = int(waiting > answered + abandoned and q[1] > 90 and rng.random() < 0.3)
            left = waiting - answered - abandoned - transferred
            if left == 0:
                oldest = 0
            elif q[0] == 0:
                oldest = rng.randint(1, 5)  # only new arrivals are waiting
            elif answered or abandoned or transferred:
                oldest = max(rng.randint(1, 5), q[1] + 5 - (answered + 1) * rng.randint(5, 25))
            else:
                oldest = q[1] + 5
            q[0], q[1] = left, oldest
            q[2] += arrivals
            q[3] += answered
            q[4] += int(rng.random() < 0.03)
            q[5] += abandoned
            q[6] += transferred
            q[7] += answered * (oldest // 2 + rng.randint(0, 10))
        random_ = rng.random
        for a in self._agents:
            r = random_()
            if r < 0.06:
                a[0] += 1
                a[2] += 1
            elif r < 0.065:
                a[0] += 1
                a[1] += 1
            elif r < 0.075:
                a[3] += 1
            elif r < 0.085:
                a[4] += 1
            elif r < 0.09:
                a[5] += 1
            elif r > 0.985:
                a[7] ^= 1  # goes not ready, or comes back
            if a[7]:
                a[6] += 5

    def _bad_line(self, code: str) -> str:
        kind = self._rng.randrange(4)
        if kind == 0:
            return f"3|{code}|Broken|1:7x|0|0|1|1|0|0|0|"  # not a duration
        if kind == 1:
            return f"4|{code}|1|2"  # cut short
        if kind == 2:
            return f"9|{code}|a record type the guide does not describe"
        return "\x7f|\t|||"
