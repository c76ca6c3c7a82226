"""A call ledger with its bookings kept in a list, and CallEvents written short, for the
ledger's rule tests."""

from __future__ import annotations

from typing import Any

from ingest.calls import CallLedger, QueueKey
from integrations.base import CallEvent

T0 = 1_800_000_000.0  # an interval start (a multiple of 900)


class Booked:
    """What a ledger booked, summed per queue and figure."""

    def __init__(self) -> None:
        self.entries: list[tuple[QueueKey, float, dict[str, float]]] = []

    def __call__(self, queue: QueueKey, at: float, figures: dict[str, float]) -> None:
        self.entries.append((queue, at, dict(figures)))

    def total(self, queue: QueueKey = ("queue", "1")) -> dict[str, float]:
        out: dict[str, float] = {}
        for key, _, figures in self.entries:
            if key == queue:
                for name, value in figures.items():
                    out[name] = out.get(name, 0) + value
        return out


def ledger(target: float = 20, orphan_seconds: float = 3600) -> tuple[CallLedger, Booked]:
    booked = Booked()
    return CallLedger(booked, lambda queue: target, orphan_seconds), booked


def ev(call_id: str, step: str, at: float, **fields: Any) -> CallEvent:
    if "queue" in fields:
        fields["queue_kind"], fields["queue_number"] = "queue", fields.pop("queue")
    return CallEvent(call_id=call_id, step=step, at=T0 + at, **fields)
