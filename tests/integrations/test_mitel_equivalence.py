"""The Mitel RTE decoder's fast path decodes exactly as the decoder before it did: the same
batches, rows, errors, date and sequence gaps, for any stream split across reads anywhere."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.mitel import build_stream
from integrations.base import Decoder
from integrations.mitel import decoder as fast
from integrations.mitel.decoder import RteDecoder
from tests.integrations import mitel_before
from tests.integrations.mitel_before import RteDecoder as DecoderBefore

CODES = "ABCDEFGHIJLMNOPSTU" + "KQRVZ a"
CLOCKS = ["120000", "120001", "235959", "000001", "1200", "12x000", "      "]
EXTENSIONS = ["2101", "2102", "2103", "", "2101 x", "21\n01"]
AGENTS = ["6101", "6102", "6103", "", "61", "6101 extra"]
TAILS = ["0", "1", "04", "  0007", "", "0000", "*", "1" * 1100]
ENDINGS = ["\r\n", "\n", "\r\r\n", "", "\r", "\r\n\0\0", "\r\nxyz", "\n\r\n"]


@st.composite
def records(draw: st.DrawFn) -> str:
    """One STX-led piece: an agent event most of the time, else a K/Q/R or something odd."""
    number = draw(st.sampled_from([f"{i:02d}" for i in range(100)] + ["1", "x9", ""]))
    code = draw(st.sampled_from(CODES))
    clock = draw(st.sampled_from(CLOCKS))
    ending = draw(st.sampled_from(ENDINGS))
    if code in "KQ":
        body = draw(st.sampled_from(["620004011020500", "060   ***0205", "62000401", "abc"]))
    elif code == "R":
        body = draw(st.sampled_from(["20240229", "20240230", "2024"]))
    else:
        extension = draw(st.sampled_from(EXTENSIONS))
        agent = draw(st.sampled_from(AGENTS))
        tail = draw(st.sampled_from(TAILS))
        body = f"{extension:<7}{agent:<7}{tail}"
        if draw(st.integers(0, 9)) == 0:  # cut anywhere, as a lost LF leaves it
            body = body[: draw(st.integers(0, len(body)))]
    return f"\x02{number}{code}{clock}{body}{ending}"


NOISE = st.sampled_from(["\0", "\r\n", "junk", "\x02", "\n", "\xff", " "])
STREAMS = st.lists(st.one_of(records(), records(), records(), NOISE), max_size=40).map(
    lambda parts: "".join(parts).encode("latin-1")
)
CUTS = st.lists(st.integers(min_value=0, max_value=100_000), max_size=10)


def decode(decoder: Decoder, data: bytes, cuts: list[int]) -> tuple[object, ...]:
    """Every batch each read gave, then the errors and what the decoder learnt."""
    reads = []
    start = 0
    for cut in [*sorted({c % (len(data) + 1) for c in cuts}), len(data)]:
        reads.append(decoder.feed(data[start:cut]))
        start = cut
    assert isinstance(decoder, RteDecoder | DecoderBefore)
    return reads, decoder.errors, decoder.pbx_date, decoder.sequence_gaps


@settings(max_examples=1500, deadline=None)
@given(data=STREAMS, cuts=CUTS)
def test_any_stream_in_any_reads_decodes_as_before(data: bytes, cuts: list[int]) -> None:
    assert decode(RteDecoder(), data, cuts) == decode(DecoderBefore(), data, cuts)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=600), cuts=CUTS)
def test_arbitrary_bytes_decode_as_before(data: bytes, cuts: list[int]) -> None:
    assert decode(RteDecoder(), data, cuts) == decode(DecoderBefore(), data, cuts)


def test_a_simulated_shift_split_at_random_offsets_decodes_as_before() -> None:
    stream = build_stream(events=20_000, agents=2_000, seed=7)
    rng = random.Random(7)
    for _ in range(5):
        cuts = [rng.randrange(len(stream)) for _ in range(rng.randrange(1, 400))]
        assert decode(RteDecoder(), stream, cuts) == decode(DecoderBefore(), stream, cuts)


def shuffled_seating(seed: int) -> bytes:
    """Many agents moving between few extensions: logins over others, T/U keeping the
    listener word, logouts of agents seated elsewhere."""
    rng = random.Random(seed)
    lines = []
    for i in range(20_000):
        code = rng.choice("AAABJTUTEFLM")
        extension = str(2100 + rng.randrange(30))
        agent = str(6100 + rng.randrange(60))
        lines.append(f"\x02{i % 100:02d}{code}120000{extension:<7}{agent:<7}{rng.randrange(3)}\r\n")
    return "".join(lines).encode()


def test_logins_over_other_agents_decode_as_before() -> None:
    stream = shuffled_seating(3)
    cuts = [random.Random(3).randrange(len(stream)) for _ in range(300)]
    assert decode(RteDecoder(), stream, cuts) == decode(DecoderBefore(), stream, cuts)


def test_the_seating_memory_starts_again_when_full_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The bound lowered so a short stream hits it over and over: more agents than seats.
    monkeypatch.setattr(fast, "SEATS", 20)
    monkeypatch.setattr(mitel_before, "SEATS", 20)
    stream = shuffled_seating(4)
    assert decode(RteDecoder(), stream, [9_999]) == decode(DecoderBefore(), stream, [9_999])
