"""Optimus' AgentServices.asmx (the guide's "Single Sign On Integration", section 8): a SOAP
web service. This source asks it CheckExtensionState for each of its agents, so Optimus
agents show a state instead of `unknown`.

The guide names the operations and their parameters (webServiceUserName, password, Username)
but not the namespace nor the answer's form: this client assumes ASP.NET's defaults (the
namespace http://tempuri.org/, the answer in <CheckExtensionStateResult>) and a state word
such as READY or NOT READY; a word it does not know is kept as sent with the state `unknown`.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from typing import Final
from xml.sax.saxutils import escape

from integrations.base import (
    AVAILABLE,
    LOGGED_OUT,
    NOT_READY,
    ON_CALL,
    RINGING,
    UNKNOWN,
    WRAP_UP,
)

NAMESPACE: Final = "http://tempuri.org/"
MAX_ANSWER: Final = 64 * 1024  # bytes of an answer read at most
STATES: Final = {
    "READY": AVAILABLE,
    "IDLE": AVAILABLE,
    "AVAILABLE": AVAILABLE,
    "NOT READY": NOT_READY,
    "NOTREADY": NOT_READY,
    "BREAK": NOT_READY,
    "BUSY": ON_CALL,
    "TALKING": ON_CALL,
    "ON CALL": ON_CALL,
    "RINGING": RINGING,
    "WRAPUP": WRAP_UP,
    "WRAP UP": WRAP_UP,
    "ACW": WRAP_UP,
    "LOGGED OUT": LOGGED_OUT,
    "LOGOUT": LOGGED_OUT,
    "LOGGEDOUT": LOGGED_OUT,
}


class ServiceFailed(Exception):
    """AgentServices could not be asked (unreachable, an HTTP error, an answer not read)."""


def neutral_state(word: str) -> str:
    return STATES.get(" ".join(word.upper().replace("_", " ").split()), UNKNOWN)


class AgentServices:
    def __init__(self, url: str, user: str, password: str, timeout: float = 5.0) -> None:
        self.url = url
        self.user = user
        self._password = password
        self.timeout = timeout

    def check_extension_state(self, user_code: str) -> str:
        """The state word Optimus gives for an agent (its Optimus user code)."""
        return self.call("CheckExtensionState", Username=user_code)

    def call(self, operation: str, **params: str) -> str:
        body = envelope(
            operation, {"webServiceUserName": self.user, "password": self._password, **params}
        )
        request = urllib.request.Request(
            self.url,
            data=body,
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": f'"{NAMESPACE}{operation}"',
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                data = answer.read(MAX_ANSWER + 1)
        except urllib.error.HTTPError as exc:
            raise ServiceFailed(f"{operation}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ServiceFailed(f"{operation}: {reason}"[:200]) from None
        if len(data) > MAX_ANSWER:
            raise ServiceFailed(f"{operation}: answer longer than {MAX_ANSWER} bytes")
        return result(data, operation)


def envelope(operation: str, params: dict[str, str]) -> bytes:
    fields = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in params.items())
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<soap:Body><{operation} xmlns="{NAMESPACE}">{fields}</{operation}></soap:Body>'
        "</soap:Envelope>"
    ).encode()


def result(data: bytes, operation: str) -> str:
    """The text of <{operation}Result> in a SOAP answer (a DOCTYPE or entity is refused)."""
    upper = data.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise ServiceFailed(f"{operation}: an answer with a DOCTYPE is not read")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ServiceFailed(f"{operation}: the answer is not XML ({exc})") from None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == f"{operation}Result":
            return (element.text or "").strip()
    raise ServiceFailed(f"{operation}: no {operation}Result in the answer")
