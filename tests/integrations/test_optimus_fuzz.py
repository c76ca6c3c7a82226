from hypothesis import given
from hypothesis import strategies as st

from integrations.base import OVERFLOW
from integrations.optimus.decoder import MAX_PENDING, ToolbarDecoder

figure = st.one_of(
    st.integers(0, 10**12).map(str),
    st.sampled_from(["", " ", "*", "*****", "1:05", "12:59", "1:00:00", "1:60", "-1", "x", "2.5"]),
)
record = st.one_of(
    st.builds(
        lambda code, name, values, trailing: "|".join(["3", code, name, *values]) + trailing,
        st.sampled_from(["100", "101", "", " 7 "]),
        st.text(st.characters(blacklist_characters="|\r\n"), max_size=12),
        st.lists(figure, min_size=7, max_size=9),
        st.sampled_from(["|", ""]),
    ),
    st.builds(
        lambda code, values: "|".join(["4", code, *values]),
        st.sampled_from(["5000", "5001", ""]),
        st.lists(figure, min_size=7, max_size=9),
    ),
    st.text(max_size=30),
)
line_end = st.sampled_from(["\r\n", "\n", "\r"])


def cut(data: bytes, points: list[int]) -> list[bytes]:
    points = sorted({p % (len(data) + 1) for p in points})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def check_rows(batches: list) -> None:
    for batch in batches:
        assert batch.snapshot and (batch.queues or batch.agents)
        numbers = [q.number for q in batch.queues]
        assert len(numbers) == len(set(numbers))
        agents = [a.agent_id for a in batch.agents]
        assert len(agents) == len(set(agents))
        for row in [*batch.queues, *batch.agents]:
            values = [*row.extra.values()]
            if hasattr(row, "offered"):
                values += [row.calls_waiting, row.oldest_wait_seconds, row.offered]
            for value in values:
                assert value is None or value == OVERFLOW or 0 <= value < 10**9


@given(st.binary(max_size=3000), st.lists(st.integers(0, 3000), max_size=20))
def test_arbitrary_bytes_in_arbitrary_reads_never_raise(data: bytes, points: list[int]) -> None:
    decoder = ToolbarDecoder(clock=lambda: 0.0)
    batches = []
    for piece in cut(data, points):
        batches += decoder.feed(piece)
        batches += decoder.flush(0.5)
        assert len(decoder._pending) <= MAX_PENDING
    batches += decoder.flush(10.0)
    check_rows(batches)
    assert len(decoder.errors) <= 1000


@given(st.lists(st.tuples(record, line_end), max_size=40), st.lists(st.integers(), max_size=10))
def test_near_miss_records_in_any_split_decode_as_they_do_whole(
    lines: list[tuple[str, str]], points: list[int]
) -> None:
    # surrogatepass: a lone surrogate becomes bytes that are not UTF-8, as a broken feed may send
    data = "".join(text + end for text, end in lines).encode("utf-8", "surrogatepass")
    whole = ToolbarDecoder(clock=lambda: 0.0)
    expected = whole.feed(data) + whole.flush(10.0)
    split = ToolbarDecoder(clock=lambda: 0.0)
    batches = [b for piece in cut(data, points) for b in split.feed(piece)] + split.flush(10.0)
    check_rows(batches)
    assert batches == expected
    assert split.errors == whole.errors
