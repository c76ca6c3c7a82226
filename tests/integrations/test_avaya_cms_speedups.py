"""The C speed-up of the agent report's row matching decodes exactly as the pure-Python path."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.avaya_cms import agents, make_decoder
from integrations.avaya_cms.values import seconds
from integrations.base import Batch, Decoder, ParseError

pytestmark = pytest.mark.skipif(agents.Heads is None, reason="the C speed-up is not built")

STATES = ["AVAIL", "ACD", "ACW", "AUX", "RING", "50"]
ODD = [  # lines a CMS or the network may put among the rows
    b"F1| 10003|Zo\xe9 Z\xfcrich | 40003|AVAIL |   |  1|  |   :07",  # Latin-1, not UTF-8
    "F1| 10004|Zoë Zürich | 40004|ACW   |   |  2|  |  1:07".encode(),  # UTF-8
    b"F1| 10005|Broken",  # too few fields
    b"F1| 10006|Bad Time | 40006|AUX   |   |  1| 2|  x:yy",
    b" F1| 10007|Padded Tag | 40007|AVAIL |   |  1|  |   :03",
    b"F0|HEADER",
    b"",
    b"F1|" + b"x" * 5000,  # longer than a line may be
]


def _run(rng: random.Random, agents_now: dict[str, tuple[str, int, int]]) -> bytes:
    lines = []
    for agent_id, (state, split, tis) in agents_now.items():
        if rng.random() < 0.9:  # some are not in this run
            # Every seventh agent is in a second split too, which it may leave or rejoin.
            splits = [split, split + 4] if int(agent_id) % 7 == 0 else [split]
            for skill in splits if rng.random() < 0.8 else splits[:1]:
                lines.append(
                    f"F1| {agent_id}|Agent {agent_id} | 4{agent_id}|{state:<6}|   |{skill:3}|  |"
                    f"{tis // 60:4}:{tis % 60:02}".encode()
                )
    for odd in ODD:
        if rng.random() < 0.3:
            lines.insert(rng.randint(0, len(lines)), odd)
    newline = b"\r\n" if rng.random() < 0.2 else b"\n"
    return newline.join([*lines, b"F3|END_OF_RECORDS", b""])


def _report_of(decoder: Decoder) -> agents.AgentReport:
    report = decoder._parse_rows.__self__  # type: ignore[attr-defined]
    assert isinstance(report, agents.AgentReport)
    return report


def _feed(decoder: Decoder, data: bytes, cuts: list[int]) -> tuple[list[Batch], list[ParseError]]:
    batches = []
    for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
        batches += decoder.feed(data[start:end])
    errors = list(decoder.errors)
    decoder.errors.clear()
    return batches, errors


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 100_000))
def test_runs_decode_the_same_with_and_without_the_speedup(seed: int) -> None:
    rng = random.Random(seed)
    fast = make_decoder("agent_tv", {})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(agents, "Heads", None)
        slow = make_decoder("agent_tv", {})
    assert agents.Heads is not None and isinstance(_report_of(fast)._heads, agents.Heads)
    assert isinstance(_report_of(slow)._heads, agents.PyHeads)
    now = 1000.0
    for decoder in (fast, slow):
        decoder.clock = lambda: now
    people = {str(10000 + i): (rng.choice(STATES), rng.randint(1, 4), 10) for i in range(30)}
    for _ in range(8):
        now += 3
        for agent_id, (state, split, tis) in list(people.items()):
            roll = rng.random()
            new = (rng.choice(STATES), split, rng.randint(0, 2)) if roll < 0.2 else None
            people[agent_id] = new or (state, split, tis + rng.choice((3, 3, 3, 2, 4, 7)))
        data = _run(rng, people)
        cuts = sorted(rng.sample(range(len(data)), min(len(data), rng.randint(0, 8))))
        assert _feed(fast, data, cuts) == _feed(slow, data, cuts)


LAYOUTS = [
    agents.DEFAULT_COLUMNS,
    # Columns the report lacks read blank; a column with no place in AgentRow goes to extra.
    ("LOGID", "STATE", "SPLIT", "LOCATION", "NAME", "TIME_IN_STATE"),
    ("LOGID", "STATE", "TIME_IN_STATE"),
]
FIELD_TEXTS = {  # what a field may hold, odd texts among them
    "LOGID": [" 10001", "10002 ", " 10003", "  ", "", "1\u00a00004"],
    "STATE": ["AVAIL ", "ACD", " AUX ", "RING", "50", "", "weird", "ACW\u2003"],
    "SPLIT": ["  1", "2", " 007", "", " 3 "],
    "NAME": ["Tom Jones ", " Zoë Zürich", "Wăng 王", "A|B", "", "\tTab\x1f", "Emoji 😀"],
    "TIME_IN_STATE": ["   :07", " 1:42", "1:02:03", "", "****", "x:yy", "  :18 "],
}


def _field(rng: random.Random, column: str) -> str:
    return rng.choice(FIELD_TEXTS.get(column, [" x ", "", "IN", "  Ünï  "]))


def _parsed(
    report: agents.AgentReport, lines: list[str], unmatched: list[int], slots: list[int]
) -> tuple[object, ...]:
    errors: list[tuple[str, ...]] = []
    run = agents._Run(lines, bytearray(4))
    report._parse_unmatched(run, lines, unmatched, slots, lambda *told: errors.append(told))
    return run.parsed, run.fresh, bytes(run.seen), run.bad, errors


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 1_000_000))
def test_changed_rows_parse_the_same_in_c_as_in_python(seed: int) -> None:
    """RowParser takes the rows it can and hands the others to the Python path; together they
    give what the Python path gives alone: rows, merges, errors, the slots seen and the new
    rows."""
    rng = random.Random(seed)
    columns = rng.choice(LAYOUTS)
    lines = []
    for _ in range(rng.randint(1, 25)):
        fields = ["F1", *(_field(rng, c) for c in columns)]
        if rng.random() < 0.1:  # a field too many or too few
            fields.append("x") if rng.random() < 0.5 else fields.pop()
        line = "|".join(fields) + rng.choice(["", "", "|", "| ", "\r", "|\r"])
        lines.append(line)
    fast, slow = (agents.AgentReport(list(columns), {}) for _ in range(2))
    assert fast._parser is not None
    slow._parser = None
    unmatched = sorted(rng.sample(range(len(lines)), rng.randint(0, len(lines))))
    slots = [rng.choice([-1, -1, 0, 1, 2, 3]) for _ in unmatched]  # -1: a row of no slot
    assert _parsed(fast, lines, unmatched, slots) == _parsed(slow, lines, unmatched, slots)


TIME_TEXTS = st.one_of(
    st.text(alphabet=" :*0123456789\t\r|", max_size=12),
    st.text(max_size=8),
    st.sampled_from(["   :07", " 1:42", "1:02:03", "::05", ":05:05", "1::05", "****", "007"]),
    st.sampled_from(["1234567890", "+5", "1_0", "-5", "５", "1:2:3:45", "  :18 ", " 1:1", "*x*"]),
)


@settings(max_examples=500, deadline=None)
@given(text=TIME_TEXTS)
def test_times_in_state_read_the_same_in_c_as_in_python(text: str) -> None:
    from integrations.avaya_cms import _speedups

    code = agents._time_code(text)
    assert _speedups.time_code(text) == code
    if code >= 0:  # a time it reads is what the report's own reading gives
        assert seconds(text) == code


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 1_000_000))
def test_the_c_head_table_keeps_the_same_slots_and_times_as_the_python_one(seed: int) -> None:
    rng = random.Random(seed)
    assert agents.Heads is not None
    fast, slow = agents.Heads(), agents.PyHeads()
    agents_now = rng.choice([8, 150])  # 150: the C table grows, and deletes among long chains
    heads = [f"F1| {n}|Agent {n}|AVAIL |{s}|" for n in range(agents_now) for s in ("  1", "2")]
    heads += ["F1| 9|Zoë|ACW|3|", "F1|no time"]
    taken: dict[int, str] = {}
    for _ in range(12):
        lines = [
            rng.choice(heads)
            + rng.choice(["   :07", " :10", "1:00", "", "****", "x"])
            + rng.choice(["", "|", "\r", "|\r"])
            for _ in range(rng.randint(0, agents_now * 2))
        ]
        step = rng.randint(1, 4)
        seen_fast, seen_slow = bytearray(400), bytearray(400)
        assert fast.match(lines, 0, seen_fast, step) == slow.match(lines, 0, seen_slow, step)
        assert seen_fast == seen_slow
        for slot in list(taken):
            assert fast.time(slot) == slow.time(slot)
            if rng.random() < 0.3:
                fast.remove(slot)
                slow.remove(slot)
                del taken[slot]
        for line in lines:
            slot = min(set(range(400)) - set(taken))
            added = fast.add(line, slot)
            assert slow.add(line, slot) == added
            if added:
                taken[slot] = line
        assert len(fast) == len(slow) == len(taken)
        if rng.random() < 0.05:
            fast.clear()
            slow.clear()
            taken.clear()
