"""The AgentServices SOAP answer: its result read, an answer with a DOCTYPE (entity
expansion) or that is not XML refused, and Optimus' state words mapped to the neutral ones."""

from __future__ import annotations

import pytest

from integrations.optimus_db.agentservices import ServiceFailed, neutral_state, result

ANSWER = (
    b'<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
    b'<soap:Body><CheckExtensionStateResponse xmlns="http://tempuri.org/">'
    b"<CheckExtensionStateResult> NOT READY </CheckExtensionStateResult>"
    b"</CheckExtensionStateResponse></soap:Body></soap:Envelope>"
)


def test_the_result_is_read_from_the_answer() -> None:
    assert result(ANSWER, "CheckExtensionState") == "NOT READY"


@pytest.mark.parametrize(
    "answer",
    [
        b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        b"not xml at all",
        ANSWER.replace(b"CheckExtensionStateResult", b"Other"),
    ],
    ids=["doctype", "not-xml", "no-result"],
)
def test_an_answer_it_cannot_trust_or_read_is_refused(answer: bytes) -> None:
    with pytest.raises(ServiceFailed):
        result(answer, "CheckExtensionState")


@pytest.mark.parametrize(
    ("word", "state"),
    [
        ("READY", "available"),
        ("Not Ready", "not_ready"),
        ("not_ready", "not_ready"),
        ("TALKING", "on_call"),
        ("RINGING", "ringing"),
        ("WRAPUP", "wrap_up"),
        ("LOGGED OUT", "logged_out"),
        ("SOMETHING ELSE", "unknown"),
    ],
)
def test_state_words_map_to_neutral_states(word: str, state: str) -> None:
    assert neutral_state(word) == state
