"""The same switch event reaches every monitor the call touches (VDN, split, station): each
step is handed on once per (call, step, device), and a call is offered and ended once."""

from __future__ import annotations

from integrations.csta.decoder import DmccDecoder
from tests.fixtures.csta.wire import conn, dev, event, up
from tests.integrations.test_csta_calls import (
    call_cleared,
    cleared,
    delivered,
    established,
    held,
    offered_at_vdn,
    queued,
    retrieved,
)


def steps(decoder: DmccDecoder, *frames: bytes) -> list[tuple[str, str]]:
    return [(s.step, s.extension) for b in decoder.feed(b"".join(frames)) for s in b.calls]


def test_a_call_seen_by_its_vdn_split_and_station_monitors_gives_each_step_once() -> None:
    decoder = up()
    got = steps(
        decoder,
        offered_at_vdn(),
        queued(cross_ref="m7000"),
        queued(cross_ref="m301"),
        delivered("5001", "m5001"),
        delivered("5001", "m7000"),
        delivered("5001", "m301"),
        established("5001", "m5001"),
        established("5001", "m7000"),
        established("5001", "m301"),
        held("m5001"),
        held("m7000"),
        cleared("0612345678", cross_ref="m5001"),
        cleared("0612345678", cross_ref="m7000"),
        cleared("5001", cross_ref="m5001"),
        call_cleared(cross_ref="m7000"),
        call_cleared(cross_ref="m301"),
    )
    assert got == [
        ("offered", ""),
        ("queued", ""),
        ("ringing", "5001"),
        ("answered", "5001"),
        ("held", "5001"),
        ("ended", ""),
    ]


def test_a_repeat_after_a_later_step_at_the_same_device_is_a_new_step() -> None:
    decoder = up()
    steps(decoder, delivered(), established())
    assert steps(decoder, held("m5001"), held("m7000"), retrieved(), held("m5001")) == [
        ("held", "5001"),
        ("retrieved", "5001"),
        ("held", "5001"),
    ]


def test_a_station_clearing_its_held_call_does_not_end_it() -> None:
    decoder = up()
    steps(decoder, delivered(), established(), held())
    assert steps(decoder, cleared("5001")) == []
    assert steps(decoder, retrieved()) == [("retrieved", "5001")]


def test_answered_at_two_stations_are_two_steps() -> None:
    decoder = up()
    got = steps(
        decoder,
        delivered("5001", "m5001"),
        event(
            "DivertedEvent",
            conn("connection", "482", "5001")
            + dev("divertingDevice", "5001")
            + dev("newDestination", "5002"),
            "m5001",
        ),
        delivered("5002", "m5002"),
        established("5002", "m5002"),
        established("5002", "m7000"),
    )
    assert got == [
        ("offered", ""),
        ("ringing", "5001"),
        ("diverted", ""),
        ("ringing", "5002"),
        ("answered", "5002"),
    ]
