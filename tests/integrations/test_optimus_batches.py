from integrations.optimus.decoder import ToolbarDecoder

Q100 = b"3|100|Myynti|12|0:45|3|152|140|4|9|1|\r\n"
Q101 = b"3|101|Vaihde|5|0:10|1|40|38|0|1|0|\r\n"
A5000 = b"4|5000|31|2|29|4|3|1|3|1468\r\n"
A100 = b"4|100|1|0|1|0|0|0|3|0\r\n"  # an agent whose code is also a queue code


class Clock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_it_keeps_a_batch_open_until_the_line_has_been_quiet_for_the_gap() -> None:
    clock = Clock()
    decoder = ToolbarDecoder(batch_gap_seconds=1.0, clock=clock)
    assert decoder.feed(Q100 + A5000) == []
    assert decoder.flush(100.5) == []
    (batch,) = decoder.flush(101.0)
    assert batch.snapshot
    assert [q.number for q in batch.queues] == ["100"]
    assert [a.agent_id for a in batch.agents] == ["5000"]
    assert batch.records == 2


def test_it_waits_a_full_gap_after_the_latest_read() -> None:
    clock = Clock(100.0)
    decoder = ToolbarDecoder(batch_gap_seconds=1.0, clock=clock)
    decoder.feed(Q100)
    clock.now = 100.8
    decoder.feed(Q101[:10])  # half a record is still data arriving
    assert decoder.flush(101.5) == []
    clock.now = 101.6
    decoder.feed(Q101[10:])
    assert decoder.flush(102.5) == []
    (batch,) = decoder.flush(102.6)
    assert [q.number for q in batch.queues] == ["100", "101"]


def test_it_uses_the_configured_gap() -> None:
    decoder = ToolbarDecoder(batch_gap_seconds=2.5, clock=Clock(10.0))
    decoder.feed(Q100)
    assert decoder.flush(12.4) == []
    assert len(decoder.flush(12.5)) == 1


def test_it_closes_a_batch_when_a_queue_code_comes_round_again() -> None:
    decoder = ToolbarDecoder(clock=Clock())
    batches = decoder.feed(Q100 + Q101 + A5000 + Q100)
    assert len(batches) == 1
    assert [q.number for q in batches[0].queues] == ["100", "101"]
    assert batches[0].records == 3
    (second,) = decoder.flush(1e9)
    assert [q.number for q in second.queues] == ["100"]
    assert second.agents == []
    assert second.records == 1


def test_it_closes_a_batch_when_an_agent_code_comes_round_again() -> None:
    decoder = ToolbarDecoder(clock=Clock())
    batches = decoder.feed(Q100 + A5000 + A5000 + Q100)
    assert [len(b.agents) for b in batches] == [1]
    assert [(len(b.queues), len(b.agents)) for b in decoder.flush(1e9)] == [(1, 1)]


def test_it_closes_several_batches_from_one_read() -> None:
    decoder = ToolbarDecoder(clock=Clock())
    batches = decoder.feed((Q100 + A5000) * 4)
    assert len(batches) == 3
    assert all(len(b.queues) == 1 and len(b.agents) == 1 for b in batches)


def test_it_tells_a_queue_code_from_the_same_agent_code() -> None:
    decoder = ToolbarDecoder(clock=Clock())
    assert decoder.feed(Q100 + A100) == []
    (batch,) = decoder.flush(1e9)
    assert (len(batch.queues), len(batch.agents)) == (1, 1)


def test_a_repeated_bad_record_does_not_close_the_batch() -> None:
    bad = b"4|5000|x|2|29|4|3|1|3|1468\r\n"
    decoder = ToolbarDecoder(clock=Clock())
    assert decoder.feed(A5000 + bad + bad + Q100) == []
    assert len(decoder.errors) == 2


def test_it_sends_no_snapshot_for_a_cycle_of_nothing_but_bad_records() -> None:
    decoder = ToolbarDecoder(clock=Clock())
    decoder.feed(b"4|5000|x|2|29|4|3|1|3|1468\r\n9|unknown\r\n")
    assert decoder.flush(1e9) == []
    assert len(decoder.errors) == 2
    decoder.feed(Q100)
    (batch,) = decoder.flush(1e9)
    assert batch.records == 1  # the bad cycle's records are not carried over


def test_it_has_nothing_to_flush_before_any_data() -> None:
    decoder = ToolbarDecoder(clock=Clock())
    assert decoder.flush(1e9) == []
    decoder.feed(Q100)
    decoder.flush(1e9)
    assert decoder.flush(2e9) == []


def test_a_half_record_waits_for_the_next_batch_when_the_gap_closes_one() -> None:
    clock = Clock()
    decoder = ToolbarDecoder(clock=clock)
    decoder.feed(Q100 + A5000[:7])
    (first,) = decoder.flush(200.0)
    assert first.agents == []
    decoder.feed(A5000[7:])
    (second,) = decoder.flush(400.0)
    assert [a.agent_id for a in second.agents] == ["5000"]
    assert second.agents[0].extra["not_ready_seconds"] == 1468
