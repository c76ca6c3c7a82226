"""CSTA framing: 8-byte header (version 0, length with the header, 4 ASCII digits), one XML
document; reads split anywhere, bad headers resynced without losing the good frames after."""

from __future__ import annotations

from integrations.csta.framing import FrameReader, encode

HELD = b'<HeldEvent xmlns="x"><monitorCrossRefID>1</monitorCrossRefID></HeldEvent>'
READY = b"<AgentReadyEvent><agentID>3101</agentID></AgentReadyEvent>"


def test_a_frame_is_the_header_the_note_computes_and_the_body() -> None:
    data = encode(b"x" * 286, 42)
    assert data[:8] == b"\x00\x00\x01\x26" + b"0042"  # note §3.3: 286 + 8 = 0x0126
    assert encode(b"<a/>", 9999)[4:8] == b"9999"


def test_coalesced_frames_come_out_in_order() -> None:
    reader = FrameReader()
    frames = reader.feed(encode(HELD, 9999) + encode(READY, 12) + encode(HELD, 9999))
    assert [(f.invoke_id, f.body) for f in frames] == [(9999, HELD), (12, READY), (9999, HELD)]
    assert not reader.problems and reader.pending == 0


def test_a_frame_fed_byte_by_byte_comes_out_once_whole() -> None:
    reader = FrameReader()
    data = encode(HELD, 9999) + encode(READY, 7)
    frames = [f for i in range(len(data)) for f in reader.feed(data[i : i + 1])]
    assert [f.body for f in frames] == [HELD, READY]
    assert not reader.problems


def test_a_frame_split_across_reads_waits_for_its_end() -> None:
    reader = FrameReader()
    data = encode(HELD, 9999)
    assert reader.feed(data[:5]) == [] and reader.feed(data[5:30]) == []
    assert [f.body for f in reader.feed(data[30:])] == [HELD]


def test_a_header_that_is_not_version_0_is_skipped_and_the_next_frame_read() -> None:
    reader = FrameReader()
    bad = b"\x00\x01" + encode(HELD, 9999)[2:]
    frames = reader.feed(bad + encode(READY, 3))
    assert [f.body for f in frames] == [READY]
    assert [reason for reason, _ in reader.problems] == ["frame header is not version 0"]


def test_an_invoke_id_that_is_not_four_digits_is_skipped() -> None:
    reader = FrameReader()
    bad = encode(HELD, 9999)[:4] + b"00x1" + HELD
    frames = reader.feed(bad + encode(READY, 3))
    assert [f.body for f in frames] == [READY]
    assert reader.problems[0][0] == "invoke ID is not 4 digits"


def test_a_length_past_the_limit_resyncs_on_the_next_good_frame() -> None:
    reader = FrameReader(max_frame=1024)
    too_long = b"\x00\x00\xff\xf0" + b"9999" + HELD
    frames = reader.feed(too_long + encode(READY, 1) + encode(HELD, 9999))
    assert [f.body for f in frames] == [READY, HELD]
    assert reader.problems[0][0] == "frame length 65520 over the limit of 1024"
    assert len(reader.problems) == 1


def test_a_run_of_garbage_is_one_problem_even_across_reads() -> None:
    reader = FrameReader()
    garbage = b"\xff\x00\x00 GET / HTTP/1.1\r\n" * 20
    frames = reader.feed(garbage[:50]) + reader.feed(garbage[50:] + encode(READY, 5))
    assert [f.body for f in frames] == [READY]
    assert len(reader.problems) == 1


def test_the_buffer_is_bounded_by_the_frame_limit() -> None:
    reader = FrameReader(max_frame=1024)
    reader.feed(encode(b"<" + b"a" * 1000, 1)[:-10])
    assert reader.pending <= 1024
    for _ in range(100):
        reader.feed(b"\x00" * 997)  # NUL runs that never make a header
    assert reader.pending <= 9
