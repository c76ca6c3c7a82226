"""A vendor written for the tests only, by the "adding a vendor" checklist of
docs/architecture.md, to prove the neutral contract carries what an event feed needs:

- a link that writes: the decoder says HELLO on connect (with what it carried over from the
  previous connection) and answers the server's PING with PONG;
- queue and agent rows as updates, and call steps (CallEvent) in the same batches;
- state that survives a reconnect (resume): the calls it saw in progress;
- supervisor actions: `SET|request|agent|action|reason` out, `OK|request` or
  `ERR|request|detail` back; a credential (`password`, a secret option) sent as `AUTH|password`
  before HELLO; a fact for the health page.

Wire format, one record a line: `Q|number|waiting`, `A|agent|state`, `C|call|step[|fields]`,
`PING`, and `END`, which closes a batch. A call step's optional fields are `key=value` pairs
separated by `;`: `q` (a queue number, kind "queue"), `vdn`, `agent`, `ext`, `calling`,
`called`, `target`, `by` (released by), `ucid` and `at` (the step's epoch seconds; else when it
was read).
"""

from __future__ import annotations

import time
from typing import Any

from integrations.base import (
    AGENT_ACTIONS,
    CALL_ENDED,
    CALL_STEPS,
    AgentCommand,
    AgentRow,
    Batch,
    CallEvent,
    CommandResult,
    Decoder,
    QueueRow,
    VendorInfo,
)

VENDOR = VendorInfo(
    key="example",
    label="Example event feed",
    transport="connect",
    default_port=9999,
    layouts=("events",),
    default_refresh_seconds=60,
    agent_actions=AGENT_ACTIONS,
    secret_options=("password",),
)


def default_options(layout: str) -> dict[str, Any]:
    return {}


def validate_options(layout: str, options: dict[str, Any]) -> list[str]:
    return [f"unknown option {key!r}" for key in options]


def make_decoder(layout: str, options: dict[str, Any]) -> ExampleDecoder:
    decoder = ExampleDecoder()
    decoder.password = str(options.get("password", ""))
    return decoder


class ExampleDecoder(Decoder):
    def __init__(self) -> None:
        super().__init__()
        self.tail = b""
        self.batch = Batch()
        self.open_calls: set[str] = set()
        self.password = ""

    def resume(self, previous: Decoder) -> None:
        if isinstance(previous, ExampleDecoder):
            self.open_calls = set(previous.open_calls)

    def connected(self) -> None:
        if self.password:
            self.send(f"AUTH|{self.password}\n".encode())
        self.facts["requests"] = "SET lines, answered OK or ERR"
        self.send(f"HELLO {','.join(sorted(self.open_calls))}\n".encode())

    def feed(self, data: bytes) -> list[Batch]:
        *lines, self.tail = (self.tail + data).split(b"\n")
        done = []
        for raw in lines:
            fields = raw.decode("ascii", "replace").split("|")
            if fields[0] in ("OK", "ERR") and len(fields) >= 2:
                detail = fields[2] if len(fields) > 2 else ""
                self.results.append(CommandResult(fields[1], fields[0] == "OK", detail))
            elif fields == ["PING"]:
                self.send(b"PONG\n")
            elif fields == ["END"]:
                done.append(self.batch)
                self.batch = Batch()
            elif fields[0] == "Q" and len(fields) == 3 and fields[2].isdigit():
                self.batch.queues.append(
                    QueueRow(kind="queue", number=fields[1], calls_waiting=int(fields[2]))
                )
            elif fields[0] == "A" and len(fields) == 3:
                self.batch.agents.append(AgentRow(agent_id=fields[1], state=fields[2]))
            elif fields[0] == "C" and len(fields) in (3, 4) and fields[2] in CALL_STEPS:
                call_id, step = fields[1], fields[2]
                event = call_event(call_id, step, fields[3] if len(fields) == 4 else "")
                if event is None:
                    self.error("bad call fields", raw)
                    continue
                self.batch.calls.append(event)
                if step == CALL_ENDED:
                    self.open_calls.discard(call_id)
                else:
                    self.open_calls.add(call_id)
            else:
                self.error("not an example record", raw)
        return done

    def command(self, request: AgentCommand) -> None:
        self.send(
            f"SET|{request.request_id}|{request.agent_id}|{request.action}|"
            f"{request.reason_code}\n".encode()
        )


CALL_FIELDS = {
    "q": "queue_number",
    "vdn": "vdn",
    "agent": "agent_id",
    "ext": "extension",
    "calling": "calling",
    "called": "called",
    "target": "target",
    "by": "released_by",
    "ucid": "ucid",
}


def call_event(call_id: str, step: str, text: str) -> CallEvent | None:
    """A call step and its `key=value;...` fields; None when a field is not one of them."""
    event = CallEvent(call_id=call_id, step=step, at=time.time())
    for pair in filter(None, text.split(";")):
        key, _, value = pair.partition("=")
        if key == "at":
            try:
                event.at = float(value)
            except ValueError:
                return None
        elif key in CALL_FIELDS:
            setattr(event, CALL_FIELDS[key], value)
            if key == "q":
                event.queue_kind = "queue"
        else:
            return None
    if event.released_by not in ("caller", "agent", "system", ""):
        return None
    return event
