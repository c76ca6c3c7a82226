"""An agent row unchanged but for its time in state comes back as the same object, updated."""

from __future__ import annotations

from ingest.live import LiveState
from integrations.avaya_cms import make_decoder
from integrations.base import Batch

RUN_1 = (
    b"F1| 10001|Ann Adams | 40001|AVAIL |   |  1|  |   :12\n"
    b"F1| 10002|Ben Brown | 40002|ACD   |IN |  1|  |  2:18\n"
    b"F1| 10002|Ben Brown | 40002|ACD   |IN |  2|  |  2:18\n"
    b"F3|END_OF_RECORDS\n"
)


def decode(decoder, data: bytes) -> Batch:  # type: ignore[no-untyped-def]
    (batch,) = decoder.feed(data)
    return batch


def test_an_agent_whose_row_only_aged_is_the_same_row_with_the_new_time() -> None:
    decoder = make_decoder("agent_tv", {})
    first = {a.agent_id: a for a in decode(decoder, RUN_1).agents}
    second_run = RUN_1.replace(b"   :12", b"   :15").replace(b"  2:18", b"  2:21")
    second = {a.agent_id: a for a in decode(decoder, second_run).agents}
    assert second["10001"] is first["10001"] and second["10001"].state_seconds == 15
    assert second["10002"] is first["10002"] and second["10002"].state_seconds == 141
    assert second["10002"].skills == ("1", "2")  # both splits, not added twice


def test_a_changed_row_or_a_dropped_split_gives_fresh_figures() -> None:
    decoder = make_decoder("agent_tv", {})
    first = {a.agent_id: a for a in decode(decoder, RUN_1).agents}
    second_run = (
        b"F1| 10001|Ann Adams | 40001|AUX   |   |  1| 3|   :02\n"
        b"F1| 10002|Ben Brown | 40002|ACD   |IN |  1|  |  2:21\n"
        b"F3|END_OF_RECORDS\n"
    )
    second = {a.agent_id: a for a in decode(decoder, second_run).agents}
    assert second["10001"] is not first["10001"]
    assert (second["10001"].state, second["10001"].reason_code) == ("not_ready", "3")
    assert second["10002"].skills == ("1",)  # logged out of split 2


def test_the_diff_skips_a_reused_row_but_sees_a_state_left_and_rejoined_between_runs() -> None:
    decoder, live = make_decoder("agent_tv", {}), LiveState()
    live.apply(decode(decoder, RUN_1), 1000.0)
    aged = RUN_1.replace(b"   :12", b"   :15").replace(b"  2:18", b"  2:21")
    assert not live.apply(decode(decoder, aged), 1003.0)  # only time moved: no change
    # Ann went on a call and came back inside one refresh: available again, clock restarted.
    rejoined = aged.replace(b"   :15", b"   :01")
    changes = live.apply(decode(decoder, rejoined), 1006.0)
    assert set(changes.agents) == {"10001"} and changes.since["10001"] == 1005.0
