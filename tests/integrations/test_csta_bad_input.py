"""Bad network input on a CSTA link: counted, told with a short excerpt, skipped; the frames
after it are read. XML with a DTD or entity declarations is refused before it is parsed."""

from __future__ import annotations

from integrations.csta.framing import encode
from tests.fixtures.csta.wire import up
from tests.integrations.test_csta_calls import delivered, established


def test_a_doctype_frame_is_refused_and_the_next_frame_read() -> None:
    decoder = up()
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><DeliveredEvent>&lol2;</DeliveredEvent>'
    )
    batches = decoder.feed(encode(bomb, 9999) + delivered())
    assert [e.reason for e in decoder.errors] == ["DTD or entity declaration refused"]
    assert [s.step for b in batches for s in b.calls] == ["offered", "ringing"]


def test_an_external_entity_is_never_fetched() -> None:
    decoder = up()
    xxe = b'<!doctype x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    decoder.feed(encode(xxe, 9999))
    assert [e.reason for e in decoder.errors] == ["DTD or entity declaration refused"]


def test_non_utf8_and_broken_xml_are_counted_and_skipped() -> None:
    decoder = up()
    batches = decoder.feed(
        encode(b"<a>\xff\xfe\xfd</a>", 9999)
        + encode(b"<HeldEvent><x></HeldEvent>", 9999)
        + delivered()
    )
    assert len(decoder.errors) == 2
    assert all(e.reason.startswith("not well-formed XML") for e in decoder.errors)
    assert decoder.errors[1].excerpt.startswith("<HeldEvent>")
    assert [s.step for b in batches for s in b.calls] == ["offered", "ringing"]


def test_an_undefined_entity_is_an_error_not_a_crash() -> None:
    decoder = up()
    decoder.feed(encode(b"<HeldEvent>&nope;</HeldEvent>", 9999))
    assert decoder.errors[0].reason.startswith("not well-formed XML")


def test_a_bad_header_between_frames_loses_only_itself() -> None:
    decoder = up()
    batches = decoder.feed(delivered() + b"\x07\x07garbage\x00" + established())
    assert [e.reason for e in decoder.errors] == ["frame header is not version 0"]
    assert [s.step for b in batches for s in b.calls] == ["offered", "ringing", "answered"]


def test_an_event_missing_its_call_id_or_of_an_unknown_kind_is_skipped_quietly() -> None:
    decoder = up()
    batches = decoder.feed(
        encode(b"<DeliveredEvent><cause>x</cause></DeliveredEvent>", 9999)
        + encode(b"<SomeFutureEvent><a>1</a></SomeFutureEvent>", 9999)
    )
    assert not decoder.errors
    assert [(b.records, b.calls) for b in batches] == [(2, [])]


def test_a_doctype_in_utf16_or_under_a_foreign_encoding_is_refused_too() -> None:
    decoder = up()
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>'
    ebcdic = '<?xml version="1.0" encoding="cp500"?><!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>'
    decoder.feed(
        encode(utf16.encode("utf-16-le"), 9999)
        + encode(b'<?xml version="1.0" encoding="cp500"?>' + ebcdic[38:].encode("cp500"), 9999)
    )
    assert len(decoder.errors) == 2
    assert decoder.errors[0].reason == "not UTF-8"
    assert decoder.errors[1].reason.startswith("not well-formed XML")


def test_a_frame_nested_as_deep_as_it_can_go_is_read_without_trouble() -> None:
    decoder = up()
    depth = 2300  # as deep as 16 KiB allows
    body = b"<HeldEvent>" + b"<a>" * depth + b"x" + b"</a>" * depth + b"</HeldEvent>"
    batches = decoder.feed(encode(body, 9999) + delivered())
    assert not decoder.errors
    assert [s.step for b in batches for s in b.calls] == ["offered", "ringing"]
