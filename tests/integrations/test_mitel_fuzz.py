"""Mitel RTE decoder under arbitrary input: it never raises, and how reads split never matters."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.base import AGENT_STATES, Batch
from integrations.mitel.decoder import RteDecoder

# Bytes that matter to the framing, and pieces of real records, so the fuzzer finds edges.
PIECES = st.sampled_from(
    [
        b"\x02",
        b"\r",
        b"\n",
        b"\0",
        b" ",
        b"0",
        b"12",
        b"*",
        b"A",
        b"K",
        b"Q",
        b"R",
        b"Z",
        b"\xff",
        b"120000",
        b"2101   6101   ",
        b"\x0201A1200002101   6101   0\r\n",
        b"\x0202K120010610002005013500000\r\n",
        b"\x0203R23595920240229\r\n",
        b"\x0204G0000012102   6102   1\n",
    ]
)
STREAMS = st.one_of(st.binary(max_size=400), st.lists(PIECES, max_size=60).map(b"".join))


def feed_in_pieces(data: bytes, cuts: list[int]) -> tuple[RteDecoder, list[Batch]]:
    decoder = RteDecoder()
    batches: list[Batch] = []
    start = 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        batches += decoder.feed(data[start:cut])
        start = max(start, cut)
    batches += decoder.feed(data[start:])
    return decoder, batches


def outcome(decoder: RteDecoder, batches: list[Batch]) -> tuple[object, ...]:
    agents = [(a.agent_id, a.state, a.extension, a.extra) for b in batches for a in b.agents]
    queues = [(q.kind, q.number, q.calls_waiting, q.extra) for b in batches for q in b.queues]
    return (
        agents,
        queues,
        sum(b.records for b in batches),
        [e.reason for e in decoder.errors],
        decoder.pbx_date,
        decoder.sequence_gaps,
    )


@settings(max_examples=300, deadline=None)
@given(data=STREAMS, cuts=st.lists(st.integers(min_value=0, max_value=1000), max_size=12))
def test_arbitrary_bytes_in_arbitrary_reads_never_raise(data: bytes, cuts: list[int]) -> None:
    decoder, batches = feed_in_pieces(data, cuts)
    for batch in batches:
        assert batch.records > 0
        assert all(a.state in AGENT_STATES and a.agent_id for a in batch.agents)
    assert len(decoder.errors) <= 1000


@settings(max_examples=300, deadline=None)
@given(data=STREAMS, cuts=st.lists(st.integers(min_value=0, max_value=1000), max_size=12))
def test_how_the_reads_split_the_stream_never_changes_the_result(
    data: bytes, cuts: list[int]
) -> None:
    whole = RteDecoder()
    expected = outcome(whole, whole.feed(data))
    assert outcome(*feed_in_pieces(data, cuts)) == expected
