"""Mitel RTE call/agent events: one function code at a time, and the state kept between them."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from pathlib import Path
from typing import TypedDict, Unpack

import pytest

from integrations.base import AgentRow
from integrations.mitel import decoder as mitel_decoder
from integrations.mitel.decoder import RteDecoder

FIXTURES = Path(__file__).parent.parent / "fixtures" / "mitel"


def event(
    code: str,
    agent: str = "6101",
    extension: str = "2101",
    *,
    number: int = 1,
    clock: str = "120000",
    tail: str = "1",
) -> bytes:
    return f"\x02{number:02d}{code}{clock}{extension:<7}{agent:<7}{tail}\r\n".encode()


def refresh(day: str = "20240115", clock: str = "120000", number: int = 0) -> bytes:
    return f"\x02{number:02d}R{clock}{day}\r\n".encode()


def agents_of(decoder: RteDecoder, data: bytes) -> list[AgentRow]:
    return [row for batch in decoder.feed(data) for row in batch.agents]


class EventFields(TypedDict, total=False):
    agent: str
    extension: str
    tail: str


def one_row(code: str, **kwargs: Unpack[EventFields]) -> AgentRow:
    decoder = RteDecoder()
    rows = agents_of(decoder, event(code, **kwargs))
    assert decoder.errors == []
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize(
    ("code", "state", "listener"),
    [
        ("A", "available", "in"),
        ("B", "logged_out", "out"),
        ("C", "not_ready", "busy"),
        ("D", "available", "idle"),
        ("E", "not_ready", "busy"),
        ("F", "available", "idle"),
        ("G", "on_call", "busy"),
        ("H", "on_call", "busy"),
        ("I", "on_call", "busy"),
        ("J", "available", "idle"),
        ("L", "wrap_up", "timer"),
        ("M", "available", "idle"),
        ("N", "on_call", "busy"),
        ("O", "on_call", "busy"),
        ("P", "available", "idle"),
        ("S", "on_call", "busy"),
        ("T", "ringing", "idle"),
        ("U", "available", "idle"),
    ],
)
def test_each_function_code_maps_to_a_neutral_and_a_listener_state(
    code: str, state: str, listener: str
) -> None:
    row = one_row(code, agent="6186", extension="2186", tail="1")
    assert (row.agent_id, row.extension, row.vendor_state) == ("6186", "2186", code)
    assert row.state == state
    assert row.extra["listener_state"] == listener
    assert row.state_seconds == 0
    assert row.extra["tail"] == "1"


def test_it_keeps_the_make_busy_reason_code() -> None:
    assert one_row("E", tail="07").reason_code == "07"


def test_it_reads_a_zero_make_busy_tail_as_no_reason() -> None:
    assert one_row("E", tail="0").reason_code == ""


def test_only_make_busy_carries_a_reason_code() -> None:
    assert one_row("G", tail="07").reason_code == ""


def test_it_skips_an_event_with_no_agent_logged_in_without_counting_an_error() -> None:
    decoder = RteDecoder()
    batches = decoder.feed(event("J", agent=""))
    assert decoder.errors == []
    assert batches[0].agents == []
    assert batches[0].records == 1


def test_ringing_keeps_what_the_old_listener_showed() -> None:
    decoder = RteDecoder()
    rows = agents_of(decoder, event("L") + event("T", number=2) + event("U", number=3))
    assert [r.extra["listener_state"] for r in rows] == ["timer", "timer", "timer"]
    assert [r.state for r in rows] == ["wrap_up", "ringing", "available"]


def test_a_login_over_another_agent_logs_that_agent_out_first() -> None:
    decoder = RteDecoder()
    rows = agents_of(decoder, event("A", "6101", "2101") + event("A", "6102", "2101", number=2))
    assert [(r.agent_id, r.state, r.extension) for r in rows] == [
        ("6101", "available", "2101"),
        ("6101", "logged_out", "2101"),
        ("6102", "available", "2101"),
    ]
    assert rows[1].extra["implied"] is True
    assert rows[1].extra["listener_state"] == "out"


def test_a_logout_before_the_next_login_leaves_nothing_to_imply() -> None:
    decoder = RteDecoder()
    stream = event("A", "6101", "2101") + event("B", "6101", "2101", number=2)
    stream += event("A", "6102", "2101", number=3)
    rows = agents_of(decoder, stream)
    assert [(r.agent_id, r.vendor_state) for r in rows] == [
        ("6101", "A"),
        ("6101", "B"),
        ("6102", "A"),
    ]


def test_an_agent_who_moved_desk_is_not_logged_out_by_the_next_login_at_the_old_desk() -> None:
    decoder = RteDecoder()
    stream = event("A", "6101", "2101") + event("A", "6101", "2105", number=2)
    stream += event("A", "6102", "2101", number=3)
    rows = agents_of(decoder, stream)
    assert [r.state for r in rows] == ["available", "available", "available"]


def test_an_agent_seen_on_a_call_counts_as_seated_for_a_later_login() -> None:
    decoder = RteDecoder()
    rows = agents_of(decoder, event("G", "6101", "2101") + event("A", "6102", "2101", number=2))
    assert [(r.agent_id, r.state) for r in rows][1] == ("6101", "logged_out")


def test_a_refresh_gives_the_date_and_an_empty_batch() -> None:
    decoder = RteDecoder()
    batches = decoder.feed(b"\x0274R13024320140115\r\n")
    assert decoder.pbx_date == dt.date(2014, 1, 15)
    assert len(batches) == 1
    assert (batches[0].agents, batches[0].queues, batches[0].records) == ([], [], 1)


def test_events_are_stamped_with_the_pbx_date_once_known() -> None:
    decoder = RteDecoder()
    before = agents_of(decoder, event("J", clock="130000"))
    after = agents_of(decoder, refresh("20140115", number=2) + event("J", number=3))
    assert before[0].extra["pbx_time"] == "13:00:00"
    assert after[0].extra["pbx_time"] == "2014-01-15T12:00:00"


def test_the_date_rolls_over_at_midnight() -> None:
    decoder = RteDecoder()
    stream = refresh("20240229", "235958") + event("J", clock="235959", number=1)
    stream += event("G", clock="000002", number=2)
    rows = agents_of(decoder, stream)
    assert decoder.pbx_date == dt.date(2024, 3, 1)
    assert rows[-1].extra["pbx_time"] == "2024-03-01T00:00:02"


def test_a_small_step_back_in_time_is_not_midnight() -> None:
    decoder = RteDecoder()
    stream = refresh("20240115", "120010") + event("J", clock="120005", number=1)
    agents_of(decoder, stream)
    assert decoder.pbx_date == dt.date(2024, 1, 15)


def test_it_counts_an_unknown_function_code_and_goes_on() -> None:
    decoder = RteDecoder()
    rows = agents_of(decoder, event("Z") + event("G", number=2))
    assert [r.vendor_state for r in rows] == ["G"]
    assert [e.reason for e in decoder.errors] == ["unknown function code 'Z'"]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (b"\x02xxG120000 2101   6101   1\r\n", "bad record number"),
        (b"\x0201G12:000 2101   6101   1\r\n", "bad time"),
        (b"\x0201G12\r\n", "bad time"),
    ],
)
def test_it_refuses_a_record_with_a_broken_header(record: bytes, reason: str) -> None:
    decoder = RteDecoder()
    assert decoder.feed(record) == []
    assert [e.reason for e in decoder.errors] == [reason]


def test_it_counts_gaps_in_the_record_numbers() -> None:
    decoder = RteDecoder()
    agents_of(decoder, event("J", number=98) + event("J", number=99) + event("J", number=0))
    assert decoder.sequence_gaps == 0
    agents_of(decoder, event("J", number=5))
    assert decoder.sequence_gaps == 1


def test_agent_rows_are_built_in_the_field_order_the_decoder_assumes() -> None:
    # The decoder builds AgentRow positionally for speed; this fails if base.py reorders it.
    assert [f.name for f in fields(AgentRow)] == [
        "agent_id",
        "state",
        "vendor_state",
        "name",
        "extension",
        "reason_code",
        "state_seconds",
        "skills",
        "extra",
    ]


def test_the_hand_made_3300_stream_decodes_to_the_expected_agents() -> None:
    decoder = RteDecoder()
    rows = agents_of(decoder, (FIXTURES / "3300icp_acd_real_time_events.bin").read_bytes())
    assert decoder.errors == []
    assert decoder.sequence_gaps == 0
    assert decoder.pbx_date == dt.date(2024, 3, 1)
    last = {row.agent_id: row for row in rows}
    assert {a: (r.state, r.extra["listener_state"]) for a, r in last.items()} == {
        "6101": ("available", "idle"),
        "6102": ("available", "idle"),
        "6103": ("logged_out", "out"),
        "6104": ("available", "in"),
    }
    assert {r.vendor_state for r in rows} == set("ABCDEFGHIJLMNOPSTU")


def test_an_agents_rows_carry_one_id_and_extension_string_from_event_to_event() -> None:
    # Fresh strings would each be hashed and compared in every dict keyed by agent ID after
    # the decoder (live state, intervals, boards), and held once per row.
    decoder = RteDecoder()
    first, second, third = agents_of(
        decoder,
        event("A", number=1) + event("T", number=2) + event("G", number=3, clock="120005"),
    )
    assert second.agent_id is first.agent_id and third.agent_id is first.agent_id
    assert second.extension is first.extension and third.extension is first.extension


def test_rows_with_the_same_extra_values_share_one_dict_and_later_rows_leave_it_alone() -> None:
    decoder = RteDecoder()
    rows = agents_of(
        decoder,
        event("T", agent="6101", number=1)
        + event("T", agent="6102", extension="2102", number=2)
        + event("E", agent="6101", number=3, tail="04"),
    )
    assert rows[0].extra is rows[1].extra
    assert rows[0].extra == {"listener_state": "idle", "pbx_time": "12:00:00", "tail": "1"}
    assert rows[2].extra == {"listener_state": "busy", "pbx_time": "12:00:00", "tail": "04"}


def test_a_stream_of_ever_new_agent_ids_does_not_grow_the_decoders_memory_without_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Events with no extension seat no one, but their listener words were kept for ever.
    monkeypatch.setattr(mitel_decoder, "KNOWN", 50)
    decoder = RteDecoder()
    stream = b"".join(
        event("T", agent=str(100_000 + i), extension="", number=i % 100) for i in range(500)
    )
    rows = agents_of(decoder, stream)
    assert len(rows) == 500 and decoder.errors == []
    assert len(decoder._known) <= 50
    # What is kept still works: a login seats the agent, and the next login there displaces it.
    rows = agents_of(decoder, event("A", agent="7001", number=0) + event("A", agent="7002"))
    assert [(row.agent_id, row.state) for row in rows] == [
        ("7001", "available"),
        ("7001", "logged_out"),
        ("7002", "available"),
    ]
