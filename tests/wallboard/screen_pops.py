"""Helpers of the screen-pop tests: a toolbar source that takes pop-ups, and its URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from wallboard.models import ScreenPopReceiver, Source

POP = {
    "CALLID": "70001",
    "EXTENSION": "2001",
    "QUEUECODE": "SALES",
    "QUEUE": "Sales line",
    "CLID": "0501234567",
    "DNIS": "1700500500",
    "WAITING TIME": "12",
    "ATTACHDATA": "customer=4411",
}


def pop_source(make_source: Any, name: str = "optimus-1", **options: Any) -> Source:
    return make_source(
        name,
        vendor="optimus",
        layout="",
        refresh_seconds=1,
        options={"screen_pop": True, **options},
    )


def pop_url(source: Source, **params: str) -> str:
    key = ScreenPopReceiver.objects.get(source=source).key
    return f"/screenpop/{key}/?{urlencode({**POP, **params})}"
