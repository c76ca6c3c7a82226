"""tvi1 (split/skill) report rows to neutral queue rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.avaya_cms import make_decoder
from integrations.base import OVERFLOW, Batch, QueueRow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "avaya_cms"
EXAMPLE = (FIXTURES / "tvi1_example.txt").read_bytes()
UNPADDED = (FIXTURES / "tvi1_unpadded.txt").read_bytes()


def decode(data: bytes) -> tuple[list[Batch], list[str]]:
    decoder = make_decoder("tvi1", {})
    batches = decoder.feed(data)
    return batches, [e.reason for e in decoder.errors]


def queues(data: bytes) -> dict[str, QueueRow]:
    batches, _ = decode(data)
    assert len(batches) == 1
    return {q.number: q for q in batches[0].queues}


def test_it_reads_the_protocol_notes_example_batch() -> None:
    batches, errors = decode(EXAMPLE)
    assert errors == []
    assert len(batches) == 1
    batch = batches[0]
    assert batch.snapshot is True
    assert batch.records == 3
    assert batch.agents == []
    assert [q.number for q in batch.queues] == ["3", "12", "7"]


def test_it_maps_every_column_of_a_skill_row() -> None:
    q = queues(EXAMPLE)["3"]
    assert q == QueueRow(
        kind="skill",
        number="3",
        calls_waiting=4,
        agents_available=2,
        asa_seconds=18,
        abandoned=1,
        oldest_wait_seconds=102,
        answered=57,
        agents_ringing=1,
        agents_on_call=9,
        agents_wrap_up=3,
        agents_other=0,
        agents_not_ready=2,
        agents_staffed=17,
        service_level_pct=86,
        offered=66,
        counters="interval",
        extra={
            "acd": 1,
            "avg_talk_seconds": 185,
            "avg_abandon_seconds": 47,
            "ewt_high_seconds": None,
            "ewt_medium_seconds": None,
            "ewt_low_seconds": None,
            "direct_agent_waiting": 0,
            "service_level_seconds": 20,
        },
    )


def test_it_keeps_a_blank_average_as_null_not_zero() -> None:
    q = queues(EXAMPLE)["12"]
    assert q.extra["avg_abandon_seconds"] is None
    assert q.abandoned == 0
    assert q.oldest_wait_seconds == 0  # `  :00` is a real zero


def test_it_keeps_a_blank_service_level_and_asa_as_null() -> None:
    q = queues(EXAMPLE)["7"]
    assert q.asa_seconds is None
    assert q.service_level_pct is None
    assert q.offered == 0


def test_it_reads_asterisks_as_overflow() -> None:
    assert queues(EXAMPLE)["7"].oldest_wait_seconds == OVERFLOW


def test_it_reads_unpadded_rows_with_a_trailing_bar_the_same_as_padded() -> None:
    assert queues(UNPADDED) == queues(EXAMPLE)


def test_it_reads_crlf_line_ends() -> None:
    assert queues(EXAMPLE.replace(b"\n", b"\r\n")) == queues(EXAMPLE)
    assert queues(UNPADDED.replace(b"\n", b"\r\n")) == queues(EXAMPLE)


def test_it_tolerates_extra_trailing_fields() -> None:
    data = EXAMPLE.replace(b"|  66\n", b"|  66|  12|extra\n")
    assert queues(data) == queues(EXAMPLE)


def test_it_counts_and_skips_a_row_with_too_few_fields() -> None:
    data = EXAMPLE.replace(b"F1| 12|", b"F1| 99|   1\nF1| 12|")
    batches, errors = decode(data)
    assert len(errors) == 1 and "fields" in errors[0]
    assert [q.number for q in batches[0].queues] == ["3", "12", "7"]
    assert batches[0].records == 3


@pytest.mark.parametrize("split", [b" ab", b"   ", b"-3", b"3.5"])
def test_it_counts_and_skips_a_row_whose_split_is_not_a_number(split: bytes) -> None:
    data = EXAMPLE.replace(b"F1| 12|", b"F1|" + split + b"|", 1)
    batches, errors = decode(data)
    assert len(errors) == 1 and "split" in errors[0]
    assert [q.number for q in batches[0].queues] == ["3", "7"]


def test_it_counts_and_skips_a_row_with_a_garbled_time() -> None:
    data = EXAMPLE.replace(b" 1:42|", b" 1:4x|")
    batches, errors = decode(data)
    assert len(errors) == 1
    assert [q.number for q in batches[0].queues] == ["12", "7"]


def test_it_reads_a_split_with_leading_zeros_as_its_number() -> None:
    assert "3" in queues(EXAMPLE.replace(b"F1|  3|", b"F1|003|"))


def test_it_reads_times_of_an_hour_or_more() -> None:
    q = queues(EXAMPLE.replace(b" 1:42|", b"1:02:03|"))["3"]
    assert q.oldest_wait_seconds == 3723


def test_an_empty_report_run_is_an_empty_snapshot() -> None:
    batches, errors = decode(b"F3|END_OF_RECORDS\n")
    assert errors == []
    assert batches == [Batch(snapshot=True)]


def test_a_time_in_a_count_column_is_an_error_even_once_the_text_was_a_valid_time() -> None:
    decoder = make_decoder("tvi1", {})
    assert len(decoder.feed(EXAMPLE)[0].queues) == 3  # ` 1:42` seen as skill 3's oldest call
    garbled = EXAMPLE.replace(b"F1|  3|   4|", b"F1|  3| 1:42|")
    (batch,) = decoder.feed(garbled)
    assert [q.number for q in batch.queues] == ["12", "7"]
    assert len(decoder.errors) == 1


def test_one_connection_decodes_a_run_seen_before_to_equal_rows() -> None:
    decoder = make_decoder("tvi1", {})
    first, second = decoder.feed(EXAMPLE + UNPADDED)
    assert first.queues == second.queues
    assert first.queues is not second.queues and first.queues[0] is not second.queues[0]
