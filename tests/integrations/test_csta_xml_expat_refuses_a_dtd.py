"""The CSTA XML reader's second line: should a DTD get past parse()'s byte check, expat itself
stops at the declaration, so no entity is expanded and nothing is fetched."""

from __future__ import annotations

import pytest

from integrations.csta.messages import BadXml, read

REFUSED = "DTD or entity declaration refused"


def test_expat_refuses_an_internal_entity_the_byte_check_never_saw() -> None:
    laughs = (
        b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<HeldEvent><cause>&lol2;</cause></HeldEvent>"
    )
    with pytest.raises(BadXml, match=REFUSED):
        read(laughs)


def test_expat_refuses_an_external_entity_without_fetching_it() -> None:
    xxe = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x><cause>&e;</cause></x>'
    with pytest.raises(BadXml, match=REFUSED):
        read(xxe)


def test_expat_refuses_an_external_dtd_and_a_parameter_entity() -> None:
    with pytest.raises(BadXml, match=REFUSED):
        read(b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>')
    with pytest.raises(BadXml, match=REFUSED):
        read(b'<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">%p;]><x/>')


def test_an_undefined_entity_is_not_well_formed() -> None:
    with pytest.raises(BadXml, match="not well-formed XML"):
        read(b"<HeldEvent><cause>&nope;</cause></HeldEvent>")


def test_the_five_predefined_entities_and_character_references_read_as_text() -> None:
    message = read(b"<x><cause>&lt;a&gt; &amp; &quot;&apos; &#233;&#x41;</cause></x>")
    assert message.get("x/cause") == "<a> & \"' \u00e9A"
