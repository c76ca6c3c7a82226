"""Call ledger rows for the tests of what reads calls (the API, the export, the admin, the
purge), written straight to the models as ingest's ledger writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from wallboard.models import Call, CallSegment, Source

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def at(seconds: float, base: datetime = T0) -> datetime:
    return base + timedelta(seconds=seconds)


def make_call(
    source: Source, call_id: str, segments: tuple[dict[str, Any], ...] = (), **fields: Any
) -> Call:
    """A call offered at T0 unless told otherwise; `state` "ended" unless told otherwise (an
    ended call gets an end a minute after it was offered)."""
    values: dict[str, Any] = {"state": "ended", "offered_at": T0}
    values.update(fields)
    if values["state"] == "ended" and "ended_at" not in values:
        values["ended_at"] = values["offered_at"] + timedelta(minutes=1)
    values.setdefault("updated_at", values.get("ended_at") or values["offered_at"])
    call = Call.objects.create(source=source, call_id=call_id, **values)
    for seq, segment in enumerate(segments, start=1):
        CallSegment.objects.create(call=call, seq=seq, **segment)
    return call
