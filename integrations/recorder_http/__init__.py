"""A recorder reached over our generic HTTP/JSON recorder API (README.md here documents it).

A "recorder" is the other kind of integration beside a feed: the call-recording system whose
recordings ingest tags with the call's data (ingest/recordings.py, the QMS Gateway's job). The
seam is RecorderClient: look a recording up by extension and time window or by UCID, write a
recording's flags once, list the recorder's users. Blocking I/O with a timeout: ingest calls it
from a worker thread, never on its event loop. No Django here.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Final, Protocol

KIND: Final = "http_json"
LABEL: Final = "Generic HTTP/JSON recorder API"
MAX_REPLY = 4 * 1024 * 1024  # a reply larger than this is refused, not read into memory
FLAG_NAMES: Final = (
    "AgentId",
    "AgentName",
    "CallerName",
    "CTICallRef",
    "InteractionGuid",
    "QueueName",
    "CTIWrapup",
    "CTIQueryData",
)


class RecorderError(Exception):
    """The recorder could not be reached or answered nonsense: try again later. The message
    never carries a credential."""


class FlagsRefused(Exception):
    """The recorder refused the flags for good (already flagged: flags are never rewritten,
    or no such recording). Retrying would not help."""


@dataclass(frozen=True, slots=True)
class Recording:
    recording_id: str
    extension: str
    started_at: float  # epoch seconds
    ucid: str = ""
    url: str = ""  # where staff can play it (a URL or a path on the recorder), "" if none


@dataclass(frozen=True, slots=True)
class RecorderUser:
    user_id: str
    login: str = ""
    extension: str = ""
    email: str = ""
    name: str = ""


class RecordingSource(Protocol):
    """Where a call's recordings can be looked up (the seam a look-up-only adapter, e.g. one
    reading Optimus' recording functions, implements)."""

    def find(self, extension: str, since: float, until: float) -> list[Recording]: ...

    def find_by_ucid(self, ucid: str) -> list[Recording]: ...


class RecorderClient(RecordingSource, Protocol):
    """A recorder that is tagged: look-up, plus flags written once and its user list."""

    def write_flags(self, recording_id: str, flags: dict[str, str], user_id: str = "") -> None: ...

    def users(self) -> list[RecorderUser]: ...


class HttpRecorder:
    """RecorderClient over HTTP/JSON; `token` (a secret) goes in an Authorization header."""

    def __init__(self, base_url: str, token: str = "", timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def find(self, extension: str, since: float, until: float) -> list[Recording]:
        query = urllib.parse.urlencode({"extension": extension, "from": since, "to": until})
        return [self._recording(r) for r in _list(self._call("GET", f"/recordings?{query}"))]

    def find_by_ucid(self, ucid: str) -> list[Recording]:
        query = urllib.parse.urlencode({"ucid": ucid})
        return [self._recording(r) for r in _list(self._call("GET", f"/recordings?{query}"))]

    def _recording(self, raw: dict[str, Any]) -> Recording:
        found = _recording(raw)
        if found.url.startswith("/"):  # a path on the recorder: a link staff can follow
            absolute = urllib.parse.urljoin(self.base_url + "/", found.url)
            return Recording(
                found.recording_id, found.extension, found.started_at, found.ucid, absolute
            )
        return found

    def write_flags(self, recording_id: str, flags: dict[str, str], user_id: str = "") -> None:
        path = f"/recordings/{urllib.parse.quote(recording_id, safe='')}/flags"
        self._call("PUT", path, {"flags": flags, "user_id": user_id or None})

    def users(self) -> list[RecorderUser]:
        return [_user(u) for u in _list(self._call("GET", "/users"))]

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                raw = reply.read(MAX_REPLY + 1)
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 409):
                raise FlagsRefused(_reason(exc)) from None
            raise RecorderError(f"HTTP {exc.code} from the recorder: {_reason(exc)}") from None
        except (OSError, ValueError) as exc:  # refused, reset, timed out, bad URL
            raise RecorderError(f"recorder unreachable: {exc}") from None
        if len(raw) > MAX_REPLY:
            raise RecorderError("the recorder's reply is too large")
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise RecorderError(f"the recorder's reply is not JSON: {raw[:60]!r}") from None


def make_client(base_url: str, secret: str = "", timeout: float = 5.0) -> RecorderClient:
    return HttpRecorder(base_url, secret, timeout)


def validate_url(base_url: str) -> list[str]:
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ["the base URL must be http:// or https:// with a host"]
    return []


def _reason(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(300).decode("utf-8", "replace")
        return str(json.loads(text).get("error", text))[:200]
    except (OSError, ValueError, AttributeError):
        return str(exc.reason)[:200]


def _list(reply: Any) -> list[dict[str, Any]]:
    if not isinstance(reply, list) or not all(isinstance(r, dict) for r in reply):
        raise RecorderError("the recorder's reply is not a JSON list of objects")
    return reply


def _recording(raw: dict[str, Any]) -> Recording:
    try:
        return Recording(
            recording_id=str(raw["id"]),
            extension=str(raw.get("extension") or ""),
            started_at=float(raw["started_at"]),
            ucid=str(raw.get("ucid") or ""),
            url=str(raw.get("url") or ""),
        )
    except (KeyError, TypeError, ValueError):
        raise RecorderError(f"a recording without id/started_at: {str(raw)[:80]}") from None


def _user(raw: dict[str, Any]) -> RecorderUser:
    if "id" not in raw:
        raise RecorderError(f"a user without id: {str(raw)[:80]}")
    return RecorderUser(
        user_id=str(raw["id"]),
        login=str(raw.get("login") or ""),
        extension=str(raw.get("extension") or ""),
        email=str(raw.get("email") or ""),
        name=str(raw.get("name") or ""),
    )
