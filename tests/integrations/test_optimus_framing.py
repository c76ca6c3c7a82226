from pathlib import Path

import pytest

from integrations.base import OVERFLOW, Batch
from integrations.optimus.decoder import MAX_PENDING, MAX_RECORD, ToolbarDecoder

FIXTURES = Path(__file__).parent.parent / "fixtures" / "optimus"
# Two 5-second cycles in the integration guide's record layouts, CR LF ended, as Optimus would
# send them to a toolbar assigned to three queues (no public capture exists).
TWO_CYCLES = (FIXTURES / "toolbar_two_cycles.txt").read_bytes()
LATER = 1e9  # a flush this late closes whatever batch is open


def decode(*reads: bytes) -> tuple[list[Batch], ToolbarDecoder]:
    decoder = ToolbarDecoder(clock=lambda: 0.0)
    batches = [batch for data in reads for batch in decoder.feed(data)]
    return batches + decoder.flush(LATER), decoder


def summary(batches: list[Batch]) -> list[tuple[list[tuple], list[tuple], int]]:
    return [
        (
            [(q.number, q.name, q.calls_waiting, q.offered, q.extra) for q in b.queues],
            [(a.agent_id, a.extra) for a in b.agents],
            b.records,
        )
        for b in batches
    ]


def test_the_fixture_is_wire_data_with_cr_lf_line_ends() -> None:
    assert TWO_CYCLES.count(b"\r\n") == 12


def test_it_reads_two_cycles_as_two_snapshots() -> None:
    batches, decoder = decode(TWO_CYCLES)
    assert decoder.errors == []
    assert [len(b.queues) for b in batches] == [3, 3]
    assert [len(b.agents) for b in batches] == [3, 3]
    assert all(b.snapshot and b.records == 6 for b in batches)
    first, second = batches
    assert first.queues[2].calls_waiting == OVERFLOW
    assert first.queues[2].oldest_wait_seconds == 725
    assert first.agents[1].extra["not_ready_seconds"] is None
    assert second.queues[0].oldest_wait_seconds == 5
    assert second.agents[2].extra["not_ready_seconds"] == 3728


@pytest.mark.parametrize("line_end", [b"\n", b"\r"])
def test_it_reads_lf_and_lone_cr_line_ends_like_cr_lf(line_end: bytes) -> None:
    expected, _ = decode(TWO_CYCLES)
    batches, decoder = decode(TWO_CYCLES.replace(b"\r\n", line_end))
    assert decoder.errors == []
    assert summary(batches) == summary(expected)


def test_it_reads_the_same_batches_whatever_the_split_between_reads() -> None:
    expected = summary(decode(TWO_CYCLES)[0])
    for cut in range(len(TWO_CYCLES) + 1):
        batches, decoder = decode(TWO_CYCLES[:cut], TWO_CYCLES[cut:])
        assert decoder.errors == [], cut
        assert summary(batches) == expected, cut


def test_it_reads_the_same_batches_one_byte_at_a_time() -> None:
    data = TWO_CYCLES.replace(b"\r\n", b"\r")
    reads = [data[i : i + 1] for i in range(len(data))]
    batches, decoder = decode(*reads)
    assert decoder.errors == []
    assert summary(batches) == summary(decode(TWO_CYCLES)[0])


def test_it_counts_an_unknown_record_type_and_goes_on() -> None:
    data = b"7|100|something new|1|2\r\n" + TWO_CYCLES
    batches, decoder = decode(data)
    assert [e.reason for e in decoder.errors] == ["unknown record type"]
    assert "something new" in decoder.errors[0].excerpt
    assert [len(b.queues) for b in batches] == [3, 3]
    assert batches[0].records == 7  # the skipped record still came in with the first cycle


def test_it_counts_a_malformed_record_and_keeps_the_rest_of_the_batch() -> None:
    data = TWO_CYCLES.replace(b"4|5001|0|0|0|0|0|0|0|\r\n", b"4|5001|0|x|0|0|0|0|0|\r\n")
    batches, decoder = decode(data)
    assert len(decoder.errors) == 1
    assert decoder.errors[0].reason.startswith("malformed record")
    assert [a.agent_id for a in batches[0].agents] == ["5000", "5002"]
    assert [a.agent_id for a in batches[1].agents] == ["5000", "5001", "5002"]


def test_it_skips_blank_lines_without_counting_them() -> None:
    batches, decoder = decode(TWO_CYCLES.replace(b"\r\n", b"\r\n\r\n  \r\n"))
    assert decoder.errors == []
    assert [b.records for b in batches] == [6, 6]


def test_it_drops_an_overlong_record_split_over_reads_and_resumes_at_its_line_end() -> None:
    junk = b"3|" + b"9" * (MAX_PENDING + 100)
    reads = [junk[:1000], junk[1000:9000], junk[9000:], b"123|x\r\n", TWO_CYCLES]
    batches, decoder = decode(*reads)
    assert [e.reason for e in decoder.errors] == ["record too long"]
    assert [len(b.queues) for b in batches] == [3, 3]


def test_it_holds_no_more_than_one_record_of_an_endless_line() -> None:
    decoder = ToolbarDecoder(clock=lambda: 0.0)
    for _ in range(100):
        decoder.feed(b"x" * 1000)
    assert len(decoder._pending) <= MAX_PENDING
    assert [e.reason for e in decoder.errors] == ["record too long"]


@pytest.mark.parametrize("cut", [None, 10, 2000, 4100])
def test_it_counts_an_overlong_record_however_it_was_split(cut: int | None) -> None:
    data = b"4|" + b"1" * MAX_RECORD + b"\r\n" + TWO_CYCLES
    batches, decoder = decode(data) if cut is None else decode(data[:cut], data[cut:])
    assert [e.reason for e in decoder.errors] == ["record too long"]
    assert len(batches) == 2


@pytest.mark.parametrize("cut", [None, 10, 2001, 4100, 5000])
def test_it_measures_a_record_in_characters_however_it_was_split(cut: int | None) -> None:
    name = "ä" * (MAX_RECORD - 100)  # within the limit in characters, not in bytes
    data = f"3|105|{name}|0|0|0|1|1|0|0|0|\r\n".encode()
    batches, decoder = decode(data) if cut is None else decode(data[:cut], data[cut:])
    assert decoder.errors == []
    assert batches[0].queues[0].name == name


def test_it_reads_a_queue_name_sent_in_utf_8_or_in_an_8_bit_code_page() -> None:
    utf8 = "3|105|Hätänumero|0|0|0|1|1|0|0|0|\r\n".encode()
    latin = "3|106|Hätänumero|0|0|0|1|1|0|0|0|\r\n".encode("latin-1")
    batches, decoder = decode(utf8 + latin)
    assert decoder.errors == []
    assert [q.name for q in batches[0].queues] == ["Hätänumero", "Hätänumero"]
