"""Between two runs of the agent report only the agents whose rows changed are handed on."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.live import LiveState
from integrations.avaya_cms import make_decoder
from integrations.base import Batch, Decoder

pytestmark = pytest.mark.usefixtures("agent_lookup")  # with the C speed-up and without

RUN_1 = (
    b"F1| 10001|Ann Adams | 40001|AVAIL |   |  1|  |   :12\n"
    b"F1| 10002|Ben Brown | 40002|ACD   |IN |  1|  |  2:18\n"
    b"F1| 10002|Ben Brown | 40002|ACD   |IN |  2|  |  2:18\n"
    b"F3|END_OF_RECORDS\n"
)
AGED = RUN_1.replace(b"   :12", b"   :15").replace(b"  2:18", b"  2:21")


def decode(decoder: Decoder, data: bytes) -> Batch:
    (batch,) = decoder.feed(data)
    return batch


def decode_in_reads(decoder: Decoder, data: bytes, rng: random.Random) -> Batch:
    """A run as the socket may hand it over: in a few reads cut anywhere (the decoder looks
    rows up as they arrive)."""
    cuts = sorted(rng.sample(range(len(data)), min(len(data), rng.randint(0, 6))))
    batches = []
    for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
        batches += decoder.feed(data[start:end])
    (batch,) = batches
    return batch


class Clocked:
    """An agent_tv decoder whose clock the test moves, as runs come every few seconds."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.decoder = make_decoder("agent_tv", {})
        self.decoder.clock = lambda: self.now

    def run(self, data: bytes, after: float = 3.0) -> Batch:
        self.now += after
        return decode(self.decoder, data)


def test_the_first_run_hands_on_every_agent_and_lists_them() -> None:
    batch = decode(make_decoder("agent_tv", {}), RUN_1)
    assert [a.agent_id for a in batch.agents] == ["10001", "10002"]
    assert batch.listed == {"10001", "10002"} and batch.records == 3


def test_a_run_in_which_only_times_moved_hands_on_no_agent_and_none_departed() -> None:
    feed = Clocked()
    feed.run(RUN_1)
    batch = feed.run(AGED)
    assert batch.agents == [] and batch.departed == set() and batch.listed is None


def test_a_changed_row_or_a_dropped_split_hands_on_fresh_figures() -> None:
    decoder = make_decoder("agent_tv", {})
    decode(decoder, RUN_1)
    second = decode(
        decoder,
        b"F1| 10001|Ann Adams | 40001|AUX   |   |  1| 3|   :02\n"
        b"F1| 10002|Ben Brown | 40002|ACD   |IN |  1|  |  2:21\n"
        b"F3|END_OF_RECORDS\n",
    )
    found = {a.agent_id: a for a in second.agents}
    assert (found["10001"].state, found["10001"].reason_code) == ("not_ready", "3")
    assert found["10002"].skills == ("1",) and found["10002"].state == "on_call"  # left split 2


def test_an_agent_who_joins_a_split_keeps_the_splits_it_had() -> None:
    feed = Clocked()
    feed.run(RUN_1)
    joined = AGED.replace(b"F3|", b"F1| 10001|Ann Adams | 40001|AVAIL |   |  4|  |   :15\nF3|")
    (ann,) = feed.run(joined).agents
    assert ann.agent_id == "10001" and ann.skills == ("1", "4")


def test_an_agent_gone_from_the_report_has_departed() -> None:
    feed = Clocked()
    feed.run(RUN_1)
    batch = feed.run(b"F1| 10001|Ann Adams | 40001|AVAIL |   |  1|  |   :15\nF3|\n")
    assert batch.agents == [] and batch.departed == {"10002"}


def test_the_diff_sees_an_agent_who_left_a_state_and_came_back_between_runs() -> None:
    feed, live = Clocked(), LiveState()
    live.apply(feed.run(RUN_1), 1003.0)
    assert not live.apply(feed.run(AGED), 1006.0)  # only time moved: no change
    # Ann went on a call and came back inside one refresh: available again, clock restarted.
    rejoined = AGED.replace(b"   :15", b"   :01")
    changes = live.apply(feed.run(rejoined), 1009.0)
    assert set(changes.agents) == {"10001"} and changes.since["10001"] == 1008.0


def test_a_run_late_by_two_seconds_is_parsed_again_but_changes_nothing() -> None:
    feed, live = Clocked(), LiveState()
    live.apply(feed.run(RUN_1), 1003.0)
    late_run = RUN_1.replace(b"   :12", b"   :17").replace(b"  2:18", b"  2:23")
    late = feed.run(late_run, after=5.0)  # not what 3 s more in the state would read
    assert {a.agent_id for a in late.agents} == {"10001", "10002"}
    assert not live.apply(late, 1008.0)  # the same stints: nothing changed


def test_a_stint_restarted_within_a_run_is_handed_on_though_its_time_moved_nearly_a_refresh() -> (
    None
):
    feed, full = Clocked(), Clocked()
    runs = [
        RUN_1,
        AGED.replace(b"   :15", b"   :00"),  # Ann came back to AVAIL inside the refresh
        AGED.replace(b"   :15", b"   :02").replace(b"  2:21", b"  2:24"),  # and again
    ]
    for data in runs:
        full.decoder.forget()  # a full parse every run
        expected = {a.agent_id: a.state_seconds for a in full.run(data).agents}
        got = {a.agent_id: a.state_seconds for a in feed.run(data).agents}
        assert got.get("10001") == expected["10001"]  # :02 is no :00 three seconds on


def test_one_late_run_does_not_make_the_next_run_look_changed() -> None:
    feed = Clocked()
    feed.run(RUN_1)
    feed.run(AGED.replace(b"   :15", b"   :17").replace(b"  2:21", b"  2:23"), after=5.0)
    on_time = RUN_1.replace(b"   :12", b"   :20").replace(b"  2:18", b"  2:26")
    assert feed.run(on_time).agents == []


def test_an_agent_whose_time_in_state_crosses_a_minute_or_an_hour_has_not_changed() -> None:
    feed = Clocked()
    near = RUN_1.replace(b"   :12", b"   :58").replace(b"  2:18", b"59:59")
    feed.run(near)
    on = near.replace(b"   :58", b"  1:01").replace(b"59:59", b"1:00:02")
    assert feed.run(on).agents == []


def test_blank_or_starred_times_in_state_that_stay_so_are_no_change() -> None:
    feed = Clocked()
    odd = RUN_1.replace(b"   :12", b"      ").replace(b"  2:18", b"  ****")
    feed.run(odd)
    assert feed.run(odd).agents == []
    (ann,) = feed.run(odd.replace(b"AVAIL |   |  1|  |      ", b"AVAIL |   |  1|  |   :07")).agents
    assert ann.agent_id == "10001" and ann.state_seconds == 7


def test_a_bad_row_is_reported_every_run_and_its_agent_leaves_the_report() -> None:
    decoder = make_decoder("agent_tv", {})
    decode(decoder, RUN_1)
    broken = AGED.replace(b"   :15", b"  x:yy")
    batch = decode(decoder, broken)
    assert batch.departed == {"10001"} and len(decoder.errors) == 1
    decoder.errors.clear()
    decode(decoder, broken)
    assert len(decoder.errors) == 1


def test_rows_looked_up_while_a_run_arrives_give_the_same_batch_and_errors() -> None:
    broken = AGED.replace(b"   :15", b"  x:yy")
    whole, reads = Clocked(), Clocked()
    for feed in (whole, reads):
        feed.run(RUN_1)
        feed.decoder.errors.clear()
    expected = whole.run(broken)
    reads.now += 3
    cut = broken.index(b"F3")
    assert reads.decoder.feed(broken[:cut]) == [] and reads.decoder.errors == []  # held back
    (batch,) = reads.decoder.feed(broken[cut:])
    assert batch == expected and reads.decoder.errors == whole.decoder.errors


def test_a_run_that_arrives_while_the_last_ones_slots_are_updated_is_decoded_right() -> None:
    feed = Clocked()
    feed.run(RUN_1)
    changed = AGED.replace(b"AVAIL |   |  1|  |   :15", b"AUX   |   |  1| 2|   :00")
    feed.run(changed)  # Ann's row left its slot and came as a new one
    steps = feed.decoder.idle_steps()
    next(steps)  # half way (after the publish), the next run arrives
    later = changed.replace(b"   :00", b"   :03").replace(b"  2:21", b"  2:24")
    batch = feed.run(later)
    assert batch.agents == [] and batch.departed == set()
    assert list(steps) == []  # nothing left to do
    back = later.replace(b"AUX   |   |  1| 2|   :03", b"AVAIL |   |  1|  |   :00")
    (ann,) = feed.run(back.replace(b"  2:24", b"  2:27")).agents
    assert (ann.agent_id, ann.state) == ("10001", "available")


def test_rows_that_leave_free_their_slots_for_rows_that_come() -> None:
    feed = Clocked()
    feed.run(RUN_1)
    ann_only = b"F1| 10001|Ann Adams | 40001|AVAIL |   |  1|  |   :15\nF3|\n"
    assert feed.run(ann_only).departed == {"10002"}
    cy = b"F1| 10003|Cy Cole   | 40003|ACW   |   |  2|  |   :04\n"
    (cy_row,) = feed.run(ann_only.replace(b"   :15", b"   :18").replace(b"F3", cy + b"F3")).agents
    assert cy_row.agent_id == "10003"
    both = ann_only.replace(b"   :15", b"   :21").replace(b"F3", cy.replace(b":04", b":07") + b"F3")
    batch = feed.run(both)
    assert batch.agents == [] and batch.departed == set()


def test_after_forget_the_next_run_hands_on_every_agent_again() -> None:
    decoder = make_decoder("agent_tv", {})
    decode(decoder, RUN_1)
    decoder.forget()
    assert {a.agent_id for a in decode(decoder, AGED).agents} == {"10001", "10002"}


# -- the bulk compare against a full parse of every run, over random runs ----------------
STATES = ["AVAIL", "ACD", "ACW", "AUX", "RING"]


def _report(agents: dict[str, tuple[str, list[int], int]], order: list[str]) -> bytes:
    lines = []
    for agent_id in order:
        state, splits, tis = agents[agent_id]
        for split in splits:
            lines.append(
                f"F1| {agent_id}|Agent {agent_id} | 4{agent_id}|{state:<6}|   |{split:3}|  |"
                f"{tis // 60:4}:{tis % 60:02}"
            )
    return ("\n".join([*lines, "F3|END_OF_RECORDS", ""])).encode()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_live_state_from_changed_rows_equals_live_state_from_full_runs(seed: int) -> None:
    rng = random.Random(seed)
    agents = {
        str(10000 + i): (rng.choice(STATES), rng.sample(range(1, 6), rng.randint(1, 3)), 10)
        for i in range(12)
    }
    feed, full_decoder = Clocked(), make_decoder("agent_tv", {})
    bulk, full = LiveState(), LiveState()
    now = 1000.0
    for _ in range(12):
        now += 3
        for agent_id, (state, splits, tis) in list(agents.items()):
            roll = rng.random()
            if roll < 0.15:  # a new state
                agents[agent_id] = (rng.choice(STATES), splits, rng.randint(0, 2))
            elif roll < 0.2:  # the same state again after a short other one
                agents[agent_id] = (state, splits, rng.randint(0, 2))
            elif roll < 0.25:  # joined or left a split
                agents[agent_id] = (state, rng.sample(range(1, 6), rng.randint(1, 3)), tis + 3)
            else:
                agents[agent_id] = (state, splits, tis + 3)
        listed = [a for a in agents if rng.random() > 0.1]  # some log out for a run
        rng.shuffle(listed)
        data = _report(agents, listed)
        feed.now = now  # the decoder's clock is ingest's
        bulk.apply(decode_in_reads(feed.decoder, data, rng), now)
        full_decoder.forget()  # a full parse every run
        full.apply(decode(full_decoder, data), now)
        assert bulk.agents.keys() == full.agents.keys()
        for agent_id, row in full.agents.items():
            other = bulk.agents[agent_id]
            assert (other.state, other.vendor_state, other.reason_code, other.name) == (
                row.state,
                row.vendor_state,
                row.reason_code,
                row.name,
            )
            assert sorted(other.skills) == sorted(row.skills)
            assert bulk.since[agent_id] == full.since[agent_id]
