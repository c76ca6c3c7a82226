"""Mitel RTE framing: STX ... LF, CR optional, NUL fill, records across and within reads."""

from __future__ import annotations

from pathlib import Path

from integrations.base import Batch
from integrations.mitel.decoder import MAX_RECORD, RteDecoder

FIXTURES = Path(__file__).parent.parent / "fixtures" / "mitel"
LOGIN = b"\x0201A1200002101   6101   0\r\n"
ANSWER = b"\x0202G1200052101   6101   1\r\n"
GROUP = b"\x0203K120010610002005010500000\r\n"


def rows(batches: list[Batch]) -> list[tuple[str, str]]:
    """Agent rows, then queue rows, each in stream order (a batch keeps them apart)."""
    agents = [(a.agent_id, a.vendor_state) for b in batches for a in b.agents]
    return agents + [(q.kind, q.number) for b in batches for q in b.queues]


def test_it_ignores_nul_fill_between_records() -> None:
    decoder = RteDecoder()
    batches = decoder.feed(b"\0\0\0" + LOGIN + b"\0" * 40 + ANSWER + b"\0")
    assert decoder.errors == []
    assert rows(batches) == [("6101", "A"), ("6101", "G")]


def test_a_carriage_return_is_optional() -> None:
    decoder = RteDecoder()
    batches = decoder.feed(LOGIN.replace(b"\r\n", b"\n") + ANSWER)
    assert decoder.errors == []
    assert [a.extra["tail"] for a in batches[0].agents] == ["0", "1"]


def test_all_records_of_one_read_come_back_as_one_batch() -> None:
    decoder = RteDecoder()
    batches = decoder.feed(LOGIN + ANSWER + GROUP)
    assert len(batches) == 1
    assert batches[0].records == 3
    assert batches[0].snapshot is False
    assert rows(batches) == [("6101", "A"), ("6101", "G"), ("group", "610")]


def test_a_stream_split_at_every_offset_decodes_the_same() -> None:
    stream = (FIXTURES / "3300icp_acd_real_time_events.bin").read_bytes()
    whole = RteDecoder()
    expected = rows(whole.feed(stream))
    for cut in range(len(stream) + 1):
        decoder = RteDecoder()
        got = rows(decoder.feed(stream[:cut]) + decoder.feed(stream[cut:]))
        assert got == expected, cut
        assert decoder.errors == []


def test_a_stream_fed_one_byte_at_a_time_decodes_the_same() -> None:
    stream = (FIXTURES / "3300icp_acd_real_time_events.bin").read_bytes()
    decoder = RteDecoder()
    batches = [b for i in range(len(stream)) for b in decoder.feed(stream[i : i + 1])]
    assert rows(batches) == rows(RteDecoder().feed(stream))
    assert sum(b.records for b in batches) == 30


def test_a_read_that_completes_no_record_returns_nothing() -> None:
    decoder = RteDecoder()
    assert decoder.feed(LOGIN[:10]) == []
    assert decoder.feed(b"") == []
    assert rows(decoder.feed(LOGIN[10:])) == [("6101", "A")]


def test_a_fresh_stx_ends_a_whole_record_that_lost_its_terminator() -> None:
    decoder = RteDecoder()
    batches = decoder.feed(LOGIN[:-2] + ANSWER)
    assert decoder.errors == []
    assert rows(batches) == [("6101", "A"), ("6101", "G")]


def test_a_fresh_stx_ends_a_cut_off_record_as_an_error() -> None:
    decoder = RteDecoder()
    batches = decoder.feed(LOGIN[:20] + ANSWER)
    assert rows(batches) == [("6101", "G")]
    assert [e.reason for e in decoder.errors] == ["record cut short"]


def test_it_counts_an_overlong_record_once_and_resynchronises() -> None:
    decoder = RteDecoder()
    runaway = b"\x0201A" + b"9" * (MAX_RECORD * 3)
    batches = []
    for offset in range(0, len(runaway), 500):
        batches += decoder.feed(runaway[offset : offset + 500])
    batches += decoder.feed(b"99999\r\n" + ANSWER)
    assert [e.reason for e in decoder.errors] == ["overlong record"]
    assert rows(batches) == [("6101", "G")]
    assert len(decoder._pending) <= MAX_RECORD + 1


def test_an_overlong_record_in_one_read_is_counted_too() -> None:
    decoder = RteDecoder()
    batches = decoder.feed(b"\x0201A" + b" " * MAX_RECORD + b"\r\n" + ANSWER)
    assert [e.reason for e in decoder.errors] == ["overlong record"]
    assert rows(batches) == [("6101", "G")]


def test_garbage_outside_records_counts_once_per_run() -> None:
    decoder = RteDecoder()
    batches = decoder.feed(b"hello" + LOGIN + b"world\r\nagain" + ANSWER)
    batches += decoder.feed(b"trailing")
    batches += decoder.feed(b" and more of it\r\n")
    assert rows(batches) == [("6101", "A"), ("6101", "G")]
    assert [e.reason for e in decoder.errors] == ["bytes outside a record"] * 3


def test_a_record_without_its_stx_is_garbage() -> None:
    decoder = RteDecoder()
    assert decoder.feed(b"74R13024320140115\r\n") == []
    assert [e.reason for e in decoder.errors] == ["bytes outside a record"]
    assert decoder.pbx_date is None


def test_a_record_of_the_longest_length_allowed_passes_however_it_is_split() -> None:
    record = b"\x0201G1200052101   6101   " + b"1" * (MAX_RECORD - 23) + b"\r\n"
    for cut in (len(record) - 1, len(record) - 2, len(record)):
        decoder = RteDecoder()
        batches = decoder.feed(record[:cut]) + decoder.feed(record[cut:])
        assert decoder.errors == [], cut
        assert rows(batches) == [("6101", "G")]
