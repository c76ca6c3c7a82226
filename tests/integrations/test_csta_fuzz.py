"""The CSTA decoder under arbitrary input: it never raises, its errors stay bounded, and how
the reads split never changes what comes out."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.base import AGENT_STATES, CALL_STEPS, Batch
from integrations.csta.decoder import DmccDecoder
from integrations.csta.framing import FrameReader, encode
from tests.fixtures.csta.wire import up
from tests.integrations.test_csta_agents import agent_event
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

GOOD = [
    offered_at_vdn(),
    queued(),
    delivered(),
    delivered("5002", "m5002"),
    established(),
    held(),
    retrieved(),
    cleared("0612345678"),
    cleared("5001"),
    call_cleared(),
    agent_event("AgentReadyEvent"),
    agent_event("AgentLoggedOffEvent", "3102", "5002"),
]
PIECES = st.sampled_from(
    [
        *GOOD,
        b"\x00",
        b"\x00\x00",
        b"\x00\x00\xff\xff9999<",
        b"9999",
        b"<",
        b"<!DOCTYPE a>",
        b"\xff\xfe",
        b"<HeldEvent>",
        encode(b"<a>&x;</a>", 9999),
        encode(b"<!DOCTYPE x [<!ENTITY e 'e'>]><x>&e;</x>", 9999),
        encode(b"<CSTAErrorCode><operation>x</operation></CSTAErrorCode>", 17),
    ]
)
STREAMS = st.one_of(st.binary(max_size=600), st.lists(PIECES, max_size=40).map(b"".join))

# XML the mapping must survive: real event names with children in any order, any text.
NAMES = st.sampled_from(
    [
        "DeliveredEvent",
        "EstablishedEvent",
        "HeldEvent",
        "RetrievedEvent",
        "QueuedEvent",
        "DivertedEvent",
        "ConnectionClearedEvent",
        "CallClearedEvent",
        "FailedEvent",
        "OriginatedEvent",
        "TransferedEvent",
        "ConferencedEvent",
        "AgentLoggedOnEvent",
        "AgentNotReadyEvent",
        "AgentLoggedOffEvent",
        "GetAgentStateResponse",
    ]
)
CHILDREN = st.sampled_from(
    [
        "<connection><callID>{t}</callID><deviceID>{t}</deviceID></connection>",
        "<primaryOldCall><callID>{t}</callID></primaryOldCall>",
        "<secondaryOldCall><callID>{t}</callID></secondaryOldCall>",
        "<droppedConnection><callID>{t}</callID><deviceID>{t}</deviceID></droppedConnection>",
        "<clearedCall><callID>{t}</callID></clearedCall>",
        "<alertingDevice><deviceIdentifier>{t}</deviceIdentifier></alertingDevice>",
        "<releasingDevice><deviceIdentifier>{t}</deviceIdentifier></releasingDevice>",
        "<agentDevice><deviceIdentifier>{t}</deviceIdentifier></agentDevice>",
        "<agentID>{t}</agentID>",
        "<newConnection><callID>{t}</callID></newConnection>",
        "<globallyUniqueCallLinkageID>{t}</globallyUniqueCallLinkageID>",
        "<acdGroup>{t}</acdGroup><reasonCode>{t}</reasonCode><cause>{t}</cause>",
        "<loggedOnState>{t}</loggedOnState><agentState>{t}</agentState>",
    ]
)
TEXT = st.text(
    alphabet=st.sampled_from("0123456789:ABCDEF5001CM-&amp;é "), min_size=0, max_size=24
).map(lambda t: t.replace("&", "&amp;").replace("&amp;amp;", "&amp;"))


def feed_in_pieces(data: bytes, cuts: list[int]) -> tuple[DmccDecoder, list[Batch]]:
    decoder = up()
    batches: list[Batch] = []
    start = 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        batches += decoder.feed(data[start:cut])
        start = cut
    batches += decoder.feed(data[start:])
    return decoder, batches


def summary(batches: list[Batch]) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The agents' rows and the call steps, each in order (a batch's split does not matter)."""
    agents: list[tuple[str, ...]] = [
        (a.agent_id, a.state, a.reason_code) for b in batches for a in b.agents
    ]
    calls: list[tuple[str, ...]] = [
        (c.call_id, c.step, c.extension, str(c.released_by)) for b in batches for c in b.calls
    ]
    return agents, calls


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STREAMS, st.lists(st.integers(min_value=0, max_value=10_000), max_size=8))
def test_any_bytes_never_raise_and_the_split_of_reads_does_not_matter(
    data: bytes, cuts: list[int]
) -> None:
    whole, whole_batches = feed_in_pieces(data, [])
    split, split_batches = feed_in_pieces(data, cuts)
    assert len(split.errors) <= 1000
    assert summary(whole_batches) == summary(split_batches)
    assert len(whole.errors) <= 1000
    for batch in whole_batches:
        assert all(a.state in AGENT_STATES for a in batch.agents)
        assert all(c.step in CALL_STEPS for c in batch.calls)


@settings(max_examples=200, deadline=None)
@given(NAMES, st.lists(st.tuples(CHILDREN, TEXT), max_size=8), st.integers(0, 9999))
def test_any_event_shape_maps_without_raising(
    name: str, children: list[tuple[str, str]], invoke_id: int
) -> None:
    decoder = up()
    body = "".join(child.format(t=text) for child, text in children)
    xml = f"<{name}><monitorCrossRefID>m5001</monitorCrossRefID>{body}</{name}>".encode()
    for batch in decoder.feed(encode(xml, invoke_id) + delivered() + established()):
        assert all(a.state in AGENT_STATES for a in batch.agents)
        assert all(c.step in CALL_STEPS and c.call_id for c in batch.calls)
    offers: dict[str, int] = {}
    for batch in decoder.feed(cleared("0612345678") + call_cleared()):
        for c in batch.calls:
            offers[c.call_id] = offers.get(c.call_id, 0) + (c.step == "ended")
    assert all(n <= 1 for n in offers.values())


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=10, max_value=400))
def test_the_frame_reader_holds_no_more_than_one_frame_of_garbage(data: bytes, limit: int) -> None:
    reader = FrameReader(max_frame=limit)
    for _ in range(5):
        reader.feed(data)
    assert reader.pending <= max(limit, 9)
