"""Each queue's figures for today and the last 60 minutes, from its 15-minute interval rows.

The interval rows (ingest/intervals.py) already hold honest figures: deltas across the feed's
own resets (Avaya's interval restarts, Optimus's day counters), answered within service level
never above answered, never above offered. Today's and the last hour's KPIs are their sums:
- today: the intervals of the site's reporting day (TIME_ZONE, DAY_START_HOUR);
- the last 60 minutes: the open interval and the three before it (45 to 60 minutes of calls,
  by whole intervals: the rows are the figures there are).
At start a worker reads the day's stored rows (one query); after that the open interval's
bucket of each changed queue is copied in as the accounting books it, so a batch costs its
changed queues, never a row of the day. The sums go out in each queue's `today` (`day`, `h1`),
which the board engine turns into KPIs (wallboard/engine/windows.py), and are stored with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .intervals import INTERVAL, interval_start
from .live import QueueKey

FIELDS = ("offered", "answered", "abandoned", "answered_in_sl", "answer_wait_sum")
HOUR_INTERVALS = 4  # the open interval and the three before it

Figures = tuple[int | None, ...]  # in FIELDS order


def _sum(rows: Iterable[Figures]) -> dict[str, int | None]:
    totals: list[int | None] = [None] * len(FIELDS)
    for row in rows:
        for i, value in enumerate(row):
            if value is not None:
                total = totals[i]
                totals[i] = value if total is None else total + value
    return dict(zip(FIELDS, totals, strict=True))


def _plus(totals: dict[str, int | None], row: Figures) -> dict[str, int | None]:
    """_sum of the two (totals in FIELDS order, and a row): each changed queue, each batch."""
    out: dict[str, int | None] = {}
    for name, value in zip(FIELDS, row, strict=True):
        total = totals[name]
        out[name] = total if value is None else value if total is None else total + value
    return out


class QueueDays:
    """One source's queues: interval start -> figures, for the reporting day so far."""

    def __init__(self, day_start: Callable[[float], float]) -> None:
        self.day_start = day_start  # epoch of the start of the reporting day holding an instant
        self.rows: dict[QueueKey, dict[int, Figures]] = {}
        self.shown: dict[QueueKey, dict[str, Any]] = {}  # the figures last handed out
        # Per queue: (open interval, day start, the day's closed sums, the last hour's closed)
        self.cache: dict[QueueKey, tuple[int, float, dict[str, Any], dict[str, Any]]] = {}
        self.since = 0.0  # the day the rows are of starts here

    def load(self, rows: Iterable[tuple[QueueKey, int, dict[str, Any]]], now: float) -> None:
        """The stored interval rows of the day (key, interval start, figures)."""
        self.since = self.day_start(now)
        for key, start, figures in rows:
            if start >= self.since:
                self.put(key, start, figures)

    def put(self, key: QueueKey, start: int, bucket: dict[str, Any]) -> None:
        figures = tuple(bucket.get(name) for name in FIELDS)
        self.rows.setdefault(key, {})[start] = figures
        cached = self.cache.get(key)
        if cached is not None and start < cached[0]:  # (a closed interval: sum again)
            del self.cache[key]

    def figures(self, key: QueueKey, now: float) -> dict[str, Any]:
        """The day's and the last hour's sums: the closed intervals' are summed once per
        interval (they are final), the open one's added each time."""
        rows = self.rows.get(key, {})
        current = interval_start(now)
        cached = self.cache.get(key)
        since = self.since
        if cached is None or cached[0] > current or cached[1] != since:  # summed afresh
            day = _sum(v for s, v in rows.items() if since <= s < current)
            cached = self.cache[key] = (current, since, day, self._hour(rows, current))
        elif cached[0] < current:  # time went on: the intervals that closed are added
            closed = [rows[s] for s in range(cached[0], current, INTERVAL) if s in rows]
            day = _sum((tuple(cached[2].values()), *closed))
            cached = self.cache[key] = (current, since, day, self._hour(rows, current))
        day, hour = cached[2], cached[3]
        open_row = rows.get(current)
        if open_row is not None:
            day, hour = _plus(day, open_row), _plus(hour, open_row)
        return {"day": day, "h1": hour}

    @staticmethod
    def _hour(rows: dict[int, Figures], current: int) -> dict[str, Any]:
        """The closed intervals of the last hour: the three before the open one."""
        starts = range(current - (HOUR_INTERVALS - 1) * INTERVAL, current, INTERVAL)
        return _sum(rows[s] for s in starts if s in rows)

    def changed(self, keys: Iterable[QueueKey], now: float) -> dict[QueueKey, dict[str, Any]]:
        """The queues (of `keys`) whose figures are not what was last handed out, with them."""
        out = {}
        for key in keys:
            figures = self.figures(key, now)
            if figures != self.shown.get(key):
                self.shown[key] = out[key] = figures
        return out

    def roll(self, now: float) -> dict[QueueKey, dict[str, Any]]:
        """Time passed (an interval boundary): a new day drops the last one's rows, and the
        last hour moves on; the queues whose figures changed."""
        since = self.day_start(now)
        if since != self.since:
            self.since = since
            for rows in self.rows.values():
                for start in [s for s in rows if s < since]:
                    del rows[start]
            self.cache.clear()
        return self.changed(list(self.rows), now)


def day_start(now: float) -> float:
    """The first instant (epoch) of the reporting day `now` is in."""
    import zoneinfo
    from datetime import datetime, time, timedelta

    from django.conf import settings

    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = datetime.fromtimestamp(now, tz) - timedelta(hours=settings.DAY_START_HOUR)
    start = datetime.combine(local.date(), time(settings.DAY_START_HOUR), tzinfo=tz)
    return start.timestamp()


def stored_day(source_id: int, since: float) -> list[tuple[QueueKey, int, dict[str, Any]]]:
    """The source's queue interval rows from `since` on (one query)."""
    from datetime import UTC, datetime

    from wallboard.models import QueueInterval

    rows = QueueInterval.objects.filter(
        source_id=source_id, start__gte=datetime.fromtimestamp(since, UTC)
    ).values_list("kind", "number", "start", *FIELDS)
    return [
        ((kind, number), int(start.timestamp()), dict(zip(FIELDS, figures, strict=True)))
        for kind, number, start, *figures in rows
    ]
