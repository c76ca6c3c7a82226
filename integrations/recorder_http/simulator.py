"""A recorder that speaks our HTTP/JSON recorder API (README.md here), for tests and the demo.

A real HTTP server on loopback. It records a call at an extension when told (record()), keeps
each recording's ID findable only for `id_seconds` after the recording starts (as a QMS
recorder does), stores flags once and refuses to rewrite them (409), lists its users, and can be
taken down and brought back up on the same port (down()/up()).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 64 * 1024


@dataclass
class SimRecording:
    recording_id: str
    extension: str
    started_at: float
    ucid: str = ""
    flags: dict[str, str] | None = None
    user_id: str | None = None

    def json(self) -> dict[str, Any]:
        return {
            "id": self.recording_id,
            "extension": self.extension,
            "started_at": self.started_at,
            "ucid": self.ucid,
            "url": f"/play/{self.recording_id}",
        }


@dataclass
class RecorderSimulator:
    host: str = "127.0.0.1"
    port: int = 0
    id_seconds: float = 10.0
    token: str = ""
    users: list[dict[str, str]] = field(default_factory=list)
    recordings: dict[str, SimRecording] = field(default_factory=dict)
    flag_writes: int = 0  # PUTs that stored flags
    refused_writes: int = 0  # PUTs refused (already flagged, unknown recording)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    # As a recorder that records every call (the demo): a look-up at an extension that finds
    # nothing starts a recording there at the window's start.
    auto_record: bool = False

    # -- control -------------------------------------------------------------------------
    def record(self, extension: str, ucid: str = "", at: float | None = None) -> str:
        """A call connected at `extension` is being recorded from `at` (now): its new ID."""
        with self._lock:
            recording_id = f"REC-{next(self._ids)}"
            started = time.time() if at is None else at
            self.recordings[recording_id] = SimRecording(recording_id, extension, started, ucid)
            return recording_id

    def flags_of(self, recording_id: str) -> dict[str, str] | None:
        with self._lock:
            return self.recordings[recording_id].flags

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def up(self) -> RecorderSimulator:
        simulator = self

        class Handler(_Handler):
            sim = simulator

        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        self.port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- what the API answers ------------------------------------------------------------
    def findable(self, now: float) -> list[SimRecording]:
        return [r for r in self.recordings.values() if now - r.started_at <= self.id_seconds]

    def find(self, query: dict[str, str]) -> list[dict[str, Any]]:
        now = time.time()
        with self._lock:
            found = self.findable(now)
            if "ucid" in query:
                found = [r for r in found if r.ucid and r.ucid == query["ucid"]]
            else:
                since, until = float(query.get("from", 0)), float(query.get("to", now))
                found = [
                    r
                    for r in found
                    if r.extension == query.get("extension", "") and since <= r.started_at <= until
                ]
                if not found and self.auto_record and query.get("extension"):
                    recording_id = f"REC-{next(self._ids)}"
                    made = SimRecording(recording_id, query["extension"], since)
                    self.recordings[recording_id] = made
                    found = [made]
            return [r.json() for r in found]

    def write(self, recording_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        flags = body.get("flags")
        if not isinstance(flags, dict):
            return 400, {"error": "flags must be an object"}
        with self._lock:
            recording = self.recordings.get(recording_id)
            if recording is None:
                self.refused_writes += 1
                return 404, {"error": f"no recording {recording_id}"}
            if recording.flags is not None:
                self.refused_writes += 1
                return 409, {"error": "flags already written; they are never rewritten"}
            recording.flags = {str(k): str(v) for k, v in flags.items()}
            recording.user_id = body.get("user_id")
            self.flag_writes += 1
            return 200, {"id": recording_id}


class _Handler(BaseHTTPRequestHandler):
    sim: RecorderSimulator

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet in tests

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _allowed(self) -> bool:
        if self.sim.token and self.headers.get("Authorization") != f"Bearer {self.sim.token}":
            self._reply(401, {"error": "bad or missing token"})
            return False
        return True

    def do_GET(self) -> None:
        if not self._allowed():
            return
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        if parts.path == "/recordings":
            try:
                self._reply(200, self.sim.find(query))
            except ValueError:
                self._reply(400, {"error": "from/to must be epoch seconds"})
        elif parts.path == "/users":
            self._reply(200, list(self.sim.users))
        else:
            self._reply(404, {"error": "not found"})

    def do_PUT(self) -> None:
        if not self._allowed():
            return
        parts = urllib.parse.urlsplit(self.path).path.split("/")
        length = int(self.headers.get("Content-Length") or 0)
        if len(parts) != 4 or parts[1] != "recordings" or parts[3] != "flags":
            self._reply(404, {"error": "not found"})
            return
        if length > MAX_BODY:
            self._reply(413, {"error": "body too large"})
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._reply(400, {"error": "body is not JSON"})
            return
        if not isinstance(body, dict):
            self._reply(400, {"error": "body must be an object"})
            return
        status, reply = self.sim.write(urllib.parse.unquote(parts[2]), body)
        self._reply(status, reply)
