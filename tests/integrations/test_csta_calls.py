"""Each CSTA call event mapped to the neutral call steps (note §8): a VDN call that queues on a
skill, rings at an agent's station, is answered, held, retrieved, transferred, and ends."""

from __future__ import annotations

from integrations.base import Batch, CallEvent
from integrations.csta.decoder import DmccDecoder
from tests.fixtures.csta.wire import conn, dev, event, linkage, private, up

UCID = "00025000160955721139"


def calls(decoder: DmccDecoder, *frames: bytes) -> list[CallEvent]:
    batches: list[Batch] = decoder.feed(b"".join(frames))
    assert not decoder.errors, decoder.errors
    return [step for batch in batches for step in batch.calls]


def offered_at_vdn(call_id: str = "482") -> bytes:
    return event(
        "DeliveredEvent",
        conn("connection", call_id, "7000")
        + dev("alertingDevice", "7000")
        + dev("callingDevice", "0612345678")
        + dev("calledDevice", "7000")
        + "<localConnectionInfo>alerting</localConnectionInfo><cause>newCall</cause>"
        + linkage(UCID),
        "m7000",
    )


def queued(call_id: str = "482", cross_ref: str = "m301") -> bytes:
    return event(
        "QueuedEvent",
        conn("queuedConnection", call_id, "301")
        + dev("queue", "301")
        + dev("callingDevice", "0612345678")
        + dev("calledDevice", "7000")
        + "<numberQueued>1</numberQueued><cause>enteringDistribution</cause>",
        cross_ref,
    )


def delivered(station: str = "5001", cross_ref: str = "m5001", call_id: str = "482") -> bytes:
    return event(
        "DeliveredEvent",
        conn("connection", call_id, station)
        + dev("alertingDevice", station)
        + dev("callingDevice", "0612345678")
        + dev("calledDevice", "7000")
        + "<localConnectionInfo>alerting</localConnectionInfo><cause>distributed</cause>"
        + linkage(UCID)
        + private(
            "DeliveredEventPrivateData",
            "<acdGroup>301:CM1::0</acdGroup>" + dev("distributingVDN", "7000"),
        ),
        cross_ref,
    )


def established(station: str = "5001", cross_ref: str = "m5001", call_id: str = "482") -> bytes:
    return event(
        "EstablishedEvent",
        conn("establishedConnection", call_id, station)
        + dev("answeringDevice", station)
        + dev("callingDevice", "0612345678")
        + dev("calledDevice", "7000")
        + "<cause>normal</cause>",
        cross_ref,
    )


def held(cross_ref: str = "m5001") -> bytes:
    return event(
        "HeldEvent",
        conn("heldConnection", "482", "5001")
        + dev("holdingDevice", "5001")
        + "<cause>normal</cause>",
        cross_ref,
    )


def retrieved() -> bytes:
    return event(
        "RetrievedEvent",
        conn("retrievedConnection", "482", "5001") + dev("retrievingDevice", "5001"),
        "m5001",
    )


def cleared(who: str, call_id: str = "482", cross_ref: str = "m5001") -> bytes:
    return event(
        "ConnectionClearedEvent",
        conn("droppedConnection", call_id, who)
        + dev("releasingDevice", who)
        + "<cause>normalClearing</cause>",
        cross_ref,
    )


def call_cleared(call_id: str = "482", cross_ref: str = "m7000") -> bytes:
    return event(
        "CallClearedEvent",
        f"<clearedCall><callID>{call_id}</callID></clearedCall><cause>normalClearing</cause>",
        cross_ref,
    )


def test_a_call_offered_on_a_vdn_queues_rings_and_is_answered() -> None:
    decoder = up()
    steps = calls(decoder, offered_at_vdn(), queued(), delivered(), established())
    assert [s.step for s in steps] == ["offered", "queued", "ringing", "answered"]
    offered, queue, ringing, answered = steps
    assert (offered.call_id, offered.vdn, offered.ucid) == ("482", "7000", UCID)
    assert (offered.calling, offered.called, offered.direction) == ("0612345678", "7000", "inbound")
    assert (queue.queue_kind, queue.queue_number) == ("skill", "301")
    assert (ringing.agent_id, ringing.extension, ringing.cause) == ("3101", "5001", "distributed")
    assert (answered.agent_id, answered.extension, answered.vdn) == ("3101", "5001", "7000")


def test_the_vdn_and_skill_come_from_avaya_private_data_when_the_station_sees_the_call_first() -> (
    None
):
    decoder = up()
    steps = calls(decoder, delivered())
    assert [s.step for s in steps] == ["offered", "ringing"]
    assert steps[0].vdn == "7000" and steps[0].queue_number == "301"
    assert steps[0].extra == {}


def test_a_call_first_seen_when_already_answered_says_so_in_its_offer() -> None:
    decoder = up()
    steps = calls(decoder, established())
    assert [s.step for s in steps] == ["offered", "answered"]
    assert steps[0].extra == {"first_seen": "EstablishedEvent"}


def test_hold_retrieve_and_hold_again_are_three_steps() -> None:
    decoder = up()
    calls(decoder, delivered(), established())
    steps = calls(decoder, held(), retrieved(), held())
    assert [s.step for s in steps] == ["held", "retrieved", "held"]
    assert steps[0].extension == "5001" and steps[0].agent_id == "3101"


def test_the_caller_hanging_up_ends_the_call_released_by_the_caller() -> None:
    decoder = up()
    calls(decoder, delivered(), established())
    steps = calls(decoder, cleared("0612345678"), cleared("5001"), call_cleared())
    assert [(s.step, s.released_by) for s in steps] == [("ended", "caller")]


def test_the_agent_hanging_up_ends_the_call_released_by_the_agent() -> None:
    decoder = up()
    calls(decoder, delivered(), established())
    steps = calls(decoder, cleared("5001"))
    assert [(s.step, s.released_by, s.agent_id) for s in steps] == [("ended", "agent", "3101")]


def test_a_call_abandoned_in_the_queue_ends_released_by_the_caller() -> None:
    decoder = up()
    calls(decoder, offered_at_vdn(), queued())
    steps = calls(decoder, cleared("0612345678", cross_ref="m7000"), call_cleared())
    assert [(s.step, s.released_by) for s in steps] == [("ended", "caller")]


def test_call_cleared_alone_ends_the_call_released_by_the_system() -> None:
    decoder = up()
    calls(decoder, offered_at_vdn())
    assert [(s.step, s.released_by) for s in calls(decoder, call_cleared())] == [
        ("ended", "system")
    ]


def test_a_diverted_call_names_where_it_went() -> None:
    decoder = up()
    calls(decoder, delivered())
    steps = calls(
        decoder,
        event(
            "DivertedEvent",
            conn("connection", "482", "5001")
            + dev("divertingDevice", "5001")
            + dev("newDestination", "301")
            + "<cause>redirected</cause>",
            "m5001",
        ),
    )
    assert [(s.step, s.target, s.cause) for s in steps] == [("diverted", "301", "redirected")]


def test_a_transfer_goes_on_under_the_consulting_calls_id_as_the_same_call() -> None:
    decoder = up()
    calls(decoder, delivered(), established(), held())
    consult = calls(
        decoder,
        delivered("5002", "m5002", call_id="490"),
        established("5002", "m5002", call_id="490"),
    )
    assert [s.step for s in consult] == ["offered", "ringing", "answered"]
    steps = calls(
        decoder,
        event(
            "TransferedEvent",
            conn("primaryOldCall", "482", "5001")
            + conn("secondaryOldCall", "490", "5001")
            + dev("transferringDevice", "5001")
            + dev("transferredToDevice", "5002")
            + "<transferredConnections><connectionListItem>"
            + conn("newConnection", "490", "5002")
            + "</connectionListItem></transferredConnections><cause>transfer</cause>",
            "m5001",
        ),
    )
    assert [(s.call_id, s.step, s.target, s.extension) for s in steps] == [
        ("482", "transferred", "5002", "5002"),
        ("482", "answered", "", "5002"),  # the target took the consultation: talking there
        ("490", "ended", "", ""),
    ]
    assert steps[2].extra == {"merged_into": "482"} and steps[2].cause == "merged"
    ended = calls(decoder, cleared("0612345678", call_id="490", cross_ref="m5002"))
    assert [(s.call_id, s.step, s.released_by) for s in ended] == [("482", "ended", "caller")]


def test_a_conference_ends_only_when_one_party_is_left() -> None:
    decoder = up()
    calls(decoder, delivered(), established())
    steps = calls(
        decoder,
        event(
            "ConferencedEvent",
            conn("primaryOldCall", "482", "5001")
            + conn("secondaryOldCall", "490", "5001")
            + dev("conferencingDevice", "5001")
            + dev("addedParty", "5002")
            + "<cause>conference</cause>",
            "m5001",
        ),
    )
    assert [(s.step, s.target) for s in steps] == [("conferenced", "5002")]
    assert calls(decoder, cleared("5002")) == []
    assert [s.step for s in calls(decoder, cleared("5001"))] == ["ended"]


def test_a_failed_call_is_a_failed_step_with_its_cause() -> None:
    decoder = up()
    calls(decoder, delivered())
    steps = calls(
        decoder,
        event(
            "FailedEvent",
            conn("failedConnection", "482", "5001")
            + dev("failingDevice", "5001")
            + "<cause>busy</cause>",
            "m5001",
        ),
    )
    assert [(s.step, s.cause) for s in steps] == [("failed", "busy")]


def test_an_outbound_call_from_a_station_is_offered_as_outbound() -> None:
    decoder = up()
    steps = calls(
        decoder,
        event(
            "OriginatedEvent",
            conn("originatedConnection", "600", "5001")
            + dev("callingDevice", "5001")
            + dev("calledDevice", "0201234567"),
            "m5001",
        ),
    )
    assert [(s.step, s.direction, s.calling) for s in steps] == [("offered", "outbound", "5001")]


def test_a_chat_session_is_marked_as_such() -> None:
    decoder = up()
    frame = delivered().replace(
        b"<deviceID>5001:CM1::0</deviceID>", b'<deviceID mediaClass="chat">5001:CM1::0</deviceID>'
    )
    fixed = frame[:2] + len(frame).to_bytes(2, "big") + frame[4:]
    assert {s.media for s in calls(decoder, fixed)} == {"chat"}


def test_the_end_of_a_call_never_seen_begin_is_not_counted() -> None:
    decoder = up()
    assert calls(decoder, cleared("0612345678"), call_cleared()) == []
