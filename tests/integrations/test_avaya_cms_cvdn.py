"""CVDN (VDN) report rows to neutral queue rows of kind "vdn"."""

from __future__ import annotations

from pathlib import Path

from integrations.avaya_cms import make_decoder
from integrations.base import OVERFLOW, QueueRow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "avaya_cms"
EXAMPLE = (FIXTURES / "cvdn_example.txt").read_bytes()


def decode(data: bytes) -> tuple[dict[str, QueueRow], list[str]]:
    decoder = make_decoder("cvdn", {})
    (batch,) = decoder.feed(data)
    assert batch.snapshot
    return {q.number: q for q in batch.queues}, [e.reason for e in decoder.errors]


def test_it_maps_every_column_of_a_vdn_row() -> None:
    vdns, errors = decode(EXAMPLE)
    assert errors == []
    assert vdns["5001"] == QueueRow(
        kind="vdn",
        number="5001",
        name="Sales",
        calls_waiting=3,
        oldest_wait_seconds=65,
        asa_seconds=22,
        abandoned=2,
        answered=57,
        counters="interval",
        extra={"avg_abandon_seconds": 41, "avg_talk_seconds": 190, "active_calls": 12},
    )


def test_it_keeps_blank_averages_as_null_and_reads_overflow() -> None:
    vdns, _ = decode(EXAMPLE)
    assert vdns["5002"].asa_seconds is None
    assert vdns["5002"].extra["avg_talk_seconds"] is None
    assert vdns["5003"].oldest_wait_seconds == OVERFLOW
    assert vdns["5003"].name == "After hours"


def test_it_reads_unpadded_rows_with_a_trailing_bar() -> None:
    unpadded = b"\n".join(
        b"|".join(f.strip() for f in line.split(b"|")) + (b"|" if line.startswith(b"F1") else b"")
        for line in EXAMPLE.splitlines()
    )
    assert decode(unpadded + b"\n") == decode(EXAMPLE)


def test_it_keeps_a_bar_typed_inside_a_vdn_name() -> None:
    data = b"F1|5009|Sales | Spanish|1|:30|:10|0||4|2:00|5|\nF3|END_OF_RECORDS\n"
    vdns, errors = decode(data)
    assert errors == []
    assert vdns["5009"].name == "Sales | Spanish"
    assert vdns["5009"].extra["active_calls"] == 5


def test_bad_vdn_rows_are_counted_and_skipped() -> None:
    data = b"F1|5010|Short|1\nF1|VDN9|Name|1|:30|:10|0||4|2:00|5\n" + EXAMPLE
    vdns, errors = decode(data)
    assert len(errors) == 2
    assert sorted(vdns) == ["5001", "5002", "5003"]
