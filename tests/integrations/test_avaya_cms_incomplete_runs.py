"""Runs with lines that could not be read are handed on as incomplete; a run is bounded in bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.avaya_cms import decoder as framing
from integrations.avaya_cms import make_decoder
from integrations.base import Batch, Decoder

pytestmark = pytest.mark.usefixtures("agent_lookup")  # with the C speed-up and without

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "avaya_cms"
TVI1 = (FIXTURES / "tvi1_example.txt").read_bytes()
CVDN = (FIXTURES / "cvdn_example.txt").read_bytes()
AGENTS = (FIXTURES / "agent_tv_example.txt").read_bytes()
CLEAN = {"tvi1": TVI1, "cvdn": CVDN, "agent_tv": AGENTS}
SPOILT = {
    "tvi1": TVI1.replace(b"F1| 12|   0|", b"F1| 12|  x0|"),
    "cvdn": CVDN.replace(b"Support             |   0|", b"Support             |  x0|"),
    "agent_tv": AGENTS.replace(b"|     :40", b"|   xx:40"),
}


def one(decoder: Decoder, data: bytes) -> Batch:
    (batch,) = decoder.feed(data)
    return batch


@pytest.mark.parametrize("layout", ["tvi1", "cvdn", "agent_tv"])
def test_a_run_with_a_row_that_cannot_be_read_says_how_many_and_which(layout: str) -> None:
    decoder = make_decoder(layout, {})
    assert one(decoder, CLEAN[layout]).unread == 0
    batch = one(decoder, SPOILT[layout])
    assert batch.unread == 1 and len(decoder.errors) == 1
    assert "x" in batch.unread_excerpt and batch.unread_excerpt.startswith(decoder.errors[0].reason)
    assert batch.records == len(CLEAN[layout].splitlines()) - 2  # the F3 line and the bad row
    assert one(decoder, CLEAN[layout]).unread == 0  # counted per run


@pytest.mark.parametrize("layout", ["tvi1", "agent_tv"])
def test_a_run_split_across_reads_counts_its_bad_rows_once(layout: str) -> None:
    data = SPOILT[layout] + CLEAN[layout]
    for cut in range(0, len(data), 7):
        decoder = make_decoder(layout, {})
        first, second = decoder.feed(data[:cut]) + decoder.feed(data[cut:])
        assert (first.unread, second.unread) == (1, 0), cut


def test_lines_that_are_no_rts_record_inside_a_run_make_it_incomplete() -> None:
    decoder = make_decoder("tvi1", {})
    long_line = b"F1|" + b"9" * (framing.MAX_LINE + 10) + b"\n"
    batch = one(decoder, b"garbage\n" + long_line + TVI1)
    assert batch.unread == 2 and len(batch.queues) == 3
    assert batch.unread_excerpt == "not an RTS record: garbage"


def test_a_run_of_which_no_row_could_be_read_has_no_records() -> None:
    decoder = make_decoder("tvi1", {})
    short = b"".join(b"|".join(line.split(b"|")[:12]) + b"\n" for line in TVI1.splitlines()[:3])
    batch = one(decoder, short + b"F3\n")
    assert (batch.unread, batch.records, batch.queues) == (3, 0, [])


@pytest.mark.parametrize("layout", ["tvi1", "agent_tv"])
def test_a_run_over_the_byte_bound_is_dropped_as_one_error_and_let_go_of(
    layout: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(framing, "MAX_RUN_BYTES", 64 * 1024)
    decoder = make_decoder(layout, {})
    assert isinstance(decoder, framing.RtsDecoder)
    row = CLEAN[layout].splitlines(True)[0].rstrip(b"\n")
    row = row + b" " * (4000 - len(row)) + b"\n"  # rows of 4 KB, with no F3 after them
    for _ in range(200):  # 800 KB
        assert decoder.feed(row * 4) == []
        assert sum(map(len, decoder._rows)) <= framing.MAX_RUN_BYTES
        report = getattr(decoder._parse_rows, "__self__", None)
        run = getattr(report, "_run", None)
        assert run is None or len(run.lines) * 4000 <= framing.MAX_RUN_BYTES
        assert run is None or len(run.parsed) * 4000 <= framing.MAX_RUN_BYTES
    assert len(decoder.errors) == 1 and "report run over" in decoder.errors[0].reason
    assert decoder.feed(b"F3|END_OF_RECORDS\n") == []  # the end of the run that was dropped
    batch = one(decoder, CLEAN[layout])  # the next goes on as usual
    assert batch.unread == 0 and batch.records == len(CLEAN[layout].splitlines()) - 1
    assert len(decoder.errors) == 1
