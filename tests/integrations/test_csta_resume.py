"""A new link takes over from the last (resume): monitors are set up again, the calls in
progress are checked with SnapshotDevice, and none is offered or ended twice."""

from __future__ import annotations

from integrations.csta import make_decoder
from integrations.csta.decoder import DmccDecoder
from integrations.csta.messages import Message
from tests.fixtures.csta.wire import ED3, OPTIONS, Answer, answer, exchange
from tests.integrations.test_csta_calls import cleared, delivered, established


def with_calls(*call_ids: str) -> Answer:
    def respond(message: Message) -> str | None:
        if message.name == "SnapshotDevice":
            items = "".join(
                "<snapshotDeviceResponseInfo><connectionIdentifier>"
                f"<callID>{call_id}</callID><deviceID>5001:CM1::0</deviceID>"
                "</connectionIdentifier></snapshotDeviceResponseInfo>"
                for call_id in call_ids
            )
            return (
                f'<SnapshotDeviceResponse xmlns="{ED3}"><crossRefIDorSnapshotData><snapshotData>'
                f"{items}</snapshotData></crossRefIDorSnapshotData></SnapshotDeviceResponse>"
            )
        return answer(message)

    return respond


def reconnect(before: DmccDecoder, respond: Answer) -> tuple[DmccDecoder, list[str], list[str]]:
    after = make_decoder("events", OPTIONS)
    after.resume(before)
    after.connected()
    names, batches = exchange(after, respond)
    return after, names, [f"{s.call_id} {s.step}" for b in batches for s in b.calls]


def answered_call() -> DmccDecoder:
    decoder = make_decoder("events", OPTIONS)
    decoder.connected()
    exchange(decoder)
    decoder.feed(delivered() + established())
    return decoder


def test_a_call_still_up_after_a_reconnect_goes_on_without_a_second_offer() -> None:
    after, names, steps = reconnect(answered_call(), with_calls("482"))
    assert names.count("MonitorStart") == 4 and "SnapshotDevice" in names
    assert steps == []
    again = after.feed(delivered() + established() + cleared("0612345678"))
    assert [f"{s.call_id} {s.step}" for b in again for s in b.calls] == ["482 ended"]


def test_a_call_that_ended_while_the_link_was_down_is_ended_once() -> None:
    after, _, steps = reconnect(answered_call(), with_calls())
    assert steps == ["482 ended"]
    late = after.feed(cleared("0612345678"))
    assert [s for b in late for s in b.calls] == []


def test_the_agent_on_that_call_is_shown_free_once_the_call_is_found_ended() -> None:
    before = answered_call()
    after = make_decoder("events", OPTIONS)
    after.resume(before)
    after.connected()
    _, batches = exchange(after, with_calls())
    assert [(a.agent_id, a.state) for b in batches for a in b.agents] == [("3101", "available")]


def test_a_refused_snapshot_keeps_the_call_open_rather_than_guess() -> None:
    def refuse(message: Message) -> str | None:
        if message.name == "SnapshotDevice":
            return f'<CSTAErrorCode xmlns="{ED3}"><operation>generic</operation></CSTAErrorCode>'
        return answer(message)

    after, _, steps = reconnect(answered_call(), refuse)
    assert steps == []
    assert "482" in after.tracker.calls
