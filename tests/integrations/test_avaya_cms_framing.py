"""Framing of an RTS session: lines, report runs, reads split anywhere, bad lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.avaya_cms import decoder as framing
from integrations.avaya_cms import make_decoder
from integrations.base import Batch, Decoder

pytestmark = pytest.mark.usefixtures("agent_lookup")  # with the C speed-up and without

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "avaya_cms"
TVI1 = (FIXTURES / "tvi1_example.txt").read_bytes()
AGENTS = (FIXTURES / "agent_tv_example.txt").read_bytes()


def feed_all(decoder: Decoder, pieces: list[bytes]) -> list[Batch]:
    return [batch for piece in pieces for batch in decoder.feed(piece)]


def test_a_batch_is_committed_only_when_its_f3_arrives() -> None:
    decoder = make_decoder("tvi1", {})
    body, end = TVI1.split(b"F3")
    assert decoder.feed(body) == []
    (batch,) = decoder.feed(b"F3" + end)
    assert len(batch.queues) == 3


@pytest.mark.parametrize(("layout", "data"), [("tvi1", TVI1), ("agent_tv", AGENTS)])
def test_a_read_split_at_any_byte_gives_the_same_batch(layout: str, data: bytes) -> None:
    whole = make_decoder(layout, {}).feed(data)
    for cut in range(len(data) + 1):
        decoder = make_decoder(layout, {})
        assert feed_all(decoder, [data[:cut], data[cut:]]) == whole, cut
        assert decoder.errors == []


def test_a_stream_fed_one_byte_at_a_time_gives_the_same_batches() -> None:
    data = TVI1.replace(b"\n", b"\r\n") * 3
    decoder = make_decoder("tvi1", {})
    batches = feed_all(decoder, [data[i : i + 1] for i in range(len(data))])
    assert batches == make_decoder("tvi1", {}).feed(TVI1) * 3


def test_several_batches_in_one_read_come_out_in_order() -> None:
    second = TVI1.replace(b"F1| 12|   0|", b"F1| 12|   9|")
    batches = make_decoder("tvi1", {}).feed(TVI1 + second + TVI1[:40])
    assert [b.queues[1].calls_waiting for b in batches] == [0, 9]


def test_an_f0_header_and_unknown_tags_are_ignored_without_errors() -> None:
    data = b"F0|HEADER|tvi1|10:15\n" + TVI1.replace(b"F3|", b"F2|whatever\nF9\nF3|")
    decoder = make_decoder("tvi1", {})
    (batch,) = decoder.feed(data)
    assert decoder.errors == []
    assert batch.records == 3


def test_blank_lines_are_ignored() -> None:
    decoder = make_decoder("tvi1", {})
    (batch,) = decoder.feed(b"\n\r\n   \n" + TVI1.replace(b"\n", b"\n\n"))
    assert decoder.errors == []
    assert len(batch.queues) == 3


def test_padded_tags_and_a_bare_f3_are_understood() -> None:
    data = TVI1.replace(b"F1| 12", b" F1 | 12").replace(b"F3|END_OF_RECORDS", b"F3")
    decoder = make_decoder("tvi1", {})
    (batch,) = decoder.feed(data)
    assert decoder.errors == []
    assert [q.number for q in batch.queues] == ["3", "12", "7"]


def test_binary_junk_is_counted_and_skipped() -> None:
    data = b"\x00\xff\xfe junk|||\n" + TVI1[:-18] + b"\x1b[2J\n|no tag\n" + TVI1[-18:]
    decoder = make_decoder("tvi1", {})
    (batch,) = decoder.feed(data)
    assert len(decoder.errors) == 3
    assert len(batch.queues) == 3


def test_an_overlong_line_is_one_error_and_the_stream_goes_on() -> None:
    long_line = b"F1|" + b"9" * (framing.MAX_LINE + 10) + b"\n"
    for pieces in ([long_line + TVI1], [long_line[:5000], long_line[5000:] + TVI1]):
        decoder = make_decoder("tvi1", {})
        (batch,) = feed_all(decoder, pieces)
        assert len(decoder.errors) == 1
        assert len(batch.queues) == 3


def test_a_stream_without_line_ends_does_not_grow_memory() -> None:
    decoder = make_decoder("tvi1", {})
    for _ in range(100):
        assert decoder.feed(b"x" * 1000) == []
    assert len(decoder._tail) <= framing.MAX_LINE
    assert len(decoder.errors) == 1
    (batch,) = decoder.feed(b"\n" + TVI1)
    assert len(batch.queues) == 3


def test_a_report_run_over_the_row_limit_is_dropped_as_one_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(framing, "MAX_BATCH_ROWS", 2)
    decoder = make_decoder("tvi1", {})
    assert decoder.feed(TVI1) == []
    assert len(decoder.errors) == 1
    monkeypatch.setattr(framing, "MAX_BATCH_ROWS", 3)
    assert len(decoder.feed(TVI1)[0].queues) == 3


def test_a_name_that_is_not_utf8_is_read_as_latin1() -> None:
    data = b"F1|7|Jos\xe9 Garc\xeda|1|AVAIL||1||:05\nF1|8|Zo\xc3\xab|2|AVAIL||1||:05\nF3\n"
    decoder = make_decoder("agent_tv", {})
    (batch,) = decoder.feed(data)
    assert [a.name for a in batch.agents] == ["José García", "Zoë"]
