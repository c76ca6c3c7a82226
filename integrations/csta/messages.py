"""CSTA XML documents in and out (docs/protocols/csta-xml-dmcc.md §4-§10).

In: a frame's body, parsed safely (a DOCTYPE or ENTITY declaration is refused before the
parser sees it, and expat stops at one should it get through, so no entity is ever expanded
and nothing is fetched), flattened into a Message: the root's local name and each leaf's text
keyed by "parent/leaf" local names (and by the bare leaf name), the first occurrence in
document order, namespaces ignored as the note advises.

Out: the requests this link sends, as bytes ready for framing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final
from xml.parsers.expat import XML_PARAM_ENTITY_PARSING_NEVER, ExpatError, ParserCreate
from xml.sax.saxutils import escape

ECMA323: Final = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
ECMA354: Final = "http://www.ecma-international.org/standards/ecma-354/appl_session"
AVAYA: Final = "http://www.avaya.com/csta"
PROTOCOL_PRIV7: Final = ECMA323 + "/priv7"
PROLOG: Final = '<?xml version="1.0" encoding="UTF-8"?>'

_LOCAL: dict[str, str] = {}  # tag -> local name
_KEYS: dict[tuple[str, str], tuple[str, str]] = {}  # (parent tag, tag) -> the leaf's keys
_INTERN: dict[str, str] = {}  # expat's names, shared by every parse


class BadXml(ValueError):
    pass


@dataclass(slots=True)
class Message:
    name: str  # the root element's local name: "DeliveredEvent", "CSTAErrorCode" ...
    fields: dict[str, str]  # "parent/leaf" and "leaf" -> text (first occurrence)
    repeats: dict[str, list[str]] = field(default_factory=dict)  # "parent/leaf" seen again
    media: str = ""  # a mediaClass attribute on a connection's device, where one was sent

    def get(self, key: str) -> str:
        return self.fields.get(key, "")

    def all(self, key: str) -> list[str]:
        first = self.fields.get(key)
        if first is None:
            return []
        return [first, *self.repeats.get(key, ())]

    def first_leaf(self) -> tuple[str, str]:
        """The first leaf (its local name and text): an error's kind and value."""
        for key, text in self.fields.items():
            if "/" in key:
                return key.rpartition("/")[2], text
        return "", ""


def _local(tag: str) -> str:
    name = tag[tag.find("}") + 1 :]
    if len(_LOCAL) < 4096:  # tags repeat; garbage must not grow the cache
        _LOCAL[tag] = name
    return name


class _Refused(Exception):
    """A DTD reached expat after all (the byte check missed it): stop at once."""


def _refuse(*_: object) -> None:
    raise _Refused


def parse(body: bytes) -> Message:
    """A frame's XML as a Message; BadXml if it is not one well-formed, DTD-free document.

    Read by expat straight into the fields, no tree: each element without element children
    (a leaf) gives its stripped text under "parent/leaf" and "leaf", the first occurrence in
    document order; later ones of a "parent/leaf" go to `repeats`."""
    if b"<!" in body:
        upper = body.upper()
        if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
            raise BadXml("DTD or entity declaration refused")
    if b"\0" in body:  # UTF-16 or -32, where the check above could not see a declaration
        raise BadXml("not UTF-8")
    return read(body)


def read(body: bytes) -> Message:
    """parse() without its byte checks: expat alone, which refuses a DTD by itself too."""
    tags: list[str] = []  # the open elements' tags ("namespace URI}local name")
    chunks: list[str] = []  # the text since the last tag
    fields: dict[str, str] = {}
    repeats: dict[str, list[str]] = {}
    root = media = ""
    opened = False  # the last event was a start tag: the element ending next is a leaf
    last_attrs: list[str] = []  # the attributes of the element started last
    keys = _KEYS.get

    # Both run for every element: each line of them counts.
    def start(tag: str, attrs: list[str]) -> None:
        nonlocal opened, last_attrs
        tags.append(tag)
        last_attrs = attrs
        opened = True
        if chunks:
            chunks.clear()

    def end(tag: str) -> None:
        nonlocal opened, media, root
        tags.pop()
        if not tags:
            root = tag
        elif opened:
            key, leaf = keys((tags[-1], tag)) or _key(tags[-1], tag)
            text = (chunks[0] if len(chunks) == 1 else "".join(chunks)).strip()
            if key in fields:
                more = repeats.setdefault(key, [])
                if len(more) < 256:
                    more.append(text)
            else:
                fields[key] = text
                if leaf not in fields:
                    fields[leaf] = text
                if last_attrs and leaf == "deviceID" and not media:
                    media = _attribute(last_attrs, "mediaClass")
        opened = False
        if chunks:
            chunks.clear()

    # UTF-8 whatever the document declares: an EBCDIC or UTF-7 declaration could hide a
    # DOCTYPE from the check above, and DMCC speaks UTF-8 (note §3.1). Names are interned
    # across frames, so the key cache hits by identity.
    parser = ParserCreate("utf-8", "}", _INTERN)
    # A second line behind the byte check: no parameter entity is ever read, and a DOCTYPE
    # or an entity declaration stops the parse.
    parser.SetParamEntityParsing(XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ordered_attributes = True
    parser.buffer_text = True  # a leaf's text in one piece (or a few, past 8 KiB)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chunks.append
    try:
        parser.Parse(body, True)
    except ExpatError as exc:
        raise BadXml(f"not well-formed XML ({exc})") from None
    except _Refused:
        raise BadXml("DTD or entity declaration refused") from None
    except (ValueError, LookupError) as exc:
        raise BadXml(f"unreadable XML ({exc})") from None
    finally:
        if len(_INTERN) > 4096:  # garbage names must not grow it
            _INTERN.clear()
    return Message(_LOCAL.get(root) or _local(root), fields, repeats, media)


def _key(above: str, tag: str) -> tuple[str, str]:
    """A leaf's keys: "parent/leaf" and "leaf", by local names."""
    leaf = _LOCAL.get(tag) or _local(tag)
    found = ((_LOCAL.get(above) or _local(above)) + "/" + leaf, leaf)
    if len(_KEYS) < 4096:  # pairs repeat; garbage must not grow the cache
        _KEYS[above, tag] = found
    return found


def _attribute(attrs: list[str], name: str) -> str:
    for i in range(0, len(attrs) - 1, 2):
        if attrs[i] == name:
            return attrs[i + 1]
    return ""


def device_text(device: str) -> str:
    return escape(device, {'"': "&quot;"})


def start_session(
    username: str, password: str, protocol: str, duration: int, cleanup: int
) -> bytes:
    return (
        f'{PROLOG}<StartApplicationSession xmlns="{ECMA354}" xmlns:acx="{AVAYA}"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><applicationInfo>'
        "<applicationID>wallboard</applicationID><applicationSpecificInfo>"
        '<acx:SessionLoginInfo xsi:type="acx:SessionLoginInfo">'
        f"<acx:userName>{escape(username)}</acx:userName>"
        f"<acx:password>{escape(password)}</acx:password>"
        f"<acx:sessionCleanupDelay>{cleanup}</acx:sessionCleanupDelay>"
        "</acx:SessionLoginInfo></applicationSpecificInfo></applicationInfo>"
        f"<requestedProtocolVersions><protocolVersion>{escape(protocol)}</protocolVersion>"
        f"</requestedProtocolVersions><requestedSessionDuration>{duration}"
        "</requestedSessionDuration></StartApplicationSession>"
    ).encode()


def reset_session_timer(session_id: str, duration: int) -> bytes:
    return (
        f'{PROLOG}<ResetApplicationSessionTimer xmlns="{ECMA354}">'
        f"<sessionID>{escape(session_id)}</sessionID>"
        f"<requestedSessionDuration>{duration}</requestedSessionDuration>"
        "</ResetApplicationSessionTimer>"
    ).encode()


def stop_session(session_id: str) -> bytes:
    return (
        f'{PROLOG}<StopApplicationSession xmlns="{ECMA354}">'
        f"<sessionID>{escape(session_id)}</sessionID>"
        "<sessionEndReason><appEndReason>Application Request</appEndReason></sessionEndReason>"
        "</StopApplicationSession>"
    ).encode()


def get_device_id(switch: str, switch_ip: str, extension: str, third_party: bool) -> bytes:
    name = "GetThirdPartyDeviceId" if third_party else "GetDeviceId"
    ip = "" if third_party or not switch_ip else f"<switchIPInterface>{escape(switch_ip)}"
    ip += "</switchIPInterface>" if ip else ""
    tail = "" if third_party else "<controllableByOtherSessions>true</controllableByOtherSessions>"
    return (
        f'{PROLOG}<{name} xmlns="{AVAYA}"><switchName>{escape(switch)}</switchName>{ip}'
        f"<extension>{escape(extension)}</extension>{tail}</{name}>"
    ).encode()


_CALL_FILTER: Final = "".join(
    f"<{flag}>true</{flag}>"
    for flag in (
        "callCleared",
        "conferenced",
        "connectionCleared",
        "delivered",
        "diverted",
        "established",
        "failed",
        "held",
        "originated",
        "queued",
        "retrieved",
        "transferred",
    )
)
_AGENT_FILTER: Final = "".join(
    f"<{flag}>true</{flag}>"
    for flag in (
        "agentBusy",
        "agentLoggedOn",
        "agentLoggedOff",
        "agentNotReady",
        "agentReady",
        "agentWorkingAfterCall",
    )
)


def monitor_start(device: str, monitor_type: str) -> bytes:
    """A device ("device") or call-via-device ("call") monitor asking for the call and agent
    events; with Avaya's invertFilter, `true` means "send it" (note §6.1)."""
    return (
        f'{PROLOG}<MonitorStart xmlns="{ECMA323}"><monitorObject>'
        f'<deviceObject typeOfNumber="other" mediaClass="notKnown">{device_text(device)}'
        "</deviceObject></monitorObject><requestedMonitorFilter>"
        f"<callcontrol>{_CALL_FILTER}</callcontrol>"
        f"<logicalDeviceFeature>{_AGENT_FILTER}</logicalDeviceFeature>"
        f"</requestedMonitorFilter><monitorType>{monitor_type}</monitorType>"
        f'<extensions><privateData><private><AvayaEvents xmlns="{AVAYA}">'
        "<invertFilter>true</invertFilter></AvayaEvents></private></privateData></extensions>"
        "</MonitorStart>"
    ).encode()


def snapshot_device(device: str) -> bytes:
    return (
        f'{PROLOG}<SnapshotDevice xmlns="{ECMA323}">'
        f'<snapshotObject typeOfNumber="other" mediaClass="notKnown">{device_text(device)}'
        "</snapshotObject></SnapshotDevice>"
    ).encode()


def get_agent_state(device: str) -> bytes:
    return (
        f'{PROLOG}<GetAgentState xmlns="{ECMA323}">'
        f'<device typeOfNumber="other" mediaClass="notKnown">{device_text(device)}</device>'
        "</GetAgentState>"
    ).encode()


def set_agent_state(device: str, state: str, agent_id: str = "", reason_code: str = "") -> bytes:
    """SetAgentState (note §9.1): loggedOff with the agent ID, notReady with Avaya's reason
    code in private data, ready with nothing more."""
    agent = f"<agentID>{escape(agent_id)}</agentID>" if agent_id else ""
    private = ""
    if reason_code:
        private = (
            f'<extensions><privateData><private><SetAgentStatePrivateData xmlns="{AVAYA}">'
            f"<reasonCode>{escape(reason_code)}</reasonCode>"
            "</SetAgentStatePrivateData></private></privateData></extensions>"
        )
    return (
        f'{PROLOG}<SetAgentState xmlns="{ECMA323}">'
        f'<device typeOfNumber="other" mediaClass="notKnown">{device_text(device)}</device>'
        f"<requestedAgentState>{state}</requestedAgentState>{agent}{private}</SetAgentState>"
    ).encode()


def simple_response(name: str) -> bytes:
    """The empty answer to a request the server sent (SystemStatus, MonitorStop)."""
    return f'{PROLOG}<{name}Response xmlns="{ECMA323}"/>'.encode()
