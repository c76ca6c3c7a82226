"""Mitel RTE group (K) and path (Q) statistics records."""

from __future__ import annotations

import pytest

from integrations.base import OVERFLOW, QueueRow
from integrations.mitel.decoder import RteDecoder


def queue(record: str) -> tuple[RteDecoder, list[QueueRow]]:
    decoder = RteDecoder()
    batches = decoder.feed(f"\x02{record}\r\n".encode())
    return decoder, [row for batch in batches for row in batch.queues]


def test_it_reads_a_group_record() -> None:
    decoder, rows = queue("03K120010610002005013500000")
    assert decoder.errors == []
    [row] = rows
    assert (row.kind, row.number) == ("group", "610")
    assert (row.calls_waiting, row.agents_staffed, row.oldest_wait_seconds) == (2, 5, 95)
    assert row.counters is None
    assert row.extra == {
        "waiting": "002",
        "agents": "005",
        "longestwait": "0135",
        "tail": "00000",
    }


def test_it_reads_a_path_record() -> None:
    _, [row] = queue("04Q120010860000000000000")
    assert (row.kind, row.number, row.calls_waiting, row.oldest_wait_seconds) == (
        "path",
        "860",
        0,
        0,
    )


def test_it_keeps_the_reporting_number_as_sent_without_dropping_zeros() -> None:
    _, [row] = queue("04Q120010060000000000000")
    assert row.number == "060"


def test_a_blank_figure_is_null_not_zero() -> None:
    _, [row] = queue("03K120010610   005    ")
    assert (row.calls_waiting, row.agents_staffed, row.oldest_wait_seconds) == (None, 5, None)
    assert row.extra["waiting"] == "   "


def test_asterisks_are_overflow() -> None:
    _, [row] = queue("03K120010610***005****")
    assert (row.calls_waiting, row.oldest_wait_seconds) == (OVERFLOW, OVERFLOW)


@pytest.mark.parametrize(
    "record",
    [
        "03K1200106100x2005013500000",  # a letter in a count
        "03K120010   002005013500000",  # no reporting number
        "03K12001061000200501",  # cut inside the longest wait
    ],
)
def test_it_refuses_a_malformed_or_short_statistics_record(record: str) -> None:
    decoder, rows = queue(record)
    assert rows == []
    assert len(decoder.errors) == 1


def test_a_statistics_record_with_no_tail_is_whole() -> None:
    decoder, [row] = queue("03K1200106100020050135")
    assert decoder.errors == []
    assert row.extra["tail"] == ""
