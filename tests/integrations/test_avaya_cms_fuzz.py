"""Hypothesis: no input crashes a decoder, reads may split anywhere, values round-trip."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.avaya_cms import make_decoder
from integrations.avaya_cms.values import time_text
from integrations.base import OVERFLOW, Batch, Decoder

pytestmark = pytest.mark.usefixtures("agent_lookup")  # with the C speed-up and without

LAYOUTS: list[tuple[str, dict[str, Any]]] = [
    ("tvi1", {}),
    ("cvdn", {}),
    ("agent_tv", {}),
    ("agent_tv", {"columns": ["STATE", "LOGID", "XTRA"], "state_map": {"Z": "other"}}),
]


def feed_in_pieces(decoder: Decoder, data: bytes, cuts: list[int]) -> list[Batch]:
    batches, start = [], 0
    for cut in [*sorted({c % (len(data) + 1) for c in cuts}), len(data)]:
        batches += decoder.feed(data[start:cut])
        start = cut
    return batches


@settings(max_examples=300)
@given(
    layout=st.sampled_from(LAYOUTS),
    data=st.binary(max_size=600),
    cuts=st.lists(st.integers(min_value=0, max_value=600), max_size=8),
)
def test_arbitrary_bytes_in_arbitrary_reads_never_raise(
    layout: tuple[str, dict[str, Any]], data: bytes, cuts: list[int]
) -> None:
    decoder = make_decoder(*layout)
    for batch in feed_in_pieces(decoder, data, cuts):
        assert batch.snapshot


# Lines that look like RTS records, with fields drawn from what trips parsers up.
FIELD = st.sampled_from(
    ["", " ", "  3", "7", "007", "*****", "**", "  :00", " 2:18", "1:02:03", ":5", "AVAIL",
     "aux", "RING", "50", "x", "-1", "1.5", "\r", "  |  ", "é", "\x00", "F3", "F1", "99999999"]
)  # fmt: skip
LINE = st.builds(
    lambda tag, fields: "|".join([tag, *fields]),
    st.sampled_from(["F1", "F1", "F1", " F1", "F0", "F3", "F3|END_OF_RECORDS", "F7", "G1", ""]),
    st.lists(FIELD, max_size=27),
)


@settings(max_examples=300)
@given(
    layout=st.sampled_from(LAYOUTS),
    lines=st.lists(LINE, max_size=25),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=10),
    crlf=st.booleans(),
)
def test_record_like_lines_decode_the_same_however_the_reads_are_split(
    layout: tuple[str, dict[str, Any]], lines: list[str], cuts: list[int], crlf: bool
) -> None:
    data = ("\r\n" if crlf else "\n").join(lines).encode() + b"\n"
    whole = make_decoder(*layout)
    pieces = make_decoder(*layout)
    expected = whole.feed(data)
    assert feed_in_pieces(pieces, data, cuts) == expected
    assert len(pieces.errors) == len(whole.errors)
    assert len(expected) == sum(1 for line in lines if line.split("|")[0].strip() == "F3")


FIGURE = st.one_of(st.none(), st.integers(min_value=0, max_value=999), st.just(OVERFLOW))
TIME = st.one_of(st.none(), st.integers(min_value=0, max_value=9 * 3600), st.just(OVERFLOW))


def wire(value: int | str | None, time: bool, width: int) -> str:
    if value is None:
        text = ""
    elif isinstance(value, int):
        text = time_text(value) if time else str(value)
    else:
        assert value == OVERFLOW
        text = "*" * max(width, 3)
    return text.rjust(width)


TIMES = {4, 7, 9, 10, 17, 18, 19}  # tvi1 columns holding times


@given(
    split=st.integers(min_value=0, max_value=9999),
    values=st.lists(st.one_of(FIGURE, TIME), min_size=22, max_size=22),
    padded=st.booleans(),
)
def test_tvi1_figures_round_trip_blank_overflow_and_numbers(
    split: int, values: list[int | str | None], padded: bool
) -> None:
    values = [
        v if i + 2 in TIMES or not isinstance(v, int) else v % 1000 for i, v in enumerate(values)
    ]
    fields = [wire(v, i + 2 in TIMES, 7 if padded else 0) for i, v in enumerate(values)]
    line = "|".join(["F1", str(split), *fields]) + "\nF3|END_OF_RECORDS\n"
    decoder = make_decoder("tvi1", {})
    (batch,) = decoder.feed(line.encode())
    assert decoder.errors == []
    (q,) = batch.queues
    got = [q.calls_waiting, q.agents_available, q.asa_seconds, q.abandoned, q.extra["acd"],
           q.oldest_wait_seconds, q.answered, q.extra["avg_talk_seconds"],
           q.extra["avg_abandon_seconds"], q.agents_ringing, q.agents_on_call, q.agents_wrap_up,
           q.agents_other, q.agents_not_ready, q.agents_staffed, q.extra["ewt_high_seconds"],
           q.extra["ewt_medium_seconds"], q.extra["ewt_low_seconds"],
           q.extra["direct_agent_waiting"], q.service_level_pct,
           q.extra["service_level_seconds"], q.offered]  # fmt: skip
    assert (q.number, got) == (str(split), values)
