"""Reconnect backoff: doubling, capped and jittered, reset on success.

One object per retrying loop (a feed connection, a pass-through target, the persist loop)::

    backoff = Backoff()
    while True:
        try:
            ...
        except OSError:
            await asyncio.sleep(backoff.next())
            continue
        backoff.reset()
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """Delays of first, 2*first, 4*first ... up to cap, each times a random factor in
    [1 - jitter, 1 + jitter] so that many clients that lost one server do not retry in step."""

    def __init__(
        self,
        first: float = 1.0,
        cap: float = 30.0,
        jitter: float = 0.0,
        rand: Callable[[float, float], float] = random.uniform,
    ) -> None:
        if not 0 < first <= cap:
            raise ValueError("backoff needs 0 < first <= cap")
        if not 0 <= jitter < 1:
            raise ValueError("backoff jitter is a fraction in [0, 1)")
        self.first, self.cap, self.jitter = first, cap, jitter
        self._rand = rand
        self._delay = first
        self.failures = 0

    def next(self) -> float:
        """The delay to wait before the next try; the one after it is longer (up to cap)."""
        delay = self._delay
        self._delay = min(self._delay * 2, self.cap)
        self.failures += 1
        if self.jitter:
            delay *= self._rand(1 - self.jitter, 1 + self.jitter)
        return delay

    @property
    def current(self) -> float:
        """The delay next() will return, before jitter."""
        return self._delay

    def reset(self) -> None:
        self._delay = self.first
        self.failures = 0
